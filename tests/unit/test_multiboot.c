/*
 * Unit tests for hv/multiboot.c: small kernels built in memory (an ELF32
 * and an ELF64 with a multiboot header in their first segment, a flat
 * binary using the header's address fields) are loaded into a guest
 * memory buffer with canary pages on both sides.
 *
 * The system <elf.h> describes the ELF layouts, and the multiboot header
 * and info offsets are written out here from the specification (0.6.96,
 * sections 3.1.1, 3.1.3 and 3.3), independently of hv/multiboot.c.
 *
 * Guest memory starts filled with 0xcc so zeroing is visible; a failed
 * load must leave it untouched.
 */
#include "unit.h"
#include "guest_mem.h"

#include <elf.h>

#include <tessera/multiboot.h>

/* ------------------------------------------------------------- helpers */


/* ----------------------------------------------- multiboot header (3.1) */

#define MAGIC 0x1badb002u
#define F_PAGE_ALIGN (1u << 0)
#define F_MEMINFO (1u << 1)
#define F_VIDEO (1u << 2)
#define F_ADDRS (1u << 16)

/* Spec 3.1.1: magic, flags, checksum (the three sum to 0 mod 2^32). */
static void put_header(u8 *f, size_t off, u32 flags)
{
	wr32(f + off, MAGIC);
	wr32(f + off + 4, flags);
	wr32(f + off + 8, (u32)(0u - MAGIC - flags));
}

/* Spec 3.1.3: header_addr, load_addr, load_end_addr, bss_end_addr,
 * entry_addr at offsets 12..28. */
static void put_addrs(u8 *f, size_t off, u32 header, u32 load, u32 load_end, u32 bss_end,
		      u32 entry)
{
	wr32(f + off + 12, header);
	wr32(f + off + 16, load);
	wr32(f + off + 20, load_end);
	wr32(f + off + 24, bss_end);
	wr32(f + off + 28, entry);
}

/* ----------------------------------------------------------- kernels */

/*
 * ELF32, 0x300 bytes:
 *   file   paddr       vaddr        what
 *   0x000  0x100000    0x100000     headers, multiboot header at 0x80,  } PT_LOAD R X
 *   0x100  0x100100    0x100100     "code" (entry here)                 } 0x200 bytes
 *   0x200  0x102000    0xc0102000   data, filesz 0x100, memsz 0x1800    } PT_LOAD R W
 */
#define K32_SIZE 0x300
#define K32_MBH 0x80
#define K32_ENTRY 0x100100u

struct k32 {
	u8 *f;
	Elf32_Ehdr *eh;
	Elf32_Phdr *ph;
};

static struct k32 k32_make(u32 mbflags)
{
	struct k32 k;

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
	put_header(k.f, K32_MBH, mbflags);
	return k;
}

/*
 * ELF64 for a higher-half kernel, 0x200 bytes: one PT_LOAD, offset 0,
 * paddr 0x300000, vaddr 0xffffffff80300000, filesz 0x200, memsz 0x1000;
 * multiboot header at 0x80, entry at vaddr + 0x100.
 */
#define K64_SIZE 0x200
#define K64_VBASE 0xffffffff80300000ull
#define K64_PBASE 0x300000ull

struct k64 {
	u8 *f;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
};

static struct k64 k64_make(void)
{
	struct k64 k;

	k.f = unit_alloc(K64_SIZE);
	k.eh = (Elf64_Ehdr *)k.f;
	k.ph = (Elf64_Phdr *)(k.f + sizeof(Elf64_Ehdr));
	memcpy(k.eh->e_ident, ELFMAG, SELFMAG);
	k.eh->e_ident[EI_CLASS] = ELFCLASS64;
	k.eh->e_ident[EI_DATA] = ELFDATA2LSB;
	k.eh->e_ident[EI_VERSION] = EV_CURRENT;
	k.eh->e_type = ET_EXEC;
	k.eh->e_machine = EM_X86_64;
	k.eh->e_version = EV_CURRENT;
	k.eh->e_entry = K64_VBASE + 0x100;
	k.eh->e_phoff = sizeof(Elf64_Ehdr);
	k.eh->e_ehsize = sizeof(Elf64_Ehdr);
	k.eh->e_phentsize = sizeof(Elf64_Phdr);
	k.eh->e_phnum = 1;
	/* type, flags, offset, vaddr, paddr, filesz, memsz, align */
	k.ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W | PF_X, 0, K64_VBASE, K64_PBASE, 0x200,
				0x1000, 0x1000 };
	for (unsigned i = 0xa0; i < K64_SIZE; i++)
		k.f[i] = (u8)(i * 3 + 5) | 0x80;
	put_header(k.f, 0x80, 0);
	return k;
}

