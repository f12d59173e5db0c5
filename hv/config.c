/*
 * tessera.cfg: the line parser (format in tessera/config.h, user
 * documentation in docs/config.md). The cross-checks against the machine
 * and the CPU-list and size parsers are in hv/config_check.c.
 *
 * Portable and freestanding: the loader, the core and tools/tessera-check
 * share this file, so it never prints (every problem goes to a struct diag
 * as "FILE:LINE: what is wrong") and never allocates. The caller owns the
 * large struct config; locals here stay small because hypervisor stacks are.
 *
 * A line is a comment, a section header or "key = value". Each key has a
 * row in hv_keys[] or part_keys[] naming the handler that parses its value,
 * so adding a key is adding a row and a small function.
 */
#include <tessera/config.h>
#include <tessera/diag.h>
#include <tessera/format.h>
#include <tessera/string.h>

#include "config_internal.h"

/* Longest line accepted (without its line ending): a full cmdline after
 * "cmdline = " with some indentation. parse_line() copies a line onto its
 * stack, so this also bounds the parser's stack use. */
#define LINE_MAX_LEN 600

enum section { SECT_NONE, SECT_HV, SECT_PART, SECT_SKIP };

enum hv_key { HK_SERIAL, HK_BAUD, HK_CONSOLE_CPU, HV_NKEYS };
enum part_key {
	PK_CPUS, PK_MEMORY, PK_KERNEL, PK_FORMAT, PK_CMDLINE, PK_MODULES, PK_INITRD,
	PK_AUTOSTART, PK_ON_CRASH, PK_VIOLATIONS, PK_APIC, PART_NKEYS
};

struct parser {
	struct config *cfg;
	struct diag *d;
	unsigned line;               /* current line, from 1 */
	enum section sect;           /* SECT_SKIP: after a bad header, ignore keys */
	struct cfg_partition *part;  /* SECT_PART: the partition being filled, else NULL */
	unsigned hv_line;            /* first [hypervisor] header, 0 if none yet */
	unsigned hv_set[HV_NKEYS];   /* line each key was set on, 0 if not */
	unsigned part_set[PART_NKEYS];
	char label[NAME_MAX_LEN + 16]; /* "[hypervisor]" or "[partition NAME]" */
};

struct key {
	const char *name;
	const char *example;  /* shown when the value is missing */
	bool raw;             /* value is the rest of the line: no '#' comment */
	void (*set)(struct parser *p, char *val);
};

/* ------------------------------------------------------------ messages */

void cfg_part_label(const struct cfg_partition *part, char *buf, size_t size)
{
	strfmt(buf, size, "[partition %s]", part->name);
}

/* Every message goes through here (see config_internal.h). */
void cfg_vreport(struct diag *d, const char *file, unsigned line, const char *label,
		 struct cfg_partition *part, const char *fmt, va_list ap)
{
	char msg[DIAG_MSG_LEN];
	int n;

