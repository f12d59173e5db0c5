/*
 * Unit tests of hv/config.c: the tessera.cfg parser, its value parsers and
 * config_check. Every error message is asserted by its full text, since the
 * message is the user interface of a configuration file.
 */
#include "unit.h"

#include <tessera/config.h>
#include <tessera/diag.h>

static struct config cfg;
static struct diag d;

/* A complete partition on lines 1-4; tests append the line under test. */
#define PART_A "[partition a]\ncpus = 1\nmemory = 32M\nkernel = \\k.elf\n"
/* The required keys but one, to follow a line under test. */
#define NO_CPUS "memory = 32M\nkernel = \\k.elf\n"
#define NO_MEMORY "cpus = 1\nkernel = \\k.elf\n"

static unsigned parse(const char *text)
{
	diag_init(&d);
	return config_parse(&cfg, "t.cfg", text, strlen(text), &d);
}

static void dump_diag(void)
{
	for (unsigned i = 0; i < d.count; i++)
		print_message("diag[%u]: %s\n", i, d.msg[i]);
}

/* text must give exactly one error, msg. */
static void expect_error(const char *text, const char *msg)
{
	unsigned n = parse(text);

	if (n != 1 || d.count != 1)
		dump_diag();
	assert_int_equal(n, 1);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.msg[0], msg);
}

/* Like expect_error, and the (single) partition is invalid for that reason. */
static void expect_part_error(const char *text, const char *msg)
{
	expect_error(text, msg);
	assert_int_equal(cfg.npartitions, 1);
	assert_false(cfg.part[0].valid);
	assert_string_equal(cfg.part[0].why_invalid, msg);
}

static void expect_clean(const char *text)
{
	unsigned n = parse(text);

	if (n)
		dump_diag();
	assert_int_equal(n, 0);
	assert_int_equal(d.count, 0);
}

/* ------------------------------------------------------------ good files */

static void test_defaults(void **state)
{
	(void)state;
	expect_clean("");
	assert_string_equal(cfg.file, "t.cfg");
	assert_int_equal(cfg.hv.serial_port, 0x3f8);
	assert_int_equal(cfg.hv.baud, 115200);
	assert_int_equal(cfg.hv.console_cpu, 0);
	assert_int_equal(cfg.hv.console_cpu_line, 0);
	assert_int_equal(cfg.npartitions, 0);

	expect_clean(PART_A);
	assert_int_equal(cfg.npartitions, 1);
	assert_true(cfg.part[0].valid);
	assert_int_equal(cfg.part[0].format, FORMAT_MULTIBOOT);
	assert_true(cfg.part[0].autostart);
	assert_int_equal(cfg.part[0].on_crash, CRASH_STOP);
	assert_int_equal(cfg.part[0].violations, VIOLATION_STOP);
	assert_int_equal(cfg.part[0].nmodules, 0);
	assert_false(cfg.part[0].has_initrd);
	assert_string_equal(cfg.part[0].cmdline, "");
}

static void test_every_key(void **state)
{
	(void)state;
	expect_clean("# Tessera test\n"
		     "; another comment\n"
		     "[hypervisor]\n"
		     "serial = 0x2f8\n"
		     "baud = 9600\n"
		     "console_cpu = 3\n"
		     "\n"
		     "[partition web-1]   # the web server\n"
		     "cpus = 1-2,5\n"
		     "memory = 64M\n"
		     "kernel = \\tessera\\web.elf\n"
		     "format = multiboot\n"
		     "cmdline = -v --port 80 # not a comment\n"
		     "modules = \\a.bin, \\b.bin ,\\c.bin\n"
		     "autostart = no\n"
		     "on_crash = restart\n"
		     "violations = report\n"
		     "apic = x2apic\n"
		     "[partition Linux_2]\n"
		     "cpus = 6\n"
		     "memory = 1G\n"
		     "kernel = \\tessera\\bzImage\n"
		     "format = linux\n"
		     "initrd = \\tessera\\initrd.img\n");
	assert_int_equal(cfg.hv.serial_port, 0x2f8);
	assert_int_equal(cfg.hv.baud, 9600);
	assert_int_equal(cfg.hv.console_cpu, 3);
	assert_int_equal(cfg.hv.console_cpu_line, 6);
	assert_int_equal(cfg.npartitions, 2);

	struct cfg_partition *w = &cfg.part[0], *l = &cfg.part[1];

	assert_true(w->valid);
	assert_string_equal(w->name, "web-1");
	assert_int_equal(w->line, 8);
	assert_int_equal(w->cpus, 0x26);
	assert_int_equal(w->memory, 64 * 1024 * 1024);
	assert_string_equal(w->kernel, "\\tessera\\web.elf");
	assert_int_equal(w->format, FORMAT_MULTIBOOT);
	assert_string_equal(w->cmdline, "-v --port 80 # not a comment");
	assert_int_equal(w->nmodules, 3);
	assert_string_equal(w->modules[0], "\\a.bin");
	assert_string_equal(w->modules[1], "\\b.bin");
	assert_string_equal(w->modules[2], "\\c.bin");
	assert_false(w->has_initrd);
	assert_false(w->autostart);
	assert_int_equal(w->on_crash, CRASH_RESTART);
	assert_int_equal(w->violations, VIOLATION_REPORT);
	assert_int_equal(w->apic, APIC_START_X2APIC);
	assert_int_equal(l->apic, APIC_START_XAPIC); /* the default: a PC after reset */

	assert_true(l->valid);
	assert_string_equal(l->name, "Linux_2");
	assert_int_equal(l->line, 19);
	assert_int_equal(l->cpus, 1 << 6);
	assert_int_equal(l->memory, 1024ull * 1024 * 1024);
	assert_int_equal(l->format, FORMAT_LINUX);
	assert_true(l->has_initrd);
	assert_int_equal(l->nmodules, 1);
	assert_string_equal(l->modules[0], "\\tessera\\initrd.img");
}

