/*
 * Unit tests for the guest-physical map builder (arch/x86_64/gmap.c), run
 * once in each entry format: EPT (VMX) and NPT (SVM).
 *
 * Only table pages are real memory: the test allocator hands out
 * aligned_alloc() pages whose host pointer is their "hpa" (the hypervisor's
 * 1:1 map, hpa_to_ptr()). Mapped target addresses are never dereferenced,
 * so partitions map to fake host blocks.
 */
#include "unit.h"

#include <tessera/types.h>
#include <arch/gmap.h>

/* The format this round of tests builds (main runs the group twice). */
static const struct gmap_format *fmt = &gmap_ept;

/* The flags a map reports for what was asked: NPT cannot leave out read
 * or execute (arch/x86_64/gmap.c), so it reports both. */
static u64 norm(u64 f)
{
	if (fmt == &gmap_npt)
		return (f & (GMAP_WRITE | GMAP_UC | GMAP_LARGE)) | GMAP_READ | GMAP_EXEC;
	return f;
}

/* ------------------------------------------------------------ allocator */

struct test_alloc {
	unsigned live;	/* pages allocated and not yet freed */
	int fail_after; /* allocations still allowed; < 0 = no limit */
};

static hpa_t test_alloc_page(void *ctx)
{
	struct test_alloc *ta = ctx;
	void *p;

	if (ta->fail_after == 0)
		return 0;
	if (ta->fail_after > 0)
		ta->fail_after--;
	p = aligned_alloc(4096, 4096);
	assert_non_null(p);
	memset(p, 0, 4096);
	ta->live++;
	return ptr_to_hpa(p);
}

static void test_free_page(void *ctx, hpa_t page)
{
	struct test_alloc *ta = ctx;

	assert_true(ta->live > 0);
	assert_true(IS_ALIGNED(page, PAGE_SIZE));
	ta->live--;
	free(hpa_to_ptr(page));
}

static void new_ept(struct gmap *e, struct test_alloc *ta)
{
	struct gmap_allocator a = { test_alloc_page, test_free_page, ta };

	ta->live = 0;
	ta->fail_after = -1;
	assert_true(gmap_init(e, fmt, &a));
	assert_int_equal(e->table_pages, 1);
	assert_int_equal(ta->live, 1);
}

static void end_ept(struct gmap *e, struct test_alloc *ta)
{
	gmap_destroy(e);
	assert_int_equal(e->pml4, 0);
	assert_int_equal(e->table_pages, 0);
	assert_int_equal(ta->live, 0);
}

/* ------------------------------------------------------------ runs */

struct run {
	gpa_t gpa;
	hpa_t hpa;
	u64 size, flags, leaf_size;
};

struct runs {
	unsigned n;
	struct run r[64];
};

static void collect(void *ctx, gpa_t gpa, hpa_t hpa, u64 size, u64 flags, u64 leaf_size)
{
	struct runs *rs = ctx;

	assert_true(rs->n < ARRAY_SIZE(rs->r));
	rs->r[rs->n++] = (struct run){ gpa, hpa, size, flags, leaf_size };
}

static void get_runs(const struct gmap *e, struct runs *rs)
{
	memset(rs, 0, sizeof(*rs));
	gmap_for_each(e, collect, rs);
}

static void assert_run(const struct runs *rs, unsigned i, gpa_t gpa, hpa_t hpa, u64 size,
		       u64 flags, u64 leaf_size)
{
	assert_true(i < rs->n);
	assert_int_equal(rs->r[i].gpa, gpa);
	assert_int_equal(rs->r[i].hpa, hpa);
	assert_int_equal(rs->r[i].size, size);
	assert_int_equal(rs->r[i].flags, norm(flags));
	assert_int_equal(rs->r[i].leaf_size, leaf_size);
}

static void assert_same_runs(const struct runs *a, const struct runs *b)
{
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->r, b->r, a->n * sizeof(a->r[0]));
}

