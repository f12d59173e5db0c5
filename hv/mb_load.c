/*
 * The part of loading a kernel that Multiboot v1 (hv/multiboot.c) and
 * Multiboot2 (hv/multiboot2.c) share. See tessera/mb_load.h.
 *
 * References: Multiboot Specification 0.6.96, cited as "v1 spec 3.2" etc.,
 * and Multiboot2 Specification version 2.0, cited as "v2 spec 3.3" etc.
 *
 * The same rules as the loaders: the kernel file is untrusted, addresses
 * are computed in 64 bits so 32-bit fields cannot wrap, and everything is
 * checked (mb_check_*, mb_plan_*, mb_place_*) before mb_copy_image()
 * writes the first byte of guest memory. Nothing is ever written outside
 * [gm, gm + size).
 */
#include <tessera/elf.h>
#include <tessera/format.h>
#include <tessera/guest_layout.h>
#include <tessera/limits.h>
#include <tessera/mb_load.h>
#include <tessera/multiboot.h>
#include <tessera/string.h>
#include <tessera/types.h>

#define FOUR_GIB (4 * GiB)

bool mb_check_size(u64 size, const char *what, const struct errbuf *e)
{
	char sz[24];

	if (size <= MB_HOLE_END)
		return errbuf_fail(e, "%s of guest memory is too small: a %s kernel loads above "
			    "1 MiB", fmt_size(sz, sizeof(sz), size), what);
	return true;
}

bool mb_is_elf(const void *kernel, size_t ksize)
{
	static const u8 elf_magic[4] = { 0x7f, 'E', 'L', 'F' };

	return ksize >= 4 && memcmp(kernel, elf_magic, 4) == 0;
}

/*
 * Each PT_LOAD goes to its p_paddr (GRUB does the same; a higher-half
 * kernel links at a high p_vaddr and a low p_paddr). Paging is off at
 * entry (v1 spec 3.2, v2 spec 3.3), so e_entry, a virtual address, is
 * translated through the segment holding it, as GRUB does; for the usual
 * p_vaddr == p_paddr kernel that changes nothing. A physical entry point
 * from the header (v2 spec 3.1.6) is taken as it is.
 */
bool mb_plan_elf(const void *kernel, size_t ksize, const u32 *phys_entry, struct mb_image *img,
		 const struct errbuf *e)
{
	struct elf_info info;
	const char *why = "";

	if (!elf_parse(kernel, ksize, &info, &why))
		return errbuf_fail(e, "kernel: %s", why);
	img->nsegs = info.nsegs;
	img->entry = ~0ull;
	for (unsigned i = 0; i < info.nsegs; i++) {
		const struct elf_segment *s = &info.segs[i];

		img->seg[i] = (struct mb_load_seg){ .lo = s->paddr, .hi = s->paddr + s->memsz,
						    .offset = s->offset, .filesz = s->filesz };
		if (img->entry != ~0ull)
			continue;
		if (phys_entry && *phys_entry >= s->paddr && *phys_entry - s->paddr < s->memsz)
			img->entry = *phys_entry;
		if (!phys_entry && info.entry >= s->vaddr && info.entry - s->vaddr < s->memsz)
			img->entry = s->paddr + (info.entry - s->vaddr);
	}
	if (img->entry == ~0ull && phys_entry)
		return errbuf_fail(e, "entry address tag entry_addr 0x%x is not inside a loaded "
			    "segment", *phys_entry);
	if (img->entry == ~0ull)
		return errbuf_fail(e, "entry point 0x%llx is not inside a loaded segment",
			    (unsigned long long)info.entry);
	return true;
}

/* Every segment must lie in RAM above 1 MiB and below 4 GiB (the kernel
 * starts in 32-bit protected mode, v1 spec 3.2, v2 spec 3.3), clear of
 * the legacy hole and the info area, and segments may not overlap one
 * another. */
bool mb_check_segments(struct mb_image *img, u64 size, const char *what,
		       const struct errbuf *e)
{
	char sz[24];

	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct mb_load_seg *s = &img->seg[i];
		unsigned long long lo = s->lo, hi = s->hi;

		if (s->lo < MB_HOLE_END && s->hi > MB_HOLE_START)
			return errbuf_fail(e, "segment at 0x%llx..0x%llx overlaps the legacy hole "
				    "0x%llx..0x%llx", lo, hi, MB_HOLE_START, MB_HOLE_END);
		if (s->lo < MB_INFO_END && s->hi > MB_INFO_BASE)
			return errbuf_fail(e, "segment at 0x%llx..0x%llx overlaps the %s info area "
				    "0x%llx..0x%llx", lo, hi, what, MB_INFO_BASE, MB_INFO_END);
		if (s->lo < MB_HOLE_END)
			return errbuf_fail(e, "segment at 0x%llx..0x%llx lies below 1 MiB", lo, hi);
		if (s->hi > FOUR_GIB)
			return errbuf_fail(e, "segment at 0x%llx..0x%llx lies above 4 GiB", lo, hi);
		if (s->hi > size)
			return errbuf_fail(e, "segment at 0x%llx..0x%llx does not fit in %s of "
				    "memory", lo, hi, fmt_size(sz, sizeof(sz), size));
		for (unsigned j = 0; j < i; j++) {
			const struct mb_load_seg *t = &img->seg[j];

			if (s->lo < t->hi && t->lo < s->hi)
				return errbuf_fail(e, "segments at 0x%llx..0x%llx and "
					    "0x%llx..0x%llx overlap", (unsigned long long)t->lo,
					    (unsigned long long)t->hi, lo, hi);
		}
		if (i == 0 || s->lo < img->lo)
			img->lo = s->lo;
		if (i == 0 || s->hi > img->hi)
			img->hi = s->hi;
	}
	return true;
}