static void test_crlf_whitespace_no_final_newline(void **state)
{
	(void)state;
	expect_clean("\t[hypervisor]\r\n"
		     "   baud=57600\t\r\n"
		     "\r\n"
		     "  ;  indented comment\r\n"
		     "[ partition  b ]\r\n"
		     "cpus   =   2 - 3 \r\n"
		     "memory=0x200000\r\n"
		     "kernel =\t\\k.elf   ");
	assert_int_equal(cfg.hv.baud, 57600);
	assert_int_equal(cfg.npartitions, 1);
	assert_true(cfg.part[0].valid);
	assert_string_equal(cfg.part[0].name, "b");
	assert_int_equal(cfg.part[0].cpus, 0xc);
	assert_int_equal(cfg.part[0].memory, 2 * 1024 * 1024);
	assert_string_equal(cfg.part[0].kernel, "\\k.elf");
}

static void test_comments_and_hash_in_values(void **state)
{
	(void)state;
	expect_clean(PART_A "#cpus = 7\n"
		     "autostart = off # comment after a value\n"
		     "cmdline =   console=ttyS0 #kept   \n");
	assert_int_equal(cfg.part[0].cpus, 2);
	assert_false(cfg.part[0].autostart);
	assert_string_equal(cfg.part[0].cmdline, "console=ttyS0 #kept");

	/* '#' not after whitespace belongs to the value. */
	expect_clean("[partition a]\ncpus = 1\nmemory = 32M\nkernel = \\k#1.elf\n");
	assert_string_equal(cfg.part[0].kernel, "\\k#1.elf");
}

static void test_text_not_nul_terminated(void **state)
{
	/* Only len bytes are the file: what follows must not be read. */
	static const char text[] = PART_A "on_crash = restart\nbogus line";
	size_t len = strlen(PART_A "on_crash = restart");

	(void)state;
	diag_init(&d);
	assert_int_equal(config_parse(&cfg, "t.cfg", text, len, &d), 0);
	assert_int_equal(cfg.part[0].on_crash, CRASH_RESTART);

	/* A file cut in the middle of a key is still read up to len. */
	diag_init(&d);
	assert_int_equal(config_parse(&cfg, "t.cfg", PART_A "cmdline = abcdef", strlen(PART_A) + 13,
				      &d), 0);
	assert_string_equal(cfg.part[0].cmdline, "abc");

	diag_init(&d);
	assert_int_equal(config_parse(&cfg, "t.cfg", NULL, 0, &d), 0);
}

static void test_case_insensitive_words(void **state)
{
	(void)state;
	expect_clean("[HYPERVISOR]\nSerial = COM2\nConsole_CPU = None\n"
		     "[Partition x]\nCPUS = 1\nMemory = 1gib\nKernel = \\K\nFORMAT = Linux\n"
		     "Autostart = TRUE\nON_CRASH = Restart\nViolations = REPORT\n");
	assert_int_equal(cfg.hv.serial_port, 0x2f8);
	assert_int_equal(cfg.hv.console_cpu, -1);
	assert_int_equal(cfg.part[0].memory, 1ull << 30);
	assert_string_equal(cfg.part[0].kernel, "\\K");
	assert_int_equal(cfg.part[0].format, FORMAT_LINUX);
	assert_true(cfg.part[0].autostart);
	assert_int_equal(cfg.part[0].on_crash, CRASH_RESTART);
	assert_int_equal(cfg.part[0].violations, VIOLATION_REPORT);
}

static void test_serial_baud_console(void **state)
{
	static const struct { const char *v; unsigned port; } serial[] = {
		{ "com1", 0x3f8 }, { "com2", 0x2f8 }, { "com3", 0x3e8 }, { "com4", 0x2e8 },
		{ "0x3e8", 0x3e8 }, { "760", 760 }, { "0xffff", 0xffff },
	};
	static const unsigned bauds[] = { 1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200 };
	char text[96];

	(void)state;
	for (size_t i = 0; i < sizeof(serial) / sizeof(serial[0]); i++) {
		snprintf(text, sizeof(text), "[hypervisor]\nserial = %s\n", serial[i].v);
		expect_clean(text);
		assert_int_equal(cfg.hv.serial_port, serial[i].port);
	}
	for (size_t i = 0; i < sizeof(bauds) / sizeof(bauds[0]); i++) {
		snprintf(text, sizeof(text), "[hypervisor]\nbaud = %u\n", bauds[i]);
		expect_clean(text);
		assert_int_equal(cfg.hv.baud, bauds[i]);
	}
	expect_clean("[hypervisor]\nconsole_cpu = none\n");
	assert_int_equal(cfg.hv.console_cpu, -1);
	expect_clean("[hypervisor]\nconsole_cpu = 63\n");
	assert_int_equal(cfg.hv.console_cpu, 63);
}

