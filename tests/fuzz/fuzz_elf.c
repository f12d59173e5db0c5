/*
 * The ELF loader (hv/lib/elf.c), as the loader uses it on the hypervisor
 * core and the core on multiboot kernels.
 *
 * Input: an ELF file, copied into a buffer of exactly its size (a read
 * past the end is caught). elf_parse must accept or refuse it with a
 * reason; when it accepts, every PT_LOAD segment is inside the file and
 * inside [vlo, vhi) and [plo, phi), the segments are in vaddr order
 * without overlap, and PT_DYNAMIC is inside the image. Then, if the image
 * is small enough, it is loaded into a buffer of exactly vhi - vlo bytes
 * (the file bytes must land at their place, the rest zero) and relocated
 * at two load addresses. A failed relocation must leave the image as it
 * was loaded, and a successful one may change only 8-byte words that
 * differ between the two load addresses.
 */
#include "fuzz.h"

#include <tessera/elf.h>

#define MAX_SPAN (4u * 1024 * 1024)

static void check_info(const struct elf_info *in, size_t size)
{
	FUZZ_CHECK(in->nsegs >= 1 && in->nsegs <= ELF_MAX_SEGMENTS);
	FUZZ_CHECK(in->vlo < in->vhi && in->plo < in->phi);
	for (unsigned i = 0; i < in->nsegs; i++) {
		const struct elf_segment *s = &in->segs[i];

		FUZZ_CHECK(s->filesz <= s->memsz && s->memsz > 0);
		FUZZ_CHECK(s->offset <= size && s->filesz <= size - s->offset);
		FUZZ_CHECK(s->vaddr >= in->vlo && s->memsz <= in->vhi - s->vaddr);
		FUZZ_CHECK(s->paddr >= in->plo && s->memsz <= in->phi - s->paddr);
		if (i > 0)
			FUZZ_CHECK(s->vaddr >= in->segs[i - 1].vaddr + in->segs[i - 1].memsz);
		if (!in->is64)
			FUZZ_CHECK(in->vhi - 1 <= 0xffffffffull && in->phi - 1 <= 0xffffffffull);
	}
	if (in->has_dynamic)
		FUZZ_CHECK(in->dynamic_vaddr >= in->vlo &&
			   in->dynamic_size <= in->vhi - in->dynamic_vaddr);
}

static void check_loaded(const u8 *file, const struct elf_info *in, const u8 *img)
{
	u64 at = in->vlo;

	for (unsigned i = 0; i < in->nsegs; i++) {
		const struct elf_segment *s = &in->segs[i];

		for (; at < s->vaddr; at++)
			FUZZ_CHECK(img[at - in->vlo] == 0); /* a gap */
		FUZZ_CHECK(memcmp(img + (s->vaddr - in->vlo), file + s->offset, s->filesz) == 0);
		for (at = s->vaddr + s->filesz; at < s->vaddr + s->memsz; at++)
			FUZZ_CHECK(img[at - in->vlo] == 0); /* bss */
	}
	FUZZ_CHECK(at == in->vhi);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 *file = malloc(size ? size : 1), *img, *a, *b;
	struct elf_info info;
	const char *err = NULL;
	u64 span;
	bool ra, rb;

	memcpy(file, data, size);
	if (!elf_parse(file, size, &info, &err)) {
		FUZZ_CHECK(err && err[0]);
		free(file);
		return 0;
	}
	check_info(&info, size);
	span = info.vhi - info.vlo;
	if (span > MAX_SPAN) {
		free(file);
		return 0;
	}

	img = malloc(span);
	a = malloc(span);
	b = malloc(span);
	elf_load_by_vaddr(file, &info, img);
	check_loaded(file, &info, img);

	memcpy(a, img, span);
	memcpy(b, img, span);
	err = NULL;
	ra = elf_relocate(&info, a, 0x200000, &err);
	FUZZ_CHECK(ra || (err && err[0]));
	rb = elf_relocate(&info, b, 0xffffffff80000000ull, &err);
	FUZZ_CHECK(ra == rb);
	if (!ra) {
		FUZZ_CHECK(memcmp(a, img, span) == 0 && memcmp(b, img, span) == 0);
	} else {
		/* A relocated word is B + A: it moves with the load address. */
		for (u64 i = 0; i < span; i++)
			if (a[i] != b[i])
				FUZZ_CHECK(info.has_dynamic);
	}
	free(img);
	free(a);
	free(b);
	free(file);
	return 0;
}
