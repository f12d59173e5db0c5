/*
 * Unit tests for hv/multiboot2.c: Multiboot2 kernels built in memory (an
 * ELF32 and an ELF64 with a Multiboot2 header in their first segment, a
 * flat "a.out" image using the address and entry address tags) are loaded
 * into a guest memory buffer with canary pages on both sides, with
 * modules, a command line and an RSDP, and the boot information the loader
 * wrote is walked tag by tag.
 *
 * The system <elf.h> describes the ELF layouts; the Multiboot2 header, tag
 * and boot information layouts are written out here from the
 * specification (2.0: sections 3.1.1-3.1.13 and 3.6), and the RSDP from
 * ACPI 6.5 5.2.5.3, independently of hv/multiboot2.c.
 *
 * Guest memory starts filled with 0xcc so zeroing is visible; a failed
 * load must leave it untouched. Every input the loader reads (kernel,
 * modules, RSDP) is an exact-size heap buffer, so AddressSanitizer
 * catches a read one byte past any of them.
 */
#include "unit.h"
#include "guest_mem.h"

#include <elf.h>

#include <tessera/multiboot.h>
#include <tessera/multiboot2.h>

/* ------------------------------------------------------------- helpers */

/* Everything outside the sorted ranges keep[0..n) is zero. */
static void assert_zero_outside(const struct guest *g, const u64 (*keep)[2], unsigned n)
{
	u64 at = 0;

	for (unsigned i = 0; i < n; i++) {
		assert_true(keep[i][0] >= at);
		assert_zero(g, at, keep[i][0]);
		at = keep[i][1];
	}
	assert_zero(g, at, g->size);
}

/* A copy of n bytes in an exact-size heap buffer. */
static u8 *dup_exact(const void *src, size_t n)
{
	u8 *p = unit_alloc(n);

	memcpy(p, src, n);
	return p;
}

/* ------------------------------------- Multiboot2 header (spec 3.1.1-3) */

#define MB2_MAGIC 0xe85250d6u
#define OPT 1u /* tag flags bit 0: optional */
/* A header tag's first word: u16 type, u16 flags. */
#define TF(type, flags) ((u32)(type) | (u32)(flags) << 16)
#define END_TAG TF(0, 0), 8

/* Spec 3.1.2: magic, architecture, header_length, checksum (the four sum
 * to 0 mod 2^32). */
static void put_magic(u8 *f, size_t off, u32 arch, u32 len)
{
	wr32(f + off, MB2_MAGIC);
	wr32(f + off + 4, arch);
	wr32(f + off + 8, len);
	wr32(f + off + 12, (u32)(0u - MB2_MAGIC - arch - len));
}

/* A whole header at f + off: the magic fields, then words[0..n) as its
 * tags (the caller writes the padding words); header_length covers them. */
static u32 put_header(u8 *f, size_t off, const u32 *words, unsigned n)
{
	u32 len = 16 + 4 * n;

	memcpy(f + off + 16, words, 4 * n);
	put_magic(f, off, 0, len);
	return len;
}

/* ----------------------------------------------------------- kernels */

/*
 * ELF32, 0x300 bytes (as in test_multiboot.c):
 *   file   paddr       vaddr        what
 *   0x000  0x100000    0x100000     headers, Multiboot2 header at 0x80   } PT_LOAD R X
 *   0x100  0x100100    0x100100     "code" (entry here)                  } 0x200 bytes
 *   0x200  0x102000    0xc0102000   data, filesz 0x100, memsz 0x1800     } PT_LOAD R W
 * The header may use 0x80..0x200 (the first segment): 16 bytes of magic
 * fields, then up to 92 words of tags, written over the "code".
 */
#define K32_SIZE 0x300
#define K32_MBH 0x80
#define K32_TAGS (K32_MBH + 16)
#define K32_MAX_WORDS 92
#define K32_ENTRY 0x100100u

struct k32 {
	u8 *f;
	Elf32_Ehdr *eh;
	Elf32_Phdr *ph;
};

static struct k32 k32_make(const u32 *words, unsigned n)
{
	struct k32 k;

	assert_true(n <= K32_MAX_WORDS);
	k.f = unit_alloc(K32_SIZE);
	k.eh = (Elf32_Ehdr *)k.f;
	k.ph = (Elf32_Phdr *)(k.f + sizeof(Elf32_Ehdr));
	memcpy(k.eh->e_ident, ELFMAG, SELFMAG);
	k.eh->e_ident[EI_CLASS] = ELFCLASS32;
	k.eh->e_ident[EI_DATA] = ELFDATA2LSB;
	k.eh->e_ident[EI_VERSION] = EV_CURRENT;
	k.eh->e_type = ET_EXEC;
	k.eh->e_machine = EM_386;
	k.eh->e_version = EV_CURRENT;
	k.eh->e_entry = K32_ENTRY;
	k.eh->e_phoff = sizeof(Elf32_Ehdr);
	k.eh->e_ehsize = sizeof(Elf32_Ehdr);
	k.eh->e_phentsize = sizeof(Elf32_Phdr);
	k.eh->e_phnum = 2;
	/* type, offset, vaddr, paddr, filesz, memsz, flags, align */
	k.ph[0] = (Elf32_Phdr){ PT_LOAD, 0, 0x100000, 0x100000, 0x200, 0x200, PF_R | PF_X,
				0x1000 };
	k.ph[1] = (Elf32_Phdr){ PT_LOAD, 0x200, 0xc0102000, 0x102000, 0x100, 0x1800,
				PF_R | PF_W, 0x1000 };
	for (unsigned i = 0x100; i < K32_SIZE; i++)
		k.f[i] = (u8)(i * 7 + 1) | 1; /* never zero */
	put_header(k.f, K32_MBH, words, n);
	return k;
}

/* The smallest valid header: an end tag. */
static const u32 only_end[] = { END_TAG };

/*
 * ELF64 for a higher-half kernel, 0x200 bytes: one PT_LOAD, offset 0,
 * paddr 0x300000, vaddr 0xffffffff80300000, filesz 0x200, memsz 0x1000;
 * Multiboot2 header at 0x80 (a relocatable tag), entry at vaddr + 0x100.
 */
#define K64_SIZE 0x200
#define K64_VBASE 0xffffffff80300000ull
#define K64_PBASE 0x300000ull

static u8 *k64_make(void)
{
	/* Spec 3.1.13: min_addr, max_addr, align, preference (1: lowest). */
	static const u32 words[] = { TF(10, 0), 24, 0x100000, 0xffffffff, 0x100000, 1,
				     END_TAG };
	u8 *f = unit_alloc(K64_SIZE);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + sizeof(Elf64_Ehdr));

	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_entry = K64_VBASE + 0x100;
	eh->e_phoff = sizeof(Elf64_Ehdr);
	eh->e_ehsize = sizeof(Elf64_Ehdr);
	eh->e_phentsize = sizeof(Elf64_Phdr);
	eh->e_phnum = 1;
	/* type, flags, offset, vaddr, paddr, filesz, memsz, align */
	ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W | PF_X, 0, K64_VBASE, K64_PBASE, 0x200,
			      0x1000, 0x1000 };
	for (unsigned i = 0xc0; i < K64_SIZE; i++)
		f[i] = (u8)(i * 3 + 5) | 0x80;
	put_header(f, 0x80, words, ARRAY_SIZE(words));
	return f;
}