static void test_bool_words(void **state)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char text[128];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		snprintf(text, sizeof(text), PART_A "autostart = %s\n", no[i]);
		expect_clean(text);
		assert_false(cfg.part[0].autostart);
		snprintf(text, sizeof(text), PART_A "autostart = %s\n", yes[i]);
		expect_clean(text);
		assert_true(cfg.part[0].autostart);
	}
}

static void test_limits_reached_exactly(void **state)
{
	static char text[4096];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < MAX_PARTITIONS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[partition p%d]\ncpus=%d\nmemory=2M\nkernel=\\k\n", i, i);
	expect_clean(text);
	assert_int_equal(cfg.npartitions, MAX_PARTITIONS);
	assert_string_equal(cfg.part[MAX_PARTITIONS - 1].name, "p15");

	expect_clean(PART_A "modules = 1,2,3,4,5,6,7,8\n");
	assert_int_equal(cfg.part[0].nmodules, MAX_MODULES);
	assert_string_equal(cfg.part[0].modules[7], "8");

	/* Longest name, path and cmdline that fit. */
	memset(text, 0, sizeof(text));
	n = (size_t)snprintf(text, sizeof(text), "[partition %.*s]\ncpus=1\nmemory=2M\nkernel=",
			     NAME_MAX_LEN - 1, "abcdefghijklmnopqrstuvwxyz0123456789");
	memset(text + n, 'k', PATH_MAX_LEN - 1);
	n += PATH_MAX_LEN - 1;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\ncmdline=");
	memset(text + n, 'c', CMDLINE_MAX_LEN - 1);
	expect_clean(text);
	assert_int_equal(strlen(cfg.part[0].name), NAME_MAX_LEN - 1);
	assert_int_equal(strlen(cfg.part[0].kernel), PATH_MAX_LEN - 1);
	assert_int_equal(strlen(cfg.part[0].cmdline), CMDLINE_MAX_LEN - 1);
}

/* ------------------------------------------------------- line-level errors */

static void test_nul_byte(void **state)
{
	static const char text[] = "[hypervisor]\nbaud = 96\0""00\n";

	(void)state;
	diag_init(&d);
	assert_int_equal(config_parse(&cfg, "t.cfg", text, sizeof(text) - 1, &d), 1);
	assert_string_equal(d.msg[0], "t.cfg:2: NUL byte in column 10 (is this a text file?)");
	assert_int_equal(cfg.hv.baud, 115200);
}

static void test_line_too_long(void **state)
{
	static char text[2048];

	(void)state;
	memset(text, 0, sizeof(text));
	strcpy(text, "# ok\n#");
	memset(text + 6, 'x', 600);
	strcat(text, "\n[hypervisor]\nbaud = 9600\n");
	expect_error(text, "t.cfg:2: line is too long (601 characters; at most 600)");
	assert_int_equal(cfg.hv.baud, 9600); /* the parse went on */

	/* Inside a partition the partition is invalid; a CR does not count. */
	memset(text, 0, sizeof(text));
	strcpy(text, PART_A "cmdline = ");
	memset(text + strlen(text), 'y', 591);
	strcat(text, "\r\n");
	expect_part_error(text, "t.cfg:5: line is too long (601 characters; at most 600)");
}

static void test_section_errors(void **state)
{
	(void)state;
	expect_error("[hypervisor\n", "t.cfg:1: section header '[hypervisor' has no closing ']'");
	expect_error("# x\n[hypervisors]\n",
		     "t.cfg:2: unknown section '[hypervisors]' (expected [hypervisor] or "
		     "[partition NAME])");
	expect_error("[partitionweb]\n",
		     "t.cfg:1: unknown section '[partitionweb]' (expected [hypervisor] or "
		     "[partition NAME])");
	expect_error("[partition]\n", "t.cfg:1: [partition] needs a name, e.g. [partition web]");
	expect_error("[partition   ]  # no name\n",
		     "t.cfg:1: [partition] needs a name, e.g. [partition web]");
	expect_error("[partition web server]\n",
		     "t.cfg:1: partition name 'web server' contains ' '; use only letters, digits, "
		     "'-' and '_'");
	expect_error("[partition web.1]\n",
		     "t.cfg:1: partition name 'web.1' contains '.'; use only letters, digits, "
		     "'-' and '_'");
	expect_error("[partition abcdefghijklmnopqrstuvwxyz012345]\n",
		     "t.cfg:1: partition name 'abcdefghijklmnopqrstuvwxyz012345' is too long "
		     "(32 characters; at most 31)");
	expect_error("[partition abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ]\n",
		     "t.cfg:1: partition name 'abcdefghijklmnopqrstuvwxyz0123456789ABCD...' is too "
		     "long (46 characters; at most 31)");
	expect_error("[hypervisor]\nbaud = 9600\n[hypervisor]\nbaud = 1200\n",
		     "t.cfg:3: [hypervisor] appears twice (first on line 1); the settings of "
		     "this one are ignored");
	assert_int_equal(cfg.hv.baud, 9600);
}

static void test_bad_section_skips_its_keys(void **state)
{
	(void)state;
	/* One error for the header; its keys are not reported again. */
	expect_error("[partition bad!]\ncpus = 1\nbogus\nmemroy = 1\n" PART_A,
		     "t.cfg:1: partition name 'bad!' contains '!'; use only letters, digits, "
		     "'-' and '_'");
	assert_int_equal(cfg.npartitions, 1);
	assert_string_equal(cfg.part[0].name, "a");
	assert_true(cfg.part[0].valid);
}

