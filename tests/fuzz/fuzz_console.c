/*
 * The console's line editor and command parser (hv/console/lineedit.c,
 * hv/console/cmd.c).
 *
 * Input: the bytes a serial terminal sends, fed one at a time to the line
 * editor. Its echo drives a small model of the terminal (printable bytes,
 * BS, CR, LF, BEL, ESC [ n C / D / K), and after every byte the model's
 * line must show exactly the prompt and the edited line, with the cursor
 * where the editor says: the echo protocol in lineedit.c's comment. The
 * editor's own invariants (printable buffer, len <= LINEEDIT_MAX,
 * cursor <= len, NUL at len) are checked too. Each completed line is the
 * line that was shown, and goes through cmd_split and cmd_find against
 * the console's command names, as hv/console/console.c does. The whole
 * input, as one string, goes through cmd_split as well, to reach the
 * limits the editor's 128 characters cannot.
 */
#include "fuzz.h"

#include <tessera/cmd.h>
#include <tessera/lineedit.h>

#define PROMPT "tessera> "
#define COLS 512

/* ------------------------------------------------------------ terminal */

struct term {
	char cell[COLS]; /* the current line; ' ' where nothing is */
	unsigned col;
	unsigned esc;    /* 0 none, 1 after ESC, 2 inside ESC [ */
	unsigned param;
};

static struct term term;

static void term_newline(struct term *t)
{
	memset(t->cell, ' ', sizeof(t->cell));
	t->col = 0;
}

static void term_byte(struct term *t, u8 b)
{
	if (t->esc == 1) {
		FUZZ_CHECK(b == '[');
		t->esc = 2;
		t->param = 0;
		return;
	}
	if (t->esc == 2) {
		if (b >= '0' && b <= '9') {
			t->param = t->param * 10 + (b - '0');
			FUZZ_CHECK(t->param <= COLS);
			return;
		}
		t->esc = 0;
		switch (b) {
		case 'D':
			t->param = t->param ? t->param : 1;
			FUZZ_CHECK(t->param <= t->col);
			t->col -= t->param;
			return;
		case 'C':
			t->col += t->param ? t->param : 1;
			FUZZ_CHECK(t->col < COLS);
			return;
		case 'K':
			memset(t->cell + t->col, ' ', COLS - t->col);
			return;
		}
		FUZZ_CHECK(!"an escape sequence the editor never sends");
	}
	switch (b) {
	case 0x1b:
		t->esc = 1;
		return;
	case '\b':
		FUZZ_CHECK(t->col > 0);
		t->col--;
		return;
	case '\r':
		t->col = 0;
		return;
	case '\n':
		term_newline(t);
		return;
	case '\a':
		return;
	}
	FUZZ_CHECK(b >= 0x20 && b < 0x7f);
	FUZZ_CHECK(t->col < COLS);
	t->cell[t->col++] = (char)b;
}

static void echo(void *ctx, const char *s, size_t n)
{
	struct term *t = ctx;

	FUZZ_CHECK(n > 0);
	for (size_t i = 0; i < n; i++)
		term_byte(t, (u8)s[i]);
}

static void term_puts(struct term *t, const char *s)
{
	while (*s)
		term_byte(t, (u8)*s++);
}

/* The terminal shows the prompt, then buf, then nothing, cursor at it. */
static void check_screen(const struct lineedit *e)
{
	size_t pl = strlen(PROMPT);

	FUZZ_CHECK(term.esc == 0);
	FUZZ_CHECK(memcmp(term.cell, PROMPT, pl) == 0);
	FUZZ_CHECK(memcmp(term.cell + pl, e->buf, e->len) == 0);
	for (size_t i = pl + e->len; i < COLS; i++)
		FUZZ_CHECK(term.cell[i] == ' ');
	FUZZ_CHECK(term.col == pl + e->cursor);
}

static void check_editor(const struct lineedit *e)
{
	FUZZ_CHECK(e->len <= LINEEDIT_MAX);
	FUZZ_CHECK(e->cursor <= e->len);
	FUZZ_CHECK(e->buf[e->len] == '\0');
	for (unsigned i = 0; i < e->len; i++)
		FUZZ_CHECK(e->buf[i] >= 0x20 && e->buf[i] < 0x7f);
	FUZZ_CHECK(e->hist_count <= LINEEDIT_HISTORY);
	FUZZ_CHECK(e->hist_pos >= -1 && e->hist_pos < (int)e->hist_count);
}

/* ------------------------------------------------------------ commands */

static int run_nothing(struct console *c, const struct cmd_args *a)
{
	(void)c;
	(void)a;
	return 0;
}

