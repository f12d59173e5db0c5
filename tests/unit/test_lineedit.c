/*
 * Unit tests for hv/console/lineedit.c: typing and editing, the exact echo
 * bytes, cursor keys as escape sequences (also split across feeds),
 * Ctrl-U, Ctrl-C, CR/LF/CRLF, history (order, overflow, duplicates, the
 * edited line restored), over-long lines, unknown escape sequences, and
 * 100k random bytes that must never break the invariants.
 */
#include "unit.h"

#include <tessera/lineedit.h>

#define PROMPT "tessera> "

struct capture {
	size_t n;
	char buf[8192];
};

static void capture_echo(void *ctx, const char *s, size_t n)
{
	struct capture *c = ctx;

	assert_true(c->n + n < sizeof(c->buf));
	memcpy(c->buf + c->n, s, n);
	c->n += n;
	c->buf[c->n] = '\0';
}

static void reset(struct capture *c)
{
	c->n = 0;
	c->buf[0] = '\0';
}

struct fixture {
	struct lineedit e;
	struct capture c;
};

static struct fixture *setup_editor(void)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	lineedit_init(&f.e, capture_echo, &f.c);
	lineedit_set_prompt(&f.e, PROMPT);
	return &f;
}

/* Feed a string; returns the last result that was not LE_NONE, or LE_NONE. */
static enum lineedit_result feed(struct lineedit *e, const char *s)
{
	enum lineedit_result last = LE_NONE, r;

	while (*s) {
		r = lineedit_feed(e, (u8)*s++);
		if (r != LE_NONE)
			last = r;
	}
	return last;
}

static void check_invariants(const struct lineedit *e)
{
	assert_true(e->len <= LINEEDIT_MAX);
	assert_true(e->cursor <= e->len);
	assert_int_equal(e->buf[e->len], '\0');
	for (unsigned i = 0; i < e->len; i++)
		assert_true(e->buf[i] >= 0x20 && e->buf[i] < 0x7f);
}

#define UP "\x1b[A"
#define DOWN "\x1b[B"
#define RIGHT "\x1b[C"
#define LEFT "\x1b[D"
#define HOME "\x1b[H"
#define END "\x1b[F"

static void test_typing(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	assert_int_equal(feed(&f->e, "list"), LE_NONE);
	assert_string_equal(f->e.buf, "list");
	assert_int_equal(f->e.cursor, 4);
	assert_string_equal(f->c.buf, "list");
	reset(&f->c);
	assert_int_equal(lineedit_feed(&f->e, '\r'), LE_LINE);
	assert_string_equal(lineedit_line(&f->e), "list");
	assert_string_equal(f->c.buf, "\r\n");
	assert_int_equal(f->e.len, 0);
	assert_int_equal(f->e.cursor, 0);
	assert_string_equal(f->e.buf, "");
}

static void test_backspace(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	/* At the start: nothing happens, nothing is echoed. */
	feed(&f->e, "\x7f\b");
	assert_int_equal(f->c.n, 0);
	assert_int_equal(f->e.len, 0);

	feed(&f->e, "abc");
	reset(&f->c);
	lineedit_feed(&f->e, 0x7f);
	assert_string_equal(f->e.buf, "ab");
	assert_string_equal(f->c.buf, "\b \b");
	reset(&f->c);
	lineedit_feed(&f->e, 0x08);
	assert_string_equal(f->e.buf, "a");
	assert_string_equal(f->c.buf, "\b \b");

	/* In the middle: the rest moves left, a space covers the last cell. */
	feed(&f->e, "bcd" LEFT LEFT);
	assert_string_equal(f->e.buf, "abcd");
	assert_int_equal(f->e.cursor, 2);
	reset(&f->c);
	lineedit_feed(&f->e, 0x7f);
	assert_string_equal(f->e.buf, "acd");
	assert_int_equal(f->e.cursor, 1);
	assert_string_equal(f->c.buf, "\bcd \x1b[3D");

	/* Back to the start: one more, then no-ops. */
	lineedit_feed(&f->e, 0x7f);
	assert_string_equal(f->e.buf, "cd");
	assert_int_equal(f->e.cursor, 0);
	reset(&f->c);
	lineedit_feed(&f->e, 0x7f);
	assert_string_equal(f->e.buf, "cd");
	assert_int_equal(f->c.n, 0);
}

