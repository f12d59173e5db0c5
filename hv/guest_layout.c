/*
 * A partition's guest-physical layout (tessera/guest_layout.h): the
 * regions of each format, and why each is where it is.
 *
 * References: ACPI 6.5, cited as "ACPI 5.2.5.1" etc.; Multiboot
 * Specification 0.6.96 ("v1 spec 3.3"); the Linux boot protocol
 * (Documentation/arch/x86/boot.rst, zero-page.rst).
 */
#include <tessera/acpi_build.h>
#include <tessera/format.h>
#include <tessera/guest_layout.h>
#include <tessera/ioapic.h>
#include <tessera/multiboot.h>
#include <tessera/string.h>
#include <tessera/vlapic.h>

/* The loaders keep their own names for the legacy area's ends. */
STATIC_ASSERT(MB_HOLE_START == GUEST_LEGACY_START, "the Multiboot hole starts the legacy area");
STATIC_ASSERT(MB_HOLE_END == GUEST_HIGH_RAM_START, "the Multiboot hole ends at 1 MiB");
/* The tables' page ends where the legacy area begins (checked here, as
 * the two layouts below take it for granted). */
STATIC_ASSERT(GUEST_ACPI_TABLES_GPA + GUEST_ACPI_TABLES_SIZE == GUEST_LEGACY_START,
	      "the firmware tables' page is the last below the legacy area");
/* ACPI 5.2.5.1: the RSDP a legacy scanner finds is on a 16-byte boundary. */
STATIC_ASSERT(GUEST_BIOS_AREA_START % 16 == 0, "the RSDP copy is 16-byte aligned");

#define TO_MEM_SIZE 0 /* a template region's end: the partition's memory size */

struct tmpl {
	gpa_t start, end; /* end TO_MEM_SIZE: mem_size */
	enum guest_region_kind kind;
	const char *what;
};

/* [0, 0x9f000): the real-mode interrupt vector area, the boot information
 * (Multiboot: MB_INFO_BASE; Linux: the zero page and the command line)
 * and room for an AP trampoline. [0x9f000, 0xa0000): the firmware tables
 * (platform_build_tables()), where a PC's EBDA sits, marked "ACPI
 * reclaimable" (ACPI Table 15.1 AddressRangeACPI, v1 spec 3.3 type 3) so
 * the kernel does not use that page before it has read them. */
#define LOW_MEMORY { 0, GUEST_ACPI_TABLES_GPA, GUEST_RAM, "low memory" }
#define ACPI_TABLES                                                                                \
	{ GUEST_ACPI_TABLES_GPA, GUEST_LEGACY_START, GUEST_RAM_ACPI, "firmware tables" }
#define HIGH_RAM { GUEST_HIGH_RAM_START, TO_MEM_SIZE, GUEST_RAM, "high memory" }

/*
 * Multiboot, v1 and v2 alike:
 *  - [0xa0000, 0xe0000), a PC's VGA memory and option ROMs: a partition
 *    has neither, and the hole stays, so that a kernel that reaches there
 *    gets a violation (the isolation test guest probes 0xa0000).
 *  - [0xe0000, 0x100000), the BIOS area. A v1 kernel is told nothing of
 *    ACPI (the v1 information has no field for it, v1 spec 3.3), so it
 *    looks for the RSDP as a legacy OS does: on 16-byte boundaries in the
 *    first KiB of the EBDA and in 0xE0000-0xFFFFF (ACPI 5.2.5.1). Our BDA
 *    names no EBDA (the word at 0x40e is 0), so the copy goes at 0xe0000.
 *    It is RAM, the partition's own block at the same offsets; a PC's BIOS
 *    area is write-protected shadow RAM, but a guest that writes here only
 *    spoils its own copy, made again at every start. The memory map
 *    reserves it, as a PC's does.
 */
static const struct tmpl multiboot_layout[] = {
	LOW_MEMORY,
	ACPI_TABLES,
	{ GUEST_LEGACY_START, GUEST_BIOS_AREA_START, GUEST_HOLE, "VGA, option ROMs" },
	{ GUEST_BIOS_AREA_START, GUEST_BIOS_AREA_END, GUEST_RAM_BIOS, "BIOS area, RSDP copy" },
	HIGH_RAM,
};

/*
 * Linux reads the legacy area at boot (the BIOS data area, the 0xf0000
 * area where it looks for SMBIOS and MP tables): mapping all of it as the
 * partition's own zeroed memory means it finds nothing there, and causes
 * no violation. The e820 leaves it out (hv/linux_boot.c), as a PC's does.
 * Linux is handed its RSDP (boot_params.acpi_rsdp_addr, boot protocol
 * 2.14), so it needs no copy here.
 */
static const struct tmpl linux_layout[] = {
	LOW_MEMORY,
	ACPI_TABLES,
	{ GUEST_LEGACY_START, GUEST_HIGH_RAM_START, GUEST_RAM_RESERVED,
	  "legacy area, not in the e820" },
	HIGH_RAM,
};

/*
 * The emulated devices' pages, the same for every format: the I/O APIC's
 * window (the bus's "ioapic" range, hv/platform.c) and the local APIC's
 * xAPIC page at its reset address (the guest may move it; trapped by the
 * arch code, docs/partitions.md §5). Informational: nothing is mapped
 * there, and an access exits to the device.
 */
