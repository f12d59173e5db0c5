/*
 * The bounded diagnostics list of tessera/diag.h. Messages are formatted
 * with vstrfmt() and truncated to DIAG_MSG_LEN; past DIAG_MAX they are
 * only counted.
 */
#include <tessera/diag.h>
#include <tessera/format.h>

void diag_init(struct diag *d)
{
	d->count = 0;
	d->dropped = 0;
	d->errors = 0;
}

static void diag_add(struct diag *d, const char *fmt, va_list ap)
{
	if (d->count >= DIAG_MAX) {
		d->dropped++;
		return;
	}
	vstrfmt(d->msg[d->count], DIAG_MSG_LEN, fmt, ap);
	d->count++;
}

void diag_error(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	d->errors++;
	va_start(ap, fmt);
	diag_add(d, fmt, ap);
	va_end(ap);
}

void diag_note(struct diag *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_add(d, fmt, ap);
	va_end(ap);
}