static void test_too_many_partitions(void **state)
{
	static char text[4096];
	size_t n = 0;

	(void)state;
	for (int i = 0; i <= MAX_PARTITIONS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[partition p%d]\ncpus=%d\nmemory=2M\nkernel=\\k\n", i, i);
	expect_error(text, "t.cfg:65: too many partitions: at most 16 are supported; "
		     "[partition p16] is ignored");
	assert_int_equal(cfg.npartitions, MAX_PARTITIONS);
	for (int i = 0; i < MAX_PARTITIONS; i++)
		assert_true(cfg.part[i].valid);
}

static void test_key_errors(void **state)
{
	(void)state;
	expect_error("# top\nbaud = 9600\n",
		     "t.cfg:2: 'baud' is outside any section; put it under [hypervisor] or "
		     "[partition NAME]");
	expect_error("[hypervisor]\nbaud 9600  # forgot =\n",
		     "t.cfg:2: expected 'key = value', found 'baud 9600'");
	expect_error("[hypervisor]\n = 9600\n", "t.cfg:2: missing key before '='");
	expect_error("[hypervisor]\nspeed = 9600\n",
		     "t.cfg:2: unknown key 'speed' in [hypervisor] (expected one of: serial, baud, "
		     "console_cpu)");
	expect_error("[hypervisor]\ncpus = 1\n",
		     "t.cfg:2: 'cpus' is a [partition NAME] setting; it does not belong in "
		     "[hypervisor]");
	expect_error("[hypervisor]\nbaud =\n", "t.cfg:2: [hypervisor]: baud has no value "
		     "(e.g. baud = 115200)");
	expect_error("[hypervisor]\nbaud = 9600\nbaud = 1200\n",
		     "t.cfg:3: [hypervisor]: baud is given twice (first on line 2)");
	assert_int_equal(cfg.hv.baud, 9600);
}

static void test_partition_key_errors(void **state)
{
	(void)state;
	/* The example of docs/config.md, verbatim. */
	expect_part_error("\n\n\n\n\n\n\n\n\n\n[partition web]\nmemroy = 64M\n" NO_MEMORY
			  "memory = 64M\n",
			  "t.cfg:12: unknown key 'memroy' in [partition web] (expected one of: "
			  "cpus, memory, kernel, format, cmdline, modules, initrd, autostart, "
			  "on_crash, violations, apic)");
	expect_part_error(PART_A "serial = com1\n",
			  "t.cfg:5: 'serial' is a [hypervisor] setting; it does not belong in "
			  "[partition a]");
	expect_part_error(PART_A "apic = x3apic\n",
			  "t.cfg:5: [partition a]: apic 'x3apic' is unknown (use xapic or x2apic)");
	expect_part_error(PART_A "on_crash\n", "t.cfg:5: expected 'key = value', found 'on_crash'");
	expect_part_error(PART_A "=1\n", "t.cfg:5: missing key before '='");
	expect_part_error(PART_A "format = # empty\n",
			  "t.cfg:5: [partition a]: format has no value (e.g. format = multiboot)");
	expect_part_error(PART_A "cmdline =   \n",
			  "t.cfg:5: [partition a]: cmdline has no value (e.g. cmdline = "
			  "console=ttyS0)");
	expect_part_error(PART_A "memory = 64M\n",
			  "t.cfg:5: [partition a]: memory is given twice (first on line 3)");
	assert_int_equal(cfg.part[0].memory, 32 << 20);
}

static void test_hypervisor_value_errors(void **state)
{
	(void)state;
	expect_error("[hypervisor]\nserial = com5\n",
		     "t.cfg:2: [hypervisor]: serial 'com5' is not a port (use com1..com4 or an I/O "
		     "port such as 0x3f8)");
	assert_int_equal(cfg.hv.serial_port, 0x3f8);
	expect_error("[hypervisor]\nserial = 0x10000\n",
		     "t.cfg:2: [hypervisor]: serial port 0x10000 is out of range (I/O ports are "
		     "0x1..0xffff)");
	expect_error("[hypervisor]\nserial = 0\n",
		     "t.cfg:2: [hypervisor]: serial port 0 is out of range (I/O ports are "
		     "0x1..0xffff)");
	expect_error("[hypervisor]\nbaud = fast\n",
		     "t.cfg:2: [hypervisor]: baud 'fast' is not a number (e.g. baud = 115200)");
	expect_error("[hypervisor]\nbaud = 9601\n",
		     "t.cfg:2: [hypervisor]: baud 9601 is not supported: it must divide 115200 and "
		     "be at least 1200 (e.g. 9600, 38400, 57600, 115200)");
	expect_error("[hypervisor]\nbaud = 600\n",
		     "t.cfg:2: [hypervisor]: baud 600 is not supported: it must divide 115200 and "
		     "be at least 1200 (e.g. 9600, 38400, 57600, 115200)");
	expect_error("[hypervisor]\nbaud = 230400\n",
		     "t.cfg:2: [hypervisor]: baud 230400 is not supported: it must divide 115200 "
		     "and be at least 1200 (e.g. 9600, 38400, 57600, 115200)");
	assert_int_equal(cfg.hv.baud, 115200);
	expect_error("[hypervisor]\nconsole_cpu = first\n",
		     "t.cfg:2: [hypervisor]: console_cpu 'first' is not a CPU index (use a number "
		     "such as 0, or none)");
	expect_error("[hypervisor]\nconsole_cpu = 64\n",
		     "t.cfg:2: [hypervisor]: console_cpu 64 is too large (CPU indexes are 0..63)");
	assert_int_equal(cfg.hv.console_cpu, 0);
	assert_int_equal(cfg.hv.console_cpu_line, 0);
}

static void test_cpus_memory_errors(void **state)
{
	(void)state;
	expect_part_error("[partition a]\ncpus = 3-1\n" NO_CPUS,
			  "t.cfg:2: [partition a]: cpus '3-1' is not a CPU list: range 3-1 is "
			  "reversed (write 1-3) (use e.g. 1, 1-3 or 1,3-4)");
	expect_part_error("[partition a]\ncpus = 1,64\n" NO_CPUS,
			  "t.cfg:2: [partition a]: cpus '1,64' is not a CPU list: CPU 64 is too "
			  "large (indexes are 0..63) (use e.g. 1, 1-3 or 1,3-4)");
	expect_part_error("[partition a]\ncpus = 1,\n" NO_CPUS,
			  "t.cfg:2: [partition a]: cpus '1,' is not a CPU list: a CPU index is "
			  "missing at the end (use e.g. 1, 1-3 or 1,3-4)");
	expect_part_error("[partition a]\ncpus = 1;2\n" NO_CPUS,
			  "t.cfg:2: [partition a]: cpus '1;2' is not a CPU list: expected ',' or "
			  "'-', found ';' (use e.g. 1, 1-3 or 1,3-4)");
	expect_part_error("[partition a]\ncpus = all\n" NO_CPUS,
			  "t.cfg:2: [partition a]: cpus 'all' is not a CPU list: expected a CPU "
			  "index, found 'a' (use e.g. 1, 1-3 or 1,3-4)");
	/* The example of the brief and docs/config.md, verbatim. */
	expect_part_error("\n\n\n\n\n\n[partition linux]\nmemory = 12Q\n" NO_MEMORY,
			  "t.cfg:8: [partition linux]: memory '12Q' is not a size "
			  "(use e.g. 64M, 1G)");
	expect_part_error("[partition a]\nmemory = 0M\n" NO_MEMORY,
			  "t.cfg:2: [partition a]: memory '0M' must be more than 0");
	expect_part_error("[partition a]\nmemory = 17179869184G\n" NO_MEMORY,
			  "t.cfg:2: [partition a]: memory '17179869184G' is too large to count in "
			  "bytes");
}

static void test_path_and_word_errors(void **state)
{
	static char text[1024];

	(void)state;
	memset(text, 0, sizeof(text));
	strcpy(text, "[partition a]\ncpus = 1\nmemory = 2M\nkernel = \\");
	memset(text + strlen(text), 'k', PATH_MAX_LEN - 1);
	strcat(text, "\n");
	expect_part_error(text, "t.cfg:4: [partition a]: kernel path "
			  "'\\kkkkkkkkkkkkkkkkkkkkkkk...' is too long (128 characters; at most "
			  "127)");

	memset(text, 0, sizeof(text));
	strcpy(text, PART_A "format = linux\ninitrd = ");
	memset(text + strlen(text), 'i', PATH_MAX_LEN);
	expect_part_error(text, "t.cfg:6: [partition a]: initrd path 'iiiiiiiiiiiiiiiiiiiiiiii...' "
			  "is too long (128 characters; at most 127)");

	memset(text, 0, sizeof(text));
	strcpy(text, PART_A "modules = \\a, ");
	memset(text + strlen(text), 'm', PATH_MAX_LEN);
	expect_part_error(text, "t.cfg:5: [partition a]: module path 'mmmmmmmmmmmmmmmmmmmmmmmm...' "
			  "is too long (128 characters; at most 127)");

	memset(text, 0, sizeof(text));
	strcpy(text, PART_A "cmdline = ");
	memset(text + strlen(text), 'c', CMDLINE_MAX_LEN);
	expect_part_error(text, "t.cfg:5: [partition a]: cmdline is too long (512 characters; "
			  "at most 511)");

	expect_part_error(PART_A "format = elf\n",
			  "t.cfg:5: [partition a]: format 'elf' is unknown "
			  "(use multiboot or linux)");
	expect_part_error(PART_A "autostart = maybe\n",
			  "t.cfg:5: [partition a]: autostart 'maybe' is not yes or no (also: "
			  "true/false, on/off, 1/0)");
	assert_true(cfg.part[0].autostart);
	expect_part_error(PART_A "on_crash = reboot\n",
			  "t.cfg:5: [partition a]: on_crash 'reboot' is unknown (use stop or "
			  "restart)");
	expect_part_error(PART_A "violations = ignore\n",
			  "t.cfg:5: [partition a]: violations 'ignore' is unknown (use stop or "
			  "report)");
}

static void test_module_errors(void **state)
{
	(void)state;
	expect_part_error(PART_A "modules = \\a,,\\b\n",
			  "t.cfg:5: [partition a]: modules: entry 2 is empty "
			  "(separate paths with one comma)");
	expect_part_error(PART_A "modules = \\a,\n",
			  "t.cfg:5: [partition a]: modules: entry 2 is empty "
			  "(separate paths with one comma)");
	expect_part_error(PART_A "modules = 1,2,3,4,5,6,7,8,9\n",
			  "t.cfg:5: [partition a]: too many modules (9; at most 8)");
	expect_part_error(PART_A "format = linux\ninitrd = \\i\nmodules = \\m\n",
			  "t.cfg:7: [partition a]: modules cannot be combined with initrd "
			  "(line 6): initrd is for format = linux, modules for format = multiboot");
	expect_part_error(PART_A "modules = \\m\ninitrd = \\i\n",
			  "t.cfg:6: [partition a]: initrd cannot be combined with modules "
			  "(line 5): initrd is for format = linux, modules for format = multiboot");
	expect_part_error(PART_A "initrd = \\i\n",
			  "t.cfg:5: [partition a]: initrd needs format = linux (this partition is "
			  "multiboot, the default; multiboot takes modules = instead)");
	expect_part_error(PART_A "initrd = \\i\nformat = multiboot\n",
			  "t.cfg:5: [partition a]: initrd needs format = linux (this partition is "
			  "multiboot; multiboot takes modules = instead)");
	expect_part_error(PART_A "modules = \\m\nformat = linux\n",
			  "t.cfg:5: [partition a]: modules need format = multiboot "
			  "(this partition is linux; linux takes one initrd = instead)");
}

static void test_missing_required(void **state)
{
	(void)state;
	expect_part_error("[hypervisor]\n[partition a]  # empty\n\n",
			  "t.cfg:2: [partition a]: missing cpus, memory, kernel (every partition "
			  "needs cpus, memory and kernel)");
	expect_part_error("[partition a]\ncpus = 1\nmemory = 1M\n[hypervisor]\n",
			  "t.cfg:1: [partition a]: missing kernel (every partition needs cpus, "
			  "memory "
			  "and kernel)");
	/* A key given with a bad value is not "missing" as well. */
	expect_part_error("[partition a]\ncpus = x\nmemory = 1M\nkernel = \\k\n",
			  "t.cfg:2: [partition a]: cpus 'x' is not a CPU list: expected a CPU "
			  "index, "
			  "found 'x' (use e.g. 1, 1-3 or 1,3-4)");
}

/* An error marks only its own partition; the first reason is kept. */
static void test_validity_propagation(void **state)
{
	unsigned n;

	(void)state;
	n = parse("[partition one]\ncpus = 1\nmemory = 8M\nkernel = \\1\n"
		  "[partition two]\ncpus = 2\nmemory = lots\nkernel = \\2\nformat = pe\n"
		  "[partition three]\ncpus = 3\nmemory = 8M\nkernel = \\3\n"
		  "[hypervisor]\nbaud = 7\n");
	if (n != 3)
		dump_diag();
	assert_int_equal(n, 3);
	assert_int_equal(cfg.npartitions, 3);
	assert_true(cfg.part[0].valid);
	assert_false(cfg.part[1].valid);
	assert_true(cfg.part[2].valid);
	assert_string_equal(cfg.part[1].why_invalid,
			    "t.cfg:7: [partition two]: memory 'lots' is not a size (use e.g. 64M, "
			    "1G)");
	assert_string_equal(d.msg[1], "t.cfg:9: [partition two]: format 'pe' is unknown (use "
			    "multiboot or linux)");
	assert_string_equal(d.msg[2], "t.cfg:15: [hypervisor]: baud 7 is not supported: it must "
			    "divide 115200 and be at least 1200 (e.g. 9600, 38400, 57600, 115200)");
	assert_string_equal(cfg.part[2].why_invalid, "");
	assert_int_equal(cfg.part[2].memory, 8 << 20);
	assert_int_equal(config_check(&cfg, 4, 1ull << 30, &d), 2);
	assert_int_equal(d.errors, 3);
}

static void test_errors_accumulate(void **state)
{
	(void)state;
	/* The return value is this parse's errors, even if d held some. */
	diag_init(&d);
	diag_error(&d, "earlier");
	assert_int_equal(config_parse(&cfg, "t.cfg", "x\n", 2, &d), 1);
	assert_int_equal(d.errors, 2);
	assert_string_equal(d.msg[1], "t.cfg:1: expected 'key = value', found 'x'");
}

/* ----------------------------------------------------------- value parsers */

static void test_parse_cpuset(void **state)
{
	static const struct { const char *s; u64 mask; } good[] = {
		{ "0", 1 }, { "1-3", 0xe }, { "1,3-4", 0x1a }, { " 1 - 3 , 5 ", 0x2e },
		{ "63", 1ull << 63 }, { "0-63", ~0ull }, { "5,5,4-5", 0x30 }, { "2-2", 4 },
		{ "007", 0x80 },
	};
	static const char *const bad[] = {
		"", " ", "64", "1-", "-1", "3-1", "1,,2", "1,", ",1", "a", "1 2", "1-2-3",
		"99999999999999999999", "0x1", "+1", "1.5",
	};
	u64 mask;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		mask = 0;
		assert_true(config_parse_cpuset(good[i].s, &mask));
		assert_int_equal(mask, good[i].mask);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		mask = 0x1234;
		if (config_parse_cpuset(bad[i], &mask))
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(mask, 0x1234);
	}
}

