/*
 * The life of a physical CPU given to a partition, and what a guest may
 * ask of the hypervisor: hypercalls, port I/O, IPIs to its own CPUs.
 * Arch exit handlers translate hardware exits into these neutral calls.
 */
#include <tessera/arch.h>
#include <tessera/console.h>
#include <tessera/irq.h>
#include <tessera/linux_guest.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/platform.h>
#include <tessera/string.h>

#define VUART_BASE 0x3f8
#define HC_CONSOLE_WRITE_MAX 4096

/* ICR delivery modes, SDM Vol. 3A 11.6.1. */
#define ICR_DELIVERY_MODE(icr) (((icr) >> 8) & 7)
#define ICR_MODE_FIXED 0
#define ICR_MODE_LOWEST 1 /* lowest priority: to one CPU, here the one named */
#define ICR_MODE_INIT 5
#define ICR_MODE_STARTUP 6
#define ICR_DEST_LOGICAL (1u << 11)
#define ICR_DEST_SHORTHAND(icr) (((icr) >> 18) & 3)
#define ICR_SHORTHAND_NONE 0
#define ICR_SHORTHAND_SELF 1
#define ICR_SHORTHAND_ALL 2 /* including self; 3 is all excluding self */

/*
 * A physical CPU with a vCPU waits here until the vCPU is asked to start,
 * runs it until it must leave, and waits again. An AP of a running
 * partition first waits for the SIPI its BSP sends (vcpu_send_ipi). Every
 * change of v->run is made under p->lock, so that the lifecycle
 * (partition.c) always sees where each vCPU is.
 */
static volatile bool vcpus_assigned;

void vcpu_loop_release(void)
{
	__atomic_store_n(&vcpus_assigned, true, __ATOMIC_RELEASE);
}

static u32 requests_of(const struct vcpu *v)
{
	return __atomic_load_n(&v->requests, __ATOMIC_ACQUIRE);
}

/*
 * A vCPU out of guest mode with nothing to do sleeps until an interrupt:
 * every request that ends the wait comes with a kick (partition.c wake).
 * On the CPU the console shares it keeps polling instead, as the
 * console's steps run from here.
 */
static void idle_wait(const struct vcpu *v)
{
	if (v->shares_console)
		__builtin_ia32_pause();
	else
		arch_cpu_idle();
}

/* An AP: wait for its SIPI (not while paused), a stop, or a new start. */
static bool wait_for_sipi(struct vcpu *v)
{
	for (;;) {
		u32 req = requests_of(v);

		if (req & VCPU_REQ_LEAVE)
			return false;
		if ((req & VCPU_REQ_RELOAD) && !(req & VCPU_REQ_PAUSE) && partition_vcpu_take_sipi(v))
			return true;
		vcpu_host_work(v);
		idle_wait(v);
	}
}

