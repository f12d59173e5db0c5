/*
 * The console's line editor: <tessera/lineedit.h>.
 *
 * Invariants, whatever bytes arrive: buf holds only printable ASCII
 * (0x20..0x7e), len <= LINEEDIT_MAX, buf[len] == '\0', cursor <= len.
 *
 * Echo (all of one feed goes out in as few echo calls as fit a small
 * buffer, usually one):
 *   insert at the end        the character
 *   insert in the middle     the rest of the line from the new character,
 *                            then ESC [ n D to put the cursor back
 *   backspace at the end     "\b \b"
 *   backspace in the middle  "\b", the rest of the line, " ", ESC [ n D
 *   backspace at the start   nothing
 *   Left / Right             ESC [ D / ESC [ C (nothing at either end)
 *   Home, End, Up, Down, Ctrl-U   a full redraw:
 *                            "\r" prompt line ESC [ K, then ESC [ n D if
 *                            the cursor is not at the end
 *   Enter                    "\r\n"
 *   Ctrl-C                   "^C\r\n"
 *   a character refused because the line is full   "\a"
 * Cursor moves back are always ESC [ n D (never a run of "\b"), n >= 1.
 * Up with no older entry and Down when not browsing echo nothing.
 *
 * Escape sequences: ESC [ A/B/C/D/H/F, ESC [ 1~ 7~ (Home), ESC [ 4~ 8~
 * (End), and ESC O A/B/C/D/H/F (what xterm sends in application cursor
 * mode). Any other CSI sequence (parameters, intermediates, then a final
 * byte 0x40..0x7e) or ESC + one character is swallowed. A control byte
 * inside a sequence ends the sequence and is then handled as itself (so
 * ESC Enter is still Enter); a byte >= 0x80 inside one ends it and is
 * dropped.
 *
 * Enter is CR or LF; an LF right after a CR is dropped, so CR LF is one
 * Enter. LF CR, CR CR and LF LF are two.
 *
 * History: a ring of LINEEDIT_HISTORY lines, the oldest overwritten. A line
 * goes in when it is not blank (spaces only count as blank) and differs
 * from the newest entry. Up goes to older entries, Down to newer ones and,
 * past the newest, back to the line that was being edited when browsing
 * began. That line is kept in e->line, which the header only promises
 * until the next feed. Editing a recalled line changes the copy in buf,
 * never the history entry.
 *
 * The prompt: lineedit_set_prompt keeps the pointer (not a copy: the
 * string must stay valid). An editor without a prompt redraws with none.
 */
#include <tessera/format.h>
#include <tessera/lineedit.h>
#include <tessera/string.h>

enum esc_state {
	ESC_NONE,
	ESC_ESC,   /* got ESC */
	ESC_CSI,   /* got ESC [ (and maybe parameters) */
	ESC_SS3,   /* got ESC O */
	ESC_INTER, /* got ESC and intermediate bytes (e.g. ESC ( B) */
};

#define PARAM_NONE 0
#define PARAM_BAD '?' /* several digits, ';', intermediates: not ours */

#define KEY_CTRL_C 0x03
#define KEY_BS 0x08
#define KEY_CTRL_U 0x15
#define KEY_ESC 0x1b
#define KEY_DEL 0x7f

/* --------------------------------------------------------------- prompts */

static const char *prompt_of(const struct lineedit *e)
{
	return e->prompt ? e->prompt : "";
}

void lineedit_set_prompt(struct lineedit *e, const char *prompt)
{
	e->prompt = prompt;
}

/* ------------------------------------------------------------------ echo */

struct out {
	struct lineedit *e;
	size_t n;
	char b[192];
};

static void out_flush(struct out *o)
{
	if (o->n && o->e->echo)
		o->e->echo(o->e->ctx, o->b, o->n);
	o->n = 0;
}

static void out_bytes(struct out *o, const char *s, size_t n)
{
	while (n) {
		size_t k = sizeof(o->b) - o->n;

		if (!k) {
			out_flush(o);
			continue;
		}
		if (k > n)
			k = n;
		memcpy(o->b + o->n, s, k);
		o->n += k;
		s += k;
		n -= k;
	}
}

static void out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

