/*
 * The console's line editor: turns the bytes a terminal sends into edited
 * command lines, and tells the caller what to echo. Portable and
 * host-tested; it never writes to a device itself.
 *
 * Keys (VT100/xterm, what a serial terminal sends):
 *   printable ASCII      insert at the cursor
 *   Backspace (0x7f, 0x08)  delete left of the cursor
 *   Ctrl-U (0x15)        erase the whole line
 *   Ctrl-C (0x03)        abandon the line (prints "^C", new prompt)
 *   Enter (CR or LF; CR LF counts once)  line complete
 *   Up / Down (ESC [ A / ESC [ B)  history, most recent first
 *   Left / Right (ESC [ D / ESC [ C)  move the cursor
 *   Home/End (ESC [ H / ESC [ F, ESC [ 1~ / ESC [ 4~)  start / end of line
 *   other control bytes and unknown escape sequences are ignored
 * A line longer than LINEEDIT_MAX is refused byte by byte (BEL is echoed).
 */
#ifndef TESSERA_LINEEDIT_H
#define TESSERA_LINEEDIT_H

#include <tessera/types.h>

#define LINEEDIT_MAX 128
#define LINEEDIT_HISTORY 16

/* Where echo goes: the caller writes these bytes to the terminal. */
typedef void (*lineedit_echo_fn)(void *ctx, const char *s, size_t n);

enum lineedit_result {
	LE_NONE,   /* keep feeding */
	LE_LINE,   /* a line is complete: read it with lineedit_line() */
	LE_CANCEL, /* Ctrl-C: the line was abandoned */
};

struct lineedit {
	char buf[LINEEDIT_MAX + 1];
	unsigned len, cursor;
	char history[LINEEDIT_HISTORY][LINEEDIT_MAX + 1];
	unsigned hist_count; /* entries held */
	unsigned hist_next;  /* slot the next entry goes to */
	int hist_pos;        /* -1 when not browsing */
	unsigned esc_state;  /* escape-sequence parser state */
	char esc_param;
	bool last_cr;
	char line[LINEEDIT_MAX + 1]; /* the completed line (and the edited line while browsing history) */
	const char *prompt; /* printed first on a full redraw; not copied */
	lineedit_echo_fn echo;
	void *ctx;
};

void lineedit_init(struct lineedit *e, lineedit_echo_fn echo, void *ctx);
/* Feed one byte; returns what happened. Echo is written through e->echo
 * (a full redraw, for history and Ctrl-U, starts with CR and the prompt
 * set by lineedit_set_prompt). */
enum lineedit_result lineedit_feed(struct lineedit *e, u8 byte);
/* The completed line (valid after LE_LINE until the next feed). Non-empty
 * lines that differ from the previous entry go into the history. */
const char *lineedit_line(const struct lineedit *e);
/* Set the text a full redraw prints first (the prompt, e.g. "tessera> "). */
void lineedit_set_prompt(struct lineedit *e, const char *prompt);

#endif