void vcpu_loop(unsigned pcpu)
{
	/* APs get here as soon as they are online, before the BSP has read
	 * the config and given CPUs to partitions. */
	while (!__atomic_load_n(&vcpus_assigned, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	for (;;) {
		struct vcpu *v = vcpu_of_pcpu(pcpu);

		if (!v) {
			if (!console_shares_cpu(pcpu))
				arch_cpu_stop(); /* a spare CPU: nothing will ever run here */
			console_shared_poll();
			__builtin_ia32_pause();
			continue;
		}
		if (!partition_vcpu_begin(v)) {
			vcpu_host_work(v);
			idle_wait(v);
			continue;
		}
		if (v->index == 0 || wait_for_sipi(v))
			arch_vcpu_run(v);
		partition_vcpu_left(v);
	}
}

/* PAUSE: hold here, between two exits, with the registers saved, until
 * resumed, stopped or started anew. */
static void hold(struct vcpu *v)
{
	struct partition *p = v->part;

	arch_vcpu_snapshot(v, &v->snap);
	spin_lock(&p->lock);
	__atomic_store_n(&v->run, VCPU_PAUSED, __ATOMIC_RELEASE);
	spin_unlock(&p->lock);
	while ((requests_of(v) & (VCPU_REQ_PAUSE | VCPU_REQ_LEAVE)) == VCPU_REQ_PAUSE) {
		vcpu_host_work(v); /* the console may share this CPU: it resumes us */
		idle_wait(v);
	}
	spin_lock(&p->lock);
	__atomic_store_n(&v->run, VCPU_RUNNING, __ATOMIC_RELEASE);
	spin_unlock(&p->lock);
}

bool vcpu_check_requests(struct vcpu *v)
{
	u32 req = requests_of(v);

	if (__builtin_expect(!req, 1))
		return false;
	if (req & VCPU_REQ_LEAVE)
		return true;
	if (req & VCPU_REQ_KICK) /* its purpose is served: we are looking */
		__atomic_fetch_and(&v->requests, ~VCPU_REQ_KICK, __ATOMIC_ACQ_REL);
	if (req & VCPU_REQ_PAUSE)
		hold(v);
	return requests_of(v) & VCPU_REQ_LEAVE;
}

static const char *const exit_kind_names[EXIT_KINDS] = {
	[EXIT_KIND_OTHER] = "other",
	[EXIT_KIND_CPUID] = "CPUID",
	[EXIT_KIND_IO] = "I/O instruction",
	[EXIT_KIND_RDMSR] = "RDMSR",
	[EXIT_KIND_WRMSR] = "WRMSR",
	[EXIT_KIND_HLT] = "HLT",
	[EXIT_KIND_HYPERCALL] = "hypercall",
	[EXIT_KIND_MEMORY] = "guest-physical access",
	[EXIT_KIND_INTERRUPT] = "external interrupt",
	[EXIT_KIND_NMI] = "NMI",
	[EXIT_KIND_IRQ_WINDOW] = "interrupt window",
	[EXIT_KIND_TIMER] = "timer",
	[EXIT_KIND_CR] = "CR access",
	[EXIT_KIND_XSETBV] = "XSETBV",
	[EXIT_KIND_EXCEPTION] = "exception",
	[EXIT_KIND_TRIPLE_FAULT] = "triple fault",
	[EXIT_KIND_INIT] = "INIT signal",
	[EXIT_KIND_VIRT_INSN] = "virtualization instruction",
	[EXIT_KIND_ENTRY_FAILED] = "VM entry failed",
};

const char *exit_kind_name(unsigned kind)
{
	return kind < EXIT_KINDS ? exit_kind_names[kind] : "unknown";
}

/* The backend's own reason goes last, in brackets: "[<backend> 0xa CPUID]". */
void vcpu_trace_exit(struct vcpu *v, enum exit_kind kind, unsigned reason, u64 rip,
		     u64 qualification)
{
	struct partition *p = v->part;

	if (__atomic_load_n(&p->trace_left, __ATOMIC_RELAXED) <= 0)
		return;
	if (__atomic_sub_fetch(&p->trace_left, 1, __ATOMIC_RELAXED) < 0)
		return;
	log_printf("trace %s vcpu %u: %s rip=0x%llx qual=0x%llx rax=0x%llx [%s 0x%x %s]\n",
		   p->name, v->index, exit_kind_name(kind), (unsigned long long)rip,
		   (unsigned long long)qualification, (unsigned long long)v->regs.rax,
		   arch_virt_name(), reason, arch_exit_reason_name(reason));
}

void vcpu_host_work(struct vcpu *v)
{
	if (v->shares_console)
		console_shared_poll();
}

/* Guest-physical [gpa, gpa + len) inside the partition's RAM: a host
 * pointer, or NULL. RAM is what its layout says, the same that its guest-physical map
 * maps, so the hypervisor touches nothing the guest could not. */
void *partition_guest_ptr(struct partition *p, u64 gpa, u64 len)
{
	if (!guest_layout_is_ram(&p->layout, gpa, len))
		return NULL;
	return hpa_to_ptr(p->mem + gpa);
}

static s64 hc_partition_info(struct vcpu *v, u64 gpa, u64 size)
{
	struct partition *p = v->part;
	struct hc_partition_info info;
	void *dst;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.id = p->id;
	str_copy(info.name, p->name, sizeof(info.name));
	info.memory = p->mem_size;
	info.ncpus = p->nvcpus;
	info.vcpu = v->index;
	for (unsigned i = 0; i < p->nvcpus; i++)
		info.apic_id[i] = p->vcpus[i].apic_id;
	size = MIN(size, sizeof(info));
	dst = partition_guest_ptr(p, gpa, size);
	if (!dst)
		return HC_EINVAL;
	memcpy(dst, &info, size);
	return (s64)size;
}

#ifdef TESSERA_TEST_HOOKS
/* A vCPU that does not stop: deaf to its requests for ms milliseconds
 * (still serving the console if it shares this CPU). */
static void test_hold(struct vcpu *v, u64 ms)
{
	u64 end = arch_time_ns() + MIN(ms, 60000ull) * 1000000ull;

	log_printf("tessera: test hook: partition %s vcpu %u held for %llu ms\n", v->part->name,
		   v->index, (unsigned long long)MIN(ms, 60000ull));
	while (arch_time_ns() < end) {
		vcpu_host_work(v);
		__builtin_ia32_pause();
	}
}
#endif

s64 vcpu_hypercall(struct vcpu *v, u64 nr, u64 a1, u64 a2, u64 a3)
{
	struct partition *p = v->part;
	const u8 *s;

	(void)a3;
	switch (nr) {
	case HC_VERSION:
		return (HC_ABI_MAJOR << 16) | HC_ABI_MINOR;
	case HC_CONSOLE_WRITE:
		if (a2 > HC_CONSOLE_WRITE_MAX || !(s = partition_guest_ptr(p, a1, a2)))
			return HC_EINVAL;
		gout_write(&p->out, GOUT_HC(v->index), s, a2);
		return (s64)a2;
	case HC_PARTITION_INFO:
		return hc_partition_info(v, a1, a2);
	case HC_EXIT:
		partition_exit(p, (int)a1);
		return 0;
#ifdef TESSERA_TEST_HOOKS
	case HC_TEST_HOLD:
		test_hold(v, a1);
		return 0;
#endif
	}
	return HC_ENOSYS;
}

void vcpu_io(struct vcpu *v, u16 port, unsigned size, bool write, u32 *value)
{
	platform_port_io(v, port, size, write, value);
}

/* The PC wires the first UART to ISA IRQ 4 (the DSDT's COM1 says so). */
#define VUART_IRQ 4

/*
 * Through the router (hv/irq.c): into the PIC for a Linux partition,
 * exactly as before (vCPU 0 is kicked when the PIC gets an interrupt
 * pending; Linux booted with `noapic` takes IRQ 4 there), and into the
 * I/O APIC's pin for GSI 4 in every partition, Multiboot ones included,
 * which have no PIC.
 */
void partition_irq_update(struct partition *p)
{
	irq_set_level(p, (unsigned)irq_isa_gsi(VUART_IRQ), vuart_irq_pending(&p->uart));
}

int vcpu_virq_ack(struct vcpu *v)
{
	struct partition *p = v->part;
	int vector;

	if (!vcpu_virq_waiting(v))
		return -1;
	spin_lock(&p->dev_lock);
	vector = vpic_ack(&p->pic);
	__atomic_store_n(&p->virq, vpic_pending(&p->pic) >= 0, __ATOMIC_RELEASE);
	spin_unlock(&p->dev_lock);
	return vector;
}

int vcpu_irq_next(struct vcpu *v)
{
	int vector = irq_queue_take(&v->irqs);

	return vector >= 0 ? vector : vcpu_virq_ack(v);
}

static struct vcpu *vcpu_by_apic(struct partition *p, u32 apic)
{
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i].apic_id == apic)
			return &p->vcpus[i];
	return NULL;
}

