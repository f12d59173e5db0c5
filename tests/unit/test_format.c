/*
 * Unit tests for hv/lib/format.c. The host's vsnprintf is the oracle for
 * everything C defines; explicit cases cover what tessera/format.h
 * specifies differently (%p, NULL %s, unknown conversions) and the edges
 * (INT64_MIN, zero with precision 0, truncation, INT_MAX overflow).
 */
#include "unit.h"
#include <limits.h>

#include <tessera/format.h>

#define BUF_LEN 256
#define CANARY 0x5a

static unsigned long checks;

/* Our result and the oracle's for one buffer size, compared byte for byte
 * over the whole buffer so that a write past size shows up too. */
static void compare_at_size(const char *fmt, size_t size, va_list ap)
{
	char want[BUF_LEN], got[BUF_LEN];
	va_list a1, a2;
	int want_n, got_n;

	memset(want, CANARY, sizeof(want));
	memset(got, CANARY, sizeof(got));
	va_copy(a1, ap);
	va_copy(a2, ap);
	want_n = vsnprintf(size ? want : NULL, size, fmt, a1);
	got_n = vstrfmt(size ? got : NULL, size, fmt, a2);
	va_end(a1);
	va_end(a2);
	checks++;
	if (want_n != got_n || memcmp(want, got, sizeof(want)) != 0) {
		print_error("format \"%s\" size %zu: want %d \"%.*s\", got %d \"%.*s\"\n", fmt, size,
			    want_n, (int)(size ? size : 1) - 1, want, got_n,
			    (int)(size ? size : 1) - 1, got);
		fail();
	}
}

/*
 * Compare against vsnprintf at every interesting buffer size: none, one
 * byte (only the NUL), cut in the middle, one short, exact, and roomy.
 */
static void __attribute__((format(printf, 1, 2))) check(const char *fmt, ...)
{
	va_list ap;
	size_t sizes[6];
	int len;

	va_start(ap, fmt);
	{
		va_list a;

		va_copy(a, ap);
		len = vsnprintf(NULL, 0, fmt, a);
		va_end(a);
	}
	assert_true(len >= 0 && len < BUF_LEN);
	sizes[0] = 0;
	sizes[1] = 1;
	sizes[2] = (size_t)len / 2 + 1;
	sizes[3] = (size_t)len;
	sizes[4] = (size_t)len + 1;
	sizes[5] = BUF_LEN;
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++)
		compare_at_size(fmt, sizes[i], ap);
	va_end(ap);
}

/* Our own result in a roomy buffer, for cases without an oracle. */
static void __attribute__((format(printf, 3, 4))) expect(const char *want, int want_n,
							  const char *fmt, ...)
{
	char got[BUF_LEN];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vstrfmt(got, sizeof(got), fmt, ap);
	va_end(ap);
	assert_string_equal(got, want);
	assert_int_equal(n, want_n);
}

static const long long int_values[] = {
	0, 1, -1, 2, -2, 7, 8, 9, 10, 15, 16, 99, 100, 127, 128, -128, -129, 255, 256,
	32767, -32768, 65535, 65536, INT_MAX, INT_MIN, (long long)UINT_MAX, (long long)UINT_MAX + 1,
	123456789, -987654321, 0x123456789abcdef0LL, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1,
};

static const char *const int_lengths[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };

/* Pass v as exactly the type the length modifier makes the format read. */
static void check_int(const char *fmt, const char *len, bool is_signed, long long v)
{
	if (!*len || !strcmp(len, "hh") || !strcmp(len, "h")) {
		if (is_signed)
			check(fmt, (int)v);
		else
			check(fmt, (unsigned int)v);
	} else if (!strcmp(len, "l")) {
		if (is_signed)
			check(fmt, (long)v);
		else
			check(fmt, (unsigned long)v);
	} else if (!strcmp(len, "ll")) {
		if (is_signed)
			check(fmt, v);
		else
			check(fmt, (unsigned long long)v);
	} else if (!strcmp(len, "j")) {
		if (is_signed)
			check(fmt, (intmax_t)v);
		else
			check(fmt, (uintmax_t)v);
	} else { /* z, t: signed size_t and unsigned ptrdiff_t are long-sized */
		if (is_signed)
			check(fmt, (ptrdiff_t)v);
		else
			check(fmt, (size_t)v);
	}
}

/*
 * Every combination of flags, width, precision, length and integer
 * conversion, over values chosen at the type boundaries. '#' is left out
 * for d, i and u, where C leaves it undefined.
 */
