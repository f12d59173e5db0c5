/*
 * Guest memory for the loader tests (test_multiboot.c, test_multiboot2.c):
 * a block with canary bytes on each side, so that a loader that writes
 * outside the partition's memory is caught, and unaligned little-endian
 * reads and writes of what it put there.
 */
#ifndef TESSERA_UNIT_GUEST_MEM_H
#define TESSERA_UNIT_GUEST_MEM_H

#include "unit.h"

#include <tessera/types.h>

static inline u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return v;
}

static inline u64 rd64(const u8 *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return v;
}

static inline void wr32(u8 *p, u32 v)
{
	memcpy(p, &v, 4);
}

static inline bool all_bytes(const u8 *p, u64 n, u8 v)
{
	for (u64 i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/* Guest memory with CANARY bytes of CANARY_FILL on each side. */
#define CANARY (2 * 4096)
#define GUEST_FILL 0xcc
#define CANARY_FILL 0xa5

struct guest {
	u8 *raw;
	u8 *gm;
	u64 size;
};

static inline struct guest guest_new(u64 size)
{
	struct guest g;

	g.raw = unit_alloc(size + 2 * CANARY);
	g.gm = g.raw + CANARY;
	g.size = size;
	memset(g.raw, CANARY_FILL, CANARY);
	memset(g.gm, GUEST_FILL, size);
	memset(g.gm + size, CANARY_FILL, CANARY);
	return g;
}

static inline void check_canaries(const struct guest *g)
{
	assert_true(all_bytes(g->raw, CANARY, CANARY_FILL));
	assert_true(all_bytes(g->gm + g->size, CANARY, CANARY_FILL));
}

/* [lo, hi) of guest memory is all zero. */
static inline void assert_zero(const struct guest *g, u64 lo, u64 hi)
{
	assert_true(lo <= hi && hi <= g->size);
	for (u64 a = lo; a < hi; a++)
		if (g->gm[a] != 0)
			fail_msg("guest byte 0x%llx is 0x%02x, expected 0", (unsigned long long)a,
				 g->gm[a]);
}

#endif
