/*
 * Partitions: creating them from the config, booting them, and every
 * change of their state (the diagram in tessera/lifecycle.h; the locks in
 * tessera/partition.h).
 *
 * Who changes what:
 *  - The console (commands and its supervisor, always on the console's
 *    CPU) starts, stops, pauses and resumes, and waits for the vCPUs.
 *  - A vCPU's own CPU ends its partition from the guest's side (exit,
 *    poweroff, reboot, fault) without waiting: it asks every vCPU to
 *    leave, and the last one out completes the stop (partition_vcpu_left).
 *  - partition_transition() is the one writer of p->state.
 */
#include <tessera/acpi.h>
#include <tessera/arch.h>
#include <tessera/bootinfo.h>
#include <tessera/console.h>
#include <tessera/format.h>
#include <tessera/linux_guest.h>
#include <tessera/log.h>
#include <tessera/multiboot.h>
#include <tessera/multiboot2.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/pmm.h>
#include <tessera/string.h>

struct partition partitions[MAX_PARTITIONS];
unsigned npartitions;

/* Which vCPU runs on each physical CPU (dedicated CPUs: at most one). */
static struct vcpu *pcpu_vcpu[MAX_CPUS];
static const struct boot_info *boot;

/* How long the console waits for the vCPUs to leave guest mode (or to be
 * held, for a pause). Generous: under an emulator a millisecond of guest
 * time is a lot of host time. */
#define STOP_TIMEOUT_MS 2000ull
#define STOP_TIMEOUT_NS (STOP_TIMEOUT_MS * 1000 * 1000)

struct vcpu *vcpu_of_pcpu(unsigned pcpu)
{
	return pcpu < MAX_CPUS ? pcpu_vcpu[pcpu] : NULL;
}

const char *vcpu_run_state_name(enum vcpu_run_state s)
{
	switch (s) {
	case VCPU_IDLE:
		return "idle";
	case VCPU_WAIT_SIPI:
		return "waiting for SIPI";
	case VCPU_RUNNING:
		return "running";
	case VCPU_PAUSED:
		return "paused";
	}
	return "?";
}

/* ----------------------------------------------------- guest output */

static void out_line(void *ctx, const char *prefix, const char *line)
{
	console_guest_line(ctx, prefix, line);
}

static void out_raw(void *ctx, const void *data, size_t n)
{
	console_guest_raw(ctx, data, n);
}

static void out_attach(void *ctx, bool attached)
{
	console_partition_attach(ctx, attached);
}

/* The virtual UART transmits a byte (called under p->dev_lock). */
static void uart_tx(void *ctx, u8 byte)
{
	struct partition *p = ctx;

	gout_write(&p->out, GOUT_UART, &byte, 1);
}

void partition_console_input(struct partition *p, u8 byte)
{
	spin_lock(&p->dev_lock);
	vuart_rx_push(&p->uart, &byte, 1);
	partition_irq_update(p); /* its driver waits for the receive interrupt */
	spin_unlock(&p->dev_lock);
}

/* ------------------------------------------------------- lifecycle */

/* A hypervisor bug: say everything about the partition. */
static void dump_bug_locked(struct partition *p, enum partition_state to)
{
	log_printf("tessera: hypervisor bug: partition %s: illegal transition %s -> %s\n", p->name,
		   partition_state_name(p->state), partition_state_name(to));
	for (unsigned i = 0; i < p->nvcpus; i++) {
		const struct vcpu *v = &p->vcpus[i];

		log_printf("    vcpu %u (cpu %u): %s, requests 0x%x, %llu exits\n", i, v->pcpu,
			   vcpu_run_state_name(vcpu_run_state(v)),
			   __atomic_load_n(&v->requests, __ATOMIC_RELAXED),
			   (unsigned long long)v->exits);
	}
}

