/*
 * Unit tests for hv/lineout.c: the "[name] " prefix and its truncation,
 * LF and CRLF line ends, tabs and the '?' for other control and non-ASCII
 * bytes, lines split at LINEOUT_MAX, flush, and two partitions' streams
 * interleaving on the console by whole lines only.
 */
#include "unit.h"

#include <tessera/lineout.h>

#define MAX_LINES 16

/* Everything emitted, in order, across all lineouts sharing it. */
struct capture {
	unsigned n;
	char prefix[MAX_LINES][64];
	char line[MAX_LINES][LINEOUT_MAX + 2];
	char console[4096]; /* prefix + line + "\n", as a console would print */
};

static void capture_emit(void *ctx, const char *prefix, const char *line)
{
	struct capture *c = ctx;

	assert_true(c->n < MAX_LINES);
	assert_true(strlen(prefix) < sizeof(c->prefix[0]));
	assert_true(strlen(line) <= LINEOUT_MAX);
	strcpy(c->prefix[c->n], prefix);
	strcpy(c->line[c->n], line);
	c->n++;
	assert_true(strlen(c->console) + strlen(prefix) + strlen(line) + 2 <= sizeof(c->console));
	strcat(c->console, prefix);
	strcat(c->console, line);
	strcat(c->console, "\n");
}

static void feed(struct lineout *l, const char *s)
{
	while (*s)
		lineout_byte(l, (u8)*s++);
}

static void test_prefix(void **state)
{
	static struct capture c;
	struct lineout l;
	char longname[100];

	(void)state;
	memset(&c, 0, sizeof(c));
	lineout_init(&l, "web-1", capture_emit, &c);
	assert_string_equal(l.prefix, "[web-1] ");

	lineout_init(&l, "", capture_emit, &c);
	assert_string_equal(l.prefix, "[] ");

	/* A name too long for prefix[]: cut, brackets and space kept. */
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	lineout_init(&l, longname, capture_emit, &c);
	assert_int_equal(strlen(l.prefix), sizeof(l.prefix) - 1);
	assert_int_equal(l.prefix[0], '[');
	assert_memory_equal(l.prefix + sizeof(l.prefix) - 3, "] ", 3);
	for (size_t i = 1; i < sizeof(l.prefix) - 3; i++)
		assert_int_equal(l.prefix[i], 'n');

	/* The longest name that fits is kept whole. */
	longname[sizeof(l.prefix) - 4] = '\0';
	lineout_init(&l, longname, capture_emit, &c);
	assert_int_equal(strlen(l.prefix), sizeof(l.prefix) - 1);
	assert_memory_equal(l.prefix + 1, longname, strlen(longname));
}

static void test_lf_and_crlf(void **state)
{
	static struct capture c;
	struct lineout l;

	(void)state;
	memset(&c, 0, sizeof(c));
	lineout_init(&l, "a", capture_emit, &c);
	feed(&l, "hello\n");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.prefix[0], "[a] ");
	assert_string_equal(c.line[0], "hello");

	feed(&l, "dos line\r\n");
	feed(&l, "\n");       /* an empty line is still a line */
	feed(&l, "\r\n");     /* so is an empty CRLF line */
	feed(&l, "a\rb\n");   /* lone CR dropped too */
	feed(&l, "partial");  /* no newline: held */
	assert_int_equal(c.n, 5);
	assert_string_equal(c.line[1], "dos line");
	assert_string_equal(c.line[2], "");
	assert_string_equal(c.line[3], "");
	assert_string_equal(c.line[4], "ab");
	assert_string_equal(c.console,
			    "[a] hello\n[a] dos line\n[a] \n[a] \n[a] ab\n");
}

static void test_control_and_high_bytes(void **state)
{
	static struct capture c;
	struct lineout l;
	char want[300];
	size_t w = 0;

	(void)state;
	memset(&c, 0, sizeof(c));
	lineout_init(&l, "p", capture_emit, &c);
	/* Every byte value except LF, in order. */
	for (unsigned b = 0; b < 256; b++) {
		if (b == '\n')
			continue;
		lineout_byte(&l, (u8)b);
		if (b == '\r')
			continue;
		if (b == '\t' || (b >= 0x20 && b < 0x7f))
			want[w++] = (char)b;
		else
			want[w++] = '?';
	}
	want[w] = '\0';
	assert_int_equal(w, 254);
	lineout_flush(&l);
	/* 254 characters: one full piece of LINEOUT_MAX, then the rest. */
	assert_int_equal(c.n, 2);
	assert_int_equal(strlen(c.line[0]), LINEOUT_MAX);
	assert_memory_equal(c.line[0], want, LINEOUT_MAX);
	assert_string_equal(c.line[1], want + LINEOUT_MAX);

	memset(&c, 0, sizeof(c));
	feed(&l, "\x1b[31mred\x1b[0m\ttab \x7f caf\xc3\xa9\n");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.line[0], "?[31mred?[0m\ttab ? caf??");
}

