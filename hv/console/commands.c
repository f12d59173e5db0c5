/*
 * The console's commands. Each is one function taking the parsed words;
 * the table at the end gives its name, usage and help text (what `help`
 * prints). docs/console.md shows each with an example.
 */
#include <tessera/arch.h>
#include <tessera/console.h>
#include <tessera/format.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/pmm.h>
#include <tessera/string.h>
#include <tessera/version.h>

extern struct pmm *hv_pmm_ptr; /* hv/main.c */

/* Back-off for on_crash = restart: 1 s after the first crash, doubling up
 * to 32 s while it keeps crashing within a minute of starting. */
#define RESTART_BACKOFF_MIN_NS (1000ull * 1000 * 1000)
#define RESTART_BACKOFF_MAX_SHIFT 5
#define RESTART_STABLE_NS (60ull * 1000 * 1000 * 1000)

static struct partition *find(struct console *c, const char *name)
{
	struct partition *p = partition_by_name(name);

	if (!p)
		console_printf(c, "error: no partition named '%s' (see 'list')\n", name);
	return p;
}

static enum partition_state state_of(const struct partition *p)
{
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
}

static bool active(const struct partition *p)
{
	return PART_SET(state_of(p)) & PART_SET_ACTIVE;
}

static u64 uptime_s(const struct partition *p)
{
	return active(p) ? (arch_time_ns() - p->started_ns) / 1000000000ull : 0;
}

/* "memory 3, port 0, ..." (or JSON members): the event counters since
 * the last start. */
static void events_string(const struct partition *p, bool json, char *buf, size_t n)
{
	buf[0] = 0;
	for (unsigned k = 0; k < EV_NKINDS; k++) {
		char item[48];

		strfmt(item, sizeof(item), json ? "%s\"%s\":%llu" : "%s%s %llu", k ? ", " : "",
		       event_kind_name(k),
		       (unsigned long long)__atomic_load_n(&p->events.count[k], __ATOMIC_RELAXED));
		str_append(buf, item, n);
	}
}

static u64 total_exits(const struct partition *p)
{
	u64 n = 0;

	for (unsigned i = 0; i < p->nvcpus; i++)
		n += p->vcpus[i].exits;
	return n;
}

static int cmd_help(struct console *c, const struct cmd_args *a)
{
	if (a->argc == 2) {
		bool amb;
		const struct cmd_def *d = cmd_find(console_commands, console_ncommands, a->argv[1],
						   &amb);

		if (!d) {
			console_printf(c, "error: no command '%s'\n", a->argv[1]);
			return 1;
		}
		console_printf(c, "usage: %s %s\n%s\n", d->name, d->args, d->help);
		return 0;
	}
	console_printf(c, "commands (help NAME for more; unique prefixes work):\n");
	for (size_t i = 0; i < console_ncommands; i++) {
		const struct cmd_def *d = &console_commands[i];

		console_printf(c, "  %-8s %-16s %s\n", d->name, d->args, d->brief);
	}
	return 0;
}

static int cmd_version(struct console *c, const struct cmd_args *a)
{
	(void)a;
	console_printf(c, "Tessera %s, %s backend, %u CPUs, hypercall ABI %u.%u\n",
		       TESSERA_VERSION, arch_virt_name(), pcpu_count, HC_ABI_MAJOR, HC_ABI_MINOR);
	return 0;
}

static void cpus_string(const struct partition *p, char *buf, size_t n)
{
	u64 mask = 0;

	for (unsigned i = 0; i < p->nvcpus; i++)
		mask |= 1ull << p->vcpus[i].pcpu;
	config_format_cpuset(mask, buf, n);
}

static int cmd_list(struct console *c, const struct cmd_args *a)
{
	bool json = cmd_has_opt(a, "--json");

	if (json)
		console_printf(c, "[");
	else
		console_printf(c, "%-12s %-8s %-8s %8s %10s %8s %s\n", "NAME", "STATE", "CPUS",
			       "MEMORY", "EXITS", "UPTIME", "RESTARTS");
	for (unsigned i = 0; i < npartitions; i++) {
		const struct partition *p = &partitions[i];
		char cpus[32], events[160];

		cpus_string(p, cpus, sizeof(cpus));
		events_string(p, true, events, sizeof(events));
		if (json)
			console_printf(c,
				       "%s{\"name\":\"%s\",\"state\":\"%s\",\"cpus\":\"%s\","
				       "\"memory_mib\":%llu,\"exits\":%llu,\"uptime_s\":%llu,"
				       "\"restarts\":%u,\"starts\":%u,\"events\":{%s}}",
				       i ? "," : "", p->name, partition_state_name(state_of(p)), cpus,
				       (unsigned long long)(p->mem_size / MiB),
				       (unsigned long long)total_exits(p),
				       (unsigned long long)uptime_s(p), p->restarts, p->starts, events);
		else
			console_printf(c, "%-12s %-8s %-8s %7lluM %10llu %7llus %u%s\n", p->name,
				       partition_state_name(state_of(p)), cpus,
				       (unsigned long long)(p->mem_size / MiB),
				       (unsigned long long)total_exits(p),
				       (unsigned long long)uptime_s(p), p->restarts,
				       p->restart_at_ns ? " (restart pending)" : "");
	}
	console_printf(c, json ? "]\n" : "");
	return 0;
}