static void test_cursor_and_insert(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	feed(&f->e, "restrt");
	reset(&f->c);
	feed(&f->e, LEFT);
	assert_int_equal(f->e.cursor, 5);
	assert_string_equal(f->c.buf, "\x1b[D");
	feed(&f->e, LEFT);
	reset(&f->c);
	lineedit_feed(&f->e, 'a');
	assert_string_equal(f->e.buf, "restart");
	assert_int_equal(f->e.cursor, 5);
	/* The rest of the line from the new character, then back over "rt". */
	assert_string_equal(f->c.buf, "art\x1b[2D");

	reset(&f->c);
	feed(&f->e, RIGHT);
	assert_int_equal(f->e.cursor, 6);
	assert_string_equal(f->c.buf, "\x1b[C");
	feed(&f->e, RIGHT);
	/* Right at the end and Left at the start do nothing, silently. */
	reset(&f->c);
	feed(&f->e, RIGHT);
	assert_int_equal(f->e.cursor, 7);
	assert_int_equal(f->c.n, 0);

	/* Home: full redraw, cursor back over the whole line. */
	reset(&f->c);
	feed(&f->e, HOME);
	assert_int_equal(f->e.cursor, 0);
	assert_string_equal(f->c.buf, "\r" PROMPT "restart\x1b[K\x1b[7D");
	reset(&f->c);
	feed(&f->e, LEFT);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(f->e.cursor, 0);

	/* Insert at the start. */
	reset(&f->c);
	lineedit_feed(&f->e, '_');
	assert_string_equal(f->e.buf, "_restart");
	assert_string_equal(f->c.buf, "_restart\x1b[7D");

	/* End: full redraw, no cursor move. */
	reset(&f->c);
	feed(&f->e, END);
	assert_int_equal(f->e.cursor, 8);
	assert_string_equal(f->c.buf, "\r" PROMPT "_restart\x1b[K");

	/* The other Home/End spellings. */
	feed(&f->e, "\x1b[1~");
	assert_int_equal(f->e.cursor, 0);
	feed(&f->e, "\x1b[4~");
	assert_int_equal(f->e.cursor, 8);
	feed(&f->e, "\x1b[7~");
	assert_int_equal(f->e.cursor, 0);
	feed(&f->e, "\x1b[8~");
	assert_int_equal(f->e.cursor, 8);
	feed(&f->e, "\x1bOH");
	assert_int_equal(f->e.cursor, 0);
	feed(&f->e, "\x1bOF");
	assert_int_equal(f->e.cursor, 8);
	/* Application cursor mode arrows. */
	feed(&f->e, "\x1bOD\x1bOD");
	assert_int_equal(f->e.cursor, 6);
	feed(&f->e, "\x1bOC");
	assert_int_equal(f->e.cursor, 7);
	assert_string_equal(f->e.buf, "_restart");

	assert_int_equal(feed(&f->e, "\r"), LE_LINE);
	assert_string_equal(lineedit_line(&f->e), "_restart");
}

static void test_ctrl_u(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	feed(&f->e, "stop web" LEFT LEFT);
	reset(&f->c);
	lineedit_feed(&f->e, 0x15);
	assert_int_equal(f->e.len, 0);
	assert_int_equal(f->e.cursor, 0);
	assert_string_equal(f->e.buf, "");
	assert_string_equal(f->c.buf, "\r" PROMPT "\x1b[K");
	feed(&f->e, "ok");
	assert_int_equal(feed(&f->e, "\r"), LE_LINE);
	assert_string_equal(lineedit_line(&f->e), "ok");
}

static void test_ctrl_c(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	feed(&f->e, "reboot");
	reset(&f->c);
	assert_int_equal(lineedit_feed(&f->e, 0x03), LE_CANCEL);
	assert_string_equal(f->c.buf, "^C\r\n");
	assert_int_equal(f->e.len, 0);
	assert_string_equal(f->e.buf, "");
	/* Nothing went into the history. */
	assert_int_equal(f->e.hist_count, 0);
	/* Ctrl-C on an empty line still cancels. */
	assert_int_equal(lineedit_feed(&f->e, 0x03), LE_CANCEL);
}

