/*
 * Physical memory manager: a range allocator.
 *
 * Free host-physical memory is kept as a sorted list of disjoint
 * [base, end) ranges, page aligned. Allocation can ask for any size, any
 * power-of-two alignment and an upper limit (e.g. "below 4 GiB" for page
 * tables an AP must reach from 32-bit mode), which is what partitions need:
 * one contiguous, 2 MiB aligned block each. Freeing merges neighbours, so a
 * partition restarted a hundred times leaves the list as it found it.
 *
 * Policy: the highest fitting address below the limit is taken, so low
 * memory (scarce, sometimes required) is used last.
 *
 * The first megabyte is never managed: it holds legacy firmware areas and
 * the AP start-up trampoline. So 0 is never a valid allocation and is the
 * failure value.
 *
 * Not thread safe: callers serialise (the hypervisor allocates on the BSP
 * at boot and on the console CPU afterwards).
 */
#ifndef TESSERA_PMM_H
#define TESSERA_PMM_H

#include <tessera/types.h>

#define PMM_MAX_RANGES 256
#define PMM_LOW_LIMIT (1ull * MiB) /* nothing below this is managed */
#define PMM_NO_LIMIT (~0ull)

struct pmm_range {
	hpa_t base;
	hpa_t end; /* exclusive */
};

struct pmm {
	unsigned nranges;
	struct pmm_range free[PMM_MAX_RANGES]; /* sorted by base, disjoint, never adjacent */
	u64 managed_bytes; /* everything ever added (after trimming) */
	u64 free_bytes;
	u64 lost_bytes; /* added or freed while the table was full */
};

void pmm_init(struct pmm *p);

/* Give [base, base+size) to the allocator. Trimmed inward to page
 * boundaries and to >= PMM_LOW_LIMIT; overlaps with free ranges are merged
 * (adding the same memory twice does not count it twice). */
void pmm_add(struct pmm *p, hpa_t base, u64 size);

/* Take size bytes (rounded up to pages) aligned to align (a power of two,
 * at least PAGE_SIZE; smaller values mean PAGE_SIZE), wholly below limit.
 * Returns the base, or 0 when nothing fits. */
hpa_t pmm_alloc(struct pmm *p, u64 size, u64 align, hpa_t limit);

/* One zero-filled 4 KiB page below limit, or 0. Uses hpa_to_ptr(). */
hpa_t pmm_alloc_page(struct pmm *p, hpa_t limit);

/* Return memory obtained from pmm_alloc (the same base and size). */
void pmm_free(struct pmm *p, hpa_t base, u64 size);

/* Largest block that pmm_alloc(size, align, PMM_NO_LIMIT) could return. */
u64 pmm_largest_free(const struct pmm *p, u64 align);

#endif