static void test_parse_size(void **state)
{
	static const struct { const char *s; u64 bytes; } good[] = {
		{ "4096", 4096 }, { "512K", 512 << 10 }, { "512kib", 512 << 10 },
		{ "64M", 64 << 20 }, { "64m", 64 << 20 }, { "64MiB", 64 << 20 },
		{ "1G", 1ull << 30 }, { "1gIb", 1ull << 30 }, { "0x1000", 4096 },
		{ "0X10M", 16 << 20 }, { " 2 G ", 2ull << 30 }, { "1", 1 },
		{ "17179869183G", 17179869183ull << 30 },
		{ "18446744073709551615", UINT64_MAX },
	};
	static const char *const bad[] = {
		"", "0", "0M", "0x0", "0x", "M", "12Q", "1MB", "1KB", "1T", "1 M B", "-1", "1.5G",
		"18446744073709551616", "17179869184G", "0x10000000000000000", "1GiBB", "G1",
		"0x1g0",
	};
	u64 bytes;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		bytes = 0;
		if (!config_parse_size(good[i].s, &bytes))
			fail_msg("'%s' was rejected", good[i].s);
		assert_int_equal(bytes, good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		bytes = 77;
		if (config_parse_size(bad[i], &bytes))
			fail_msg("'%s' was accepted", bad[i]);
		assert_int_equal(bytes, 77);
	}
}