static void test_line_ends(void **state)
{
	struct fixture *f = setup_editor();
	int lines = 0;
	const char *s = "a\rb\nc\r\nd\n\re\r\r";

	(void)state;
	/* CR, LF, CR LF are one Enter each; LF CR and CR CR are two. */
	for (; *s; s++)
		if (lineedit_feed(&f->e, (u8)*s) == LE_LINE)
			lines++;
	/* a, b, c, d, "", e, "" */
	assert_int_equal(lines, 7);

	/* The LF of a CR LF is silent. */
	feed(&f->e, "x");
	reset(&f->c);
	assert_int_equal(lineedit_feed(&f->e, '\r'), LE_LINE);
	assert_string_equal(lineedit_line(&f->e), "x");
	assert_int_equal(lineedit_feed(&f->e, '\n'), LE_NONE);
	assert_string_equal(f->c.buf, "\r\n");

	/* A CR, a key, then an LF: the LF is an Enter again. */
	assert_int_equal(feed(&f->e, "\ry"), LE_LINE);
	assert_int_equal(lineedit_feed(&f->e, '\n'), LE_LINE);
	assert_string_equal(lineedit_line(&f->e), "y");
}

static void test_history(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	/* Up and Down with no history: nothing. */
	feed(&f->e, "q");
	reset(&f->c);
	feed(&f->e, UP DOWN);
	assert_int_equal(f->c.n, 0);
	assert_string_equal(f->e.buf, "q");
	feed(&f->e, "\x15");

	feed(&f->e, "one\r");
	feed(&f->e, "two\r");
	feed(&f->e, "three\r");
	assert_int_equal(f->e.hist_count, 3);

	feed(&f->e, "edi");
	reset(&f->c);
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "three");
	assert_int_equal(f->e.cursor, 5);
	assert_string_equal(f->c.buf, "\r" PROMPT "three\x1b[K");
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "two");
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "one");
	/* Past the oldest: stays, silently. */
	reset(&f->c);
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "one");
	assert_int_equal(f->c.n, 0);
	feed(&f->e, DOWN);
	assert_string_equal(f->e.buf, "two");
	feed(&f->e, DOWN);
	assert_string_equal(f->e.buf, "three");
	/* Past the newest: the line being edited comes back. */
	reset(&f->c);
	feed(&f->e, DOWN);
	assert_string_equal(f->e.buf, "edi");
	assert_int_equal(f->e.cursor, 3);
	assert_string_equal(f->c.buf, "\r" PROMPT "edi\x1b[K");
	reset(&f->c);
	feed(&f->e, DOWN);
	assert_int_equal(f->c.n, 0);
	assert_string_equal(f->e.buf, "edi");

	/* A recalled line can be edited and entered; the entry stays. */
	feed(&f->e, "\x15" UP UP "s");
	assert_string_equal(f->e.buf, "twos");
	assert_int_equal(feed(&f->e, "\r"), LE_LINE);
	assert_string_equal(lineedit_line(&f->e), "twos");
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "twos");
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "three");
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "two");
	feed(&f->e, "\x03");

	/* An empty edited line is restored as empty. */
	feed(&f->e, UP DOWN);
	assert_string_equal(f->e.buf, "");
	assert_int_equal(f->e.len, 0);
}

static void test_history_dups_and_blank(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	feed(&f->e, "list\rlist\r\r   \rlist\r");
	assert_int_equal(f->e.hist_count, 1);
	feed(&f->e, "stats\rlist\r");
	assert_int_equal(f->e.hist_count, 3);
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "list");
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "stats");
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "list");
	/* Enter on a recalled line that equals the newest: not stored again. */
	feed(&f->e, "\x03" UP "\r");
	assert_int_equal(f->e.hist_count, 3);
	assert_string_equal(lineedit_line(&f->e), "list");
}

static void test_history_overflow(void **state)
{
	struct fixture *f = setup_editor();
	char cmd[16];

	(void)state;
	for (int i = 0; i < LINEEDIT_HISTORY + 5; i++) {
		snprintf(cmd, sizeof(cmd), "cmd%d\r", i);
		assert_int_equal(feed(&f->e, cmd), LE_LINE);
	}
	assert_int_equal(f->e.hist_count, LINEEDIT_HISTORY);
	for (int i = LINEEDIT_HISTORY + 4; i >= 5; i--) {
		snprintf(cmd, sizeof(cmd), "cmd%d", i);
		feed(&f->e, UP);
		assert_string_equal(f->e.buf, cmd);
	}
	/* The 5 oldest are gone. */
	feed(&f->e, UP);
	assert_string_equal(f->e.buf, "cmd5");
	for (int i = 6; i < LINEEDIT_HISTORY + 5; i++) {
		snprintf(cmd, sizeof(cmd), "cmd%d", i);
		feed(&f->e, DOWN);
		assert_string_equal(f->e.buf, cmd);
	}
	feed(&f->e, DOWN);
	assert_string_equal(f->e.buf, "");
}