/*
 * A flat binary using the a.out kludge (flag 16), 0x1400 bytes:
 *   file 0x0000..0x1000  junk, not loaded (header_addr - load_addr = 0x40
 *                        while the header sits at file offset 0x1040)
 *   file 0x1000..0x1400  loaded at 0x200000..0x200400, header at 0x1040
 *   bss to 0x202000, entry 0x200080
 */
#define KA_SIZE 0x1400
#define KA_MBH 0x1040

static u8 *aout_make(void)
{
	u8 *f = unit_alloc(KA_SIZE);

	memset(f, 0xee, 0x1000);
	for (unsigned i = 0x1000; i < KA_SIZE; i++)
		f[i] = (u8)(i * 5 + 3) | 2;
	put_header(f, KA_MBH, F_ADDRS | F_PAGE_ALIGN);
	put_addrs(f, KA_MBH, 0x200040, 0x200000, 0x200400, 0x202000, 0x200080);
	return f;
}

/* ------------------------------------------------- info structure (3.3) */

#define MBI_FLAGS_WANT ((1u << 0) | (1u << 2) | (1u << 3) | (1u << 6) | (1u << 9))

static const char *gstr(const struct guest *g, u32 gpa)
{
	assert_true(gpa >= MB_INFO_BASE && gpa < MB_INFO_END);
	assert_non_null(memchr(g->gm + gpa, 0, MB_INFO_END - gpa));
	return (const char *)g->gm + gpa;
}

/* What every successful load promises about the info structure. */
static void check_info(const struct guest *g, const struct mb_boot *b, const char *cmdline,
		       u32 nmods)
{
	const u8 *mbi = g->gm + b->mbi;
	u32 mmap_addr, mmap_len;

	assert_int_equal(b->mbi, MB_INFO_BASE);
	assert_int_equal(rd32(mbi + 0), MBI_FLAGS_WANT);
	/* Lower memory ends where the firmware tables' page begins. */
	assert_int_equal(rd32(mbi + 4), 0x9f000 / 1024);
	assert_int_equal(rd32(mbi + 8), (g->size - 0x100000) / 1024);
	assert_string_equal(gstr(g, rd32(mbi + 16)), cmdline);
	assert_int_equal(rd32(mbi + 20), nmods);
	assert_string_equal(gstr(g, rd32(mbi + 64)), "Tessera");

	/* Memory map: 4 entries of {size 20, base, length, type}. The
	 * firmware tables' page is ACPI memory (type 3), the legacy hole and
	 * the BIOS area with the RSDP's copy are reserved: the kernel may
	 * use neither. */
	mmap_len = rd32(mbi + 44);
	mmap_addr = rd32(mbi + 48);
	assert_int_equal(mmap_len, 4 * 24);
	assert_true(mmap_addr >= MB_INFO_BASE && mmap_addr + mmap_len <= MB_INFO_END);
	{
		const u8 *m = g->gm + mmap_addr;
		const u64 want[4][3] = { { 0, 0x9f000, 1 },
					 { 0x9f000, 0x1000, 3 },
					 { 0xa0000, 0x60000, 2 },
					 { 0x100000, g->size - 0x100000, 1 } };

		for (int i = 0; i < 4; i++, m += 24) {
			assert_int_equal(rd32(m), 20);
			assert_int_equal(rd64(m + 4), want[i][0]);
			assert_int_equal(rd64(m + 12), want[i][1]);
			assert_int_equal(rd32(m + 20), want[i][2]);
		}
	}
	/* Fields we do not provide stay zero (e.g. boot_device, syms, drives,
	 * VBE, framebuffer). */
	assert_int_equal(rd32(mbi + 12), 0);
	assert_true(all_bytes(mbi + 28, 16, 0));
	assert_true(all_bytes(mbi + 52, 12, 0));
	assert_true(all_bytes(mbi + 68, 116 - 68, 0));
}

/* Nothing outside the info area, the kernel's segments and the modules
 * may be non-zero: the info area below, and [from, to) where the caller
 * checked contents. */
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

/* ---------------------------------------------------------- successes */

