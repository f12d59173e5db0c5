/*
 * tessera.cfg: the cross-checks against the machine (config_check) and the
 * value parsers and formatters that are also public API (CPU lists, sizes).
 * The line parser is hv/config.c; tessera/config.h has the format.
 *
 * Portable and freestanding, like hv/config.c: it never prints (problems go
 * to a struct diag) and never allocates.
 */
#include <tessera/config.h>
#include <tessera/diag.h>
#include <tessera/format.h>
#include <tessera/string.h>

#include "config_internal.h"

/* ------------------------------------------------------------ messages */

/* An error found by config_check, reported at the partition's header. */
static __printf(4, 5) void part_error(struct config *cfg, struct diag *d,
				      struct cfg_partition *part, const char *fmt, ...)
{
	char label[NAME_MAX_LEN + 16];
	va_list ap;

	cfg_part_label(part, label, sizeof(label));
	va_start(ap, fmt);
	cfg_vreport(d, cfg->file, part->line, label, part, fmt, ap);
	va_end(ap);
}

/* "64M" rather than 67108864: sizes in messages use the config's units. */
static void format_size(u64 v, char *buf, size_t size)
{
	unsigned long long n = v;

	if (v && v % GiB == 0)
		strfmt(buf, size, "%lluG", n / GiB);
	else if (v && v % MiB == 0)
		strfmt(buf, size, "%lluM", n / MiB);
	else if (v && v % KiB == 0)
		strfmt(buf, size, "%lluK", n / KiB);
	else
		strfmt(buf, size, "%llu bytes", n);
}

static unsigned popcount(u64 m)
{
	unsigned n = 0;

	for (; m; m &= m - 1)
		n++;
	return n;
}

/* --------------------------------------------------------- CPU lists */

/* One CPU index at *s (decimal), advancing *s; on failure says why. */
static bool parse_index(const char **s, unsigned *idx, char *why, size_t size)
{
	const char *start = *s;
	unsigned v = 0;

	if (!char_is_digit((unsigned char)*start)) {
		if (*start)
			strfmt(why, size, "expected a CPU index, found '%c'", *start);
		else
			strfmt(why, size, "a CPU index is missing at the end");
		return false;
	}
	while (char_is_digit((unsigned char)**s)) {
		if (v < 1000000)  /* saturate: all that matters is ">= MAX_CPUS" */
			v = v * 10 + (unsigned)(**s - '0');
		(*s)++;
	}
	if (v >= MAX_CPUS) {
		strfmt(why, size, "CPU %.*s is too large (indexes are 0..%d)",
		       (int)MIN(*s - start, 20), start, MAX_CPUS - 1);
		return false;
	}
	*idx = v;
	return true;
}

static u64 range_mask(unsigned lo, unsigned hi)
{
	u64 upto_hi = hi >= 63 ? ~0ull : (1ull << (hi + 1)) - 1;

	return upto_hi & ~((1ull << lo) - 1);
}

/* "1-3, 5": comma-separated indexes and ranges, spaces allowed around each. */
bool cfg_cpuset_parse(const char *s, u64 *mask, char *why, size_t size)
{
	u64 m = 0;

	for (;;) {
		unsigned lo, hi;

		s = skip_space(s);
		if (!parse_index(&s, &lo, why, size))
			return false;
		hi = lo;
		s = skip_space(s);
		if (*s == '-') {
			s = skip_space(s + 1);
			if (!parse_index(&s, &hi, why, size))
				return false;
			s = skip_space(s);
		}
		if (hi < lo) {
			strfmt(why, size, "range %u-%u is reversed (write %u-%u)", lo, hi, hi, lo);
			return false;
		}
		m |= range_mask(lo, hi);
		if (!*s)
			break;
		if (*s != ',') {
			strfmt(why, size, "expected ',' or '-', found '%c'", *s);
			return false;
		}
		s++;
	}
	*mask = m;
	return true;
}

