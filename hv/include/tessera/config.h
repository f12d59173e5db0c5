/*
 * tessera.cfg: the configuration the user writes.
 *
 * Parsed by portable code shared by the loader (which files to load), the
 * core (partitions) and the host tool tools/tessera-check. The format is
 * documented for users in docs/config.md; in short:
 *
 *   # comment (also ';' at line start)
 *   [hypervisor]
 *   serial = 0x3f8            # 16550 I/O port, or com1..com4
 *   baud = 115200
 *   console_cpu = 0           # CPU kept for the console, or "none"
 *
 *   [partition hello]         # name: letters, digits, '-', '_' (max 31)
 *   cpus = 1-2,3              # CPU indexes and ranges
 *   memory = 64M              # bytes with optional K/M/G suffix
 *   kernel = \tessera\hello.elf
 *   format = multiboot        # multiboot | linux
 *   cmdline = anything to the end of the line
 *   modules = \a.bin, \b.bin  # multiboot modules (comma separated)
 *   initrd = \tessera\initrd  # linux: one initrd
 *   autostart = yes           # yes|no|true|false|on|off|1|0
 *   on_crash = stop           # stop | restart
 *   violations = stop         # stop | report
 *   apic = xapic              # xapic | x2apic: the local APIC's mode at start
 *
 * Errors never stop the parse: each is reported as "FILE:LINE: what is
 * wrong" into a struct diag. An error inside a [partition] section marks
 * that partition invalid (with the reason); an error elsewhere leaves the
 * default for that setting.
 */
#ifndef TESSERA_CONFIG_H
#define TESSERA_CONFIG_H

#include <tessera/types.h>
#include <tessera/limits.h>
#include <tessera/diag.h>

enum part_format { FORMAT_MULTIBOOT = 0, FORMAT_LINUX = 1 };
enum crash_action { CRASH_STOP = 0, CRASH_RESTART = 1 };
enum violation_action { VIOLATION_STOP = 0, VIOLATION_REPORT = 1 };
/* The mode each vCPU's local APIC starts in: xAPIC as a PC after reset,
 * or x2APIC as a firmware that enabled it hands the CPUs over. */
enum apic_start { APIC_START_XAPIC = 0, APIC_START_X2APIC = 1 };

struct cfg_partition {
	char name[NAME_MAX_LEN];
	unsigned line; /* line of its [partition NAME] header */
	u64 cpus;      /* bit i set: CPU index i belongs to it */
	u64 memory;    /* bytes */
	char kernel[PATH_MAX_LEN];
	enum part_format format;
	char cmdline[CMDLINE_MAX_LEN];
	unsigned nmodules;
	char modules[MAX_MODULES][PATH_MAX_LEN];
	bool has_initrd; /* modules[0] came from "initrd =" */
	bool autostart;
	enum crash_action on_crash;
	enum violation_action violations;
	enum apic_start apic;
	bool valid;             /* false once any error concerns it */
	char why_invalid[DIAG_MSG_LEN]; /* first such error */
};

struct cfg_hypervisor {
	u16 serial_port;
	u32 baud;
	int console_cpu; /* CPU index, or -1 for none */
	unsigned console_cpu_line; /* line of "console_cpu =", 0 if defaulted */
};

struct config {
	char file[PATH_MAX_LEN]; /* name used in messages */
	struct cfg_hypervisor hv;
	unsigned npartitions;
	struct cfg_partition part[MAX_PARTITIONS];
};

/* Defaults: serial 0x3f8, 115200 baud, console_cpu 0, no partitions.
 * Partition defaults: format multiboot, autostart yes, on_crash stop,
 * violations stop, memory 0 (required), cpus 0 (required). */
void config_defaults(struct config *cfg, const char *file);

/* Parse text[0..len) (need not be NUL-terminated) into cfg, which it first
 * resets with config_defaults(cfg, file). Returns the number of errors
 * found (also added to d->errors). A partition missing cpus, memory or
 * kernel is invalid with a message naming its header line. why_invalid
 * holds the whole first message ("FILE:LINE: ..."). */
unsigned config_parse(struct config *cfg, const char *file, const char *text, size_t len,
		      struct diag *d);

/* Cross-checks against the machine: CPU indexes >= ncpus, a CPU given to
 * two partitions (the later one fails), the console CPU given to a
 * partition, duplicate names (the later one fails), partitions whose
 * memory does not fit in mem_avail bytes taken in file order (each
 * partition's memory rounded up to 2 MiB). Failing partitions become
 * invalid with a message. Invalid partitions take no CPUs or memory. An
 * explicit console_cpu >= ncpus is an error and becomes -1 (none).
 * Returns the number of valid partitions left. */
unsigned config_check(struct config *cfg, unsigned ncpus, u64 mem_avail, struct diag *d);

/* Parse "1-2,5" into a bitmask; false on junk, empty, reversed ranges or
 * an index >= MAX_CPUS. Exposed for the console and tests. */
bool config_parse_cpuset(const char *s, u64 *mask);
/* Parse "64M", "1G", "4096", "512K" into bytes; false on junk/overflow/0. */
bool config_parse_size(const char *s, u64 *bytes);
/* Format a cpu mask back as "1-2,5" into buf ("none" for an empty mask;
 * truncated, always NUL-terminated, if buf is too small). */
void config_format_cpuset(u64 mask, char *buf, size_t size);

#endif