static void test_elf32_load(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(F_PAGE_ALIGN | F_MEMINFO);
	struct mb_boot b;
	char err[128] = "untouched";
	const u64 keep[][2] = { { MB_INFO_BASE, MB_INFO_END },
				{ 0x100000, 0x100200 },
				{ 0x102000, 0x102100 } };

	(void)state;
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "console=ttyS0 debug", NULL, 0,
				   &b, err, sizeof(err)));
	assert_string_equal(err, "");
	assert_int_equal(b.entry, K32_ENTRY);
	assert_int_equal(b.kernel_lo, 0x100000);
	assert_int_equal(b.kernel_hi, 0x103800);
	assert_int_equal(b.modules_hi, 0x103800);
	/* Segments by paddr; the second's vaddr is in the higher half. */
	assert_memory_equal(g.gm + 0x100000, k.f, 0x200);
	assert_memory_equal(g.gm + 0x102000, k.f + 0x200, 0x100);
	assert_zero(&g, 0x102100, 0x103800); /* bss */
	check_info(&g, &b, "console=ttyS0 debug", 0);
	assert_zero_outside(&g, keep, 3);
	check_canaries(&g);
}

static void test_elf32_null_cmdline_and_out(void **state)
{
	struct guest g = guest_new(2 * MiB);
	struct k32 k = k32_make(0);
	struct mb_boot b;

	(void)state;
	/* No cmdline: the flag stays set with an empty string. */
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, NULL, NULL, 0, &b, NULL, 0));
	check_info(&g, &b, "", 0);
	/* out, err may be NULL. */
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "x", NULL, 0, NULL, NULL, 0));
	check_canaries(&g);
}

static void test_elf64_higher_half(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k64 k = k64_make();
	struct mb_boot b;
	char err[128];
	const u64 keep[][2] = { { MB_INFO_BASE, MB_INFO_END }, { K64_PBASE, K64_PBASE + 0x200 } };

	(void)state;
	assert_true(multiboot_load(g.gm, g.size, k.f, K64_SIZE, "a", NULL, 0, &b, err,
				   sizeof(err)));
	/* Paging is off at entry: e_entry is translated to its paddr. */
	assert_int_equal(b.entry, K64_PBASE + 0x100);
	assert_int_equal(b.kernel_lo, K64_PBASE);
	assert_int_equal(b.kernel_hi, K64_PBASE + 0x1000);
	assert_memory_equal(g.gm + K64_PBASE, k.f, K64_SIZE);
	assert_zero(&g, K64_PBASE + 0x200, K64_PBASE + 0x1000);
	check_info(&g, &b, "a", 0);
	assert_zero_outside(&g, keep, 2);
	check_canaries(&g);
}

static void test_modules(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(F_PAGE_ALIGN);
	u8 *m0 = unit_alloc(5000), *m1 = unit_alloc(3);
	struct mb_module_src mods[3] = {
		{ m0, 5000, "\\tessera\\initrd.img" },
		{ m1, 3, "mod2 arg=1" },
		{ NULL, 0, NULL }, /* empty module, no string */
	};
	const u64 keep[][2] = { { MB_INFO_BASE, MB_INFO_END },
				{ 0x100000, 0x100200 },
				{ 0x102000, 0x102100 },
				{ 0x104000, 0x104000 + 5000 },
				{ 0x106000, 0x106003 } };
	struct mb_boot b;
	char err[128];
	const u8 *ent;

	(void)state;
	for (unsigned i = 0; i < 5000; i++)
		m0[i] = (u8)(i % 251) + 1;
	memcpy(m1, "\x01\x02\x03", 3);
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "root=/dev/ram0", mods, 3, &b,
				   err, sizeof(err)));
	check_info(&g, &b, "root=/dev/ram0", 3);
	assert_int_equal(b.kernel_hi, 0x103800);
	assert_int_equal(b.modules_hi, 0x107000); /* the empty one, page aligned */

	/* Spec 3.3: 16-byte entries {mod_start, mod_end, string, reserved}. */
	ent = g.gm + rd32(g.gm + b.mbi + 24);
	assert_int_equal(rd32(ent + 0), 0x104000); /* kernel_hi page aligned */
	assert_int_equal(rd32(ent + 4), 0x104000 + 5000);
	assert_string_equal(gstr(&g, rd32(ent + 8)), "\\tessera\\initrd.img");
	assert_int_equal(rd32(ent + 12), 0);
	assert_int_equal(rd32(ent + 16), 0x106000);
	assert_int_equal(rd32(ent + 20), 0x106003);
	assert_string_equal(gstr(&g, rd32(ent + 24)), "mod2 arg=1");
	assert_int_equal(rd32(ent + 32), 0x107000);
	assert_int_equal(rd32(ent + 36), 0x107000);
	assert_string_equal(gstr(&g, rd32(ent + 40)), "");
	assert_memory_equal(g.gm + 0x104000, m0, 5000);
	assert_memory_equal(g.gm + 0x106000, m1, 3);
	assert_zero_outside(&g, keep, 5);
	check_canaries(&g);
}