	if (label)
		n = strfmt(msg, sizeof(msg), "%s:%u: %s: ", file, line, label);
	else
		n = strfmt(msg, sizeof(msg), "%s:%u: ", file, line);
	if (n >= 0 && (size_t)n < sizeof(msg))
		vstrfmt(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	diag_error(d, "%s", msg);
	if (part && part->valid) {
		part->valid = false;
		str_copy(part->why_invalid, msg, sizeof(part->why_invalid));
	}
}

/* An error about the line as a whole: "FILE:LINE: ...". */
static __printf(2, 3) void line_error(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(p->d, p->cfg->file, p->line, NULL, p->part, fmt, ap);
	va_end(ap);
}

/* An error about a setting of the current section: "FILE:LINE: [sect]: ...". */
static __printf(3, 4) void sect_error(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cfg_vreport(p->d, p->cfg->file, line, p->label, p->part, fmt, ap);
	va_end(ap);
}

/* ------------------------------------------------------ small parsers */

/* A trailing comment starts at a '#' after whitespace ("a#b" is a value). */
static char *comment_start(char *s)
{
	for (size_t i = 1; s[0] && s[i]; i++)
		if (s[i] == '#' && char_is_space((unsigned char)s[i - 1]))
			return s + i;
	return NULL;
}

static void strip_comment(char *s)
{
	char *c = comment_start(s);

	if (c)
		*c = '\0';
	trim(s);
}

/* Index of v in the NULL-terminated words[] (ASCII, any case), or -1. */
static int word_index(const char *v, const char *const *words)
{
	for (int i = 0; words[i]; i++)
		if (str_eq_nocase(v, words[i]))
			return i;
	return -1;
}

/* ------------------------------------------------- [hypervisor] keys */

static void set_serial(struct parser *p, char *v)
{
	static const char *const com[] = { "com1", "com2", "com3", "com4", NULL };
	static const u16 com_port[] = { 0x3f8, 0x2f8, 0x3e8, 0x2e8 };
	int i = word_index(v, com);
	u64 port;

	if (i >= 0)
		p->cfg->hv.serial_port = com_port[i];
	else if (!str_to_u64(v, &port))
		sect_error(p, p->line, "serial '%.48s' is not a port "
			   "(use com1..com4 or an I/O port such as 0x3f8)", v);
	else if (port == 0 || port > 0xffff)
		sect_error(p, p->line, "serial port %.48s is out of range "
			   "(I/O ports are 0x1..0xffff)", v);
	else
		p->cfg->hv.serial_port = (u16)port;
}

static void set_baud(struct parser *p, char *v)
{
	u64 baud;

	if (!str_to_u64(v, &baud))
		sect_error(p, p->line, "baud '%.48s' is not a number (e.g. baud = 115200)", v);
	else if (baud < 1200 || baud > 115200 || 115200 % baud)
		sect_error(p, p->line,
			   "baud %.48s is not supported: it must divide 115200 and be at least "
			   "1200 (e.g. 9600, 38400, 57600, 115200)", v);
	else
		p->cfg->hv.baud = (u32)baud;
}

static void set_console_cpu(struct parser *p, char *v)
{
	u64 cpu = 0;
	bool none = str_eq_nocase(v, "none");

	if (!none && !str_to_u64(v, &cpu)) {
		sect_error(p, p->line, "console_cpu '%.48s' is not a CPU index "
			   "(use a number such as 0, or none)", v);
	} else if (cpu >= MAX_CPUS) {
		sect_error(p, p->line, "console_cpu %.48s is too large (CPU indexes are 0..%d)", v,
			   MAX_CPUS - 1);
	} else {
		p->cfg->hv.console_cpu = none ? -1 : (int)cpu;
		p->cfg->hv.console_cpu_line = p->line;
	}
}

static const struct key hv_keys[HV_NKEYS] = {
	[HK_SERIAL] = { "serial", "serial = com1", false, set_serial },
	[HK_BAUD] = { "baud", "baud = 115200", false, set_baud },
	[HK_CONSOLE_CPU] = { "console_cpu", "console_cpu = 0", false, set_console_cpu },
};

/* ------------------------------------------------ [partition] keys */

static void set_cpus(struct parser *p, char *v)
{
	char why[64];

	if (!cfg_cpuset_parse(v, &p->part->cpus, why, sizeof(why)))
		sect_error(p, p->line, "cpus '%.48s' is not a CPU list: %s "
			   "(use e.g. 1, 1-3 or 1,3-4)", v, why);
}

static void set_memory(struct parser *p, char *v)
{
	static const char *const why[] = {
		[SIZE_JUNK] = "is not a size (use e.g. 64M, 1G)",
		[SIZE_ZERO] = "must be more than 0",
		[SIZE_BIG] = "is too large to count in bytes",
	};
	enum size_err e = cfg_size_parse(v, &p->part->memory);

	if (e != SIZE_OK)
		sect_error(p, p->line, "memory '%.48s' %s", v, why[e]);
}

static bool set_path(struct parser *p, const char *what, const char *v, char *dst)
{
	size_t n = strlen(v);

	if (n >= PATH_MAX_LEN) {
		sect_error(p, p->line, "%s path '%.24s...' is too long "
			   "(%zu characters; at most %d)", what, v, n, PATH_MAX_LEN - 1);
		return false;
	}
	str_copy(dst, v, PATH_MAX_LEN);
	return true;
}

static void set_kernel(struct parser *p, char *v)
{
	set_path(p, "kernel", v, p->part->kernel);
}

/* A key whose value is one of two words: the value's index, or -1 after an error. */
static int two_words(struct parser *p, const char *key, const char *v, const char *a,
		     const char *b)
{
	const char *const words[] = { a, b, NULL };
	int r = word_index(v, words);

	if (r < 0)
		sect_error(p, p->line, "%s '%.48s' is unknown (use %s or %s)", key, v, a, b);
	return r;
}

static void set_format(struct parser *p, char *v)
{
	int r = two_words(p, "format", v, "multiboot", "linux");

	if (r >= 0)
		p->part->format = r ? FORMAT_LINUX : FORMAT_MULTIBOOT;
}

static void set_cmdline(struct parser *p, char *v)
{
	size_t n = strlen(v);

	if (n >= CMDLINE_MAX_LEN)
		sect_error(p, p->line, "cmdline is too long (%zu characters; at most %d)", n,
			   CMDLINE_MAX_LEN - 1);
	else
		str_copy(p->part->cmdline, v, sizeof(p->part->cmdline));
}

/* modules and initrd share modules[]; only one of them may fill it. */
static bool modules_free(struct parser *p, const char *key, enum part_key other)
{
	if (!p->part_set[other])
		return true;
	sect_error(p, p->line,
		   "%s cannot be combined with %s (line %u): initrd is for format = linux, "
		   "modules for format = multiboot", key, other == PK_INITRD ? "initrd" : "modules",
		   p->part_set[other]);
	return false;
}

/* "\a.bin, \b.bin": paths separated by commas, spaces around each ignored. */
static void set_modules(struct parser *p, char *v)
{
	struct cfg_partition *part = p->part;
	unsigned count = 1;

	if (!modules_free(p, "modules", PK_INITRD))
		return;
	for (const char *c = v; *c; c++)
		count += *c == ',';
	if (count > MAX_MODULES) {
		sect_error(p, p->line, "too many modules (%u; at most %d)", count, MAX_MODULES);
		return;
	}
	while (v) {
		char *comma = strchr(v, ',');
		char *path;

		if (comma)
			*comma = '\0';
		path = trim(v);
		if (!*path) {
			sect_error(p, p->line, "modules: entry %u is empty "
				   "(separate paths with one comma)", part->nmodules + 1);
			return;
		}
		if (!set_path(p, "module", path, part->modules[part->nmodules]))
			return;
		part->nmodules++;
		v = comma ? comma + 1 : NULL;
	}
}

static void set_initrd(struct parser *p, char *v)
{
	struct cfg_partition *part = p->part;

	if (!modules_free(p, "initrd", PK_MODULES))
		return;
	if (set_path(p, "initrd", v, part->modules[0])) {
		part->nmodules = 1;
		part->has_initrd = true;
	}
}

static void set_autostart(struct parser *p, char *v)
{
	/* Even indexes are yes, odd are no. */
	static const char *const words[] = {
		"yes", "no", "true", "false", "on", "off", "1", "0", NULL,
	};
	int r = word_index(v, words);

	if (r < 0)
		sect_error(p, p->line, "autostart '%.48s' is not yes or no (also: true/false, "
			   "on/off, 1/0)", v);
	else
		p->part->autostart = r % 2 == 0;
}

static void set_on_crash(struct parser *p, char *v)
{
	int r = two_words(p, "on_crash", v, "stop", "restart");

	if (r >= 0)
		p->part->on_crash = r ? CRASH_RESTART : CRASH_STOP;
}

static void set_violations(struct parser *p, char *v)
{
	int r = two_words(p, "violations", v, "stop", "report");

	if (r >= 0)
		p->part->violations = r ? VIOLATION_REPORT : VIOLATION_STOP;
}

static void set_apic(struct parser *p, char *v)
{
	int r = two_words(p, "apic", v, "xapic", "x2apic");

	if (r >= 0)
		p->part->apic = r ? APIC_START_X2APIC : APIC_START_XAPIC;
}

static const struct key part_keys[PART_NKEYS] = {
	[PK_CPUS] = { "cpus", "cpus = 1-2", false, set_cpus },
	[PK_MEMORY] = { "memory", "memory = 64M", false, set_memory },
	[PK_KERNEL] = { "kernel", "kernel = \\tessera\\hello.elf", false, set_kernel },
	[PK_FORMAT] = { "format", "format = multiboot", false, set_format },
	[PK_CMDLINE] = { "cmdline", "cmdline = console=ttyS0", true, set_cmdline },
	[PK_MODULES] = { "modules", "modules = \\a.bin, \\b.bin", false, set_modules },
	[PK_INITRD] = { "initrd", "initrd = \\tessera\\initrd", false, set_initrd },
	[PK_AUTOSTART] = { "autostart", "autostart = yes", false, set_autostart },
	[PK_ON_CRASH] = { "on_crash", "on_crash = stop", false, set_on_crash },
	[PK_VIOLATIONS] = { "violations", "violations = stop", false, set_violations },
	[PK_APIC] = { "apic", "apic = xapic", false, set_apic },
};

/* ------------------------------------------------------------ sections */

/* The end of a [partition]: what can only be judged once all keys are in. */
static void finish_partition(struct parser *p)
{
	struct cfg_partition *part = p->part;
	static const enum part_key required[] = { PK_CPUS, PK_MEMORY, PK_KERNEL };
	char missing[40] = "";
	const char *fmt_note = p->part_set[PK_FORMAT] ? "" : ", the default";

	for (size_t i = 0; i < ARRAY_SIZE(required); i++) {
		if (p->part_set[required[i]])
			continue;
		if (missing[0])
			str_append(missing, ", ", sizeof(missing));
		str_append(missing, part_keys[required[i]].name, sizeof(missing));
	}
	if (missing[0])
		sect_error(p, part->line,
			   "missing %s (every partition needs cpus, memory and kernel)", missing);
	if (part->has_initrd && part->format != FORMAT_LINUX)
		sect_error(p, p->part_set[PK_INITRD],
			   "initrd needs format = linux (this partition is multiboot%s; "
			   "multiboot takes modules = instead)", fmt_note);
	if (part->nmodules && !part->has_initrd && part->format != FORMAT_MULTIBOOT)
		sect_error(p, p->part_set[PK_MODULES],
			   "modules need format = multiboot (this partition is linux; "
			   "linux takes one initrd = instead)");
}

static void finish_section(struct parser *p)
{
	if (p->sect == SECT_PART)
		finish_partition(p);
	p->sect = SECT_SKIP;
	p->part = NULL;
}

static void open_hypervisor(struct parser *p)
{
	if (p->hv_line) {
		line_error(p, "[hypervisor] appears twice (first on line %u); "
			   "the settings of this one are ignored", p->hv_line);
		return;
	}
	p->hv_line = p->line;
	p->sect = SECT_HV;
	str_copy(p->label, "[hypervisor]", sizeof(p->label));
}

/* Names appear in console commands and logs: keep them simple. */
static bool name_ok(struct parser *p, const char *name)
{
	size_t n = strlen(name);

	if (!n) {
		line_error(p, "[partition] needs a name, e.g. [partition web]");
		return false;
	}
	if (n >= NAME_MAX_LEN) {
		line_error(p, "partition name '%.40s%s' is too long (%zu characters; at most %d)",
			   name, n > 40 ? "..." : "", n, NAME_MAX_LEN - 1);
		return false;
	}
	for (const char *c = name; *c; c++) {
		int l = char_lower(*c);

		if (char_is_digit(l) || (l >= 'a' && l <= 'z') || l == '-' || l == '_')
			continue;
		line_error(p, "partition name '%s' contains '%c'; "
			   "use only letters, digits, '-' and '_'", name, *c);
		return false;
	}
	return true;
}

static void open_partition(struct parser *p, const char *name)
{
	struct config *cfg = p->cfg;
	struct cfg_partition *part;

	if (!name_ok(p, name))
		return;
	if (cfg->npartitions >= MAX_PARTITIONS) {
		line_error(p, "too many partitions: at most %d are supported; "
			   "[partition %s] is ignored", MAX_PARTITIONS, name);
		return;
	}
	part = &cfg->part[cfg->npartitions++];
	memset(part, 0, sizeof(*part));
	str_copy(part->name, name, sizeof(part->name));
	part->line = p->line;
	part->format = FORMAT_MULTIBOOT;
	part->autostart = true;
	part->on_crash = CRASH_STOP;
	part->violations = VIOLATION_STOP;
	part->apic = APIC_START_XAPIC;
	part->valid = true;
	memset(p->part_set, 0, sizeof(p->part_set));
	p->part = part;
	p->sect = SECT_PART;
	cfg_part_label(part, p->label, sizeof(p->label));
}

/* "[hypervisor]" or "[partition NAME]", comment already cut. */
static void open_section(struct parser *p, char *s)
{
	size_t n = strlen(s), i;
	char *inner;

	finish_section(p);
	if (s[n - 1] != ']') {
		line_error(p, "section header '%.48s' has no closing ']'", s);
		return;
	}
	s[n - 1] = '\0';
	inner = trim(s + 1);
	if (str_eq_nocase(inner, "hypervisor")) {
		open_hypervisor(p);
		return;
	}
	n = strlen("partition");
	for (i = 0; i < n && char_lower(inner[i]) == "partition"[i]; i++)
		;
	if (i == n && (!inner[n] || char_is_space((unsigned char)inner[n]))) {
		open_partition(p, trim(inner + n));
		return;
	}
	line_error(p, "unknown section '[%.48s]' (expected [hypervisor] or [partition NAME])",
		   inner);
}

/* ---------------------------------------------------------------- keys */

static const struct key *find_key(const struct key *keys, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (str_eq_nocase(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static void unknown_key(struct parser *p, const struct key *keys, size_t n, const char *key)
{
	char list[128] = "";
	bool in_hv = p->sect == SECT_HV;

	/* The right key in the wrong section deserves a precise hint. */
	if (find_key(in_hv ? part_keys : hv_keys, in_hv ? PART_NKEYS : HV_NKEYS, key)) {
		line_error(p, "'%s' is a %s setting; it does not belong in %s", key,
			   in_hv ? "[partition NAME]" : "[hypervisor]", p->label);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (i)
			str_append(list, ", ", sizeof(list));
		str_append(list, keys[i].name, sizeof(list));
	}
	line_error(p, "unknown key '%.32s' in %s (expected one of: %s)", key, p->label, list);
}

/* "key = value" in the current section. */
static void parse_setting(struct parser *p, char *s)
{
	bool in_hv = p->sect == SECT_HV;
	const struct key *keys = in_hv ? hv_keys : part_keys;
	size_t nkeys = in_hv ? HV_NKEYS : PART_NKEYS;
	unsigned *set = in_hv ? p->hv_set : p->part_set;
	char *eq = strchr(s, '='), *comment = comment_start(s), *key, *val;
	const struct key *k;

	if (!eq || (comment && comment < eq)) {
		strip_comment(s);
		if (p->sect != SECT_SKIP)
			line_error(p, "expected 'key = value', found '%.48s'", s);
		return;
	}
	*eq = '\0';
	key = trim(s);
	val = eq + 1;
	if (!*key) {
		if (p->sect != SECT_SKIP)
			line_error(p, "missing key before '='");
		return;
	}
	if (p->sect == SECT_NONE) {
		line_error(p, "'%.32s' is outside any section; put it under [hypervisor] or "
			   "[partition NAME]", key);
		return;
	}
	if (p->sect == SECT_SKIP)
		return;
	k = find_key(keys, nkeys, key);
	if (!k) {
		unknown_key(p, keys, nkeys, key);
		return;
	}
	if (set[k - keys]) {
		sect_error(p, p->line, "%s is given twice (first on line %u)", k->name,
			   set[k - keys]);
		return;
	}
	set[k - keys] = p->line;
	if (!k->raw)
		strip_comment(val);
	val = trim(val);
	if (!*val)
		sect_error(p, p->line, "%s has no value (e.g. %s)", k->name, k->example);
	else
		k->set(p, val);
}

/* One line without its '\n': s[0..n) is not NUL-terminated. */
static void parse_line(struct parser *p, const char *s, size_t n)
{
	char buf[LINE_MAX_LEN + 1], *line;

	if (n && s[n - 1] == '\r')
		n--;
	for (size_t i = 0; i < n; i++) {
		if (!s[i]) {
			line_error(p, "NUL byte in column %zu (is this a text file?)", i + 1);
			return;
		}
	}
	if (n > LINE_MAX_LEN) {
		line_error(p, "line is too long (%zu characters; at most %d)", n, LINE_MAX_LEN);
		return;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	line = trim(buf);
	if (!*line || *line == '#' || *line == ';')
		return;
	if (*line == '[') {
		strip_comment(line);
		open_section(p, line);
		return;
	}
	parse_setting(p, line);
}

/* ------------------------------------------------------------- public */

void config_defaults(struct config *cfg, const char *file)
{
	memset(cfg, 0, sizeof(*cfg));
	str_copy(cfg->file, file ? file : "tessera.cfg", sizeof(cfg->file));
	cfg->hv.serial_port = 0x3f8;
	cfg->hv.baud = 115200;
	cfg->hv.console_cpu = 0;
}

unsigned config_parse(struct config *cfg, const char *file, const char *text, size_t len,
		      struct diag *d)
{
	struct parser p;
	unsigned errors = d->errors;
	size_t pos = 0;

	config_defaults(cfg, file);
	memset(&p, 0, sizeof(p));
	p.cfg = cfg;
	p.d = d;
	p.sect = SECT_NONE;
	while (pos < len) {
		size_t end = pos;

		while (end < len && text[end] != '\n')
			end++;
		p.line++;
		parse_line(&p, text + pos, end - pos);
		pos = end + 1;
	}
	finish_section(&p);
	return d->errors - errors;
}

