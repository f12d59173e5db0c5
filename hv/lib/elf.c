/*
 * ELF32/ELF64 little-endian x86 executables: header and program header
 * validation, loading PT_LOAD segments by virtual address, and applying
 * R_X86_64_RELATIVE relocations from PT_DYNAMIC.
 *
 * References: System V gABI ch. 4 "ELF Header", ch. 5 "Program Header"
 * and "Dynamic Section"; ELF-64 Object File Format 1.5; System V x86-64
 * psABI 1.0, 4.4 "Relocation". The input is untrusted (a file from the
 * ESP): every offset and size is checked for overflow and against the
 * file size before use, and fields are read with memcpy since a file
 * buffer promises no alignment.
 */
#include <tessera/elf.h>
#include <tessera/format.h>
#include <tessera/string.h>
#include <tessera/types.h>

/* gABI "ELF Identification" */
#define EI_NIDENT 16
#define EI_CLASS 4
#define EI_DATA 5
#define EI_VERSION 6
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EV_CURRENT 1

#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62

/* gABI "Program Header": e_phnum == PN_XNUM means the real count lives in
 * section header 0; no executable we load needs that many. */
#define PN_XNUM 0xffff
#define PT_LOAD 1
#define PT_DYNAMIC 2

/* gABI "Dynamic Section", plus DT_RELR from the 2022 gABI draft. */
#define DT_NULL 0
#define DT_PLTRELSZ 2
#define DT_RELA 7
#define DT_RELASZ 8
#define DT_RELAENT 9
#define DT_REL 17
#define DT_RELSZ 18
#define DT_JMPREL 23
#define DT_RELRSZ 35
#define DT_RELR 36

/* psABI x86-64, 4.4.1 "Relocation Types" */
#define R_X86_64_NONE 0
#define R_X86_64_RELATIVE 8

struct elf32_ehdr {
	u8 e_ident[EI_NIDENT];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u32 e_entry;
	u32 e_phoff;
	u32 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
};

struct elf64_ehdr {
	u8 e_ident[EI_NIDENT];
	u16 e_type;
	u16 e_machine;
	u32 e_version;
	u64 e_entry;
	u64 e_phoff;
	u64 e_shoff;
	u32 e_flags;
	u16 e_ehsize;
	u16 e_phentsize;
	u16 e_phnum;
	u16 e_shentsize;
	u16 e_shnum;
	u16 e_shstrndx;
};

struct elf32_phdr {
	u32 p_type;
	u32 p_offset;
	u32 p_vaddr;
	u32 p_paddr;
	u32 p_filesz;
	u32 p_memsz;
	u32 p_flags;
	u32 p_align;
};

struct elf64_phdr {
	u32 p_type;
	u32 p_flags;
	u64 p_offset;
	u64 p_vaddr;
	u64 p_paddr;
	u64 p_filesz;
	u64 p_memsz;
	u64 p_align;
};

struct elf32_dyn {
	s32 d_tag;
	u32 d_val;
};

struct elf64_dyn {
	s64 d_tag;
	u64 d_val;
};

struct elf64_rela {
	u64 r_offset;
	u64 r_info; /* symbol << 32 | type */
	s64 r_addend;
};

STATIC_ASSERT(sizeof(struct elf32_ehdr) == 52, "gABI Elf32_Ehdr");
STATIC_ASSERT(sizeof(struct elf64_ehdr) == 64, "gABI Elf64_Ehdr");
STATIC_ASSERT(sizeof(struct elf32_phdr) == 32, "gABI Elf32_Phdr");
STATIC_ASSERT(sizeof(struct elf64_phdr) == 56, "gABI Elf64_Phdr");
STATIC_ASSERT(sizeof(struct elf32_dyn) == 8, "gABI Elf32_Dyn");
STATIC_ASSERT(sizeof(struct elf64_dyn) == 16, "gABI Elf64_Dyn");
STATIC_ASSERT(sizeof(struct elf64_rela) == 24, "gABI Elf64_Rela");