static void assert_maps(const struct gmap *e, gpa_t gpa, hpa_t want, u64 want_leaf)
{
	hpa_t hpa = 0;
	u64 flags = 0, leaf = 0;

	assert_true(gmap_translate(e, gpa, &hpa, &flags, &leaf));
	assert_int_equal(hpa, want);
	assert_int_equal(leaf, want_leaf);
}

static void assert_unmapped(const struct gmap *e, gpa_t gpa)
{
	hpa_t hpa;
	u64 flags, leaf;

	assert_false(gmap_translate(e, gpa, &hpa, &flags, &leaf));
}

/* ------------------------------------------------------------ a partition */

/* The partition's RAM lives in one host block; the hypervisor elsewhere. */
#define HOST_BLOCK (1 * GiB)
#define RAM_TOP (64 * MiB)
#define HOLE_START 0xa0000ull
#define HOLE_END 0x100000ull
#define HV_START (16 * MiB)
#define HV_END (32 * MiB)

static void map_partition(struct gmap *e)
{
	assert_true(gmap_map(e, 0, HOST_BLOCK, HOLE_START, GMAP_RAM));
	assert_true(gmap_map(e, HOLE_END, HOST_BLOCK + HOLE_END, RAM_TOP - HOLE_END, GMAP_RAM));
}

static void test_init_fails_without_memory(void **state)
{
	struct test_alloc ta = { 0, 0 };
	struct gmap_allocator a = { test_alloc_page, test_free_page, &ta };
	struct gmap e;

	(void)state;
	assert_false(gmap_init(&e, fmt, &a));
	assert_int_equal(e.pml4, 0);
	assert_int_equal(e.table_pages, 0);
	/* A map without a PML4 maps nothing and refuses to. */
	assert_false(gmap_map(&e, 0, 0, PAGE_SIZE, GMAP_RAM));
	assert_unmapped(&e, 0);
	gmap_destroy(&e);
	assert_int_equal(ta.live, 0);
}

static void test_empty(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	struct runs rs;

	(void)state;
	new_ept(&e, &ta);
	assert_unmapped(&e, 0);
	assert_unmapped(&e, 0xfee00000);
	assert_unmapped(&e, (1ull << 48) - PAGE_SIZE);
	assert_unmapped(&e, 1ull << 48);
	get_runs(&e, &rs);
	assert_int_equal(rs.n, 0);
	end_ept(&e, &ta);
}

