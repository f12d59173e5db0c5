/*
 * Unit tests for hv/guest_layout.c: each format's guest-physical layout,
 * written out here from the docs (docs/guest-platform.md, "Memory"), its
 * invariants at every size from the smallest to the largest, the sizes it
 * refuses, and that what the arch code maps (the EPT, built with the
 * real builder as arch_partition_create() does), the Multiboot memory map
 * and the Linux e820 all agree with it.
 */
#include "unit.h"

#include <tessera/acpi_build.h>
#include <tessera/guest_layout.h>
#include <tessera/linux_boot.h>
#include <tessera/mb_load.h>
#include <arch/gmap.h>

#define MMIO_LIMIT 0xfec00000ull /* the I/O APIC: RAM ends at or below it */

struct want {
	u64 gpa, size;
	enum guest_region_kind kind;
};

static void build_ok(struct guest_layout *l, enum part_format f, u64 size)
{
	char why[160] = "untouched";

	if (!guest_layout_build(l, f, size, why, sizeof(why)))
		fail_msg("layout of 0x%llx bytes refused: %s", (unsigned long long)size, why);
	assert_string_equal(why, "");
	assert_int_equal(l->mem_size, size);
}

static void check_regions(const struct guest_layout *l, const struct want *w, unsigned n)
{
	assert_int_equal(l->nregions, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(l->region[i].gpa, w[i].gpa);
		assert_int_equal(l->region[i].size, w[i].size);
		assert_int_equal(l->region[i].kind, w[i].kind);
		assert_non_null(l->region[i].what);
		assert_true(strlen(l->region[i].what) > 0);
	}
}

/* ------------------------------------------------------ the two layouts */

static void test_multiboot_layout(void **state)
{
	struct guest_layout l;
	const u64 size = 32 * MiB;
	const struct want w[] = {
		{ 0, 0x9f000, GUEST_RAM },
		{ 0x9f000, 0x1000, GUEST_RAM_ACPI },
		{ 0xa0000, 0x40000, GUEST_HOLE },
		{ 0xe0000, 0x20000, GUEST_RAM_BIOS },
		{ 0x100000, size - 0x100000, GUEST_RAM },
		{ 0xfec00000, 0x1000, GUEST_MMIO },
		{ 0xfee00000, 0x1000, GUEST_MMIO },
	};

	(void)state;
	build_ok(&l, FORMAT_MULTIBOOT, size);
	check_regions(&l, w, ARRAY_SIZE(w));
	/* What the EPT maps: the low RAM up to the hole, then the BIOS area
	 * and all the memory above it in one run. */
	assert_int_equal(l.nram, 2);
	assert_int_equal(l.ram[0].gpa, 0);
	assert_int_equal(l.ram[0].size, 0xa0000);
	assert_int_equal(l.ram[1].gpa, 0xe0000);
	assert_int_equal(l.ram[1].size, size - 0xe0000);
	/* The RSDP's copy: the first place a legacy scanner looks in the
	 * BIOS area (ACPI 6.5 5.2.5.1), 16-byte aligned, in RAM. */
	assert_int_equal(guest_layout_rsdp_copy(&l), 0xe0000);
	assert_true(guest_layout_is_ram(&l, guest_layout_rsdp_copy(&l), 36));
}

static void test_linux_layout(void **state)
{
	struct guest_layout l;
	const u64 size = 256 * MiB;
	const struct want w[] = {
		{ 0, 0x9f000, GUEST_RAM },
		{ 0x9f000, 0x1000, GUEST_RAM_ACPI },
		{ 0xa0000, 0x60000, GUEST_RAM_RESERVED },
		{ 0x100000, size - 0x100000, GUEST_RAM },
		{ 0xfec00000, 0x1000, GUEST_MMIO },
		{ 0xfee00000, 0x1000, GUEST_MMIO },
	};

	(void)state;
	build_ok(&l, FORMAT_LINUX, size);
	check_regions(&l, w, ARRAY_SIZE(w));
	/* All of its memory is RAM: one run (so the EPT's first 2 MiB is one
	 * leaf, as before the layout). */
	assert_int_equal(l.nram, 1);
	assert_int_equal(l.ram[0].gpa, 0);
	assert_int_equal(l.ram[0].size, size);
	/* Linux is handed its RSDP: no copy. */
	assert_int_equal(guest_layout_rsdp_copy(&l), 0);
}