/*
 * A flat image using the address tag (spec 3.1.5) and the entry address
 * tag (3.1.6), 0x1400 bytes:
 *   file 0x0000..0x1000  junk, not loaded (header_addr - load_addr = 0x40
 *                        while the header sits at file offset 0x1040)
 *   file 0x1000..0x1400  loaded at 0x200000..0x200400, header at 0x1040
 *   bss to 0x202000, entry 0x200080
 * Header: magic fields, address tag (words 0-5), entry tag (6-9, with its
 * padding), end tag (10-11): header_length 64.
 */
#define KA_SIZE 0x1400
#define KA_MBH 0x1040

static void aout_set(u8 *f, size_t hoff, u32 header, u32 load, u32 load_end, u32 bss_end,
		     u32 entry)
{
	const u32 words[] = { TF(2, 0), 24, header, load, load_end, bss_end,
			      TF(3, 0), 12, entry, 0, END_TAG };

	put_header(f, hoff, words, ARRAY_SIZE(words));
}

static u8 *aout_make(void)
{
	u8 *f = unit_alloc(KA_SIZE);

	memset(f, 0xee, 0x1000);
	for (unsigned i = 0x1000; i < KA_SIZE; i++)
		f[i] = (u8)(i * 5 + 3) | 2;
	aout_set(f, KA_MBH, 0x200040, 0x200000, 0x200400, 0x202000, 0x200080);
	return f;
}

/* ---------------------------------------------- RSDP (ACPI 6.5 5.2.5.3) */

static void rsdp_sum(u8 *r, size_t len)
{
	u8 s = 0;

	r[8] = 0;
	for (int i = 0; i < 20; i++)
		s = (u8)(s + r[i]);
	r[8] = (u8)-s;
	if (len >= 33) {
		s = 0;
		r[32] = 0;
		for (size_t i = 0; i < len; i++)
			s = (u8)(s + r[i]);
		r[32] = (u8)-s;
	}
}

/* An RSDP of len bytes in an exact-size buffer: revision 0 (len 20) or 2
 * (Length = len), RSDT at 0x9f040, XSDT at 0x9f080, checksums right. */
static u8 *rsdp_make(size_t len, u8 revision)
{
	u8 *r = unit_alloc(len);

	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "TESSRA", 6);
	r[15] = revision;
	wr32(r + 16, 0x9f040);
	if (len >= 36) {
		wr32(r + 20, (u32)len);
		wr32(r + 24, 0x9f080);
		for (size_t i = 36; i < len; i++)
			r[i] = (u8)i;
	}
	rsdp_sum(r, len);
	return r;
}

/* ----------------------------------------- boot information (spec 3.6) */

struct itag {
	u32 type, size;
	u64 gpa;
};

#define MAX_ITAGS 32

/*
 * Spec 3.6.1: u32 total_size, u32 reserved, then 8-byte aligned tags of
 * u32 type, u32 size up to an end tag (type 0, size 8) that ends the
 * structure. Checks the framing (and that padding is zero) and lists the
 * tags.
 */
static unsigned walk_info(const struct guest *g, u32 mbi, struct itag *tags)
{
	const u8 *gm = g->gm;
	u32 total = rd32(gm + mbi);
	u64 at = mbi + 8, end = (u64)mbi + total;
	unsigned n = 0;

	assert_int_equal(mbi % 8, 0);
	assert_int_equal(rd32(gm + mbi + 4), 0);
	assert_true(total >= 16 && end <= MB_INFO_END);
	for (;;) {
		u32 type = rd32(gm + at), size = rd32(gm + at + 4);

		assert_true(at % 8 == 0 && at + 8 <= end);
		assert_true(size >= 8 && at + size <= end);
		assert_true(n < MAX_ITAGS);
		tags[n++] = (struct itag){ type, size, at };
		if (type == 0) {
			assert_int_equal(size, 8);
			assert_int_equal(at + 8, end);
			return n;
		}
		/* Padding to the next tag is zero. */
		assert_true(all_bytes(gm + at + size, ((size + 7) & ~7u) - size, 0));
		at += (size + 7) & ~7u;
	}
}

struct want_mod {
	u32 start;
	const u8 *data;
	u64 size;
	const char *string;
};

struct want_info {
	const char *cmdline;
	unsigned nmods;
	const struct want_mod *mods;
	const u8 *rsdp; /* NULL: no ACPI tag */
	size_t rsdp_len;
	u32 load_base; /* 0: no tag 21 */
};

static const char *tag_string(const struct guest *g, const struct itag *t, u32 at)
{
	const char *s = (const char *)g->gm + t->gpa + at;

	/* The string's NUL is the tag's last byte. */
	assert_int_equal(strlen(s) + 1, t->size - at);
	return s;
}

/* The boot information holds exactly the tags w describes, each field
 * right. Returns its end (guest-physical). */
static u64 check_info(const struct guest *g, const struct mb_boot *b, const struct want_info *w)
{
	struct itag tags[MAX_ITAGS];
	unsigned n = walk_info(g, b->mbi, tags), mods = 0;
	unsigned seen[22] = { 0 };

	assert_int_equal(b->mbi, MB_INFO_BASE);
	for (unsigned i = 0; i < n; i++) {
		const struct itag *t = &tags[i];
		const u8 *p = g->gm + t->gpa;

		assert_true(t->type < 22);
		seen[t->type]++;
		switch (t->type) {
		case 1: /* 3.6.4 boot command line */
			assert_string_equal(tag_string(g, t, 8), w->cmdline);
			break;
		case 2: /* 3.6.9 boot loader name */
			assert_string_equal(tag_string(g, t, 8), "Tessera");
			break;
		case 3: { /* 3.6.5 modules: mod_start, mod_end, string */
			const struct want_mod *m;

			assert_true(mods < w->nmods);
			m = &w->mods[mods++];
			assert_int_equal(rd32(p + 8), m->start);
			assert_int_equal(rd32(p + 12), m->start + m->size);
			assert_string_equal(tag_string(g, t, 16), m->string);
			if (m->size)
				assert_memory_equal(g->gm + m->start, m->data, m->size);
			break;
		}
		case 4: /* 3.6.2 basic memory information, KiB */
			assert_int_equal(t->size, 16);
			/* Lower memory ends where the tables' page begins. */
			assert_int_equal(rd32(p + 8), w->rsdp ? 0x9f000 / 1024 : 640);
			assert_int_equal(rd32(p + 12), (g->size - 0x100000) / 1024);
			break;
		case 6: { /* 3.6.8 memory map */
			const u64 plain[3][3] = { { 0, 0xa0000, 1 },
						  { 0xa0000, 0x60000, 2 },
						  { 0x100000, g->size - 0x100000, 1 } };
			/* With an RSDP, its tables' page is ACPI memory (type 3). */
			const u64 acpi[4][3] = { { 0, 0x9f000, 1 },
						 { 0x9f000, 0x1000, 3 },
						 { 0xa0000, 0x60000, 2 },
						 { 0x100000, g->size - 0x100000, 1 } };
			const u64(*want)[3] = w->rsdp ? acpi : plain;
			int n = w->rsdp ? 4 : 3;

			assert_int_equal(t->size, 16 + n * 24);
			assert_int_equal(rd32(p + 8), 24); /* entry_size */
			assert_int_equal(rd32(p + 12), 0); /* entry_version */
			for (int e = 0; e < n; e++) {
				const u8 *m = p + 16 + 24 * e;

				assert_int_equal(rd64(m), want[e][0]);
				assert_int_equal(rd64(m + 8), want[e][1]);
				assert_int_equal(rd32(m + 16), want[e][2]);
				assert_int_equal(rd32(m + 20), 0);
			}
			break;
		}
		case 14: /* 3.6.16 ACPI old RSDP: a copy of it */
		case 15: /* 3.6.17 ACPI new RSDP */
			assert_non_null(w->rsdp);
			assert_int_equal(t->type, w->rsdp_len == 20 ? 14 : 15);
			assert_int_equal(t->size, 8 + w->rsdp_len);
			assert_memory_equal(p + 8, w->rsdp, w->rsdp_len);
			break;
		case 21: /* 3.6.22 image load base physical address */
			assert_int_equal(t->size, 12);
			assert_int_equal(rd32(p + 8), w->load_base);
			break;
		case 0:
			break;
		default:
			fail_msg("unexpected boot information tag type %u", t->type);
		}
	}
	assert_int_equal(seen[0], 1);
	assert_int_equal(tags[n - 1].type, 0);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 1);
	assert_int_equal(seen[3], w->nmods);
	assert_int_equal(seen[4], 1);
	assert_int_equal(seen[6], 1);
	assert_int_equal(seen[14] + seen[15], w->rsdp ? 1 : 0);
	assert_int_equal(seen[21], w->load_base ? 1 : 0);
	/* The rest of the info area is untouched (zero). */
	assert_zero(g, tags[n - 1].gpa + 8, MB_INFO_END);
	assert_zero(g, 0, MB_INFO_BASE);
	return tags[n - 1].gpa + 8;
}

