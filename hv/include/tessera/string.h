/*
 * String and memory helpers.
 *
 * The hypervisor is freestanding: hv/lib/string.c provides the C standard
 * names the compiler may also emit calls to (memcpy, memset, memmove,
 * memcmp). In host unit tests (TESSERA_HOSTED) the C library provides them
 * instead, so the same portable files compile unchanged.
 *
 * The str_* helpers are ours in both worlds (hv/lib/strutil.c).
 */
#ifndef TESSERA_STRING_H
#define TESSERA_STRING_H

#include <tessera/types.h>

#ifdef TESSERA_HOSTED
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

/* Copy src into dst[size] always NUL-terminated; returns strlen(src), so a
 * result >= size means it was truncated (same contract as BSD strlcpy). */
size_t str_copy(char *dst, const char *src, size_t size);

/* Append src to the string in dst[size]; returns the length it tried to
 * make (same contract as BSD strlcat). */
size_t str_append(char *dst, const char *src, size_t size);

/* ASCII only: the config format is ASCII. */
bool str_eq_nocase(const char *a, const char *b);
int char_lower(int c);
bool char_is_space(int c);
bool char_is_digit(int c);

/* Parse an unsigned integer: decimal, or hex with 0x. Whole string must be
 * consumed. Returns false on empty input, junk or overflow. */
bool str_to_u64(const char *s, u64 *out);

#endif
