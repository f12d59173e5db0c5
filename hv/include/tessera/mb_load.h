/*
 * What the Multiboot v1 (hv/multiboot.c) and Multiboot2 (hv/multiboot2.c)
 * loaders share: where the kernel's pieces go, the checks on them, where
 * the modules go, and the final copy into guest memory. Internal to the
 * two loaders; the interfaces are tessera/multiboot.h and
 * tessera/multiboot2.h.
 *
 * Both specifications ask the same of the kernel image (loaded by its
 * physical addresses, entered in 32-bit protected mode with paging off:
 * Multiboot 0.6.96 spec 3.2, Multiboot2 spec 3.3) and both loaders use the
 * same guest-physical layout (tessera/multiboot.h), so these rules are
 * one. What differs is how the header says where the image goes, and the
 * boot information; those stay in each loader.
 *
 * The checks fail with errbuf_fail(); where a message names the info area
 * it says "the <what> info area", what being "multiboot" or "multiboot2".
 */
#ifndef TESSERA_MB_LOAD_H
#define TESSERA_MB_LOAD_H

#include <tessera/elf.h>
#include <tessera/format.h>
#include <tessera/guest_layout.h>
#include <tessera/limits.h>
#include <tessera/multiboot.h>
#include <tessera/types.h>

/* One piece of the kernel to place: [lo, hi) in guest-physical memory,
 * its first filesz bytes from the file at offset, the rest zero. */
struct mb_load_seg {
	u64 lo, hi;
	u64 offset, filesz;
};

/* The kernel and modules as planned, before anything is written. */
struct mb_image {
	struct mb_load_seg seg[ELF_MAX_SEGMENTS];
	unsigned nsegs;
	u64 entry;
	u64 lo, hi; /* span of all segments (set by mb_check_segments()) */
	u64 mod_start[MAX_MODULES];
	u64 modules_hi;
};

/* Guest memory must reach past 1 MiB, where the kernel goes:
 * "<size> of guest memory is too small: a <what> kernel loads above 1 MiB". */
bool mb_check_size(u64 size, const char *what, const struct errbuf *e);

/* True if kernel[ksize] starts with the ELF magic. */
bool mb_is_elf(const void *kernel, size_t ksize);

/*
 * An ELF kernel: one segment per PT_LOAD, at its p_paddr. The entry point
 * is *phys_entry when given (a physical address the header names, e.g.
 * Multiboot2's entry address tag), else e_entry translated through the
 * segment holding it; either must be inside a loaded segment.
 */
bool mb_plan_elf(const void *kernel, size_t ksize, const u32 *phys_entry, struct mb_image *img,
		 const struct errbuf *e);

/* Every segment in RAM above 1 MiB and below 4 GiB, clear of the legacy
 * hole and the info area, no two overlapping; sets img->lo, img->hi. */
bool mb_check_segments(struct mb_image *img, u64 size, const char *what,
		       const struct errbuf *e);

/* The modules after the kernel, page aligned, below 4 GiB; sets
 * img->mod_start[] and img->modules_hi. */
bool mb_place_modules(const struct mb_module_src *mods, unsigned nmods, u64 size,
		      struct mb_image *img, const struct errbuf *e);

/* Once everything is checked (nothing here fails): zero guest memory
 * [gm, gm + size), then copy in the segments from kernel and the modules. */
void mb_copy_image(u8 *gm, u64 size, const void *kernel, const struct mb_image *img,
		   const struct mb_module_src *mods, unsigned nmods);

/* One entry of the memory map both loaders give (v1 spec 3.3 "mmap",
 * v2 spec 3.6.8): type is a GUEST_MAP_* value (tessera/guest_layout.h),
 * the numbering both specifications share with e820. */
struct mb_mem_range {
	u64 base, length;
	u32 type;
};
#define MB_MAP_MAX GUEST_LAYOUT_MAX

/*
 * The memory map of a Multiboot partition of size bytes, made from its
 * layout (guest_layout_build(FORMAT_MULTIBOOT)), the one the arch code
 * maps: each region below size by its memory-map type, adjacent ones of
 * one type merged (the legacy hole and the BIOS area make one reserved
 * range). With acpi false the firmware tables' page is given as
 * available RAM, as nobody writes tables there (a v2 load without an
 * RSDP). Returns the number of entries, or 0 with the layout's reason.
 */
unsigned mb_memory_map(u64 size, bool acpi, struct mb_mem_range out[MB_MAP_MAX],
		       const struct errbuf *e);

/* mem_lower of both infos (v1 spec 3.3, v2 spec 3.6.2): the KiB of lower
 * memory, which is the available range at address 0 (at most 640), so
 * that it ends below the tables' page, as a BIOS's older memory calls end
 * below ACPI memory (ACPI 6.5 15.1). */
u32 mb_mem_lower_kib(const struct mb_mem_range *map, unsigned n);

/* What the caller needs to start the kernel, the info at MB_INFO_BASE. */
void mb_boot_out(const struct mb_image *img, struct mb_boot *out);

#endif