/* ---------------------------------------------------------- successes */

/* Tags a loader must accept or may ignore: a required information request
 * for tag types it provides and for ones it knows but cannot give (5, 8,
 * 9), console flags without "console required", the module alignment tag,
 * and optional framebuffer, EFI and unknown tags. */
static const u32 busy_header[] = {
	TF(1, 0), 8 + 4 * 12, 1, 2, 3, 4, 6, 14, 15, 21, 5, 8, 9, 0,
	TF(4, 0), 12, 2 /* EGA text supported */, 0,
	TF(5, OPT), 20, 1024, 768, 32, 0,
	TF(6, 0), 8,
	TF(7, OPT), 8,
	TF(9, OPT), 12, 0x100104, 0,
	END_TAG,
};

static void test_elf32_two_modules_rsdp(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(busy_header, ARRAY_SIZE(busy_header));
	u8 *m0 = unit_alloc(5000), *m1 = dup_exact("\x01\x02\x03", 3);
	u8 *rsdp = rsdp_make(36, 2);
	const struct mb_module_src mods[2] = { { m0, 5000, "\\tessera\\initrd.img" },
					       { m1, 3, "mod2 arg=1" } };
	const struct want_mod wm[2] = { { 0x104000, m0, 5000, "\\tessera\\initrd.img" },
					{ 0x106000, m1, 3, "mod2 arg=1" } };
	const struct want_info w = { "console=ttyS0 debug", 2, wm, rsdp, 36, 0 };
	struct mb_boot b;
	char err[160] = "untouched";
	u64 info_end;

	(void)state;
	for (unsigned i = 0; i < 5000; i++)
		m0[i] = (u8)(i % 251) + 1;
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "console=ttyS0 debug", mods, 2,
				    rsdp, 36, &b, err, sizeof(err)));
	assert_string_equal(err, "");
	assert_int_equal(b.entry, K32_ENTRY); /* e_entry: no entry address tag */
	assert_int_equal(b.kernel_lo, 0x100000);
	assert_int_equal(b.kernel_hi, 0x103800);
	assert_int_equal(b.modules_hi, 0x106003);
	/* Segments by paddr; the second's vaddr is in the higher half. */
	assert_memory_equal(g.gm + 0x100000, k.f, 0x200);
	assert_memory_equal(g.gm + 0x102000, k.f + 0x200, 0x100);
	info_end = check_info(&g, &b, &w);
	{
		const u64 keep[][2] = { { MB_INFO_BASE, info_end },
					{ 0x100000, 0x100200 },
					{ 0x102000, 0x102100 },
					{ 0x104000, 0x104000 + 5000 },
					{ 0x106000, 0x106003 } };

		assert_zero_outside(&g, keep, ARRAY_SIZE(keep));
	}
	check_canaries(&g);
}

static void test_aout_two_modules_rsdp_v1(void **state)
{
	struct guest g = guest_new(4 * MiB);
	u8 *f = aout_make();
	u8 *m0 = dup_exact("first module", 12), *m1 = unit_alloc(0x1001);
	u8 *rsdp = rsdp_make(20, 0);
	const struct mb_module_src mods[2] = { { m0, 12, "one" }, { m1, 0x1001, "" } };
	const struct want_mod wm[2] = { { 0x202000, m0, 12, "one" }, { 0x203000, m1, 0x1001, "" } };
	const struct want_info w = { "aout", 2, wm, rsdp, 20, 0 };
	struct mb_boot b;
	char err[160];
	u64 info_end;

	(void)state;
	memset(m1, 0x5a, 0x1001);
	assert_true(multiboot2_load(g.gm, g.size, f, KA_SIZE, "aout", mods, 2, rsdp, 20, &b, err,
				    sizeof(err)));
	assert_int_equal(b.entry, 0x200080);
	assert_int_equal(b.kernel_lo, 0x200000);
	assert_int_equal(b.kernel_hi, 0x202000);
	assert_int_equal(b.modules_hi, 0x204001);
	/* File offset 0x1040 (the header) is at header_addr 0x200040. */
	assert_memory_equal(g.gm + 0x200000, f + 0x1000, 0x400);
	assert_int_equal(rd32(g.gm + 0x200040), MB2_MAGIC);
	info_end = check_info(&g, &b, &w);
	{
		const u64 keep[][2] = { { MB_INFO_BASE, info_end },
					{ 0x200000, 0x200400 },
					{ 0x202000, 0x20200c },
					{ 0x203000, 0x204001 } };

		assert_zero_outside(&g, keep, ARRAY_SIZE(keep));
	}
	check_canaries(&g);
}

/* Spec 3.1.5: load_addr -1 loads from the start of the file; load_end_addr
 * 0 to its end; bss_end_addr 0, no bss. */