static void test_format_cpuset(void **state)
{
	static const struct { u64 mask; const char *s; } cases[] = {
		{ 0, "none" }, { 1, "0" }, { 0x20, "5" }, { 0x6, "1-2" }, { 0x26, "1-2,5" },
		{ ~0ull, "0-63" }, { 1ull << 63, "63" }, { 0xaaull, "1,3,5,7" },
		{ 0x8000000000000003ull, "0-1,63" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		u64 back = 0;

		config_format_cpuset(cases[i].mask, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].s);
		if (cases[i].mask) {
			assert_true(config_parse_cpuset(buf, &back));
			assert_int_equal(back, cases[i].mask);
		}
	}
	config_format_cpuset(0x26, buf, 4);
	assert_string_equal(buf, "1-2");
	buf[0] = 'z';
	config_format_cpuset(0x26, buf, 0);
	assert_int_equal(buf[0], 'z');
}

/* ------------------------------------------------------------ config_check */

/* Parse text (which must be clean), then check it; returns valid count. */
static unsigned check(const char *text, unsigned ncpus, u64 mem)
{
	expect_clean(text);
	return config_check(&cfg, ncpus, mem, &d);
}

static void expect_check_error(const char *text, unsigned ncpus, u64 mem, unsigned valid,
			       const char *msg)
{
	unsigned n = check(text, ncpus, mem);

	if (d.count != 1)
		dump_diag();
	assert_int_equal(n, valid);
	assert_int_equal(d.errors, 1);
	assert_int_equal(d.count, 1);
	assert_string_equal(d.msg[0], msg);
}

