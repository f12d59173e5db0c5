/*
 * Unit tests for hv/console/cmd.c: splitting lines into words (quotes,
 * options anywhere after the name, limits, blank lines), option lookup,
 * finding a command by name or unique prefix, and the error texts.
 */
#include "unit.h"

#include <tessera/cmd.h>

static void test_words(void **state)
{
	struct cmd_args a;

	(void)state;
	assert_int_equal(cmd_split("restart web-1", &a), CMD_OK);
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[0], "restart");
	assert_string_equal(a.argv[1], "web-1");
	assert_int_equal(a.nopts, 0);

	assert_int_equal(cmd_split(" \t stats\t\ta   b \t", &a), CMD_OK);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[0], "stats");
	assert_string_equal(a.argv[1], "a");
	assert_string_equal(a.argv[2], "b");

	assert_int_equal(cmd_split("help", &a), CMD_OK);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "help");
}

static void test_quotes(void **state)
{
	struct cmd_args a;

	(void)state;
	assert_int_equal(cmd_split("say \"hello  world\" x", &a), CMD_OK);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[1], "hello  world");
	assert_string_equal(a.argv[2], "x");

	/* Quotes inside a word join; an empty pair is an empty word. */
	assert_int_equal(cmd_split("a b\"c d\"e \"\"", &a), CMD_OK);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[1], "bc de");
	assert_string_equal(a.argv[2], "");

	/* A tab inside quotes is kept. */
	assert_int_equal(cmd_split("x \"\t\"", &a), CMD_OK);
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[1], "\t");

	/* A quoted --word is an argument, not an option. */
	assert_int_equal(cmd_split("stop \"--odd\"", &a), CMD_OK);
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[1], "--odd");
	assert_int_equal(a.nopts, 0);
}

static void test_unterminated(void **state)
{
	struct cmd_args a;

	(void)state;
	assert_int_equal(cmd_split("say \"hello", &a), CMD_UNTERMINATED);
	assert_int_equal(a.argc, 0);
	assert_int_equal(cmd_split("\"", &a), CMD_UNTERMINATED);
	assert_int_equal(cmd_split("a \"b\" \"c", &a), CMD_UNTERMINATED);
	assert_int_equal(cmd_split("a b\"", &a), CMD_UNTERMINATED);
}

static void test_options(void **state)
{
	struct cmd_args a;

	(void)state;
	assert_int_equal(cmd_split("list --json", &a), CMD_OK);
	assert_int_equal(a.argc, 1);
	assert_int_equal(a.nopts, 1);
	assert_string_equal(a.opts[0], "--json");
	assert_true(cmd_has_opt(&a, "--json"));
	assert_true(cmd_has_opt(&a, "json"));
	assert_false(cmd_has_opt(&a, "--js"));
	assert_false(cmd_has_opt(&a, "-json"));
	assert_false(cmd_has_opt(&a, "--all"));

	/* Anywhere after the name, and "--" alone is an option too. */
	assert_int_equal(cmd_split("stats --all web --json -- db", &a), CMD_OK);
	assert_int_equal(a.argc, 3);
	assert_string_equal(a.argv[1], "web");
	assert_string_equal(a.argv[2], "db");
	assert_int_equal(a.nopts, 3);
	assert_string_equal(a.opts[0], "--all");
	assert_string_equal(a.opts[1], "--json");
	assert_string_equal(a.opts[2], "--");
	assert_true(cmd_has_opt(&a, "--"));
	assert_true(cmd_has_opt(&a, "--all"));

	/* One dash is an argument; the command name is never an option. */
	assert_int_equal(cmd_split("--help -x", &a), CMD_OK);
	assert_int_equal(a.argc, 2);
	assert_string_equal(a.argv[0], "--help");
	assert_string_equal(a.argv[1], "-x");
	assert_int_equal(a.nopts, 0);

	/* An option's value may be quoted. */
	assert_int_equal(cmd_split("log --match=\"a b\"", &a), CMD_OK);
	assert_int_equal(a.nopts, 1);
	assert_string_equal(a.opts[0], "--match=a b");
	assert_false(cmd_has_opt(NULL, "--json"));
}