static void test_module_fills_memory_exactly(void **state)
{
	struct guest g = guest_new(2 * MiB);
	struct k32 k = k32_make(0);
	u64 room = 2 * MiB - 0x104000;
	u8 *m = unit_alloc(room);
	struct mb_module_src mod = { m, room, "big" };
	struct mb_boot b;
	char err[160];

	(void)state;
	memset(m, 0x77, room);
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", &mod, 1, &b, err,
				   sizeof(err)));
	assert_int_equal(b.modules_hi, g.size);
	assert_true(all_bytes(g.gm + 0x104000, room, 0x77));
	check_canaries(&g);

	mod.size = room + 1;
	assert_false(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", &mod, 1, &b, err,
				    sizeof(err)));
	check_canaries(&g);
}

static void test_aout_kludge(void **state)
{
	struct guest g = guest_new(4 * MiB);
	u8 *f = aout_make();
	struct mb_boot b;
	char err[128];
	const u64 keep[][2] = { { MB_INFO_BASE, MB_INFO_END }, { 0x200000, 0x200400 } };

	(void)state;
	assert_true(multiboot_load(g.gm, g.size, f, KA_SIZE, "aout", NULL, 0, &b, err,
				   sizeof(err)));
	assert_int_equal(b.entry, 0x200080);
	assert_int_equal(b.kernel_lo, 0x200000);
	assert_int_equal(b.kernel_hi, 0x202000);
	/* File offset 0x1040 (the header) is at header_addr 0x200040. */
	assert_memory_equal(g.gm + 0x200000, f + 0x1000, 0x400);
	assert_int_equal(rd32(g.gm + 0x200040), MAGIC);
	assert_zero(&g, 0x200400, 0x202000);
	check_info(&g, &b, "aout", 0);
	assert_zero_outside(&g, keep, 2);
	check_canaries(&g);
}

static void test_aout_defaults(void **state)
{
	struct guest g = guest_new(4 * MiB);
	u8 *f = aout_make();
	struct mb_boot b;
	char err[128];

	(void)state;
	/* load_end_addr 0: to the end of the file; bss_end_addr 0: no bss.
	 * Header at file offset 0 = load_addr. */
	put_header(f, KA_MBH, 0);
	put_header(f, 0, F_ADDRS);
	put_addrs(f, 0, 0x180000, 0x180000, 0, 0, 0x1813fc);
	assert_true(multiboot_load(g.gm, g.size, f, KA_SIZE, "", NULL, 0, &b, err, sizeof(err)));
	assert_int_equal(b.entry, 0x1813fc);
	assert_int_equal(b.kernel_lo, 0x180000);
	assert_int_equal(b.kernel_hi, 0x180000 + KA_SIZE);
	assert_memory_equal(g.gm + 0x180000, f, KA_SIZE);
	assert_zero(&g, 0x180000 + KA_SIZE, g.size);
	check_canaries(&g);
}

/* Spec 3.1.2: with flag 16 the address fields are used instead of the
 * ELF headers. */
static void test_elf_with_address_fields(void **state)
{
	struct guest g = guest_new(8 * MiB);
	struct k32 k = k32_make(0);
	struct mb_boot b;
	char err[128];
	const u64 keep[][2] = { { MB_INFO_BASE, MB_INFO_END }, { 0x400000, 0x400000 + K32_SIZE } };

	(void)state;
	put_header(k.f, K32_MBH, F_ADDRS);
	put_addrs(k.f, K32_MBH, 0x400000 + K32_MBH, 0x400000, 0, 0x405000, 0x400104);
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, &b, err,
				   sizeof(err)));
	assert_int_equal(b.entry, 0x400104);
	assert_int_equal(b.kernel_lo, 0x400000);
	assert_int_equal(b.kernel_hi, 0x405000);
	assert_memory_equal(g.gm + 0x400000, k.f, K32_SIZE);
	assert_zero_outside(&g, keep, 2); /* nothing at the ELF paddrs */
	check_canaries(&g);
}

