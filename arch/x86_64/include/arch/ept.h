/*
 * Extended page tables: the guest-physical -> host-physical map of one
 * partition (SDM Vol. 3C 29.3 "The Extended Page Table Mechanism").
 *
 * Four levels like ordinary 4-level paging (PML4 -> PDPT -> PD -> PT),
 * leaves of 4 KiB (PT) or 2 MiB (PD with bit 7). The builder is plain data
 * manipulation with no VMX instruction, so it is unit-tested on the host
 * (tests/unit/test_ept.c). Table pages come from a caller-supplied
 * allocator and are reached through hpa_to_ptr().
 *
 * Nothing is mapped unless ept_map() was asked to: a partition's EPT holds
 * its own RAM and nothing else, so every other access (the hypervisor,
 * firmware, other partitions, MMIO) is an EPT violation.
 */
#ifndef ARCH_EPT_H
#define ARCH_EPT_H

#include <tessera/types.h>

/* Entry bits, SDM Vol. 3C 29.3.2, Tables 29-1 to 29-6. */
#define EPT_READ (1ull << 0)
#define EPT_WRITE (1ull << 1)
#define EPT_EXEC (1ull << 2) /* supervisor-mode execute */
#define EPT_RWX (EPT_READ | EPT_WRITE | EPT_EXEC)
#define EPT_MT_SHIFT 3 /* leaf bits 5:3: memory type (SDM 29.3.7) */
#define EPT_MT_UC (0ull << EPT_MT_SHIFT)
#define EPT_MT_WB (6ull << EPT_MT_SHIFT)
#define EPT_IGNORE_PAT (1ull << 6)
#define EPT_LARGE (1ull << 7) /* in a PDE: maps 2 MiB */
#define EPT_ADDR_MASK 0x000ffffffffff000ull

/* Flags a caller passes to ept_map(): permissions | memory type. */
#define EPT_RAM (EPT_RWX | EPT_MT_WB)

struct ept_allocator {
	/* A zeroed 4 KiB page, or 0 when out of memory. */
	hpa_t (*alloc_page)(void *ctx);
	void (*free_page)(void *ctx, hpa_t page);
	void *ctx;
};

struct ept {
	hpa_t pml4;
	struct ept_allocator a;
	unsigned table_pages; /* pages currently used by tables, PML4 included */
};

/* Allocate the PML4. False when out of memory. */
bool ept_init(struct ept *e, const struct ept_allocator *a);

/* Map [gpa, gpa + size) to [hpa, hpa + size) with flags (permissions and
 * memory type). gpa, hpa and size must be 4 KiB aligned, gpa + size must
 * stay below 2^48. 2 MiB leaves are used wherever gpa and hpa are both
 * 2 MiB aligned and at least 2 MiB remain; 4 KiB leaves elsewhere. Fails
 * (mapping nothing) if any page in the range is already mapped, or when
 * out of memory (what was built is then undone). */
bool ept_map(struct ept *e, gpa_t gpa, hpa_t hpa, u64 size, u64 flags);

/* Remove every mapping in [gpa, gpa + size) (4 KiB aligned). A 2 MiB leaf
 * only partly inside the range is split into 4 KiB leaves first. Tables
 * left empty are freed, so map/unmap cycles do not grow the tables.
 * Unmapped pages in the range are fine. False only when a split needed a
 * page and none was available (nothing changed then). */
bool ept_unmap(struct ept *e, gpa_t gpa, u64 size);

/* Look up one address: true with the host address, the leaf's flags (low
 * 12 bits of the entry, and EPT_LARGE for 2 MiB) and the leaf size. */
bool ept_translate(const struct ept *e, gpa_t gpa, hpa_t *hpa, u64 *flags, u64 *leaf_size);

/* Call fn for each run of mappings, in increasing gpa order, merging
 * neighbours that continue the same host range with the same flags and
 * leaf size. */
typedef void (*ept_visit_fn)(void *ctx, gpa_t gpa, hpa_t hpa, u64 size, u64 flags,
			     u64 leaf_size);
void ept_for_each(const struct ept *e, ept_visit_fn fn, void *ctx);

/* Free every table page; e is then empty (pml4 = 0). */
void ept_destroy(struct ept *e);

/* The EPT pointer for the VMCS (SDM Vol. 3C 25.6.11): PML4 address,
 * memory type WB (bits 2:0 = 6), page-walk length 4 (bits 5:3 = 3),
 * accessed/dirty flags off. */
u64 ept_pointer(const struct ept *e);

#endif
