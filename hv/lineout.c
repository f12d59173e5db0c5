/*
 * Console lines from a partition's byte stream: <tessera/lineout.h>.
 *
 * Bytes collect in buf until a newline, then the line goes out whole with
 * its "[name] " prefix. What reaches buf is always printable on the
 * hypervisor's console: printable ASCII and tab; carriage returns vanish
 * (so CRLF and LF look the same); every other byte, control or non-ASCII,
 * becomes '?'. A line that reaches LINEOUT_MAX characters is emitted when
 * the next character arrives, so a line of exactly LINEOUT_MAX is one line,
 * not a full piece and an empty one.
 */
#include <tessera/lineout.h>

static void emit_line(struct lineout *l)
{
	l->buf[l->len] = '\0';
	if (l->emit)
		l->emit(l->ctx, l->prefix, l->buf);
	l->len = 0;
	l->buf[0] = '\0';
}

void lineout_init(struct lineout *l, const char *name, lineout_emit_fn emit, void *ctx)
{
	/* "[" name "] ": the name is cut so the brackets and space fit. */
	const size_t name_max = sizeof(l->prefix) - 4;
	size_t i = 0, n = 0;

	l->prefix[i++] = '[';
	while (name && name[n] && n < name_max)
		l->prefix[i++] = name[n++];
	l->prefix[i++] = ']';
	l->prefix[i++] = ' ';
	l->prefix[i] = '\0';
	l->len = 0;
	l->buf[0] = '\0';
	l->emit = emit;
	l->ctx = ctx;
}

void lineout_byte(struct lineout *l, u8 byte)
{
	char c;

	if (byte == '\n') {
		emit_line(l);
		return;
	}
	if (byte == '\r')
		return;
	if (byte == '\t' || (byte >= 0x20 && byte < 0x7f))
		c = (char)byte;
	else
		c = '?';
	if (l->len >= LINEOUT_MAX)
		emit_line(l);
	l->buf[l->len++] = c;
}

void lineout_flush(struct lineout *l)
{
	if (l->len)
		emit_line(l);
}
