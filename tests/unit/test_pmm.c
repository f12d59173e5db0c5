/*
 * Unit tests for the physical memory manager (hv/pmm.c).
 *
 * pmm_alloc never touches the memory it hands out, so most tests use fake
 * addresses. pmm_alloc_page zero-fills through hpa_to_ptr(), which is 1:1,
 * so its test hands the allocator a real host buffer.
 */
#include "unit.h"

#include <tessera/pmm.h>

/* Check every invariant pmm.h promises; returns the sum of free bytes. */
static u64 check_invariants(const struct pmm *p)
{
	u64 sum = 0;
	unsigned i;

	assert_true(p->nranges <= PMM_MAX_RANGES);
	for (i = 0; i < p->nranges; i++) {
		const struct pmm_range *r = &p->free[i];

		assert_true(r->base >= PMM_LOW_LIMIT);
		assert_true(r->base < r->end);
		assert_true(IS_ALIGNED(r->base, PAGE_SIZE));
		assert_true(IS_ALIGNED(r->end, PAGE_SIZE));
		/* Sorted, disjoint and never adjacent. */
		if (i > 0)
			assert_true(p->free[i - 1].end < r->base);
		sum += r->end - r->base;
	}
	assert_int_equal(sum, p->free_bytes);
	assert_true(p->free_bytes + p->lost_bytes <= p->managed_bytes);
	return sum;
}

static void assert_range(const struct pmm *p, unsigned i, hpa_t base, hpa_t end)
{
	assert_true(i < p->nranges);
	assert_int_equal(p->free[i].base, base);
	assert_int_equal(p->free[i].end, end);
}

static struct pmm *new_pmm(void)
{
	struct pmm *p = malloc(sizeof(*p));

	assert_non_null(p);
	memset(p, 0x5a, sizeof(*p)); /* pmm_init must not rely on zeroed memory */
	pmm_init(p);
	return p;
}

static void test_init_empty(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	assert_int_equal(p->nranges, 0);
	assert_int_equal(p->managed_bytes, 0);
	assert_int_equal(p->free_bytes, 0);
	assert_int_equal(p->lost_bytes, 0);
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, 0, PMM_NO_LIMIT), 0);
	assert_int_equal(pmm_largest_free(p, PAGE_SIZE), 0);
	free(p);
}

static void test_add_trims_to_pages(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	/* Both ends move inward to whole pages. */
	pmm_add(p, 0x200123, 0x10000);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 0x201000, 0x210000);
	assert_int_equal(p->managed_bytes, 0xf000);
	assert_int_equal(p->free_bytes, 0xf000);

	/* Less than one whole page inside: nothing. */
	pmm_add(p, 0x400800, 0x1000);
	/* Zero size: nothing. */
	pmm_add(p, 0x500000, 0);
	assert_int_equal(p->nranges, 1);
	assert_int_equal(p->managed_bytes, 0xf000);
	check_invariants(p);
	free(p);
}

static void test_add_below_1mib_refused(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	/* Wholly below 1 MiB: ignored. */
	pmm_add(p, 0, 640 * KiB);
	pmm_add(p, 0xff000, PAGE_SIZE);
	assert_int_equal(p->nranges, 0);
	assert_int_equal(p->managed_bytes, 0);

	/* Straddling 1 MiB: only the part above is kept. */
	pmm_add(p, 0x80000, 1 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, PMM_LOW_LIMIT, 0x180000);
	assert_int_equal(p->managed_bytes, 0x80000);

	/* Allocating everything never yields an address below 1 MiB or 0. */
	for (;;) {
		hpa_t a = pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, PMM_NO_LIMIT);

		if (!a)
			break;
		assert_true(a >= PMM_LOW_LIMIT);
	}
	assert_int_equal(p->free_bytes, 0);
	assert_int_equal(p->nranges, 0);
	free(p);
}

static void test_add_top_of_address_space(void **state)
{
	struct pmm *p = new_pmm();
	hpa_t top_end = ~0ull & ~(PAGE_SIZE - 1);

	(void)state;
	/* base + size wraps past 2^64: clipped, not wrapped to low memory. */
	pmm_add(p, top_end - 0x10000, 0x20000);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, top_end - 0x10000, top_end);
	/* The very last page cannot be expressed with an exclusive end. */
	pmm_add(p, top_end, PAGE_SIZE);
	assert_int_equal(p->nranges, 1);
	assert_int_equal(p->managed_bytes, 0x10000);
	check_invariants(p);
	free(p);
}

