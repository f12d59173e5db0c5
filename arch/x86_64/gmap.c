/*
 * A partition's guest-physical map, EPT or NPT (SDM Vol. 3C 29.3, APM
 * Vol. 2 15.25): building, querying and tearing down the guest-physical ->
 * host-physical tables. See <arch/gmap.h> for the contract; the entry
 * formats are at the end of this file.
 *
 * Levels: 3 = PML4, 2 = PDPT, 1 = PD, 0 = PT. An entry at level L covers
 * 4 KiB << (9 * L) and is selected by gpa bits 12 + 9L + 8 : 12 + 9L
 * (SDM 29.3.2, APM Vol. 2 5.3). Leaves are PTEs (4 KiB) and PDEs with bit 7 set (2 MiB);
 * 1 GiB PDPTE leaves are never created, though lookups understand them.
 *
 * Invariant: no table but the PML4 is ever left empty. gmap_map() creates
 * tables only to fill them; clearing (unmap, and the rollback of a failed
 * map) frees every table it leaves empty.
 */
#include <tessera/types.h>
#include <arch/gmap.h>

#define GMAP_LEVELS 4
#define GMAP_ENTRIES 512
#define GMAP_GPA_LIMIT (1ull << 48) /* 4 levels: 48-bit guest-physical */
#define GMAP_HPA_LIMIT (1ull << 52) /* address bits 51:12 of an entry */

/* Bytes covered by one entry at a level: 4 KiB, 2 MiB, 1 GiB, 512 GiB. */
static u64 gmap_level_size(int level)
{
	return PAGE_SIZE << (9 * level);
}

/* The first gpa past the level-`level` entry that translates gpa. */
static gpa_t gmap_next_block(gpa_t gpa, int level)
{
	return ALIGN_DOWN(gpa, gmap_level_size(level)) + gmap_level_size(level);
}

/* Which of the 512 entries of a level-`level` table translates gpa. */
static unsigned gmap_index(gpa_t gpa, int level)
{
	return (unsigned)(gpa >> (PAGE_SHIFT + 9 * level)) & (GMAP_ENTRIES - 1);
}

/* The entry translating gpa in a level-`level` table (reached 1:1). */
static u64 *gmap_entry(hpa_t table, gpa_t gpa, int level)
{
	u64 *t = hpa_to_ptr(table);

	return &t[gmap_index(gpa, level)];
}

/* EPT (SDM 29.3.2): an entry with bits 2:0 all 0 is not present; NPT
 * (APM Vol. 2 5.3.3): bit 0, P. */
static bool gmap_present(const struct gmap *e, u64 entry)
{
	return (entry & e->fmt->present) != 0;
}

/* A present entry maps memory in a PT, or in a PD/PDPT with bit 7 set. */
static bool gmap_is_leaf(const struct gmap *e, u64 entry, int level)
{
	return level == 0 || (entry & e->fmt->large);
}

static hpa_t gmap_next_table(u64 entry)
{
	return entry & GMAP_ADDR_MASK;
}

static bool gmap_table_empty(const struct gmap *e, hpa_t table)
{
	const u64 *t = hpa_to_ptr(table);
	unsigned i;

	for (i = 0; i < GMAP_ENTRIES; i++)
		if (gmap_present(e, t[i]))
			return false;
	return true;
}

/* A zeroed table page (all entries not present), or 0. */
static hpa_t gmap_alloc_table(struct gmap *e)
{
	hpa_t page = e->a.alloc_page(e->a.ctx);

	if (page)
		e->table_pages++;
	return page;
}

static void gmap_free_table(struct gmap *e, hpa_t page)
{
	e->a.free_page(e->a.ctx, page);
	e->table_pages--;
}

/* Walk towards gpa, stopping at the first entry that is a leaf or not
 * present (then nothing in its gmap_level_size(*level) block is mapped). */
static u64 *gmap_lookup(const struct gmap *e, gpa_t gpa, int *level)
{
	hpa_t table = e->pml4;
	int l;

	for (l = GMAP_LEVELS - 1;; l--) {
		u64 *entry = gmap_entry(table, gpa, l);

		if (!gmap_present(e, *entry) || gmap_is_leaf(e, *entry, l)) {
			*level = l;
			return entry;
		}
		table = gmap_next_table(*entry);
	}
}

/* The entry for gpa at leaf_level, creating the tables above it as needed.
 * NULL when out of memory (tables created so far stay, and are empty). */
static u64 *gmap_walk_create(struct gmap *e, gpa_t gpa, int leaf_level)
{
	hpa_t table = e->pml4;
	int l;

	for (l = GMAP_LEVELS - 1; l > leaf_level; l--) {
		u64 *entry = gmap_entry(table, gpa, l);

		if (!gmap_present(e, *entry)) {
			hpa_t next = gmap_alloc_table(e);

			if (!next)
				return NULL;
			*entry = next | e->fmt->table;
		}
		table = gmap_next_table(*entry);
	}
	return gmap_entry(table, gpa, leaf_level);
}