static int cmd_info(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);
	const struct cfg_partition *cf;
	char cpus[32], events[160];

	if (!p)
		return 1;
	cf = p->cfg;
	cpus_string(p, cpus, sizeof(cpus));
	events_string(p, false, events, sizeof(events));
	console_printf(c, "partition %s: %s, cpus %s, %llu MiB, started %u times\n", p->name,
		       partition_state_name(state_of(p)), cpus,
		       (unsigned long long)(p->mem_size / MiB), p->starts);
	console_printf(c, "  kernel %s (%s), cmdline '%s'\n", cf->kernel,
		       cf->format == FORMAT_LINUX ? "linux" : "multiboot", cf->cmdline);
	console_printf(c, "  violations=%s on_crash=%s autostart=%s\n",
		       cf->violations == VIOLATION_REPORT ? "report" : "stop",
		       cf->on_crash == CRASH_RESTART ? "restart" : "stop",
		       cf->autostart ? "yes" : "no");
	/* Its layout (tessera/guest_layout.h): RAM with where it is in host
	 * memory, then what is not mapped. */
	console_printf(c, "  memory map (guest-physical -> host-physical):\n");
	for (unsigned i = 0; i < p->layout.nregions; i++) {
		const struct guest_region *r = &p->layout.region[i];
		unsigned long long lo = r->gpa, hi = r->gpa + r->size - 1;

		if (guest_region_is_ram(r->kind))
			console_printf(c, "    0x%08llx-0x%08llx -> 0x%llx  %s: %s\n", lo, hi,
				       (unsigned long long)(p->mem + r->gpa),
				       guest_region_kind_name(r->kind), r->what);
		else
			console_printf(c, "    0x%08llx-0x%08llx    %s (%s): %s\n", lo, hi,
				       guest_region_kind_name(r->kind),
				       r->kind == GUEST_MMIO ? "emulated" : "not mapped", r->what);
	}
	console_printf(c, "  events since the start: %s\n", events);
	console_printf(c, "  exit code %d\n", p->exit_code);
	console_printf(c, "  last fault: %s\n", p->last_fault[0] ? p->last_fault : "none");
	return 0;
}

static int cmd_attach(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);

	if (!p)
		return 1;
	console_attach(c, p);
	return 0;
}

static int cmd_stop(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);
	char why[160];

	if (!p)
		return 1;
	p->restart_at_ns = 0; /* also the way to end automatic restarts */
	if (partition_transition(p, PART_SET(PART_FAILED), PART_STOPPED)) {
		console_printf(c, "%s stopped (it had failed; no automatic restart)\n", p->name);
		return 0;
	}
	if (!active(p)) {
		console_printf(c, "%s is %s already\n", p->name, partition_state_name(state_of(p)));
		return 1;
	}
	if (partition_stop(p, why, sizeof(why)))
		return 0;
	console_printf(c, "error: %s did not stop: %s\n", p->name, why);
	return 1;
}

/* Restart p (stop if needed, reload, boot); say why when it does not. */
static int restart_reporting(struct console *c, struct partition *p, const char *what)
{
	char why[160];

	if (partition_restart(p, why, sizeof(why)))
		return 0;
	console_printf(c, "error: %s did not %s: %s\n", p->name, what, why);
	return 1;
}

static int cmd_start(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);

	if (!p)
		return 1;
	if (active(p)) {
		console_printf(c, "%s is running already (use restart)\n", p->name);
		return 1;
	}
	p->restart_at_ns = 0;
	p->restarts = 0;
	return restart_reporting(c, p, "start");
}

static int cmd_restart(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);

	if (!p)
		return 1;
	p->restart_at_ns = 0;
	return restart_reporting(c, p, "restart");
}