static void test_partition_layout(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	struct runs rs;
	gpa_t g;
	unsigned i;

	(void)state;
	new_ept(&e, &ta);
	map_partition(&e);
	/* PML4 + PDPT + PD + one PT for the first 2 MiB (around the hole). */
	assert_int_equal(e.table_pages, 4);
	assert_int_equal(ta.live, 4);

	/* Every page up to past the end: mapped iff RAM, to HOST_BLOCK + gpa,
	 * 4 KiB leaves below 2 MiB and 2 MiB leaves above. */
	for (g = 0; g < RAM_TOP + 8 * MiB; g += PAGE_SIZE) {
		hpa_t hpa;
		u64 flags, leaf;
		bool ram = g < HOLE_START || (g >= HOLE_END && g < RAM_TOP);

		assert_int_equal(gmap_translate(&e, g, &hpa, &flags, &leaf), ram);
		if (!ram)
			continue;
		assert_int_equal(hpa, HOST_BLOCK + g);
		assert_true(hpa < HV_START || hpa >= HV_END);
		if (g < LARGE_PAGE_SIZE) {
			assert_int_equal(leaf, PAGE_SIZE);
			assert_int_equal(flags, norm(GMAP_RAM));
		} else {
			assert_int_equal(leaf, LARGE_PAGE_SIZE);
			assert_int_equal(flags, norm(GMAP_RAM | GMAP_LARGE));
		}
	}
	/* Offsets inside a page and a large page. */
	assert_maps(&e, 0x1234, HOST_BLOCK + 0x1234, PAGE_SIZE);
	assert_maps(&e, 0x9ffff, HOST_BLOCK + 0x9ffff, PAGE_SIZE);
	assert_maps(&e, 0x3456789, HOST_BLOCK + 0x3456789, LARGE_PAGE_SIZE);
	assert_unmapped(&e, 0xa0000);
	assert_unmapped(&e, 0xb8000);
	assert_unmapped(&e, 0xfffff);
	/* Nothing beyond the RAM: no MMIO, nothing far away. */
	assert_unmapped(&e, RAM_TOP);
	assert_unmapped(&e, 1 * GiB);
	assert_unmapped(&e, 0xfec00000);
	assert_unmapped(&e, 0xfee00000);
	assert_unmapped(&e, 4 * GiB);
	assert_unmapped(&e, (1ull << 48) - PAGE_SIZE);

	get_runs(&e, &rs);
	assert_int_equal(rs.n, 3);
	assert_run(&rs, 0, 0, HOST_BLOCK, HOLE_START, GMAP_RAM, PAGE_SIZE);
	assert_run(&rs, 1, HOLE_END, HOST_BLOCK + HOLE_END, LARGE_PAGE_SIZE - HOLE_END, GMAP_RAM,
		   PAGE_SIZE);
	assert_run(&rs, 2, LARGE_PAGE_SIZE, HOST_BLOCK + LARGE_PAGE_SIZE,
		   RAM_TOP - LARGE_PAGE_SIZE, GMAP_RAM | GMAP_LARGE, LARGE_PAGE_SIZE);
	/* Every mapped host byte is the partition's, none the hypervisor's. */
	for (i = 0; i < rs.n; i++) {
		assert_true(rs.r[i].hpa >= HOST_BLOCK);
		assert_true(rs.r[i].hpa + rs.r[i].size <= HOST_BLOCK + RAM_TOP);
		assert_true(rs.r[i].hpa + rs.r[i].size <= HV_START || rs.r[i].hpa >= HV_END);
	}
	end_ept(&e, &ta);
}

/* A refused map must leave tables, allocations and translations alone. */
static void assert_map_refused(struct gmap *e, struct test_alloc *ta, gpa_t gpa, hpa_t hpa,
			       u64 size, u64 flags)
{
	struct runs before, after;
	unsigned pages = e->table_pages, live = ta->live;

	get_runs(e, &before);
	assert_false(gmap_map(e, gpa, hpa, size, flags));
	get_runs(e, &after);
	assert_same_runs(&before, &after);
	assert_int_equal(e->table_pages, pages);
	assert_int_equal(ta->live, live);
}

static void test_double_map_refused(void **state)
{
	struct test_alloc ta;
	struct gmap e;

	(void)state;
	new_ept(&e, &ta);
	map_partition(&e);
	/* Exactly a mapped range, at another host address. */
	assert_map_refused(&e, &ta, 0, HV_START, HOLE_START, GMAP_RAM);
	/* One page of a 2 MiB leaf. */
	assert_map_refused(&e, &ta, 8 * MiB + 12 * KiB, HV_START, PAGE_SIZE, GMAP_RAM);
	/* Hole first, then the last RAM page below it... */
	assert_map_refused(&e, &ta, HOLE_START - PAGE_SIZE, HV_START, 2 * PAGE_SIZE, GMAP_RAM);
	/* ...and the hole running into the RAM above it. */
	assert_map_refused(&e, &ta, HOLE_START, HV_START, HOLE_END - HOLE_START + PAGE_SIZE,
			   GMAP_RAM);
	/* The last RAM page, then far unmapped space needing new tables. */
	assert_map_refused(&e, &ta, RAM_TOP - PAGE_SIZE, HV_START, 4 * GiB, GMAP_RAM);
	/* The hole itself is free. */
	assert_true(gmap_map(&e, HOLE_START, 0xa0000, HOLE_END - HOLE_START,
			    GMAP_READ | GMAP_WRITE | GMAP_UC));
	assert_maps(&e, 0xb8000, 0xb8000, PAGE_SIZE);
	end_ept(&e, &ta);
}