/* The class-independent parts of a header, widened to 64 bits. */
struct ehdr {
	u16 type;
	u16 machine;
	u32 version;
	u64 entry;
	u64 phoff;
	u16 phentsize;
	u16 phnum;
};

struct phdr {
	u32 type;
	u32 flags;
	u64 offset;
	u64 vaddr;
	u64 paddr;
	u64 filesz;
	u64 memsz;
};

/*
 * Messages that carry a number are formatted here; *err points into this
 * buffer until the next failing call. The loader and the core each load
 * ELF files from one CPU at a time, so one buffer is enough.
 */
static char elf_err_buf[128];

static bool __printf(2, 3) fail(const char **err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vstrfmt(elf_err_buf, sizeof(elf_err_buf), fmt, ap);
	va_end(ap);
	if (err)
		*err = elf_err_buf;
	return false;
}

/* a + b, or false if it overflows 64 bits. */
static bool add_ok(u64 a, u64 b, u64 *sum)
{
	*sum = a + b;
	return *sum >= a;
}

/* [off, off + len) lies within a buffer of size bytes. */
static bool in_bounds(u64 off, u64 len, u64 size)
{
	return off <= size && len <= size - off;
}

static bool read_ident(const u8 *f, size_t size, struct elf_info *info, const char **err)
{
	static const u8 magic[4] = { 0x7f, 'E', 'L', 'F' };

	if (size < 4 || memcmp(f, magic, 4) != 0)
		return fail(err, "not an ELF file");
	if (size < EI_NIDENT)
		return fail(err, "file too short for an ELF header");
	if (f[EI_CLASS] != ELFCLASS32 && f[EI_CLASS] != ELFCLASS64)
		return fail(err, "unknown ELF class %u", f[EI_CLASS]);
	if (f[EI_DATA] != ELFDATA2LSB)
		return fail(err, "not a little-endian ELF file");
	if (f[EI_VERSION] != EV_CURRENT)
		return fail(err, "unknown ELF version %u", f[EI_VERSION]);
	info->is64 = f[EI_CLASS] == ELFCLASS64;
	return true;
}

static bool read_ehdr(const u8 *f, size_t size, bool is64, struct ehdr *eh, const char **err)
{
	if (is64) {
		struct elf64_ehdr h;

		if (size < sizeof(h))
			return fail(err, "file too short for an ELF header");
		memcpy(&h, f, sizeof(h));
		*eh = (struct ehdr){ .type = h.e_type,
				     .machine = h.e_machine,
				     .version = h.e_version,
				     .entry = h.e_entry,
				     .phoff = h.e_phoff,
				     .phentsize = h.e_phentsize,
				     .phnum = h.e_phnum };
	} else {
		struct elf32_ehdr h;

		if (size < sizeof(h))
			return fail(err, "file too short for an ELF header");
		memcpy(&h, f, sizeof(h));
		*eh = (struct ehdr){ .type = h.e_type,
				     .machine = h.e_machine,
				     .version = h.e_version,
				     .entry = h.e_entry,
				     .phoff = h.e_phoff,
				     .phentsize = h.e_phentsize,
				     .phnum = h.e_phnum };
	}
	return true;
}

static bool check_ehdr(const struct ehdr *eh, bool is64, size_t size, const char **err)
{
	size_t entsize = is64 ? sizeof(struct elf64_phdr) : sizeof(struct elf32_phdr);
	u16 want = is64 ? EM_X86_64 : EM_386;

	if (eh->type != ET_EXEC && eh->type != ET_DYN)
		return fail(err, "not an executable (ELF type %u)", eh->type);
	if (eh->machine != want)
		return fail(err, "ELF%s file for machine %u, expected %s", is64 ? "64" : "32",
			    eh->machine, is64 ? "x86-64 (62)" : "i386 (3)");
	if (eh->version != EV_CURRENT)
		return fail(err, "unknown ELF version %u", eh->version);
	if (eh->phnum == 0)
		return fail(err, "no program headers");
	if (eh->phnum == PN_XNUM)
		return fail(err, "too many program headers");
	if (eh->phentsize < entsize)
		return fail(err, "program header size %u is too small", eh->phentsize);
	if (!in_bounds(eh->phoff, (u64)eh->phnum * eh->phentsize, size))
		return fail(err, "program headers extend past end of file");
	return true;
}

