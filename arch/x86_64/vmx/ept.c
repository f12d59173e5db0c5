/*
 * Extended page tables (SDM Vol. 3C 29.3 "The Extended Page Table
 * Mechanism"): building, querying and tearing down one partition's
 * guest-physical -> host-physical map. See <arch/ept.h> for the contract.
 *
 * Levels: 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT. An entry at level L covers
 * 4 KiB << (9 * L) and is selected by gpa bits 12 + 9L + 8 : 12 + 9L
 * (SDM 29.3.2). Leaves are PTEs (4 KiB) and PDEs with bit 7 set (2 MiB);
 * 1 GiB PDPTE leaves are never created, though lookups understand them.
 *
 * Non-leaf entries get all of read, write and execute: the permissions of
 * a translation are the AND over every level, so only the leaf's count.
 *
 * Invariant: no table but the PML4 is ever left empty. ept_map() creates
 * tables only to fill them; clearing (unmap, and the rollback of a failed
 * map) frees every table it leaves empty.
 */
#include <tessera/types.h>
#include <arch/ept.h>

#define EPT_LEVELS 4
#define EPT_ENTRIES 512
#define EPT_GPA_LIMIT (1ull << 48) /* 4-level EPT: 48-bit guest-physical */
#define EPT_HPA_LIMIT (1ull << 52) /* address bits 51:12 of an entry */
#define EPT_LEAF_FLAGS 0xfffull    /* flags ept_translate() reports */

/* Bytes covered by one entry at a level: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
static u64 ept_level_size(int level)
{
	return PAGE_SIZE << (9 * level);
}

/* The first gpa past the level-`level` entry that translates gpa. */
static gpa_t ept_next_block(gpa_t gpa, int level)
{
	return ALIGN_DOWN(gpa, ept_level_size(level)) + ept_level_size(level);
}

/* Which of the 512 entries of a level-`level` table translates gpa. */
static unsigned ept_index(gpa_t gpa, int level)
{
	return (unsigned)(gpa >> (PAGE_SHIFT + 9 * level)) & (EPT_ENTRIES - 1);
}

/* The entry translating gpa in a level-`level` table (reached 1:1). */
static u64 *ept_entry(hpa_t table, gpa_t gpa, int level)
{
	u64 *t = hpa_to_ptr(table);

	return &t[ept_index(gpa, level)];
}

/* SDM 29.3.2: an entry with bits 2:0 all 0 is not present. */
static bool ept_present(u64 entry)
{
	return (entry & EPT_RWX) != 0;
}

/* A present entry maps memory in a PT, or in a PD/PDPT with bit 7 set. */
static bool ept_is_leaf(u64 entry, int level)
{
	return level == 0 || (entry & EPT_LARGE);
}

static hpa_t ept_next_table(u64 entry)
{
	return entry & EPT_ADDR_MASK;
}

static bool ept_table_empty(hpa_t table)
{
	const u64 *t = hpa_to_ptr(table);
	unsigned i;

	for (i = 0; i < EPT_ENTRIES; i++)
		if (ept_present(t[i]))
			return false;
	return true;
}

/* A zeroed table page (all entries not present), or 0. */
static hpa_t ept_alloc_table(struct ept *e)
{
	hpa_t page = e->a.alloc_page(e->a.ctx);

	if (page)
		e->table_pages++;
	return page;
}

static void ept_free_table(struct ept *e, hpa_t page)
{
	e->a.free_page(e->a.ctx, page);
	e->table_pages--;
}

/* Walk towards gpa, stopping at the first entry that is a leaf or not
 * present (then nothing in its ept_level_size(*level) block is mapped). */
static u64 *ept_lookup(const struct ept *e, gpa_t gpa, int *level)
{
	hpa_t table = e->pml4;
	int l;

	for (l = EPT_LEVELS - 1;; l--) {
		u64 *entry = ept_entry(table, gpa, l);

		if (!ept_present(*entry) || ept_is_leaf(*entry, l)) {
			*level = l;
			return entry;
		}
		table = ept_next_table(*entry);
	}
}

/* The entry for gpa at leaf_level, creating the tables above it as needed.
 * NULL when out of memory (tables created so far stay, and are empty). */
static u64 *ept_walk_create(struct ept *e, gpa_t gpa, int leaf_level)
{
	hpa_t table = e->pml4;
	int l;

	for (l = EPT_LEVELS - 1; l > leaf_level; l--) {
		u64 *entry = ept_entry(table, gpa, l);

		if (!ept_present(*entry)) {
			hpa_t next = ept_alloc_table(e);

			if (!next)
				return NULL;
			*entry = next | EPT_RWX;
		}
		table = ept_next_table(*entry);
	}
	return ept_entry(table, gpa, leaf_level);
}

/* True if no page of [gpa, end) is mapped. Skips whole absent subtrees. */
static bool ept_range_empty(const struct ept *e, gpa_t gpa, gpa_t end)
{
	while (gpa < end) {
		int level;
		u64 *entry = ept_lookup(e, gpa, &level);

		if (ept_present(*entry))
			return false;
		gpa = ept_next_block(gpa, level);
	}
	return true;
}