static void test_aout_defaults(void **state)
{
	struct guest g = guest_new(4 * MiB);
	u8 *f = aout_make();
	const struct want_info w = { "", 0, NULL, NULL, 0, 0 };
	struct mb_boot b;
	char err[160];

	(void)state;
	aout_set(f, KA_MBH, 0x181040, 0xffffffff, 0, 0, 0x1813fc);
	assert_true(multiboot2_load(g.gm, g.size, f, KA_SIZE, NULL, NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	assert_int_equal(b.entry, 0x1813fc);
	assert_int_equal(b.kernel_lo, 0x180000);
	assert_int_equal(b.kernel_hi, 0x180000 + KA_SIZE);
	assert_memory_equal(g.gm + 0x180000, f, KA_SIZE);
	assert_zero(&g, 0x180000 + KA_SIZE, g.size);
	check_info(&g, &b, &w); /* a NULL command line is an empty one */

	/* load_addr -1 with load_end_addr: the length counts from the
	 * computed load address. */
	aout_set(f, KA_MBH, 0x181040, 0xffffffff, 0x180400, 0x181000, 0x180010);
	assert_true(multiboot2_load(g.gm, g.size, f, KA_SIZE, "", NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	assert_int_equal(b.kernel_hi, 0x181000);
	assert_memory_equal(g.gm + 0x180000, f, 0x400);
	assert_zero(&g, 0x180400, 0x181000);
	check_canaries(&g);
}

/* An ELF with an address tag is loaded by the tag (spec 3.1.5 and GRUB). */
static void test_elf_with_address_tag(void **state)
{
	struct guest g = guest_new(8 * MiB);
	const u32 words[] = { TF(2, OPT), 24, 0x400000 + K32_MBH, 0x400000, 0, 0x405000,
			      TF(3, OPT), 12, 0x400104, 0, END_TAG };
	struct k32 k = k32_make(words, ARRAY_SIZE(words));
	struct mb_boot b;
	char err[160];
	const u64 keep[][2] = { { MB_INFO_BASE, MB_INFO_END }, { 0x400000, 0x400000 + K32_SIZE } };

	(void)state;
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	assert_int_equal(b.entry, 0x400104);
	assert_int_equal(b.kernel_lo, 0x400000);
	assert_int_equal(b.kernel_hi, 0x405000);
	assert_memory_equal(g.gm + 0x400000, k.f, K32_SIZE);
	assert_zero_outside(&g, keep, 2); /* nothing at the ELF paddrs */
	check_canaries(&g);
}

/* Spec 3.1.6: the entry address tag, a physical address, wins over
 * e_entry; here it is in the second segment's bss. */
static void test_entry_tag_overrides_elf(void **state)
{
	struct guest g = guest_new(4 * MiB);
	const u32 words[] = { TF(3, 0), 12, 0x103000, 0, END_TAG };
	struct k32 k = k32_make(words, ARRAY_SIZE(words));
	struct mb_boot b;

	(void)state;
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, 0, &b, NULL,
				    0));
	assert_int_equal(b.entry, 0x103000);
	check_canaries(&g);
}

/* A higher-half ELF64 with a relocatable tag: loaded at its link address
 * and told so in tag 21; e_entry translated to its paddr (paging is off at
 * entry, spec 3.3). */
static void test_elf64_relocatable(void **state)
{
	struct guest g = guest_new(4 * MiB);
	u8 *f = k64_make();
	u8 *rsdp = rsdp_make(64, 3); /* a longer (future) ACPI RSDP */
	const struct want_info w = { "a", 0, NULL, rsdp, 64, K64_PBASE };
	struct mb_boot b;
	char err[160];
	u64 info_end;

	(void)state;
	assert_true(multiboot2_load(g.gm, g.size, f, K64_SIZE, "a", NULL, 0, rsdp, 64, &b, err,
				    sizeof(err)));
	assert_int_equal(b.entry, K64_PBASE + 0x100);
	assert_int_equal(b.kernel_lo, K64_PBASE);
	assert_int_equal(b.kernel_hi, K64_PBASE + 0x1000);
	assert_int_equal(b.modules_hi, K64_PBASE + 0x1000);
	assert_memory_equal(g.gm + K64_PBASE, f, K64_SIZE);
	info_end = check_info(&g, &b, &w);
	{
		const u64 keep[][2] = { { MB_INFO_BASE, info_end },
					{ K64_PBASE, K64_PBASE + K64_SIZE } };

		assert_zero_outside(&g, keep, 2);
	}
	check_canaries(&g);
}

/* The RSDP is read before guest memory is zeroed: it may live there. */
static void test_rsdp_inside_guest_memory(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));
	u8 *want = rsdp_make(36, 2);
	const struct want_info w = { "", 0, NULL, want, 36, 0 };
	struct mb_boot b;
	char err[160];

	(void)state;
	memcpy(g.gm + 0x9f000, want, 36);
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, g.gm + 0x9f000, 36,
				    &b, err, sizeof(err)));
	check_info(&g, &b, &w);
	assert_zero(&g, 0x9f000, 0x9f000 + 36);
	check_canaries(&g);
}

static void test_reload_is_clean(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));
	u8 *f = aout_make();
	u8 *m = unit_alloc(100);
	u8 *rsdp = rsdp_make(36, 2);
	struct mb_module_src mod = { m, 100, "m" };
	const struct want_info w = { "2", 0, NULL, NULL, 0, 0 };
	struct mb_boot b;
	char err[160];
	u64 info_end;

	(void)state;
	memset(m, 0x42, 100);
	assert_true(multiboot2_load(g.gm, g.size, f, KA_SIZE, "first", &mod, 1, rsdp, 36, &b,
				    err, sizeof(err)));
	memset(g.gm + 0x300000, 0x99, 0x1000); /* the guest scribbled */
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "2", NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	info_end = check_info(&g, &b, &w);
	{
		const u64 keep[][2] = { { MB_INFO_BASE, info_end },
					{ 0x100000, 0x100200 },
					{ 0x102000, 0x102100 } };

		assert_zero_outside(&g, keep, 3);
	}
	check_canaries(&g);
}

/* Optional tags the loader does not know, and a whole optional information
 * request for types nobody defined, are ignored (spec 3.1.3, 3.1.4). */
static void test_optional_tags_ignored(void **state)
{
	struct guest g = guest_new(4 * MiB);
	const u32 words[] = { TF(1, OPT), 16, 22, 0xffffffff,
			      TF(0x7777, OPT), 9, 0xdeadbeef, 0x000000aa,
			      TF(8, OPT), 12, 0x100104, 0,
			      TF(4, OPT), 12, 1 /* console required, but optional */, 0,
			      END_TAG };
	struct k32 k = k32_make(words, ARRAY_SIZE(words));
	struct mb_boot b;
	char err[160];

	(void)state;
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	assert_int_equal(b.entry, K32_ENTRY);
	/* Bytes after the end tag, inside header_length, are ignored too. */
	put_magic(k.f, K32_MBH, 0, 16 + 4 * ARRAY_SIZE(words) + 8);
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	check_canaries(&g);
}

static void test_module_fills_memory_exactly(void **state)
{
	struct guest g = guest_new(2 * MiB);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));
	u64 room = 2 * MiB - 0x104000;
	u8 *m = unit_alloc(room);
	struct mb_module_src mod = { m, room, "big" };
	struct mb_boot b;
	char err[160];

	(void)state;
	memset(m, 0x77, room);
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", &mod, 1, NULL, 0, &b, err,
				    sizeof(err)));
	assert_int_equal(b.modules_hi, g.size);
	assert_true(all_bytes(g.gm + 0x104000, room, 0x77));
	check_canaries(&g);
}

/* -------------------------------------------------------------- detect */

