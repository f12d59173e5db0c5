/*
 * Unit tests for hv/guest_out.c: lines from several sources stay whole in
 * the scrollback and on the console, long lines come in pieces, a stop
 * ends unfinished lines, the attach snapshot holds whole lines and the
 * UART's unfinished one, and the attached (raw) view draws another
 * source's line over the UART's unfinished one and then redraws it.
 */
#include "unit.h"

#include <tessera/guest_out.h>

struct rec {
	char lines[64][LINEOUT_MAX + 48];
	unsigned nlines;
	char raw[4096];
	size_t nraw;
	unsigned attaching, detaching;
};

static void rec_line(void *ctx, const char *prefix, const char *line)
{
	struct rec *r = ctx;

	assert_true(r->nlines < 64);
	snprintf(r->lines[r->nlines++], sizeof(r->lines[0]), "%s%s", prefix, line);
}

static void rec_raw(void *ctx, const void *data, size_t n)
{
	struct rec *r = ctx;

	assert_true(r->nraw + n <= sizeof(r->raw));
	memcpy(r->raw + r->nraw, data, n);
	r->nraw += n;
}

static void rec_attach(void *ctx, bool attached)
{
	if (attached)
		((struct rec *)ctx)->attaching++;
	else
		((struct rec *)ctx)->detaching++;
}

static struct gout g;
static struct rec rec;
static u8 sb[256];

static int setup(void **state)
{
	static const struct gout_sink sink = { rec_line, rec_raw, rec_attach, &rec };

	(void)state;
	memset(&rec, 0, sizeof(rec));
	gout_init(&g, "p", sb, sizeof(sb), &sink);
	return 0;
}

static void put(unsigned src, const char *s)
{
	gout_write(&g, src, s, strlen(s));
}

/* The scrollback as a string. */
static const char *scrollback(void)
{
	static char out[sizeof(sb) + 1];
	size_t n = ring_tail(&g.scrollback, out, sizeof(sb));

	out[n] = 0;
	return out;
}

static void test_sources_do_not_mix(void **state)
{
	(void)state;
	put(GOUT_UART, "uart one ");
	put(GOUT_HC(1), "hc line\n");
	put(GOUT_UART, "and more\r\n");
	put(GOUT_HC(0), "zero");
	put(GOUT_HC(1), "second ");
	put(GOUT_HC(0), " done\n");
	put(GOUT_HC(1), "hc line\n");
	assert_string_equal(scrollback(),
			    "hc line\nuart one and more\nzero done\nsecond hc line\n");
	assert_int_equal(rec.nlines, 4);
	assert_string_equal(rec.lines[0], "[p] hc line");
	assert_string_equal(rec.lines[1], "[p] uart one and more");
	assert_string_equal(rec.lines[2], "[p] zero done");
	assert_string_equal(rec.lines[3], "[p] second hc line");
	assert_int_equal(rec.nraw, 0);
}