/* ------------------------------------------------------------ invariants */

/* What holds for every layout: sorted, not overlapping, not empty; all of
 * [0, mem_size) RAM or a hole, without a gap; MMIO above mem_size; the RAM
 * runs exactly the RAM regions, merged as far as they go. */
static void check_invariants(const struct guest_layout *l)
{
	struct guest_range runs[GUEST_LAYOUT_MAX];
	unsigned nruns = 0;
	u64 covered = 0;

	assert_true(l->nregions > 0 && l->nregions <= GUEST_LAYOUT_MAX);
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct guest_region *r = &l->region[i];

		assert_true(r->size > 0);
		assert_true(IS_ALIGNED(r->gpa, PAGE_SIZE) && IS_ALIGNED(r->size, PAGE_SIZE));
		assert_true(r->gpa + r->size > r->gpa); /* no wrap */
		if (i)
			assert_true(r->gpa >= l->region[i - 1].gpa + l->region[i - 1].size);
		if (r->kind == GUEST_MMIO) {
			assert_true(r->gpa >= l->mem_size);
			continue;
		}
		/* RAM and holes tile [0, mem_size) in order. */
		assert_int_equal(r->gpa, covered);
		covered += r->size;
		if (!guest_region_is_ram(r->kind))
			continue;
		if (nruns && runs[nruns - 1].gpa + runs[nruns - 1].size == r->gpa)
			runs[nruns - 1].size += r->size;
		else
			runs[nruns++] = (struct guest_range){ r->gpa, r->size };
	}
	assert_int_equal(covered, l->mem_size);
	assert_int_equal(l->nram, nruns);
	for (unsigned i = 0; i < nruns; i++) {
		assert_int_equal(l->ram[i].gpa, runs[i].gpa);
		assert_int_equal(l->ram[i].size, runs[i].size);
	}
}

/* guest_layout_find() and guest_layout_is_ram() agree with the regions
 * at every region's edges. */
static void check_lookups(const struct guest_layout *l)
{
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct guest_region *r = &l->region[i];
		const u64 probes[] = { r->gpa, r->gpa + PAGE_SIZE - 1, r->gpa + r->size - 1 };

		for (unsigned j = 0; j < ARRAY_SIZE(probes); j++) {
			assert_ptr_equal(guest_layout_find(l, probes[j]), r);
			assert_int_equal(guest_layout_is_ram(l, probes[j], 1),
					 guest_region_is_ram(r->kind));
		}
		if (guest_region_is_ram(r->kind))
			assert_true(guest_layout_is_ram(l, r->gpa, r->size));
	}
	/* Above the memory: nothing, or the I/O APIC right after it. */
	if (l->mem_size < MMIO_LIMIT)
		assert_null(guest_layout_find(l, l->mem_size));
	else
		assert_int_equal(guest_layout_find(l, l->mem_size)->kind, GUEST_MMIO);
	assert_null(guest_layout_find(l, ~0ull));
	assert_false(guest_layout_is_ram(l, l->mem_size, 1));
	assert_false(guest_layout_is_ram(l, l->mem_size - 1, 2));
	assert_true(guest_layout_is_ram(l, l->mem_size - 1, 1));
	assert_true(guest_layout_is_ram(l, l->mem_size, 0)); /* empty, at RAM's end */
	assert_false(guest_layout_is_ram(l, l->mem_size + 1, 0));
}

static const u64 sizes[] = {
	0x101000,           /* the smallest: one page above 1 MiB */
	2 * MiB,            /* the smallest a partition gets (2 MiB blocks) */
	2 * MiB + 0x1000,
	16 * MiB,
	32 * MiB,
	1 * GiB,
	3 * GiB,
	MMIO_LIMIT - 0x1000,
	MMIO_LIMIT, /* the largest: RAM ends where the I/O APIC begins */
};

static void test_invariants_every_size(void **state)
{
	const enum part_format formats[] = { FORMAT_MULTIBOOT, FORMAT_LINUX };

	(void)state;
	for (unsigned f = 0; f < ARRAY_SIZE(formats); f++)
		for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
			struct guest_layout l;

			build_ok(&l, formats[f], sizes[s]);
			check_invariants(&l);
			check_lookups(&l);
		}
}