/* Move the terminal's cursor n columns left. */
static void out_left(struct out *o, unsigned n)
{
	char seq[16];
	int k;

	if (!n)
		return;
	k = strfmt(seq, sizeof(seq), "\x1b[%uD", n);
	out_bytes(o, seq, (size_t)k);
}

static void redraw(struct lineedit *e, struct out *o)
{
	out_str(o, "\r");
	out_str(o, prompt_of(e));
	out_bytes(o, e->buf, e->len);
	out_str(o, "\x1b[K");
	out_left(o, e->len - e->cursor);
}

/* --------------------------------------------------------------- editing */

static void set_buf(struct lineedit *e, const char *s)
{
	size_t n = 0;

	while (n < LINEEDIT_MAX && s[n])
		n++;
	memcpy(e->buf, s, n);
	e->buf[n] = '\0';
	e->len = (unsigned)n;
	e->cursor = e->len;
}

static void clear_buf(struct lineedit *e)
{
	e->len = 0;
	e->cursor = 0;
	e->buf[0] = '\0';
}

void lineedit_init(struct lineedit *e, lineedit_echo_fn echo, void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->hist_pos = -1;
	e->esc_state = ESC_NONE;
	e->esc_param = PARAM_NONE;
	e->echo = echo;
	e->ctx = ctx;
}

const char *lineedit_line(const struct lineedit *e)
{
	return e->line;
}

static void insert(struct lineedit *e, struct out *o, char c)
{
	if (e->len >= LINEEDIT_MAX) {
		out_str(o, "\a");
		return;
	}
	memmove(e->buf + e->cursor + 1, e->buf + e->cursor, e->len - e->cursor);
	e->buf[e->cursor] = c;
	e->len++;
	e->buf[e->len] = '\0';
	out_bytes(o, e->buf + e->cursor, e->len - e->cursor);
	e->cursor++;
	out_left(o, e->len - e->cursor);
}

static void backspace(struct lineedit *e, struct out *o)
{
	if (!e->cursor)
		return;
	memmove(e->buf + e->cursor - 1, e->buf + e->cursor, e->len - e->cursor);
	e->cursor--;
	e->len--;
	e->buf[e->len] = '\0';
	if (e->cursor == e->len) {
		out_str(o, "\b \b");
		return;
	}
	out_str(o, "\b");
	out_bytes(o, e->buf + e->cursor, e->len - e->cursor);
	out_str(o, " ");
	out_left(o, e->len - e->cursor + 1);
}

/* History entry i, 0 the newest; i < hist_count. */
static const char *hist_entry(const struct lineedit *e, unsigned i)
{
	return e->history[(e->hist_next + LINEEDIT_HISTORY - 1 - i) % LINEEDIT_HISTORY];
}

static bool is_blank(const char *s)
{
	for (; *s; s++)
		if (*s != ' ')
			return false;
	return true;
}

static void hist_add(struct lineedit *e, const char *s)
{
	if (is_blank(s))
		return;
	if (e->hist_count && !strcmp(hist_entry(e, 0), s))
		return;
	str_copy(e->history[e->hist_next], s, sizeof(e->history[0]));
	e->hist_next = (e->hist_next + 1) % LINEEDIT_HISTORY;
	if (e->hist_count < LINEEDIT_HISTORY)
		e->hist_count++;
}

static void hist_up(struct lineedit *e, struct out *o)
{
	if ((unsigned)(e->hist_pos + 1) >= e->hist_count)
		return;
	if (e->hist_pos < 0)
		memcpy(e->line, e->buf, e->len + 1); /* the line being edited */
	e->hist_pos++;
	set_buf(e, hist_entry(e, (unsigned)e->hist_pos));
	redraw(e, o);
}

static void hist_down(struct lineedit *e, struct out *o)
{
	if (e->hist_pos < 0)
		return;
	e->hist_pos--;
	set_buf(e, e->hist_pos < 0 ? e->line : hist_entry(e, (unsigned)e->hist_pos));
	redraw(e, o);
}

static enum lineedit_result enter(struct lineedit *e, struct out *o)
{
	out_str(o, "\r\n");
	memcpy(e->line, e->buf, e->len + 1);
	hist_add(e, e->line);
	clear_buf(e);
	e->hist_pos = -1;
	return LE_LINE;
}