static void test_reload_is_clean(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(0);
	u8 *f = aout_make();
	u8 m[100];
	struct mb_module_src mod = { m, sizeof(m), "m" };
	struct mb_boot b;
	char err[128];
	const u64 keep[][2] = { { MB_INFO_BASE, MB_INFO_END },
				{ 0x100000, 0x100200 },
				{ 0x102000, 0x102100 } };

	(void)state;
	memset(m, 0x42, sizeof(m));
	assert_true(multiboot_load(g.gm, g.size, f, KA_SIZE, "first", &mod, 1, &b, err,
				   sizeof(err)));
	memset(g.gm + 0x300000, 0x99, 0x1000); /* the guest scribbled */
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "2", NULL, 0, &b, err,
				   sizeof(err)));
	check_info(&g, &b, "2", 0);
	assert_zero_outside(&g, keep, 3);
	check_canaries(&g);
}

/* Spec 3.1.1: 32-bit aligned, wholly within the first 8192 bytes. */
static void test_header_search_limits(void **state)
{
	struct guest g = guest_new(4 * MiB);
	size_t n = 8192 + 64;
	u8 *f = unit_alloc(n);
	struct mb_boot b;
	char err[128];

	(void)state;
	/* Flag-16 header ending exactly at 8192. */
	put_header(f, 8192 - 32, F_ADDRS);
	put_addrs(f, 8192 - 32, 0x100000 + 8192 - 32, 0x100000, 0, 0, 0x100000);
	assert_true(multiboot_load(g.gm, g.size, f, n, "", NULL, 0, &b, err, sizeof(err)));
	assert_int_equal(b.kernel_hi, 0x100000 + n);

	/* Its address fields cut off by the 8 KiB limit. */
	memset(f, 0, n);
	put_header(f, 8192 - 28, F_ADDRS);
	assert_false(multiboot_load(g.gm, g.size, f, n, "", NULL, 0, &b, err, sizeof(err)));
	assert_string_equal(err, "multiboot header at offset 0x1fe4 is cut short (flag 16 "
				 "needs 32 bytes)");

	/* ... or by the end of the file. */
	assert_false(multiboot_load(g.gm, g.size, f, 8192 - 8, "", NULL, 0, &b, err,
				    sizeof(err)));
	assert_string_equal(err, "multiboot header at offset 0x1fe4 is cut short (flag 16 "
				 "needs 32 bytes)");

	/* Past 8 KiB, unaligned, or cut off by the end of the file: not found. */
	memset(f, 0, n);
	put_header(f, 8192, F_ADDRS);
	assert_false(multiboot_load(g.gm, g.size, f, n, "", NULL, 0, &b, err, sizeof(err)));
	assert_string_equal(err, "no multiboot header in the first 8 KiB");
	memset(f, 0, n);
	put_header(f, 0x82, F_ADDRS);
	assert_false(multiboot_load(g.gm, g.size, f, n, "", NULL, 0, &b, err, sizeof(err)));
	assert_string_equal(err, "no multiboot header in the first 8 KiB");
	memset(f, 0, n);
	put_header(f, 0x80, F_ADDRS);
	assert_false(multiboot_load(g.gm, g.size, f, 0x88, "", NULL, 0, &b, err, sizeof(err)));
	assert_string_equal(err, "no multiboot header in the first 8 KiB");
	assert_false(multiboot_load(g.gm, g.size, f, 0, "", NULL, 0, &b, err, sizeof(err)));
	assert_string_equal(err, "no multiboot header in the first 8 KiB");

	/* A bad magic+checksum before a good header is skipped. */
	memset(f, 0, n);
	wr32(f + 0x40, MAGIC);
	put_header(f, 0x80, F_ADDRS);
	put_addrs(f, 0x80, 0x100080, 0x100000, 0, 0, 0x100000);
	assert_true(multiboot_load(g.gm, g.size, f, n, "", NULL, 0, &b, err, sizeof(err)));
	check_canaries(&g);
}

static void test_optional_flags_ignored(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(0);
	struct mb_boot b;
	char err[128];

	(void)state;
	/* Bits 16-31 other than 16 are optional: ignored (spec 3.1.2). */
	put_header(k.f, K32_MBH, F_PAGE_ALIGN | F_MEMINFO | (1u << 17) | (1u << 31));
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, &b, err,
				   sizeof(err)));
	assert_int_equal(b.entry, K32_ENTRY);
	check_canaries(&g);
}