static void test_detect(void **state)
{
	u8 *v1 = unit_alloc(0x200), *f = unit_alloc(0x9000);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));
	const u32 v1_flags = 0;

	(void)state;
	/* A Multiboot v1 header only (magic, flags, checksum; v1 spec 3.1.1). */
	wr32(v1 + 0x40, 0x1badb002);
	wr32(v1 + 0x44, v1_flags);
	wr32(v1 + 0x48, (u32)(0u - 0x1badb002u - v1_flags));
	assert_false(multiboot2_detect(v1, 0x200));
	assert_true(multiboot2_detect(k.f, K32_SIZE));
	/* Both headers: v2 is detected (and preferred, tessera/multiboot2.h).
	 * The v1 header goes over the program headers: only detect runs. */
	memcpy(k.f + 0x40, v1 + 0x40, 12);
	assert_true(multiboot2_detect(k.f, K32_SIZE));
	assert_false(multiboot2_detect(NULL, 0));
	assert_false(multiboot2_detect(k.f, 0x8f)); /* magic fields cut short */
	assert_true(multiboot2_detect(k.f, 0x90));

	/* Bad checksum, unaligned, past 32 KiB: not a header. */
	put_magic(f, 0x80, 0, 24);
	wr32(f + 0x8c, rd32(f + 0x8c) + 1);
	assert_false(multiboot2_detect(f, 0x9000));
	memset(f, 0, 0x9000);
	put_magic(f, 0x84, 0, 24);
	assert_false(multiboot2_detect(f, 0x9000));
	memset(f, 0, 0x9000);
	put_magic(f, 0x7ff0, 0, 24); /* magic fields inside, the rest is load's business */
	assert_true(multiboot2_detect(f, 0x9000));
	memset(f, 0, 0x9000);
	put_magic(f, 0x8000, 0, 24);
	assert_false(multiboot2_detect(f, 0x9000));
	/* Another architecture is still a Multiboot2 header: load says why not. */
	memset(f, 0, 0x9000);
	put_magic(f, 0x100, 4, 24);
	assert_true(multiboot2_detect(f, 0x9000));
}

/* ------------------------------------------------------------ failures */

/* multiboot2_load() must fail with exactly want, touching nothing. */
static void expect_fail_full(const struct guest *g, const void *k, size_t ksize,
			     const char *cmdline, const struct mb_module_src *mods, unsigned nmods,
			     const void *rsdp, size_t rsdp_len, const char *want)
{
	struct mb_boot b = { 0 };
	char err[256];

	memset(g->gm, GUEST_FILL, g->size);
	memset(err, 'x', sizeof(err));
	if (multiboot2_load(g->gm, g->size, k, ksize, cmdline, mods, nmods, rsdp, rsdp_len, &b,
			    err, sizeof(err)))
		fail_msg("load succeeded, expected \"%s\"", want);
	if (strcmp(err, want) != 0)
		fail_msg("got  \"%s\"\nwant \"%s\"", err, want);
	assert_true(all_bytes(g->gm, g->size, GUEST_FILL));
	check_canaries(g);
}

static void expect_fail(const struct guest *g, const void *k, size_t ksize, const char *want)
{
	expect_fail_full(g, k, ksize, "", NULL, 0, NULL, 0, want);
}

/*
 * Bad headers in the ELF32 kernel: the header at file offset 0x80, its
 * tags from 0x90. header_length is 16 + 4 * nwords + len_delta; the
 * checksum is right for it, plus csum_delta.
 */
struct bad_header {
	u32 arch;
	s32 len_delta;
	u32 csum_delta;
	unsigned nwords;
	u32 words[32];
	const char *want;
};

#define W(...) ARRAY_SIZE(((u32[]){ __VA_ARGS__ })), { __VA_ARGS__ }

static const struct bad_header bad_headers[] = {
	/* 3.1.2 magic fields */
	{ 0, 0, 1, W(END_TAG),
	  "multiboot2 header at offset 0x80 has a bad checksum: magic 0xe85250d6 + "
	  "architecture 0x0 + header_length 0x18 + checksum 0x17adaf13 = 0x1, not 0" },
	{ 4, 0, 0, W(END_TAG),
	  "multiboot2 header at offset 0x80 is for architecture 4 (32-bit MIPS), not 0 (i386)" },
	{ 1, 0, 0, W(END_TAG),
	  "multiboot2 header at offset 0x80 is for unknown architecture 1, not 0 (i386)" },
	{ 0, -8, 0, W(END_TAG),
	  "multiboot2 header at offset 0x80 has header_length 16, less than 24 (its 16 bytes "
	  "of magic fields and an end tag)" },
	{ 0, 0x281 - 0x18, 0, W(END_TAG),
	  "multiboot2 header at offset 0x80 with header_length 0x281 runs past the end of the "
	  "file (768 bytes)" },
	{ 0, 0x7f81 - 0x18, 0, W(END_TAG),
	  "multiboot2 header at offset 0x80 with header_length 0x7f81 does not end within the "
	  "first 32 KiB" },
	/* 3.1.3 tag framing */
	{ 0, 0, 0, W(TF(6, 0), 8),
	  "multiboot2 header at offset 0x80 has no end tag (type 0, size 8) within its "
	  "header_length 0x18" },
	{ 0, 0, 0, W(TF(3, 0), 0x20, K32_ENTRY, 0, END_TAG),
	  "multiboot2 header tag type 3 at offset 0x90, size 32, runs past the end of the "
	  "header at 0xa8" },
	{ 0, -4, 0, W(TF(6, 0), 8, END_TAG),
	  "multiboot2 header tag at offset 0x98 runs past the end of the header at 0x9c" },
	{ 0, 0, 0, W(TF(6, 0), 4, END_TAG),
	  "multiboot2 header tag type 6 at offset 0x90 has size 4, less than 8" },
	{ 0, 0, 0, W(TF(6, OPT), 0, END_TAG),
	  "multiboot2 header tag type 6 at offset 0x90 has size 0, less than 8" },
	{ 0, 0, 0, W(TF(0, 0), 16, 0, 0),
	  "multiboot2 end tag at offset 0x90 has size 16, not 8" },
	{ 0, 0, 0, W(TF(3, 0), 12, K32_ENTRY, END_TAG),
	  "multiboot2 header tag type 0 at offset 0x9c is not 8-byte aligned: the tag before "
	  "it (type 3, size 12) is not padded" },
	{ 0, 0, 0, W(TF(3, 0), 12, K32_ENTRY, TF(6, 0), 8, END_TAG, 0),
	  "multiboot2 header tag type 6 at offset 0x9c is not 8-byte aligned: the tag before "
	  "it (type 3, size 12) is not padded" },
	{ 0, 0, 0, W(TF(3, 0), 12, K32_ENTRY, 0, TF(6, 0), 4, END_TAG), /* padded: no hint */
	  "multiboot2 header tag type 6 at offset 0xa0 has size 4, less than 8" },
	/* tag sizes */
	{ 0, 0, 0, W(TF(3, 0), 8, END_TAG),
	  "multiboot2 header tag type 3 (entry address) at offset 0x90 has size 8, less than "
	  "12" },
	{ 0, 0, 0, W(TF(2, OPT), 20, 0x100080, 0x100000, 0, 0, END_TAG),
	  "multiboot2 header tag type 2 (address) at offset 0x90 has size 20, less than 24" },
	{ 0, 0, 0, W(TF(10, 0), 20, 0, 0xffffffff, 0, 0, END_TAG),
	  "multiboot2 header tag type 10 (relocatable) at offset 0x90 has size 20, less than "
	  "24" },
	{ 0, 0, 0, W(TF(5, OPT), 16, 1024, 768, END_TAG),
	  "multiboot2 header tag type 5 (framebuffer) at offset 0x90 has size 16, less than "
	  "20" },
	{ 0, 0, 0, W(TF(1, 0), 10, 1, 0, END_TAG),
	  "multiboot2 header tag type 1 (information request) at offset 0x90 has size 10: not "
	  "8 plus a multiple of 4" },
	/* 3.1.4 information request */
	{ 0, 0, 0, W(TF(1, 0), 16, 1, 22, END_TAG),
	  "multiboot2 information request at offset 0x90 asks for tag type 22, which the "
	  "specification does not define" },
	{ 0, 0, 0, W(TF(1, 0), 12, 0x80000000, END_TAG),
	  "multiboot2 information request at offset 0x90 asks for tag type 2147483648, which "
	  "the specification does not define" },
	/* 3.1.7-3.1.12: what a partition does not have */
	{ 0, 0, 0, W(TF(4, 0), 12, 3, 0, END_TAG),
	  "multiboot2 header tag type 4 (console flags) at offset 0x90 requires a console, but "
	  "a partition has only a serial port" },
	{ 0, 0, 0, W(TF(5, 0), 20, 1024, 768, 32, 0, END_TAG),
	  "multiboot2 header tag type 5 (framebuffer) at offset 0x90 is required, but a "
	  "partition has no framebuffer" },
	{ 0, 0, 0, W(TF(6, 0), 8, TF(7, 0), 8, END_TAG),
	  "multiboot2 header tag type 7 (EFI boot services) at offset 0x98 is required, but a "
	  "partition has no UEFI firmware" },
	{ 0, 0, 0, W(TF(8, 0), 12, K32_ENTRY, 0, END_TAG),
	  "multiboot2 header tag type 8 (EFI i386 entry address) at offset 0x90 is required, "
	  "but a partition has no UEFI firmware" },
	{ 0, 0, 0, W(TF(9, 0), 12, K32_ENTRY, 0, END_TAG),
	  "multiboot2 header tag type 9 (EFI amd64 entry address) at offset 0x90 is required, "
	  "but a partition has no UEFI firmware" },
	{ 0, 0, 0, W(TF(11, 0), 8, END_TAG),
	  "multiboot2 header tag type 11 at offset 0x90 is not supported (and not optional)" },
	/* duplicates */
	{ 0, 0, 0, W(TF(3, 0), 12, K32_ENTRY, 0, TF(3, 0), 12, K32_ENTRY, 0, END_TAG),
	  "multiboot2 header has a second entry address tag at offset 0xa0 (the first is at "
	  "0x90)" },
	{ 0, 0, 0, W(TF(2, 0), 24, 0x100080, 0x100000, 0, 0,
		     TF(2, 0), 24, 0x100080, 0x100000, 0, 0, END_TAG),
	  "multiboot2 header has a second address tag at offset 0xa8 (the first is at 0x90)" },
	{ 0, 0, 0, W(TF(10, 0), 24, 0, 0xffffffff, 0, 0, TF(10, 0), 24, 0, 0xffffffff, 0, 0,
		     END_TAG),
	  "multiboot2 header has a second relocatable tag at offset 0xa8 (the first is at "
	  "0x90)" },
	/* what the tags ask for */
	{ 0, 0, 0, W(TF(2, 0), 24, 0x100080, 0x100000, 0, 0, END_TAG),
	  "multiboot2 header has an address tag but no entry address tag" },
	{ 0, 0, 0, W(TF(3, 0), 12, 0x500000, 0, END_TAG),
	  "entry address tag entry_addr 0x500000 is not inside a loaded segment" },
	{ 0, 0, 0, W(TF(3, 0), 12, 0xc0102000, 0, END_TAG), /* a vaddr, not a paddr */
	  "entry address tag entry_addr 0xc0102000 is not inside a loaded segment" },
	{ 0, 0, 0, W(TF(10, 0), 24, 0x200000, 0xffffffff, 0, 0, END_TAG),
	  "multiboot2 relocatable tag at offset 0x90 asks for 0x200000..0xffffffff, but the "
	  "image is linked at 0x100000..0x103800 (it is not relocated)" },
	{ 0, 0, 0, W(TF(10, 0), 24, 0x100000, 0x103000, 0, 0, END_TAG),
	  "multiboot2 relocatable tag at offset 0x90 asks for 0x100000..0x103000, but the "
	  "image is linked at 0x100000..0x103800 (it is not relocated)" },
	{ 0, 0, 0, W(TF(10, 0), 24, 0, 0xffffffff, 0x200000, 2, END_TAG),
	  "multiboot2 relocatable tag at offset 0x90 asks for alignment 0x200000, but the "
	  "image is linked at 0x100000 (it is not relocated)" },
};