static void test_split_escapes(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	feed(&f->e, "one\rtwo\r");
	feed(&f->e, "xy");
	/* ESC [ D one byte per feed, nothing echoed until the final byte. */
	reset(&f->c);
	assert_int_equal(lineedit_feed(&f->e, 0x1b), LE_NONE);
	assert_int_equal(lineedit_feed(&f->e, '['), LE_NONE);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(lineedit_feed(&f->e, 'D'), LE_NONE);
	assert_int_equal(f->e.cursor, 1);
	assert_string_equal(f->c.buf, "\x1b[D");
	assert_string_equal(f->e.buf, "xy");
	/* Up, split, as two separate feeds. */
	feed(&f->e, "\x1b");
	feed(&f->e, "[");
	feed(&f->e, "A");
	assert_string_equal(f->e.buf, "two");
	feed(&f->e, "\x1b[");
	feed(&f->e, "A");
	assert_string_equal(f->e.buf, "one");
	feed(&f->e, "\x1b");
	feed(&f->e, "[B");
	assert_string_equal(f->e.buf, "two");
	feed(&f->e, "\x1b[1");
	feed(&f->e, "~");
	assert_int_equal(f->e.cursor, 0);
}

static void test_unknown_escapes(void **state)
{
	struct fixture *f = setup_editor();

	(void)state;
	feed(&f->e, "abc");
	reset(&f->c);
	/* Delete, Insert, PgUp, F5, Ctrl-Left, F1 (SS3), mouse-ish private
	 * CSI, ESC x (Alt-x), ESC ( B (charset), ESC Z, ESC O x, 2-digit
	 * params ending in A/~, and key finals after other parameter or
	 * intermediate bytes. */
	feed(&f->e, "\x1b[3~\x1b[2~\x1b[5~\x1b[15~\x1b[1;5D\x1bOP\x1b[?25h\x1bx\x1b(B\x1bZ"
		    "\x1bOx\x1b[11A\x1b[12~\x1b[0~\x1b[9~\x1b[1X\x1b[Z\x1b[ q\x1b[;H\x1b[?1~\x1b[ H");
	assert_string_equal(f->e.buf, "abc");
	assert_int_equal(f->e.cursor, 3);
	assert_int_equal(f->c.n, 0);
	check_invariants(&f->e);

	/* A control byte ends a sequence and is handled: ESC Enter is Enter. */
	assert_int_equal(feed(&f->e, "\x1b["), LE_NONE);
	assert_int_equal(lineedit_feed(&f->e, '\r'), LE_LINE);
	assert_string_equal(lineedit_line(&f->e), "abc");
	/* ESC ESC [ D: the second ESC starts a new sequence. */
	feed(&f->e, "hi\x1b\x1b[D");
	assert_int_equal(f->e.cursor, 1);
	/* A high byte inside a sequence ends it and is dropped. */
	feed(&f->e, "\x1b[\xc3" "D");
	assert_string_equal(f->e.buf, "hDi");
	/* Non-ASCII and other control bytes outside sequences: ignored. */
	feed(&f->e, "\x80\xff\x01\x02\x04\t\x7f");
	assert_string_equal(f->e.buf, "hi");
}