/* True if no page of [gpa, end) is mapped. Skips whole absent subtrees. */
static bool gmap_range_empty(const struct gmap *e, gpa_t gpa, gpa_t end)
{
	while (gpa < end) {
		int level;
		u64 *entry = gmap_lookup(e, gpa, &level);

		if (gmap_present(e, *entry))
			return false;
		gpa = gmap_next_block(gpa, level);
	}
	return true;
}

/* Clear every leaf in [gpa, end) under a level-`level` table, freeing the
 * tables left empty. Callers split 2 MiB leaves straddling an end first, so
 * every leaf met lies wholly inside the range and this cannot fail. */
static void gmap_clear_range(struct gmap *e, hpa_t table, int level, gpa_t gpa, gpa_t end)
{
	while (gpa < end) {
		u64 *entry = gmap_entry(table, gpa, level);
		gpa_t next = gmap_next_block(gpa, level);

		if (gmap_present(e, *entry) && gmap_is_leaf(e, *entry, level)) {
			*entry = 0;
		} else if (gmap_present(e, *entry)) {
			hpa_t child = gmap_next_table(*entry);

			gmap_clear_range(e, child, level - 1, gpa, MIN(next, end));
			if (gmap_table_empty(e, child)) {
				*entry = 0;
				gmap_free_table(e, child);
			}
		}
		gpa = next;
	}
}

/* [gpa, gpa + size) is 4 KiB aligned and inside the 48-bit space. */
static bool gmap_gpa_range_valid(gpa_t gpa, u64 size)
{
	return IS_ALIGNED(gpa, PAGE_SIZE) && IS_ALIGNED(size, PAGE_SIZE) &&
	       gpa < GMAP_GPA_LIMIT && size <= GMAP_GPA_LIMIT - gpa;
}

bool gmap_init(struct gmap *e, const struct gmap_format *fmt, const struct gmap_allocator *a)
{
	e->fmt = fmt;
	e->a = *a;
	e->table_pages = 0;
	e->pml4 = gmap_alloc_table(e);
	return e->pml4 != 0;
}

/* All or nothing: the range is checked to be empty before anything is
 * written. If a table allocation fails part way, the whole range is cleared
 * again; as it held nothing before, that removes exactly what this call
 * mapped and frees the tables it created (even empty ones from the failed
 * walk), restoring the structure as it was. */
bool gmap_map(struct gmap *e, gpa_t gpa, hpa_t hpa, u64 size, u64 flags)
{
	gpa_t start = gpa, end = gpa + size;

	if (!e->pml4 || !gmap_gpa_range_valid(gpa, size) || !IS_ALIGNED(hpa, PAGE_SIZE) ||
	    hpa >= GMAP_HPA_LIMIT || size > GMAP_HPA_LIMIT - hpa || (flags & ~GMAP_FLAGS) ||
	    !e->fmt->flags_valid(flags))
		return false;
	if (!gmap_range_empty(e, gpa, end))
		return false;

	while (gpa < end) {
		/* 2 MiB leaf (PDE, bit 7) when both sides are 2 MiB aligned and
		 * 2 MiB remain; bits 20:12 of its address must be 0 (SDM 29.3.2,
		 * APM Vol. 2 5.3.4). */
		bool large = IS_ALIGNED(gpa, LARGE_PAGE_SIZE) && IS_ALIGNED(hpa, LARGE_PAGE_SIZE) &&
			     end - gpa >= LARGE_PAGE_SIZE;
		int level = large ? 1 : 0;
		u64 *entry = gmap_walk_create(e, gpa, level);

		if (!entry) {
			gmap_clear_range(e, e->pml4, GMAP_LEVELS - 1, start, end);
			return false;
		}
		/* The range was empty and no empty table exists, so this entry
		 * is not present (a PD entry cannot hold a table here). */
		*entry = hpa | e->fmt->leaf_bits(flags) | (large ? e->fmt->large : 0);
		gpa += gmap_level_size(level);
		hpa += gmap_level_size(level);
	}
	return true;
}

/* Replace the 2 MiB leaf *entry by a table of 512 4 KiB leaves with the
 * same flags and translations. False when out of memory (nothing changed). */