static void read_phdr(const u8 *f, const struct ehdr *eh, bool is64, unsigned i, struct phdr *ph)
{
	const u8 *p = f + eh->phoff + (u64)i * eh->phentsize;

	if (is64) {
		struct elf64_phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct phdr){ .type = h.p_type,
				     .flags = h.p_flags,
				     .offset = h.p_offset,
				     .vaddr = h.p_vaddr,
				     .paddr = h.p_paddr,
				     .filesz = h.p_filesz,
				     .memsz = h.p_memsz };
	} else {
		struct elf32_phdr h;

		memcpy(&h, p, sizeof(h));
		*ph = (struct phdr){ .type = h.p_type,
				     .flags = h.p_flags,
				     .offset = h.p_offset,
				     .vaddr = h.p_vaddr,
				     .paddr = h.p_paddr,
				     .filesz = h.p_filesz,
				     .memsz = h.p_memsz };
	}
}

static bool add_load(struct elf_info *info, const struct phdr *ph, unsigned i, size_t size,
		     const char **err)
{
	/* ELF32 addresses are 32 bits: a segment may not wrap past 4 GiB. */
	u64 limit = info->is64 ? ~0ull : 0xffffffffull;
	u64 vend, pend;
	struct elf_segment *s;

	if (ph->filesz > ph->memsz)
		return fail(err, "segment %u has file size larger than memory size", i);
	if (!in_bounds(ph->offset, ph->filesz, size))
		return fail(err, "segment %u extends past end of file", i);
	if (ph->memsz == 0)
		return true; /* nothing to load */
	if (!add_ok(ph->vaddr, ph->memsz, &vend) || vend - 1 > limit)
		return fail(err, "segment %u wraps around the virtual address space", i);
	if (!add_ok(ph->paddr, ph->memsz, &pend) || pend - 1 > limit)
		return fail(err, "segment %u wraps around the physical address space", i);
	if (info->nsegs == ELF_MAX_SEGMENTS)
		return fail(err, "more than %u loadable segments", ELF_MAX_SEGMENTS);
	/* gABI "Program Header": PT_LOAD entries are sorted on p_vaddr. Being
	 * strict here keeps the bss zeroing of one segment off another. */
	if (info->nsegs > 0 && ph->vaddr < info->vhi)
		return fail(err, "segment %u overlaps or precedes the segment before it", i);

	s = &info->segs[info->nsegs];
	*s = (struct elf_segment){ .vaddr = ph->vaddr,
				   .paddr = ph->paddr,
				   .offset = ph->offset,
				   .filesz = ph->filesz,
				   .memsz = ph->memsz,
				   .flags = ph->flags };
	if (info->nsegs == 0) {
		info->vlo = ph->vaddr;
		info->plo = ph->paddr;
		info->phi = pend;
	}
	info->vhi = vend;
	info->plo = MIN(info->plo, ph->paddr);
	info->phi = MAX(info->phi, pend);
	info->nsegs++;
	return true;
}

static bool add_dynamic(struct elf_info *info, const struct phdr *ph, unsigned i,
			const char **err)
{
	if (info->has_dynamic)
		return fail(err, "segment %u is a second PT_DYNAMIC", i);
	info->has_dynamic = true;
	info->dynamic_vaddr = ph->vaddr;
	info->dynamic_size = ph->memsz;
	return true;
}