static void test_add_sorted(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	pmm_add(p, 64 * MiB, 1 * MiB);
	pmm_add(p, 8 * MiB, 1 * MiB);
	pmm_add(p, 32 * MiB, 1 * MiB);
	pmm_add(p, 2 * MiB, 1 * MiB);
	assert_int_equal(p->nranges, 4);
	assert_range(p, 0, 2 * MiB, 3 * MiB);
	assert_range(p, 1, 8 * MiB, 9 * MiB);
	assert_range(p, 2, 32 * MiB, 33 * MiB);
	assert_range(p, 3, 64 * MiB, 65 * MiB);
	assert_int_equal(check_invariants(p), 4 * MiB);
	free(p);
}

static void test_merge_adjacent(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	pmm_add(p, 2 * MiB, 1 * MiB);
	pmm_add(p, 4 * MiB, 1 * MiB);
	assert_int_equal(p->nranges, 2);
	/* Fills the gap exactly: touches both neighbours. */
	pmm_add(p, 3 * MiB, 1 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 2 * MiB, 5 * MiB);
	/* Touching at either end also merges. */
	pmm_add(p, 5 * MiB, PAGE_SIZE);
	pmm_add(p, 2 * MiB - PAGE_SIZE, PAGE_SIZE);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 2 * MiB - PAGE_SIZE, 5 * MiB + PAGE_SIZE);
	assert_int_equal(p->managed_bytes, 3 * MiB + 2 * PAGE_SIZE);
	check_invariants(p);
	free(p);
}

static void test_merge_overlapping(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	pmm_add(p, 2 * MiB, 2 * MiB);
	pmm_add(p, 3 * MiB, 3 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 2 * MiB, 6 * MiB);
	assert_int_equal(p->managed_bytes, 4 * MiB);

	/* The same memory again is not counted twice. */
	pmm_add(p, 2 * MiB, 4 * MiB);
	pmm_add(p, 3 * MiB, 1 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_int_equal(p->managed_bytes, 4 * MiB);
	assert_int_equal(p->free_bytes, 4 * MiB);

	/* One add bridging several ranges collapses them into one. */
	pmm_add(p, 8 * MiB, 1 * MiB);
	pmm_add(p, 10 * MiB, 1 * MiB);
	pmm_add(p, 12 * MiB, 1 * MiB);
	pmm_add(p, 20 * MiB, 1 * MiB);
	assert_int_equal(p->nranges, 5);
	pmm_add(p, 8 * MiB + 512 * KiB, 4 * MiB);
	assert_int_equal(p->nranges, 3);
	assert_range(p, 0, 2 * MiB, 6 * MiB);
	assert_range(p, 1, 8 * MiB, 13 * MiB);
	assert_range(p, 2, 20 * MiB, 21 * MiB);
	assert_int_equal(p->managed_bytes, 4 * MiB + 5 * MiB + 1 * MiB);

	/* A superset swallows everything. */
	pmm_add(p, 1 * MiB, 31 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 1 * MiB, 32 * MiB);
	assert_int_equal(p->managed_bytes, 31 * MiB);
	check_invariants(p);
	free(p);
}

static void test_alloc_highest_first(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	pmm_add(p, 1 * MiB, 15 * MiB);
	pmm_add(p, 64 * MiB, 64 * MiB);
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, PMM_NO_LIMIT), 128 * MiB - PAGE_SIZE);
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, 0, PMM_NO_LIMIT), 128 * MiB - 2 * PAGE_SIZE);
	/* Fits nowhere. */
	assert_int_equal(pmm_alloc(p, 64 * MiB, PAGE_SIZE, PMM_NO_LIMIT), 0);
	/* A range too small is passed over for the next one down. */
	pmm_add(p, 1024 * MiB, 1 * MiB);
	assert_int_equal(pmm_alloc(p, 60 * MiB, PAGE_SIZE, PMM_NO_LIMIT), 68 * MiB - 2 * PAGE_SIZE);
	/* The high range is now too small: the top of the low one is next. */
	assert_int_equal(pmm_alloc(p, 8 * MiB, PAGE_SIZE, PMM_NO_LIMIT), 8 * MiB);
	assert_int_equal(p->nranges, 3);
	assert_range(p, 0, 1 * MiB, 8 * MiB);
	assert_range(p, 1, 64 * MiB, 64 * MiB + 4 * MiB - 2 * PAGE_SIZE);
	assert_range(p, 2, 1024 * MiB, 1025 * MiB);
	check_invariants(p);
	free(p);
}