static void test_long_lines(void **state)
{
	static struct capture c;
	struct lineout l;
	char s[3 * LINEOUT_MAX + 10];

	(void)state;
	memset(&c, 0, sizeof(c));
	lineout_init(&l, "long", capture_emit, &c);

	/* Exactly LINEOUT_MAX then newline: one line, no empty piece. */
	memset(s, 'x', LINEOUT_MAX);
	s[LINEOUT_MAX] = '\0';
	feed(&l, s);
	assert_int_equal(c.n, 0);
	feed(&l, "\n");
	assert_int_equal(c.n, 1);
	assert_string_equal(c.line[0], s);

	/* LINEOUT_MAX + 1: a full piece, then one character. */
	memset(&c, 0, sizeof(c));
	feed(&l, s);
	feed(&l, "y\n");
	assert_int_equal(c.n, 2);
	assert_string_equal(c.line[0], s);
	assert_string_equal(c.line[1], "y");

	/* 2.5 times LINEOUT_MAX in distinct characters: three pieces, in
	 * order, nothing lost. */
	memset(&c, 0, sizeof(c));
	for (size_t i = 0; i < LINEOUT_MAX * 5 / 2; i++)
		s[i] = (char)('a' + i % 26);
	s[LINEOUT_MAX * 5 / 2] = '\0';
	feed(&l, s);
	assert_int_equal(c.n, 2);
	feed(&l, "\r\n");
	assert_int_equal(c.n, 3);
	assert_memory_equal(c.line[0], s, LINEOUT_MAX);
	assert_memory_equal(c.line[1], s + LINEOUT_MAX, LINEOUT_MAX);
	assert_string_equal(c.line[2], s + 2 * LINEOUT_MAX);
	for (unsigned i = 0; i < 3; i++)
		assert_string_equal(c.prefix[i], "[long] ");
}

static void test_flush(void **state)
{
	static struct capture c;
	struct lineout l;

	(void)state;
	memset(&c, 0, sizeof(c));
	lineout_init(&l, "f", capture_emit, &c);
	lineout_flush(&l); /* nothing held: nothing emitted */
	assert_int_equal(c.n, 0);
	feed(&l, "done\n");
	lineout_flush(&l); /* just emitted: nothing held */
	assert_int_equal(c.n, 1);
	feed(&l, "no newline");
	lineout_flush(&l);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.line[1], "no newline");
	lineout_flush(&l);
	assert_int_equal(c.n, 2);
	feed(&l, "\r"); /* only a CR held: nothing to show */
	lineout_flush(&l);
	assert_int_equal(c.n, 2);
	feed(&l, "next\n"); /* the buffer starts clean after a flush */
	assert_string_equal(c.line[2], "next");
}

static void test_no_emit_callback(void **state)
{
	struct lineout l;

	(void)state;
	lineout_init(&l, "quiet", NULL, NULL);
	feed(&l, "dropped\n");
	feed(&l, "held");
	lineout_flush(&l);
	assert_int_equal(l.len, 0);
}

/* Two partitions writing byte by byte, interleaved arbitrarily: the
 * console shows each one's lines whole, in each one's order. */
static void test_interleaved_partitions(void **state)
{
	static struct capture c;
	struct lineout a, b;
	const char *sa = "alpha one\r\nalpha two\r\nalpha three";
	const char *sb = "beta 1\nbeta 2\n";

	(void)state;
	memset(&c, 0, sizeof(c));
	lineout_init(&a, "alpha", capture_emit, &c);
	lineout_init(&b, "beta", capture_emit, &c);
	/* One byte each in turn: a line goes out the moment its newline
	 * arrives, never mixed with the other stream's partial line. */
	while (*sa || *sb) {
		if (*sa)
			lineout_byte(&a, (u8)*sa++);
		if (*sb)
			lineout_byte(&b, (u8)*sb++);
	}
	assert_int_equal(c.n, 4);
	lineout_flush(&a);
	lineout_flush(&b);
	assert_int_equal(c.n, 5);
	assert_string_equal(c.console,
			    "[beta] beta 1\n"      /* its LF is byte 7 */
			    "[alpha] alpha one\n"  /* byte 11 */
			    "[beta] beta 2\n"      /* byte 14 */
			    "[alpha] alpha two\n"  /* byte 22 */
			    "[alpha] alpha three\n"); /* the flush */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_lf_and_crlf),
		cmocka_unit_test(test_control_and_high_bytes),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_no_emit_callback),
		cmocka_unit_test(test_interleaved_partitions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