/* ------------------------------------------------------------ failures */

/* multiboot_load() must fail with exactly want, touching nothing. */
static void expect_fail(const struct guest *g, const void *k, size_t ksize, const char *cmdline,
			const struct mb_module_src *mods, unsigned nmods, const char *want)
{
	struct mb_boot b = { 0 };
	char err[256];

	memset(g->gm, GUEST_FILL, g->size);
	memset(err, 'x', sizeof(err));
	if (multiboot_load(g->gm, g->size, k, ksize, cmdline, mods, nmods, &b, err, sizeof(err)))
		fail_msg("load succeeded, expected \"%s\"", want);
	assert_string_equal(err, want);
	assert_true(all_bytes(g->gm, g->size, GUEST_FILL));
	check_canaries(g);
}

static void test_header_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(0);
	u8 zeros[0x100] = { 0 };

	(void)state;
	expect_fail(&g, zeros, sizeof(zeros), "", NULL, 0,
		    "no multiboot header in the first 8 KiB");
	wr32(k.f + K32_MBH + 8, rd32(k.f + K32_MBH + 8) + 1);
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "multiboot header at offset 0x80 has a bad checksum");
	put_header(k.f, K32_MBH, F_PAGE_ALIGN | F_VIDEO);
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "header flag bit 2 (video mode) is not supported");
	put_header(k.f, K32_MBH, F_MEMINFO | (1u << 5) | (1u << 9));
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0, "header flag bit 5 is not supported");
	put_header(k.f, K32_MBH, 1u << 15);
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0, "header flag bit 15 is not supported");
	/* Bit 16 with a video request: still refused for the video. */
	put_header(k.f, K32_MBH, F_ADDRS | F_VIDEO);
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "header flag bit 2 (video mode) is not supported");
}

static void test_format_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(0);
	u8 flat[0x100] = { 0 };

	(void)state;
	put_header(flat, 0x10, 0);
	expect_fail(&g, flat, sizeof(flat), "", NULL, 0,
		    "kernel is not an ELF file and its multiboot header has no address fields "
		    "(flag 16)");
	k.eh->e_machine = EM_X86_64;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "kernel: ELF32 file for machine 62, expected i386 (3)");
	k.eh->e_machine = EM_386;
	k.eh->e_entry = 0x500000;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "entry point 0x500000 is not inside a loaded segment");
	k.eh->e_entry = 0x102000; /* the paddr of seg 1, not a vaddr */
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "entry point 0x102000 is not inside a loaded segment");
	k.eh->e_entry = 0xc0103000; /* in seg 1's bss: allowed */
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, NULL, 0));
}

static void test_segment_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(0);
	struct k64 k64 = k64_make();

	(void)state;
	k.ph[1].p_paddr = 0x200000;
	k.ph[1].p_memsz = 0x700000;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x200000..0x900000 does not fit in 4 MiB of memory");
	k.ph[1].p_paddr = 0x3ff000;
	k.ph[1].p_memsz = 0x1001;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x3ff000..0x400001 does not fit in 4 MiB of memory");
	k.ph[1].p_memsz = 0x1000; /* ends exactly at the end of memory: fine */
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, NULL, 0));
	check_canaries(&g);

	k.ph[1].p_paddr = 0x9f000;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x9f000..0xa0000 lies below 1 MiB");
	k.ph[1].p_paddr = 0x9f001;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x9f001..0xa0001 overlaps the legacy hole 0xa0000..0x100000");
	k.ph[1].p_paddr = 0xff000;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0xff000..0x100000 overlaps the legacy hole 0xa0000..0x100000");
	k.ph[1].p_paddr = 0x7fff;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x7fff..0x8fff overlaps the multiboot info area 0x1000..0x8000");
	k.ph[1].p_paddr = 0;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x0..0x1000 lies below 1 MiB");
	k.ph[1].p_paddr = 0x10000;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x10000..0x11000 lies below 1 MiB");
	k.ph[1].p_paddr = 0x100100;
	k.ph[1].p_memsz = 0x1800;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "segments at 0x100000..0x100200 and 0x100100..0x101900 overlap");

	k64.ph[0].p_paddr = 0xfffff000;
	expect_fail(&g, k64.f, K64_SIZE, "", NULL, 0,
		    "segment at 0xfffff000..0x100000000 does not fit in 4 MiB of memory");
	k64.ph[0].p_paddr = 0xfffff001;
	expect_fail(&g, k64.f, K64_SIZE, "", NULL, 0,
		    "segment at 0xfffff001..0x100000001 lies above 4 GiB");
}

