/*
 * A partition's guest output (tessera/guest_out.h): one line buffer per
 * source, whole lines into the scrollback and to the console, a raw
 * terminal view while attached.
 */
#include <tessera/guest_out.h>
#include <tessera/string.h>

#define CRLF "\r\n"

void gout_init(struct gout *g, const char *name, void *scrollback, size_t size,
	       const struct gout_sink *sink)
{
	memset(g, 0, sizeof(*g));
	g->lock = (spinlock_t)SPINLOCK_INIT;
	g->sink = *sink;
	ring_init(&g->scrollback, scrollback, size);
	lineout_init(&g->fmt, name, sink->line, sink->ctx);
}

static void raw(struct gout *g, const void *data, size_t n)
{
	if (n && g->sink.raw)
		g->sink.raw(g->sink.ctx, data, n);
}

/* The line's content without its line ending ("\n" or "\r\n"). */
static size_t content_len(const struct gout_src *s, bool newline)
{
	size_t n = s->len - newline;

	return n && s->buf[n - 1] == '\r' ? n - 1 : n;
}

/*
 * Source s has a complete line in its buffer (newline: it ends with one;
 * else it is a full piece or what was left when the partition stopped).
 * It goes into the scrollback with one line ending, and to the console:
 * a printable line when detached; when attached, the UART's bytes are on
 * the screen already, and another source's line is drawn over the UART's
 * unfinished one, which is then drawn again.
 */
static void complete_line(struct gout *g, unsigned s, bool newline)
{
	struct gout_src *src = &g->src[s], *uart = &g->src[GOUT_UART];
	size_t n = content_len(src, newline);

	ring_write(&g->scrollback, src->buf, n);
	ring_write(&g->scrollback, "\n", 1);
	if (!g->attached) {
		for (size_t i = 0; i < n; i++)
			lineout_byte(&g->fmt, src->buf[i]);
		lineout_byte(&g->fmt, '\n');
	} else if (s == GOUT_UART) {
		if (!newline)
			raw(g, CRLF, 2); /* a piece: the next one starts on a new line */
	} else {
		if (uart->len)
			raw(g, ERASE_LINE, sizeof(ERASE_LINE) - 1);
		raw(g, src->buf, n);
		raw(g, CRLF, 2);
		raw(g, uart->buf, uart->len);
	}
	src->len = 0;
}

static void put_byte(struct gout *g, unsigned s, u8 b)
{
	struct gout_src *src = &g->src[s];

	src->buf[src->len++] = b;
	if (s == GOUT_UART && g->attached)
		raw(g, &b, 1);
	if (b == '\n')
		complete_line(g, s, true);
	else if (src->len == GOUT_LINE_MAX)
		complete_line(g, s, false);
}

void gout_write(struct gout *g, unsigned source, const void *data, size_t n)
{
	const u8 *p = data;

	if (source >= GOUT_SOURCES)
		return;
	spin_lock(&g->lock);
	for (size_t i = 0; i < n; i++)
		put_byte(g, source, p[i]);
	spin_unlock(&g->lock);
}

void gout_end_lines(struct gout *g)
{
	spin_lock(&g->lock);
	for (unsigned s = 0; s < GOUT_SOURCES; s++)
		if (g->src[s].len)
			complete_line(g, s, false);
	spin_unlock(&g->lock);
}

/*
 * The newest whole lines of the scrollback that fit in max bytes: if the
 * byte just before the last max is not a newline, the oldest of them is
 * the end of a line cut off, and is skipped.
 */
static size_t whole_lines_tail(const struct ring *r, char *out, size_t max)
{
	size_t n = ring_tail(r, out, max), skip = 0;

	if (r->used > n && r->buf[(r->head + r->size - n - 1) % r->size] != '\n') {
		while (skip < n && out[skip] != '\n')
			skip++;
		skip = skip < n ? skip + 1 : n;
		memmove(out, out + skip, n - skip);
	}
	return n - skip;
}

size_t gout_attach(struct gout *g, char *out, size_t max)
{
	const struct gout_src *uart = &g->src[GOUT_UART];
	size_t n;

	spin_lock(&g->lock);
	if (g->sink.attach)
		g->sink.attach(g->sink.ctx, true);
	/* Room for the UART's unfinished line first, the lines before it. */
	n = uart->len <= max ? whole_lines_tail(&g->scrollback, out, max - uart->len) : 0;
	if (uart->len <= max - n) {
		memcpy(out + n, uart->buf, uart->len);
		n += uart->len;
	}
	g->attached = true;
	spin_unlock(&g->lock);
	return n;
}

void gout_detach(struct gout *g)
{
	spin_lock(&g->lock);
	if (g->attached && g->sink.attach)
		g->sink.attach(g->sink.ctx, false);
	g->attached = false;
	spin_unlock(&g->lock);
}
