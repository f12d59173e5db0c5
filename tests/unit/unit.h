/*
 * Common includes for the host unit tests (cmocka, from Debian's
 * libcmocka-dev). cmocka needs these standard headers before its own.
 */
#ifndef TESSERA_UNIT_H
#define TESSERA_UNIT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Zeroed allocations a test does not free itself: unit_alloc() records
 * them, unit_free_all() (use it as a cmocka teardown) frees them all.
 */
#define UNIT_MAX_ALLOCS 64
static void *unit_allocs[UNIT_MAX_ALLOCS];
static unsigned unit_nallocs;

static inline void *unit_alloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	assert_non_null(p);
	assert_true(unit_nallocs < UNIT_MAX_ALLOCS);
	unit_allocs[unit_nallocs++] = p;
	return p;
}

static inline int unit_free_all(void **state)
{
	(void)state;
	while (unit_nallocs)
		free(unit_allocs[--unit_nallocs]);
	return 0;
}

#endif