/* A fixed interrupt to vCPU t: a physical IPI with the same vector to
 * its CPU, which hands it to the guest (arch_cpu_send_vector). */
static void send_fixed(struct vcpu *t, u8 vector)
{
	arch_cpu_send_vector(t->pcpu, vector);
}

/*
 * A fixed IPI in logical destination mode. In xAPIC mode the sender's
 * partition's APICs are matched by their LDR and DFR (SDM Vol. 3A
 * 11.6.2.2; lowest priority goes to the first match, which 11.6.2.4
 * allows). The x2APIC's logical mode (cluster, from the hardware's LDR) is
 * not offered: Tessera's FADT asks for physical mode, and a logical IPI
 * from an x2APIC guest is dropped and reported.
 */
static void send_logical(struct vcpu *v, u32 dest, u32 icr_low)
{
	struct partition *p = v->part;
	bool any = false;

	if (vlapic_mode(&v->lapic) != VLAPIC_XAPIC) {
		partition_event(p, EV_IPI, "dropped IPI in x2APIC logical destination mode (icr 0x%x)",
				icr_low);
		return;
	}
	for (unsigned i = 0; i < p->nvcpus && !(any && ICR_DELIVERY_MODE(icr_low) == ICR_MODE_LOWEST);
	     i++) {
		if (vlapic_logical_match(&p->vcpus[i].lapic, dest)) {
			send_fixed(&p->vcpus[i], (u8)icr_low);
			any = true;
		}
	}
	if (!any)
		partition_event(p, EV_IPI, "dropped IPI to logical destination 0x%x: no CPU of this "
				"partition", dest);
}

