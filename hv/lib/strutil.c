/*
 * The str_* and char_* helpers of tessera/string.h: bounded copies, ASCII
 * character classes and number parsing for the config and command-line
 * parsers. Portable: built into the hypervisor, the loader and host tests.
 */
#include <tessera/string.h>

size_t str_copy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

/*
 * strnlen is POSIX, not C11, so hosted -std=c11 builds do not declare it.
 * A dst with no NUL within size is left alone and, as with strlcat, the
 * result counts size for it.
 */
static size_t bounded_len(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

size_t str_append(char *dst, const char *src, size_t size)
{
	size_t dlen = bounded_len(dst, size);

	if (dlen == size)
		return size + strlen(src);
	return dlen + str_copy(dst + dlen, src, size - dlen);
}

int char_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

bool char_is_space(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

bool char_is_digit(int c)
{
	return c >= '0' && c <= '9';
}

bool str_eq_nocase(const char *a, const char *b)
{
	while (*a && char_lower((unsigned char)*a) == char_lower((unsigned char)*b)) {
		a++;
		b++;
	}
	return char_lower((unsigned char)*a) == char_lower((unsigned char)*b);
}

/* Value of a digit in base 10 or 16, or -1 if it is not one. */
static int digit_value(char c, unsigned base)
{
	if (char_is_digit(c))
		return c - '0';
	if (base == 16 && char_lower(c) >= 'a' && char_lower(c) <= 'f')
		return char_lower(c) - 'a' + 10;
	return -1;
}

/* *out is written only on success, so a caller's default survives junk. */
bool str_to_u64(const char *s, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;

	if (!s)
		return false;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		int d = digit_value(*s, base);

		if (d < 0 || v > (UINT64_MAX - (u64)d) / base)
			return false;
		v = v * base + (u64)d;
	}
	*out = v;
	return true;
}