static void test_bad_headers(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad_headers); i++) {
		const struct bad_header *c = &bad_headers[i];
		u32 len = (u32)(16 + 4 * c->nwords + c->len_delta);

		memset(k.f + K32_MBH, 0, 0x100 - K32_MBH);
		memcpy(k.f + K32_TAGS, c->words, 4 * c->nwords);
		put_magic(k.f, K32_MBH, c->arch, len);
		wr32(k.f + K32_MBH + 12, rd32(k.f + K32_MBH + 12) + c->csum_delta);
		expect_fail(&g, k.f, K32_SIZE, c->want);
	}
	/* The relocatable tag's bounds are inclusive of the image. */
	{
		const u32 ok[] = { TF(10, 0), 24, 0x100000, 0x103800, 0x100000, 0, END_TAG };
		struct k32 k2 = k32_make(ok, ARRAY_SIZE(ok));

		assert_true(multiboot2_load(g.gm, g.size, k2.f, K32_SIZE, "", NULL, 0, NULL, 0,
					    NULL, NULL, 0));
	}
}

/* Spec 3.1.1: 64-bit aligned, wholly within the first 32768 bytes. */
static void test_header_search(void **state)
{
	struct guest g = guest_new(4 * MiB);
	size_t n = 0x8000 + 0x100;
	u8 *f = unit_alloc(n);
	u8 zeros[0x100] = { 0 };
	u8 *v1 = unit_alloc(0x100);
	struct mb_boot b;
	char err[200];

	(void)state;
	expect_fail(&g, zeros, sizeof(zeros), "no multiboot2 header in the first 32 KiB");
	expect_fail(&g, NULL, 0, "no multiboot2 header in the first 32 KiB");
	expect_fail(&g, NULL, 10, "no kernel");
	/* A Multiboot v1 kernel is not a Multiboot2 one. */
	wr32(v1 + 0x40, 0x1badb002);
	wr32(v1 + 0x48, 0u - 0x1badb002u);
	expect_fail(&g, v1, 0x100, "no multiboot2 header in the first 32 KiB");

	/* An address-tag header (64 bytes) ending exactly at 32 KiB. */
	aout_set(f, 0x8000 - 64, 0x100000 + 0x8000 - 64, 0x100000, 0, 0, 0x100000);
	assert_true(multiboot2_load(g.gm, g.size, f, n, "", NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	assert_int_equal(b.kernel_hi, 0x100000 + n);
	assert_memory_equal(g.gm + 0x100000, f, n);
	/* ... 8 bytes later it does not end within 32 KiB. */
	memset(f, 0, n);
	aout_set(f, 0x8000 - 56, 0x100000 + 0x8000 - 56, 0x100000, 0, 0, 0x100000);
	expect_fail(&g, f, n, "multiboot2 header at offset 0x7fc8 with header_length 0x40 does "
			      "not end within the first 32 KiB");
	/* ... nor within the file. */
	memset(f, 0, n);
	aout_set(f, 0x100, 0x100100, 0x100000, 0, 0, 0x100000);
	expect_fail(&g, f, 0x13f,
		    "multiboot2 header at offset 0x100 with header_length 0x40 runs past the end "
		    "of the file (319 bytes)");
	expect_fail(&g, f, 0x10f, "no multiboot2 header in the first 32 KiB");
	/* At 32 KiB: not searched. */
	memset(f, 0, n);
	aout_set(f, 0x8000, 0x108000, 0x100000, 0, 0, 0x100000);
	expect_fail(&g, f, n, "no multiboot2 header in the first 32 KiB");
	/* 4- but not 8-byte aligned. */
	memset(f, 0, n);
	aout_set(f, 0x84, 0x100084, 0x100000, 0, 0, 0x100000);
	expect_fail(&g, f, n, "multiboot2 header at offset 0x84 is not 8-byte aligned");
	/* A near miss before a good header is skipped. */
	memset(f, 0, n);
	put_magic(f, 0x40, 0, 24);
	wr32(f + 0x4c, 0);
	aout_set(f, 0x84, 0x100084, 0x100000, 0, 0, 0x100000);
	aout_set(f, 0x100, 0x100100, 0x100000, 0, 0, 0x100000);
	assert_true(multiboot2_load(g.gm, g.size, f, n, "", NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	/* Of two near misses the first is reported. */
	memset(f, 0, n);
	put_magic(f, 0x40, 0, 24);
	wr32(f + 0x4c, 0);
	aout_set(f, 0x84, 0x100084, 0x100000, 0, 0, 0x100000);
	expect_fail(&g, f, n, "multiboot2 header at offset 0x40 has a bad checksum: magic "
			      "0xe85250d6 + architecture 0x0 + header_length 0x18 + checksum 0x0 "
			      "= 0xe85250ee, not 0");
	/* The kernel is not an ELF file and has no address tag. */
	memset(f, 0, n);
	put_header(f, 0x10, only_end, ARRAY_SIZE(only_end));
	expect_fail(&g, f, n, "kernel is not an ELF file and its multiboot2 header has no "
			      "address tag");
	check_canaries(&g);
}

/* Spec 3.1.5 on the flat image (header at file offset 0x1040). */
static void test_address_tag_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	u8 *f = aout_make();
	static const struct {
		u32 header, load, load_end, bss_end, entry;
		const char *want;
	} cases[] = {
		{ 0x200040, 0x200041, 0x200400, 0x202000, 0x200080,
		  "address tag load_addr 0x200041 is above header_addr 0x200040" },
		{ 0x201041, 0x200000, 0, 0, 0x200080,
		  "address tag header_addr 0x201041 - load_addr 0x200000 is more than the header's "
		  "file offset 0x1040" },
		{ 0x200040, 0x200000, 0x1fffff, 0, 0x200080,
		  "address tag load_end_addr 0x1fffff is below load_addr 0x200000" },
		{ 0x200040, 0x200000, 0x200401, 0, 0x200080,
		  "address tag load_end_addr 0x200401 is past the end of the file" },
		{ 0x200040, 0x200000, 0x200400, 0x2003ff, 0x200080,
		  "address tag bss_end_addr 0x2003ff is below the end of the loaded data "
		  "0x200400" },
		{ 0x200040, 0x200000, 0x200400, 0x202000, 0x202000,
		  "entry address tag entry_addr 0x202000 is outside the image "
		  "0x200000..0x202000" },
		{ 0x200040, 0x200000, 0x200400, 0x202000, 0x1fffff,
		  "entry address tag entry_addr 0x1fffff is outside the image "
		  "0x200000..0x202000" },
		{ 0x200040, 0x200000, 0x200000, 0, 0x200000,
		  "address tag describes an empty image" },
		{ 0x1000, 0xffffffff, 0, 0, 0x200000,
		  "address tag header_addr 0x1000 is below the header's file offset 0x1040 "
		  "(load_addr -1 loads from the start of the file)" },
		{ 0x201040, 0xffffffff, 0x1fffff, 0, 0x200000,
		  "address tag load_end_addr 0x1fffff is below load_addr 0x200000" },
		{ 0x201040, 0xffffffff, 0x201401, 0, 0x200000,
		  "address tag load_end_addr 0x201401 is past the end of the file" },
		{ 0x1040, 0x0, 0x400, 0, 0x80, "segment at 0x0..0x400 lies below 1 MiB" },
		{ 0x1040, 0x0, 0x400, 0x100000, 0x80,
		  "segment at 0x0..0x100000 overlaps the legacy hole 0xa0000..0x100000" },
		{ 0x9040, 0x8000, 0x8400, 0, 0x8000, "segment at 0x8000..0x8400 lies below 1 MiB" },
		{ 0x8040, 0x7000, 0x7400, 0, 0x7000,
		  "segment at 0x7000..0x7400 overlaps the multiboot2 info area 0x1000..0x8000" },
		{ 0xfffffe40, 0xfffffe00, 0, 0, 0xfffffe80,
		  "segment at 0xfffffe00..0x100000200 lies above 4 GiB" },
		{ 0x3ff040, 0x3ff000, 0x3ff400, 0x400001, 0x3ff000,
		  "segment at 0x3ff000..0x400001 does not fit in 4 MiB of memory" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		aout_set(f, KA_MBH, cases[i].header, cases[i].load, cases[i].load_end,
			 cases[i].bss_end, cases[i].entry);
		expect_fail(&g, f, KA_SIZE, cases[i].want);
	}
	/* From file offset 0: header_addr - load_addr is the header's offset. */
	aout_set(f, KA_MBH, 0x201040, 0x200000, 0, 0, 0x200080);
	assert_true(multiboot2_load(g.gm, g.size, f, KA_SIZE, "", NULL, 0, NULL, 0, NULL, NULL,
				    0));
	assert_memory_equal(g.gm + 0x200000, f, KA_SIZE);
	/* Ending exactly at the end of memory fits. */
	aout_set(f, KA_MBH, 0x3ff040, 0x3ff000, 0x3ff400, 0x400000, 0x3ff000);
	assert_true(multiboot2_load(g.gm, g.size, f, KA_SIZE, "", NULL, 0, NULL, 0, NULL, NULL,
				    0));
	check_canaries(&g);
}

static void test_elf_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));

	(void)state;
	k.eh->e_machine = EM_X86_64;
	expect_fail(&g, k.f, K32_SIZE, "kernel: ELF32 file for machine 62, expected i386 (3)");
	k.eh->e_machine = EM_386;
	k.eh->e_entry = 0x102000; /* the paddr of seg 1, not a vaddr */
	expect_fail(&g, k.f, K32_SIZE, "entry point 0x102000 is not inside a loaded segment");
	k.eh->e_entry = K32_ENTRY;
	k.ph[1].p_paddr = 0x200000;
	k.ph[1].p_memsz = 0x700000;
	expect_fail(&g, k.f, K32_SIZE,
		    "segment at 0x200000..0x900000 does not fit in 4 MiB of memory");
	k.ph[1].p_paddr = 0x100100;
	k.ph[1].p_memsz = 0x1800;
	expect_fail(&g, k.f, K32_SIZE,
		    "segments at 0x100000..0x100200 and 0x100100..0x101900 overlap");
	k.ph[1].p_paddr = 0x7fff;
	expect_fail(&g, k.f, K32_SIZE,
		    "segment at 0x7fff..0x97ff overlaps the multiboot2 info area 0x1000..0x8000");
}

static void test_module_and_info_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));
	u8 *big = unit_alloc(3 * MiB);
	struct mb_module_src mods[9];
	/* info: 8 fixed + cmdline tag (8 + L + 1, padded) + name 16 + meminfo
	 * 16 + mmap 88 + end 8 in 0x7000 bytes: L = 28527 fills it. */
	size_t fit = 28527;
	char *line = unit_alloc(0x8000);
	u8 *rsdp = rsdp_make(36, 2);
	struct mb_boot b;
	char err[256];
	const struct want_info w = { line, 0, NULL, NULL, 0, 0 };

	(void)state;
	for (unsigned i = 0; i < 9; i++)
		mods[i] = (struct mb_module_src){ big, 1, "m" };
	expect_fail_full(&g, k.f, K32_SIZE, "", mods, 9, NULL, 0,
			 "9 modules given, at most 8 are supported");
	mods[1].size = 3 * MiB;
	mods[1].string = "big";
	expect_fail_full(&g, k.f, K32_SIZE, "", mods, 2, NULL, 0,
			 "module 1 (big, 3145728 bytes) does not fit in 4 MiB of memory below "
			 "4 GiB after the kernel");
	mods[1].size = ~0ull;
	mods[1].string = NULL;
	expect_fail_full(&g, k.f, K32_SIZE, "", mods, 2, NULL, 0,
			 "module 1 (, 18446744073709551615 bytes) does not fit in 4 MiB of memory "
			 "below 4 GiB after the kernel");

	/* The info area: the longest command line that fits, then one more. */
	memset(line, 'c', fit);
	assert_true(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, line, NULL, 0, NULL, 0, &b, err,
				    sizeof(err)));
	assert_int_equal(check_info(&g, &b, &w), MB_INFO_END);
	check_canaries(&g);
	line[fit] = 'c';
	expect_fail_full(&g, k.f, K32_SIZE, line, NULL, 0, NULL, 0,
			 "command line and module strings do not fit in the multiboot2 info area "
			 "(28680 bytes needed, 28672 available)");
	/* Module tags and the RSDP tag count too (and the RSDP's tables add
	 * a memory map entry of 24 bytes). */
	line[fit - 20] = 0;
	mods[0].string = "0123456789";
	expect_fail_full(&g, k.f, K32_SIZE, line, mods, 1, rsdp, 36,
			 "command line and module strings do not fit in the multiboot2 info area "
			 "(28760 bytes needed, 28672 available)");
	/* A huge string is not measured to its end. */
	memset(line, 'c', 0x8000 - 1);
	expect_fail_full(&g, k.f, K32_SIZE, line, NULL, 0, NULL, 0,
			 "command line and module strings do not fit in the multiboot2 info area "
			 "(28824 bytes needed, 28672 available)");
}