static void test_alloc_rounds_size(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	pmm_add(p, 4 * MiB, 4 * MiB);
	assert_int_equal(pmm_alloc(p, 1, 0, PMM_NO_LIMIT), 8 * MiB - PAGE_SIZE);
	assert_int_equal(p->free_bytes, 4 * MiB - PAGE_SIZE);
	assert_int_equal(pmm_alloc(p, PAGE_SIZE + 1, 0, PMM_NO_LIMIT), 8 * MiB - 3 * PAGE_SIZE);
	assert_int_equal(p->free_bytes, 4 * MiB - 3 * PAGE_SIZE);
	/* Zero bytes and absurd sizes fail without touching the list. */
	assert_int_equal(pmm_alloc(p, 0, 0, PMM_NO_LIMIT), 0);
	assert_int_equal(pmm_alloc(p, ~0ull, 0, PMM_NO_LIMIT), 0);
	assert_int_equal(pmm_alloc(p, ~0ull - PAGE_SIZE, 0, PMM_NO_LIMIT), 0);
	assert_int_equal(p->free_bytes, 4 * MiB - 3 * PAGE_SIZE);
	check_invariants(p);
	free(p);
}

static void test_alloc_exact_fit_removes_range(void **state)
{
	struct pmm *p = new_pmm();

	(void)state;
	pmm_add(p, 2 * MiB, 2 * MiB);
	pmm_add(p, 8 * MiB, 2 * MiB);
	assert_int_equal(pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT), 8 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 2 * MiB, 4 * MiB);
	assert_int_equal(pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT), 2 * MiB);
	assert_int_equal(p->nranges, 0);
	assert_int_equal(p->free_bytes, 0);
	assert_int_equal(p->managed_bytes, 4 * MiB);
	free(p);
}

static void test_alloc_alignment(void **state)
{
	struct pmm *p = new_pmm();
	hpa_t a;

	(void)state;
	/* Neither end of the range is 2 MiB aligned. */
	pmm_add(p, 0x1234000, 0x80005000 - 0x1234000);

	a = pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT);
	assert_int_equal(a, 2 * GiB - 2 * MiB);
	/* The 0x5000 above it stays free: the range was split. */
	assert_int_equal(p->nranges, 2);
	assert_range(p, 1, 2 * GiB, 2 * GiB + 0x5000);

	/* 1 GiB alignment: the only 1 GiB boundary with room is 1 GiB. */
	a = pmm_alloc(p, 4 * MiB, 1 * GiB, PMM_NO_LIMIT);
	assert_int_equal(a, 1 * GiB);
	assert_int_equal(pmm_alloc(p, 4 * MiB, 1 * GiB, PMM_NO_LIMIT), 0);

	/* Alignments below a page mean a page. */
	a = pmm_alloc(p, PAGE_SIZE, 0, PMM_NO_LIMIT);
	assert_int_equal(a, 2 * GiB + 0x4000);
	a = pmm_alloc(p, PAGE_SIZE, 1, PMM_NO_LIMIT);
	assert_int_equal(a, 2 * GiB + 0x3000);
	a = pmm_alloc(p, PAGE_SIZE, 512, PMM_NO_LIMIT);
	assert_int_equal(a, 2 * GiB + 0x2000);

	/* Not a power of two: refused rather than misaligned. */
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, 3 * PAGE_SIZE, PMM_NO_LIMIT), 0);
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, 3 * MiB, PMM_NO_LIMIT), 0);

	/* Huge alignments are plain arithmetic, with no wrap-around. */
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, 1ull << 63, PMM_NO_LIMIT), 0);
	check_invariants(p);
	free(p);
}

