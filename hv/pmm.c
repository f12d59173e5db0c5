/*
 * Physical memory manager: the range allocator declared in
 * <tessera/pmm.h>.
 *
 * The free list is a fixed array (the core has no heap to grow it from)
 * kept sorted by base, with ranges disjoint and never adjacent: adjacent
 * ranges are always merged, so freeing every allocation restores the exact
 * list the allocator started with.
 *
 * Accounting: managed_bytes == free_bytes + bytes allocated + lost_bytes,
 * as long as callers free only what they allocated and add only memory they
 * never got from here (overlaps with free memory are detected and counted
 * once; overlaps with allocated memory cannot be). Memory is "lost" when it
 * is added or freed while the table has no slot for a new range; it stays
 * out of the allocator for good, and counting it keeps the loss visible in
 * the boot log instead of silent.
 */
#include <tessera/pmm.h>
#include <tessera/string.h>

/* Highest page-aligned exclusive end: ranges end strictly below 2^64. */
#define PMM_TOP_END (~0ull & ~(PAGE_SIZE - 1))

void pmm_init(struct pmm *p)
{
	memset(p, 0, sizeof(*p));
}

/*
 * Trim [base, base + size) inward to whole pages at or above
 * PMM_LOW_LIMIT. A size that runs past the top of the address space is
 * clipped there rather than wrapping. Returns false if nothing is left.
 */
static bool pmm_trim(hpa_t base, u64 size, hpa_t *start, hpa_t *end)
{
	hpa_t s, e;

	if (base >= PMM_TOP_END)
		return false;
	if (size > PMM_TOP_END - base)
		e = PMM_TOP_END;
	else
		e = ALIGN_DOWN(base + size, PAGE_SIZE);
	s = ALIGN_UP(base, PAGE_SIZE);
	s = MAX(s, PMM_LOW_LIMIT);
	if (s >= e)
		return false;
	*start = s;
	*end = e;
	return true;
}

/* Remove slots [i, i + n) and close the gap. */
static void pmm_remove_slots(struct pmm *p, unsigned i, unsigned n)
{
	memmove(&p->free[i], &p->free[i + n], (p->nranges - i - n) * sizeof(p->free[0]));
	p->nranges -= n;
}

/* Open a gap of one slot at i; the caller checked there is room. */
static void pmm_open_slot(struct pmm *p, unsigned i)
{
	memmove(&p->free[i + 1], &p->free[i], (p->nranges - i) * sizeof(p->free[0]));
	p->nranges++;
}

/*
 * Put the page-aligned range [s, e) into the free list, merging it with
 * every free range it overlaps or touches. Returns the bytes that were not
 * free before (overlaps are not counted twice), or sets *lost when the
 * range needed a slot of its own and the table is full.
 */
static u64 pmm_insert(struct pmm *p, hpa_t s, hpa_t e, bool *lost)
{
	unsigned i = 0, k, merged;
	u64 overlap = 0;

	*lost = false;
	/* First range that ends at or after s: the first that can touch us. */
	while (i < p->nranges && p->free[i].end < s)
		i++;
	/* Ranges i..k-1 start at or before e, so they overlap or touch. */
	for (k = i; k < p->nranges && p->free[k].base <= e; k++) {
		hpa_t lo = MAX(s, p->free[k].base);
		hpa_t hi = MIN(e, p->free[k].end);

		if (hi > lo)
			overlap += hi - lo;
	}
	merged = k - i;

	if (merged == 0) {
		if (p->nranges == PMM_MAX_RANGES) {
			*lost = true;
			return 0;
		}
		pmm_open_slot(p, i);
		p->free[i].base = s;
		p->free[i].end = e;
		return e - s;
	}

	/* Widen range i to cover all of them, then drop the others. */
	p->free[i].base = MIN(s, p->free[i].base);
	p->free[i].end = MAX(e, p->free[k - 1].end);
	pmm_remove_slots(p, i + 1, merged - 1);
	return (e - s) - overlap;
}

void pmm_add(struct pmm *p, hpa_t base, u64 size)
{
	hpa_t s, e;
	bool lost;
	u64 added;

	if (!pmm_trim(base, size, &s, &e))
		return;
	added = pmm_insert(p, s, e, &lost);
	if (lost) {
		p->managed_bytes += e - s;
		p->lost_bytes += e - s;
		return;
	}
	p->managed_bytes += added;
	p->free_bytes += added;
}