static void test_rsdp_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));
	u8 *r;

	(void)state;
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, NULL, 36,
			 "no RSDP bytes given, but rsdp_len is 36");
	r = rsdp_make(20, 0);
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 19,
			 "RSDP is 19 bytes, less than the 20 of ACPI 1.0");
	r[3] = 'X';
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 20,
			 "RSDP has no \"RSD PTR \" signature");
	r[3] = ' ';
	r[9]++;
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 20,
			 "RSDP checksum is wrong: its first 20 bytes sum to 0x01, not 0");
	r[9]--;
	r[15] = 1;
	rsdp_sum(r, 20);
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 20,
			 "RSDP revision 1 is not defined (0 is ACPI 1.0, 2 is ACPI 2.0 and later)");
	r[15] = 2;
	rsdp_sum(r, 20);
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 20,
			 "RSDP revision 2 is 20 bytes, less than the 36 of ACPI 2.0");

	r = rsdp_make(36, 0);
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 36,
			 "RSDP revision 0 (ACPI 1.0) is 20 bytes, not 36");
	r = rsdp_make(36, 2);
	wr32(r + 20, 40);
	rsdp_sum(r, 36);
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 36,
			 "RSDP Length field says 40 bytes, but 36 were given");
	wr32(r + 20, 36);
	rsdp_sum(r, 36);
	r[34]++; /* reserved byte, outside the first 20 */
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 36,
			 "RSDP extended checksum is wrong: its 36 bytes sum to 0x01, not 0");
	r = rsdp_make(72, 2);
	expect_fail_full(&g, k.f, K32_SIZE, "", NULL, 0, r, 72,
			 "RSDP is 72 bytes, more than the 64 supported");
}