static void test_bad_arguments_refused(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	const u64 top = 1ull << 48;

	(void)state;
	new_ept(&e, &ta);
	map_partition(&e);
	/* Misaligned gpa, hpa, size. */
	assert_map_refused(&e, &ta, 1 * GiB + 0x800, 0, PAGE_SIZE, GMAP_RAM);
	assert_map_refused(&e, &ta, 1 * GiB, 0x800, PAGE_SIZE, GMAP_RAM);
	assert_map_refused(&e, &ta, 1 * GiB, 0, PAGE_SIZE + 1, GMAP_RAM);
	/* Past the 48-bit guest-physical space, or wrapping around. */
	assert_map_refused(&e, &ta, top, 0, PAGE_SIZE, GMAP_RAM);
	assert_map_refused(&e, &ta, top - PAGE_SIZE, 0, 2 * PAGE_SIZE, GMAP_RAM);
	assert_map_refused(&e, &ta, 1 * GiB, 0, ~0ull & ~(PAGE_SIZE - 1), GMAP_RAM);
	/* Host address past bit 51. */
	assert_map_refused(&e, &ta, 1 * GiB, (1ull << 52) - PAGE_SIZE, 2 * PAGE_SIZE, GMAP_RAM);
	/* Flags: none, write-only, reserved memory type, bits outside 6:0. */
	assert_map_refused(&e, &ta, 1 * GiB, 0, PAGE_SIZE, 0);
	assert_map_refused(&e, &ta, 1 * GiB, 0, PAGE_SIZE, 0);
	assert_map_refused(&e, &ta, 1 * GiB, 0, PAGE_SIZE, GMAP_WRITE);
	assert_map_refused(&e, &ta, 1 * GiB, 0, PAGE_SIZE, GMAP_RAM | (1ull << 4));
	assert_map_refused(&e, &ta, 1 * GiB, 0, PAGE_SIZE, GMAP_RAM | GMAP_LARGE);
	assert_map_refused(&e, &ta, 1 * GiB, 0, PAGE_SIZE, GMAP_RAM | (1ull << 12));
	/* Unmap with bad arguments changes nothing either. */
	assert_false(gmap_unmap(&e, 0x800, PAGE_SIZE));
	assert_false(gmap_unmap(&e, 0, PAGE_SIZE + 1));
	assert_false(gmap_unmap(&e, top - PAGE_SIZE, 2 * PAGE_SIZE));
	assert_maps(&e, 0, HOST_BLOCK, PAGE_SIZE);
	assert_int_equal(e.table_pages, 4);

	/* The very last page of the space is fine; size 0 is a no-op. */
	assert_true(gmap_map(&e, top - PAGE_SIZE, 5 * GiB, PAGE_SIZE, GMAP_READ));
	assert_maps(&e, top - 1, 5 * GiB + PAGE_SIZE - 1, PAGE_SIZE);
	assert_true(gmap_map(&e, 2 * GiB, 0, 0, GMAP_RAM));
	assert_unmapped(&e, 2 * GiB);
	assert_true(gmap_unmap(&e, top - PAGE_SIZE, PAGE_SIZE));
	assert_int_equal(e.table_pages, 4);
	end_ept(&e, &ta);
}

