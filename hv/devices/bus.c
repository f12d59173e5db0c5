/*
 * The per-partition device bus (tessera/devbus.h). Portable.
 *
 * A partition has a couple of dozen ranges at most, so the table is a
 * sorted array searched from the start: simple to read, and cheaper than
 * anything cleverer at this size.
 */
#include <tessera/devbus.h>
#include <tessera/format.h>
#include <tessera/string.h>

void devbus_init(struct devbus *b)
{
	memset(b, 0, sizeof(*b));
}

static const char *space_name(enum bus_space s)
{
	return s == BUS_PIO ? "port" : "mmio";
}

/* The last byte of a range; the caller has checked len > 0 and no wrap. */
static u64 last_of(const struct bus_range *r)
{
	return r->base + (r->len - 1);
}

bool devbus_add(struct devbus *b, const struct bus_range *r, char *why, size_t n)
{
	unsigned i;

	if (r->space >= BUS_SPACES || !r->handler || !r->len || r->base + (r->len - 1) < r->base ||
	    (r->space == BUS_PIO && last_of(r) > 0xffff)) {
		strfmt(why, n, "device %s: bad %s range 0x%llx+0x%llx", r->name ? r->name : "?",
		       space_name(r->space), (unsigned long long)r->base, (unsigned long long)r->len);
		return false;
	}
	if (b->n == DEVBUS_MAX_RANGES) {
		strfmt(why, n, "device %s: the bus is full (%u ranges)", r->name, DEVBUS_MAX_RANGES);
		return false;
	}
	for (i = 0; i < b->n; i++) {
		const struct bus_range *o = &b->r[i];

		if (o->space != r->space)
			continue;
		if (r->base <= last_of(o) && o->base <= last_of(r)) {
			strfmt(why, n, "device %s: %s 0x%llx-0x%llx overlaps %s", r->name,
			       space_name(r->space), (unsigned long long)r->base,
			       (unsigned long long)last_of(r), o->name);
			return false;
		}
	}
	/* Keep (space, base) order. */
	for (i = b->n; i > 0; i--) {
		const struct bus_range *o = &b->r[i - 1];

		if (o->space < r->space || (o->space == r->space && o->base < r->base))
			break;
		b->r[i] = *o;
	}
	b->r[i] = *r;
	b->n++;
	return true;
}

const struct bus_range *devbus_find(const struct devbus *b, enum bus_space space, u64 addr,
				    unsigned size)
{
	u64 last = addr + (size ? size - 1 : 0);

	if (!size || last < addr)
		return NULL;
	for (unsigned i = 0; i < b->n; i++) {
		const struct bus_range *r = &b->r[i];

		if (r->space != space || last_of(r) < addr)
			continue;
		if (r->base > addr)
			return NULL; /* sorted: nothing further holds addr */
		return last <= last_of(r) ? r : NULL;
	}
	return NULL;
}

bool devbus_access(const struct devbus *b, enum bus_space space, u64 addr, void *caller,
		   struct bus_access *a)
{
	const struct bus_range *r = devbus_find(b, space, addr, a->size);

	if (!r)
		return false;
	a->addr = addr;
	a->offset = addr - r->base;
	r->handler(r->ctx, caller, a);
	return true;
}