bool partition_transition_locked(struct partition *p, u32 from, enum partition_state to)
{
	enum partition_state cur = p->state;

	if (!(from & PART_SET(cur)))
		return false;
	if (!partition_state_legal(cur, to)) {
		dump_bug_locked(p, to);
		return false;
	}
	__atomic_store_n(&p->state, to, __ATOMIC_RELEASE);
	return true;
}

bool partition_transition(struct partition *p, u32 from, enum partition_state to)
{
	bool ok;

	spin_lock(&p->lock);
	ok = partition_transition_locked(p, from, to);
	spin_unlock(&p->lock);
	return ok;
}

static enum partition_state state_of(const struct partition *p)
{
	return __atomic_load_n(&p->state, __ATOMIC_ACQUIRE);
}

/* Replace request bits: clear, then set, as one atomic step, so that a
 * vCPU never sees a stop and a start at once. */
static void request_replace(struct vcpu *v, u32 clear, u32 set)
{
	u32 old = __atomic_load_n(&v->requests, __ATOMIC_RELAXED), new;

	do
		new = (old & ~clear) | set;
	while (!__atomic_compare_exchange_n(&v->requests, &old, new, true, __ATOMIC_ACQ_REL,
					    __ATOMIC_RELAXED));
}

/* Kick or preempt v's CPU as the requests need (not our own: this CPU is
 * in the hypervisor, and looks at them before it runs the guest again). */
static void wake(struct vcpu *v, u32 req)
{
	if (v->pcpu == arch_this_cpu()->index)
		return;
	if (req & (VCPU_REQ_STOP | VCPU_REQ_PAUSE))
		arch_cpu_preempt(v->pcpu);
	else if (req & (VCPU_REQ_KICK | VCPU_REQ_START | VCPU_REQ_RELOAD))
		arch_cpu_kick(v->pcpu);
	/* START and RELOAD find a vCPU that is out of guest mode (idle, or
	 * waiting for its SIPI), asleep in arch_cpu_idle(): the kick wakes
	 * it (vcpu.c). */
}

void vcpu_request(struct vcpu *v, u32 req)
{
	request_replace(v, 0, req);
	wake(v, req);
}

static void stop_all(struct partition *p)
{
	for (unsigned i = 0; i < p->nvcpus; i++) {
		request_replace(&p->vcpus[i], VCPU_REQ_START | VCPU_REQ_PAUSE | VCPU_REQ_RELOAD,
				VCPU_REQ_STOP);
		wake(&p->vcpus[i], VCPU_REQ_STOP);
	}
}

/*
 * The vCPU on the console's own CPU, when the console shares it with a
 * partition (console_cpu = none): the console runs between two of its
 * exits, or while it is idle, so it is not in guest mode now and will not
 * be until the command returns, when it looks at its requests first. It
 * counts as out; waiting for it would wait forever.
 */
static const struct vcpu *parked_here(void)
{
	return vcpu_of_pcpu(arch_this_cpu()->index);
}

/* The first vCPU of p that is not out of guest mode, or NULL. */
static const struct vcpu *vcpu_not_out(const struct partition *p, const struct vcpu *parked)
{
	for (unsigned i = 0; i < p->nvcpus; i++) {
		const struct vcpu *v = &p->vcpus[i];

		if (v != parked && vcpu_run_state(v) != VCPU_IDLE)
			return v;
	}
	return NULL;
}

static void say_suppressed(struct partition *p, enum event_kind k, u64 n)
{
	if (n)
		log_printf("tessera: partition %s: %llu more %s reports suppressed\n", p->name,
			   (unsigned long long)n, event_kind_name(k));
}

/* STOPPING, and every vCPU is out: STOPPED. */
static void stop_complete_locked(struct partition *p, const struct vcpu *parked)
{
	if (state_of(p) != PART_STOPPING || vcpu_not_out(p, parked))
		return;
	partition_transition_locked(p, PART_SET(PART_STOPPING), PART_STOPPED);
	gout_end_lines(&p->out);
	spin_lock(&p->events.lock);
	for (unsigned k = 0; k < EV_NKINDS; k++)
		say_suppressed(p, k, ratelimit_take_suppressed(&p->events.rl[k]));
	spin_unlock(&p->events.lock);
	if (p->stop_reason == STOP_CONSOLE) {
		/* A stopped partition's output stops at once (scrollback keeps it). */
		console_partition_stopped(p);
		log_printf("tessera: partition %s stopped\n", p->name);
	}
}