static void test_unaligned_hpa_uses_small_pages(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	struct runs rs;

	(void)state;
	new_ept(&e, &ta);
	/* gpa 2 MiB aligned, hpa only 4 KiB aligned: 4 KiB leaves throughout. */
	assert_true(gmap_map(&e, 2 * MiB, HOST_BLOCK + PAGE_SIZE, 4 * MiB, GMAP_RAM));
	assert_maps(&e, 2 * MiB, HOST_BLOCK + PAGE_SIZE, PAGE_SIZE);
	assert_maps(&e, 6 * MiB - 1, HOST_BLOCK + PAGE_SIZE + 4 * MiB - 1, PAGE_SIZE);
	assert_unmapped(&e, 6 * MiB);
	assert_int_equal(e.table_pages, 5); /* PML4, PDPT, PD, 2 PTs */
	get_runs(&e, &rs);
	assert_int_equal(rs.n, 1);
	assert_run(&rs, 0, 2 * MiB, HOST_BLOCK + PAGE_SIZE, 4 * MiB, GMAP_RAM, PAGE_SIZE);

	/* Both aligned but less than 2 MiB: 4 KiB leaves as well. */
	assert_true(gmap_map(&e, 8 * MiB, HOST_BLOCK + 8 * MiB, 2 * MiB - PAGE_SIZE, GMAP_RAM));
	assert_maps(&e, 8 * MiB, HOST_BLOCK + 8 * MiB, PAGE_SIZE);

	/* hpa and gpa aligned differently by 4 KiB: never large. */
	assert_true(gmap_map(&e, 1 * GiB - PAGE_SIZE, 3 * GiB, 4 * MiB + PAGE_SIZE, GMAP_RAM));
	assert_maps(&e, 1 * GiB, 3 * GiB + PAGE_SIZE, PAGE_SIZE);
	assert_maps(&e, 1 * GiB + 4 * MiB - 1, 3 * GiB + 4 * MiB + PAGE_SIZE - 1, PAGE_SIZE);
	end_ept(&e, &ta);
}

static void test_for_each_merges(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	struct runs rs;

	(void)state;
	new_ept(&e, &ta);
	/* Two maps continuing each other: one run. */
	assert_true(gmap_map(&e, 0x10000, 0x810000, 0x3000, GMAP_RAM));
	assert_true(gmap_map(&e, 0x13000, 0x813000, 0x2000, GMAP_RAM));
	/* Continues in gpa but not hpa; then same hpa but other flags. */
	assert_true(gmap_map(&e, 0x15000, 0x900000, 0x1000, GMAP_RAM));
	assert_true(gmap_map(&e, 0x16000, 0x901000, 0x1000, GMAP_READ | 0));
	/* 4 KiB leaves across the 512 GiB boundary (PML4 entries 0 and 1)
	 * still merge... */
	assert_true(gmap_map(&e, 512 * GiB - 8 * KiB, 0x5000000 - 8 * KiB, 16 * KiB, GMAP_RAM));
	/* ...but runs of different leaf sizes do not, even when contiguous. */
	assert_true(gmap_map(&e, 512 * GiB + 2 * MiB, 0x6000000, 4 * MiB, GMAP_RAM));
	assert_true(gmap_map(&e, 512 * GiB + 6 * MiB, 0x6400000, 4 * KiB, GMAP_RAM));
	get_runs(&e, &rs);
	assert_int_equal(rs.n, 6);
	assert_run(&rs, 0, 0x10000, 0x810000, 0x5000, GMAP_RAM, PAGE_SIZE);
	assert_run(&rs, 1, 0x15000, 0x900000, 0x1000, GMAP_RAM, PAGE_SIZE);
	assert_run(&rs, 2, 0x16000, 0x901000, 0x1000, GMAP_READ | 0, PAGE_SIZE);
	assert_run(&rs, 3, 512 * GiB - 8 * KiB, 0x5000000 - 8 * KiB, 16 * KiB, GMAP_RAM,
		   PAGE_SIZE);
	assert_run(&rs, 4, 512 * GiB + 2 * MiB, 0x6000000, 4 * MiB, GMAP_RAM | GMAP_LARGE,
		   LARGE_PAGE_SIZE);
	assert_run(&rs, 5, 512 * GiB + 6 * MiB, 0x6400000, 4 * KiB, GMAP_RAM, PAGE_SIZE);
	end_ept(&e, &ta);
}