static void test_aout_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	u8 *f = aout_make();

	(void)state;
	put_addrs(f, KA_MBH, 0x200040, 0x200041, 0x200400, 0x202000, 0x200080);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header load_addr 0x200041 is above header_addr 0x200040");
	put_addrs(f, KA_MBH, 0x201041, 0x200000, 0, 0, 0x200080);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header_addr 0x201041 - load_addr 0x200000 is more than the header's file "
		    "offset 0x1040");
	put_addrs(f, KA_MBH, 0x201040, 0x200000, 0, 0, 0x200080); /* from file offset 0 */
	assert_true(multiboot_load(g.gm, g.size, f, KA_SIZE, "", NULL, 0, NULL, NULL, 0));
	assert_memory_equal(g.gm + 0x200000, f, KA_SIZE);
	put_addrs(f, KA_MBH, 0x200040, 0x200000, 0x1fffff, 0, 0x200080);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header load_end_addr 0x1fffff is below load_addr 0x200000");
	put_addrs(f, KA_MBH, 0x200040, 0x200000, 0x200401, 0, 0x200080);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header load_end_addr 0x200401 is past the end of the file");
	put_addrs(f, KA_MBH, 0x200040, 0x200000, 0x200400, 0x2003ff, 0x200080);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header bss_end_addr 0x2003ff is below the end of the loaded data 0x200400");
	put_addrs(f, KA_MBH, 0x200040, 0x200000, 0x200400, 0x202000, 0x202000);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header entry_addr 0x202000 is outside the image 0x200000..0x202000");
	put_addrs(f, KA_MBH, 0x200040, 0x200000, 0x200400, 0x202000, 0x1fffff);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header entry_addr 0x1fffff is outside the image 0x200000..0x202000");
	put_addrs(f, KA_MBH, 0x200040, 0x200000, 0x200000, 0, 0x200000);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "header address fields describe an empty image");
	put_addrs(f, KA_MBH, 0x1040, 0x0, 0x400, 0, 0x80);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "segment at 0x0..0x400 lies below 1 MiB");
	/* 32-bit fields, but load_addr + the rest of the file passes 4 GiB. */
	put_addrs(f, KA_MBH, 0xfffffe40, 0xfffffe00, 0, 0, 0xfffffe80);
	expect_fail(&g, f, KA_SIZE, "", NULL, 0,
		    "segment at 0xfffffe00..0x100000200 lies above 4 GiB");
}

static void test_module_and_info_errors(void **state)
{
	struct guest g = guest_new(4 * MiB);
	struct k32 k = k32_make(0);
	static u8 big[3 * MiB];
	struct mb_module_src mods[9];
	size_t fit = 0x7000 - 120 - 96 - 8 - 1; /* info, mmap, "Tessera", NUL */
	char *line = unit_alloc(0x8000);
	struct mb_boot b;
	char err[256];

	(void)state;
	for (unsigned i = 0; i < 9; i++)
		mods[i] = (struct mb_module_src){ big, 1, "m" };
	expect_fail(&g, k.f, K32_SIZE, "", mods, 9, "9 modules given, at most 8 are supported");
	mods[1].size = sizeof(big);
	mods[1].string = "big";
	expect_fail(&g, k.f, K32_SIZE, "", mods, 2,
		    "module 1 (big, 3145728 bytes) does not fit in 4 MiB of memory below 4 GiB "
		    "after the kernel");
	mods[1].size = ~0ull;
	mods[1].string = NULL;
	expect_fail(&g, k.f, K32_SIZE, "", mods, 2,
		    "module 1 (, 18446744073709551615 bytes) does not fit in 4 MiB of memory "
		    "below 4 GiB after the kernel");

	/* The info area: the longest command line that fits, then one more. */
	memset(line, 'c', fit);
	assert_true(multiboot_load(g.gm, g.size, k.f, K32_SIZE, line, NULL, 0, &b, err,
				   sizeof(err)));
	check_info(&g, &b, line, 0);
	assert_int_equal(rd32(g.gm + MB_INFO_BASE + 16) + fit + 1, MB_INFO_END);
	check_canaries(&g);
	line[fit] = 'c';
	expect_fail(&g, k.f, K32_SIZE, line, NULL, 0,
		    "command line and module strings do not fit in the multiboot info area "
		    "(28673 bytes needed, 28672 available)");
	/* Module strings count too (and their 16-byte entries). */
	line[fit - 20] = 0;
	mods[0].string = "0123456789";
	expect_fail(&g, k.f, K32_SIZE, line, mods, 1,
		    "command line and module strings do not fit in the multiboot info area "
		    "(28679 bytes needed, 28672 available)");
	/* A huge string is not measured to its end. */
	memset(line, 'c', 0x8000 - 1);
	expect_fail(&g, k.f, K32_SIZE, line, NULL, 0,
		    "command line and module strings do not fit in the multiboot info area "
		    "(28898 bytes needed, 28672 available)");
}

