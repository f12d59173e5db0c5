/*
 * ELF executables: reading program headers, copying loadable segments,
 * applying relocations. Portable and host-tested.
 *
 * Two users:
 *  - the loader (boot/) places the hypervisor core, a static PIE linked by
 *    linker.ld at address 0, wherever UEFI gave it memory, then applies its
 *    R_X86_64_RELATIVE relocations (System V x86-64 psABI, 4.4);
 *  - the core loads multiboot guest kernels (ELF32 or ELF64) by physical
 *    address into partition memory (step 2).
 *
 * References: System V gABI "Program Header" and "Dynamic Section";
 * ELF-64 Object File Format 1.5.
 */
#ifndef TESSERA_ELF_H
#define TESSERA_ELF_H

#include <tessera/types.h>

#define ELF_MAX_SEGMENTS 16

struct elf_segment {
	u64 vaddr;
	u64 paddr;
	u64 offset; /* in the file */
	u64 filesz;
	u64 memsz; /* >= filesz; the rest is zero-filled (bss) */
	u32 flags; /* PF_X=1 PF_W=2 PF_R=4 */
};

struct elf_info {
	bool is64;        /* ELFCLASS64, else ELFCLASS32 */
	bool dynamic;     /* ET_DYN (a PIE), else ET_EXEC */
	u16 machine;      /* EM_X86_64 = 62, EM_386 = 3 */
	u64 entry;        /* e_entry */
	unsigned nsegs;   /* PT_LOAD segments, in file order */
	struct elf_segment segs[ELF_MAX_SEGMENTS];
	u64 vlo, vhi;     /* span of the PT_LOAD vaddrs: [vlo, vhi) */
	u64 plo, phi;     /* span of the PT_LOAD paddrs */
	bool has_dynamic; /* a PT_DYNAMIC header exists */
	u64 dynamic_vaddr;
	u64 dynamic_size;
};

/* Validate the header and program headers (magic, class, little endian,
 * x86 machine, every segment inside the file, memsz >= filesz, no
 * overflow) and fill info. On failure returns false and sets *err to a
 * short English reason ("not an ELF file", "segment 2 extends past end of
 * file", ...). */
bool elf_parse(const void *file, size_t size, struct elf_info *info, const char **err);

/* Copy every PT_LOAD segment to dest + (vaddr - vlo) and zero its bss;
 * dest must have room for vhi - vlo bytes. Gaps between segments are
 * zeroed too. */
void elf_load_by_vaddr(const void *file, const struct elf_info *info, void *dest);

/* For an image loaded with elf_load_by_vaddr() that will run at load_addr
 * (the address of dest as the CPU will see it): apply the relocations
 * that PT_DYNAMIC's DT_RELA/DT_RELASZ/DT_RELAENT describe. Only
 * R_X86_64_RELATIVE (8) and R_X86_64_NONE (0) are accepted; anything else
 * fails with *err naming it. An image without PT_DYNAMIC needs none and
 * succeeds. */
bool elf_relocate(const struct elf_info *info, void *dest, u64 load_addr, const char **err);

#endif