static void test_unmap_splits_large_leaf(void **state)
{
	const u64 fl = GMAP_READ | GMAP_EXEC | GMAP_UC;
	struct test_alloc ta;
	struct gmap e;
	struct runs rs;
	hpa_t hpa;
	u64 flags, leaf;

	(void)state;
	new_ept(&e, &ta);
	assert_true(gmap_map(&e, 0, HOST_BLOCK, 4 * MiB, fl));
	assert_int_equal(e.table_pages, 3);

	/* One page in the middle of the first 2 MiB leaf. */
	assert_true(gmap_unmap(&e, 1 * MiB, PAGE_SIZE));
	assert_int_equal(e.table_pages, 4);
	assert_unmapped(&e, 1 * MiB);
	assert_unmapped(&e, 1 * MiB + PAGE_SIZE - 1);
	assert_true(gmap_translate(&e, 1 * MiB - 1, &hpa, &flags, &leaf));
	assert_int_equal(hpa, HOST_BLOCK + 1 * MiB - 1);
	assert_int_equal(flags, norm(fl)); /* same flags, no longer large */
	assert_int_equal(leaf, PAGE_SIZE);
	assert_maps(&e, 0, HOST_BLOCK, PAGE_SIZE);
	assert_maps(&e, 1 * MiB + PAGE_SIZE, HOST_BLOCK + 1 * MiB + PAGE_SIZE, PAGE_SIZE);
	assert_maps(&e, 2 * MiB - 1, HOST_BLOCK + 2 * MiB - 1, PAGE_SIZE);
	assert_maps(&e, 2 * MiB, HOST_BLOCK + 2 * MiB, LARGE_PAGE_SIZE);
	get_runs(&e, &rs);
	assert_int_equal(rs.n, 3);
	assert_run(&rs, 0, 0, HOST_BLOCK, 1 * MiB, fl, PAGE_SIZE);
	assert_run(&rs, 1, 1 * MiB + PAGE_SIZE, HOST_BLOCK + 1 * MiB + PAGE_SIZE,
		   1 * MiB - PAGE_SIZE, fl, PAGE_SIZE);
	assert_run(&rs, 2, 2 * MiB, HOST_BLOCK + 2 * MiB, 2 * MiB, fl | GMAP_LARGE,
		   LARGE_PAGE_SIZE);

	/* A range straddling both leaves splits the second one too. */
	assert_true(gmap_unmap(&e, 1 * MiB, 2 * MiB));
	assert_int_equal(e.table_pages, 5);
	assert_maps(&e, 1 * MiB - PAGE_SIZE, HOST_BLOCK + 1 * MiB - PAGE_SIZE, PAGE_SIZE);
	assert_unmapped(&e, 2 * MiB);
	assert_unmapped(&e, 3 * MiB - 1);
	assert_maps(&e, 3 * MiB, HOST_BLOCK + 3 * MiB, PAGE_SIZE);

	/* Emptying the first PT frees it; emptying everything frees all but
	 * the PML4. Unmapping unmapped space is fine. */
	assert_true(gmap_unmap(&e, 0, 1 * MiB));
	assert_int_equal(e.table_pages, 4);
	assert_true(gmap_unmap(&e, 0, 1 * GiB));
	assert_int_equal(e.table_pages, 1);
	assert_int_equal(ta.live, 1);
	assert_true(gmap_unmap(&e, 0, 1 * GiB));
	get_runs(&e, &rs);
	assert_int_equal(rs.n, 0);
	end_ept(&e, &ta);
}

