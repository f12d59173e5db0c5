/*
 * tessera-check: validate tessera.cfg files on the host, with the very
 * parser the loader and the hypervisor use (hv/config.c), so a file that
 * passes here is read the same way at boot.
 *
 *   tessera-check [--cpus N] [--memory SIZE] [--parse-only] FILE...
 *
 * Diagnostics go to stderr, a table of partitions to stdout. Exit status:
 * 0 no errors, 1 errors in a file, 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/config.h>
#include <tessera/diag.h>
#include <tessera/string.h>

#define DEFAULT_CPUS 4
#define DEFAULT_MEMORY (1ull << 30)
#define MAX_FILE_SIZE (1u << 20) /* a config is a few KiB; refuse anything absurd */

struct options {
	unsigned ncpus;
	u64 memory;
	bool check;
};

/* Both are large: static rather than on the stack. */
static struct config cfg;
static struct diag diag;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: tessera-check [--cpus N] [--memory SIZE] [--parse-only] FILE...\n"
		"Checks Tessera configuration files (see docs/config.md).\n"
		"  --cpus N       CPUs of the target machine (default %d)\n"
		"  --memory SIZE  memory available to partitions, e.g. 1G (default 1G)\n"
		"  --parse-only   only parse: skip the checks against the machine\n"
		"Exit status: 0 no errors, 1 errors found, 2 usage or I/O error.\n",
		DEFAULT_CPUS);
}

/* Reads the whole file into a malloc'd buffer; NULL (after a message) on failure. */
static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;

	if (!f) {
		fprintf(stderr, "tessera-check: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE_SIZE + 1);
	if (!buf) {
		fprintf(stderr, "tessera-check: out of memory\n");
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_FILE_SIZE + 1, f);
	if (ferror(f) || n > MAX_FILE_SIZE) {
		fprintf(stderr, "tessera-check: %s: %s\n", path, ferror(f) ? "read error" :
			"too large for a configuration file (over 1 MiB)");
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static const char *format_name(enum part_format f)
{
	return f == FORMAT_LINUX ? "linux" : "multiboot";
}

static void print_size(u64 v, char *buf, size_t size)
{
	if (v && v % (1ull << 30) == 0)
		snprintf(buf, size, "%lluG", (unsigned long long)(v >> 30));
	else if (v && v % (1ull << 20) == 0)
		snprintf(buf, size, "%lluM", (unsigned long long)(v >> 20));
	else if (v && v % (1ull << 10) == 0)
		snprintf(buf, size, "%lluK", (unsigned long long)(v >> 10));
	else
		snprintf(buf, size, "%llu", (unsigned long long)v);
}

static void print_table(const struct config *c)
{
	unsigned valid = 0;

	for (unsigned i = 0; i < c->npartitions; i++)
		valid += c->part[i].valid;
	printf("%s: serial 0x%x at %u baud, console CPU ", c->file, c->hv.serial_port, c->hv.baud);
	if (c->hv.console_cpu < 0)
		printf("none\n");
	else
		printf("%d\n", c->hv.console_cpu);
	printf("%s: %u partition%s, %u valid\n", c->file, c->npartitions,
	       c->npartitions == 1 ? "" : "s", valid);
	if (!c->npartitions)
		return;
	printf("  %-31s %-7s %-12s %-7s %-9s %s\n", "NAME", "STATE", "CPUS", "MEMORY", "FORMAT",
	       "KERNEL");
	for (unsigned i = 0; i < c->npartitions; i++) {
		const struct cfg_partition *p = &c->part[i];
		char cpus[192], mem[32];

		config_format_cpuset(p->cpus, cpus, sizeof(cpus));
		print_size(p->memory, mem, sizeof(mem));
		printf("  %-31s %-7s %-12s %-7s %-9s %s\n", p->name, p->valid ? "ok" : "INVALID",
		       p->cpus ? cpus : "-", p->memory ? mem : "-", format_name(p->format),
		       p->kernel[0] ? p->kernel : "-");
		if (!p->valid)
			printf("      reason: %s\n", p->why_invalid);
	}
}

/* Returns 0, 1 or 2 as the exit status for this file alone. */
static int check_file(const char *path, const struct options *o)
{
	size_t len = 0;
	char *text = read_file(path, &len);

	if (!text)
		return 2;
	diag_init(&diag);
	config_parse(&cfg, path, text, len, &diag);
	if (o->check)
		config_check(&cfg, o->ncpus, o->memory, &diag);
	free(text);
	for (unsigned i = 0; i < diag.count; i++)
		fprintf(stderr, "%s\n", diag.msg[i]);
	if (diag.dropped)
		fprintf(stderr, "%s: ... and %u more message%s\n", path, diag.dropped,
			diag.dropped == 1 ? "" : "s");
	print_table(&cfg);
	return diag.errors ? 1 : 0;
}

/* Parses options; returns the index of the first file, or -1 on a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		u64 n;

		if (!strcmp(arg, "--")) {
			return i + 1;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(arg, "--parse-only")) {
			o->check = false;
		} else if (!strcmp(arg, "--cpus") && val) {
			if (!str_to_u64(val, &n) || n == 0 || n > MAX_CPUS) {
				fprintf(stderr, "tessera-check: --cpus '%s': "
					"give a number from 1 to %d\n", val, MAX_CPUS);
				return -1;
			}
			o->ncpus = (unsigned)n;
			i++;
		} else if (!strcmp(arg, "--memory") && val) {
			if (!config_parse_size(val, &o->memory)) {
				fprintf(stderr, "tessera-check: --memory '%s': give a size such as "
					"512M or 2G\n", val);
				return -1;
			}
			i++;
		} else {
			fprintf(stderr, "tessera-check: %s: %s\n", arg,
				(!strcmp(arg, "--cpus") || !strcmp(arg, "--memory")) ?
				"needs a value" : "unknown option");
			return -1;
		}
	}
	return i;
}

int main(int argc, char **argv)
{
	struct options o = { DEFAULT_CPUS, DEFAULT_MEMORY, true };
	int first = parse_options(argc, argv, &o);
	int status = 0;

	if (first < 0 || first >= argc) {
		if (first >= argc)
			fprintf(stderr, "tessera-check: no file given\n");
		usage(stderr);
		return 2;
	}
	for (int i = first; i < argc; i++) {
		int s = check_file(argv[i], &o);

		if (s > status)
			status = s;
	}
	return status;
}