bool elf_parse(const void *file, size_t size, struct elf_info *info, const char **err)
{
	const u8 *f = file;
	struct ehdr eh = { 0 };
	struct phdr ph;

	memset(info, 0, sizeof(*info));
	if (!read_ident(f, size, info, err) || !read_ehdr(f, size, info->is64, &eh, err) ||
	    !check_ehdr(&eh, info->is64, size, err))
		return false;
	info->dynamic = eh.type == ET_DYN;
	info->machine = eh.machine;
	info->entry = eh.entry;

	for (unsigned i = 0; i < eh.phnum; i++) {
		read_phdr(f, &eh, info->is64, i, &ph);
		if (ph.type == PT_LOAD && !add_load(info, &ph, i, size, err))
			return false;
		if (ph.type == PT_DYNAMIC && !add_dynamic(info, &ph, i, err))
			return false;
	}
	if (info->nsegs == 0)
		return fail(err, "no loadable segments");
	/* elf_relocate() reads the dynamic array from the loaded image. */
	if (info->has_dynamic && (info->dynamic_vaddr < info->vlo ||
				  !in_bounds(info->dynamic_vaddr - info->vlo, info->dynamic_size,
					     info->vhi - info->vlo)))
		return fail(err, "PT_DYNAMIC lies outside the loadable segments");
	return true;
}

void elf_load_by_vaddr(const void *file, const struct elf_info *info, void *dest)
{
	const u8 *f = file;
	u8 *d = dest;

	/* Zero everything first: this covers each bss and the gaps between
	 * segments in one go. */
	memset(d, 0, (size_t)(info->vhi - info->vlo));
	for (unsigned i = 0; i < info->nsegs; i++) {
		const struct elf_segment *s = &info->segs[i];

		memcpy(d + (s->vaddr - info->vlo), f + s->offset, (size_t)s->filesz);
	}
}

/* What the dynamic array says about relocations. */
struct dyn_relocs {
	u64 rela, relasz, relaent;
	bool has_rela;
	u64 relsz;     /* DT_REL: no addends, not supported */
	u64 pltrelsz;  /* DT_JMPREL: PLT relocations, not supported */
	bool has_relr; /* DT_RELR: packed relative relocations, not supported */
};

static void read_dynamic(const struct elf_info *info, const u8 *dest, struct dyn_relocs *dr)
{
	size_t entsz = info->is64 ? sizeof(struct elf64_dyn) : sizeof(struct elf32_dyn);
	const u8 *p = dest + (info->dynamic_vaddr - info->vlo);
	u64 n = info->dynamic_size / entsz;

	memset(dr, 0, sizeof(*dr));
	for (u64 i = 0; i < n; i++, p += entsz) {
		s64 tag;
		u64 val;

		if (info->is64) {
			struct elf64_dyn e;

			memcpy(&e, p, sizeof(e));
			tag = e.d_tag;
			val = e.d_val;
		} else {
			struct elf32_dyn e;

			memcpy(&e, p, sizeof(e));
			tag = e.d_tag;
			val = e.d_val;
		}
		switch (tag) {
		case DT_NULL:
			return;
		case DT_RELA:
			dr->rela = val;
			dr->has_rela = true;
			break;
		case DT_RELASZ:
			dr->relasz = val;
			break;
		case DT_RELAENT:
			dr->relaent = val;
			break;
		case DT_RELSZ:
			dr->relsz = val;
			break;
		case DT_PLTRELSZ:
			dr->pltrelsz = val;
			break;
		case DT_RELR:
		case DT_RELRSZ:
			dr->has_relr |= val != 0;
			break;
		default:
			/* DT_TEXTREL and the rest: nothing is write-protected
			 * while relocations are applied, so they do not matter. */
			break;
		}
	}
}