static void stats_one(struct console *c, struct partition *p, bool reset)
{
	char events[160];

	events_string(p, false, events, sizeof(events));
	console_printf(c, "%s events: %s\n", p->name, events);
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		console_printf(c, "%s vcpu %u (cpu %u): %llu exits\n", p->name, i, v->pcpu,
			       (unsigned long long)v->exits);
		for (unsigned r = 0; r < EXIT_KINDS; r++)
			if (v->exit_count[r])
				console_printf(c, "  %-24s %llu\n", exit_kind_name(r),
					       (unsigned long long)v->exit_count[r]);
		if (reset) {
			/* Counters are the vCPU's own; a reset races only with
			 * increments in flight, which is fine for statistics. */
			v->exits = 0;
			memset(v->exit_count, 0, sizeof(v->exit_count));
		}
	}
}

static int cmd_stats(struct console *c, const struct cmd_args *a)
{
	bool reset = cmd_has_opt(a, "--reset");

	if (a->argc == 2) {
		struct partition *p = find(c, a->argv[1]);

		if (!p)
			return 1;
		stats_one(c, p, reset);
		return 0;
	}
	for (unsigned i = 0; i < npartitions; i++)
		stats_one(c, &partitions[i], reset);
	return 0;
}

static int cmd_trace(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);
	u64 n = 20;

	if (!p)
		return 1;
	if (a->argc == 3 && (!str_to_u64(a->argv[2], &n) || n == 0 || n > 1000)) {
		console_printf(c, "error: trace: COUNT must be 1 to 1000\n");
		return 1;
	}
	console_printf(c, "tracing the next %llu exits of %s\n", (unsigned long long)n, p->name);
	__atomic_store_n(&p->trace_left, (int)n, __ATOMIC_RELAXED);
	return 0;
}

static void print_regs(struct console *c, const struct vcpu *v)
{
	const struct vcpu_snapshot *s = &v->snap;
	const struct guest_regs *r = &v->regs;

	console_printf(c, "%s vcpu %u (cpu %u), %u-bit code:\n", v->part->name, v->index, v->pcpu,
		       s->mode_bits);
	console_printf(c, "  rip=%016llx rsp=%016llx rflags=%016llx cs=%04x ss=%04x\n",
		       (unsigned long long)s->rip, (unsigned long long)s->rsp,
		       (unsigned long long)s->rflags, s->cs, s->ss);
	console_printf(c, "  rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
		       (unsigned long long)r->rax, (unsigned long long)r->rbx,
		       (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	console_printf(c, "  rsi=%016llx rdi=%016llx rbp=%016llx\n", (unsigned long long)r->rsi,
		       (unsigned long long)r->rdi, (unsigned long long)r->rbp);
	console_printf(c, "  cr0=%08llx cr3=%016llx cr4=%08llx efer=%llx\n",
		       (unsigned long long)s->cr0, (unsigned long long)s->cr3,
		       (unsigned long long)s->cr4, (unsigned long long)s->efer);
}

static int cmd_pause(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);
	char why[160];

	if (!p)
		return 1;
	if (!partition_pause(p, why, sizeof(why))) {
		console_printf(c, "error: %s did not pause: %s\n", p->name, why);
		return 1;
	}
	console_printf(c, "%s paused (resume %s to continue)\n", p->name, p->name);
	return 0;
}

static int cmd_resume(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);

	if (!p)
		return 1;
	if (!partition_resume(p)) {
		console_printf(c, "error: %s is %s, not paused\n", p->name,
			       partition_state_name(state_of(p)));
		return 1;
	}
	console_printf(c, "%s resumed\n", p->name);
	return 0;
}

/* regs NAME [VCPU]: registers of a paused vCPU. A running partition is
 * paused for the moment it takes and then let go, unless it was paused
 * already. */
static int cmd_regs(struct console *c, const struct cmd_args *a)
{
	struct partition *p = find(c, a->argv[1]);
	u64 idx = 0;
	bool was_paused, held;
	char why[160];

	if (!p)
		return 1;
	if (a->argc == 3 && (!str_to_u64(a->argv[2], &idx) || idx >= p->nvcpus)) {
		console_printf(c, "error: %s has vcpus 0 to %u\n", p->name, p->nvcpus - 1);
		return 1;
	}
	was_paused = state_of(p) == PART_PAUSED;
	held = (was_paused || partition_pause(p, why, sizeof(why))) &&
	       vcpu_run_state(&p->vcpus[idx]) == VCPU_PAUSED;
	if (held)
		print_regs(c, &p->vcpus[idx]);
	else
		console_printf(c, "error: %s vcpu %llu is not running guest code\n", p->name,
			       (unsigned long long)idx);
	if (!was_paused)
		partition_resume(p);
	return held ? 0 : 1;
}

