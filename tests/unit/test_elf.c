/*
 * Unit tests for hv/lib/elf.c on ELF images built by hand in memory. The
 * system <elf.h> describes the layouts here, independently of the private
 * structures in elf.c. Images are malloc'ed at their exact size so
 * AddressSanitizer catches any read past the end of the file.
 */
#include "unit.h"

#include <elf.h>

#include <tessera/elf.h>

/* ------------------------------------------------------------- helpers */


/* A fresh exact-size copy: for testing truncated files. */
static void *copy_of(const void *p, size_t n)
{
	void *q = unit_alloc(n ? n : 1);

	memcpy(q, p, n);
	return q;
}

/*
 * A small static PIE shaped like the hypervisor core:
 *
 *   file    vaddr (+base)   what
 *   0x000   0x0000          ELF header, program headers   } PT_LOAD R X
 *   0x100   0x0100          "code" (0x90 bytes)           } 0x200 bytes
 *   0x200   0x1200          dynamic array (6 entries)     } PT_LOAD R W,
 *   0x260   0x1260          3 Elf64_Rela                  } filesz 0x180,
 *   0x300   0x1300          two pointers to relocate      } memsz 0x300
 *   0x310   0x1310          data (0x5a bytes)             }
 *
 * Span [base, base + 0x1500): a gap at 0x200..0x1200, bss 0x1380..0x1500.
 */
#define F64_SIZE 0x380
#define F64_SPAN 0x1500
#define F64_DYN 0x200
#define F64_RELA 0x260
#define F64_PTR 0x300

struct elf64 {
	u8 *f;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf64_Dyn *dyn;
	Elf64_Rela *rela;
};

static struct elf64 elf64_make(u64 base, u16 type)
{
	struct elf64 e;

	e.f = unit_alloc(F64_SIZE);
	e.eh = (Elf64_Ehdr *)e.f;
	e.ph = (Elf64_Phdr *)(e.f + sizeof(Elf64_Ehdr));
	e.dyn = (Elf64_Dyn *)(e.f + F64_DYN);
	e.rela = (Elf64_Rela *)(e.f + F64_RELA);

	memcpy(e.eh->e_ident, ELFMAG, SELFMAG);
	e.eh->e_ident[EI_CLASS] = ELFCLASS64;
	e.eh->e_ident[EI_DATA] = ELFDATA2LSB;
	e.eh->e_ident[EI_VERSION] = EV_CURRENT;
	e.eh->e_type = type;
	e.eh->e_machine = EM_X86_64;
	e.eh->e_version = EV_CURRENT;
	e.eh->e_entry = base + 0x100;
	e.eh->e_phoff = sizeof(Elf64_Ehdr);
	e.eh->e_ehsize = sizeof(Elf64_Ehdr);
	e.eh->e_phentsize = sizeof(Elf64_Phdr);
	e.eh->e_phnum = 3;

	/* type, flags, offset, vaddr, paddr, filesz, memsz, align */
	e.ph[0] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_X, 0, base, base, 0x200, 0x200, 0x1000 };
	e.ph[1] = (Elf64_Phdr){ PT_LOAD, PF_R | PF_W, 0x200, base + 0x1200, base + 0x1200,
				0x180, 0x300, 0x1000 };
	e.ph[2] = (Elf64_Phdr){ PT_DYNAMIC, PF_R | PF_W, 0x200, base + 0x1200, base + 0x1200,
				0x60, 0x60, 8 };

	memset(e.f + 0x100, 0x90, 0x100);
	e.dyn[0] = (Elf64_Dyn){ DT_RELA, { base + 0x1000 + F64_RELA } };
	e.dyn[1] = (Elf64_Dyn){ DT_RELASZ, { 3 * sizeof(Elf64_Rela) } };
	e.dyn[2] = (Elf64_Dyn){ DT_RELAENT, { sizeof(Elf64_Rela) } };
	e.dyn[3] = (Elf64_Dyn){ DT_TEXTREL, { 0 } }; /* harmless for us */
	e.dyn[4] = (Elf64_Dyn){ DT_NULL, { 0 } };
	e.rela[0] = (Elf64_Rela){ base + 0x1300, ELF64_R_INFO(0, R_X86_64_RELATIVE), base + 0x10 };
	e.rela[1] = (Elf64_Rela){ 0, ELF64_R_INFO(0, R_X86_64_NONE), 0 };
	e.rela[2] = (Elf64_Rela){ base + 0x1308, ELF64_R_INFO(0, R_X86_64_RELATIVE),
				  base + 0x1234 };
	memset(e.f + 0x310, 0x5a, 0x70);
	return e;
}

