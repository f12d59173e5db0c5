/*
 * Unit tests for hv/devices/bus.c, the per-partition device bus: ranges
 * are found exactly, an access that straddles or hangs over a range finds
 * nothing, overlapping or malformed ranges are refused, and a dispatch
 * hands the device its offset.
 */
#include "unit.h"

#include <tessera/devbus.h>

struct seen {
	unsigned calls;
	u64 offset;
	unsigned size;
	bool write;
	void *caller;
};

static void handler(void *ctx, void *caller, struct bus_access *a)
{
	struct seen *s = ctx;

	s->calls++;
	s->offset = a->offset;
	s->size = a->size;
	s->write = a->write;
	s->caller = caller;
	if (!a->write)
		a->value = 0x1234;
}

static struct seen uart, pic, lapic;

static void add(struct devbus *b, enum bus_space sp, u64 base, u64 len, struct seen *s,
		const char *name)
{
	struct bus_range r = { sp, base, len, handler, s, name };
	char why[128];

	assert_true(devbus_add(b, &r, why, sizeof(why)));
}

static int setup(void **state)
{
	struct devbus *b = unit_alloc(sizeof(*b));

	devbus_init(b);
	memset(&uart, 0, sizeof(uart));
	memset(&pic, 0, sizeof(pic));
	memset(&lapic, 0, sizeof(lapic));
	/* Out of order on purpose: the bus sorts. */
	add(b, BUS_PIO, 0x3f8, 8, &uart, "vuart");
	add(b, BUS_PIO, 0x20, 2, &pic, "vpic");
	add(b, BUS_MMIO, 0xfee00000, 0x1000, &lapic, "vlapic");
	*state = b;
	return 0;
}

static void test_find_exact_edges(void **state)
{
	struct devbus *b = *state;

	assert_string_equal(devbus_find(b, BUS_PIO, 0x3f8, 1)->name, "vuart");
	assert_string_equal(devbus_find(b, BUS_PIO, 0x3ff, 1)->name, "vuart");
	assert_string_equal(devbus_find(b, BUS_PIO, 0x3fc, 4)->name, "vuart");
	assert_null(devbus_find(b, BUS_PIO, 0x3f7, 1));
	assert_null(devbus_find(b, BUS_PIO, 0x400, 1));
	assert_string_equal(devbus_find(b, BUS_PIO, 0x21, 1)->name, "vpic");
	assert_null(devbus_find(b, BUS_PIO, 0x22, 1));
	assert_string_equal(devbus_find(b, BUS_MMIO, 0xfee00ff8, 8)->name, "vlapic");
}

static void test_straddle_and_overhang_find_nothing(void **state)
{
	struct devbus *b = *state;

	assert_null(devbus_find(b, BUS_PIO, 0x3fe, 4)); /* over the end */
	assert_null(devbus_find(b, BUS_PIO, 0x3f6, 4)); /* from before the start */
	assert_null(devbus_find(b, BUS_PIO, 0x21, 2));
	assert_null(devbus_find(b, BUS_MMIO, 0xfee00ffc, 8));
	assert_null(devbus_find(b, BUS_MMIO, 0xffffffffffffffffull, 2)); /* wraps */
	assert_null(devbus_find(b, BUS_PIO, 0x3f8, 0));
}

static void test_spaces_are_separate(void **state)
{
	struct devbus *b = *state;

	assert_null(devbus_find(b, BUS_MMIO, 0x3f8, 1));
	assert_null(devbus_find(b, BUS_PIO, 0xfee00000, 1));
	/* The same numbers in the other space are fine. */
	add(b, BUS_MMIO, 0x3f8, 8, &pic, "mmio-at-3f8");
	assert_string_equal(devbus_find(b, BUS_MMIO, 0x3f8, 1)->name, "mmio-at-3f8");
	assert_string_equal(devbus_find(b, BUS_PIO, 0x3f8, 1)->name, "vuart");
}