void partition_vcpu_left(struct vcpu *v)
{
	struct partition *p = v->part;

	spin_lock(&p->lock);
	__atomic_store_n(&v->run, VCPU_IDLE, __ATOMIC_RELEASE);
	stop_complete_locked(p, NULL);
	spin_unlock(&p->lock);
}

bool partition_vcpu_begin(struct vcpu *v)
{
	struct partition *p = v->part;
	bool begin;
	u32 req;

	if (!(__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_LEAVE))
		return false;
	spin_lock(&p->lock);
	req = __atomic_fetch_and(&v->requests, ~(VCPU_REQ_LEAVE | VCPU_REQ_KICK | VCPU_REQ_RELOAD),
				 __ATOMIC_ACQ_REL);
	begin = (req & VCPU_REQ_START) && (PART_SET(p->state) & PART_SET_ACTIVE);
	if (begin) {
		v->started = v->index == 0; /* an AP starts at its SIPI */
		__atomic_store_n(&v->run, v->index ? VCPU_WAIT_SIPI : VCPU_RUNNING,
				 __ATOMIC_RELEASE);
	}
	spin_unlock(&p->lock);
	return begin;
}

bool partition_vcpu_take_sipi(struct vcpu *v)
{
	struct partition *p = v->part;
	bool taken;

	spin_lock(&p->lock);
	taken = __atomic_fetch_and(&v->requests, ~VCPU_REQ_RELOAD, __ATOMIC_ACQ_REL) &
		VCPU_REQ_RELOAD;
	if (taken) {
		v->boot = (struct vcpu_boot){ .mode = VCPU_BOOT_REAL_SIPI,
					      .sipi_vector = v->sipi_vector };
		v->started = true;
		__atomic_store_n(&v->run, VCPU_RUNNING, __ATOMIC_RELEASE);
	}
	spin_unlock(&p->lock);
	return taken;
}

void partition_vcpu_sipi(struct vcpu *t, u8 vector)
{
	struct partition *p = t->part;

	spin_lock(&p->lock);
	/* A SIPI to a CPU that has started is ignored, as on hardware
	 * (SDM Vol. 3A 9.4.4.1); so is a second one before the first is taken. */
	if (!t->started && !(__atomic_load_n(&t->requests, __ATOMIC_ACQUIRE) & VCPU_REQ_RELOAD)) {
		t->sipi_vector = vector;
		vcpu_request(t, VCPU_REQ_RELOAD);
	}
	spin_unlock(&p->lock);
}

void partition_vcpu_init(struct vcpu *t)
{
	struct partition *p = t->part;

	/* INIT puts an AP in wait-for-SIPI (SDM 9.4.4.1): one that has not
	 * started is there already, and forgets a SIPI not yet taken.
	 * Restarting a running AP by INIT is not supported (a partition
	 * restart is). */
	spin_lock(&p->lock);
	if (!t->started)
		request_replace(t, VCPU_REQ_RELOAD, 0);
	spin_unlock(&p->lock);
}

/* ---------------------------------------------------- creating them */

static const struct boot_file *find_file(const char *path)
{
	for (u32 i = 0; i < boot->nfiles; i++)
		if (str_eq_nocase(boot->files[i].path, path))
			return &boot->files[i];
	return NULL;
}

static const char *file_problem(const struct boot_file *f)
{
	if (!f)
		return "was not loaded";
	switch (f->status) {
	case BOOT_FILE_OK:
		return NULL;
	case BOOT_FILE_NOT_FOUND:
		return "not found on the boot volume";
	case BOOT_FILE_NO_MEMORY:
		return "did not fit in memory";
	default:
		return "could not be read";
	}
}