static void test_small_memory_and_err_buffers(void **state)
{
	struct guest g = guest_new(1 * MiB);
	struct guest g2 = guest_new(MiB + 4096);
	struct k32 k = k32_make(only_end, ARRAY_SIZE(only_end));
	char err[16], wide[128];

	(void)state;
	expect_fail(&g, k.f, K32_SIZE,
		    "1 MiB of guest memory is too small: a multiboot2 kernel loads above 1 MiB");
	expect_fail(&g2, k.f, K32_SIZE,
		    "segment at 0x102000..0x103800 does not fit in 1028 KiB of memory");
	/* A short buffer gets a truncated, terminated message. */
	memset(err, 'x', sizeof(err));
	assert_false(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, 0, NULL, err,
				     sizeof(err)));
	assert_string_equal(err, "1 MiB of guest ");
	/* No buffer at all. */
	assert_false(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, 0, NULL,
				     NULL, 0));
	assert_false(multiboot2_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, 0, NULL, err,
				     0));
	/* The tag walk's own messages also go through a short buffer. */
	{
		const u32 words[] = { TF(3, 0), 12, K32_ENTRY, END_TAG };
		struct k32 k2 = k32_make(words, ARRAY_SIZE(words));
		struct guest g3 = guest_new(4 * MiB);

		assert_false(multiboot2_load(g3.gm, g3.size, k2.f, K32_SIZE, "", NULL, 0, NULL, 0,
					     NULL, err, sizeof(err)));
		assert_string_equal(err, "multiboot2 head");
		assert_false(multiboot2_load(g3.gm, g3.size, k2.f, K32_SIZE, "", NULL, 0, NULL, 0,
					     NULL, NULL, 0));
		check_canaries(&g3);
	}
	/* Memory that would reach the devices has no layout (so no memory
	 * map): refused before a byte is written, which the 1 MiB buffer
	 * behind this 4 GiB claim would show (canaries, ASan). */
	memset(g.gm, GUEST_FILL, g.size);
	assert_false(multiboot2_load(g.gm, 4 * GiB, k.f, K32_SIZE, "", NULL, 0, NULL, 0, NULL, wide,
				     sizeof(wide)));
	assert_string_equal(wide, "4 GiB of memory would reach the I/O APIC at 0xfec00000: at "
				  "most 4076 MiB");
	assert_true(all_bytes(g.gm, g.size, GUEST_FILL));
	check_canaries(&g);
	check_canaries(&g2);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, unit_free_all)
	const struct CMUnitTest tests[] = {
		T(test_elf32_two_modules_rsdp),
		T(test_aout_two_modules_rsdp_v1),
		T(test_aout_defaults),
		T(test_elf_with_address_tag),
		T(test_entry_tag_overrides_elf),
		T(test_elf64_relocatable),
		T(test_rsdp_inside_guest_memory),
		T(test_reload_is_clean),
		T(test_optional_tags_ignored),
		T(test_module_fills_memory_exactly),
		T(test_detect),
		T(test_bad_headers),
		T(test_header_search),
		T(test_address_tag_errors),
		T(test_elf_errors),
		T(test_module_and_info_errors),
		T(test_rsdp_errors),
		T(test_small_memory_and_err_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