#define PART(name, cpus, mem) "[partition " name "]\ncpus = " cpus "\nmemory = " mem \
	"\nkernel = \\k\n"

static void test_check_ok(void **state)
{
	(void)state;
	assert_int_equal(check(PART("a", "1", "32M") PART("b", "2-3", "64M"), 4, 96 << 20), 2);
	assert_int_equal(d.count, 0);
	assert_true(cfg.part[0].valid && cfg.part[1].valid);
	assert_int_equal(cfg.hv.console_cpu, 0);
	/* console_cpu = none frees CPU 0; 64 CPUs all exist. */
	assert_int_equal(check("[hypervisor]\nconsole_cpu = none\n" PART("a", "0-63", "1G"), 64,
			       1ull << 30), 1);
	assert_int_equal(d.count, 0);
	assert_int_equal(check(PART("a", "1", "1M"), 1000, 2 << 20), 1);
	assert_int_equal(check("", 4, 0), 0);
	assert_int_equal(d.count, 0);
}

static void test_check_cpus_exist(void **state)
{
	(void)state;
	expect_check_error(PART("a", "1", "2M") PART("b", "3-5", "2M"), 4, 1ull << 30, 1,
			   "t.cfg:5: [partition b]: CPUs 4-5 do not exist (this machine has 4 "
			   "CPUs: "
			   "0-3)");
	assert_true(cfg.part[0].valid);
	assert_false(cfg.part[1].valid);
	assert_string_equal(cfg.part[1].why_invalid, d.msg[0]);
	expect_check_error(PART("a", "1", "2M"), 1, 1ull << 30, 0,
			   "t.cfg:1: [partition a]: CPU 1 does not exist (this machine has 1 CPU: "
			   "0)");
}

static void test_check_console_cpu(void **state)
{
	(void)state;
	expect_check_error(PART("a", "0-1", "2M"), 4, 1ull << 30, 0,
			   "t.cfg:1: [partition a]: CPU 0 is the console CPU (console_cpu in "
			   "[hypervisor]); give the partition other CPUs or set console_cpu = "
			   "none");
	expect_check_error("[hypervisor]\nconsole_cpu = 2\n" PART("a", "0-1", "2M")
			   PART("b", "2", "2M"), 4, 1ull << 30, 1,
			   "t.cfg:7: [partition b]: CPU 2 is the console CPU (console_cpu in "
			   "[hypervisor]); give the partition other CPUs or set console_cpu = "
			   "none");
	/* A console CPU the machine lacks: an error, and no console. */
	expect_check_error("[hypervisor]\nconsole_cpu = 4\n" PART("a", "0-3", "2M"), 4,
			   1ull << 30, 1, "t.cfg:2: [hypervisor]: console_cpu 4 does not exist "
			   "(this machine has 4 CPUs); running without a console CPU");
	assert_int_equal(cfg.hv.console_cpu, -1);
}