/* Clear every leaf in [gpa, end) under a level-`level` table, freeing the
 * tables left empty. Callers split 2 MiB leaves straddling an end first, so
 * every leaf met lies wholly inside the range and this cannot fail. */
static void ept_clear_range(struct ept *e, hpa_t table, int level, gpa_t gpa, gpa_t end)
{
	while (gpa < end) {
		u64 *entry = ept_entry(table, gpa, level);
		gpa_t next = ept_next_block(gpa, level);

		if (ept_present(*entry) && ept_is_leaf(*entry, level)) {
			*entry = 0;
		} else if (ept_present(*entry)) {
			hpa_t child = ept_next_table(*entry);

			ept_clear_range(e, child, level - 1, gpa, MIN(next, end));
			if (ept_table_empty(child)) {
				*entry = 0;
				ept_free_table(e, child);
			}
		}
		gpa = next;
	}
}

/* ept_map() takes bits 6:0 (permissions, memory type, ignore PAT) but not:
 * no permission (a not-present entry), or write without read and memory
 * types 2, 3, 7, which are EPT misconfigurations (SDM 29.3.3.1). Execute-
 * only needs IA32_VMX_EPT_VPID_CAP bit 0: the caller's check. */
static bool ept_flags_valid(u64 flags)
{
	u64 type = (flags >> EPT_MT_SHIFT) & 7;

	if ((flags & ~0x7full) || !(flags & EPT_RWX))
		return false;
	if ((flags & EPT_WRITE) && !(flags & EPT_READ))
		return false;
	return type != 2 && type != 3 && type != 7;
}

/* [gpa, gpa + size) is 4 KiB aligned and inside the 48-bit space. */
static bool ept_gpa_range_valid(gpa_t gpa, u64 size)
{
	return IS_ALIGNED(gpa, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) &&
	       gpa < EPT_GPA_LIMIT && size <= EPT_GPA_LIMIT - gpa;
}

bool ept_init(struct ept *e, const struct ept_allocator *a)
{
	e->a = *a;
	e->table_pages = 0;
	e->pml4 = ept_alloc_table(e);
	return e->pml4 != 0;
}

/* All or nothing: the range is checked to be empty before anything is
 * written. If a table allocation fails part way, the whole range is cleared
 * again; as it held nothing before, that removes exactly what this call
 * mapped and frees the tables it created (even empty ones from the failed
 * walk), restoring the structure as it was. */
bool ept_map(struct ept *e, gpa_t gpa, hpa_t hpa, u64 size, u64 flags)
{
	gpa_t start = gpa, end = gpa + size;

	if (!e->pml4 || !ept_gpa_range_valid(gpa, size) || !IS_ALIGNED(hpa, PAGE_SIZE) ||
	    hpa >= EPT_HPA_LIMIT || size > EPT_HPA_LIMIT - hpa || !ept_flags_valid(flags))
		return false;
	if (!ept_range_empty(e, gpa, end))
		return false;

	while (gpa < end) {
		/* 2 MiB leaf (PDE, bit 7) when both sides are 2 MiB aligned and
		 * 2 MiB remain; bits 20:12 of its address must be 0 (SDM 29.3.2). */
		bool large = IS_ALIGNED(gpa, LARGE_PAGE_SIZE) && IS_ALIGNED(hpa, LARGE_PAGE_SIZE) &&
			     end - gpa >= LARGE_PAGE_SIZE;
		int level = large ? 1 : 0;
		u64 *entry = ept_walk_create(e, gpa, level);

		if (!entry) {
			ept_clear_range(e, e->pml4, EPT_LEVELS - 1, start, end);
			return false;
		}
		/* The range was empty and no empty table exists, so this entry
		 * is not present (a PD entry cannot hold a table here). */
		*entry = hpa | flags | (large ? EPT_LARGE : 0);
		gpa += ept_level_size(level);
		hpa += ept_level_size(level);
	}
	return true;
}

/* Replace the 2 MiB leaf *entry by a table of 512 4 KiB leaves with the
 * same flags and translations. False when out of memory (nothing changed). */
static bool ept_split(struct ept *e, u64 *entry)
{
	hpa_t base = *entry & EPT_ADDR_MASK & ~(LARGE_PAGE_SIZE - 1);
	u64 flags = *entry & EPT_LEAF_FLAGS & ~EPT_LARGE;
	hpa_t pt = ept_alloc_table(e);
	u64 *t;
	unsigned i;

	if (!pt)
		return false;
	t = hpa_to_ptr(pt);
	for (i = 0; i < EPT_ENTRIES; i++)
		t[i] = (base + i * PAGE_SIZE) | flags;
	*entry = pt | EPT_RWX;
	return true;
}

/* The large leaf mapping gpa, or NULL if gpa is unmapped or in a 4 KiB leaf. */
static u64 *ept_large_leaf(const struct ept *e, gpa_t gpa)
{
	int level;
	u64 *entry = ept_lookup(e, gpa, &level);

	return (ept_present(*entry) && level > 0) ? entry : NULL;
}