static void test_unmap_split_out_of_memory(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	struct runs before, after;
	int n;

	(void)state;
	new_ept(&e, &ta);
	assert_true(gmap_map(&e, 0, HOST_BLOCK, 4 * MiB, GMAP_RAM));
	get_runs(&e, &before);
	/* Two splits needed: fail at the first, then at the second. */
	for (n = 0; n < 2; n++) {
		ta.fail_after = n;
		assert_false(gmap_unmap(&e, 1 * MiB, 2 * MiB));
		get_runs(&e, &after);
		assert_same_runs(&before, &after);
		assert_int_equal(e.table_pages, 3);
		assert_int_equal(ta.live, 3);
		assert_maps(&e, 1 * MiB, HOST_BLOCK + 1 * MiB, LARGE_PAGE_SIZE);
	}
	/* A range of whole leaves needs no memory. */
	ta.fail_after = 0;
	assert_true(gmap_unmap(&e, 2 * MiB, 2 * MiB));
	assert_unmapped(&e, 2 * MiB);
	assert_int_equal(e.table_pages, 3);
	ta.fail_after = -1;
	end_ept(&e, &ta);
}

/* The violation-report mode maps one page far away and unmaps it again,
 * over and over: the tables must not grow. */
static void test_map_unmap_cycles(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	struct runs before, after;
	int i;

	(void)state;
	new_ept(&e, &ta);
	map_partition(&e);
	get_runs(&e, &before);
	for (i = 0; i < 1000; i++) {
		assert_true(gmap_map(&e, 3 * GiB, HOST_BLOCK + 128 * MiB, PAGE_SIZE, GMAP_READ));
		assert_int_equal(e.table_pages, 6); /* + PD and PT for 3 GiB */
		assert_maps(&e, 3 * GiB, HOST_BLOCK + 128 * MiB, PAGE_SIZE);
		assert_true(gmap_unmap(&e, 3 * GiB, PAGE_SIZE));
		assert_unmapped(&e, 3 * GiB);
		assert_int_equal(e.table_pages, 4);
		assert_int_equal(ta.live, 4);
	}
	get_runs(&e, &after);
	assert_same_runs(&before, &after);
	end_ept(&e, &ta);
}

static void test_map_out_of_memory_rolls_back(void **state)
{
	/* From 4 KiB leaves below 512 GiB - 2 MiB, across the 512 GiB
	 * boundary with two 2 MiB leaves, to 4 KiB leaves after it. Needs
	 * 5 new tables: PD + PT under PML4[0]'s PDPT, PDPT + PD + PT under
	 * PML4[1]. Fail at each of them in turn. */
	const gpa_t gpa = 512 * GiB - 2 * MiB - 8 * KiB;
	const hpa_t hpa = HOST_BLOCK + 128 * MiB - 2 * MiB - 8 * KiB;
	const u64 size = 4 * MiB + 16 * KiB;
	struct test_alloc ta;
	struct gmap e;
	struct runs before, after;
	gpa_t g;
	int n;

	(void)state;
	new_ept(&e, &ta);
	map_partition(&e);
	get_runs(&e, &before);
	for (n = 0; n < 5; n++) {
		ta.fail_after = n;
		assert_false(gmap_map(&e, gpa, hpa, size, GMAP_RAM));
		assert_int_equal(e.table_pages, 4);
		assert_int_equal(ta.live, 4);
		get_runs(&e, &after);
		assert_same_runs(&before, &after);
		for (g = gpa; g < gpa + size; g += PAGE_SIZE)
			assert_unmapped(&e, g);
		assert_maps(&e, 0x3000, HOST_BLOCK + 0x3000, PAGE_SIZE);
	}
	ta.fail_after = 5;
	assert_true(gmap_map(&e, gpa, hpa, size, GMAP_RAM));
	assert_int_equal(e.table_pages, 9);
	assert_maps(&e, gpa, hpa, PAGE_SIZE);
	assert_maps(&e, 512 * GiB - 1, hpa + size / 2 - 1, LARGE_PAGE_SIZE);
	assert_maps(&e, 512 * GiB, hpa + size / 2, LARGE_PAGE_SIZE);
	assert_maps(&e, gpa + size - 1, hpa + size - 1, PAGE_SIZE);
	ta.fail_after = -1;
	end_ept(&e, &ta);
}