static u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

static bool all_bytes(const u8 *p, size_t n, u8 v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Parse, then load into a fresh 0xaa-filled buffer of the span's size. */
static u8 *parse_and_load(const void *f, size_t size, struct elf_info *info)
{
	const char *err = NULL;
	u8 *dest;

	assert_true(elf_parse(f, size, info, &err));
	assert_null(err);
	dest = unit_alloc(info->vhi - info->vlo);
	memset(dest, 0xaa, info->vhi - info->vlo);
	elf_load_by_vaddr(f, info, dest);
	return dest;
}

/* elf_parse() must fail with exactly this message. */
static void expect_parse_error(const void *f, size_t size, const char *want)
{
	struct elf_info info;
	const char *err = NULL;

	assert_false(elf_parse(f, size, &info, &err));
	assert_non_null(err);
	assert_string_equal(err, want);
}

/* elf_relocate() must fail with a message containing want, leaving the
 * loaded image untouched. */
static void expect_reloc_error(const struct elf64 *e, const char *want)
{
	struct elf_info info;
	const char *err = NULL;
	u8 *dest = parse_and_load(e->f, F64_SIZE, &info);
	u8 *before = copy_of(dest, F64_SPAN);

	assert_false(elf_relocate(&info, dest, 0x200000, &err));
	assert_non_null(err);
	if (!strstr(err, want))
		fail_msg("error \"%s\" does not mention \"%s\"", err, want);
	assert_memory_equal(dest, before, F64_SPAN);
}

/* ------------------------------------------------------- ELF64 success */

static void test_parse64(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);
	struct elf_info info;
	const char *err = NULL;

	(void)state;
	assert_true(elf_parse(e.f, F64_SIZE, &info, &err));
	assert_true(info.is64);
	assert_true(info.dynamic);
	assert_int_equal(info.machine, EM_X86_64);
	assert_int_equal(info.entry, 0x100);
	assert_int_equal(info.nsegs, 2);
	assert_int_equal(info.segs[0].vaddr, 0);
	assert_int_equal(info.segs[0].filesz, 0x200);
	assert_int_equal(info.segs[0].flags, PF_R | PF_X);
	assert_int_equal(info.segs[1].vaddr, 0x1200);
	assert_int_equal(info.segs[1].paddr, 0x1200);
	assert_int_equal(info.segs[1].offset, 0x200);
	assert_int_equal(info.segs[1].filesz, 0x180);
	assert_int_equal(info.segs[1].memsz, 0x300);
	assert_int_equal(info.segs[1].flags, PF_R | PF_W);
	assert_int_equal(info.vlo, 0);
	assert_int_equal(info.vhi, F64_SPAN);
	assert_int_equal(info.plo, 0);
	assert_int_equal(info.phi, F64_SPAN);
	assert_true(info.has_dynamic);
	assert_int_equal(info.dynamic_vaddr, 0x1200);
	assert_int_equal(info.dynamic_size, 0x60);
}

static void test_load64_layout(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);
	struct elf_info info;
	u8 *d;

	(void)state;
	d = parse_and_load(e.f, F64_SIZE, &info);
	assert_memory_equal(d, e.f, 0x200);                  /* segment 0 */
	assert_true(all_bytes(d + 0x200, 0x1000, 0));        /* gap zeroed */
	assert_memory_equal(d + 0x1200, e.f + 0x200, 0x180); /* segment 1 */
	assert_true(all_bytes(d + 0x1380, 0x180, 0));        /* bss zeroed */
}

static void check_relocated(u64 base, u16 type, u64 load_addr)
{
	struct elf64 e = elf64_make(base, type);
	struct elf_info info;
	const char *err = NULL;
	u8 *d = parse_and_load(e.f, F64_SIZE, &info);

	assert_int_equal(info.vlo, base);
	assert_true(elf_relocate(&info, d, load_addr, &err));
	assert_null(err);
	assert_int_equal(rd64(d + 0x1300), load_addr + 0x10);
	assert_int_equal(rd64(d + 0x1308), load_addr + 0x1234);
	/* Nothing else changed. */
	assert_memory_equal(d + 0x1200, e.f + 0x200, 0x100);
	assert_memory_equal(d + 0x1310, e.f + 0x310, 0x70);
}