bool config_parse_cpuset(const char *s, u64 *mask)
{
	char why[64];

	return cfg_cpuset_parse(s, mask, why, sizeof(why));
}

void config_format_cpuset(u64 mask, char *buf, size_t size)
{
	char run[16];

	if (!size)
		return;
	buf[0] = '\0';
	if (!mask) {
		str_copy(buf, "none", size);
		return;
	}
	for (unsigned i = 0; i < MAX_CPUS; i++) {
		unsigned j = i;

		if (!(mask & (1ull << i)))
			continue;
		while (j + 1 < MAX_CPUS && (mask & (1ull << (j + 1))))
			j++;
		if (j > i)
			strfmt(run, sizeof(run), "%s%u-%u", buf[0] ? "," : "", i, j);
		else
			strfmt(run, sizeof(run), "%s%u", buf[0] ? "," : "", i);
		str_append(buf, run, size);
		i = j;
	}
}

/* ------------------------------------------------------------- sizes */

/* Binary unit suffixes: "" K M G, or KiB MiB GiB; -1 if not one. */
static int size_shift(const char *suffix)
{
	static const struct { const char *a, *b; int shift; } units[] = {
		{ "", "", 0 }, { "K", "KiB", 10 }, { "M", "MiB", 20 }, { "G", "GiB", 30 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(units); i++)
		if (str_eq_nocase(suffix, units[i].a) || str_eq_nocase(suffix, units[i].b))
			return units[i].shift;
	return -1;
}

static bool is_hex_digit(char c)
{
	return char_is_digit((unsigned char)c) || (char_lower(c) >= 'a' && char_lower(c) <= 'f');
}

/* "64M", "0x100000", "1 GiB". */
enum size_err cfg_size_parse(const char *s, u64 *bytes)
{
	char num[24], suffix[8];
	const char *start = skip_space(s), *p = start;
	bool hex = p[0] == '0' && char_lower(p[1]) == 'x';
	size_t n;
	u64 v;
	int shift;

	for (p += hex ? 2 : 0; hex ? is_hex_digit(*p) : char_is_digit((unsigned char)*p); p++)
		;
	n = (size_t)(p - start);
	if (n == (hex ? 2 : 0))
		return SIZE_JUNK;  /* no digits */
	if (n >= sizeof(num))
		return SIZE_BIG;
	memcpy(num, start, n);
	num[n] = '\0';
	if (!str_to_u64(num, &v))
		return SIZE_BIG;  /* only digits were copied: it overflowed */
	p = skip_space(p);
	if (strlen(p) >= sizeof(suffix))
		return SIZE_JUNK;
	str_copy(suffix, p, sizeof(suffix));
	shift = size_shift(trim(suffix));
	if (shift < 0)
		return SIZE_JUNK;
	if (v == 0)
		return SIZE_ZERO;
	if (v > (UINT64_MAX >> shift))
		return SIZE_BIG;
	*bytes = v << shift;
	return SIZE_OK;
}

bool config_parse_size(const char *s, u64 *bytes)
{
	return cfg_size_parse(s, bytes) == SIZE_OK;
}

/* -------------------------------------------------------------- checks */

static void check_console(struct config *cfg, unsigned ncpus, struct diag *d)
{
	struct cfg_hypervisor *hv = &cfg->hv;

	if (hv->console_cpu < 0 || !hv->console_cpu_line || (unsigned)hv->console_cpu < ncpus)
		return;
	diag_error(d, "%s:%u: [hypervisor]: console_cpu %d does not exist (this machine has %u "
		   "CPU%s); running without a console CPU", cfg->file, hv->console_cpu_line,
		   hv->console_cpu, ncpus, ncpus == 1 ? "" : "s");
	hv->console_cpu = -1;
}

/* Duplicate names fail the later one, even if the earlier one is invalid:
 * the file is wrong either way. */
static void check_name(struct config *cfg, unsigned i, struct diag *d)
{
	struct cfg_partition *part = &cfg->part[i];

	for (unsigned j = 0; j < i; j++) {
		if (str_eq_nocase(cfg->part[j].name, part->name)) {
			part_error(cfg, d, part, "the name is already used by [partition %s] "
				   "(line %u)", cfg->part[j].name, cfg->part[j].line);
			return;
		}
	}
}

static void check_cpus_exist(struct config *cfg, struct cfg_partition *part, unsigned ncpus,
			     struct diag *d)
{
	u64 exist = ncpus >= MAX_CPUS ? ~0ull : (1ull << ncpus) - 1;
	u64 bad = part->cpus & ~exist;
	char bad_s[64], all_s[16];

	if (!bad)
		return;
	config_format_cpuset(bad, bad_s, sizeof(bad_s));
	config_format_cpuset(exist, all_s, sizeof(all_s));
	part_error(cfg, d, part, "CPU%s %s %s not exist (this machine has %u CPU%s: %s)",
		   popcount(bad) > 1 ? "s" : "", bad_s, popcount(bad) > 1 ? "do" : "does", ncpus,
		   ncpus == 1 ? "" : "s", all_s);
}

static void check_console_cpu(struct config *cfg, struct cfg_partition *part, struct diag *d)
{
	int c = cfg->hv.console_cpu;

	if (c >= 0 && (part->cpus & (1ull << c)))
		part_error(cfg, d, part, "CPU %d is the console CPU (console_cpu in [hypervisor]); "
			   "give the partition other CPUs or set console_cpu = none", c);
}

/* Earlier valid partitions own their CPUs; name the first one in the way. */
static void check_overlap(struct config *cfg, unsigned i, struct diag *d)
{
	struct cfg_partition *part = &cfg->part[i];
	char cpus_s[64];

	for (unsigned j = 0; j < i; j++) {
		struct cfg_partition *other = &cfg->part[j];
		u64 both = other->cpus & part->cpus;

		if (!other->valid || !both)
			continue;
		config_format_cpuset(both, cpus_s, sizeof(cpus_s));
		part_error(cfg, d, part, "CPU%s %s already belong%s to [partition %s] (line %u)",
			   popcount(both) > 1 ? "s" : "", cpus_s, popcount(both) > 1 ? "" : "s",
			   other->name, other->line);
		return;
	}
}

static void check_memory(struct config *cfg, struct cfg_partition *part, u64 avail, u64 *used,
			 struct diag *d)
{
	bool roundable = part->memory <= UINT64_MAX - (LARGE_PAGE_SIZE - 1);
	u64 need = roundable ? ALIGN_UP(part->memory, LARGE_PAGE_SIZE) : part->memory;
	u64 left = avail - *used;
	char mem_s[32], need_s[32], left_s[32], avail_s[32];

	if (roundable && need <= left) {
		*used += need;
		return;
	}
	format_size(part->memory, mem_s, sizeof(mem_s));
	format_size(need, need_s, sizeof(need_s));
	format_size(left, left_s, sizeof(left_s));
	format_size(avail, avail_s, sizeof(avail_s));
	part_error(cfg, d, part, "memory %s does not fit: it needs %s (a multiple of 2M) but only "
		   "%s of %s is left", mem_s, need_s, left_s, avail_s);
}

unsigned config_check(struct config *cfg, unsigned ncpus, u64 mem_avail, struct diag *d)
{
	unsigned valid = 0;
	u64 used = 0;

	check_console(cfg, ncpus, d);
	for (unsigned i = 0; i < cfg->npartitions; i++) {
		struct cfg_partition *part = &cfg->part[i];

		if (!part->valid)
			continue;
		check_name(cfg, i, d);
		check_cpus_exist(cfg, part, ncpus, d);
		check_console_cpu(cfg, part, d);
		check_overlap(cfg, i, d);
		/* Only a partition that will run may take memory from the others. */
		if (part->valid)
			check_memory(cfg, part, mem_avail, &used, d);
		if (part->valid)
			valid++;
	}
	return valid;
}