static bool create_one(struct partition *p, const struct cfg_partition *c, struct pmm *pmm)
{
	static const struct gout_sink sink = { out_line, out_raw, out_attach, NULL };
	struct gout_sink mine = sink;
	char why[160];
	unsigned n = 0;

	p->cfg = c;
	str_copy(p->name, c->name, sizeof(p->name));
	p->state = PART_STOPPED;
	mine.ctx = p;
	gout_init(&p->out, p->name, p->scrollback_buf, sizeof(p->scrollback_buf), &mine);
	vuart_init(&p->uart, uart_tx, p);
	if (!platform_create(p, why, sizeof(why))) {
		partition_fail(p, "hypervisor bug: %s", why);
		return false;
	}

	unsigned ncpus = 0;

	for (u64 m = c->cpus; m; m &= m - 1) /* no libgcc: count bits by hand */
		ncpus++;
	if (ncpus > HC_MAX_VCPUS) {
		partition_fail(p, "more than %d CPUs in one partition", HC_MAX_VCPUS);
		return false;
	}
	for (unsigned cpu = 0; cpu < pcpu_count; cpu++) {
		struct vcpu *v = &p->vcpus[n];

		if (!(c->cpus & (1ull << cpu)))
			continue;
		if (pcpus[cpu].state != PCPU_ONLINE) {
			partition_fail(p, "cpu %u is not online", cpu);
			return false;
		}
		v->part = p;
		v->index = n++;
		v->pcpu = cpu;
		v->apic_id = pcpus[cpu].apic_id;
		pcpu_vcpu[cpu] = v;
	}
	p->nvcpus = n;

	p->mem_size = ALIGN_UP(c->memory, LARGE_PAGE_SIZE);
	/* Its layout first: a size no layout fits takes no memory. */
	if (!guest_layout_build(&p->layout, c->format, p->mem_size, why, sizeof(why))) {
		partition_fail(p, "%s", why);
		return false;
	}
	p->mem = pmm_alloc(pmm, p->mem_size, LARGE_PAGE_SIZE, PMM_NO_LIMIT);
	if (!p->mem) {
		partition_fail(p, "no %llu MiB block of free memory",
			       (unsigned long long)(p->mem_size / MiB));
		return false;
	}
	if (!arch_partition_create(p, pmm, why, sizeof(why))) {
		partition_fail(p, "%s", why);
		return false;
	}
	return true;
}

void partitions_init(const struct config *cfg, const struct boot_info *bi, struct pmm *pmm)
{
	boot = bi;
	for (unsigned i = 0; i < cfg->npartitions; i++) {
		const struct cfg_partition *c = &cfg->part[i];
		struct partition *p;

		if (!c->valid)
			continue;
		p = &partitions[npartitions];
		p->id = npartitions++;
		if (create_one(p, c, pmm))
			log_printf("tessera: partition %s: cpus %u, %llu MiB at 0x%llx\n", p->name,
				   p->nvcpus, (unsigned long long)(p->mem_size / MiB),
				   (unsigned long long)p->mem);
	}
}

struct partition *partition_by_name(const char *name)
{
	for (unsigned i = 0; i < npartitions; i++)
		if (str_eq_nocase(partitions[i].name, name))
			return &partitions[i];
	return NULL;
}

/* Both Multiboot versions start vCPU 0 the same way (v1 spec 3.2, v2
 * spec 3.3): flat 32-bit protected mode at the entry, EAX the loader's
 * magic, EBX the boot information. */
static void boot_multiboot(struct partition *p, const struct mb_boot *mb, u32 magic)
{
	p->vcpus[0].boot = (struct vcpu_boot){
		.mode = VCPU_BOOT_PROTECTED32,
		.rip = mb->entry,
		.eax = magic,
		.ebx = mb->mbi,
	};
}