static void test_relocate_two_addresses(void **state)
{
	(void)state;
	check_relocated(0, ET_DYN, 0x7f1234560000ull);
	check_relocated(0, ET_DYN, 0xffffffff80000000ull);
}

static void test_relocate_nonzero_vlo(void **state)
{
	(void)state;
	/* Linked at 0x400000, run elsewhere: B = load_addr - vlo. */
	check_relocated(0x400000, ET_EXEC, 0x1000000);
	check_relocated(0x400000, ET_DYN, 0x200000);
}

static void test_relocate_host_pointer(void **state)
{
	/* Relocated for the address it sits at, the pointers work. */
	struct elf64 e = elf64_make(0, ET_DYN);
	struct elf_info info;
	const char *err;
	u8 *d = parse_and_load(e.f, F64_SIZE, &info);
	const u8 *p;

	(void)state;
	assert_true(elf_relocate(&info, d, (u64)(uintptr_t)d, &err));
	p = (const u8 *)(uintptr_t)rd64(d + 0x1308);
	assert_ptr_equal(p, d + 0x1234);
	assert_int_equal(*p, 0); /* in the bss */
	p = (const u8 *)(uintptr_t)rd64(d + 0x1300);
	assert_ptr_equal(p, d + 0x10);
	assert_int_equal(*p, ET_DYN); /* e_type, at offset 0x10 */
}

static void test_no_dynamic_nothing_to_do(void **state)
{
	struct elf64 e = elf64_make(0, ET_EXEC);
	struct elf_info info;
	const char *err = NULL;
	u8 *d, *before;

	(void)state;
	e.ph[2].p_type = PT_NOTE;
	d = parse_and_load(e.f, F64_SIZE, &info);
	assert_false(info.has_dynamic);
	before = copy_of(d, F64_SPAN);
	assert_true(elf_relocate(&info, d, 0x200000, &err));
	assert_memory_equal(d, before, F64_SPAN);
}

static void test_empty_rela(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);
	struct elf_info info;
	const char *err = NULL;
	u8 *d, *before;

	(void)state;
	e.dyn[1].d_un.d_val = 0;
	d = parse_and_load(e.f, F64_SIZE, &info);
	before = copy_of(d, F64_SPAN);
	assert_true(elf_relocate(&info, d, 0x200000, &err));
	assert_memory_equal(d, before, F64_SPAN);
}

static void test_zero_memsz_load_ignored(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);
	struct elf_info info;
	const char *err = NULL;

	(void)state;
	e.ph[2] = (Elf64_Phdr){ PT_LOAD, PF_R, 0, 0, 0, 0, 0, 0x1000 };
	assert_true(elf_parse(e.f, F64_SIZE, &info, &err));
	assert_int_equal(info.nsegs, 2);
	assert_int_equal(info.vhi, F64_SPAN);
}

/* ------------------------------------------------------ ELF64 failures */

static void test_truncated(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);

	(void)state;
	expect_parse_error(copy_of(e.f, 0), 0, "not an ELF file");
	expect_parse_error(copy_of(e.f, 3), 3, "not an ELF file");
	expect_parse_error(copy_of(e.f, 10), 10, "file too short for an ELF header");
	expect_parse_error(copy_of(e.f, 63), 63, "file too short for an ELF header");
	expect_parse_error(copy_of(e.f, 64 + 2 * 56), 64 + 2 * 56,
			   "program headers extend past end of file");
	expect_parse_error(copy_of(e.f, F64_SIZE - 1), F64_SIZE - 1,
			   "segment 1 extends past end of file");
}

static void test_bad_ident(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);

	(void)state;
	e.f[1] = 'e';
	expect_parse_error(e.f, F64_SIZE, "not an ELF file");
	e.f[1] = 'E';
	e.f[EI_CLASS] = 3;
	expect_parse_error(e.f, F64_SIZE, "unknown ELF class 3");
	e.f[EI_CLASS] = ELFCLASS64;
	e.f[EI_DATA] = ELFDATA2MSB;
	expect_parse_error(e.f, F64_SIZE, "not a little-endian ELF file");
	e.f[EI_DATA] = ELFDATA2LSB;
	e.f[EI_VERSION] = 0;
	expect_parse_error(e.f, F64_SIZE, "unknown ELF version 0");
}