static void test_refused_sizes(void **state)
{
	static const struct {
		u64 size;
		const char *why;
	} bad[] = {
		{ 0, "0 bytes of memory is too small: kernels load above 1 MiB" },
		{ 0x100000, "1 MiB of memory is too small: kernels load above 1 MiB" },
		{ 0x100800, "1026 KiB of memory is not a multiple of 4 KiB" },
		{ 4 * GiB, "4 GiB of memory would reach the I/O APIC at 0xfec00000: at most "
			   "4076 MiB" },
		{ MMIO_LIMIT + 2 * MiB, "4078 MiB of memory would reach the I/O APIC at "
					"0xfec00000: at most 4076 MiB" },
		{ ~0ull & ~0xfffull, "18014398509481980 KiB of memory would reach the I/O APIC at "
				     "0xfec00000: at most 4076 MiB" },
	};
	struct guest_layout l;
	char why[160];

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		memset(&l, 0x5a, sizeof(l));
		assert_false(guest_layout_build(&l, FORMAT_MULTIBOOT, bad[i].size, why,
						sizeof(why)));
		assert_string_equal(why, bad[i].why);
		/* Nothing half-built is left: no region, no RAM to map. */
		assert_int_equal(l.nregions, 0);
		assert_int_equal(l.nram, 0);
		assert_false(guest_layout_is_ram(&l, 0, 1));
		assert_false(guest_layout_build(&l, FORMAT_LINUX, bad[i].size, NULL, 0));
	}
	assert_false(guest_layout_build(&l, (enum part_format)7, 32 * MiB, why, sizeof(why)));
	assert_string_equal(why, "no memory layout for kernel format 7");
}

/* The edges a guest's buffer may straddle (partition_guest_ptr()). */
static void test_ram_edges(void **state)
{
	struct guest_layout mb, lx;

	(void)state;
	build_ok(&mb, FORMAT_MULTIBOOT, 16 * MiB);
	build_ok(&lx, FORMAT_LINUX, 16 * MiB);
	/* Into the legacy area: a hole for Multiboot, RAM for Linux. */
	assert_false(guest_layout_is_ram(&mb, 0x9ffff, 2));
	assert_true(guest_layout_is_ram(&lx, 0x9ffff, 2));
	assert_false(guest_layout_is_ram(&mb, 0xa0000, 1));
	assert_false(guest_layout_is_ram(&mb, 0xdffff, 1));
	assert_true(guest_layout_is_ram(&lx, 0xa0000, 0x60000));
	/* The BIOS area runs on into the memory above 1 MiB. */
	assert_true(guest_layout_is_ram(&mb, 0xe0000, 0x20000));
	assert_true(guest_layout_is_ram(&mb, 0xffffc, 8));
	assert_false(guest_layout_is_ram(&mb, 0xdfffc, 8));
	/* An empty range: fine in RAM and at its end, not in the hole. */
	assert_true(guest_layout_is_ram(&mb, 0, 0));
	assert_true(guest_layout_is_ram(&mb, 0xa0000, 0));
	assert_false(guest_layout_is_ram(&mb, 0xa1000, 0));
	/* Lengths and addresses from the guest cannot wrap. */
	assert_false(guest_layout_is_ram(&mb, 0, ~0ull));
	assert_false(guest_layout_is_ram(&mb, 0x1000, ~0ull - 0x800));
	assert_false(guest_layout_is_ram(&mb, ~0ull, 2));
	assert_false(guest_layout_is_ram(&lx, 16 * MiB - 8, 16));
	/* The devices are not RAM. */
	assert_false(guest_layout_is_ram(&mb, 0xfec00000, 4));
	assert_int_equal(guest_layout_find(&mb, 0xfee00300)->kind, GUEST_MMIO);
	assert_null(guest_layout_find(&mb, 0xfec01000));
}