/* The names and argument counts of hv/console/commands.c. */
static const struct cmd_def table[] = {
	{ "help", "[COMMAND]", "", "", 0, 1, run_nothing },
	{ "list", "[--json]", "", "", 0, 0, run_nothing },
	{ "info", "NAME", "", "", 1, 1, run_nothing },
	{ "attach", "NAME", "", "", 1, 1, run_nothing },
	{ "start", "NAME", "", "", 1, 1, run_nothing },
	{ "stop", "NAME", "", "", 1, 1, run_nothing },
	{ "restart", "NAME", "", "", 1, 1, run_nothing },
	{ "stats", "[NAME] [--reset]", "", "", 0, 1, run_nothing },
	{ "trace", "NAME [COUNT]", "", "", 1, 2, run_nothing },
	{ "regs", "NAME [VCPU]", "", "", 1, 2, run_nothing },
	{ "pause", "NAME", "", "", 1, 1, run_nothing },
	{ "resume", "NAME", "", "", 1, 1, run_nothing },
	{ "mem", "", "", "", 0, 0, run_nothing },
	{ "cpus", "", "", "", 0, 0, run_nothing },
	{ "log", "[level [normal|verbose]]", "", "", 0, 2, run_nothing },
	{ "mute", "[NAME]", "", "", 0, 1, run_nothing },
	{ "unmute", "[NAME]", "", "", 0, 1, run_nothing },
	{ "version", "", "", "", 0, 0, run_nothing },
	{ "reboot", "", "", "", 0, 0, run_nothing },
	{ NULL, NULL, NULL, NULL, 0, 0, NULL },
};

static bool in_storage(const struct cmd_args *a, const char *s)
{
	return s >= a->storage && s < a->storage + sizeof(a->storage) &&
	       memchr(s, '\0', (size_t)(a->storage + sizeof(a->storage) - s)) != NULL;
}

static void check_command(const char *line)
{
	static const size_t sizes[] = { 1, 7, 200 };
	struct cmd_args a;
	enum cmd_parse_result r = cmd_split(line, &a);
	const struct cmd_def *d;
	bool ambiguous;
	char msg[200];
	unsigned prefixed = 0;

	FUZZ_CHECK(cmd_parse_error(r)[0] != '\0');
	if (r != CMD_OK) {
		FUZZ_CHECK(a.argc == 0 && a.nopts == 0);
		return;
	}
	FUZZ_CHECK(a.argc >= 1 && a.argc <= CMD_MAX_ARGS && a.nopts <= CMD_MAX_ARGS);
	for (unsigned i = 0; i < a.argc; i++)
		FUZZ_CHECK(in_storage(&a, a.argv[i]));
	for (unsigned i = 0; i < a.nopts; i++) {
		FUZZ_CHECK(in_storage(&a, a.opts[i]));
		FUZZ_CHECK(strncmp(a.opts[i], "--", 2) == 0);
		FUZZ_CHECK(cmd_has_opt(&a, a.opts[i]));
	}

	d = cmd_find(table, ARRAY_SIZE(table), a.argv[0], &ambiguous);
	for (size_t i = 0; i < ARRAY_SIZE(table); i++)
		if (table[i].name && !strncmp(table[i].name, a.argv[0], strlen(a.argv[0])))
			prefixed++;
	if (d) {
		FUZZ_CHECK(!ambiguous);
		FUZZ_CHECK(strncmp(d->name, a.argv[0], strlen(a.argv[0])) == 0);
		FUZZ_CHECK(!strcmp(d->name, a.argv[0]) ||
			   (prefixed == 1 && strlen(a.argv[0]) >= 2));
	} else {
		FUZZ_CHECK(ambiguous == (prefixed > 1 && strlen(a.argv[0]) >= 2));
	}
	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(msg, 'x', sizeof(msg));
		cmd_usage_error(d, &a, msg, sizes[i]);
		FUZZ_CHECK(memchr(msg, '\0', sizes[i]) != NULL);
	}
}

/* ------------------------------------------------------------ the input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct lineedit e;
	char shown[LINEEDIT_MAX + 1];
	char *whole;

	lineedit_init(&e, echo, &term);
	lineedit_set_prompt(&e, PROMPT);
	term = (struct term){ 0 };
	term_newline(&term);
	term_puts(&term, PROMPT);

	for (size_t i = 0; i < size; i++) {
		enum lineedit_result r;

		memcpy(shown, e.buf, e.len + 1);
		r = lineedit_feed(&e, data[i]);
		check_editor(&e);
		if (r == LE_LINE) {
			FUZZ_CHECK(strcmp(lineedit_line(&e), shown) == 0);
			check_command(lineedit_line(&e));
		}
		if (r != LE_NONE) {
			/* The console prints the prompt again on a fresh line. */
			FUZZ_CHECK(term.col == 0);
			term_puts(&term, PROMPT);
		}
		check_screen(&e);
	}

	whole = malloc(size + 1);
	memcpy(whole, data, size);
	whole[size] = '\0';
	check_command(whole);
	free(whole);
	return 0;
}