static void test_bad_header_fields(void **state)
{
	struct elf64 e = elf64_make(0, ET_REL);

	(void)state;
	expect_parse_error(e.f, F64_SIZE, "not an executable (ELF type 1)");
	e.eh->e_type = ET_DYN;
	e.eh->e_machine = EM_386;
	expect_parse_error(e.f, F64_SIZE, "ELF64 file for machine 3, expected x86-64 (62)");
	e.eh->e_machine = EM_X86_64;
	e.eh->e_phnum = 0;
	expect_parse_error(e.f, F64_SIZE, "no program headers");
	e.eh->e_phnum = 3;
	e.eh->e_phentsize = 32;
	expect_parse_error(e.f, F64_SIZE, "program header size 32 is too small");
	e.eh->e_phentsize = sizeof(Elf64_Phdr);
	e.eh->e_phoff = ~0ull - 8; /* offset + size overflows */
	expect_parse_error(e.f, F64_SIZE, "program headers extend past end of file");
}

static void test_bad_segments(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);
	Elf64_Phdr saved = e.ph[1];

	(void)state;
	e.ph[1].p_filesz = 0x400;
	expect_parse_error(e.f, F64_SIZE, "segment 1 has file size larger than memory size");
	e.ph[1] = saved;
	e.ph[1].p_offset = ~0ull - 0x10; /* offset + filesz overflows */
	expect_parse_error(e.f, F64_SIZE, "segment 1 extends past end of file");
	e.ph[1] = saved;
	e.ph[1].p_vaddr = ~0ull - 0x100;
	expect_parse_error(e.f, F64_SIZE, "segment 1 wraps around the virtual address space");
	e.ph[1] = saved;
	e.ph[1].p_paddr = ~0ull - 0x100;
	expect_parse_error(e.f, F64_SIZE, "segment 1 wraps around the physical address space");
	e.ph[1] = saved;
	e.ph[1].p_vaddr = 0x100; /* inside segment 0 */
	expect_parse_error(e.f, F64_SIZE, "segment 1 overlaps or precedes the segment before it");
	e.ph[1] = saved;
	e.ph[2].p_vaddr = 0x14b0; /* dynamic array runs past the span */
	expect_parse_error(e.f, F64_SIZE, "PT_DYNAMIC lies outside the loadable segments");
	e.ph[2].p_vaddr = 0x1200;
	e.ph[0].p_type = PT_NULL;
	e.ph[1].p_type = PT_NULL;
	expect_parse_error(e.f, F64_SIZE, "no loadable segments");
}

static void test_too_many_segments(void **state)
{
	enum { N = ELF_MAX_SEGMENTS + 1 };
	size_t size = sizeof(Elf64_Ehdr) + N * sizeof(Elf64_Phdr);
	u8 *f = unit_alloc(size);
	Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
	Elf64_Phdr *ph = (Elf64_Phdr *)(f + sizeof(*eh));
	struct elf_info info;
	const char *err;

	(void)state;
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = N - 1;
	for (unsigned i = 0; i < N; i++)
		ph[i] = (Elf64_Phdr){ PT_LOAD, PF_R, 0, 0x1000 * i, 0x1000 * i, 0, 0x10, 0x1000 };
	assert_true(elf_parse(f, size, &info, &err));
	assert_int_equal(info.nsegs, ELF_MAX_SEGMENTS);
	eh->e_phnum = N;
	expect_parse_error(f, size, "more than 16 loadable segments");
}

static void test_second_dynamic(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);

	(void)state;
	e.ph[0] = e.ph[2];
	expect_parse_error(e.f, F64_SIZE, "segment 2 is a second PT_DYNAMIC");
}

static void test_reloc_unsupported_type(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);

	(void)state;
	e.rela[2].r_info = ELF64_R_INFO(5, R_X86_64_64);
	expect_reloc_error(&e, "relocation 2 has unsupported type 1");
	e.rela[2].r_info = ELF64_R_INFO(0, R_X86_64_IRELATIVE);
	expect_reloc_error(&e, "unsupported type 37");
}