static void test_names_and_types(void **state)
{
	(void)state;
	assert_string_equal(guest_region_kind_name(GUEST_RAM), "RAM");
	assert_string_equal(guest_region_kind_name(GUEST_RAM_ACPI), "RAM (ACPI)");
	assert_string_equal(guest_region_kind_name(GUEST_RAM_BIOS), "RAM (BIOS)");
	assert_string_equal(guest_region_kind_name(GUEST_RAM_RESERVED), "RAM (reserved)");
	assert_string_equal(guest_region_kind_name(GUEST_HOLE), "hole");
	assert_string_equal(guest_region_kind_name(GUEST_MMIO), "MMIO");
	/* ACPI 6.5 Table 15.1 address range types, as e820 and Multiboot number them. */
	assert_int_equal(guest_region_map_type(GUEST_RAM), 1);
	assert_int_equal(guest_region_map_type(GUEST_RAM_ACPI), 3);
	assert_int_equal(guest_region_map_type(GUEST_RAM_BIOS), 2);
	assert_int_equal(guest_region_map_type(GUEST_RAM_RESERVED), 2);
	assert_int_equal(guest_region_map_type(GUEST_HOLE), 2);
	assert_int_equal(guest_region_map_type(GUEST_MMIO), 0);
	assert_false(guest_region_is_ram(GUEST_HOLE));
	assert_false(guest_region_is_ram(GUEST_MMIO));
}

/* ------------------------------------------- what the arch code maps */

static hpa_t alloc_page(void *ctx)
{
	void *p = aligned_alloc(4096, 4096);

	(void)ctx;
	assert_non_null(p);
	memset(p, 0, 4096);
	return ptr_to_hpa(p);
}

static void free_page(void *ctx, hpa_t page)
{
	(void)ctx;
	free(hpa_to_ptr(page));
}

/* arch_partition_create()'s loop, with the real EPT builder and a fake
 * host block: every page of the layout is present exactly when it is
 * RAM, at the same offset of the block; the devices' pages are not. */
static void check_ept(enum part_format f, u64 size, u64 first_leaf)
{
	const hpa_t block = 0x40000000; /* 2 MiB aligned, as partition blocks are */
	struct gmap_allocator a = { alloc_page, free_page, NULL };
	struct guest_layout l;
	struct gmap e;
	hpa_t hpa;
	u64 flags, leaf;

	build_ok(&l, f, size);
	assert_true(gmap_init(&e, &gmap_ept, &a));
	for (unsigned i = 0; i < l.nram; i++)
		assert_true(gmap_map(&e, l.ram[i].gpa, block + l.ram[i].gpa, l.ram[i].size,
				    GMAP_RAM));
	for (u64 gpa = 0; gpa < size; gpa += PAGE_SIZE) {
		bool present = gmap_translate(&e, gpa, &hpa, &flags, &leaf);

		assert_int_equal(present, guest_layout_is_ram(&l, gpa, PAGE_SIZE));
		if (present) {
			assert_int_equal(hpa, block + gpa);
			assert_int_equal(flags & GMAP_RWX, GMAP_RWX);
		}
	}
	for (unsigned i = 0; i < l.nregions; i++)
		if (l.region[i].kind == GUEST_MMIO)
			assert_false(gmap_translate(&e, l.region[i].gpa, &hpa, &flags, &leaf));
	assert_false(gmap_translate(&e, size, &hpa, &flags, &leaf));
	assert_true(gmap_translate(&e, 0, &hpa, &flags, &leaf));
	assert_int_equal(leaf, first_leaf);
	gmap_destroy(&e);
}

static void test_gmap_maps_the_ram(void **state)
{
	(void)state;
	/* Multiboot: the hole cuts the first 2 MiB into 4 KiB leaves. */
	check_ept(FORMAT_MULTIBOOT, 2 * MiB, PAGE_SIZE);
	check_ept(FORMAT_MULTIBOOT, 32 * MiB, PAGE_SIZE);
	/* Linux: all RAM, 2 MiB leaves from 0. */
	check_ept(FORMAT_LINUX, 2 * MiB, LARGE_PAGE_SIZE);
	check_ept(FORMAT_LINUX, 32 * MiB, LARGE_PAGE_SIZE);
}

/* ----------------------------------------- the memory maps agree with it */

/* The entries of a memory map tile [0, size) in order, neighbours of
 * one type merged, and every region below size lies wholly in one entry
 * of its own type (so each entry holds regions of its type only). */