static int cmd_mem(struct console *c, const struct cmd_args *a)
{
	const struct pmm *m = hv_pmm_ptr;
	u64 parts = 0;

	(void)a;
	for (unsigned i = 0; i < npartitions; i++) {
		const struct partition *p = &partitions[i];

		if (p->mem)
			console_printf(c, "  0x%010llx-0x%010llx  %6llu MiB  partition %s\n",
				       (unsigned long long)p->mem,
				       (unsigned long long)(p->mem + p->mem_size - 1),
				       (unsigned long long)(p->mem_size / MiB), p->name);
		parts += p->mem_size;
	}
	console_printf(c, "memory: %llu KiB managed, %llu KiB free, %llu KiB in partitions, "
			  "%llu KiB hypervisor and tables, %u free ranges\n",
		       (unsigned long long)(m->managed_bytes / KiB),
		       (unsigned long long)(m->free_bytes / KiB), (unsigned long long)(parts / KiB),
		       (unsigned long long)((m->managed_bytes - m->free_bytes - parts) / KiB),
		       m->nranges);
	return 0;
}

static int cmd_cpus(struct console *c, const struct cmd_args *a)
{
	(void)a;
	for (unsigned i = 0; i < pcpu_count; i++) {
		struct vcpu *v = vcpu_of_pcpu(i);
		const char *what = v ? vcpu_run_state_name(vcpu_run_state(v)) : "";

		console_printf(c, "cpu %u apic %u %s: %s%s%s%s\n", i, pcpus[i].apic_id,
			       pcpu_state_name(pcpus[i].state),
			       v ? v->part->name :
				   (i == arch_this_cpu()->index ? "console" : "spare"),
			       v ? ", " : "", what,
			       v && console_shares_cpu(i) ? " (shared with the console)" : "");
	}
	return 0;
}

static void say_level(struct console *c)
{
	console_printf(c, "log level: %s\n",
		       partition_verbose() ? "verbose (every event printed, at a bounded rate)" :
					     "normal (what a format probes at boot is only counted)");
}

/* log: the recent log. log level [normal|verbose]: whether the events a
 * format probes as a matter of course (platform.h quiet_events) print. */
static int cmd_log(struct console *c, const struct cmd_args *a)
{
	static char buf[4096];
	size_t n;

	if (a->argc >= 2) {
		if (strcmp(a->argv[1], "level") != 0) {
			console_printf(c, "error: log: unknown argument '%s' (log, or log level "
					  "[normal|verbose])\n", a->argv[1]);
			return 1;
		}
		if (a->argc == 3 && strcmp(a->argv[2], "verbose") != 0 &&
		    strcmp(a->argv[2], "normal") != 0) {
			console_printf(c, "error: log level: '%s' is not normal or verbose\n",
				       a->argv[2]);
			return 1;
		}
		if (a->argc == 3)
			partition_set_verbose(strcmp(a->argv[2], "verbose") == 0);
		say_level(c);
		return 0;
	}
	n = log_tail(buf, sizeof(buf));
	console_write(c, buf, n);
	return 0;
}

static int set_mute(struct console *c, const struct cmd_args *a, bool on)
{
	if (a->argc == 2) {
		struct partition *p = find(c, a->argv[1]);

		if (!p)
			return 1;
		p->muted = on;
	} else {
		for (unsigned i = 0; i < npartitions; i++)
			partitions[i].muted = on;
	}
	return 0;
}

static int cmd_mute(struct console *c, const struct cmd_args *a)
{
	return set_mute(c, a, true);
}

static int cmd_unmute(struct console *c, const struct cmd_args *a)
{
	return set_mute(c, a, false);
}

static int cmd_reboot(struct console *c, const struct cmd_args *a)
{
	(void)a;
	console_printf(c, "rebooting\n");
	arch_reboot();
	return 1;
}

void console_supervise(void)
{
	u64 now = arch_time_ns();
	char why[160];

	for (unsigned i = 0; i < npartitions; i++) {
		struct partition *p = &partitions[i];

		if (partition_take_reboot(p)) {
			/* The guest reset itself (partition_reboot). */
			if (!partition_start(p, why, sizeof(why)))
				log_printf("tessera: partition %s did not start again: %s\n", p->name,
					   why);
			continue;
		}
		if (p->cfg->on_crash != CRASH_RESTART || p->stop_timed_out)
			continue;
		if (state_of(p) == PART_FAILED && !p->restart_at_ns) {
			unsigned shift;

			if (now - p->started_ns > RESTART_STABLE_NS)
				p->restarts = 0; /* it ran long enough: start over */
			shift = MIN(p->restarts, RESTART_BACKOFF_MAX_SHIFT);
			p->restart_at_ns = now + (RESTART_BACKOFF_MIN_NS << shift);
			log_printf("tessera: partition %s will restart in %llu s (on_crash = restart)\n",
				   p->name, (unsigned long long)(1ull << shift));
		}
		if (state_of(p) == PART_FAILED && p->restart_at_ns && now >= p->restart_at_ns) {
			p->restart_at_ns = 0;
			p->restarts++;
			if (!partition_restart(p, why, sizeof(why)) && state_of(p) != PART_FAILED)
				log_printf("tessera: partition %s did not restart: %s\n", p->name, why);
		}
	}
}