static const struct tmpl devices[] = {
	{ IOAPIC_DEFAULT_BASE, IOAPIC_DEFAULT_BASE + IOAPIC_MMIO_SIZE, GUEST_MMIO, "I/O APIC" },
	{ VLAPIC_DEFAULT_BASE, VLAPIC_DEFAULT_BASE + PAGE_SIZE, GUEST_MMIO, "local APIC" },
};

#define LOWEST_DEVICE IOAPIC_DEFAULT_BASE
STATIC_ASSERT(IOAPIC_DEFAULT_BASE + IOAPIC_MMIO_SIZE <= VLAPIC_DEFAULT_BASE,
	      "devices[] is sorted, the I/O APIC lowest");

static bool add(struct guest_layout *l, const struct tmpl *t, u64 mem_size)
{
	gpa_t end = t->end == TO_MEM_SIZE ? mem_size : t->end;

	if (l->nregions == GUEST_LAYOUT_MAX)
		return false;
	l->region[l->nregions++] = (struct guest_region){ t->start, end - t->start, t->kind,
							  t->what };
	return true;
}

/* The RAM regions as runs: each run as long as the regions are adjacent. */
static void merge_ram(struct guest_layout *l)
{
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct guest_region *r = &l->region[i];
		struct guest_range *last = l->nram ? &l->ram[l->nram - 1] : NULL;

		if (!guest_region_is_ram(r->kind))
			continue;
		if (last && last->gpa + last->size == r->gpa)
			last->size += r->size;
		else
			l->ram[l->nram++] = (struct guest_range){ r->gpa, r->size };
	}
}

bool guest_layout_build(struct guest_layout *l, enum part_format format, u64 mem_size, char *why,
			size_t n)
{
	const struct errbuf e = { why, n };
	const struct tmpl *t;
	unsigned nt;
	char sz[24];

	memset(l, 0, sizeof(*l));
	if (why && n)
		why[0] = 0;
	switch (format) {
	case FORMAT_MULTIBOOT:
		t = multiboot_layout;
		nt = ARRAY_SIZE(multiboot_layout);
		break;
	case FORMAT_LINUX:
		t = linux_layout;
		nt = ARRAY_SIZE(linux_layout);
		break;
	default:
		return errbuf_fail(&e, "no memory layout for kernel format %d", (int)format);
	}
	fmt_size(sz, sizeof(sz), mem_size);
	if (!IS_ALIGNED(mem_size, PAGE_SIZE))
		return errbuf_fail(&e, "%s of memory is not a multiple of 4 KiB", sz);
	if (mem_size <= GUEST_HIGH_RAM_START)
		return errbuf_fail(&e, "%s of memory is too small: kernels load above 1 MiB", sz);
	/* A PC remaps the RAM that would lie under its devices past 4 GiB; a
	 * partition's block is one run at the same offsets, so its RAM ends
	 * below the lowest device. */
	if (mem_size > LOWEST_DEVICE)
		return errbuf_fail(&e, "%s of memory would reach the I/O APIC at 0x%llx: at most "
				   "%llu MiB", sz, LOWEST_DEVICE, LOWEST_DEVICE / MiB);
	for (unsigned i = 0; i < nt; i++)
		if (!add(l, &t[i], mem_size))
			goto full;
	for (unsigned i = 0; i < ARRAY_SIZE(devices); i++)
		if (!add(l, &devices[i], mem_size))
			goto full;
	l->mem_size = mem_size;
	merge_ram(l);
	return true;
full: /* a template above grew past GUEST_LAYOUT_MAX: a bug, caught by the tests */
	memset(l, 0, sizeof(*l));
	return errbuf_fail(&e, "memory layout has more than %d regions", GUEST_LAYOUT_MAX);
}

const struct guest_region *guest_layout_find(const struct guest_layout *l, gpa_t gpa)
{
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct guest_region *r = &l->region[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

bool guest_layout_is_ram(const struct guest_layout *l, gpa_t gpa, u64 len)
{
	for (unsigned i = 0; i < l->nram; i++) {
		const struct guest_range *r = &l->ram[i];

		/* Written so that nothing wraps: len and gpa are the guest's.
		 * Runs are merged, so the address after one is never RAM: an
		 * empty range at a run's end is in it, a longer one is not. */
		if (gpa >= r->gpa && gpa - r->gpa <= r->size)
			return len <= r->size - (gpa - r->gpa);
	}
	return false;
}

gpa_t guest_layout_rsdp_copy(const struct guest_layout *l)
{
	for (unsigned i = 0; i < l->nregions; i++)
		if (l->region[i].kind == GUEST_RAM_BIOS)
			return l->region[i].gpa;
	return 0;
}

u32 guest_region_map_type(enum guest_region_kind k)
{
	switch (k) {
	case GUEST_RAM:
		return GUEST_MAP_AVAILABLE;
	case GUEST_RAM_ACPI:
		return GUEST_MAP_ACPI;
	case GUEST_RAM_BIOS:
	case GUEST_RAM_RESERVED:
	case GUEST_HOLE:
		return GUEST_MAP_RESERVED;
	case GUEST_MMIO:
		break;
	}
	return 0;
}

const char *guest_region_kind_name(enum guest_region_kind k)
{
	switch (k) {
	case GUEST_RAM:
		return "RAM";
	case GUEST_RAM_ACPI:
		return "RAM (ACPI)";
	case GUEST_RAM_BIOS:
		return "RAM (BIOS)";
	case GUEST_RAM_RESERVED:
		return "RAM (reserved)";
	case GUEST_HOLE:
		return "hole";
	case GUEST_MMIO:
		return "MMIO";
	}
	return "?";
}