static void test_reloc_bad_targets(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);

	(void)state;
	e.rela[2].r_offset = F64_SPAN - 4; /* 8-byte write would cross vhi */
	expect_reloc_error(&e, "relocation 2 targets 0x14fc, outside the image");
	e.rela[2].r_offset = ~0ull - 3;
	expect_reloc_error(&e, "outside the image");
	e.rela[2].r_offset = 0x1000 + F64_RELA + 0x28; /* rewrites rela[1] */
	expect_reloc_error(&e, "relocation 2 targets the relocation table");
}

static void test_reloc_bad_dynamic(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);

	(void)state;
	e.dyn[2].d_un.d_val = 16;
	expect_reloc_error(&e, "DT_RELAENT is 16, expected 24");
	e.dyn[2].d_un.d_val = sizeof(Elf64_Rela);
	e.dyn[1].d_un.d_val = 50;
	expect_reloc_error(&e, "DT_RELASZ 50 is not a multiple of 24");
	e.dyn[1].d_un.d_val = 3 * sizeof(Elf64_Rela);
	e.dyn[0].d_un.d_ptr = 0x14f0; /* table runs past the span */
	expect_reloc_error(&e, "relocation table lies outside the image");
	e.dyn[0].d_tag = DT_DEBUG;
	expect_reloc_error(&e, "DT_RELASZ without DT_RELA");
}

static void test_reloc_other_kinds_rejected(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);

	(void)state;
	e.dyn[3] = (Elf64_Dyn){ DT_RELSZ, { 16 } };
	expect_reloc_error(&e, "DT_REL relocations (without addends) are not supported");
	e.dyn[3] = (Elf64_Dyn){ DT_PLTRELSZ, { 24 } };
	expect_reloc_error(&e, "DT_JMPREL");
	e.dyn[3] = (Elf64_Dyn){ 36 /* DT_RELR */, { 0x1300 } };
	expect_reloc_error(&e, "DT_RELR");
}

static void test_dynamic_ends_at_dt_null(void **state)
{
	struct elf64 e = elf64_make(0, ET_DYN);
	struct elf_info info;
	const char *err = NULL;
	u8 *d;

	(void)state;
	e.dyn[3] = (Elf64_Dyn){ DT_NULL, { 0 } };
	e.dyn[4] = (Elf64_Dyn){ DT_RELSZ, { 16 } }; /* after DT_NULL: not read */
	d = parse_and_load(e.f, F64_SIZE, &info);
	assert_true(elf_relocate(&info, d, 0x300000, &err));
	assert_int_equal(rd64(d + 0x1300), 0x300010);
}

/* ---------------------------------------------------------------- ELF32 */

/*
 * A multiboot-style kernel linked in the higher half and loaded low:
 * segment 0 file 0x000..0x100 -> vaddr 0xc0100000 (paddr 0x100000), memsz
 * 0x1000; segment 1 file 0x100..0x180 -> vaddr 0xc0102000 (paddr 0x102000).
 */
#define F32_SIZE 0x180

struct elf32 {
	u8 *f;
	Elf32_Ehdr *eh;
	Elf32_Phdr *ph;
};

static struct elf32 elf32_make(void)
{
	struct elf32 e;

	e.f = unit_alloc(F32_SIZE);
	e.eh = (Elf32_Ehdr *)e.f;
	e.ph = (Elf32_Phdr *)(e.f + sizeof(Elf32_Ehdr));
	memcpy(e.eh->e_ident, ELFMAG, SELFMAG);
	e.eh->e_ident[EI_CLASS] = ELFCLASS32;
	e.eh->e_ident[EI_DATA] = ELFDATA2LSB;
	e.eh->e_ident[EI_VERSION] = EV_CURRENT;
	e.eh->e_type = ET_EXEC;
	e.eh->e_machine = EM_386;
	e.eh->e_version = EV_CURRENT;
	e.eh->e_entry = 0x10000c; /* physical, as multiboot kernels often do */
	e.eh->e_phoff = sizeof(Elf32_Ehdr);
	e.eh->e_ehsize = sizeof(Elf32_Ehdr);
	e.eh->e_phentsize = sizeof(Elf32_Phdr);
	e.eh->e_phnum = 2;
	/* type, offset, vaddr, paddr, filesz, memsz, flags, align */
	e.ph[0] = (Elf32_Phdr){ PT_LOAD, 0, 0xc0100000, 0x100000, 0x100, 0x1000, PF_R | PF_X,
				0x1000 };
	e.ph[1] = (Elf32_Phdr){ PT_LOAD, 0x100, 0xc0102000, 0x102000, 0x80, 0x80, PF_R | PF_W,
				0x1000 };
	memset(e.f + 0x80, 0xcc, 0x80);
	memset(e.f + 0x100, 0x11, 0x80);
	return e;
}