static void test_too_many(void **state)
{
	struct cmd_args a;

	(void)state;
	assert_int_equal(cmd_split("c 1 2 3 4 5 6 7", &a), CMD_OK);
	assert_int_equal(a.argc, CMD_MAX_ARGS);
	assert_string_equal(a.argv[7], "7");
	assert_int_equal(cmd_split("c 1 2 3 4 5 6 7 8", &a), CMD_TOO_MANY_ARGS);
	assert_int_equal(a.argc, 0);

	/* Options have their own limit. */
	assert_int_equal(cmd_split("c --1 --2 --3 --4 --5 --6 --7 --8 1 2 3 4 5 6 7", &a), CMD_OK);
	assert_int_equal(a.argc, CMD_MAX_ARGS);
	assert_int_equal(a.nopts, CMD_MAX_ARGS);
	assert_int_equal(cmd_split("c --1 --2 --3 --4 --5 --6 --7 --8 --9", &a),
			 CMD_TOO_MANY_ARGS);
}

static void test_too_long(void **state)
{
	struct cmd_args a;
	char line[400];
	size_t cap = sizeof(a.storage);

	(void)state;
	/* One word filling the storage exactly (with its NUL) fits. */
	memset(line, 'x', cap - 1);
	line[cap - 1] = '\0';
	assert_int_equal(cmd_split(line, &a), CMD_OK);
	assert_int_equal(strlen(a.argv[0]), cap - 1);
	/* One more character does not. */
	memset(line, 'x', cap);
	line[cap] = '\0';
	assert_int_equal(cmd_split(line, &a), CMD_TOO_LONG);
	assert_int_equal(a.argc, 0);

	/* Spaces cost nothing; each word costs its NUL. */
	memset(line, ' ', sizeof(line));
	memset(line, 'y', 100);
	memset(line + 150, 'z', cap - 100 - 2);
	line[sizeof(line) - 1] = '\0';
	assert_int_equal(cmd_split(line, &a), CMD_OK);
	assert_int_equal(a.argc, 2);
	line[150 + cap - 100 - 2] = 'z';
	assert_int_equal(cmd_split(line, &a), CMD_TOO_LONG);

	/* Many short options: too many is found before too long. */
	line[0] = 'c';
	line[1] = '\0';
	for (int i = 0; i < 100; i++)
		strcat(line, " --");
	assert_int_equal(cmd_split(line, &a), CMD_TOO_MANY_ARGS);
}

static void test_empty(void **state)
{
	struct cmd_args a;

	(void)state;
	assert_int_equal(cmd_split("", &a), CMD_EMPTY);
	assert_int_equal(a.argc, 0);
	assert_int_equal(cmd_split("   \t  ", &a), CMD_EMPTY);
	assert_int_equal(cmd_split(NULL, &a), CMD_EMPTY);
	/* An empty quoted word is a word. */
	assert_int_equal(cmd_split("\"\"", &a), CMD_OK);
	assert_int_equal(a.argc, 1);
	assert_string_equal(a.argv[0], "");
}

static int run_nothing(struct console *c, const struct cmd_args *a)
{
	(void)c;
	(void)a;
	return 0;
}

static const struct cmd_def table[] = {
	{ "help", "[COMMAND]", "help", "", 0, 1, run_nothing },
	{ "list", "[--json]", "partitions", "", 0, 0, run_nothing },
	{ "restart", "NAME", "restart", "", 1, 1, run_nothing },
	{ "reboot", "", "reboot", "", 0, 0, run_nothing },
	{ "stats", "[NAME [CPU]] [--json]", "counters", "", 0, 2, run_nothing },
	{ "stop", "NAME", "stop", "", 1, 1, run_nothing },
	{ "start", "NAME", "start", "", 1, 1, run_nothing },
	{ "log", NULL, "log", "", 0, 0, run_nothing },
	{ "set", "KEY VALUE [VALUE]", "set", "", 2, 3, run_nothing },
	{ "st", "", "st", "", 0, 0, run_nothing },
};

#define N ARRAY_SIZE(table)

static void test_find(void **state)
{
	bool amb = true;

	(void)state;
	/* Exact. */
	assert_ptr_equal(cmd_find(table, N, "restart", &amb), &table[2]);
	assert_false(amb);
	/* Exact wins over being a prefix of others ("st" vs stats/stop/start). */
	assert_ptr_equal(cmd_find(table, N, "st", &amb), &table[9]);
	assert_false(amb);
	/* Unique prefixes. */
	assert_ptr_equal(cmd_find(table, N, "res", &amb), &table[2]);
	assert_ptr_equal(cmd_find(table, N, "he", &amb), &table[0]);
	assert_ptr_equal(cmd_find(table, N, "li", &amb), &table[1]);
	assert_ptr_equal(cmd_find(table, N, "sto", &amb), &table[5]);
	assert_ptr_equal(cmd_find(table, N, "stat", &amb), &table[4]);
	assert_ptr_equal(cmd_find(table, N, "star", &amb), &table[6]);
	assert_ptr_equal(cmd_find(table, N, "reb", &amb), &table[3]);
	assert_false(amb);
	/* Too short, even when unique. */
	assert_null(cmd_find(table, N, "h", &amb));
	assert_false(amb);
	assert_null(cmd_find(table, N, "", &amb));
	assert_false(amb);
	/* The ambiguous pointer may be NULL. */
	assert_ptr_equal(cmd_find(table, N, "list", NULL), &table[1]);
	assert_null(cmd_find(table, N, "re", NULL));
}

