/*
 * Console command lines: splitting a line into words and finding the
 * command in a table. Portable and host-tested; the commands themselves
 * live in hv/console/commands.c.
 *
 * Syntax: words separated by spaces or tabs; "double quotes" group words
 * (no escapes inside). Options are words starting with "--" (e.g.
 * --json), allowed anywhere after the command name.
 */
#ifndef TESSERA_CMD_H
#define TESSERA_CMD_H

#include <tessera/types.h>

#define CMD_MAX_ARGS 8

struct cmd_args {
	unsigned argc;            /* words, command name included, options excluded */
	const char *argv[CMD_MAX_ARGS];
	unsigned nopts;
	const char *opts[CMD_MAX_ARGS]; /* "--json" etc., with the dashes */
	char storage[160];        /* the words, NUL-separated */
};

enum cmd_parse_result {
	CMD_OK,
	CMD_EMPTY,          /* blank line or only spaces */
	CMD_TOO_MANY_ARGS,  /* more than CMD_MAX_ARGS words or options */
	CMD_TOO_LONG,       /* does not fit in storage */
	CMD_UNTERMINATED,   /* a quote was opened and not closed */
};

enum cmd_parse_result cmd_split(const char *line, struct cmd_args *out);
bool cmd_has_opt(const struct cmd_args *a, const char *opt);

struct console;
struct cmd_def {
	const char *name;
	const char *args;  /* usage after the name, e.g. "NAME" or "[--json]" */
	const char *brief; /* one line for `help` */
	const char *help;  /* the full text for `help NAME` (may span lines) */
	unsigned min_args, max_args; /* positional arguments after the name */
	int (*run)(struct console *c, const struct cmd_args *a);
};

/* Find by exact name, or by a unique prefix of at least 2 characters
 * ("res" -> "restart" if nothing else starts with "res"). NULL and
 * *ambiguous = true when several match. */
const struct cmd_def *cmd_find(const struct cmd_def *table, size_t n, const char *name,
			       bool *ambiguous);

/* The one-line error for a parse result or a wrong argument count, e.g.
 * "restart: expects 1 argument (usage: restart NAME)". */
void cmd_usage_error(const struct cmd_def *d, const struct cmd_args *a, char *buf, size_t n);
const char *cmd_parse_error(enum cmd_parse_result r);

#endif