static bool check_dyn_relocs(const struct elf_info *info, const struct dyn_relocs *dr,
			     const char **err)
{
	if (!info->is64 && (dr->relasz || dr->relsz || dr->pltrelsz || dr->has_relr))
		return fail(err, "relocating ELF32 images is not supported");
	if (dr->relsz)
		return fail(err, "DT_REL relocations (without addends) are not supported");
	if (dr->pltrelsz)
		return fail(err, "PLT relocations (DT_JMPREL) are not supported");
	if (dr->has_relr)
		return fail(err, "DT_RELR packed relocations are not supported");
	if (dr->relasz == 0)
		return true;
	if (!dr->has_rela)
		return fail(err, "DT_RELASZ without DT_RELA");
	if (dr->relaent != sizeof(struct elf64_rela))
		return fail(err, "DT_RELAENT is %llu, expected %zu",
			    (unsigned long long)dr->relaent, sizeof(struct elf64_rela));
	if (dr->relasz % sizeof(struct elf64_rela))
		return fail(err, "DT_RELASZ %llu is not a multiple of %zu",
			    (unsigned long long)dr->relasz, sizeof(struct elf64_rela));
	if (dr->rela < info->vlo || !in_bounds(dr->rela - info->vlo, dr->relasz,
					       info->vhi - info->vlo))
		return fail(err, "relocation table lies outside the image");
	return true;
}

static void read_rela(const u8 *dest, const struct elf_info *info, const struct dyn_relocs *dr,
		      u64 i, struct elf64_rela *r)
{
	memcpy(r, dest + (dr->rela - info->vlo) + i * sizeof(*r), sizeof(*r));
}

/*
 * Every relocation is checked before any is applied, so a bad table
 * leaves the image as loaded. A RELATIVE target may not fall inside the
 * table itself, or applying one entry could rewrite a later, checked one.
 */
static bool check_relas(const struct elf_info *info, const u8 *dest,
			const struct dyn_relocs *dr, const char **err)
{
	u64 n = dr->relasz / sizeof(struct elf64_rela);
	u64 span = info->vhi - info->vlo;

	for (u64 i = 0; i < n; i++) {
		struct elf64_rela r;
		u32 type;

		read_rela(dest, info, dr, i, &r);
		type = (u32)r.r_info;
		if (type == R_X86_64_NONE)
			continue;
		if (type != R_X86_64_RELATIVE)
			return fail(err, "relocation %llu has unsupported type %u",
				    (unsigned long long)i, type);
		if (r.r_offset < info->vlo || !in_bounds(r.r_offset - info->vlo, 8, span))
			return fail(err, "relocation %llu targets 0x%llx, outside the image",
				    (unsigned long long)i, (unsigned long long)r.r_offset);
		if (r.r_offset + 8 > dr->rela && r.r_offset < dr->rela + dr->relasz)
			return fail(err, "relocation %llu targets the relocation table",
				    (unsigned long long)i);
	}
	return true;
}

bool elf_relocate(const struct elf_info *info, void *dest, u64 load_addr, const char **err)
{
	struct dyn_relocs dr;
	u8 *d = dest;

	if (!info->has_dynamic)
		return true;
	read_dynamic(info, d, &dr);
	if (!check_dyn_relocs(info, &dr, err) || !check_relas(info, d, &dr, err))
		return false;

	/* psABI 4.4.1: R_X86_64_RELATIVE computes B + A, B being the load
	 * address of vaddr 0 (load_addr - vlo). Unsigned wrap is intended. */
	for (u64 i = 0; i < dr.relasz / sizeof(struct elf64_rela); i++) {
		struct elf64_rela r;
		u64 v;

		read_rela(d, info, &dr, i, &r);
		if ((u32)r.r_info != R_X86_64_RELATIVE)
			continue;
		v = load_addr - info->vlo + (u64)r.r_addend;
		memcpy(d + (r.r_offset - info->vlo), &v, sizeof(v));
	}
	return true;
}