static void test_alloc_limit(void **state)
{
	struct pmm *p = new_pmm();
	hpa_t a;

	(void)state;
	/* One range crossing 4 GiB. */
	pmm_add(p, 3 * GiB, 2 * GiB);
	a = pmm_alloc(p, 2 * MiB, 2 * MiB, 4 * GiB);
	assert_int_equal(a, 4 * GiB - 2 * MiB);
	/* Without a limit the top of the range is used. */
	assert_int_equal(pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT), 5 * GiB - 2 * MiB);
	/* An unaligned limit: the block still ends at or below it. */
	a = pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, 4 * GiB - 2 * MiB - 1);
	assert_int_equal(a, 4 * GiB - 2 * MiB - 2 * PAGE_SIZE);
	/* A limit below all memory, or one the size does not fit under. */
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, 3 * GiB), 0);
	assert_int_equal(pmm_alloc(p, 2 * PAGE_SIZE, PAGE_SIZE, 3 * GiB + PAGE_SIZE), 0);
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, 3 * GiB + PAGE_SIZE), 3 * GiB);
	assert_int_equal(pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, 0), 0);
	check_invariants(p);
	free(p);
}

static void test_alloc_page_zero_fills(void **state)
{
	const size_t len = 64 * MiB;
	u8 *buf = aligned_alloc(2 * MiB, len);
	struct pmm *p = new_pmm();
	hpa_t base, a, b;
	size_t i;

	(void)state;
	assert_non_null(buf);
	base = ptr_to_hpa(buf);
	assert_true(base >= PMM_LOW_LIMIT);
	memset(buf, 0xaa, len);
	pmm_add(p, base, len);

	a = pmm_alloc_page(p, PMM_NO_LIMIT);
	assert_int_equal(a, base + len - PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(((u8 *)hpa_to_ptr(a))[i], 0);
	/* Only that page was written. */
	assert_int_equal(buf[len - PAGE_SIZE - 1], 0xaa);

	/* Below a limit in the middle of the buffer. */
	b = pmm_alloc_page(p, base + 32 * MiB);
	assert_int_equal(b, base + 32 * MiB - PAGE_SIZE);
	for (i = 0; i < PAGE_SIZE; i++)
		assert_int_equal(((u8 *)hpa_to_ptr(b))[i], 0);
	assert_int_equal(buf[32 * MiB], 0xaa);
	assert_int_equal(buf[32 * MiB - PAGE_SIZE - 1], 0xaa);

	/* Below the buffer there is nothing: 0, and nothing written. */
	assert_int_equal(pmm_alloc_page(p, base), 0);
	assert_int_equal(p->free_bytes, len - 2 * PAGE_SIZE);
	check_invariants(p);
	free(p);
	free(buf);
}

static void test_free_merges(void **state)
{
	struct pmm *p = new_pmm();
	hpa_t a, b, c;

	(void)state;
	pmm_add(p, 16 * MiB, 16 * MiB);
	a = pmm_alloc(p, 4 * MiB, 2 * MiB, PMM_NO_LIMIT);
	b = pmm_alloc(p, 4 * MiB, 2 * MiB, PMM_NO_LIMIT);
	c = pmm_alloc(p, 4 * MiB, 2 * MiB, PMM_NO_LIMIT);
	assert_int_equal(a, 28 * MiB);
	assert_int_equal(b, 24 * MiB);
	assert_int_equal(c, 20 * MiB);
	assert_int_equal(p->nranges, 1);

	/* Freeing the middle one first leaves a hole-separated range... */
	pmm_free(p, b, 4 * MiB);
	assert_int_equal(p->nranges, 2);
	/* ...which the neighbours merge back into one. */
	pmm_free(p, a, 4 * MiB);
	assert_int_equal(p->nranges, 2);
	pmm_free(p, c, 4 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 16 * MiB, 32 * MiB);
	assert_int_equal(p->free_bytes, 16 * MiB);
	assert_int_equal(p->managed_bytes, 16 * MiB);
	free(p);
}

static void test_free_rounds_like_alloc(void **state)
{
	struct pmm *p = new_pmm();
	hpa_t a;

	(void)state;
	pmm_add(p, 16 * MiB, 1 * MiB);
	a = pmm_alloc(p, 100, 0, PMM_NO_LIMIT);
	assert_int_equal(p->nranges, 1);
	/* The size given back is the one asked for, not the page count. */
	pmm_free(p, a, 100);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 16 * MiB, 17 * MiB);
	assert_int_equal(p->free_bytes, 1 * MiB);
	free(p);
}