/* Two steps, so that it fully succeeds or changes nothing: split the (at
 * most two) 2 MiB leaves straddling an end of the range, which needs memory
 * but changes no translation, then clear, which needs none. If the second
 * split fails, the first is undone: old leaf back, its new table freed. */
bool ept_unmap(struct ept *e, gpa_t gpa, u64 size)
{
	gpa_t end = gpa + size;
	u64 *first = NULL, *last = NULL;
	u64 first_old = 0;

	if (!e->pml4 || !ept_gpa_range_valid(gpa, size))
		return false;
	if (size == 0)
		return true;

	if (!IS_ALIGNED(gpa, LARGE_PAGE_SIZE))
		first = ept_large_leaf(e, gpa);
	if (first) {
		first_old = *first;
		if (!ept_split(e, first))
			return false;
	}
	/* Looked up after the first split: if the range ends in the same
	 * 2 MiB block, that block is already made of 4 KiB leaves. */
	if (!IS_ALIGNED(end, LARGE_PAGE_SIZE))
		last = ept_large_leaf(e, end - 1);
	if (last && !ept_split(e, last)) {
		if (first) {
			hpa_t pt = ept_next_table(*first);

			*first = first_old;
			ept_free_table(e, pt);
		}
		return false;
	}
	ept_clear_range(e, e->pml4, EPT_LEVELS - 1, gpa, end);
	return true;
}

bool ept_translate(const struct ept *e, gpa_t gpa, hpa_t *hpa, u64 *flags, u64 *leaf_size)
{
	int level;
	u64 *entry, span;

	if (!e->pml4 || gpa >= EPT_GPA_LIMIT)
		return false;
	entry = ept_lookup(e, gpa, &level);
	if (!ept_present(*entry))
		return false;
	span = ept_level_size(level);
	*hpa = (*entry & EPT_ADDR_MASK & ~(span - 1)) + (gpa & (span - 1));
	*flags = *entry & EPT_LEAF_FLAGS;
	*leaf_size = span;
	return true;
}

/* The run ept_for_each() is growing (size 0: none yet) and whom to tell. */
struct ept_run {
	gpa_t gpa;
	hpa_t hpa;
	u64 size, flags, leaf_size;
	ept_visit_fn fn;
	void *ctx;
};

static void ept_run_add(struct ept_run *r, gpa_t gpa, hpa_t hpa, u64 flags, u64 leaf_size)
{
	if (r->size && r->gpa + r->size == gpa && r->hpa + r->size == hpa && r->flags == flags &&
	    r->leaf_size == leaf_size) {
		r->size += leaf_size;
		return;
	}
	if (r->size)
		r->fn(r->ctx, r->gpa, r->hpa, r->size, r->flags, r->leaf_size);
	*r = (struct ept_run){ gpa, hpa, leaf_size, flags, leaf_size, r->fn, r->ctx };
}

/* Visit the leaves under a level-`level` table whose first entry maps base. */
static void ept_walk_leaves(struct ept_run *r, hpa_t table, int level, gpa_t base)
{
	const u64 *t = hpa_to_ptr(table);
	u64 span = ept_level_size(level);
	unsigned i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		gpa_t gpa = base + i * span;

		if (ept_present(t[i]) && ept_is_leaf(t[i], level))
			ept_run_add(r, gpa, t[i] & EPT_ADDR_MASK & ~(span - 1),
				    t[i] & EPT_LEAF_FLAGS, span);
		else if (ept_present(t[i]))
			ept_walk_leaves(r, ept_next_table(t[i]), level - 1, gpa);
	}
}

void ept_for_each(const struct ept *e, ept_visit_fn fn, void *ctx)
{
	struct ept_run r = { .fn = fn, .ctx = ctx };

	if (!e->pml4)
		return;
	ept_walk_leaves(&r, e->pml4, EPT_LEVELS - 1, 0);
	if (r.size)
		fn(ctx, r.gpa, r.hpa, r.size, r.flags, r.leaf_size);
}

static void ept_free_tables(struct ept *e, hpa_t table, int level)
{
	const u64 *t = hpa_to_ptr(table);
	unsigned i;

	for (i = 0; level > 0 && i < EPT_ENTRIES; i++)
		if (ept_present(t[i]) && !ept_is_leaf(t[i], level))
			ept_free_tables(e, ept_next_table(t[i]), level - 1);
	ept_free_table(e, table);
}

void ept_destroy(struct ept *e)
{
	if (e->pml4)
		ept_free_tables(e, e->pml4, EPT_LEVELS - 1);
	e->pml4 = 0;
}

/* SDM 25.6.11: bits 2:0 memory type of the paging structures (6 = WB),
 * bits 5:3 page-walk length minus 1, bit 6 accessed/dirty flags (off),
 * bits 51:12 the PML4 address. */
u64 ept_pointer(const struct ept *e)
{
	return (e->pml4 & EPT_ADDR_MASK) | 6 | ((EPT_LEVELS - 1) << 3);
}
