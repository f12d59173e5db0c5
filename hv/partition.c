/*
 * Partitions: creating them from the config, booting them, and the two
 * ways they end (see the state diagram in tessera/partition.h).
 */
#include <tessera/arch.h>
#include <tessera/bootinfo.h>
#include <tessera/console.h>
#include <tessera/format.h>
#include <tessera/linux_guest.h>
#include <tessera/log.h>
#include <tessera/multiboot.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/pmm.h>
#include <tessera/string.h>

struct partition partitions[MAX_PARTITIONS];
unsigned npartitions;

/* Which vCPU runs on each physical CPU (dedicated CPUs: at most one). */
static struct vcpu *pcpu_vcpu[MAX_CPUS];
static const struct boot_info *boot;

const char *partition_state_name(enum partition_state s)
{
	switch (s) {
	case PART_STOPPED:
		return "STOPPED";
	case PART_RUNNING:
		return "RUNNING";
	case PART_FAILED:
		return "FAILED";
	}
	return "?";
}

struct vcpu *vcpu_of_pcpu(unsigned pcpu)
{
	return pcpu < MAX_CPUS ? pcpu_vcpu[pcpu] : NULL;
}

/* Guest output, one whole line at a time, to the hypervisor console. */
static void emit_line(void *ctx, const char *prefix, const char *line)
{
	console_guest_line(ctx, prefix, line);
}

static void uart_tx(void *ctx, u8 byte)
{
	struct partition *p = ctx;

	ring_write(&p->scrollback, &byte, 1);
	lineout_byte(&p->out, byte);
	console_guest_byte(p, byte);
}

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
	char why[160];
	unsigned n = 0;

	p->cfg = c;
	str_copy(p->name, c->name, sizeof(p->name));
	p->state = PART_STOPPED;
	ring_init(&p->scrollback, p->scrollback_buf, sizeof(p->scrollback_buf));
	lineout_init(&p->out, p->name, emit_line, p);
	vuart_init(&p->uart, uart_tx, p);

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

/* Load the kernel into the partition's memory and point vCPU 0 at it.
 * The images stay where the loader put them, so a restart reloads a
 * pristine copy. */
static bool load_kernel(struct partition *p)
{
	const struct cfg_partition *c = p->cfg;
	const struct boot_file *k = find_file(c->kernel);
	struct mb_module_src mods[MAX_MODULES];
	struct mb_boot mb;
	char err[160];
	const char *problem;

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
	if (!multiboot_load(hpa_to_ptr(p->mem), p->mem_size, hpa_to_ptr(k->addr), k->size,
			    c->cmdline, mods, c->nmodules, &mb, err, sizeof(err))) {
		partition_fail(p, "kernel %s: %s", c->kernel, err);
		return false;
	}
	p->vcpus[0].boot = (struct vcpu_boot){
		.mode = VCPU_BOOT_PROTECTED32,
		.rip = mb.entry,
		.eax = MB_BOOTLOADER_MAGIC,
		.ebx = mb.mbi,
	};
	return true;
}

/* How long a vCPU may take to leave guest mode after a kick. Generous:
 * under an emulator a millisecond of guest time is a lot of host time. */
#define STOP_TIMEOUT_NS (2000ull * 1000 * 1000)

/*
 * A vCPU on the CPU we run on is the console's own when it shares CPU 0
 * (console_cpu = none): the console runs between two of its exits, so it
 * is not in guest mode now, and it leaves arch_vcpu_run() as soon as the
 * command returns (vcpu_must_leave()). Waiting for it would wait forever.
 */
static bool on_this_cpu(const struct vcpu *v)
{
	return v->pcpu == arch_this_cpu()->index;
}

static bool wait_vcpus_idle(struct partition *p)
{
	u64 deadline = arch_time_ns() + STOP_TIMEOUT_NS;

	for (unsigned i = 0; i < p->nvcpus; i++)
		while (p->vcpus[i].run != VCPU_IDLE && !on_this_cpu(&p->vcpus[i])) {
			if (arch_time_ns() > deadline) {
				log_printf("tessera: partition %s: vcpu %u (cpu %u) did not stop\n",
					   p->name, i, p->vcpus[i].pcpu);
				return false;
			}
			console_idle_poll();
		}
	return true;
}

bool partition_start(struct partition *p)
{
	if (!p->mem || p->state == PART_RUNNING)
		return false;
	if (!wait_vcpus_idle(p))
		return false;
	p->violations = 0;
	p->absent_io = 0;
	p->reboot_pending = false;
	p->exit_code = 0;
	p->last_fault[0] = 0;
	spin_lock(&p->lock);
	vuart_reset(&p->uart);
	vpic_init(&p->pic);
	p->virq = false;
	acpi_pm_reset(&p->pm);
	spin_unlock(&p->lock);
	lineout_flush(&p->out);
	if (!load_kernel(p))
		return false;
	p->state = PART_RUNNING;
	p->started_ns = arch_time_ns();
	p->starts++;
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		memset(&v->regs, 0, sizeof(v->regs));
		v->exits = 0;
		memset(v->exit_count, 0, sizeof(v->exit_count));
		v->started = false;
		v->sipi_pending = false;
		v->stop_request = false;
		__atomic_fetch_add(&v->start_seq, 1, __ATOMIC_RELEASE);
	}
	log_printf("tessera: partition %s started\n", p->name);
	return true;
}

/* Ask every vCPU to leave guest mode, and kick the CPUs that may be in it. */
static void stop_vcpus(struct partition *p)
{
	struct pcpu *self = arch_this_cpu();

	for (unsigned i = 0; i < p->nvcpus; i++) {
		p->vcpus[i].stop_request = true;
		if (p->vcpus[i].pcpu != self->index)
			arch_cpu_kick(p->vcpus[i].pcpu);
	}
}