static void test_double_free_not_counted(void **state)
{
	struct pmm *p = new_pmm();
	hpa_t a;

	(void)state;
	pmm_add(p, 16 * MiB, 16 * MiB);
	a = pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT);
	pmm_free(p, a, 2 * MiB);
	pmm_free(p, a, 2 * MiB);
	assert_int_equal(p->nranges, 1);
	assert_int_equal(p->free_bytes, 16 * MiB);
	assert_int_equal(p->managed_bytes, 16 * MiB);
	check_invariants(p);
	free(p);
}

/*
 * The hypervisor's restart test starts and stops partitions a hundred
 * times; the allocator must come back to exactly the list it started from,
 * or memory would fragment and eventually run out.
 */
static void test_restart_cycles_restore_list(void **state)
{
	static const u64 sizes[] = { 64 * MiB, 128 * MiB, 32 * MiB, 2 * MiB };
	struct pmm *p = new_pmm();
	struct pmm *orig = malloc(sizeof(*orig));
	hpa_t blocks[ARRAY_SIZE(sizes)];
	unsigned cycle, i;

	(void)state;
	assert_non_null(orig);
	/* A fragmented, realistic start: holes, odd ends, memory above 4 GiB. */
	pmm_add(p, 0x100000, 0x700000);
	pmm_add(p, 0x808000, 0x3000);
	pmm_add(p, 0x900000, 0x7b700000);
	pmm_add(p, 0x7c510000, 0x22f0000);
	pmm_add(p, 0x100000000, 0x80000000);
	memcpy(orig, p, sizeof(*p));

	for (cycle = 0; cycle < 100; cycle++) {
		/* A page below 4 GiB, as for a partition's page tables. */
		hpa_t pt = pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, 4 * GiB);

		assert_true(pt && pt < 4 * GiB);
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			blocks[i] = pmm_alloc(p, sizes[i], 2 * MiB, PMM_NO_LIMIT);
			assert_int_not_equal(blocks[i], 0);
			assert_true(IS_ALIGNED(blocks[i], 2 * MiB));
		}
		check_invariants(p);
		pmm_free(p, pt, PAGE_SIZE);
		/* Free in an order that changes every cycle. */
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			unsigned j = (i + cycle) % ARRAY_SIZE(sizes);

			if (cycle & 1)
				j = ARRAY_SIZE(sizes) - 1 - j;
			pmm_free(p, blocks[j], sizes[j]);
		}
		check_invariants(p);
	}
	assert_int_equal(p->nranges, orig->nranges);
	assert_int_equal(p->free_bytes, orig->free_bytes);
	assert_int_equal(p->managed_bytes, orig->managed_bytes);
	assert_int_equal(p->lost_bytes, 0);
	assert_memory_equal(p->free, orig->free, orig->nranges * sizeof(p->free[0]));
	free(orig);
	free(p);
}

/* Fill the table: range i is [base(i) + lo, base(i) + hi), base(i) = 16 MiB * (i + 1). */
static void fill_table(struct pmm *p, u64 lo, u64 hi)
{
	unsigned i;

	for (i = 0; i < PMM_MAX_RANGES; i++)
		pmm_add(p, 16 * MiB * (i + 1) + lo, hi - lo);
	assert_int_equal(p->nranges, PMM_MAX_RANGES);
	assert_int_equal(p->lost_bytes, 0);
}