static void test_elf32_parse_load(void **state)
{
	struct elf32 e = elf32_make();
	struct elf_info info;
	const char *err = NULL;
	u8 *d;

	(void)state;
	d = parse_and_load(e.f, F32_SIZE, &info);
	assert_false(info.is64);
	assert_false(info.dynamic);
	assert_int_equal(info.machine, EM_386);
	assert_int_equal(info.entry, 0x10000c);
	assert_int_equal(info.nsegs, 2);
	assert_int_equal(info.vlo, 0xc0100000);
	assert_int_equal(info.vhi, 0xc0102080);
	assert_int_equal(info.plo, 0x100000);
	assert_int_equal(info.phi, 0x102080);
	assert_int_equal(info.segs[1].flags, PF_R | PF_W);
	assert_false(info.has_dynamic);

	assert_memory_equal(d, e.f, 0x100);
	assert_true(all_bytes(d + 0x100, 0x1f00, 0));
	assert_true(all_bytes(d + 0x2000, 0x80, 0x11));
	assert_true(elf_relocate(&info, d, 0x100000, &err));
}

static void test_elf32_failures(void **state)
{
	struct elf32 e = elf32_make();

	(void)state;
	expect_parse_error(copy_of(e.f, 51), 51, "file too short for an ELF header");
	e.eh->e_machine = EM_X86_64;
	expect_parse_error(e.f, F32_SIZE, "ELF32 file for machine 62, expected i386 (3)");
	e.eh->e_machine = EM_386;
	e.ph[1].p_vaddr = 0xfffff000;
	e.ph[1].p_memsz = 0x2000;
	expect_parse_error(e.f, F32_SIZE, "segment 1 wraps around the virtual address space");
	e.ph[1].p_vaddr = 0xc0102000;
	e.ph[1].p_memsz = 0x80;
	e.ph[1].p_offset = 0x101;
	expect_parse_error(e.f, F32_SIZE, "segment 1 extends past end of file");
}

static void test_elf32_relocations_rejected(void **state)
{
	struct elf32 e = elf32_make();
	Elf32_Dyn *dyn = (Elf32_Dyn *)(e.f + 0x100);
	struct elf_info info;
	const char *err = NULL;
	u8 *d;

	(void)state;
	/* Segment 1 becomes the dynamic array too. */
	e.eh->e_phnum = 3;
	e.ph[2] = (Elf32_Phdr){ PT_DYNAMIC, 0x100, 0xc0102000, 0x102000, 0x18, 0x18, PF_R, 4 };
	dyn[0] = (Elf32_Dyn){ DT_REL, { 0xc0102020 } };
	dyn[1] = (Elf32_Dyn){ DT_RELSZ, { 8 } };
	dyn[2] = (Elf32_Dyn){ DT_NULL, { 0 } };
	d = parse_and_load(e.f, F32_SIZE, &info);
	assert_true(info.has_dynamic);
	assert_false(elf_relocate(&info, d, 0x100000, &err));
	assert_string_equal(err, "relocating ELF32 images is not supported");

	dyn[1].d_un.d_val = 0; /* a dynamic array with nothing to do is fine */
	d = parse_and_load(e.f, F32_SIZE, &info);
	assert_true(elf_relocate(&info, d, 0x100000, &err));
}

#define T(f) cmocka_unit_test_teardown(f, unit_free_all)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_parse64),
		T(test_load64_layout),
		T(test_relocate_two_addresses),
		T(test_relocate_nonzero_vlo),
		T(test_relocate_host_pointer),
		T(test_no_dynamic_nothing_to_do),
		T(test_empty_rela),
		T(test_zero_memsz_load_ignored),
		T(test_truncated),
		T(test_bad_ident),
		T(test_bad_header_fields),
		T(test_bad_segments),
		T(test_too_many_segments),
		T(test_second_dynamic),
		T(test_reloc_unsupported_type),
		T(test_reloc_bad_targets),
		T(test_reloc_bad_dynamic),
		T(test_reloc_other_kinds_rejected),
		T(test_dynamic_ends_at_dt_null),
		T(test_elf32_parse_load),
		T(test_elf32_failures),
		T(test_elf32_relocations_rejected),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
