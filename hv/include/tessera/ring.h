/*
 * A byte ring buffer that overwrites its oldest bytes when full: each
 * partition's console scrollback, and the hypervisor's log ring.
 * Single writer; readers copy out a snapshot. Portable, host-tested.
 */
#ifndef TESSERA_RING_H
#define TESSERA_RING_H

#include <tessera/types.h>

struct ring {
	u8 *buf;
	size_t size;    /* capacity in bytes */
	size_t head;    /* next write position */
	size_t used;    /* bytes held, <= size */
	u64 total;      /* bytes ever written */
};

void ring_init(struct ring *r, void *buf, size_t size);
void ring_write(struct ring *r, const void *data, size_t n);
/* Copy out the newest min(max, used) bytes, oldest first; returns count. */
size_t ring_tail(const struct ring *r, void *out, size_t max);
void ring_clear(struct ring *r);

#endif
