/*
 * Guest memory for the loader harnesses (Multiboot 1 and 2, bzImage), in
 * the manner of tests/unit/guest_mem.h: one malloc'ed block of exactly the
 * partition's size, so AddressSanitizer catches a write outside it, filled
 * with GUEST_FILL so that a failed load can be checked to have left it
 * alone (the loaders check everything before they write a byte).
 */
#ifndef TESSERA_FUZZ_GUEST_H
#define TESSERA_FUZZ_GUEST_H

#include "fuzz.h"

#define GUEST_FILL 0xcc

struct guest {
	u8 *gm;
	u64 size;
	bool dirty; /* a load succeeded since the last fill */
};

static inline void guest_init(struct guest *g, u64 size)
{
	if (g->gm && g->size == size)
		return;
	free(g->gm);
	g->gm = malloc(size);
	g->size = size;
	memset(g->gm, GUEST_FILL, size);
	g->dirty = false;
}

/* Back to all GUEST_FILL, where a load may have written [0, upto). */
static inline void guest_refill(struct guest *g, u64 upto)
{
	if (g->dirty)
		memset(g->gm, GUEST_FILL, MIN(upto, g->size));
	g->dirty = false;
}

/* No byte of [lo, hi) differs from GUEST_FILL (memcmp: fast enough to
 * run on every input). */
static inline bool guest_untouched(const struct guest *g, u64 lo, u64 hi)
{
	static u8 fill[64 * 1024];

	if (fill[0] != GUEST_FILL)
		memset(fill, GUEST_FILL, sizeof(fill));
	hi = MIN(hi, g->size);
	for (u64 a = lo; a < hi; a += MIN(hi - a, sizeof(fill)))
		if (memcmp(g->gm + a, fill, (size_t)MIN(hi - a, sizeof(fill))) != 0)
			return false;
	return true;
}

static inline u32 guest_rd32(const struct guest *g, u64 gpa)
{
	u32 v;

	FUZZ_CHECK(gpa <= g->size && 4 <= g->size - gpa);
	memcpy(&v, g->gm + gpa, 4);
	return v;
}

/* The NUL-terminated string at gpa, which must end inside guest memory. */
static inline const char *guest_str(const struct guest *g, u64 gpa)
{
	FUZZ_CHECK(gpa < g->size);
	FUZZ_CHECK(memchr(g->gm + gpa, '\0', g->size - gpa) != NULL);
	return (const char *)g->gm + gpa;
}

#endif