bool partition_stop(struct partition *p)
{
	bool was_running;

	spin_lock(&p->lock);
	was_running = p->state == PART_RUNNING;
	stop_vcpus(p);
	spin_unlock(&p->lock);
	if (!wait_vcpus_idle(p))
		return false; /* still RUNNING as far as anyone can tell */
	if (was_running && p->state == PART_RUNNING)
		p->state = PART_STOPPED;
	/* Its unfinished last line goes into the queue that is then emptied:
	 * a stopped partition's output stops at once (scrollback keeps it). */
	lineout_flush(&p->out);
	console_partition_stopped(p);
	if (was_running)
		log_printf("tessera: partition %s stopped\n", p->name);
	return true;
}

bool partition_restart(struct partition *p)
{
	if (!p->mem || !partition_stop(p))
		return false;
	if (p->state == PART_FAILED)
		p->state = PART_STOPPED;
	return partition_start(p);
}

bool partition_pause(struct partition *p)
{
	u64 deadline = arch_time_ns() + STOP_TIMEOUT_NS;
	struct pcpu *self = arch_this_cpu();

	for (unsigned i = 0; i < p->nvcpus; i++) {
		p->vcpus[i].pause_request = true;
		if (p->vcpus[i].pcpu != self->index)
			arch_cpu_kick(p->vcpus[i].pcpu);
	}
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vcpu *v = &p->vcpus[i];

		/* The console's own CPU's vCPU is between two exits right now:
		 * its state is in its VMCS, current on this CPU. It holds at its
		 * pause point once the command returns. */
		if (on_this_cpu(v) && v->run == VCPU_RUNNING && !v->paused) {
			arch_vcpu_snapshot(v, &v->snap);
			v->paused = true;
			continue;
		}
		/* Only a vCPU that is in the guest can be held; one waiting for
		 * its SIPI or idle has no guest state to show. */
		while (v->run == VCPU_RUNNING && !v->paused && arch_time_ns() < deadline)
			__builtin_ia32_pause();
	}
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i].run == VCPU_RUNNING && !p->vcpus[i].paused)
			return false;
	return true;
}

void partition_resume(struct partition *p)
{
	for (unsigned i = 0; i < p->nvcpus; i++) {
		p->vcpus[i].pause_request = false;
		if (on_this_cpu(&p->vcpus[i])) /* marked by partition_pause(), not held */
			p->vcpus[i].paused = false;
	}
}

struct partition *partition_by_name(const char *name)
{
	for (unsigned i = 0; i < npartitions; i++)
		if (str_eq_nocase(partitions[i].name, name))
			return &partitions[i];
	return NULL;
}

void partition_fail(struct partition *p, const char *fmt, ...)
{
	va_list ap;

	spin_lock(&p->lock);
	va_start(ap, fmt);
	vstrfmt(p->last_fault, sizeof(p->last_fault), fmt, ap);
	va_end(ap);
	p->state = PART_FAILED;
	stop_vcpus(p);
	spin_unlock(&p->lock);
	lineout_flush(&p->out);
	log_printf("tessera: partition %s FAILED: %s\n", p->name, p->last_fault);
}

/*
 * One line of exit statistics when a partition ends: total exits, the
 * guest time they happened in (TSC since start), and the three most
 * frequent reasons. `make bench` reads it.
 */
static void log_exit_summary(struct partition *p)
{
	u64 count[VCPU_EXIT_REASONS] = { 0 }, total = 0;
	u64 ms = (arch_time_ns() - p->started_ns) / 1000000;
	char top[160] = "";

	for (unsigned i = 0; i < p->nvcpus; i++) {
		total += p->vcpus[i].exits;
		for (unsigned r = 0; r < VCPU_EXIT_REASONS; r++)
			count[r] += p->vcpus[i].exit_count[r];
	}
	for (int k = 0; k < 3; k++) {
		unsigned best = 0;
		char item[48];

		for (unsigned r = 1; r < VCPU_EXIT_REASONS; r++)
			if (count[r] > count[best])
				best = r;
		if (!count[best])
			break;
		strfmt(item, sizeof(item), "%s%s %llu", k ? ", " : "", arch_exit_reason_name(best),
		       (unsigned long long)count[best]);
		str_append(top, item, sizeof(top));
		count[best] = 0;
	}
	log_printf("tessera: partition %s: %llu exits in %llu ms (%s)\n", p->name,
		   (unsigned long long)total, (unsigned long long)ms, top);
}

/* The guest ended itself: every vCPU stops, the partition is STOPPED. */
static void guest_ended(struct partition *p, int code, bool reboot)
{
	spin_lock(&p->lock);
	p->exit_code = code;
	if (p->state == PART_RUNNING)
		p->state = PART_STOPPED;
	p->reboot_pending = reboot;
	stop_vcpus(p);
	spin_unlock(&p->lock);
	lineout_flush(&p->out);
}

void partition_exit(struct partition *p, int code)
{
	guest_ended(p, code, false);
	log_printf("tessera: partition %s exited with code %d\n", p->name, code);
	log_exit_summary(p);
}

void partition_poweroff(struct partition *p)
{
	guest_ended(p, 0, false);
	log_printf("tessera: partition %s powered off\n", p->name);
	log_exit_summary(p);
}

void partition_reboot(struct partition *p)
{
	guest_ended(p, 0, true);
	log_printf("tessera: partition %s reset itself; starting it again\n", p->name);
}

void partition_report(struct partition *p, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vstrfmt(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->violations++;
	log_printf("tessera: partition %s: %s\n", p->name, msg);
}