static void test_too_long(void **state)
{
	struct fixture *f = setup_editor();
	char want[LINEEDIT_MAX + 1];

	(void)state;
	for (int i = 0; i < LINEEDIT_MAX; i++) {
		want[i] = (char)('a' + i % 26);
		lineedit_feed(&f->e, (u8)want[i]);
	}
	want[LINEEDIT_MAX] = '\0';
	assert_int_equal(f->e.len, LINEEDIT_MAX);
	reset(&f->c);
	feed(&f->e, "XYZ");
	assert_string_equal(f->c.buf, "\a\a\a");
	assert_string_equal(f->e.buf, want);
	/* Also refused in the middle. */
	feed(&f->e, LEFT);
	reset(&f->c);
	feed(&f->e, "Q");
	assert_string_equal(f->c.buf, "\a");
	assert_string_equal(f->e.buf, want);
	check_invariants(&f->e);
	/* Room again after a backspace. */
	feed(&f->e, END "\x7f" "!");
	assert_int_equal(f->e.len, LINEEDIT_MAX);
	assert_int_equal(f->e.buf[LINEEDIT_MAX - 1], '!');
	assert_int_equal(feed(&f->e, "\r"), LE_LINE);
	assert_int_equal(strlen(lineedit_line(&f->e)), LINEEDIT_MAX);
	/* A full-length line comes back from the history whole. */
	feed(&f->e, UP);
	assert_int_equal(f->e.len, LINEEDIT_MAX);
	check_invariants(&f->e);
}

static void test_no_echo_fn(void **state)
{
	struct lineedit e;

	(void)state;
	lineedit_init(&e, NULL, NULL);
	assert_int_equal(feed(&e, "ab" LEFT "c" HOME "\x7f\x15x\r"), LE_LINE);
	assert_string_equal(lineedit_line(&e), "x");
}

static void test_no_prompt(void **state)
{
	struct fixture *f = setup_editor();
	struct lineedit *e2 = malloc(sizeof(*e2));
	struct capture *c2 = calloc(1, sizeof(*c2));

	(void)state;
	/* Two editors with different prompts, one with none. */
	lineedit_init(e2, capture_echo, c2);
	feed(e2, "ab" HOME);
	assert_string_equal(c2->buf, "ab\r" "ab\x1b[K\x1b[2D");
	lineedit_set_prompt(e2, "> ");
	reset(c2);
	feed(e2, END);
	assert_string_equal(c2->buf, "\r> ab\x1b[K");
	reset(&f->c);
	feed(&f->e, "z" HOME);
	assert_string_equal(f->c.buf, "z\r" PROMPT "z\x1b[K\x1b[1D");
	/* init forgets the prompt. */
	lineedit_init(e2, capture_echo, c2);
	reset(c2);
	feed(e2, "\x15");
	assert_string_equal(c2->buf, "\r\x1b[K");
	free(e2);
	free(c2);
}

static void test_random_bytes(void **state)
{
	struct fixture *f = setup_editor();
	unsigned seed = 12345;
	unsigned lines = 0;

	(void)state;
	for (int i = 0; i < 100000; i++) {
		u8 b;
		enum lineedit_result r;

		seed = seed * 1103515245u + 12345u;
		b = (u8)(seed >> 16);
		/* Mostly uniform over 0..255, with bursts of the editing keys. */
		if ((seed >> 8) % 4 == 0) {
			static const u8 keys[] = { 0x1b, '[', 'A', 'B', 'C', 'D', 'H', 'F',
						   '1', '4', '~', 0x7f, '\r', '\n', 'O' };
			b = keys[(seed >> 24) % sizeof(keys)];
		}
		reset(&f->c);
		r = lineedit_feed(&f->e, b);
		check_invariants(&f->e);
		if (r == LE_LINE) {
			const char *l = lineedit_line(&f->e);

			lines++;
			assert_true(strlen(l) <= LINEEDIT_MAX);
			for (; *l; l++)
				assert_true(*l >= 0x20 && *l < 0x7f);
		}
		for (unsigned h = 0; h < f->e.hist_count; h++)
			assert_true(strlen(f->e.history[h]) <= LINEEDIT_MAX);
	}
	assert_true(lines > 100);
	/* Whatever state it was left in, a clean line still works. */
	feed(&f->e, "\x03" "status\r");
	assert_string_equal(lineedit_line(&f->e), "status");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_typing),
		cmocka_unit_test(test_backspace),
		cmocka_unit_test(test_cursor_and_insert),
		cmocka_unit_test(test_ctrl_u),
		cmocka_unit_test(test_ctrl_c),
		cmocka_unit_test(test_line_ends),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_history_dups_and_blank),
		cmocka_unit_test(test_history_overflow),
		cmocka_unit_test(test_split_escapes),
		cmocka_unit_test(test_unknown_escapes),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_no_echo_fn),
		cmocka_unit_test(test_no_prompt),
		cmocka_unit_test(test_random_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
