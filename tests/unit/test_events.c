/*
 * Unit tests for hv/events.c: the report rate limiter (a burst per
 * window, then counted; the count said when reports resume; a clock that
 * goes back) and the kind names.
 */
#include "unit.h"

#include <tessera/events.h>

#define SEC (1000ull * 1000 * 1000)

static void test_burst_then_suppressed(void **state)
{
	struct ratelimit r = { 0 };
	u64 supp;

	(void)state;
	for (int i = 0; i < RATELIMIT_BURST; i++) {
		assert_true(ratelimit_allow(&r, 1 * SEC + i, &supp));
		assert_int_equal(supp, 0);
	}
	for (int i = 0; i < 1000; i++) {
		assert_false(ratelimit_allow(&r, 2 * SEC, &supp));
		assert_int_equal(supp, 0);
	}
	/* Still in the window: suppressed. */
	assert_false(ratelimit_allow(&r, 1 * SEC + RATELIMIT_INTERVAL_NS - 1, &supp));
	/* The next window: prints, and says how many were held back. */
	assert_true(ratelimit_allow(&r, 1 * SEC + RATELIMIT_INTERVAL_NS, &supp));
	assert_int_equal(supp, 1001);
	assert_true(ratelimit_allow(&r, 1 * SEC + RATELIMIT_INTERVAL_NS + 1, &supp));
	assert_int_equal(supp, 0);
}

/* A guest looping for 10 s at a million reports a second prints a
 * bounded number of lines, and every report is either printed or in a
 * "suppressed" count. */
static void test_bounded_over_time(void **state)
{
	struct ratelimit r = { 0 };
	u64 printed = 0, said = 0, supp, n = 10 * 1000 * 1000;

	(void)state;
	for (u64 i = 0; i < n; i++) {
		printed += ratelimit_allow(&r, i * 1000, &supp);
		said += supp;
	}
	said += ratelimit_take_suppressed(&r);
	assert_int_equal(printed + said, n);
	/* 10 s / 5 s windows: 2 full windows and the start of none more. */
	assert_int_equal(printed, 2 * RATELIMIT_BURST);
	assert_int_equal(ratelimit_take_suppressed(&r), 0);
}

static void test_clock_going_back_opens_a_window(void **state)
{
	struct ratelimit r = { 0 };
	u64 supp;

	(void)state;
	for (int i = 0; i < RATELIMIT_BURST + 3; i++)
		ratelimit_allow(&r, 100 * SEC, &supp);
	assert_true(ratelimit_allow(&r, 50 * SEC, &supp));
	assert_int_equal(supp, 3);
}

static void test_first_report_at_time_zero(void **state)
{
	struct ratelimit r = { 0 };
	u64 supp = 99;

	(void)state;
	assert_true(ratelimit_allow(&r, 0, &supp));
	assert_int_equal(supp, 0);
	assert_true(r.started);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(event_kind_name(EV_MEMORY), "memory");
	assert_string_equal(event_kind_name(EV_PORT), "port");
	assert_string_equal(event_kind_name(EV_MSR), "msr");
	assert_string_equal(event_kind_name(EV_IPI), "ipi");
	assert_string_equal(event_kind_name(EV_ABSENT), "absent");
	assert_string_equal(event_kind_name(EV_UNSUPPORTED), "unsupported");
	assert_string_equal(event_kind_name(EV_NKINDS), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst_then_suppressed),
		cmocka_unit_test(test_bounded_over_time),
		cmocka_unit_test(test_clock_going_back_opens_a_window),
		cmocka_unit_test(test_first_report_at_time_zero),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