static void test_table_full_add_is_lost(void **state)
{
	struct pmm *p = new_pmm();
	u64 managed;

	(void)state;
	fill_table(p, 0, 1 * MiB);
	managed = p->managed_bytes;

	/* A range needing its own slot cannot be recorded: counted as lost. */
	pmm_add(p, 16 * MiB * 300, 1 * MiB);
	assert_int_equal(p->nranges, PMM_MAX_RANGES);
	assert_int_equal(p->lost_bytes, 1 * MiB);
	assert_int_equal(p->managed_bytes, managed + 1 * MiB);
	assert_int_equal(p->free_bytes, managed);

	/* One that merges with a neighbour needs no slot: not lost. */
	pmm_add(p, 16 * MiB + 1 * MiB, 1 * MiB);
	assert_int_equal(p->lost_bytes, 1 * MiB);
	assert_int_equal(p->free_bytes, managed + 1 * MiB);
	/* Nor does one that bridges two ranges: it frees a slot. */
	pmm_add(p, 32 * MiB + 1 * MiB, 15 * MiB);
	assert_int_equal(p->nranges, PMM_MAX_RANGES - 1);
	assert_int_equal(p->lost_bytes, 1 * MiB);
	assert_int_equal(p->managed_bytes, p->free_bytes + p->lost_bytes);
	check_invariants(p);
	free(p);
}

static void test_table_full_alloc_never_loses(void **state)
{
	struct pmm *p = new_pmm();
	struct pmm *before = malloc(sizeof(*before));
	hpa_t top = 16 * MiB * PMM_MAX_RANGES;
	hpa_t a;

	(void)state;
	assert_non_null(before);
	/* Every range is [X + 1 MiB, X + 4 MiB) with X 2 MiB aligned. A 1 MiB
	 * block at 2 MiB alignment could only go at X + 2 MiB, which would
	 * split the range: with no slot for the remainder it must fail. */
	fill_table(p, 1 * MiB, 4 * MiB);
	memcpy(before, p, sizeof(*p));
	assert_int_equal(pmm_alloc(p, 1 * MiB, 2 * MiB, PMM_NO_LIMIT), 0);
	assert_memory_equal(p, before, sizeof(*p));

	/* Without the alignment the top of the highest range fits: no split. */
	a = pmm_alloc(p, 1 * MiB, 1 * MiB, PMM_NO_LIMIT);
	assert_int_equal(a, top + 3 * MiB);
	assert_int_equal(p->nranges, PMM_MAX_RANGES);
	pmm_free(p, a, 1 * MiB);
	assert_memory_equal(p, before, sizeof(*p));

	/* With one slot spare the split is allowed again (highest address). */
	pmm_alloc(p, 3 * MiB, 0, 32 * MiB); /* takes range 0 whole */
	assert_int_equal(p->nranges, PMM_MAX_RANGES - 1);
	a = pmm_alloc(p, 1 * MiB, 2 * MiB, PMM_NO_LIMIT);
	assert_int_equal(a, top + 2 * MiB);
	assert_int_equal(p->nranges, PMM_MAX_RANGES);
	assert_int_equal(p->managed_bytes, p->free_bytes + 3 * MiB + 1 * MiB);
	check_invariants(p);
	free(before);
	free(p);
}

static void test_table_full_alloc_takes_low_end(void **state)
{
	struct pmm *p = new_pmm();
	hpa_t top = 16 * MiB * PMM_MAX_RANGES;
	u64 free_before;
	hpa_t a;

	(void)state;
	/* Ranges [X, X + 4 MiB): the highest 2 MiB-aligned 1 MiB block would
	 * split, but the block at X leaves a single remainder and fits. */
	fill_table(p, 0, 4 * MiB);
	free_before = p->free_bytes;
	a = pmm_alloc(p, 1 * MiB, 2 * MiB, PMM_NO_LIMIT);
	assert_int_equal(a, top);
	assert_int_equal(p->nranges, PMM_MAX_RANGES);
	assert_range(p, PMM_MAX_RANGES - 1, top + 1 * MiB, top + 4 * MiB);
	assert_int_equal(p->free_bytes, free_before - 1 * MiB);

	/* Freeing it merges back: nothing lost. */
	pmm_free(p, a, 1 * MiB);
	assert_range(p, PMM_MAX_RANGES - 1, top, top + 4 * MiB);
	assert_int_equal(p->free_bytes, free_before);
	assert_int_equal(p->lost_bytes, 0);
	check_invariants(p);
	free(p);
}