void pmm_free(struct pmm *p, hpa_t base, u64 size)
{
	hpa_t s, e;
	bool lost;
	u64 added;

	/* pmm_alloc rounded the size up to pages; round the same way. */
	if (size > PMM_TOP_END)
		size = PMM_TOP_END;
	size = ALIGN_UP(size, PAGE_SIZE);
	if (!pmm_trim(base, size, &s, &e))
		return;
	added = pmm_insert(p, s, e, &lost);
	if (lost) {
		p->lost_bytes += e - s;
		return;
	}
	/* A double free finds its bytes already free and adds nothing. */
	p->free_bytes += added;
}

/* Alignment as pmm_alloc takes it; 0 if not a power of two. */
static u64 pmm_norm_align(u64 align)
{
	if (align < PAGE_SIZE)
		return PAGE_SIZE;
	if (align & (align - 1))
		return 0;
	return align;
}

/*
 * Where a block of size bytes goes inside free range r, or 0 if it does
 * not fit. The highest fitting address is preferred. Carving a block out of
 * the middle splits the range and needs one more slot; with the table full
 * the lowest aligned address is tried instead, which leaves at most one
 * remainder, and failing that the range is skipped: failing an allocation
 * is better than dropping a remainder from the list.
 */
static hpa_t pmm_place(const struct pmm *p, unsigned r, u64 size, u64 align, hpa_t limit)
{
	hpa_t b = p->free[r].base, e = p->free[r].end;
	hpa_t top = MIN(e, limit);
	hpa_t a;

	if (top < b || top - b < size)
		return 0;
	a = ALIGN_DOWN(top - size, align);
	if (a < b)
		return 0;
	if (a == b || a + size == e || p->nranges < PMM_MAX_RANGES)
		return a;
	/* [b, b + size) fits: top - b >= size was checked above. */
	return IS_ALIGNED(b, align) ? b : 0;
}

/* Take [a, a + size) out of free range r; pmm_place() made sure it fits. */
static void pmm_carve(struct pmm *p, unsigned r, hpa_t a, u64 size)
{
	struct pmm_range *f = &p->free[r];
	hpa_t end = f->end;

	if (a == f->base && a + size == end) {
		pmm_remove_slots(p, r, 1);
	} else if (a == f->base) {
		f->base = a + size;
	} else if (a + size == end) {
		f->end = a;
	} else {
		pmm_open_slot(p, r + 1);
		p->free[r].end = a;
		p->free[r + 1].base = a + size;
		p->free[r + 1].end = end;
	}
	p->free_bytes -= size;
}

hpa_t pmm_alloc(struct pmm *p, u64 size, u64 align, hpa_t limit)
{
	unsigned r;

	align = pmm_norm_align(align);
	if (size == 0 || size > PMM_TOP_END || align == 0)
		return 0;
	size = ALIGN_UP(size, PAGE_SIZE);

	/* Highest range first: low memory is scarce and goes last. */
	for (r = p->nranges; r-- > 0;) {
		hpa_t a;

		if (p->free[r].base >= limit)
			continue;
		a = pmm_place(p, r, size, align, limit);
		if (a) {
			pmm_carve(p, r, a, size);
			return a;
		}
	}
	return 0;
}

hpa_t pmm_alloc_page(struct pmm *p, hpa_t limit)
{
	hpa_t a = pmm_alloc(p, PAGE_SIZE, PAGE_SIZE, limit);

	if (a)
		memset(hpa_to_ptr(a), 0, PAGE_SIZE);
	return a;
}

u64 pmm_largest_free(const struct pmm *p, u64 align)
{
	u64 best = 0;
	unsigned r;

	align = pmm_norm_align(align);
	if (align == 0)
		return 0;
	/* A block starting at a range's first aligned address leaves no upper
	 * remainder, so it never needs the extra slot of a split. */
	for (r = 0; r < p->nranges; r++) {
		hpa_t b = p->free[r].base, e = p->free[r].end;
		hpa_t a = ALIGN_UP(b, align);

		if (a < b || a >= e)
			continue; /* wrapped past 2^64, or no aligned address inside */
		best = MAX(best, e - a);
	}
	return best;
}
