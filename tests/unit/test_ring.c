/*
 * Unit tests for hv/ring.c: filling, wrapping, overwriting the oldest
 * bytes, writes larger than the ring, every tail size, the total count,
 * clear, and a long random run checked against a plain history array.
 */
#include "unit.h"

#include <tessera/ring.h>

#define CANARY 0xa5

/* Check ring_tail for every max from 0 to past used against the last
 * bytes of hist[0..hist_len). */
static void check_tails(const struct ring *r, const u8 *hist, size_t hist_len)
{
	size_t held = hist_len < r->size ? hist_len : r->size;
	u8 out[600];

	assert_int_equal(r->used, held);
	assert_int_equal(r->total, hist_len);
	assert_true(r->size + 3 <= sizeof(out));
	for (size_t max = 0; max <= r->size + 2; max++) {
		size_t want = max < held ? max : held;

		memset(out, CANARY, sizeof(out));
		assert_int_equal(ring_tail(r, out, max), want);
		if (want)
			assert_memory_equal(out, hist + hist_len - want, want);
		for (size_t i = want; i < sizeof(out); i++)
			assert_int_equal(out[i], CANARY);
	}
}

static void test_empty(void **state)
{
	struct ring r;
	u8 buf[8], out[8];

	(void)state;
	ring_init(&r, buf, sizeof(buf));
	assert_int_equal(r.used, 0);
	assert_int_equal(r.total, 0);
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 0);
	assert_int_equal(ring_tail(&r, NULL, 0), 0);
	ring_write(&r, "x", 0);
	assert_int_equal(r.used, 0);
	assert_int_equal(r.total, 0);
}

static void test_fill_then_wrap(void **state)
{
	struct ring r;
	u8 buf[8], out[8];

	(void)state;
	ring_init(&r, buf, sizeof(buf));
	ring_write(&r, "abcde", 5);
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 5);
	assert_memory_equal(out, "abcde", 5);

	ring_write(&r, "fgh", 3); /* exactly full, head back at 0 */
	assert_int_equal(r.used, 8);
	assert_int_equal(r.head, 0);
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 8);
	assert_memory_equal(out, "abcdefgh", 8);

	ring_write(&r, "ijk", 3); /* overwrites a, b, c */
	assert_int_equal(r.used, 8);
	assert_int_equal(r.total, 11);
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 8);
	assert_memory_equal(out, "defghijk", 8);
	assert_int_equal(ring_tail(&r, out, 4), 4);
	assert_memory_equal(out, "hijk", 4);

	ring_write(&r, "lmnopq", 6); /* a write that itself wraps */
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 8);
	assert_memory_equal(out, "jklmnopq", 8);
	assert_int_equal(r.total, 17);
}

static void test_write_larger_than_ring(void **state)
{
	struct ring r;
	u8 buf[8], out[8];

	(void)state;
	ring_init(&r, buf, sizeof(buf));
	ring_write(&r, "123", 3);
	ring_write(&r, "ABCDEFGHIJKLMNOP", 16);
	assert_int_equal(r.used, 8);
	assert_int_equal(r.total, 19);
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 8);
	assert_memory_equal(out, "IJKLMNOP", 8);

	ring_write(&r, "xy", 2); /* and carries on normally after */
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 8);
	assert_memory_equal(out, "KLMNOPxy", 8);

	ring_write(&r, "01234567", 8); /* exactly the size, from mid-ring */
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 8);
	assert_memory_equal(out, "01234567", 8);
}

static void test_clear(void **state)
{
	struct ring r;
	u8 buf[8], out[8];

	(void)state;
	ring_init(&r, buf, sizeof(buf));
	ring_write(&r, "abcdefghij", 10);
	ring_clear(&r);
	assert_int_equal(r.used, 0);
	assert_int_equal(r.total, 10); /* bytes ever written */
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 0);
	ring_write(&r, "zz", 2);
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 2);
	assert_memory_equal(out, "zz", 2);
	assert_int_equal(r.total, 12);
}

static void test_zero_size(void **state)
{
	struct ring r;
	u8 out[4];

	(void)state;
	ring_init(&r, NULL, 0);
	ring_write(&r, "abc", 3);
	assert_int_equal(r.used, 0);
	assert_int_equal(r.total, 3);
	assert_int_equal(ring_tail(&r, out, sizeof(out)), 0);
}

/* Every tail size, after every write of a pseudo-random run of write
 * lengths (0 to 2.5 times the ring), on a few ring sizes. */
static void test_random_against_history(void **state)
{
	static const size_t sizes[] = { 1, 2, 7, 64, 509 };
	static u8 hist[40000];
	u32 seed = 12345;

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(sizes); s++) {
		u8 *buf = malloc(sizes[s]);
		struct ring r;
		size_t len = 0;

		assert_non_null(buf);
		ring_init(&r, buf, sizes[s]);
		check_tails(&r, hist, len);
		for (int w = 0; w < 60; w++) {
			size_t n;

			seed = seed * 1103515245u + 12345u;
			n = (seed >> 8) % (sizes[s] * 5 / 2 + 1);
			assert_true(len + n <= sizeof(hist));
			for (size_t i = 0; i < n; i++)
				hist[len + i] = (u8)(len + i + (len + i) / 251);
			ring_write(&r, hist + len, n);
			len += n;
			check_tails(&r, hist, len);
		}
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_fill_then_wrap),
		cmocka_unit_test(test_write_larger_than_ring),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_zero_size),
		cmocka_unit_test(test_random_against_history),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
