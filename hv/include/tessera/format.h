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

#endif
