/*
 * The guest output path (hv/guest_out.c: its scrollback ring and line
 * buffers) driven by several threads at once, built with
 * -fsanitize=thread: a UART writer sending bytes one at a time, two
 * hypercall writers sending each line in two halves, and an attacher
 * that attaches and detaches 50 times. ThreadSanitizer reports any access
 * the lock does not order; the test checks that every line, in the
 * scrollback, the console's lines, the attach snapshots and the raw
 * terminal view, is whole.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/guest_out.h>

#define LINES 3000
#define ATTACHES 50

static struct gout g;
static u8 sb[8192];
static char *raw_buf;
static size_t raw_len, raw_cap = 1 << 20;
static unsigned nlines, bad;

static void fail(const char *what, const char *line)
{
	fprintf(stderr, "FAIL: %s: '%s'\n", what, line);
	bad++;
}

/* "uart 123 xxxxxxxxxxxxxxxx end" or "hc1 17 yyyyyyy end". */
static int whole(const char *s, size_t n)
{
	char buf[256];
	unsigned num;
	char who[8], fill[200], end[8];

	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (sscanf(buf, "%7s %u %199s %7s", who, &num, fill, end) != 4 || strcmp(end, "end"))
		return 0;
	if (strcmp(who, "uart") && strcmp(who, "hc1") && strcmp(who, "hc2"))
		return 0;
	for (const char *c = fill; *c; c++)
		if (*c != fill[0])
			return 0;
	return 1;
}

static void on_line(void *ctx, const char *prefix, const char *line)
{
	(void)ctx;
	nlines++; /* under the gout lock, as everything the sink does */
	if (strcmp(prefix, "[t] ") || !whole(line, strlen(line)))
		fail("console line", line);
}

/* The raw view of the current attach session (the sink runs under the
 * gout lock, as attach and detach do: sessions have exact boundaries). */
static void on_raw(void *ctx, const void *data, size_t n)
{
	(void)ctx;
	if (raw_len + n <= raw_cap) {
		memcpy(raw_buf + raw_len, data, n);
		raw_len += n;
	}
}

static void on_attach(void *ctx, bool attached)
{
	(void)ctx;
	if (attached) /* a new session; after one, the attacher reads it */
		raw_len = 0;
}

static void make_line(char *out, size_t size, const char *who, unsigned i)
{
	unsigned fill = 5 + i % 40;
	int n = snprintf(out, size, "%s %u ", who, i);

	memset(out + n, who[0] == 'u' ? 'x' : 'y', fill);
	snprintf(out + n + fill, size - n - fill, " end\r\n");
}

static void *uart_writer(void *arg)
{
	char line[128];

	(void)arg;
	for (unsigned i = 0; i < LINES; i++) {
		make_line(line, sizeof(line), "uart", i);
		for (char *c = line; *c; c++)
			gout_write(&g, GOUT_UART, c, 1);
	}
	return NULL;
}

static void *hc_writer(void *arg)
{
	unsigned vcpu = (unsigned)(size_t)arg;
	char line[128], who[8];

	snprintf(who, sizeof(who), "hc%u", vcpu);
	for (unsigned i = 0; i < LINES; i++) {
		size_t n, half;

		make_line(line, sizeof(line), who, i);
		n = strlen(line);
		half = n / 2;
		gout_write(&g, GOUT_HC(vcpu), line, half);
		gout_write(&g, GOUT_HC(vcpu), line + half, n - half);
	}
	return NULL;
}

/* Lines of a snapshot: all whole, but the last may be the UART's
 * unfinished one (no newline). */
static void check_snapshot(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++)
		if (s[i] == '\n') {
			if (!whole(s + start, i - start))
				fail("snapshot line", s + start);
			start = i + 1;
		}
	if (start < n && strncmp(s + start, "uart ", start + 5 <= n ? 5 : n - start))
		fail("snapshot tail", s + start);
}

static void check_terminal(const char *s, size_t n);
static unsigned shown;

static void *attacher(void *arg)
{
	static char snap[2048], session[sizeof(snap) + (1 << 20)];

	(void)arg;
	for (int i = 0; i < ATTACHES; i++) {
		size_t n = gout_attach(&g, snap, sizeof(snap)), len;

		check_snapshot(snap, n);
		for (volatile int d = 0; d < 20000; d++)
			;
		gout_detach(&g);
		/* What the screen showed: the snapshot, then the raw view. */
		len = raw_len < sizeof(session) - n ? raw_len : sizeof(session) - n;
		memcpy(session, snap, n);
		memcpy(session + n, raw_buf, len);
		check_terminal(session, n + len);
		for (volatile int d = 0; d < 20000; d++)
			;
	}
	return NULL;
}

/* What a terminal shows of one attach session: lines end at a newline
 * (CR LF in the raw view, LF in the snapshot), "\r ESC [K" erases what
 * the line had so far. The line the session ends in may be unfinished
 * (the console prints a newline when it detaches). */
static void check_terminal(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (i + 3 < n && !memcmp(s + i, "\r\x1b[K", 4)) {
			start = i + 4;
			i += 3;
			continue;
		}
		if (s[i] == '\n') {
			size_t end = i > start && s[i - 1] == '\r' ? i - 1 : i;

			if (!whole(s + start, end - start)) {
				char line[256];
				size_t m = end - start < sizeof(line) - 1 ? end - start : sizeof(line) - 1;

				memcpy(line, s + start, m);
				line[m] = 0;
				fail("terminal line", line);
			}
			shown++;
			start = i + 1;
		}
	}
}

static void check_scrollback(void)
{
	static char out[sizeof(sb)];
	size_t n = ring_tail(&g.scrollback, out, sizeof(out)), start = 0;

	/* The oldest line may be cut by the ring: start after the first newline. */
	while (start < n && out[start] != '\n')
		start++;
	for (size_t i = ++start; i < n; i++)
		if (out[i] == '\n') {
			if (!whole(out + start, i - start))
				fail("scrollback line", out + start);
			start = i + 1;
		}
}

int main(void)
{
	static const struct gout_sink sink = { on_line, on_raw, on_attach, NULL };
	pthread_t t[4];

	raw_buf = malloc(raw_cap);
	gout_init(&g, "t", sb, sizeof(sb), &sink);
	pthread_create(&t[0], NULL, uart_writer, NULL);
	pthread_create(&t[1], NULL, hc_writer, (void *)1);
	pthread_create(&t[2], NULL, hc_writer, (void *)2);
	pthread_create(&t[3], NULL, attacher, NULL);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	gout_end_lines(&g);
	check_scrollback();
	printf("terminal view: %u lines in %d sessions\n", shown, ATTACHES);
	printf("console lines: %u, problems: %u\n", nlines, bad);
	if (g.scrollback.total < 3 * LINES * 10)
		fail("scrollback total", "too few bytes");
	free(raw_buf);
	return bad ? 1 : 0;
}
