/*
 * vstrfmt()/strfmt(): the printf subset described in tessera/format.h,
 * with C11 vsnprintf semantics (return value, truncation, NUL-termination).
 * No floating point: the hypervisor is built with -mgeneral-regs-only.
 */
#include <tessera/format.h>

#define FMT_INT_MAX __INT_MAX__

/* Signed 'z' and unsigned 't' have no named type of their own in C11; we
 * read them as ptrdiff_t and size_t, which is right only while they match. */
STATIC_ASSERT(sizeof(size_t) == sizeof(ptrdiff_t), "z/t need size_t ~ ptrdiff_t");

enum fmt_flag {
	FL_LEFT = 1 << 0,	/* '-' */
	FL_ZERO = 1 << 1,	/* '0' */
	FL_PLUS = 1 << 2,	/* '+' */
	FL_SPACE = 1 << 3,	/* ' ' */
	FL_ALT = 1 << 4,	/* '#' */
};

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct fmt_spec {
	unsigned flags;
	int width;		/* 0 when absent */
	int prec;		/* -1 when absent */
	enum fmt_len len;
	char conv;
};

/*
 * The output sink. pos counts every character the full output would have,
 * which is the return value C requires, even once the buffer is full.
 */
struct fmt_out {
	char *buf;
	size_t size;
	size_t pos;
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->pos + 1 < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void out_mem(struct fmt_out *o, const char *s, size_t n)
{
	while (n--)
		out_char(o, *s++);
}

/*
 * Widths come from the caller and may be as large as INT_MAX; once the
 * buffer is full only the count matters, so skip the loop rather than
 * spin two billion times.
 */
static void out_repeat(struct fmt_out *o, char c, size_t n)
{
	while (n && o->pos + 1 < o->size) {
		out_char(o, c);
		n--;
	}
	o->pos += n;
}

/* Saturate rather than overflow: "%99999999999d" must not be UB. The
 * oversized result is then reported as an error by vstrfmt(). */
static int parse_num(const char **p)
{
	int v = 0;

	while (**p >= '0' && **p <= '9') {
		int d = **p - '0';

		v = v > (FMT_INT_MAX - d) / 10 ? FMT_INT_MAX : v * 10 + d;
		(*p)++;
	}
	return v;
}

static unsigned parse_flags(const char **p)
{
	unsigned flags = 0;

	for (;; (*p)++) {
		switch (**p) {
		case '-': flags |= FL_LEFT; break;
		case '0': flags |= FL_ZERO; break;
		case '+': flags |= FL_PLUS; break;
		case ' ': flags |= FL_SPACE; break;
		case '#': flags |= FL_ALT; break;
		default: return flags;
		}
	}
}

/* C11 7.21.6.1p5: a negative '*' width is a '-' flag plus a positive width. */
static void parse_width(const char **p, struct fmt_spec *sp, va_list *ap)
{
	if (**p != '*') {
		sp->width = parse_num(p);
		return;
	}
	(*p)++;
	sp->width = va_arg(*ap, int);
	if (sp->width < 0) {
		sp->flags |= FL_LEFT;
		/* -INT_MIN does not fit in an int. */
		sp->width = sp->width == -FMT_INT_MAX - 1 ? FMT_INT_MAX : -sp->width;
	}
}

/* A lone '.' means precision 0; a negative '*' precision means none. */
static void parse_prec(const char **p, struct fmt_spec *sp, va_list *ap)
{
	sp->prec = -1;
	if (**p != '.')
		return;
	(*p)++;
	if (**p == '*') {
		(*p)++;
		sp->prec = va_arg(*ap, int);
		if (sp->prec < 0)
			sp->prec = -1;
	} else {
		sp->prec = parse_num(p);
	}
}

static enum fmt_len parse_len(const char **p)
{
	switch (**p) {
	case 'h':
		(*p)++;
		if (**p != 'h')
			return LEN_H;
		(*p)++;
		return LEN_HH;
	case 'l':
		(*p)++;
		if (**p != 'l')
			return LEN_L;
		(*p)++;
		return LEN_LL;
	case 'z': (*p)++; return LEN_Z;
	case 't': (*p)++; return LEN_T;
	case 'j': (*p)++; return LEN_J;
	default: return LEN_NONE;
	}
}

/* p points just past the '%'. Returns where the conversion character is
 * (which may be the terminating NUL of a truncated specification). */
static const char *parse_spec(const char *p, struct fmt_spec *sp, va_list *ap)
{
	sp->flags = parse_flags(&p);
	parse_width(&p, sp, ap);
	parse_prec(&p, sp, ap);
	sp->len = parse_len(&p);
	sp->conv = *p;
	return p;
}

/* The default argument promotions turn hh and h arguments into int, so
 * read an int and narrow it back as C11 7.21.6.1p7 asks. */
static s64 fetch_signed(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH: return (signed char)va_arg(*ap, int);
	case LEN_H: return (short)va_arg(*ap, int);
	case LEN_L: return va_arg(*ap, long);
	case LEN_LL: return va_arg(*ap, long long);
	case LEN_Z: return va_arg(*ap, ptrdiff_t);
	case LEN_T: return va_arg(*ap, ptrdiff_t);
	case LEN_J: return va_arg(*ap, intmax_t);
	default: return va_arg(*ap, int);
	}
}

