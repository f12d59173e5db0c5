/*
 * Serial console on the 16550 at 0x3F8 (PC16550D data sheet: THR/RBR at
 * +0, LSR at +5) and a small printf. Polled, no interrupts.
 */
#include <stdarg.h>

#include "guest.h"

void serial_putc(char c)
{
	if (c == '\n')
		serial_putc('\r');
	/* LSR bit 5 (THRE): the holding register can take a byte. Bounded,
	 * so a UART that never answers cannot hang us. */
	for (unsigned i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_pause();
	outb(COM1, (u8)c);
}

bool serial_poll(u8 *byte)
{
	/* LSR bit 0 (DR): a received byte waits in RBR. A missing UART
	 * reads all ones, so insist on a sane LSR (bit 7 is FIFO error). */
	u8 lsr = inb(COM1 + UART_LSR);
	if (lsr == 0xFF || !(lsr & LSR_DR))
		return false;
	*byte = inb(COM1);
	return true;
}

void puts_raw(const char *s)
{
	while (*s)
		serial_putc(*s++);
}

/* u64 / 10 with 32-bit DIVs (no libgcc in a freestanding link): the high
 * half first, then remainder:low, which cannot overflow DIV. */
static u32 divmod10(u64 *n)
{
	u32 hi = (u32)(*n >> 32), lo = (u32)*n;
	u32 qhi = hi / 10, r = hi % 10, qlo;
	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "a"(lo), "d"(r), "rm"(10u));
	*n = ((u64)qhi << 32) | qlo;
	return r;
}

static int put_num(u64 v, unsigned base, bool neg, unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;
	do {
		unsigned d = base == 10 ? divmod10(&v) : (unsigned)(v & 15);
		if (base == 16)
			v >>= 4;
		buf[n++] = "0123456789abcdef"[d];
	} while (v);
	if (neg)
		buf[n++] = '-';
	int out = 0;
	for (; width > n; width--, out++)
		serial_putc(pad);
	while (n)
		serial_putc(buf[--n]), out++;
	return out;
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int out = 0;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			serial_putc(*fmt);
			out++;
			continue;
		}
		char pad = ' ';
		unsigned width = 0, longs = 0;
		if (*++fmt == '0')
			pad = '0', fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l')
			longs++, fmt++;
		switch (*fmt) {
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (unsigned n = (unsigned)strlen(s); width > n; width--, out++)
				serial_putc(' ');
			puts_raw(s);
			out += (int)strlen(s);
			break;
		}
		case 'c':
			serial_putc((char)va_arg(ap, int));
			out++;
			break;
		case 'd': {
			int64_t v = longs >= 2 ? va_arg(ap, int64_t) : va_arg(ap, int);
			out += put_num(v < 0 ? -(u64)v : (u64)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
		case 'x':
		case 'p': {
			u64 v = longs >= 2 ? va_arg(ap, u64) : va_arg(ap, u32);
			out += put_num(v, *fmt == 'u' ? 10 : 16, false, width, pad);
			break;
		}
		case '\0':
			fmt--;
			break;
		default:
			serial_putc(*fmt);
			out++;
		}
	}
	va_end(ap);
	return out;
}
