/*
 * Unit tests for hv/lib/strutil.c: the strlcpy/strlcat contracts at every
 * buffer size, the ASCII classes against <ctype.h> in the "C" locale, and
 * str_to_u64 on boundaries, junk and round trips through snprintf.
 */
#include "unit.h"
#include <ctype.h>
#include <inttypes.h>
#include <limits.h>

#include <tessera/string.h>

#define CANARY 0x5a

/* For every size, the strlcpy contract: full length returned, the prefix
 * that fits copied and terminated, nothing written at or past size. */
static void test_str_copy_all_sizes(void **state)
{
	static const char *const srcs[] = { "", "a", "hello", "a longer source string" };

	(void)state;
	for (size_t s = 0; s < ARRAY_SIZE(srcs); s++) {
		size_t len = strlen(srcs[s]);

		for (size_t size = 0; size <= len + 2; size++) {
			char dst[32];
			size_t n = size ? (len < size ? len : size - 1) : 0;

			memset(dst, CANARY, sizeof(dst));
			assert_int_equal(str_copy(dst, srcs[s], size), len);
			if (size) {
				assert_memory_equal(dst, srcs[s], n);
				assert_int_equal(dst[n], '\0');
			}
			for (size_t i = size; i < sizeof(dst); i++)
				assert_int_equal((unsigned char)dst[i], CANARY);
		}
	}
}

static void test_str_copy_null_dst_size_zero(void **state)
{
	(void)state;
	assert_int_equal(str_copy(NULL, "abc", 0), 3);
}

/* For every starting length and size, the strlcat contract. */
static void test_str_append_all_sizes(void **state)
{
	static const char *const heads[] = { "", "ab", "abcde" };
	static const char *const tails[] = { "", "x", "uvwxyz" };

	(void)state;
	for (size_t h = 0; h < ARRAY_SIZE(heads); h++)
		for (size_t t = 0; t < ARRAY_SIZE(tails); t++) {
			size_t hl = strlen(heads[h]), tl = strlen(tails[t]);

			for (size_t size = hl + 1; size <= hl + tl + 2; size++) {
				char dst[32], want[32];

				memset(dst, CANARY, sizeof(dst));
				strcpy(dst, heads[h]);
				snprintf(want, size, "%s%s", heads[h], tails[t]);
				assert_int_equal(str_append(dst, tails[t], size), hl + tl);
				assert_string_equal(dst, want);
				for (size_t i = size; i < sizeof(dst); i++)
					assert_int_equal((unsigned char)dst[i], CANARY);
			}
		}
}

/* No NUL within size: dst is not a string there, so leave it alone and
 * report size + strlen(src), as strlcat does. */
static void test_str_append_unterminated(void **state)
{
	char dst[8];

	(void)state;
	memset(dst, 'q', sizeof(dst));
	assert_int_equal(str_append(dst, "abc", 4), 4 + 3);
	for (size_t i = 0; i < sizeof(dst); i++)
		assert_int_equal(dst[i], 'q');
	assert_int_equal(str_append(NULL, "abc", 0), 3);
}

/* The host's <ctype.h> in the "C" locale is the ASCII oracle, EOF included. */
static void test_char_classes_vs_ctype(void **state)
{
	(void)state;
	for (int c = EOF; c <= UCHAR_MAX; c++) {
		assert_int_equal(char_lower(c), tolower(c));
		assert_int_equal(char_is_space(c), isspace(c) != 0);
		assert_int_equal(char_is_digit(c), isdigit(c) != 0);
	}
}

static void test_str_eq_nocase(void **state)
{
	(void)state;
	assert_true(str_eq_nocase("", ""));
	assert_true(str_eq_nocase("Memory", "mEMORY"));
	assert_true(str_eq_nocase("cpus = 0-3", "CPUS = 0-3"));
	assert_false(str_eq_nocase("abc", "ab"));
	assert_false(str_eq_nocase("ab", "abc"));
	assert_false(str_eq_nocase("", "a"));
	assert_false(str_eq_nocase("abc", "abd"));
	/* Only letters fold: '[' and '{' differ by the same bit as 'A'/'a'. */
	assert_false(str_eq_nocase("[", "{"));
	assert_false(str_eq_nocase("@", "`"));
	/* ASCII only: Latin-1 'À' and 'à' are not folded. */
	assert_false(str_eq_nocase("\xc0", "\xe0"));
}

struct u64_case {
	const char *s;
	bool ok;
	u64 v;
};

static void test_str_to_u64_table(void **state)
{
	static const struct u64_case cases[] = {
		{ "0", true, 0 },
		{ "7", true, 7 },
		{ "00012", true, 12 },	/* leading zeros are decimal, not octal */
		{ "4096", true, 4096 },
		{ "18446744073709551615", true, UINT64_MAX },
		{ "18446744073709551616", false, 0 },
		{ "99999999999999999999", false, 0 },
		{ "0x0", true, 0 },
		{ "0x1F", true, 0x1f },
		{ "0XaBc", true, 0xabc },
		{ "0xffffffffffffffff", true, UINT64_MAX },
		{ "0x000000000000000000001", true, 1 },
		{ "0x10000000000000000", false, 0 },
		{ "", false, 0 },
		{ "0x", false, 0 },
		{ "0X", false, 0 },
		{ "x10", false, 0 },
		{ "12a", false, 0 },
		{ "0x1g", false, 0 },
		{ "abc", false, 0 },	/* hex digits need the 0x */
		{ " 12", false, 0 },
		{ "12 ", false, 0 },
		{ "-1", false, 0 },
		{ "+1", false, 0 },
		{ "1_000", false, 0 },
		{ "0x-1", false, 0 },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		u64 v = 0xdeadbeef;
		bool ok = str_to_u64(cases[i].s, &v);

		if (ok != cases[i].ok)
			print_error("str_to_u64(\"%s\") returned %d\n", cases[i].s, ok);
		assert_int_equal(ok, cases[i].ok);
		/* On failure the caller's value survives. */
		assert_int_equal(v, ok ? cases[i].v : 0xdeadbeef);
	}
	assert_false(str_to_u64(NULL, &(u64){ 0 }));
}

/* A cheap deterministic generator, so every run checks the same values. */
static u64 next_rand(u64 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static void test_str_to_u64_round_trip(void **state)
{
	u64 seed = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		/* Vary the magnitude so short and long numbers both occur. */
		u64 want = next_rand(&seed) >> (i % 64);
		char text[3][32];

		snprintf(text[0], sizeof(text[0]), "%" PRIu64, want);
		snprintf(text[1], sizeof(text[1]), "0x%" PRIx64, want);
		snprintf(text[2], sizeof(text[2]), "0X%" PRIX64, want);
		for (int k = 0; k < 3; k++) {
			u64 got;

			assert_true(str_to_u64(text[k], &got));
			assert_int_equal(got, want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_str_copy_all_sizes),
		cmocka_unit_test(test_str_copy_null_dst_size_zero),
		cmocka_unit_test(test_str_append_all_sizes),
		cmocka_unit_test(test_str_append_unterminated),
		cmocka_unit_test(test_char_classes_vs_ctype),
		cmocka_unit_test(test_str_eq_nocase),
		cmocka_unit_test(test_str_to_u64_table),
		cmocka_unit_test(test_str_to_u64_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