static void test_integers_vs_libc(void **state)
{
	static const char flag_chars[] = "-0+ #";
	static const char *const widths[] = { "", "1", "6", "25" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".4", ".22" };
	static const char convs[] = "diuxXo";

	(void)state;
	for (unsigned mask = 0; mask < 32; mask++) {
		char flags[8];
		size_t nf = 0;

		for (unsigned b = 0; b < 5; b++)
			if (mask & (1u << b))
				flags[nf++] = flag_chars[b];
		flags[nf] = '\0';
		for (const char *c = convs; *c; c++) {
			bool is_signed = *c == 'd' || *c == 'i';

			if ((mask & 16) && (is_signed || *c == 'u'))
				continue;
			for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
				for (size_t p = 0; p < ARRAY_SIZE(precs); p++)
					for (size_t l = 0; l < ARRAY_SIZE(int_lengths); l++) {
						char fmt[32];

						snprintf(fmt, sizeof(fmt), "<%%%s%s%s%s%c>", flags,
							 widths[w], precs[p], int_lengths[l], *c);
						for (size_t v = 0; v < ARRAY_SIZE(int_values); v++)
							check_int(fmt, int_lengths[l], is_signed,
								  int_values[v]);
					}
		}
	}
	print_message("%lu comparisons with vsnprintf\n", checks);
}

/*
 * From here on some formats are deliberately odd (ignored flags, unknown
 * conversions, results past INT_MAX): exactly what -Wformat is for, and
 * exactly what these tests are about.
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat"
#pragma GCC diagnostic ignored "-Wformat-extra-args"
#pragma GCC diagnostic ignored "-Wformat-zero-length"
#pragma GCC diagnostic ignored "-Wformat-overflow"
#pragma GCC diagnostic ignored "-Wformat-truncation"

static void test_star_width_and_precision(void **state)
{
	(void)state;
	for (int w = -12; w <= 12; w++) {
		check("[%*d]", w, 42);
		check("[%-*d]", w, -42);
		check("[%0*x]", w, 0xbeefu);
		check("[%*s]", w, "abc");
		check("[%*c]", w, 'z');
		for (int p = -3; p <= 6; p++) {
			check("[%*.*d]", w, p, 0);
			check("[%*.*d]", w, p, -7);
			check("[%0*.*u]", w, p, 123u);
			check("[%#*.*o]", w, p, 8u);
			check("[%#*.*x]", w, p, 0u);
			check("[%*.*s]", w, p, "hello");
		}
	}
}

static void test_strings_vs_libc(void **state)
{
	static const char *const flags[] = { "", "-" };
	static const char *const widths[] = { "", "1", "5", "12" };
	static const char *const precs[] = { "", ".", ".0", ".2", ".5", ".40" };
	static const char *const strs[] = { "", "a", "hello", "hello, world of text" };

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(flags); f++)
		for (size_t w = 0; w < ARRAY_SIZE(widths); w++)
			for (size_t p = 0; p < ARRAY_SIZE(precs); p++) {
				char fmt[32];

				snprintf(fmt, sizeof(fmt), "(%%%s%s%ss)", flags[f], widths[w],
					 precs[p]);
				for (size_t s = 0; s < ARRAY_SIZE(strs); s++)
					check(fmt, strs[s]);
			}
}

static void test_chars_vs_libc(void **state)
{
	static const char *const fmts[] = { "%c", "<%c>", "%3c", "%-3c|", "%1c", "%c%c" };

	(void)state;
	for (size_t f = 0; f < ARRAY_SIZE(fmts); f++) {
		/* Includes NUL, which is output (and counted) like any other. */
		for (int c = -1; c <= 256; c++)
			check(fmts[f], c, 'q');
	}
}

static void test_mixed_vs_libc(void **state)
{
	(void)state;
	check("");
	check("plain text");
	check("%%");
	check("100%% of %d%%", 7);
	check("%s=%d (%#x) [%-6s|%6s] %c%c", "key", 42, 42u, "ab", "cd", 'o', 'k');
	check("%lld %llu %llx %llo", LLONG_MIN, ULLONG_MAX, ULLONG_MAX, ULLONG_MAX);
	check("%zu %zd %td %ju %jd", (size_t)SIZE_MAX, (ptrdiff_t)-5, (ptrdiff_t)PTRDIFF_MIN,
	      (uintmax_t)UINTMAX_MAX, (intmax_t)INTMAX_MIN);
	check("%hhd %hhu %hd %hu", 0x1ff, 0x1ff, 0x1ffff, 0x1ffff);
	check("%i|%5i|%-5i|%05i", -3, -3, -3, -3);
	check("a%sb%sc", "", "");
}

static void test_pointer(void **state)
{
	char want[64];

	(void)state;
	expect("0x1234", 6, "%p", (void *)0x1234);
	expect("0x0", 3, "%p", NULL);
	expect("0xffffffffffffffff", 18, "%p", (void *)UINTPTR_MAX);
	expect("0xdeadbeef", 10, "%p", (void *)0xDEADBEEFul);
	expect("[    0x1234]", 12, "[%10p]", (void *)0x1234);
	expect("[0x1234    ]", 12, "[%-10p]", (void *)0x1234);
	/* glibc's %p agrees for a non-NULL pointer without flags. */
	snprintf(want, sizeof(want), "%p", (void *)&want);
	expect(want, (int)strlen(want), "%p", (void *)&want);
}

