/*
 * printf-style formatting into a buffer, freestanding (no libc).
 *
 * Semantics follow C11 7.21.6.1/7.21.6.12 (vsnprintf) for the subset below:
 * the return value is the length the full output would have had, and the
 * buffer is always NUL-terminated when size > 0.
 *
 * Conversions: d i u x X o c s p %
 * Flags: - 0 + space #
 * Width and precision: digits or *
 * Length modifiers: hh h l ll z t j
 * %p prints "0x" followed by the value in lowercase hex (no padding).
 * %s with a NULL pointer prints "(null)".
 * Unknown conversions are copied through literally (e.g. "%y" -> "%y").
 */
#ifndef TESSERA_FORMAT_H
#define TESSERA_FORMAT_H

#include <tessera/types.h>

int vstrfmt(char *buf, size_t size, const char *fmt, va_list ap);
int strfmt(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/* A size for messages: "4 MiB", "1 GiB", "640 KiB", "1000 bytes" (the
 * largest unit that divides it). Returns buf. */
const char *fmt_size(char *buf, size_t len, u64 n);

/* A caller's error buffer, passed down through a loader: either field may
 * be absent. errbuf_fail() formats into it and returns false, so a check
 * reads `return errbuf_fail(e, "...")`. */
struct errbuf {
	char *buf;
	size_t len;
};
bool errbuf_fail(const struct errbuf *e, const char *fmt, ...) __printf(2, 3);

/* strlen that stops counting past max (0 for NULL). */
u64 str_len_upto(const char *s, u64 max);

#endif