/*
 * An IPI the guest wrote to its ICR (SDM Vol. 3A 11.6.1, x2APIC form
 * 11.12.9: destination in bits 63:32). Only the partition's own CPUs can
 * be reached: the destination is looked up among them, shorthands are
 * expanded to them, and anything else is dropped and reported.
 */
void vcpu_send_ipi(struct vcpu *v, u32 dest_apic, u32 icr_low)
{
	struct partition *p = v->part;
	unsigned mode = ICR_DELIVERY_MODE(icr_low);
	unsigned shorthand = ICR_DEST_SHORTHAND(icr_low);
	u8 vector = (u8)icr_low;
	struct vcpu *t;

	if (mode == ICR_MODE_FIXED || mode == ICR_MODE_LOWEST) {
		/* Vectors 0-15 are illegal (11.5.3); the kick vector is the
		 * hypervisor's. */
		if (vector < 16 || vector == ARCH_RESERVED_VECTOR) {
			partition_event(p, EV_IPI, "dropped IPI with vector 0x%x", vector);
			return;
		}
		if (shorthand == ICR_SHORTHAND_SELF) {
			send_fixed(v, vector);
			return;
		}
		if (shorthand != ICR_SHORTHAND_NONE) {
			for (unsigned i = 0; i < p->nvcpus; i++)
				if (&p->vcpus[i] != v || shorthand == ICR_SHORTHAND_ALL)
					send_fixed(&p->vcpus[i], vector);
			return;
		}
		if (icr_low & ICR_DEST_LOGICAL) {
			send_logical(v, dest_apic, icr_low);
			return;
		}
	} else if (shorthand != ICR_SHORTHAND_NONE) {
		partition_event(p, EV_IPI, "dropped IPI with destination shorthand (icr 0x%x)", icr_low);
		return;
	}
	t = vcpu_by_apic(p, dest_apic);
	if (!t) {
		partition_event(p, EV_IPI, "dropped IPI to apic %u: not a CPU of this partition",
				 dest_apic);
		return;
	}
	if (mode == ICR_MODE_FIXED || mode == ICR_MODE_LOWEST) {
		send_fixed(t, vector);
		return;
	}
	if (mode == ICR_MODE_INIT) {
		if (t != v)
			partition_vcpu_init(t);
		return;
	}
	if (mode == ICR_MODE_STARTUP) {
		partition_vcpu_sipi(t, (u8)icr_low);
		return;
	}
	/* NMI, SMI: an NMI reaching a CPU while it is in the hypervisor would
	 * be the hypervisor's, so none is forwarded. */
	partition_event(p, EV_IPI, "dropped IPI with delivery mode %u to apic %u (not supported)", mode,
			 dest_apic);
}