static void test_table_full_free_is_lost(void **state)
{
	struct pmm *p = new_pmm();
	const hpa_t r = 16 * MiB * 300;
	hpa_t b1, b2, b3;
	unsigned i;

	(void)state;
	/* Range R = [r, r + 8 MiB) and 254 others: one slot spare. */
	pmm_add(p, r, 8 * MiB);
	for (i = 0; i < PMM_MAX_RANGES - 2; i++)
		pmm_add(p, 16 * MiB * (i + 1), 1 * MiB);
	/* Three blocks off the top of R: R shrinks to [r, r + 2 MiB). */
	b1 = pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT);
	b2 = pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT);
	b3 = pmm_alloc(p, 2 * MiB, 2 * MiB, PMM_NO_LIMIT);
	assert_int_equal(b1, r + 6 * MiB);
	assert_int_equal(b2, r + 4 * MiB);
	assert_int_equal(b3, r + 2 * MiB);
	pmm_add(p, 16 * MiB * 400, 1 * MiB);
	assert_int_equal(p->nranges, PMM_MAX_RANGES);

	/* b2 touches no free range and there is no slot: lost, and said so. */
	pmm_free(p, b2, 2 * MiB);
	assert_int_equal(p->lost_bytes, 2 * MiB);
	/* b3 merges with what is left of R: no slot needed. */
	pmm_free(p, b3, 2 * MiB);
	assert_int_equal(p->lost_bytes, 2 * MiB);
	/* b1 is cut off from R by the lost b2. */
	pmm_free(p, b1, 2 * MiB);
	assert_int_equal(p->lost_bytes, 4 * MiB);
	assert_int_equal(p->nranges, PMM_MAX_RANGES);
	/* Everything is back or accounted for. */
	assert_int_equal(p->managed_bytes, p->free_bytes + p->lost_bytes);
	check_invariants(p);
	free(p);
}

static void test_largest_free(void **state)
{
	struct pmm *p = new_pmm();
	u64 l;

	(void)state;
	pmm_add(p, 1 * MiB, 2 * MiB + PAGE_SIZE);              /* [1M, 3M + 4K) */
	pmm_add(p, 16 * MiB + PAGE_SIZE, 4 * MiB - PAGE_SIZE); /* [16M + 4K, 20M) */
	assert_int_equal(pmm_largest_free(p, PAGE_SIZE), 4 * MiB - PAGE_SIZE);
	assert_int_equal(pmm_largest_free(p, 0), 4 * MiB - PAGE_SIZE);
	/* 2 MiB aligned: [2M, 3M + 4K) holds 1 MiB + 4 KiB, [18M, 20M) 2 MiB. */
	assert_int_equal(pmm_largest_free(p, 2 * MiB), 2 * MiB);
	assert_int_equal(pmm_largest_free(p, 4 * MiB), 0);
	assert_int_equal(pmm_largest_free(p, 1 * GiB), 0);

	/* What it reports, pmm_alloc can return; a page more it cannot. */
	l = pmm_largest_free(p, 2 * MiB);
	assert_int_equal(pmm_alloc(p, l + PAGE_SIZE, 2 * MiB, PMM_NO_LIMIT), 0);
	assert_int_equal(pmm_alloc(p, l, 2 * MiB, PMM_NO_LIMIT), 18 * MiB);
	assert_int_equal(pmm_largest_free(p, 2 * MiB), 1 * MiB + PAGE_SIZE);

	/* A range at the top of the address space does not wrap. */
	pmm_add(p, ~0ull - 1 * GiB, 1 * GiB);
	assert_int_equal(pmm_largest_free(p, 1ull << 62), 0);
	assert_int_equal(pmm_largest_free(p, PAGE_SIZE), 1 * GiB - PAGE_SIZE);
	free(p);
}

/*
 * Random operations checked against a page bitmap of a 16 MiB arena. With
 * the table never full, pmm_alloc must return exactly the highest aligned
 * fit below the limit, and the free list must equal the bitmap.
 */
#define ARENA_BASE (64 * MiB)
#define ARENA_PAGES 4096u

struct model {
	bool free[ARENA_PAGES];
	unsigned run[ARENA_PAGES + 1]; /* free pages starting at page i */
};

static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static hpa_t model_highest_fit(struct model *m, u64 pages, u64 align, hpa_t limit)
{
	hpa_t a;
	int i;

	m->run[ARENA_PAGES] = 0;
	for (i = ARENA_PAGES - 1; i >= 0; i--)
		m->run[i] = m->free[i] ? m->run[i + 1] + 1 : 0;
	for (i = ARENA_PAGES - 1; i >= 0; i--) {
		a = ARENA_BASE + (hpa_t)i * PAGE_SIZE;
		if (IS_ALIGNED(a, align) && m->run[i] >= pages && a + pages * PAGE_SIZE <= limit)
			return a;
	}
	return 0;
}