static void test_long_line_in_pieces(void **state)
{
	char longer[GOUT_LINE_MAX + 11];

	(void)state;
	memset(longer, 'x', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = 0;
	put(GOUT_HC(2), longer);
	assert_int_equal(rec.nlines, 1); /* the first GOUT_LINE_MAX bytes */
	assert_int_equal(strlen(rec.lines[0]), 4 + GOUT_LINE_MAX);
	put(GOUT_HC(2), "\n");
	assert_int_equal(rec.nlines, 2);
	assert_string_equal(rec.lines[1], "[p] xxxxxxxxxx");
}

static void test_end_lines(void **state)
{
	(void)state;
	put(GOUT_UART, "unfinished");
	put(GOUT_HC(3), "also");
	gout_end_lines(&g);
	assert_int_equal(rec.nlines, 2);
	assert_string_equal(rec.lines[0], "[p] unfinished");
	assert_string_equal(rec.lines[1], "[p] also");
	assert_string_equal(scrollback(), "unfinished\nalso\n");
	gout_end_lines(&g); /* nothing more */
	assert_int_equal(rec.nlines, 2);
}

static void test_unprintable_bytes(void **state)
{
	(void)state;
	put(GOUT_UART, "a\x1b[1mb\tc\n");
	assert_string_equal(rec.lines[0], "[p] a?[1mb\tc");
	/* The scrollback keeps the raw bytes: attach replays them. */
	assert_string_equal(scrollback(), "a\x1b[1mb\tc\n");
}

static void test_bad_source_ignored(void **state)
{
	(void)state;
	put(GOUT_SOURCES, "nothing\n");
	assert_int_equal(rec.nlines, 0);
	assert_string_equal(scrollback(), "");
}

static void test_attach_snapshot_whole_lines(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	/* More than the ring holds: its oldest line is cut. */
	for (int i = 0; i < 40; i++) {
		char line[32];

		snprintf(line, sizeof(line), "line %02d of the past\n", i);
		put(GOUT_HC(0), line);
	}
	put(GOUT_UART, "prompt# ");
	n = gout_attach(&g, out, sizeof(out) - 1);
	out[n] = 0;
	assert_int_equal(rec.attaching, 1);
	/* 63 bytes: 8 for the prompt, then whole lines of 21 bytes: two. */
	assert_string_equal(out, "line 38 of the past\nline 39 of the past\nprompt# ");
	assert_true(g.attached);
	assert_int_equal(rec.detaching, 0);
	gout_detach(&g);
	assert_false(g.attached);
	assert_int_equal(rec.detaching, 1);
	gout_detach(&g); /* not attached: nothing to tell */
	assert_int_equal(rec.detaching, 1);
}

static void test_attach_tail_exactly_at_a_line_start(void **state)
{
	char out[64];
	size_t n;

	(void)state;
	put(GOUT_HC(0), "aaaa\nbbbb\ncccc\n");
	n = gout_attach(&g, out, 10); /* "bbbb\ncccc\n": the byte before is '\n' */
	out[n] = 0;
	assert_string_equal(out, "bbbb\ncccc\n");
	gout_detach(&g);
	n = gout_attach(&g, out, 9); /* "bbb\ncccc\n": cut, so only "cccc\n" */
	out[n] = 0;
	assert_string_equal(out, "cccc\n");
}

static void test_attached_raw_view(void **state)
{
	char out[64];

	(void)state;
	gout_attach(&g, out, sizeof(out));
	put(GOUT_UART, "linux# ec");
	put(GOUT_HC(1), "hello\n");
	put(GOUT_UART, "ho hi\r\n");
	put(GOUT_HC(1), "bye\n");
	rec.raw[rec.nraw] = 0;
	assert_string_equal(rec.raw, "linux# ec"
				     "\r\x1b[K" "hello\r\n" "linux# ec"
				     "ho hi\r\n"
				     "bye\r\n");
	/* Attached: no console lines; the scrollback has whole lines. */
	assert_int_equal(rec.nlines, 0);
	assert_string_equal(scrollback(), "hello\nlinux# echo hi\nbye\n");
	/* Detached again: lines, no raw. */
	gout_detach(&g);
	rec.nraw = 0;
	put(GOUT_UART, "later\n");
	assert_int_equal(rec.nraw, 0);
	assert_string_equal(rec.lines[0], "[p] later");
}

static void test_attached_uart_piece_ends_its_line(void **state)
{
	char out[8], longer[GOUT_LINE_MAX + 1];

	(void)state;
	gout_attach(&g, out, sizeof(out));
	memset(longer, 'u', GOUT_LINE_MAX);
	longer[GOUT_LINE_MAX] = 0;
	put(GOUT_UART, longer);
	assert_int_equal(rec.nraw, GOUT_LINE_MAX + 2);
	assert_memory_equal(rec.raw + GOUT_LINE_MAX, "\r\n", 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_sources_do_not_mix, setup),
		cmocka_unit_test_setup(test_long_line_in_pieces, setup),
		cmocka_unit_test_setup(test_end_lines, setup),
		cmocka_unit_test_setup(test_unprintable_bytes, setup),
		cmocka_unit_test_setup(test_bad_source_ignored, setup),
		cmocka_unit_test_setup(test_attach_snapshot_whole_lines, setup),
		cmocka_unit_test_setup(test_attach_tail_exactly_at_a_line_start, setup),
		cmocka_unit_test_setup(test_attached_raw_view, setup),
		cmocka_unit_test_setup(test_attached_uart_piece_ends_its_line, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
