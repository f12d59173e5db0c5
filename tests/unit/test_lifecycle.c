/*
 * Unit tests for hv/lifecycle.c: every pair of partition states against
 * the transitions the state diagram in tessera/lifecycle.h draws, written
 * out here a second time, as (from, to, why) triples.
 */
#include "unit.h"

#include <tessera/lifecycle.h>

static const struct {
	enum partition_state from, to;
	const char *why;
} allowed[] = {
	{ PART_STOPPED, PART_RUNNING, "start" },
	{ PART_STOPPED, PART_FAILED, "the start failed" },
	{ PART_RUNNING, PART_PAUSED, "pause" },
	{ PART_RUNNING, PART_STOPPING, "stop, exit, poweroff, reboot" },
	{ PART_RUNNING, PART_FAILED, "guest fault" },
	{ PART_PAUSED, PART_RUNNING, "resume" },
	{ PART_PAUSED, PART_STOPPING, "stop while paused" },
	{ PART_PAUSED, PART_FAILED, "fault of a vCPU that was not held" },
	{ PART_STOPPING, PART_STOPPED, "the last vCPU left" },
	{ PART_STOPPING, PART_FAILED, "a vCPU did not stop in time, or faulted" },
	{ PART_FAILED, PART_STOPPED, "console stop of a failed partition" },
	{ PART_FAILED, PART_RUNNING, "start, restart, on_crash = restart" },
};

static bool in_diagram(enum partition_state from, enum partition_state to)
{
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (allowed[i].from == from && allowed[i].to == to)
			return true;
	return false;
}

static void test_every_pair(void **state)
{
	unsigned legal = 0;

	(void)state;
	for (int from = 0; from < PART_NSTATES; from++)
		for (int to = 0; to < PART_NSTATES; to++) {
			bool want = in_diagram(from, to);

			if (partition_state_legal(from, to) != want)
				fail_msg("%s -> %s should be %s", partition_state_name(from),
					 partition_state_name(to), want ? "legal" : "illegal");
			legal += want;
		}
	assert_int_equal(legal, sizeof(allowed) / sizeof(allowed[0]));
}

static void test_no_state_to_itself(void **state)
{
	(void)state;
	for (int s = 0; s < PART_NSTATES; s++)
		assert_false(partition_state_legal(s, s));
}

/* Every state can be left, and reached, so none is a dead end. */
static void test_every_state_connected(void **state)
{
	(void)state;
	for (int s = 0; s < PART_NSTATES; s++) {
		bool out = false, in = false;

		for (int t = 0; t < PART_NSTATES; t++) {
			out |= partition_state_legal(s, t);
			in |= partition_state_legal(t, s);
		}
		assert_true(out);
		assert_true(in);
	}
}

static void test_out_of_range(void **state)
{
	(void)state;
	assert_false(partition_state_legal(PART_NSTATES, PART_RUNNING));
	assert_false(partition_state_legal(PART_STOPPED, PART_NSTATES));
	assert_false(partition_state_legal((enum partition_state)-1, PART_RUNNING));
	assert_string_equal(partition_state_name(PART_NSTATES), "?");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(partition_state_name(PART_STOPPED), "STOPPED");
	assert_string_equal(partition_state_name(PART_RUNNING), "RUNNING");
	assert_string_equal(partition_state_name(PART_PAUSED), "PAUSED");
	assert_string_equal(partition_state_name(PART_STOPPING), "STOPPING");
	assert_string_equal(partition_state_name(PART_FAILED), "FAILED");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_pair),
		cmocka_unit_test(test_no_state_to_itself),
		cmocka_unit_test(test_every_state_connected),
		cmocka_unit_test(test_out_of_range),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
