/*
 * A partition's device bus (hv/devices/bus.c).
 *
 * Input: a sequence of operations, a byte each (bits 7:6 say which):
 *   00dd xxxm  add a range for device d in PIO (m = 0) or MMIO space;
 *              base and length from the next 8 and 4 bytes (PIO: 2 and 2)
 *   01xw mzzz  an access (w: write) of size 1 2 4 1 2 4 3 8 by zzz
 *   10xx mzzz  a lookup of that size
 *   11xx mzzz  a lookup of size 0, 2, 4 ... 128 by zzz
 * then the address (8 bytes for MMIO, 2 for PIO) and, for a write, 8
 * bytes of value.
 * A list of the ranges added is kept beside the bus. Invariants: an add
 * succeeds exactly when the range is non-empty, does not wrap, fits the
 * space and overlaps nothing already there (and the table has room), and
 * a refused add changes nothing; the table stays sorted; a lookup finds
 * the range that holds the whole access, which the list agrees is the
 * only one, or nothing when none does; a dispatched access reaches that
 * device's handler once with an offset and size inside its range.
 */
#include "fuzz.h"

#include <tessera/devbus.h>

#define NDEV 4

struct ref {
	enum bus_space space;
	u64 base, len;
	unsigned dev;
};

static struct devbus bus;
static struct ref refs[DEVBUS_MAX_RANGES];
static unsigned nrefs;
static unsigned calls[NDEV];
static const struct bus_range *expect;

static void handler(void *ctx, void *caller, struct bus_access *a)
{
	unsigned dev = (unsigned)(uintptr_t)ctx;

	FUZZ_CHECK(dev < NDEV && caller == &bus && expect);
	FUZZ_CHECK((uintptr_t)expect->ctx == dev);
	FUZZ_CHECK(a->offset == a->addr - expect->base);
	FUZZ_CHECK(a->offset < expect->len && a->size <= expect->len - a->offset);
	calls[dev]++;
	if (!a->write)
		a->value = dev;
}

/* The one reference range holding [addr, addr + size), or NULL. */
static const struct ref *ref_find(enum bus_space s, u64 addr, unsigned size)
{
	const struct ref *found = NULL;

	if (!size || addr + (size - 1) < addr)
		return NULL;
	for (unsigned i = 0; i < nrefs; i++) {
		const struct ref *r = &refs[i];

		if (r->space == s && addr >= r->base && addr - r->base < r->len &&
		    size <= r->len - (addr - r->base)) {
			FUZZ_CHECK(!found);
			found = r;
		}
	}
	return found;
}

static bool ref_overlaps(const struct ref *n)
{
	for (unsigned i = 0; i < nrefs; i++) {
		const struct ref *r = &refs[i];

		if (r->space == n->space && n->base <= r->base + (r->len - 1) &&
		    r->base <= n->base + (n->len - 1))
			return true;
	}
	return false;
}

static void add(enum bus_space s, u64 base, u64 len, unsigned dev)
{
	static const char *const names[NDEV] = { "vuart", "vpic", "ioapic", "rtc" };
	struct bus_range r = { s, base, len, handler, (void *)(uintptr_t)dev, names[dev] };
	struct ref n = { s, base, len, dev };
	struct devbus before = bus;
	bool valid = len && base + (len - 1) >= base && (s != BUS_PIO || base + (len - 1) <= 0xffff);
	bool want = valid && nrefs < DEVBUS_MAX_RANGES && !ref_overlaps(&n);
	char why[128];
	bool ok = devbus_add(&bus, &r, why, sizeof(why));

	FUZZ_CHECK(ok == want);
	if (!ok) {
		FUZZ_CHECK(memcmp(&bus, &before, sizeof(bus)) == 0);
		FUZZ_CHECK(memchr(why, '\0', sizeof(why)) && why[0]);
		return;
	}
	refs[nrefs++] = n;
	FUZZ_CHECK(bus.n == nrefs);
	for (unsigned i = 1; i < bus.n; i++)
		FUZZ_CHECK(bus.r[i - 1].space < bus.r[i].space ||
			   (bus.r[i - 1].space == bus.r[i].space && bus.r[i - 1].base < bus.r[i].base));
}

static void lookup(enum bus_space s, u64 addr, unsigned size, bool dispatch, bool write, u64 value)
{
	const struct ref *want = ref_find(s, addr, size);
	const struct bus_range *got = devbus_find(&bus, s, addr, size);
	struct bus_access a = { .size = size, .write = write, .value = value };
	unsigned before[NDEV];

	FUZZ_CHECK(!got == !want);
	if (got)
		FUZZ_CHECK(got->space == s && got->base == want->base && got->len == want->len &&
			   (uintptr_t)got->ctx == want->dev);
	if (!dispatch)
		return;
	memcpy(before, calls, sizeof(before));
	expect = got;
	FUZZ_CHECK(devbus_access(&bus, s, addr, &bus, &a) == (got != NULL));
	expect = NULL;
	for (unsigned d = 0; d < NDEV; d++)
		FUZZ_CHECK(calls[d] - before[d] == (got && want->dev == d ? 1u : 0u));
	if (got && !write)
		FUZZ_CHECK(a.value == want->dev);
	if (!got)
		FUZZ_CHECK(a.value == value); /* a read's value is left as it was */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);

	devbus_init(&bus);
	nrefs = 0;
	memset(calls, 0, sizeof(calls));
	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in);
		enum bus_space s;
		u64 addr, len;
		unsigned sz;
		bool w;

		if ((op >> 6) == 0) {
			s = (op & 1) ? BUS_MMIO : BUS_PIO;
			addr = s == BUS_PIO ? fuzz_u16(&in) : fuzz_u64(&in);
			len = s == BUS_PIO ? fuzz_u16(&in) : fuzz_u32(&in);
			add(s, addr, len, (op >> 4) & 3);
			continue;
		}
		s = (op & 8) ? BUS_MMIO : BUS_PIO;
		if ((op >> 6) == 3)
			sz = (op & 7) ? 1u << (op & 7) : 0;
		else
			sz = fuzz_io_size(op);
		addr = s == BUS_PIO ? fuzz_u16(&in) : fuzz_u64(&in);
		w = (op >> 6) == 1 && (op & 0x10);
		lookup(s, addr, sz, (op >> 6) == 1, w, w ? fuzz_u64(&in) : 0x5a5a);
	}
	return 0;
}
