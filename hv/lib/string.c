/*
 * The C standard string and memory functions for the freestanding
 * hypervisor (hosted builds take them from libc and never compile this
 * file). The compiler may emit calls to memcpy, memset, memmove and memcmp
 * on its own (struct copies, zeroing), so they must exist even if no code
 * names them. Plain byte loops, except memcpy and memset on x86-64: they
 * zero and fill whole partitions (tens of MiB at every start), where the
 * string instructions are many times faster (SDM Vol. 1 7.3.9.3 "fast
 * string operation"; emulators batch them too).
 */
#include <tessera/string.h>

/*
 * GCC's loop-distribution pass recognises a byte-copy or byte-fill loop
 * and replaces it with a call to memcpy/memmove/memset (and, in recent
 * versions, a strlen-like loop with strlen). Inside those very functions
 * that call is infinite recursion. GCC 12 holds back under -ffreestanding
 * or -fno-builtin, but older ones did not (GCC bug 56888) and correctness
 * should not hang on build flags, so turn the pass off for them. glibc
 * does the same (inhibit_loop_to_libcall).
 */
#define no_loop_to_libcall __attribute__((optimize("no-tree-loop-distribute-patterns")))

/* The UEFI loader links gnu-efi, which already defines memcpy and memset. */
#ifndef TESSERA_LOADER
#if defined(__x86_64__)
void *memcpy(void *dst, const void *src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}
#else
no_loop_to_libcall void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n--)
		*d++ = *s++;
	return dst;
}

no_loop_to_libcall void *memset(void *dst, int c, size_t n)
{
	unsigned char *d = dst;

	while (n--)
		*d++ = (unsigned char)c;
	return dst;
}
#endif
#endif

/* The addresses are compared as integers because relational operators on
 * pointers into different objects are undefined, and the regions may be. */
no_loop_to_libcall void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if ((uintptr_t)d <= (uintptr_t)s) {
		while (n--)
			*d++ = *s++;
	} else {
		/* dst above src: copy from the end so src is read before it
		 * is overwritten. */
		d += n;
		s += n;
		while (n--)
			*--d = *--s;
	}
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *p = a;
	const unsigned char *q = b;

	for (; n; n--, p++, q++) {
		if (*p != *q)
			return *p - *q;
	}
	return 0;
}

no_loop_to_libcall size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

/* C11 7.24.4p1: the sign of a difference is that of unsigned chars. */
int strcmp(const char *a, const char *b)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	while (*p && *p == *q) {
		p++;
		q++;
	}
	return *p - *q;
}

int strncmp(const char *a, const char *b, size_t n)
{
	const unsigned char *p = (const unsigned char *)a;
	const unsigned char *q = (const unsigned char *)b;

	for (; n; n--, p++, q++) {
		if (*p != *q || !*p)
			return *p - *q;
	}
	return 0;
}

/* The terminating NUL counts as part of the string, so strchr(s, 0)
 * finds it. */
char *strchr(const char *s, int c)
{
	char ch = (char)c;

	for (;; s++) {
		if (*s == ch)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