static void test_ambiguous_and_unknown(void **state)
{
	bool amb = false;

	(void)state;
	assert_null(cmd_find(table, N, "re", &amb));
	assert_true(amb);
	assert_null(cmd_find(table, N, "sta", &amb));
	assert_true(amb);
	/* Unknown, after an ambiguous one: the flag is reset. */
	assert_null(cmd_find(table, N, "frobnicate", &amb));
	assert_false(amb);
	assert_null(cmd_find(table, N, "restarts", &amb));
	assert_false(amb);
	assert_null(cmd_find(table, N, "s", &amb));
	assert_false(amb);
	/* Case matters. */
	assert_null(cmd_find(table, N, "LIST", &amb));
	assert_false(amb);
	assert_null(cmd_find(table, 0, "list", &amb));
	assert_null(cmd_find(table, N, NULL, &amb));
}

static void test_usage_error(void **state)
{
	static const struct cmd_def two = { "link", "A B", "", "", 2, 2, run_nothing };
	struct cmd_args a;
	char buf[160];

	(void)state;
	cmd_split("restart", &a);
	cmd_usage_error(&table[2], &a, buf, sizeof(buf));
	assert_string_equal(buf, "restart: expects 1 argument (usage: restart NAME)");

	cmd_split("list web", &a);
	cmd_usage_error(&table[1], &a, buf, sizeof(buf));
	assert_string_equal(buf, "list: expects no arguments (usage: list [--json])");

	cmd_split("stats a b c", &a);
	cmd_usage_error(&table[4], &a, buf, sizeof(buf));
	assert_string_equal(buf,
			    "stats: expects 0 to 2 arguments (usage: stats [NAME [CPU]] [--json])");

	cmd_usage_error(&table[0], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "help: expects at most 1 argument (usage: help [COMMAND])");

	/* No usage text: no trailing space. */
	cmd_usage_error(&table[3], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "reboot: expects no arguments (usage: reboot)");
	cmd_usage_error(&table[7], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "log: expects no arguments (usage: log)");

	cmd_usage_error(&table[8], NULL, buf, sizeof(buf));
	assert_string_equal(buf, "set: expects 2 to 3 arguments (usage: set KEY VALUE [VALUE])");

	cmd_usage_error(&two, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "link: expects 2 arguments (usage: link A B)");

	/* Truncated to the buffer, always terminated. */
	cmd_usage_error(&table[2], &a, buf, 10);
	assert_string_equal(buf, "restart: ");
	buf[0] = 'q';
	cmd_usage_error(&table[2], &a, buf, 0);
	assert_int_equal(buf[0], 'q');
}

static void test_parse_error(void **state)
{
	(void)state;
	assert_string_equal(cmd_parse_error(CMD_EMPTY), "empty command line");
	assert_string_equal(cmd_parse_error(CMD_TOO_MANY_ARGS),
			    "too many words (at most 8 with the command name, and 8 options)");
	assert_string_equal(cmd_parse_error(CMD_TOO_LONG), "command line too long");
	assert_string_equal(cmd_parse_error(CMD_UNTERMINATED),
			    "unterminated quote (a \" was opened and not closed)");
	assert_string_equal(cmd_parse_error(CMD_OK), "no error");
	assert_non_null(cmd_parse_error((enum cmd_parse_result)99));
	for (int r = CMD_OK; r <= CMD_UNTERMINATED; r++) {
		const char *s = cmd_parse_error((enum cmd_parse_result)r);

		assert_non_null(s);
		assert_true(strlen(s) > 0 && strlen(s) < 80);
		assert_null(strchr(s, '\n'));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_unterminated),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_too_many),
		cmocka_unit_test(test_too_long),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_ambiguous_and_unknown),
		cmocka_unit_test(test_usage_error),
		cmocka_unit_test(test_parse_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