static void test_check_overlap(void **state)
{
	(void)state;
	expect_check_error(PART("a", "1-2", "2M") PART("b", "3", "2M") PART("c", "2-3", "2M"), 4,
			   1ull << 30, 2,
			   "t.cfg:9: [partition c]: CPU 2 already belongs to [partition a] (line "
			   "1)");
	expect_check_error(PART("a", "1-3", "2M") PART("b", "2-3", "2M"), 4, 1ull << 30, 1,
			   "t.cfg:5: [partition b]: CPUs 2-3 already belong to [partition a] "
			   "(line 1)");
	/* An invalid partition holds no CPUs: c gets CPU 2 although b named it. */
	expect_check_error(PART("a", "1", "2M") PART("b", "2,9", "2M") PART("c", "2", "2M"), 4,
			   1ull << 30, 2,
			   "t.cfg:5: [partition b]: CPU 9 does not exist (this machine has 4 CPUs: "
			   "0-3)");
	assert_true(cfg.part[2].valid);
}

static void test_check_names(void **state)
{
	(void)state;
	expect_check_error(PART("web", "1", "2M") PART("db", "2", "2M") PART("Web", "3", "2M"), 4,
			   1ull << 30, 2,
			   "t.cfg:9: [partition Web]: the name is already used by [partition web] "
			   "(line 1)");
	assert_true(cfg.part[0].valid);
	assert_false(cfg.part[2].valid);
}

static void test_check_memory(void **state)
{
	(void)state;
	/* Exactly full after rounding 3M up to 4M. */
	assert_int_equal(check(PART("a", "1", "3M") PART("b", "2", "4M"), 4, 8 << 20), 2);
	assert_int_equal(d.count, 0);
	expect_check_error(PART("a", "1", "3M") PART("b", "2", "4097K"), 4, 8 << 20, 1,
			   "t.cfg:5: [partition b]: memory 4097K does not fit: it needs 6M (a "
			   "multiple of 2M) but only 4M of 8M is left");
	/* Failing partitions take no memory: c still fits. */
	expect_check_error(PART("a", "1", "1G") PART("b", "2", "2G") PART("c", "3", "1G"), 4,
			   2ull << 30, 2,
			   "t.cfg:5: [partition b]: memory 2G does not fit: it needs 2G (a "
			   "multiple "
			   "of 2M) but only 1G of 2G is left");
	assert_true(cfg.part[2].valid);
	/* A partition invalid for its CPUs takes no memory either. */
	expect_check_error(PART("a", "7", "2M") PART("b", "1", "2M"), 4, 2 << 20, 1,
			   "t.cfg:1: [partition a]: CPU 7 does not exist (this machine has 4 CPUs: "
			   "0-3)");
	expect_check_error(PART("a", "1", "18446744073709551615"), 4, 1ull << 30, 0,
			   "t.cfg:1: [partition a]: memory 18446744073709551615 bytes does not "
			   "fit: it "
			   "needs 18446744073709551615 bytes (a multiple of 2M) but only 1G of 1G "
			   "is "
			   "left");
	expect_check_error(PART("a", "1", "1M"), 4, 1 << 20, 0,
			   "t.cfg:1: [partition a]: memory 1M does not fit: it needs 2M (a "
			   "multiple "
			   "of 2M) but only 1M of 1M is left");
}

static void test_check_skips_parse_failures(void **state)
{
	unsigned n;

	(void)state;
	n = parse(PART("a", "1", "2M") "[partition b]\ncpus = 1\nmemory = 2M\n"
		  PART("a", "2", "2M"));
	assert_int_equal(n, 1);
	/* b (invalid: no kernel) takes no CPU 1; the second "a" is a duplicate. */
	assert_int_equal(config_check(&cfg, 4, 1ull << 30, &d), 1);
	assert_int_equal(d.errors, 2);
	assert_string_equal(d.msg[1], "t.cfg:8: [partition a]: the name is already used by "
			    "[partition a] (line 1)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_crlf_whitespace_no_final_newline),
		cmocka_unit_test(test_comments_and_hash_in_values),
		cmocka_unit_test(test_text_not_nul_terminated),
		cmocka_unit_test(test_case_insensitive_words),
		cmocka_unit_test(test_serial_baud_console),
		cmocka_unit_test(test_bool_words),
		cmocka_unit_test(test_limits_reached_exactly),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_section_errors),
		cmocka_unit_test(test_bad_section_skips_its_keys),
		cmocka_unit_test(test_too_many_partitions),
		cmocka_unit_test(test_key_errors),
		cmocka_unit_test(test_partition_key_errors),
		cmocka_unit_test(test_hypervisor_value_errors),
		cmocka_unit_test(test_cpus_memory_errors),
		cmocka_unit_test(test_path_and_word_errors),
		cmocka_unit_test(test_module_errors),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_validity_propagation),
		cmocka_unit_test(test_errors_accumulate),
		cmocka_unit_test(test_parse_cpuset),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_format_cpuset),
		cmocka_unit_test(test_check_ok),
		cmocka_unit_test(test_check_cpus_exist),
		cmocka_unit_test(test_check_console_cpu),
		cmocka_unit_test(test_check_overlap),
		cmocka_unit_test(test_check_names),
		cmocka_unit_test(test_check_memory),
		cmocka_unit_test(test_check_skips_parse_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
