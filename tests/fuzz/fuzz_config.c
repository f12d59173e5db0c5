/*
 * The tessera.cfg parser and its checks (hv/config.c, hv/config_check.c).
 *
 * Input: the text of a config file, as the loader reads it from the ESP
 * (not NUL-terminated; a copy of exactly that size, so that a read past
 * the end is caught). It is parsed once, then checked against three
 * machines. Invariants: the error count returned is the one in the diag;
 * every string is terminated inside its array; a valid partition has
 * CPUs, memory and a kernel; after config_check the valid partitions have
 * disjoint CPUs that exist, none of them the console CPU, distinct names,
 * and memory (rounded up to 2 MiB) that fits; and every CPU list formats
 * and parses back to itself.
 */
#include "fuzz.h"

#include <tessera/config.h>
#include <tessera/diag.h>
#include <tessera/string.h>

static struct config cfg, checked;
static struct diag d;

static bool terminated(const char *s, size_t size)
{
	return memchr(s, '\0', size) != NULL;
}

static void check_diag(const struct diag *dg)
{
	FUZZ_CHECK(dg->count <= DIAG_MAX);
	for (unsigned i = 0; i < dg->count; i++)
		FUZZ_CHECK(terminated(dg->msg[i], DIAG_MSG_LEN));
}

static void check_cpuset_roundtrip(u64 mask)
{
	char buf[256];
	u64 back = 0;

	config_format_cpuset(mask, buf, sizeof(buf));
	if (!mask) {
		FUZZ_CHECK(strcmp(buf, "none") == 0);
		return;
	}
	FUZZ_CHECK(config_parse_cpuset(buf, &back));
	FUZZ_CHECK(back == mask);
}

static void check_parsed(const struct config *c)
{
	FUZZ_CHECK(c->npartitions <= MAX_PARTITIONS);
	FUZZ_CHECK(c->hv.console_cpu >= -1 && c->hv.console_cpu < MAX_CPUS);
	for (unsigned i = 0; i < c->npartitions; i++) {
		const struct cfg_partition *p = &c->part[i];

		FUZZ_CHECK(terminated(p->name, sizeof(p->name)));
		FUZZ_CHECK(terminated(p->kernel, sizeof(p->kernel)));
		FUZZ_CHECK(terminated(p->cmdline, sizeof(p->cmdline)));
		FUZZ_CHECK(terminated(p->why_invalid, sizeof(p->why_invalid)));
		FUZZ_CHECK(p->nmodules <= MAX_MODULES);
		for (unsigned m = 0; m < p->nmodules; m++)
			FUZZ_CHECK(terminated(p->modules[m], sizeof(p->modules[m])));
		if (p->valid) {
			FUZZ_CHECK(p->cpus != 0);
			FUZZ_CHECK(p->memory != 0);
			FUZZ_CHECK(p->kernel[0] != '\0');
			FUZZ_CHECK(p->name[0] != '\0');
		} else {
			FUZZ_CHECK(p->why_invalid[0] != '\0');
		}
		check_cpuset_roundtrip(p->cpus);
	}
}

static void check_machine(unsigned ncpus, u64 mem)
{
	u64 exist = ncpus >= MAX_CPUS ? ~0ull : (1ull << ncpus) - 1, taken = 0, used = 0;
	unsigned valid = 0, n;

	checked = cfg;
	diag_init(&d);
	n = config_check(&checked, ncpus, mem, &d);
	check_diag(&d);
	check_parsed(&checked);
	FUZZ_CHECK(checked.hv.console_cpu < (int)ncpus);
	for (unsigned i = 0; i < checked.npartitions; i++) {
		const struct cfg_partition *p = &checked.part[i];

		if (!p->valid)
			continue;
		valid++;
		FUZZ_CHECK((p->cpus & ~exist) == 0);
		FUZZ_CHECK((p->cpus & taken) == 0);
		if (checked.hv.console_cpu >= 0)
			FUZZ_CHECK(!(p->cpus & (1ull << checked.hv.console_cpu)));
		taken |= p->cpus;
		FUZZ_CHECK(p->memory <= UINT64_MAX - LARGE_PAGE_SIZE);
		used += ALIGN_UP(p->memory, LARGE_PAGE_SIZE);
		FUZZ_CHECK(used <= mem);
		for (unsigned j = 0; j < i; j++)
			if (checked.part[j].valid)
				FUZZ_CHECK(!str_eq_nocase(checked.part[j].name, p->name));
	}
	FUZZ_CHECK(n == valid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	unsigned errors;

	memcpy(text, data, size);
	diag_init(&d);
	errors = config_parse(&cfg, "fuzz.cfg", text, size, &d);
	free(text);
	FUZZ_CHECK(errors == d.errors);
	FUZZ_CHECK(d.count + d.dropped >= d.errors);
	check_diag(&d);
	check_parsed(&cfg);

	check_machine(4, 1 * GiB);
	check_machine(1, 16 * MiB);
	check_machine(MAX_CPUS, 64 * GiB);
	return 0;
}