static void test_small_memory_and_err_buffers(void **state)
{
	struct guest g = guest_new(1 * MiB);
	struct guest g2 = guest_new(MiB + 4096);
	struct k32 k = k32_make(0);
	char err[16], wide[128];

	(void)state;
	expect_fail(&g, k.f, K32_SIZE, "", NULL, 0,
		    "1 MiB of guest memory is too small: a multiboot kernel loads above 1 MiB");
	expect_fail(&g2, k.f, K32_SIZE, "", NULL, 0,
		    "segment at 0x102000..0x103800 does not fit in 1028 KiB of memory");
	/* A short buffer gets a truncated, terminated message. */
	memset(err, 'x', sizeof(err));
	assert_false(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, err,
				    sizeof(err)));
	assert_string_equal(err, "1 MiB of guest ");
	/* No buffer at all. */
	assert_false(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, NULL, 0));
	assert_false(multiboot_load(g.gm, g.size, k.f, K32_SIZE, "", NULL, 0, NULL, err, 0));
	/* Memory that would reach the devices has no layout (so no memory
	 * map): refused before a byte is written, which the 1 MiB buffer
	 * behind this 4 GiB claim would show (canaries, ASan). */
	memset(g.gm, GUEST_FILL, g.size);
	assert_false(multiboot_load(g.gm, 4 * GiB, k.f, K32_SIZE, "", NULL, 0, NULL, wide,
				    sizeof(wide)));
	assert_string_equal(wide, "4 GiB of memory would reach the I/O APIC at 0xfec00000: at "
				  "most 4076 MiB");
	assert_true(all_bytes(g.gm, g.size, GUEST_FILL));
	check_canaries(&g);
	check_canaries(&g2);
}

/* ------------------------------------------------- a real guest kernel */

#define HELLO_ELF "build/guests/hello.elf"

static void test_real_guest(void **state)
{
	FILE *fp = fopen(HELLO_ELF, "rb");
	struct guest g;
	struct mb_boot b;
	char err[256];
	long n;
	u8 *f;

	(void)state;
	if (!fp) {
		printf("note: %s is not built, skipping\n", HELLO_ELF);
		skip();
	}
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	n = ftell(fp);
	assert_true(n > 0);
	rewind(fp);
	f = unit_alloc((size_t)n);
	assert_int_equal(fread(f, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);

	g = guest_new(32 * MiB);
	if (!multiboot_load(g.gm, g.size, f, (size_t)n, "hello", NULL, 0, &b, err, sizeof(err)))
		fail_msg("%s: %s", HELLO_ELF, err);
	assert_true(b.kernel_lo >= MB_HOLE_END);
	assert_true(b.entry >= b.kernel_lo && b.entry < b.kernel_hi);
	check_info(&g, &b, "hello", 0);
	check_canaries(&g);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, unit_free_all)
	const struct CMUnitTest tests[] = {
		T(test_elf32_load),
		T(test_elf32_null_cmdline_and_out),
		T(test_elf64_higher_half),
		T(test_modules),
		T(test_module_fills_memory_exactly),
		T(test_aout_kludge),
		T(test_aout_defaults),
		T(test_elf_with_address_fields),
		T(test_reload_is_clean),
		T(test_header_search_limits),
		T(test_optional_flags_ignored),
		T(test_header_errors),
		T(test_format_errors),
		T(test_segment_errors),
		T(test_aout_errors),
		T(test_module_and_info_errors),
		T(test_small_memory_and_err_buffers),
		T(test_real_guest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