static void test_destroy_frees_everything(void **state)
{
	struct test_alloc ta;
	struct gmap e;

	(void)state;
	new_ept(&e, &ta);
	map_partition(&e);
	assert_true(gmap_map(&e, 3 * GiB, 0, PAGE_SIZE, GMAP_RAM));
	assert_true(gmap_map(&e, 100 * GiB * 1024, 0, 6 * MiB, GMAP_RAM));
	assert_true(gmap_unmap(&e, 12 * MiB + PAGE_SIZE, PAGE_SIZE));
	assert_true(ta.live > 4);
	assert_int_equal(ta.live, e.table_pages);
	end_ept(&e, &ta);
	gmap_destroy(&e); /* twice is harmless */
	assert_int_equal(ta.live, 0);
}

/* The bits of the entries themselves, as each format's manual gives them:
 * a 4 KiB leaf and the table entry above it. */
static void test_entry_bits(void **state)
{
	struct test_alloc ta;
	struct gmap e;
	const u64 *pml4, *pdpt, *pd, *pt;

	(void)state;
	new_ept(&e, &ta);
	assert_true(gmap_map(&e, 0, HOST_BLOCK, PAGE_SIZE, GMAP_READ | GMAP_WRITE | GMAP_UC));
	assert_true(gmap_map(&e, 2 * MiB, HOST_BLOCK + 2 * MiB, 2 * MiB, GMAP_RAM));
	pml4 = hpa_to_ptr(e.pml4);
	pdpt = hpa_to_ptr(pml4[0] & GMAP_ADDR_MASK);
	pd = hpa_to_ptr(pdpt[0] & GMAP_ADDR_MASK);
	pt = hpa_to_ptr(pd[0] & GMAP_ADDR_MASK);
	if (fmt == &gmap_ept) {
		/* SDM 29.3.2: tables RWX; leaf R|W, memory type 0 (UC) in 5:3;
		 * a 2 MiB leaf RWX, WB (6) and bit 7. */
		assert_int_equal(pml4[0] & 0xfff, 0x7);
		assert_int_equal(pt[0], HOST_BLOCK | 0x3);
		assert_int_equal(pd[1], (HOST_BLOCK + 2 * MiB) | 0x7 | (6 << 3) | 0x80);
	} else {
		/* APM Vol. 2 15.25.5: tables P|RW|US; leaf P|RW|US|PWT|PCD; a
		 * 2 MiB leaf P|RW|US|PS; no NX anywhere. */
		assert_int_equal(pml4[0] & 0xfff, 0x7);
		assert_int_equal(pt[0], HOST_BLOCK | 0x1f);
		assert_int_equal(pd[1], (HOST_BLOCK + 2 * MiB) | 0x87);
	}
	end_ept(&e, &ta);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_fails_without_memory),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_partition_layout),
		cmocka_unit_test(test_double_map_refused),
		cmocka_unit_test(test_bad_arguments_refused),
		cmocka_unit_test(test_unaligned_hpa_uses_small_pages),
		cmocka_unit_test(test_for_each_merges),
		cmocka_unit_test(test_unmap_splits_large_leaf),
		cmocka_unit_test(test_unmap_split_out_of_memory),
		cmocka_unit_test(test_map_unmap_cycles),
		cmocka_unit_test(test_map_out_of_memory_rolls_back),
		cmocka_unit_test(test_destroy_frees_everything),
		cmocka_unit_test(test_entry_bits),
	};
	int failed;

	failed = cmocka_run_group_tests_name("EPT", tests, NULL, NULL);
	fmt = &gmap_npt;
	failed += cmocka_run_group_tests_name("NPT", tests, NULL, NULL);
	return failed;
}
