/*
 * Console command lines: <tessera/cmd.h>.
 *
 * Splitting: a word is a run of characters other than space and tab, in
 * which "double-quoted" parts may hold spaces and tabs; the quotes
 * themselves are dropped (ab"c d"e is the one word `abc de`, "" is an
 * empty word). There are no escapes.
 *
 * The first word is always the command name. After it, a word whose first
 * two characters are "--" outside quotes is an option (--json, and "--"
 * alone too); it goes to opts[] and is not counted in argc. A quoted word
 * is never an option: "--x" is the positional argument --x.
 *
 * On any result other than CMD_OK, argc and nopts are 0.
 */
#include <tessera/cmd.h>
#include <tessera/format.h>
#include <tessera/string.h>

#define STR_(x) #x
#define STR(x) STR_(x)

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static enum cmd_parse_result fail(struct cmd_args *out, enum cmd_parse_result r)
{
	out->argc = 0;
	out->nopts = 0;
	return r;
}

enum cmd_parse_result cmd_split(const char *line, struct cmd_args *out)
{
	const char *p = line ? line : "";
	size_t used = 0;
	unsigned words = 0;

	out->argc = 0;
	out->nopts = 0;
	out->storage[0] = '\0';
	for (;;) {
		char *word;
		bool option, in_quote = false;

		while (is_blank(*p))
			p++;
		if (!*p)
			break;

		word = out->storage + used;
		option = words > 0 && p[0] == '-' && p[1] == '-';
		while (*p && (in_quote || !is_blank(*p))) {
			if (*p == '"') {
				in_quote = !in_quote;
				p++;
				continue;
			}
			if (used + 1 >= sizeof(out->storage)) /* room for the NUL */
				return fail(out, CMD_TOO_LONG);
			out->storage[used++] = *p++;
		}
		if (in_quote)
			return fail(out, CMD_UNTERMINATED);
		if (used >= sizeof(out->storage))
			return fail(out, CMD_TOO_LONG);
		out->storage[used++] = '\0';

		if (option) {
			if (out->nopts >= CMD_MAX_ARGS)
				return fail(out, CMD_TOO_MANY_ARGS);
			out->opts[out->nopts++] = word;
		} else {
			if (out->argc >= CMD_MAX_ARGS)
				return fail(out, CMD_TOO_MANY_ARGS);
			out->argv[out->argc++] = word;
		}
		words++;
	}
	return words ? CMD_OK : fail(out, CMD_EMPTY);
}

/* opt may be given with or without its dashes: "--json" or "json". */
bool cmd_has_opt(const struct cmd_args *a, const char *opt)
{
	if (!a || !opt)
		return false;
	for (unsigned i = 0; i < a->nopts; i++) {
		const char *o = a->opts[i];

		if (!strcmp(o, opt))
			return true;
		if (opt[0] != '-' && !strncmp(o, "--", 2) && !strcmp(o + 2, opt))
			return true;
	}
	return false;
}

/* Entries with a NULL name are skipped. A prefix of fewer than 2
 * characters never matches, and is not reported as ambiguous. */
const struct cmd_def *cmd_find(const struct cmd_def *table, size_t n, const char *name,
			       bool *ambiguous)
{
	const struct cmd_def *found = NULL;
	size_t len;
	unsigned matches = 0;

	if (ambiguous)
		*ambiguous = false;
	if (!table || !name)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (table[i].name && !strcmp(table[i].name, name))
			return &table[i];
	len = strlen(name);
	if (len < 2)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (table[i].name && !strncmp(table[i].name, name, len)) {
			found = &table[i];
			matches++;
		}
	}
	if (matches == 1)
		return found;
	if (matches > 1 && ambiguous)
		*ambiguous = true;
	return NULL;
}

/*
 * "NAME: expects WHAT (usage: NAME ARGS)", WHAT being "no arguments",
 * "1 argument", "N arguments", "at most 1 argument" or "M to N arguments".
 * The text depends only on d; a (the line as given) may be NULL.
 */
void cmd_usage_error(const struct cmd_def *d, const struct cmd_args *a, char *buf, size_t n)
{
	char what[48];
	const char *args;

	(void)a;
	if (!buf || !n)
		return;
	if (!d || !d->name) {
		strfmt(buf, n, "unknown command");
		return;
	}
	if (d->max_args <= d->min_args) {
		if (d->min_args == 0)
			strfmt(what, sizeof(what), "no arguments");
		else
			strfmt(what, sizeof(what), "%u argument%s", d->min_args,
			       d->min_args == 1 ? "" : "s");
	} else if (d->min_args == 0 && d->max_args == 1) {
		strfmt(what, sizeof(what), "at most 1 argument");
	} else {
		strfmt(what, sizeof(what), "%u to %u arguments", d->min_args, d->max_args);
	}
	args = d->args ? d->args : "";
	strfmt(buf, n, "%s: expects %s (usage: %s%s%s)", d->name, what, d->name, *args ? " " : "",
	       args);
}

const char *cmd_parse_error(enum cmd_parse_result r)
{
	switch (r) {
	case CMD_OK:
		return "no error";
	case CMD_EMPTY:
		return "empty command line";
	case CMD_TOO_MANY_ARGS:
		return "too many words (at most " STR(CMD_MAX_ARGS) " with the command name, and " STR(
		       CMD_MAX_ARGS) " options)";
	case CMD_TOO_LONG:
		return "command line too long";
	case CMD_UNTERMINATED:
		return "unterminated quote (a \" was opened and not closed)";
	}
	return "invalid command line";
}