static void test_overlap_refused(void **state)
{
	struct devbus *b = *state;
	struct bus_range r = { BUS_PIO, 0x3ff, 2, handler, &pic, "late" };
	char why[128];
	unsigned n = b->n;

	assert_false(devbus_add(b, &r, why, sizeof(why)));
	assert_string_equal(why, "device late: port 0x3ff-0x400 overlaps vuart");
	r.base = 0x3f0;
	r.len = 0x10;
	assert_false(devbus_add(b, &r, why, sizeof(why))); /* covers it whole */
	r.base = 0x3fa;
	r.len = 1;
	assert_false(devbus_add(b, &r, why, sizeof(why))); /* inside it */
	assert_int_equal(b->n, n);
	r.base = 0x400;
	assert_true(devbus_add(b, &r, why, sizeof(why))); /* right after it */
}

static void test_malformed_refused(void **state)
{
	struct devbus *b = *state;
	struct bus_range r = { BUS_PIO, 0x100, 0, handler, &pic, "empty" };
	char why[128];

	assert_false(devbus_add(b, &r, why, sizeof(why)));
	assert_string_equal(why, "device empty: bad port range 0x100+0x0");
	r = (struct bus_range){ BUS_PIO, 0xfff0, 0x20, handler, &pic, "past-64k" };
	assert_false(devbus_add(b, &r, why, sizeof(why)));
	r = (struct bus_range){ BUS_MMIO, 0xfffffffffffff000ull, 0x2000, handler, &pic, "wraps" };
	assert_false(devbus_add(b, &r, why, sizeof(why)));
	r = (struct bus_range){ BUS_MMIO, 0x1000, 0x1000, NULL, &pic, "no-handler" };
	assert_false(devbus_add(b, &r, why, sizeof(why)));
	r = (struct bus_range){ BUS_PIO, 0xfff0, 0x10, handler, &pic, "last-ports" };
	assert_true(devbus_add(b, &r, why, sizeof(why)));
}

static void test_full_refused(void **state)
{
	struct devbus *b = *state;
	struct bus_range r = { BUS_MMIO, 0x100000, 0x1000, handler, &pic, "many" };
	char why[128];

	while (b->n < DEVBUS_MAX_RANGES) {
		assert_true(devbus_add(b, &r, why, sizeof(why)));
		r.base += 0x1000;
	}
	assert_false(devbus_add(b, &r, why, sizeof(why)));
	assert_string_equal(why, "device many: the bus is full (24 ranges)");
	/* Still sorted and searchable after all that. */
	assert_string_equal(devbus_find(b, BUS_PIO, 0x3f8, 1)->name, "vuart");
	for (unsigned i = 1; i < b->n; i++)
		assert_true(b->r[i - 1].space < b->r[i].space ||
			    (b->r[i - 1].space == b->r[i].space && b->r[i - 1].base < b->r[i].base));
}

static void test_access_dispatches_with_offset(void **state)
{
	struct devbus *b = *state;
	struct bus_access a = { .size = 1, .write = false, .value = 0 };
	int caller;

	assert_true(devbus_access(b, BUS_PIO, 0x3fd, &caller, &a));
	assert_int_equal(uart.calls, 1);
	assert_int_equal(uart.offset, 5);
	assert_ptr_equal(uart.caller, &caller);
	assert_int_equal(a.value, 0x1234);
	a = (struct bus_access){ .size = 4, .write = true, .value = 0xb0 };
	assert_true(devbus_access(b, BUS_MMIO, 0xfee000b0, NULL, &a));
	assert_int_equal(lapic.offset, 0xb0);
	assert_true(lapic.write);
	assert_int_equal(lapic.size, 4);
	a = (struct bus_access){ .size = 1, .write = false, .value = 0x77 };
	assert_false(devbus_access(b, BUS_PIO, 0x60, NULL, &a));
	assert_int_equal(a.value, 0x77); /* untouched: the caller decides */
	assert_int_equal(uart.calls + pic.calls, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_find_exact_edges, setup, unit_free_all),
		cmocka_unit_test_setup_teardown(test_straddle_and_overhang_find_nothing, setup,
						unit_free_all),
		cmocka_unit_test_setup_teardown(test_spaces_are_separate, setup, unit_free_all),
		cmocka_unit_test_setup_teardown(test_overlap_refused, setup, unit_free_all),
		cmocka_unit_test_setup_teardown(test_malformed_refused, setup, unit_free_all),
		cmocka_unit_test_setup_teardown(test_full_refused, setup, unit_free_all),
		cmocka_unit_test_setup_teardown(test_access_dispatches_with_offset, setup,
						unit_free_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