/*
 * A Multiboot2 kernel (v2 wins when a kernel has both headers: the
 * loader's choice, tessera/multiboot2.h) is told where its firmware
 * tables are: the loader takes a copy of the RSDP into the boot
 * information and zeroes the partition's memory, so the tables are built
 * once for the copy and again after the load.
 */
static bool load_multiboot2(struct partition *p, const struct boot_file *k,
			    const struct mb_module_src *mods)
{
	const struct cfg_partition *c = p->cfg;
	u8 *gm = hpa_to_ptr(p->mem);
	struct mb_boot mb;
	char err[160];
	gpa_t rsdp;

	if (!platform_build_tables(p, &rsdp, err, sizeof(err)) ||
	    !multiboot2_load(gm, p->mem_size, hpa_to_ptr(k->addr), k->size, c->cmdline, mods,
			     c->nmodules, gm + rsdp, sizeof(struct acpi_rsdp), &mb, err,
			     sizeof(err)) ||
	    !platform_build_tables(p, &rsdp, err, sizeof(err))) {
		partition_fail(p, "kernel %s: %s", c->kernel, err);
		return false;
	}
	boot_multiboot(p, &mb, MB2_BOOTLOADER_MAGIC);
	return true;
}

/* Load the kernel into the partition's memory and point vCPU 0 at it.
 * The images stay where the loader put them, so a restart reloads a
 * pristine copy. On failure the partition is FAILED, and false. */
static bool load_kernel(struct partition *p)
{
	const struct cfg_partition *c = p->cfg;
	const struct boot_file *k = find_file(c->kernel);
	struct mb_module_src mods[MAX_MODULES];
	struct mb_boot mb;
	char err[160];
	const char *problem;
	gpa_t rsdp;

	problem = file_problem(k);
	if (problem) {
		partition_fail(p, "kernel %s %s", c->kernel, problem);
		return false;
	}
	for (unsigned m = 0; m < c->nmodules; m++) {
		const struct boot_file *f = find_file(c->modules[m]);

		problem = file_problem(f);
		if (problem) {
			partition_fail(p, "module %s %s", c->modules[m], problem);
			return false;
		}
		mods[m] = (struct mb_module_src){ hpa_to_ptr(f->addr), f->size, c->modules[m] };
	}
	if (c->format == FORMAT_LINUX) {
		const struct mb_module_src *initrd = c->nmodules ? &mods[0] : NULL;

		if (!linux_guest_load(p, hpa_to_ptr(k->addr), k->size, initrd ? initrd->data : NULL,
				      initrd ? initrd->size : 0, err, sizeof(err))) {
			partition_fail(p, "kernel %s: %s", c->kernel, err);
			return false;
		}
		return true;
	}
	if (multiboot2_detect(hpa_to_ptr(k->addr), k->size))
		return load_multiboot2(p, k, mods);
	/* A v1 kernel gets the same tables, after the load (which zeroes the
	 * memory), and finds them as a legacy OS does: through the RSDP's
	 * copy in the BIOS area (platform_build_tables()), since the v1
	 * information has no field for it (v1 spec 3.3). */
	if (!multiboot_load(hpa_to_ptr(p->mem), p->mem_size, hpa_to_ptr(k->addr), k->size,
			    c->cmdline, mods, c->nmodules, &mb, err, sizeof(err)) ||
	    !platform_build_tables(p, &rsdp, err, sizeof(err))) {
		partition_fail(p, "kernel %s: %s", c->kernel, err);
		return false;
	}
	boot_multiboot(p, &mb, MB_BOOTLOADER_MAGIC);
	return true;
}

/* Wait (reading console input) until every vCPU of p is out of guest
 * mode; false, with the first that is not, after the stop timeout. */
static const struct vcpu *wait_vcpus_out(struct partition *p)
{
	const struct vcpu *parked = parked_here(), *v;
	u64 deadline = arch_time_ns() + STOP_TIMEOUT_NS;

	while ((v = vcpu_not_out(p, parked)) && arch_time_ns() < deadline)
		console_idle_poll();
	return v;
}

