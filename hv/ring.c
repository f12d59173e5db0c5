/*
 * The overwrite-oldest byte ring declared in <tessera/ring.h>.
 *
 * buf[head] is where the next byte goes; the `used` bytes before it
 * (wrapping) are the ones held, oldest first. A write larger than the
 * ring keeps only its last `size` bytes. Not locked: the single writer and
 * any reader serialize outside (the partition lock, the log lock).
 */
#include <tessera/ring.h>
#include <tessera/string.h>

void ring_init(struct ring *r, void *buf, size_t size)
{
	r->buf = buf;
	r->size = buf ? size : 0;
	r->head = 0;
	r->used = 0;
	r->total = 0;
}

void ring_clear(struct ring *r)
{
	/* total counts bytes ever written, so it survives a clear. */
	r->head = 0;
	r->used = 0;
}

void ring_write(struct ring *r, const void *data, size_t n)
{
	const u8 *p = data;
	size_t first;

	r->total += n;
	if (!r->size || !n)
		return;
	if (n >= r->size) {
		/* Only the newest size bytes survive: lay them out from 0. */
		memcpy(r->buf, p + (n - r->size), r->size);
		r->head = 0;
		r->used = r->size;
		return;
	}
	first = MIN(n, r->size - r->head);
	memcpy(r->buf + r->head, p, first);
	memcpy(r->buf, p + first, n - first);
	r->head = (r->head + n) % r->size;
	r->used = MIN(r->used + n, r->size);
}

size_t ring_tail(const struct ring *r, void *out, size_t max)
{
	u8 *o = out;
	size_t n = MIN(max, r->used), start, first;

	if (!n)
		return 0;
	/* The newest n bytes end just before head. */
	start = (r->head + r->size - n) % r->size;
	first = MIN(n, r->size - start);
	memcpy(o, r->buf + start, first);
	memcpy(o + first, r->buf, n - first);
	return n;
}