static void check_mb_map(const struct guest_layout *l, const struct mb_mem_range *m, unsigned n,
			 bool acpi)
{
	u64 at = 0;

	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(m[i].base, at);
		assert_true(m[i].length > 0);
		if (i)
			assert_true(m[i].type != m[i - 1].type);
		at += m[i].length;
	}
	assert_int_equal(at, l->mem_size);
	for (unsigned i = 0; i < l->nregions; i++) {
		const struct guest_region *r = &l->region[i];
		u32 want = guest_region_map_type(r->kind);
		unsigned j = 0;

		if (r->kind == GUEST_MMIO)
			continue;
		if (r->kind == GUEST_RAM_ACPI && !acpi)
			want = GUEST_MAP_AVAILABLE;
		while (j < n && m[j].base + m[j].length <= r->gpa)
			j++;
		assert_true(j < n);
		assert_true(m[j].base <= r->gpa && r->gpa + r->size <= m[j].base + m[j].length);
		assert_int_equal(m[j].type, want);
	}
}

static void test_multiboot_map_from_layout(void **state)
{
	const struct errbuf e = { NULL, 0 };
	struct mb_mem_range m[MB_MAP_MAX];
	char why[160];
	const struct errbuf eb = { why, sizeof(why) };

	(void)state;
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct guest_layout l;
		unsigned n;

		build_ok(&l, FORMAT_MULTIBOOT, sizes[s]);
		n = mb_memory_map(sizes[s], true, m, &e);
		assert_int_equal(n, 4);
		check_mb_map(&l, m, n, true);
		assert_int_equal(mb_mem_lower_kib(m, n), 636);
		n = mb_memory_map(sizes[s], false, m, &e);
		assert_int_equal(n, 3);
		check_mb_map(&l, m, n, false);
		assert_int_equal(mb_mem_lower_kib(m, n), 640);
	}
	assert_int_equal(mb_memory_map(4 * GiB, true, m, &eb), 0);
	assert_string_equal(why, "4 GiB of memory would reach the I/O APIC at 0xfec00000: at "
				 "most 4076 MiB");
	assert_int_equal(mb_mem_lower_kib(m, 0), 0);
}

/* The Linux e820 (hv/linux_boot.c, with the tables' page as the Linux
 * loader gives it) lists exactly the layout's plain RAM as RAM, its ACPI
 * region as ACPI, and nothing of the legacy area. */
static void test_linux_e820_agrees(void **state)
{
	const struct linux_e820_entry acpi = { GUEST_ACPI_TABLES_GPA, GUEST_ACPI_TABLES_SIZE,
					       LINUX_E820_ACPI };
	struct linux_e820_entry out[LINUX_E820_MAX];
	char err[160];

	(void)state;
	for (unsigned s = 0; s < ARRAY_SIZE(sizes); s++) {
		struct guest_layout l;
		unsigned n = linux_e820_build(sizes[s], &acpi, 1, out, err, sizeof(err));
		u64 ram = 0, want_ram = 0;

		build_ok(&l, FORMAT_LINUX, sizes[s]);
		assert_true(n > 0);
		for (unsigned i = 0; i < n; i++) {
			/* Each entry lies in one region (e820 entries are not
			 * merged across a type), of the entry's type. */
			const struct guest_region *r = guest_layout_find(&l, out[i].addr);

			assert_non_null(r);
			assert_true(out[i].addr + out[i].size <= r->gpa + r->size);
			assert_int_equal(out[i].type, guest_region_map_type(r->kind));
			assert_true(r->kind != GUEST_RAM_RESERVED);
			if (out[i].type == LINUX_E820_RAM)
				ram += out[i].size;
		}
		for (unsigned i = 0; i < l.nregions; i++)
			if (l.region[i].kind == GUEST_RAM)
				want_ram += l.region[i].size;
		assert_int_equal(ram, want_ram);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multiboot_layout),
		cmocka_unit_test(test_linux_layout),
		cmocka_unit_test(test_invariants_every_size),
		cmocka_unit_test(test_refused_sizes),
		cmocka_unit_test(test_ram_edges),
		cmocka_unit_test(test_names_and_types),
		cmocka_unit_test(test_gmap_maps_the_ram),
		cmocka_unit_test(test_multiboot_map_from_layout),
		cmocka_unit_test(test_linux_e820_agrees),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