bool partition_start(struct partition *p, char *why, size_t n)
{
	const struct vcpu *busy;
	enum partition_state s = state_of(p);

	if (!p->mem) {
		strfmt(why, n, "%s", p->last_fault[0] ? p->last_fault : "it has no memory");
		return false;
	}
	if (!(PART_SET(s) & (PART_SET(PART_STOPPED) | PART_SET(PART_FAILED)))) {
		strfmt(why, n, "it is %s", partition_state_name(s));
		return false;
	}
	/* A FAILED partition's vCPUs may still be on their way out, or one
	 * may be stuck: its memory is not touched until all are out. */
	busy = wait_vcpus_out(p);
	if (busy) {
		strfmt(why, n, "vcpu %u (cpu %u) has not stopped yet", busy->index, busy->pcpu);
		return false;
	}
	/* A start clears a failure first, so that a kernel that fails to
	 * load makes it FAILED again, with the new reason. */
	partition_transition(p, PART_SET(PART_FAILED), PART_STOPPED);
	p->stop_timed_out = false;
	platform_reset(p);
	spin_lock(&p->events.lock);
	memset(p->events.count, 0, sizeof(p->events.count));
	memset(p->events.rl, 0, sizeof(p->events.rl));
	spin_unlock(&p->events.lock);
	gout_end_lines(&p->out);
	if (!load_kernel(p)) {
		strfmt(why, n, "%s", p->last_fault);
		return false;
	}
	spin_lock(&p->lock);
	p->exit_code = 0;
	p->last_fault[0] = 0;
	p->reboot_pending = false;
	p->started_ns = arch_time_ns();
	p->starts++;
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		memset(&v->regs, 0, sizeof(v->regs));
		v->exits = 0;
		memset(v->exit_count, 0, sizeof(v->exit_count));
	}
	partition_transition_locked(p, PART_SET(PART_STOPPED), PART_RUNNING);
	/* The boot state and registers above are handed over with START. */
	for (unsigned i = 0; i < p->nvcpus; i++) {
		request_replace(&p->vcpus[i], VCPU_REQ_STOP | VCPU_REQ_PAUSE | VCPU_REQ_RELOAD,
				VCPU_REQ_START);
		wake(&p->vcpus[i], VCPU_REQ_START);
	}
	spin_unlock(&p->lock);
	log_printf("tessera: partition %s started\n", p->name);
	return true;
}

bool partition_stop(struct partition *p, char *why, size_t n)
{
	const struct vcpu *stuck;
	enum partition_state s;
	u64 deadline = arch_time_ns() + STOP_TIMEOUT_NS;

	spin_lock(&p->lock);
	s = p->state;
	if (!partition_transition_locked(p, PART_SET_ACTIVE, PART_STOPPING)) {
		spin_unlock(&p->lock);
		strfmt(why, n, "it is %s", partition_state_name(s));
		return false;
	}
	p->stop_reason = STOP_CONSOLE;
	stop_all(p);
	stop_complete_locked(p, parked_here());
	spin_unlock(&p->lock);

	/* The last vCPU out completes the stop (partition_vcpu_left). */
	while (state_of(p) == PART_STOPPING && arch_time_ns() < deadline) {
		console_idle_poll();
		spin_lock(&p->lock);
		stop_complete_locked(p, parked_here());
		spin_unlock(&p->lock);
	}
	spin_lock(&p->lock);
	stuck = state_of(p) == PART_STOPPING ? vcpu_not_out(p, parked_here()) : NULL;
	spin_unlock(&p->lock);
	if (stuck) {
		/* Its memory stays allocated and mapped, untouched: the stuck
		 * vCPU may still use it. A start waits until it is out. */
		partition_fail(p, "vcpu %u (cpu %u) did not stop within %llu ms", stuck->index,
			       stuck->pcpu, STOP_TIMEOUT_MS);
		p->stop_timed_out = true;
	}
	s = state_of(p);
	if (s != PART_STOPPED) {
		strfmt(why, n, "%s", s == PART_FAILED ? p->last_fault : partition_state_name(s));
		return false;
	}
	return true;
}