static void model_compare(const struct pmm *p, const struct model *m)
{
	unsigned r = 0, i = 0;

	check_invariants(p);
	while (i < ARENA_PAGES) {
		unsigned j = i;

		if (!m->free[i]) {
			i++;
			continue;
		}
		while (j < ARENA_PAGES && m->free[j])
			j++;
		assert_range(p, r, ARENA_BASE + (hpa_t)i * PAGE_SIZE,
			     ARENA_BASE + (hpa_t)j * PAGE_SIZE);
		r++;
		i = j;
	}
	assert_int_equal(p->nranges, r);
}

static void test_random_against_model(void **state)
{
	struct pmm *p = new_pmm();
	struct model *m = calloc(1, sizeof(*m));
	struct {
		hpa_t base;
		u64 size;
	} live[64];
	unsigned nlive = 0, op, i;

	(void)state;
	assert_non_null(m);
	/* Start with a few holes so ranges are many. */
	for (i = 0; i < ARENA_PAGES; i++)
		m->free[i] = (i % 512) < 400;
	for (i = 0; i < ARENA_PAGES / 512; i++)
		pmm_add(p, ARENA_BASE + i * 512 * PAGE_SIZE, 400 * PAGE_SIZE);
	model_compare(p, m);

	for (op = 0; op < 3000; op++) {
		if (nlive < ARRAY_SIZE(live) && (rng() % 3 != 0 || nlive == 0)) {
			u64 pages = 1 + rng() % 64;
			u64 align = PAGE_SIZE << (rng() % 8);
			hpa_t limit = rng() % 2 ? PMM_NO_LIMIT :
						  ARENA_BASE + (rng() % ARENA_PAGES) * PAGE_SIZE;
			hpa_t want = model_highest_fit(m, pages, align, limit);
			hpa_t a = pmm_alloc(p, pages * PAGE_SIZE - rng() % PAGE_SIZE, align, limit);

			assert_int_equal(a, want);
			if (!a)
				continue;
			for (i = 0; i < pages; i++)
				m->free[(a - ARENA_BASE) / PAGE_SIZE + i] = false;
			live[nlive].base = a;
			live[nlive].size = pages * PAGE_SIZE;
			nlive++;
		} else {
			unsigned k = rng() % nlive;

			pmm_free(p, live[k].base, live[k].size);
			for (i = 0; i < live[k].size / PAGE_SIZE; i++)
				m->free[(live[k].base - ARENA_BASE) / PAGE_SIZE + i] = true;
			live[k] = live[--nlive];
		}
		model_compare(p, m);
	}
	assert_int_equal(p->lost_bytes, 0);
	free(m);
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_add_trims_to_pages),
		cmocka_unit_test(test_add_below_1mib_refused),
		cmocka_unit_test(test_add_top_of_address_space),
		cmocka_unit_test(test_add_sorted),
		cmocka_unit_test(test_merge_adjacent),
		cmocka_unit_test(test_merge_overlapping),
		cmocka_unit_test(test_alloc_highest_first),
		cmocka_unit_test(test_alloc_rounds_size),
		cmocka_unit_test(test_alloc_exact_fit_removes_range),
		cmocka_unit_test(test_alloc_alignment),
		cmocka_unit_test(test_alloc_limit),
		cmocka_unit_test(test_alloc_page_zero_fills),
		cmocka_unit_test(test_free_merges),
		cmocka_unit_test(test_free_rounds_like_alloc),
		cmocka_unit_test(test_double_free_not_counted),
		cmocka_unit_test(test_restart_cycles_restore_list),
		cmocka_unit_test(test_table_full_add_is_lost),
		cmocka_unit_test(test_table_full_alloc_never_loses),
		cmocka_unit_test(test_table_full_alloc_takes_low_end),
		cmocka_unit_test(test_table_full_free_is_lost),
		cmocka_unit_test(test_largest_free),
		cmocka_unit_test(test_random_against_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