static enum lineedit_result cancel(struct lineedit *e, struct out *o)
{
	out_str(o, "^C\r\n");
	clear_buf(e);
	e->line[0] = '\0';
	e->hist_pos = -1;
	return LE_CANCEL;
}

/* A complete key from an escape sequence: 'A'..'D', 'H' or 'F'. */
static void key(struct lineedit *e, struct out *o, char k)
{
	switch (k) {
	case 'A':
		hist_up(e, o);
		break;
	case 'B':
		hist_down(e, o);
		break;
	case 'C':
		if (e->cursor < e->len) {
			e->cursor++;
			out_str(o, "\x1b[C");
		}
		break;
	case 'D':
		if (e->cursor) {
			e->cursor--;
			out_str(o, "\x1b[D");
		}
		break;
	case 'H':
		e->cursor = 0;
		redraw(e, o);
		break;
	case 'F':
		e->cursor = e->len;
		redraw(e, o);
		break;
	}
}

static bool is_key_final(u8 b)
{
	return (b >= 'A' && b <= 'D') || b == 'H' || b == 'F';
}

/*
 * A byte while inside an escape sequence. Returns true when the sequence
 * took it; false when it ended the sequence and must be handled as itself.
 */
static bool esc_byte(struct lineedit *e, struct out *o, u8 b)
{
	unsigned st = e->esc_state;

	if (b < 0x20 || b == KEY_DEL) {
		e->esc_state = ESC_NONE;
		return false;
	}
	if (b >= 0x80) {
		e->esc_state = ESC_NONE;
		return true;
	}
	switch (st) {
	case ESC_ESC:
		if (b == '[') {
			e->esc_state = ESC_CSI;
			e->esc_param = PARAM_NONE;
		} else if (b == 'O') {
			e->esc_state = ESC_SS3;
		} else if (b < 0x30) {
			e->esc_state = ESC_INTER;
		} else {
			e->esc_state = ESC_NONE; /* ESC x: ignored */
		}
		return true;
	case ESC_INTER:
		if (b >= 0x30)
			e->esc_state = ESC_NONE;
		return true;
	case ESC_SS3:
		e->esc_state = ESC_NONE;
		if (is_key_final(b))
			key(e, o, (char)b);
		return true;
	case ESC_CSI:
		if (b >= '0' && b <= '9') {
			e->esc_param = e->esc_param == PARAM_NONE ? (char)b : PARAM_BAD;
			return true;
		}
		if (b < 0x40) { /* ';', '?', intermediates... */
			e->esc_param = PARAM_BAD;
			return true;
		}
		e->esc_state = ESC_NONE;
		if (e->esc_param == PARAM_NONE && is_key_final(b)) {
			key(e, o, (char)b);
		} else if (b == '~') {
			if (e->esc_param == '1' || e->esc_param == '7')
				key(e, o, 'H');
			else if (e->esc_param == '4' || e->esc_param == '8')
				key(e, o, 'F');
		}
		return true;
	}
	e->esc_state = ESC_NONE;
	return false;
}

static enum lineedit_result feed(struct lineedit *e, struct out *o, u8 b)
{
	bool after_cr = e->last_cr;

	e->last_cr = false;
	if (e->esc_state != ESC_NONE && esc_byte(e, o, b))
		return LE_NONE;
	switch (b) {
	case '\r':
		e->last_cr = true;
		return enter(e, o);
	case '\n':
		if (after_cr)
			return LE_NONE;
		return enter(e, o);
	case KEY_DEL:
	case KEY_BS:
		backspace(e, o);
		return LE_NONE;
	case KEY_CTRL_U:
		clear_buf(e);
		redraw(e, o);
		return LE_NONE;
	case KEY_CTRL_C:
		return cancel(e, o);
	case KEY_ESC:
		e->esc_state = ESC_ESC;
		e->esc_param = PARAM_NONE;
		return LE_NONE;
	}
	if (b >= 0x20 && b < 0x7f)
		insert(e, o, (char)b);
	return LE_NONE;
}

enum lineedit_result lineedit_feed(struct lineedit *e, u8 byte)
{
	struct out o;
	enum lineedit_result r;

	o.e = e;
	o.n = 0;
	r = feed(e, &o, byte);
	out_flush(&o);
	return r;
}