/* Modules follow the kernel, each on a page boundary (what v1 header flag
 * 0 and the v2 module alignment tag, spec 3.1.9, ask for; done always, as
 * GRUB does), below 4 GiB since the info holds 32-bit module addresses
 * (v1 spec 3.3, v2 spec 3.6.5). */
bool mb_place_modules(const struct mb_module_src *mods, unsigned nmods, u64 size,
		      struct mb_image *img, const struct errbuf *e)
{
	u64 at = ALIGN_UP(img->hi, PAGE_SIZE);
	char sz[24];

	if (nmods > MAX_MODULES)
		return errbuf_fail(e, "%u modules given, at most %u are supported", nmods,
			    MAX_MODULES);
	img->modules_hi = img->hi;
	for (unsigned i = 0; i < nmods; i++) {
		const char *name = mods[i].string ? mods[i].string : "";
		u64 end = at + mods[i].size;

		if (mods[i].size > size || end > MIN(size, FOUR_GIB))
			return errbuf_fail(e, "module %u (%s, %llu bytes) does not fit in %s of "
				    "memory below 4 GiB after the kernel", i, name,
				    (unsigned long long)mods[i].size,
				    fmt_size(sz, sizeof(sz), size));
		img->mod_start[i] = at;
		img->modules_hi = end;
		at = ALIGN_UP(end, PAGE_SIZE);
	}
	return true;
}

/* Zeroing all of guest memory first means a restart boots from a clean
 * slate, and the bss and segment gaps are zero without more work. */
void mb_copy_image(u8 *gm, u64 size, const void *kernel, const struct mb_image *img,
		   const struct mb_module_src *mods, unsigned nmods)
{
	const u8 *k = kernel;

	memset(gm, 0, (size_t)size);
	for (unsigned i = 0; i < img->nsegs; i++) {
		const struct mb_load_seg *s = &img->seg[i];

		if (s->filesz)
			memcpy(gm + s->lo, k + s->offset, (size_t)s->filesz);
	}
	for (unsigned i = 0; i < nmods; i++)
		if (mods[i].size)
			memcpy(gm + img->mod_start[i], mods[i].data, (size_t)mods[i].size);
}

/*
 * Both specifications let a memory map list RAM, reserved ranges and
 * "usable memory holding ACPI information" (type 3: v1 spec 3.3, v2 spec
 * 3.6.8), the types of the layout's regions. What the kernel may use is
 * what the layout calls plain RAM: the firmware tables' page and the BIOS
 * area holding the RSDP copy are RAM it must leave alone.
 */
unsigned mb_memory_map(u64 size, bool acpi, struct mb_mem_range out[MB_MAP_MAX],
		       const struct errbuf *e)
{
	struct guest_layout l;
	unsigned n = 0;

	if (!guest_layout_build(&l, FORMAT_MULTIBOOT, size, e->buf, e->len))
		return 0;
	for (unsigned i = 0; i < l.nregions; i++) {
		const struct guest_region *r = &l.region[i];
		u32 type = guest_region_map_type(r->kind);

		if (r->gpa >= size) /* the devices: no memory map lists them */
			continue;
		if (r->kind == GUEST_RAM_ACPI && !acpi)
			type = GUEST_MAP_AVAILABLE;
		if (n && out[n - 1].type == type && out[n - 1].base + out[n - 1].length == r->gpa)
			out[n - 1].length += r->size;
		else
			out[n++] = (struct mb_mem_range){ r->gpa, r->size, type };
	}
	return n;
}

u32 mb_mem_lower_kib(const struct mb_mem_range *map, unsigned n)
{
	if (!n || map[0].base != 0 || map[0].type != GUEST_MAP_AVAILABLE)
		return 0;
	return (u32)(MIN(map[0].length, GUEST_LEGACY_START) / KiB);
}

void mb_boot_out(const struct mb_image *img, struct mb_boot *out)
{
	*out = (struct mb_boot){ .entry = (u32)img->entry,
				 .mbi = (u32)MB_INFO_BASE,
				 .kernel_lo = img->lo,
				 .kernel_hi = img->hi,
				 .modules_hi = img->modules_hi };
}