static void test_null_string(void **state)
{
	(void)state;
	expect("(null)", 6, "%s", (char *)NULL);
	expect("[  (null)]", 10, "[%8s]", (char *)NULL);
	expect("[(null)  ]", 10, "[%-8s]", (char *)NULL);
	expect("(nu", 3, "%.3s", (char *)NULL);
}

/* With a precision, %s must not read past that many bytes (ASan checks). */
static void test_string_precision_unterminated(void **state)
{
	const char arr[3] = { 'a', 'b', 'c' };

	(void)state;
	expect("abc", 3, "%.3s", arr);
	expect("ab", 2, "%.*s", 2, arr);
}

static void test_unknown_conversion(void **state)
{
	(void)state;
	expect("%y", 2, "%y");
	expect("a%yb", 4, "a%yb");
	expect("%-5.3y", 6, "%-5.3y");
	expect("%ly", 3, "%ly");
	/* An unknown conversion takes no argument. */
	expect("%y3", 3, "%y%d", 3);
	expect("%Ld", 3, "%Ld", 3);
	/* A specification cut short by the end of the string. */
	expect("%", 1, "%");
	expect("abc%5", 5, "abc%5");
	expect("x%-", 3, "x%-");
}
static void test_edges(void **state)
{
	(void)state;
	expect("-9223372036854775808", 20, "%lld", LLONG_MIN);
	expect("-9223372036854775808", 20, "%jd", INTMAX_MIN);
	expect("8000000000000000", 16, "%llx", (unsigned long long)LLONG_MIN);
	expect("", 0, "%.0d", 0);
	expect("[     ]", 7, "[%5.0d]", 0);
	expect("+", 1, "%+.0d", 0);
	expect("0", 1, "%#.0o", 0u);
	expect("", 0, "%#.0x", 0u);
	expect("0", 1, "%#x", 0u);
	expect("0x00ff", 6, "%#06x", 255u);
	expect("-0042", 5, "%05d", -42);
	expect("  -0042", 7, "%7.4d", -42);
}

static void test_truncation(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(strfmt(buf, 4, "%d", 123456), 6);
	assert_string_equal(buf, "123");
	assert_int_equal((unsigned char)buf[4], CANARY);

	assert_int_equal(strfmt(buf, 1, "hello"), 5);
	assert_string_equal(buf, "");

	memset(buf, CANARY, sizeof(buf));
	assert_int_equal(strfmt(buf, 0, "hello"), 5);
	assert_int_equal((unsigned char)buf[0], CANARY);

	assert_int_equal(strfmt(NULL, 0, "%s-%d", "abc", -12), 7);
	assert_int_equal(strfmt(buf, sizeof(buf), "%s", "1234567"), 7);
	assert_string_equal(buf, "1234567");
	assert_int_equal(strfmt(buf, sizeof(buf), "%s", "12345678"), 8);
	assert_string_equal(buf, "1234567");
}

/* A length beyond INT_MAX cannot be returned: C calls it an error. */
static void test_int_max_overflow(void **state)
{
	char buf[8];

	(void)state;
	assert_int_equal(strfmt(NULL, 0, "%*d", INT_MAX, 1), INT_MAX);
	assert_int_equal(strfmt(NULL, 0, "%*d%d", INT_MAX, 1, 2), -1);
	assert_int_equal(strfmt(NULL, 0, "%*d%*d", INT_MAX, 1, 10, 1),
			 snprintf(NULL, 0, "%*d%*d", INT_MAX, 1, 10, 1));

	/* The buffer still gets the part that fits, NUL-terminated. */
	assert_int_equal(strfmt(buf, sizeof(buf), "%*d", INT_MAX, 5), INT_MAX);
	assert_string_equal(buf, "       ");
	/* -INT_MIN does not fit in an int: saturate, no UB. */
	assert_int_equal(strfmt(buf, sizeof(buf), "%*d", INT_MIN, 5), INT_MAX);
	assert_string_equal(buf, "5      ");
	/* Width digits beyond INT_MAX saturate too. */
	assert_int_equal(strfmt(buf, sizeof(buf), "%99999999999d", 5), INT_MAX);
}

#pragma GCC diagnostic pop

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_vs_libc),
		cmocka_unit_test(test_star_width_and_precision),
		cmocka_unit_test(test_strings_vs_libc),
		cmocka_unit_test(test_chars_vs_libc),
		cmocka_unit_test(test_mixed_vs_libc),
		cmocka_unit_test(test_pointer),
		cmocka_unit_test(test_null_string),
		cmocka_unit_test(test_string_precision_unterminated),
		cmocka_unit_test(test_unknown_conversion),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_int_max_overflow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
