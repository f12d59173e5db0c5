/*
 * Unit tests for hv/lib/diag.c: formatting, error counting, what happens
 * past DIAG_MAX messages and past DIAG_MSG_LEN characters.
 */
#include "unit.h"

#include <tessera/diag.h>

static void test_init_clears_garbage(void **state)
{
	struct diag d;

	(void)state;
	memset(&d, 0xff, sizeof(d));
	diag_init(&d);
	assert_int_equal(d.count, 0);
	assert_int_equal(d.dropped, 0);
	assert_int_equal(d.errors, 0);
}

static void test_error_and_note(void **state)
{
	struct diag d;

	(void)state;
	diag_init(&d);
	diag_error(&d, "line %d: unknown key '%s'", 12, "memroy");
	diag_note(&d, "partition %s: %u CPUs", "linux", 3u);
	assert_int_equal(d.count, 2);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.dropped, 0);
	assert_string_equal(d.msg[0], "line 12: unknown key 'memroy'");
	assert_string_equal(d.msg[1], "partition linux: 3 CPUs");
}

/* Past DIAG_MAX the messages are only counted, errors still as errors. */
static void test_full_list_drops_but_counts(void **state)
{
	struct diag d;
	unsigned extra = 5, errors = 0;

	(void)state;
	diag_init(&d);
	for (unsigned i = 0; i < DIAG_MAX + extra; i++) {
		if (i % 3 == 0) {
			diag_error(&d, "error %u", i);
			errors++;
		} else {
			diag_note(&d, "note %u", i);
		}
	}
	assert_int_equal(d.count, DIAG_MAX);
	assert_int_equal(d.dropped, extra);
	assert_int_equal(d.errors, errors);
	for (unsigned i = 0; i < DIAG_MAX; i++) {
		char want[32];

		snprintf(want, sizeof(want), "%s %u", i % 3 == 0 ? "error" : "note", i);
		assert_string_equal(d.msg[i], want);
	}
}

static void test_long_message_truncated(void **state)
{
	char longarg[DIAG_MSG_LEN * 2];
	struct diag d;

	(void)state;
	memset(longarg, 'x', sizeof(longarg) - 1);
	longarg[sizeof(longarg) - 1] = '\0';
	diag_init(&d);
	diag_error(&d, "bad: %s", longarg);
	assert_int_equal(d.count, 1);
	assert_int_equal(strlen(d.msg[0]), DIAG_MSG_LEN - 1);
	assert_memory_equal(d.msg[0], "bad: xxx", 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_clears_garbage),
		cmocka_unit_test(test_error_and_note),
		cmocka_unit_test(test_full_list_drops_but_counts),
		cmocka_unit_test(test_long_message_truncated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