bool partition_restart(struct partition *p, char *why, size_t n)
{
	/* A stop that ends FAILED because a vCPU faulted on its way out
	 * still lets the start go ahead; one with a vCPU stuck does not. */
	if (PART_SET(state_of(p)) & PART_SET_ACTIVE && !partition_stop(p, why, n) &&
	    vcpu_not_out(p, parked_here()))
		return false;
	return partition_start(p, why, n);
}

bool partition_pause(struct partition *p, char *why, size_t n)
{
	const struct vcpu *parked = parked_here();
	u64 deadline = arch_time_ns() + STOP_TIMEOUT_NS;
	enum partition_state s = state_of(p);

	if (!partition_transition(p, PART_SET(PART_RUNNING), PART_PAUSED)) {
		strfmt(why, n, "it is %s", partition_state_name(s));
		return false;
	}
	for (unsigned i = 0; i < p->nvcpus; i++)
		vcpu_request(&p->vcpus[i], VCPU_REQ_PAUSE);
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		/* The console's own CPU's vCPU is between two exits right now:
		 * its state is in its control structure, current on this CPU. It holds in
		 * vcpu_check_requests() once the command returns. */
		if (v == parked && vcpu_run_state(v) == VCPU_RUNNING) {
			arch_vcpu_snapshot(v, &v->snap);
			spin_lock(&p->lock);
			__atomic_store_n(&v->run, VCPU_PAUSED, __ATOMIC_RELEASE);
			spin_unlock(&p->lock);
			continue;
		}
		/* Only a vCPU that runs its guest is held; one waiting for its
		 * SIPI or idle has no guest state to show. */
		while (vcpu_run_state(v) == VCPU_RUNNING && arch_time_ns() < deadline)
			console_idle_poll();
		if (vcpu_run_state(v) == VCPU_RUNNING) {
			partition_resume(p);
			strfmt(why, n, "vcpu %u (cpu %u) did not pause within %llu ms", v->index,
			       v->pcpu, STOP_TIMEOUT_MS);
			return false;
		}
	}
	s = state_of(p);
	if (s != PART_PAUSED) { /* it failed or ended meanwhile */
		strfmt(why, n, "it is %s", partition_state_name(s));
		return false;
	}
	return true;
}

bool partition_resume(struct partition *p)
{
	const struct vcpu *parked = parked_here();

	if (!partition_transition(p, PART_SET(PART_PAUSED), PART_RUNNING))
		return false;
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		request_replace(v, VCPU_REQ_PAUSE, 0);
		wake(v, VCPU_REQ_KICK); /* it may sleep in hold() or waiting for a SIPI */
		/* Marked by partition_pause() and not held yet: it runs on. */
		if (v == parked && vcpu_run_state(v) == VCPU_PAUSED) {
			spin_lock(&p->lock);
			__atomic_store_n(&v->run, VCPU_RUNNING, __ATOMIC_RELEASE);
			spin_unlock(&p->lock);
		}
	}
	return true;
}

void partition_fail(struct partition *p, const char *fmt, ...)
{
	char why[sizeof(p->last_fault)];
	bool first;
	va_list ap;

	va_start(ap, fmt);
	vstrfmt(why, sizeof(why), fmt, ap);
	va_end(ap);
	spin_lock(&p->lock);
	/* The first fault is the one a FAILED partition shows; one that
	 * comes after it (another vCPU's, say) is only logged. */
	first = partition_transition_locked(p, ~PART_SET(PART_FAILED), PART_FAILED);
	if (first) {
		str_copy(p->last_fault, why, sizeof(p->last_fault));
		stop_all(p);
	}
	spin_unlock(&p->lock);
	gout_end_lines(&p->out);
	log_printf("tessera: partition %s %s: %s\n", p->name, first ? "FAILED" : "(failed already)",
		   why);
}