static bool gmap_split(struct gmap *e, u64 *entry)
{
	hpa_t base = *entry & GMAP_ADDR_MASK & ~(LARGE_PAGE_SIZE - 1);
	u64 flags = *entry & ~GMAP_ADDR_MASK & ~e->fmt->large; /* same bits, 4 KiB */
	hpa_t pt = gmap_alloc_table(e);
	u64 *t;
	unsigned i;

	if (!pt)
		return false;
	t = hpa_to_ptr(pt);
	for (i = 0; i < GMAP_ENTRIES; i++)
		t[i] = (base + i * PAGE_SIZE) | flags;
	*entry = pt | e->fmt->table;
	return true;
}

/* The large leaf mapping gpa, or NULL if gpa is unmapped or in a 4 KiB leaf. */
static u64 *gmap_large_leaf(const struct gmap *e, gpa_t gpa)
{
	int level;
	u64 *entry = gmap_lookup(e, gpa, &level);

	return (gmap_present(e, *entry) && level > 0) ? entry : NULL;
}

/* Two steps, so that it fully succeeds or changes nothing: split the (at
 * most two) 2 MiB leaves straddling an end of the range, which needs memory
 * but changes no translation, then clear, which needs none. If the second
 * split fails, the first is undone: old leaf back, its new table freed. */
bool gmap_unmap(struct gmap *e, gpa_t gpa, u64 size)
{
	gpa_t end = gpa + size;
	u64 *first = NULL, *last = NULL;
	u64 first_old = 0;

	if (!e->pml4 || !gmap_gpa_range_valid(gpa, size))
		return false;
	if (size == 0)
		return true;

	if (!IS_ALIGNED(gpa, LARGE_PAGE_SIZE))
		first = gmap_large_leaf(e, gpa);
	if (first) {
		first_old = *first;
		if (!gmap_split(e, first))
			return false;
	}
	/* Looked up after the first split: if the range ends in the same
	 * 2 MiB block, that block is already made of 4 KiB leaves. */
	if (!IS_ALIGNED(end, LARGE_PAGE_SIZE))
		last = gmap_large_leaf(e, end - 1);
	if (last && !gmap_split(e, last)) {
		if (first) {
			hpa_t pt = gmap_next_table(*first);

			*first = first_old;
			gmap_free_table(e, pt);
		}
		return false;
	}
	gmap_clear_range(e, e->pml4, GMAP_LEVELS - 1, gpa, end);
	return true;
}

bool gmap_translate(const struct gmap *e, gpa_t gpa, hpa_t *hpa, u64 *flags, u64 *leaf_size)
{
	int level;
	u64 *entry, span;

	if (!e->pml4 || gpa >= GMAP_GPA_LIMIT)
		return false;
	entry = gmap_lookup(e, gpa, &level);
	if (!gmap_present(e, *entry))
		return false;
	span = gmap_level_size(level);
	*hpa = (*entry & GMAP_ADDR_MASK & ~(span - 1)) + (gpa & (span - 1));
	*flags = e->fmt->flags_of(*entry) | (level > 0 ? GMAP_LARGE : 0);
	*leaf_size = span;
	return true;
}

/* The run gmap_for_each() is growing (size 0: none yet) and whom to tell. */
struct gmap_run {
	gpa_t gpa;
	hpa_t hpa;
	u64 size, flags, leaf_size;
	gmap_visit_fn fn;
	void *ctx;
	const struct gmap *e;
};

static void gmap_run_add(struct gmap_run *r, gpa_t gpa, hpa_t hpa, u64 flags, u64 leaf_size)
{
	if (r->size && r->gpa + r->size == gpa && r->hpa + r->size == hpa && r->flags == flags &&
	    r->leaf_size == leaf_size) {
		r->size += leaf_size;
		return;
	}
	if (r->size)
		r->fn(r->ctx, r->gpa, r->hpa, r->size, r->flags, r->leaf_size);
	*r = (struct gmap_run){ gpa, hpa, leaf_size, flags, leaf_size, r->fn, r->ctx, r->e };
}

/* Visit the leaves under a level-`level` table whose first entry maps base. */
static void gmap_walk_leaves(struct gmap_run *r, hpa_t table, int level, gpa_t base)
{
	const struct gmap *e = r->e;
	const u64 *t = hpa_to_ptr(table);
	u64 span = gmap_level_size(level);
	unsigned i;

	for (i = 0; i < GMAP_ENTRIES; i++) {
		gpa_t gpa = base + i * span;

		if (gmap_present(e, t[i]) && gmap_is_leaf(e, t[i], level))
			gmap_run_add(r, gpa, t[i] & GMAP_ADDR_MASK & ~(span - 1),
				     e->fmt->flags_of(t[i]) | (level > 0 ? GMAP_LARGE : 0), span);
		else if (gmap_present(e, t[i]))
			gmap_walk_leaves(r, gmap_next_table(t[i]), level - 1, gpa);
	}
}