static u64 fetch_unsigned(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH: return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H: return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L: return va_arg(*ap, unsigned long);
	case LEN_LL: return va_arg(*ap, unsigned long long);
	case LEN_Z: return va_arg(*ap, size_t);
	case LEN_T: return va_arg(*ap, size_t);
	case LEN_J: return va_arg(*ap, uintmax_t);
	default: return va_arg(*ap, unsigned int);
	}
}

/* Digits are written backwards from the end of tmp; returns how many. */
static size_t to_digits(u64 v, unsigned base, bool upper, char *end)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	size_t n = 0;

	do {
		*--end = digits[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

/* Pad a ready-made piece of text (used by %c, %s and %p) to the width. */
static void out_padded(struct fmt_out *o, const struct fmt_spec *sp, const char *s, size_t n)
{
	size_t pad = (size_t)sp->width > n ? (size_t)sp->width - n : 0;

	if (!(sp->flags & FL_LEFT))
		out_repeat(o, ' ', pad);
	out_mem(o, s, n);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad);
}

/* Pieces of a formatted integer, in output order around the padding. */
struct fmt_int {
	char sign;		/* 0 when none */
	const char *prefix;	/* "0x", "0X" or "" */
	size_t zeros;		/* leading zeros the precision asks for */
	const char *digits;
	size_t ndigits;
};

static void out_int(struct fmt_out *o, const struct fmt_spec *sp, const struct fmt_int *fi)
{
	size_t prefix_len = fi->prefix[0] ? 2 : 0;
	size_t len = (fi->sign ? 1 : 0) + prefix_len + fi->zeros + fi->ndigits;
	size_t pad = (size_t)sp->width > len ? (size_t)sp->width - len : 0;
	/* C11: '0' is ignored with '-', and for integers when a precision is given. */
	bool zero_pad = (sp->flags & FL_ZERO) && !(sp->flags & FL_LEFT) && sp->prec < 0;

	if (!(sp->flags & FL_LEFT) && !zero_pad)
		out_repeat(o, ' ', pad);
	if (fi->sign)
		out_char(o, fi->sign);
	out_mem(o, fi->prefix, prefix_len);
	if (zero_pad)
		out_repeat(o, '0', pad);
	out_repeat(o, '0', fi->zeros);
	out_mem(o, fi->digits, fi->ndigits);
	if (sp->flags & FL_LEFT)
		out_repeat(o, ' ', pad);
}

static char sign_char(const struct fmt_spec *sp, bool negative)
{
	if (negative)
		return '-';
	if (sp->flags & FL_PLUS)
		return '+';
	if (sp->flags & FL_SPACE)
		return ' ';
	return 0;
}

/*
 * Format magnitude v (negative says whether a '-' belongs in front). The
 * sign flags apply only to d/i, which is why unsigned callers pass
 * signed_conv false.
 */
static void fmt_integer(struct fmt_out *o, const struct fmt_spec *sp, u64 v, bool negative,
			bool signed_conv)
{
	char tmp[24];	/* 64 bits in octal: 22 digits */
	unsigned base = sp->conv == 'o' ? 8 : (sp->conv == 'x' || sp->conv == 'X') ? 16 : 10;
	size_t prec = sp->prec < 0 ? 1 : (size_t)sp->prec;
	struct fmt_int fi = { .prefix = "" };

	fi.ndigits = to_digits(v, base, sp->conv == 'X', tmp + sizeof(tmp));
	fi.digits = tmp + sizeof(tmp) - fi.ndigits;
	/* C11: "The result of converting a zero value with a precision of
	 * zero is no characters." */
	if (v == 0 && prec == 0)
		fi.ndigits = 0;
	fi.zeros = prec > fi.ndigits ? prec - fi.ndigits : 0;
	if (signed_conv)
		fi.sign = sign_char(sp, negative);
	if (sp->flags & FL_ALT) {
		/* '#' with o: raise the precision just enough to lead with 0. */
		if (base == 8 && fi.zeros == 0 && (fi.ndigits == 0 || fi.digits[0] != '0'))
			fi.zeros = 1;
		/* '#' with x/X: prefix, but only for a nonzero value. */
		if (base == 16 && v != 0)
			fi.prefix = sp->conv == 'X' ? "0X" : "0x";
	}
	out_int(o, sp, &fi);
}

static void fmt_signed(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	s64 s = fetch_signed(sp->len, ap);
	/* Negate in unsigned arithmetic so INT64_MIN does not overflow. */
	u64 mag = s < 0 ? 0 - (u64)s : (u64)s;

	fmt_integer(o, sp, mag, s < 0, true);
}

static void fmt_char(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	char c = (char)(unsigned char)va_arg(*ap, int);

	out_padded(o, sp, &c, 1);
}

/* The precision bounds how far we may read: the array need not be
 * NUL-terminated then (C11 7.21.6.1p8). */
static void fmt_string(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	const char *s = va_arg(*ap, const char *);
	size_t n = 0;

	if (!s)
		s = "(null)";
	while ((sp->prec < 0 || n < (size_t)sp->prec) && s[n])
		n++;
	out_padded(o, sp, s, n);
}

/* "0x" and lowercase hex, never zero-padded; only width and '-' apply. */
static void fmt_pointer(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	char tmp[2 + 16];
	u64 v = (uintptr_t)va_arg(*ap, void *);
	size_t n = to_digits(v, 16, false, tmp + sizeof(tmp));

	tmp[sizeof(tmp) - n - 2] = '0';
	tmp[sizeof(tmp) - n - 1] = 'x';
	out_padded(o, sp, tmp + sizeof(tmp) - n - 2, n + 2);
}

/* Returns false for a conversion this formatter does not know. */
static bool fmt_conversion(struct fmt_out *o, const struct fmt_spec *sp, va_list *ap)
{
	switch (sp->conv) {
	case 'd':
	case 'i':
		fmt_signed(o, sp, ap);
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		fmt_integer(o, sp, fetch_unsigned(sp->len, ap), false, false);
		return true;
	case 'c':
		fmt_char(o, sp, ap);
		return true;
	case 's':
		fmt_string(o, sp, ap);
		return true;
	case 'p':
		fmt_pointer(o, sp, ap);
		return true;
	case '%':
		out_char(o, '%');
		return true;
	default:
		return false;
	}
}

int vstrfmt(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { .buf = buf, .size = size, .pos = 0 };
	struct fmt_spec sp;
	va_list args;

	/* va_list is an array type on x86-64, so a parameter of that type
	 * cannot be passed on by address; a copy can. */
	va_copy(args, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			out_char(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (fmt_conversion(&o, &sp, &args)) {
			fmt++;
			continue;
		}
		/* Unknown or truncated: copy the specification as written
		 * (any '*' arguments it named have been consumed). */
		if (*fmt)
			fmt++;
		out_mem(&o, start, (size_t)(fmt - start));
	}
	va_end(args);

	if (size)
		buf[o.pos < size ? o.pos : size - 1] = '\0';
	/* C11 7.21.6.5p3 leaves no room for a length beyond INT_MAX; report
	 * it as an encoding error (negative), as glibc does with EOVERFLOW. */
	return o.pos > (size_t)FMT_INT_MAX ? -1 : (int)o.pos;
}

int strfmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vstrfmt(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

const char *fmt_size(char *buf, size_t len, u64 n)
{
	if (n && IS_ALIGNED(n, GiB))
		strfmt(buf, len, "%llu GiB", (unsigned long long)(n / GiB));
	else if (n && IS_ALIGNED(n, MiB))
		strfmt(buf, len, "%llu MiB", (unsigned long long)(n / MiB));
	else if (n && IS_ALIGNED(n, KiB))
		strfmt(buf, len, "%llu KiB", (unsigned long long)(n / KiB));
	else
		strfmt(buf, len, "%llu bytes", (unsigned long long)n);
	return buf;
}

bool errbuf_fail(const struct errbuf *e, const char *fmt, ...)
{
	va_list ap;

	if (e->buf && e->len) {
		va_start(ap, fmt);
		vstrfmt(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return false;
}

u64 str_len_upto(const char *s, u64 max)
{
	u64 n = 0;

	while (s && n <= max && s[n])
		n++;
	return n;
}