const struct cmd_def console_commands[] = {
	{ "help", "[COMMAND]", "list commands, or explain one",
	  "Without an argument, one line per command; with one, its usage and this text.", 0,
	  1, cmd_help },
	{ "list", "[--json]", "partitions: state, CPUs, memory, exits, uptime",
	  "One line per partition. --json prints one JSON array instead (for scripts).", 0, 0,
	  cmd_list },
	{ "info", "NAME", "one partition: config, memory map, last fault",
	  "Shows the partition's configuration, its guest-physical to host-physical map,\n"
	  "its events since the start (by kind) and the last fault report.",
	  1, 1, cmd_info },
	{ "attach", "NAME", "connect to a partition's serial console (Ctrl-] detaches)",
	  "Shows the last 2 KiB of the partition's output, then its output live. What you\n"
	  "type goes to the partition's virtual UART. Ctrl-] (0x1d) returns to the prompt.",
	  1, 1, cmd_attach },
	{ "start", "NAME", "boot a stopped or failed partition",
	  "Reloads the kernel from the pristine image kept in memory and boots it.", 1, 1,
	  cmd_start },
	{ "stop", "NAME", "stop a running partition",
	  "Every vCPU leaves guest mode; its CPUs idle until the next start.", 1, 1, cmd_stop },
	{ "restart", "NAME", "stop (if running) and start again",
	  "Same as stop then start: the kernel is reloaded from its pristine image.", 1, 1,
	  cmd_restart },
	{ "stats", "[NAME] [--reset]", "VM exits by reason, per vCPU",
	  "Exit counters of one partition or all; --reset zeroes them after printing.", 0, 1,
	  cmd_stats },
	{ "trace", "NAME [COUNT]", "print the next COUNT exits of a partition (default 20)",
	  "Each exit prints one line: vCPU, reason, guest RIP, qualification, RAX. Stops by\n"
	  "itself after COUNT exits (at most 1000).",
	  1, 2, cmd_trace },
	{ "regs", "NAME [VCPU]", "registers of a vCPU (paused for the moment it takes)",
	  "Holds the partition between two exits, prints the vCPU's registers, lets it go\n"
	  "(unless it was paused with 'pause').",
	  1, 2, cmd_regs },
	{ "pause", "NAME", "hold every vCPU of a partition in the hypervisor",
	  "The partition keeps its state; 'resume NAME' lets it continue.", 1, 1, cmd_pause },
	{ "resume", "NAME", "let a paused partition continue", "Undoes 'pause'.", 1, 1,
	  cmd_resume },
	{ "mem", "", "host memory: partitions, hypervisor, free",
	  "Each partition's host block and the allocator's totals.", 0, 0, cmd_mem },
	{ "cpus", "", "each CPU: owner and state",
	  "Physical CPUs with their APIC IDs, who owns them and what they do.", 0, 0, cmd_cpus },
	{ "log", "[level [normal|verbose]]", "the hypervisor's recent log, or its level",
	  "Without arguments, the last 4 KiB of the hypervisor's own messages.\n"
	  "'log level verbose' also prints what a partition's format probes as a matter\n"
	  "of course (a Linux kernel's absent ports and model-specific MSRs), which\n"
	  "'normal' (the default) only counts: 'info NAME' shows the counts.", 0, 2, cmd_log },
	{ "mute", "[NAME]", "stop showing partition output at the prompt",
	  "Without NAME, all partitions. Output is still kept for attach.", 0, 1, cmd_mute },
	{ "unmute", "[NAME]", "show partition output again",
	  "Without NAME, all partitions.", 0, 1, cmd_unmute },
	{ "version", "", "Tessera's version and backend", "Version, backend, CPU count.", 0, 0,
	  cmd_version },
	{ "reboot", "", "reset the machine", "Resets the whole machine, all partitions.", 0, 0,
	  cmd_reboot },
};
const size_t console_ncommands = ARRAY_SIZE(console_commands);
