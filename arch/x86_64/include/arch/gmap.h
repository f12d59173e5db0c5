/*
 * The guest-physical map of one partition: the second stage of address
 * translation, guest-physical -> host-physical. Intel calls it extended
 * page tables (EPT, SDM Vol. 3C 29.3), AMD nested page tables (NPT, APM
 * Vol. 2 15.25). Both are four levels like ordinary 4-level paging (PML4
 * -> PDPT -> PD -> PT) with leaves of 4 KiB (PT) or 2 MiB (PD with bit 7);
 * only the bits of an entry differ, so one builder serves both, given the
 * entry format (struct gmap_format). It is plain data manipulation with no
 * VMX or SVM instruction, so it is unit-tested on the host, in both
 * formats (tests/unit/test_gmap.c). Table pages come from a
 * caller-supplied allocator and are reached through hpa_to_ptr().
 *
 * Nothing is mapped unless gmap_map() was asked to: a partition's map
 * holds its own RAM and nothing else, so every other access (the
 * hypervisor, firmware, other partitions, MMIO) exits (an EPT violation,
 * a nested page fault).
 */
#ifndef ARCH_GMAP_H
#define ARCH_GMAP_H

#include <tessera/types.h>

/* What a caller asks gmap_map() for, and what gmap_translate() reports:
 * neutral flags, turned into each format's entry bits. */
#define GMAP_READ (1ull << 0)
#define GMAP_WRITE (1ull << 1)
#define GMAP_EXEC (1ull << 2)
#define GMAP_UC (1ull << 3)     /* uncached (device memory); else write-back */
#define GMAP_LARGE (1ull << 7)  /* reported only: the leaf maps 2 MiB (or 1 GiB) */
#define GMAP_RWX (GMAP_READ | GMAP_WRITE | GMAP_EXEC)
#define GMAP_RAM GMAP_RWX
#define GMAP_FLAGS (GMAP_RWX | GMAP_UC) /* what gmap_map() accepts */

#define GMAP_ADDR_MASK 0x000ffffffffff000ull /* address bits 51:12 of an entry */

/* One entry format. */
struct gmap_format {
	const char *name;
	u64 present;  /* an entry with none of these bits is not present */
	u64 table;    /* the bits of an entry that points at a table */
	u64 large;    /* the page-size bit of a 2 MiB / 1 GiB leaf */
	u64 (*leaf_bits)(u64 flags); /* neutral flags -> leaf entry bits */
	u64 (*flags_of)(u64 entry);  /* a leaf entry -> neutral flags (without GMAP_LARGE) */
	/* The flags this format cannot express: gmap_map() refuses them. */
	bool (*flags_valid)(u64 flags);
};

/* Intel EPT (SDM Vol. 3C 29.3.2, Tables 29-1 to 29-6). */
extern const struct gmap_format gmap_ept;
/* AMD NPT (APM Vol. 2 15.25.5): ordinary long-mode entries. */
extern const struct gmap_format gmap_npt;

struct gmap_allocator {
	/* A zeroed 4 KiB page, or 0 when out of memory. */
	hpa_t (*alloc_page)(void *ctx);
	void (*free_page)(void *ctx, hpa_t page);
	void *ctx;
};

struct gmap {
	hpa_t pml4;
	const struct gmap_format *fmt;
	struct gmap_allocator a;
	unsigned table_pages; /* pages currently used by tables, PML4 included */
};

/* Allocate the PML4. False when out of memory. */
bool gmap_init(struct gmap *m, const struct gmap_format *fmt, const struct gmap_allocator *a);

/* Map [gpa, gpa + size) to [hpa, hpa + size) with flags (GMAP_FLAGS).
 * gpa, hpa and size must be 4 KiB aligned, gpa + size must stay below
 * 2^48. 2 MiB leaves are used wherever gpa and hpa are both 2 MiB aligned
 * and at least 2 MiB remain; 4 KiB leaves elsewhere. Fails (mapping
 * nothing) if any page in the range is already mapped, or when out of
 * memory (what was built is then undone). */
bool gmap_map(struct gmap *m, gpa_t gpa, hpa_t hpa, u64 size, u64 flags);

/* Remove every mapping in [gpa, gpa + size) (4 KiB aligned). A 2 MiB leaf
 * only partly inside the range is split into 4 KiB leaves first. Tables
 * left empty are freed, so map/unmap cycles do not grow the tables.
 * Unmapped pages in the range are fine. False only when a split needed a
 * page and none was available (nothing changed then). */
bool gmap_unmap(struct gmap *m, gpa_t gpa, u64 size);

/* Look up one address: true with the host address, the leaf's neutral
 * flags (with GMAP_LARGE for a 2 MiB or 1 GiB leaf) and the leaf size. */
bool gmap_translate(const struct gmap *m, gpa_t gpa, hpa_t *hpa, u64 *flags, u64 *leaf_size);

/* Call fn for each run of mappings, in increasing gpa order, merging
 * neighbours that continue the same host range with the same flags and
 * leaf size. */
typedef void (*gmap_visit_fn)(void *ctx, gpa_t gpa, hpa_t hpa, u64 size, u64 flags,
			      u64 leaf_size);
void gmap_for_each(const struct gmap *m, gmap_visit_fn fn, void *ctx);

/* Free every table page; m is then empty (pml4 = 0). */
void gmap_destroy(struct gmap *m);

#endif
