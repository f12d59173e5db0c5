/*
 * A partition's guest-physical memory layout: one sorted list of regions,
 * built once per partition from its kernel format and memory size
 * (guest_layout_build(), when the partition is created), and the one
 * answer to "what is at this guest-physical address?":
 *
 *   - the arch code maps exactly its RAM regions in the partition's
 *     second-level page tables (arch_partition_create()),
 *     each onto the partition's own host block at the same offset, and
 *     nothing else; it never looks at the format;
 *   - partition_guest_ptr() (hv/vcpu.c) lets the hypervisor touch only
 *     RAM the guest has;
 *   - the Multiboot memory maps are made from it (mb_memory_map(),
 *     hv/mb_load.c), the Linux e820 agrees with it (host-tested), and
 *     platform_build_tables() puts the RSDP's copy where it says;
 *   - the console's `info` prints it.
 *
 * Every address in [0, mem_size) is in exactly one RAM or HOLE region;
 * MMIO regions lie above mem_size (a layout whose RAM would reach them is
 * refused). A guest access to a HOLE, or to anything above mem_size that
 * is no MMIO region, is a memory violation (docs/partitions.md §5).
 *
 *   Multiboot (v1 and v2)                    Linux
 *   0x00000000 RAM: low memory, info         0x00000000 RAM: low memory
 *   0x0009f000 RAM_ACPI: firmware tables     0x0009f000 RAM_ACPI: firmware tables
 *   0x000a0000 HOLE: VGA, option ROMs        0x000a0000 RAM_RESERVED: legacy area
 *   0x000e0000 RAM_BIOS: RSDP copy                      (zeroed, not in the e820)
 *   0x00100000 RAM                           0x00100000 RAM
 *   mem_size   (nothing: violations)         mem_size   (nothing: violations)
 *   0xfec00000 MMIO: I/O APIC                0xfec00000 MMIO: I/O APIC
 *   0xfee00000 MMIO: local APIC (xAPIC)      0xfee00000 MMIO: local APIC (xAPIC)
 *
 * Why each piece is where it is: in guest_layout.c. Portable and
 * host-tested (tests/unit/test_guest_layout.c).
 */
#ifndef TESSERA_GUEST_LAYOUT_H
#define TESSERA_GUEST_LAYOUT_H

#include <tessera/config.h> /* enum part_format */
#include <tessera/types.h>

/* The fixed addresses of a PC's first MiB (ACPI 6.5 5.2.5.1 for the BIOS
 * area). The Multiboot loaders' MB_HOLE_START/MB_HOLE_END are the
 * legacy area's ends (a STATIC_ASSERT in guest_layout.c says so). */
#define GUEST_LEGACY_START 0xa0000ull    /* VGA memory, then option ROMs */
#define GUEST_BIOS_AREA_START 0xe0000ull /* "the BIOS read-only memory space" */
#define GUEST_BIOS_AREA_END 0x100000ull
#define GUEST_HIGH_RAM_START 0x100000ull /* 1 MiB: where kernels load */

#define GUEST_LAYOUT_MAX 8 /* regions; the largest layout has 7 */

enum guest_region_kind {
	GUEST_RAM,          /* the kernel's own memory ("available" in its memory map) */
	GUEST_RAM_ACPI,     /* RAM holding the firmware tables ("ACPI reclaimable") */
	GUEST_RAM_BIOS,     /* RAM holding the BIOS area's RSDP copy ("reserved") */
	GUEST_RAM_RESERVED, /* RAM the memory map keeps from the kernel (Linux's legacy area) */
	GUEST_HOLE,         /* below mem_size but not mapped: an access is a violation */
	GUEST_MMIO,         /* an emulated device: not mapped, an access exits to the bus */
};

struct guest_region {
	gpa_t gpa;
	u64 size;
	enum guest_region_kind kind;
	const char *what; /* for `info` and the docs, e.g. "firmware tables" */
};

/* A run of guest-physical RAM: adjacent RAM regions of any kind merged,
 * which is what the arch code maps (as few and as large leaves as it can). */
struct guest_range {
	gpa_t gpa;
	u64 size;
};

struct guest_layout {
	u64 mem_size;
	unsigned nregions;
	struct guest_region region[GUEST_LAYOUT_MAX]; /* sorted by gpa, none overlapping */
	unsigned nram;
	struct guest_range ram[GUEST_LAYOUT_MAX];     /* the RAM regions, merged, sorted */
};

/*
 * Build the layout of a partition of mem_size bytes whose kernel has the
 * given format. mem_size must be a multiple of 4 KiB, more than 1 MiB
 * (both formats load their kernels above it) and at most the lowest MMIO
 * region's address (0xfec00000: guest RAM above 4 GiB, around the devices,
 * is not done). Otherwise false, with one line of why in why[n] (e.g.
 * "4 GiB of memory would reach the I/O APIC at 0xfec00000: at most
 * 4076 MiB"), and *l is zeroed.
 */
bool guest_layout_build(struct guest_layout *l, enum part_format format, u64 mem_size, char *why,
			size_t n);

static inline bool guest_region_is_ram(enum guest_region_kind k)
{
	return k == GUEST_RAM || k == GUEST_RAM_ACPI || k == GUEST_RAM_BIOS ||
	       k == GUEST_RAM_RESERVED;
}

/* The region holding gpa, or NULL (above mem_size and no device). */
const struct guest_region *guest_layout_find(const struct guest_layout *l, gpa_t gpa);

/* [gpa, gpa + len) is RAM of the guest, all of it. An empty range is
 * RAM where it lies in RAM or at the end of it (a buffer of 0 bytes
 * there is fine, as for any memcpy). */
bool guest_layout_is_ram(const struct guest_layout *l, gpa_t gpa, u64 len);

/* Where a copy of the RSDP goes for legacy scanners: the start of the
 * GUEST_RAM_BIOS region (16-byte aligned, ACPI 6.5 5.2.5.1), or 0 if the
 * layout has none. */
gpa_t guest_layout_rsdp_copy(const struct guest_layout *l);

/* A memory map's type for a region (the values e820 and both Multiboot
 * memory maps share, ACPI 6.5 Table 15.1: 1 available, 2 reserved, 3 ACPI
 * reclaimable), or 0 for a region no memory map lists (MMIO). */
#define GUEST_MAP_AVAILABLE 1u
#define GUEST_MAP_RESERVED 2u
#define GUEST_MAP_ACPI 3u
u32 guest_region_map_type(enum guest_region_kind k);

/* "RAM", "RAM (ACPI)", "RAM (BIOS)", "RAM (reserved)", "hole", "MMIO". */
const char *guest_region_kind_name(enum guest_region_kind k);

#endif