/*
 * One line of exit statistics when a partition ends: total exits, the
 * guest time they happened in (TSC since start), and the three most
 * frequent reasons. `make bench` reads it.
 */
static void log_exit_summary(struct partition *p)
{
	u64 count[EXIT_KINDS] = { 0 }, total = 0;
	u64 ms = (arch_time_ns() - p->started_ns) / 1000000;
	char top[160] = "";

	for (unsigned i = 0; i < p->nvcpus; i++) {
		total += p->vcpus[i].exits;
		for (unsigned r = 0; r < EXIT_KINDS; r++)
			count[r] += p->vcpus[i].exit_count[r];
	}
	for (int k = 0; k < 3; k++) {
		unsigned best = 0;
		char item[48];

		for (unsigned r = 1; r < EXIT_KINDS; r++)
			if (count[r] > count[best])
				best = r;
		if (!count[best])
			break;
		strfmt(item, sizeof(item), "%s%s %llu", k ? ", " : "", exit_kind_name(best),
		       (unsigned long long)count[best]);
		str_append(top, item, sizeof(top));
		count[best] = 0;
	}
	log_printf("tessera: partition %s: %llu exits in %llu ms (%s)\n", p->name,
		   (unsigned long long)total, (unsigned long long)ms, top);
}

/* The guest ended itself: every vCPU leaves; the last one out makes it
 * STOPPED. False if it was not running (a fault came first, say). */
static bool guest_ended(struct partition *p, enum stop_reason why, int code)
{
	bool ok;

	spin_lock(&p->lock);
	ok = partition_transition_locked(p, PART_SET_ACTIVE, PART_STOPPING);
	if (ok) {
		p->stop_reason = why;
		p->exit_code = code;
		p->reboot_pending = why == STOP_REBOOT;
		stop_all(p);
	}
	spin_unlock(&p->lock);
	return ok;
}

void partition_exit(struct partition *p, int code)
{
	if (!guest_ended(p, STOP_EXIT, code))
		return;
	log_printf("tessera: partition %s exited with code %d\n", p->name, code);
	log_exit_summary(p);
}

void partition_poweroff(struct partition *p)
{
	if (!guest_ended(p, STOP_POWEROFF, 0))
		return;
	log_printf("tessera: partition %s powered off\n", p->name);
	log_exit_summary(p);
}

void partition_reboot(struct partition *p)
{
	if (guest_ended(p, STOP_REBOOT, 0))
		log_printf("tessera: partition %s reset itself; starting it again\n", p->name);
}

bool partition_take_reboot(struct partition *p)
{
	bool take;

	spin_lock(&p->lock);
	take = p->reboot_pending && p->state == PART_STOPPED;
	if (take)
		p->reboot_pending = false;
	spin_unlock(&p->lock);
	return take;
}

static bool events_verbose; /* [M] the console's `log level verbose` */

void partition_set_verbose(bool on)
{
	__atomic_store_n(&events_verbose, on, __ATOMIC_RELAXED);
}

bool partition_verbose(void)
{
	return __atomic_load_n(&events_verbose, __ATOMIC_RELAXED);
}

void partition_event(struct partition *p, enum event_kind kind, const char *fmt, ...)
{
	char msg[200];
	u64 suppressed;
	bool print;
	va_list ap;

	if ((unsigned)kind >= EV_NKINDS)
		return;
	spin_lock(&p->events.lock);
	p->events.count[kind]++;
	if ((p->platform->quiet_events & EV_BIT(kind)) && !partition_verbose()) {
		spin_unlock(&p->events.lock); /* counted; `info` shows it */
		return;
	}
	print = ratelimit_allow(&p->events.rl[kind], arch_time_ns(), &suppressed);
	spin_unlock(&p->events.lock);
	say_suppressed(p, kind, suppressed);
	if (!print)
		return;
	va_start(ap, fmt);
	vstrfmt(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_printf("tessera: partition %s: %s\n", p->name, msg);
}