void gmap_for_each(const struct gmap *e, gmap_visit_fn fn, void *ctx)
{
	struct gmap_run r = { .fn = fn, .ctx = ctx, .e = e };

	if (!e->pml4)
		return;
	gmap_walk_leaves(&r, e->pml4, GMAP_LEVELS - 1, 0);
	if (r.size)
		fn(ctx, r.gpa, r.hpa, r.size, r.flags, r.leaf_size);
}

static void gmap_free_tables(struct gmap *e, hpa_t table, int level)
{
	const u64 *t = hpa_to_ptr(table);
	unsigned i;

	for (i = 0; level > 0 && i < GMAP_ENTRIES; i++)
		if (gmap_present(e, t[i]) && !gmap_is_leaf(e, t[i], level))
			gmap_free_tables(e, gmap_next_table(t[i]), level - 1);
	gmap_free_table(e, table);
}

void gmap_destroy(struct gmap *e)
{
	if (e->pml4)
		gmap_free_tables(e, e->pml4, GMAP_LEVELS - 1);
	e->pml4 = 0;
}

/* ----------------------------------------------------------- formats */

/*
 * EPT (SDM Vol. 3C 29.3.2): bits 0-2 read, write, supervisor execute;
 * leaf bits 5:3 the memory type (29.3.7: 0 UC, 6 WB). Non-leaf entries get
 * all of read, write and execute: the permissions of a translation are the
 * AND over every level, so only the leaf's count. Write without read is a
 * misconfiguration (29.3.3.1), and so is no permission at all in a leaf we
 * were asked to create (that would be a not-present entry).
 */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_SHIFT 3
#define EPT_MT_WB 6ull
#define EPT_PS (1ull << 7)

static u64 ept_leaf_bits(u64 f)
{
	return ((f & GMAP_READ) ? EPT_R : 0) | ((f & GMAP_WRITE) ? EPT_W : 0) |
	       ((f & GMAP_EXEC) ? EPT_X : 0) | ((f & GMAP_UC) ? 0 : EPT_MT_WB << EPT_MT_SHIFT);
}

static u64 ept_flags_of(u64 e)
{
	u64 type = (e >> EPT_MT_SHIFT) & 7;

	return ((e & EPT_R) ? GMAP_READ : 0) | ((e & EPT_W) ? GMAP_WRITE : 0) |
	       ((e & EPT_X) ? GMAP_EXEC : 0) | (type == EPT_MT_WB ? 0 : GMAP_UC);
}

static bool ept_flags_valid(u64 f)
{
	return (f & GMAP_RWX) && !((f & GMAP_WRITE) && !(f & GMAP_READ));
}

const struct gmap_format gmap_ept = {
	"EPT", EPT_R | EPT_W | EPT_X, EPT_R | EPT_W | EPT_X, EPT_PS,
	ept_leaf_bits, ept_flags_of, ept_flags_valid,
};

/*
 * NPT (APM Vol. 2 15.25.5): the entries of ordinary long-mode paging
 * (5.3.3): P (bit 0), R/W (1), U/S (2), PWT (3), PCD (4), PS (7). Every
 * nested access counts as a user access (15.25.5 "all nested page table
 * accesses are treated as user accesses"), so U/S must be set at every
 * level. There is no read-only-absent state: readable means present, so
 * a write-only mapping cannot be expressed. PCD|PWT select PAT entry 3,
 * uncached in the power-on PAT the hypervisor keeps (13.12.4 in the SDM,
 * 7.8.2 in APM Vol. 2). Execute permission would need NX (bit 63), which
 * is reserved while the host's EFER.NXE is 0, as Tessera's is: every
 * mapping is executable, and the exit handlers refuse fetches from
 * device pages themselves.
 */
#define NPT_P (1ull << 0)
#define NPT_RW (1ull << 1)
#define NPT_US (1ull << 2)
#define NPT_PWT (1ull << 3)
#define NPT_PCD (1ull << 4)
#define NPT_PS (1ull << 7)

static u64 npt_leaf_bits(u64 f)
{
	return NPT_P | NPT_US | ((f & GMAP_WRITE) ? NPT_RW : 0) |
	       ((f & GMAP_UC) ? NPT_PCD | NPT_PWT : 0);
}

static u64 npt_flags_of(u64 e)
{
	return GMAP_READ | GMAP_EXEC | ((e & NPT_RW) ? GMAP_WRITE : 0) |
	       ((e & NPT_PCD) ? GMAP_UC : 0);
}

static bool npt_flags_valid(u64 f)
{
	return (f & GMAP_READ) != 0;
}

const struct gmap_format gmap_npt = {
	"NPT", NPT_P, NPT_P | NPT_RW | NPT_US, NPT_PS,
	npt_leaf_bits, npt_flags_of, npt_flags_valid,
};
