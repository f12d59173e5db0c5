/*
 * The VM-exit loop and its handlers.
 *
 * arch_vcpu_run() enters the guest and dispatches every exit through
 * exit_handlers[], indexed by basic exit reason (SDM Vol. 3D Appendix C).
 * Each handler returns what happens next:
 *   EXIT_RESUME  the exit is dealt with; re-enter the guest
 *   EXIT_STOP    the vCPU stops (its partition stopped or failed)
 * A reason without a handler fails the partition with a full report: an
 * exit is never silently ignored.
 *
 * Handlers translate Intel-specific exit information into the neutral
 * calls of hv/ (vcpu_io, vcpu_hypercall, partition_fail, ...).
 */
#include <tessera/arch.h>
#include <tessera/guest_walk.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/platform.h>
#include <tessera/spinlock.h>
#include <tessera/string.h>
#include <tessera/timers.h>
#include <arch/apic_access.h>
#include <arch/cpu.h>
#include <arch/insn_decode.h>
#include <arch/lapic.h>
#include <arch/mmio_emul.h>
#include <arch/msr.h>
#include <arch/vmcs.h>
#include <arch/vmx.h>
#include <arch/vmx_exit.h>
#include <arch/x86.h>
#include "vmx_internal.h"

enum exit_action { EXIT_RESUME, EXIT_STOP };
typedef enum exit_action (*exit_handler_fn)(struct vcpu *v);

static const char *const exit_names[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = "exception or NMI",
	[EXIT_REASON_EXTERNAL_INTERRUPT] = "external interrupt",
	[EXIT_REASON_TRIPLE_FAULT] = "triple fault",
	[EXIT_REASON_INTERRUPT_WINDOW] = "interrupt window",
	[EXIT_REASON_INIT_SIGNAL] = "INIT signal",
	[EXIT_REASON_SIPI_SIGNAL] = "SIPI",
	[EXIT_REASON_TASK_SWITCH] = "task switch",
	[EXIT_REASON_CPUID] = "CPUID",
	[EXIT_REASON_HLT] = "HLT",
	[EXIT_REASON_INVD] = "INVD",
	[EXIT_REASON_INVLPG] = "INVLPG",
	[EXIT_REASON_RDTSC] = "RDTSC",
	[EXIT_REASON_VMCALL] = "VMCALL",
	[EXIT_REASON_VMCLEAR] = "VMCLEAR",
	[EXIT_REASON_VMLAUNCH] = "VMLAUNCH",
	[EXIT_REASON_VMPTRLD] = "VMPTRLD",
	[EXIT_REASON_VMPTRST] = "VMPTRST",
	[EXIT_REASON_VMREAD] = "VMREAD",
	[EXIT_REASON_VMRESUME] = "VMRESUME",
	[EXIT_REASON_VMWRITE] = "VMWRITE",
	[EXIT_REASON_VMOFF] = "VMXOFF",
	[EXIT_REASON_VMON] = "VMXON",
	[EXIT_REASON_CR_ACCESS] = "CR access",
	[EXIT_REASON_DR_ACCESS] = "DR access",
	[EXIT_REASON_IO_INSTRUCTION] = "I/O instruction",
	[EXIT_REASON_MSR_READ] = "RDMSR",
	[EXIT_REASON_MSR_WRITE] = "WRMSR",
	[EXIT_REASON_INVALID_STATE] = "VM entry: invalid guest state",
	[EXIT_REASON_MSR_LOAD_FAIL] = "VM entry: MSR loading",
	[EXIT_REASON_MWAIT_INSTRUCTION] = "MWAIT",
	[EXIT_REASON_MONITOR_TRAP_FLAG] = "monitor trap flag",
	[EXIT_REASON_MONITOR_INSTRUCTION] = "MONITOR",
	[EXIT_REASON_PAUSE_INSTRUCTION] = "PAUSE",
	[EXIT_REASON_MCE_DURING_VMENTRY] = "VM entry: machine check",
	[EXIT_REASON_EPT_VIOLATION] = "EPT violation",
	[EXIT_REASON_EPT_MISCONFIG] = "EPT misconfiguration",
	[EXIT_REASON_INVEPT] = "INVEPT",
	[EXIT_REASON_RDTSCP] = "RDTSCP",
	[EXIT_REASON_PREEMPTION_TIMER] = "preemption timer",
	[EXIT_REASON_INVVPID] = "INVVPID",
	[EXIT_REASON_WBINVD] = "WBINVD",
	[EXIT_REASON_XSETBV] = "XSETBV",
	[EXIT_REASON_RDRAND] = "RDRAND",
	[EXIT_REASON_INVPCID] = "INVPCID",
	[EXIT_REASON_VMFUNC] = "VMFUNC",
	[EXIT_REASON_RDSEED] = "RDSEED",
	[EXIT_REASON_XSAVES] = "XSAVES",
	[EXIT_REASON_XRSTORS] = "XRSTORS",
};

const char *arch_exit_reason_name(unsigned reason)
{
	const char *n = reason < EXIT_REASON_MAX ? exit_names[reason] : NULL;

	return n ? n : "unknown";
}

/* ---------------------------------------------------------------- helpers */

static void skip_instruction(void)
{
	u32 intr = vmcs_read32(GUEST_INTERRUPTIBILITY_INFO);

	vmcs_writel(GUEST_RIP, vmcs_readl(GUEST_RIP) + vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
	/* Blocking by STI / MOV SS ends with the next instruction (25.4.2). */
	if (intr & BLOCKING_STI_MOVSS)
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, intr & ~3u);
}

/* Deliver an exception to the guest on the next entry (26.6, 25.8.3). */
static void inject_exception(u8 vector, bool has_error, u32 error)
{
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, INTR_INFO_VALID | INTR_TYPE_HARD_EXCEPTION |
						       (has_error ? INTR_INFO_DELIVER_CODE : 0) |
						       vector);
	if (has_error)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, error);
}

static void inject_ud(void)
{
	inject_exception(EXC_UD, false, 0);
}

static void inject_gp(void)
{
	inject_exception(EXC_GP, true, 0);
}

/* General register n as numbered in exit qualifications (Table 28-3) and
 * in ModRM: where it lives in struct guest_regs. RSP (4) lives in the
 * VMCS. A constant table, not one built per call: the MMIO path reads and
 * writes all sixteen. */
#define REG_AT(r) ((u8)(offsetof(struct guest_regs, r) / sizeof(u64)))
#define REG_IN_VMCS 0xff
static const u8 gpr_slot[16] = {
	REG_AT(rax), REG_AT(rcx), REG_AT(rdx), REG_AT(rbx), REG_IN_VMCS, REG_AT(rbp),
	REG_AT(rsi), REG_AT(rdi), REG_AT(r8),  REG_AT(r9),  REG_AT(r10), REG_AT(r11),
	REG_AT(r12), REG_AT(r13), REG_AT(r14), REG_AT(r15),
};

static u64 *gpr(struct vcpu *v, unsigned n)
{
	u8 slot = gpr_slot[n & 15];

	return slot == REG_IN_VMCS ? NULL : (u64 *)&v->regs + slot;
}

static u64 read_gpr(struct vcpu *v, unsigned n)
{
	u64 *r = gpr(v, n);

	return r ? *r : vmcs_readl(GUEST_RSP);
}

static void write_gpr(struct vcpu *v, unsigned n, u64 value)
{
	u64 *r = gpr(v, n);

	if (r)
		*r = value;
	else
		vmcs_writel(GUEST_RSP, value);
}

static bool guest_cpl0(void)
{
	return ((vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3) == 0;
}

/*
 * CR0 and CR4 as the guest sees them (SDM Vol. 3C 25.6.6): the bits set in
 * the guest/host mask are the hypervisor's, and the guest reads them from
 * the read shadow; every other bit is the guest's own, in the guest-state
 * field. The shadow alone is not the guest's value: a MOV to CR4 (or CR0)
 * that changes none of the masked bits does not exit (26.1.3), so it never
 * updates the shadow.
 */
static u64 guest_cr(u32 field, u32 shadow, u32 mask)
{
	u64 m = vmcs_readl(mask);

	return (vmcs_readl(field) & ~m) | (vmcs_readl(shadow) & m);
}

static u64 guest_cr0(void)
{
	return guest_cr(GUEST_CR0, CR0_READ_SHADOW, CR0_GUEST_HOST_MASK);
}

static u64 guest_cr4(void)
{
	return guest_cr(GUEST_CR4, CR4_READ_SHADOW, CR4_GUEST_HOST_MASK);
}

/* The full report for a partition that fails on an exit. */
static void dump_guest(struct vcpu *v, u32 reason)
{
	struct guest_regs *r = &v->regs;

	log_printf("tessera: partition %s vcpu %u: exit %u (%s), qualification 0x%llx\n",
		   v->part->name, v->index, reason, arch_exit_reason_name(reason),
		   (unsigned long long)vmcs_readl(EXIT_QUALIFICATION));
	log_printf("    rip=%016llx rsp=%016llx rflags=%016llx cr0=%08llx cr3=%08llx "
		   "cr4=%08llx\n",
		   (unsigned long long)vmcs_readl(GUEST_RIP),
		   (unsigned long long)vmcs_readl(GUEST_RSP),
		   (unsigned long long)vmcs_readl(GUEST_RFLAGS),
		   (unsigned long long)guest_cr0(), (unsigned long long)vmcs_readl(GUEST_CR3),
		   (unsigned long long)guest_cr4());
	log_printf("    rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
		   (unsigned long long)r->rax, (unsigned long long)r->rbx,
		   (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	log_printf("    rsi=%016llx rdi=%016llx rbp=%016llx\n", (unsigned long long)r->rsi,
		   (unsigned long long)r->rdi, (unsigned long long)r->rbp);
}

static enum exit_action fail(struct vcpu *v, u32 reason, const char *what)
{
	dump_guest(v, reason);
	partition_fail(v->part, "%s at rip 0x%llx", what,
		       (unsigned long long)vmcs_readl(GUEST_RIP));
	return EXIT_STOP;
}

/* --------------------------------------------------------------- handlers */

/*
 * Interrupts for the guest. A partition's CPU is its own, and so is its
 * local APIC: the guest programs its timer and the hypervisor forwards the
 * IPIs its other vCPUs send (vcpu_send_ipi). Every interrupt still exits
 * first (external-interrupt exiting, 25.6.1), acknowledged on exit
 * (25.7.1): the hypervisor's own kick must never reach the guest. Any
 * other vector is the guest's, and stays in service in the APIC until the
 * guest's EOI (x2APIC EOI is passed through). It is injected at the next
 * VM entry (26.6) when the guest can take it, else held here with
 * interrupt-window exiting on (25.6.2) until it can.
 */
#define RFLAGS_IF (1ull << 9)

/* Before each VM entry. An event already set up for injection (an
 * exception, or one whose delivery an exit interrupted) goes first; then
 * the local APIC's vectors, highest first; then the virtual PIC's (hv/,
 * vcpu_virq_ack), which the guest ends at the PIC, not at its APIC. */
static void set_window_exiting(struct vmx_vcpu *vv, bool on)
{
	u32 cpu;

	if (vv->window_exiting == on)
		return; /* the common case: no VMCS access at all */
	cpu = vmcs_read32(CPU_BASED_VM_EXEC_CONTROL);
	cpu = on ? cpu | CPU_BASED_INTR_WINDOW_EXITING : cpu & ~CPU_BASED_INTR_WINDOW_EXITING;
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, cpu);
	vv->window_exiting = on;
}

static void irq_inject_pending(struct vcpu *v, struct vmx_vcpu *vv)
{
	int vector;

	if (!vcpu_irq_waiting(v)) {
		set_window_exiting(vv, false); /* nothing for the guest: no VMCS reads */
		return;
	}
	/* Can the guest take an external interrupt at this entry (SDM Vol. 3C
	 * 26.3.1.5, 26.6.1)? Not with RFLAGS.IF clear, in an STI or MOV SS
	 * shadow, while an event is already set up for injection, or while an
	 * instruction is being stepped over a violation. */
	if ((vmcs_readl(GUEST_RFLAGS) & RFLAGS_IF) &&
	    !(vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & BLOCKING_STI_MOVSS) &&
	    !(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) && !vv->ntemp &&
	    (vector = vcpu_irq_next(v)) >= 0) {
		/* The guest is never left in the HLT activity state (every HLT
		 * exits, handle_hlt), so this entry delivers it at once. */
		vmcs_write32(VM_ENTRY_INTR_INFO_FIELD,
			     INTR_INFO_VALID | INTR_TYPE_EXT_INTR | (u32)vector);
	}
	/* Still one waiting: exit as soon as the guest can take it (or when
	 * it halts, handle_hlt). */
	set_window_exiting(vv, vcpu_irq_waiting(v));
}

/* An exit that interrupted the delivery of an event through the guest's
 * IDT (IDT-vectoring information, 28.2.4): deliver it again at the next
 * entry, as the CPU would have (SDM Vol. 3C 28.2.4 and 26.6.1.1). */
static void reinject_interrupted_event(void)
{
	u32 idt = vmcs_read32(IDT_VECTORING_INFO_FIELD);

	if (!(idt & INTR_INFO_VALID))
		return;
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, idt & ~(1u << 12)); /* bit 12: undefined here */
	if (idt & INTR_INFO_DELIVER_CODE)
		vmcs_write32(VM_ENTRY_EXCEPTION_ERROR_CODE, vmcs_read32(IDT_VECTORING_ERROR_CODE));
	vmcs_write32(VM_ENTRY_INSTRUCTION_LEN, vmcs_read32(VM_EXIT_INSTRUCTION_LEN));
}

static enum exit_action handle_external_interrupt(struct vcpu *v)
{
	u8 vector = (u8)vmcs_read32(VM_EXIT_INTR_INFO); /* bits 7:0 (25.9.2) */

	if (vector == KICK_VECTOR) {
		/* Ours: end it; the run loop then looks at the requests. */
		lapic_eoi();
		return EXIT_RESUME;
	}
	irq_queue_add(&v->irqs, vector); /* the guest ends it with its EOI */
	return EXIT_RESUME;
}

/* Interrupt window (25.6.2): the guest can take interrupts again; the
 * injection happens just before the entry. */
static enum exit_action handle_interrupt_window(struct vcpu *v)
{
	(void)v;
	return EXIT_RESUME;
}

static enum exit_action handle_triple_fault(struct vcpu *v)
{
	return fail(v, EXIT_REASON_TRIPLE_FAULT, "triple fault");
}

static enum exit_action handle_init(struct vcpu *v)
{
	/* A physical INIT reached a partition CPU: nothing in Tessera sends
	 * one, and a guest cannot (its ICR writes are filtered). Ignore. */
	partition_event(v->part, EV_UNSUPPORTED, "ignored INIT signal on cpu %u", v->pcpu);
	return EXIT_RESUME;
}

/* Bits needed to hold the partition's largest APIC ID: the shift that
 * takes an x2APIC ID to a package ID (SDM Vol. 3A 9.9.1). */
static u32 apic_id_shift(const struct partition *p)
{
	u32 max = 0, shift = 0;

	for (unsigned i = 0; i < p->nvcpus; i++)
		max = MAX(max, p->vcpus[i].apic_id);
	while ((1u << shift) <= max)
		shift++;
	return shift;
}

/*
 * The TSC rate (leaves 15H "TSC and core crystal clock" and 16H "processor
 * frequency", SDM Vol. 2A CPUID): Linux takes it from there and then needs
 * no timer to calibrate against (a partition has no PIT or HPET). The
 * hardware's answer is kept when it agrees within 1% with the rate the
 * loader measured; an emulator's may not (Bochs reports 3.5 GHz from a
 * TSC that counts instructions), and then the measured rate is reported
 * as a crystal of that frequency with a 1:1 ratio.
 */
static void tsc_leaves(u32 leaf, struct cpuid_regs *r)
{
	u64 measured = x86_tsc_hz();
	struct cpuid_regs hw = cpuid(0x15, 0);
	u64 claimed = hw.eax && hw.ebx && hw.ecx ? (u64)hw.ecx * hw.ebx / hw.eax : 0;

	if (claimed && claimed / 100 * 99 <= measured && measured <= claimed / 100 * 101)
		return;
	if (leaf == 0x15)
		*r = (struct cpuid_regs){ 1, 1, (u32)MIN(measured, 0xffffffffull), 0 };
	else /* MHz: base, maximum, bus */
		*r = (struct cpuid_regs){ (u32)(measured / 1000000), (u32)(measured / 1000000), 100,
					  0 };
}

/* CPUID: the real CPU, with what a guest must not believe (SDM Vol. 2A
 * CPUID): no VMX, no MONITOR/MWAIT, no thermal or power control, and a
 * hypervisor present. */
#define CPUID_HV_LEAF 0x40000000u
static enum exit_action handle_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx;
	struct cpuid_regs r = cpuid(leaf, sub);

	switch (leaf) {
	case 1:
		r.ecx &= ~(CPUID1_ECX_VMX | (1u << 3) /* MONITOR */ | CPUID1_ECX_POWER);
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		r.edx &= ~CPUID1_EDX_POWER;
		/* EDX[9] APIC: clear while the guest has its APIC globally
		 * disabled in IA32_APIC_BASE (SDM Vol. 3A 11.4.3). ECX[24]
		 * TSC-deadline is the hardware's, and so is ECX[21] x2APIC where
		 * the hypervisor runs the hardware in x2APIC mode: the guest's
		 * APIC is the hardware one. */
		if (vlapic_mode(&v->lapic) == VLAPIC_DISABLED)
			r.edx &= ~CPUID1_EDX_APIC;
		if (!apic_cpu_has_x2apic())
			r.ecx &= ~CPUID1_ECX_X2APIC;
		/* OSXSAVE reports CR4.OSXSAVE: the guest's, not the hypervisor's
		 * (user code runs XGETBV only when it is set). */
		r.ecx &= ~CPUID1_ECX_OSXSAVE;
		if (guest_cr4() & CR4_OSXSAVE)
			r.ecx |= CPUID1_ECX_OSXSAVE;
		/* EBX[23:16]: logical processors per package, as the partition sees it. */
		r.ebx = (r.ebx & ~0x00ff0000u) | (v->part->nvcpus << 16);
		break;
	case 4:
		/* EAX[31:26]: cores per package - 1, here the partition's CPUs. */
		if (r.eax & 0x1f)
			r.eax = (r.eax & ~0xfc000000u) | ((MIN(v->part->nvcpus, 64u) - 1) << 26);
		break;
	case 0xb:
	case 0x1f:
		/* Extended topology (SDM Vol. 2A CPUID leaf 0BH): the partition
		 * is one package of nvcpus single-thread cores. The x2APIC ID in
		 * EDX stays the real one, which is what the guest's APIC reports. */
		r.ebx = sub == 0 ? 1 : sub == 1 ? v->part->nvcpus : 0;
		r.eax = sub == 0 ? 0 : sub == 1 ? apic_id_shift(v->part) : 0;
		r.ecx = sub > 1 ? sub : (sub == 0 ? (1u << 8) : (2u << 8)) | sub;
		break;
	case 7:
		if (sub == 0) { /* OSPKE reports the guest's CR4.PKE */
			r.ecx &= ~CPUID7_ECX_OSPKE;
			if (guest_cr4() & CR4_PKE)
				r.ecx |= CPUID7_ECX_OSPKE;
		}
		break;
	case 6:
		/* Thermal and power management (leaf 06H): package-wide MSRs a
		 * partition must not drive. Only ARAT stays: the APIC timer
		 * keeps running in deep C-states, so Linux needs no broadcast
		 * timer (which a partition does not have). */
		r = (struct cpuid_regs){ r.eax & CPUID6_EAX_ARAT, 0, 0, 0 };
		break;
	case 0x15:
	case 0x16:
		tsc_leaves(leaf, &r);
		break;
	case CPUID_HV_LEAF:
		/* Hypervisor vendor leaf: "TesseraHV   " (cf. KVM's "KVMKVMKVM"). */
		r.eax = CPUID_HV_LEAF;
		r.ebx = 0x73736554; /* "Tess" */
		r.ecx = 0x48617265; /* "eraH" */
		r.edx = 0x20202056; /* "V   " */
		break;
	default:
		if (leaf > CPUID_HV_LEAF && leaf < 0x40000100u)
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	}
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	skip_instruction();
	return EXIT_RESUME;
}

/* A guest's interrupt taken through the hypervisor's IDT while this CPU
 * waited in handle_hlt (idt.c irq_dispatch): queue it like one an exit
 * acknowledged (handle_external_interrupt). */
void vmx_guest_irq_taken(u8 vector)
{
	struct vcpu *v = vcpu_of_pcpu(arch_this_cpu()->index);

	if (v)
		irq_queue_add(&v->irqs, vector);
}

/*
 * HLT (always exits, 25.6.2). The CPU then waits here, where a stop, a
 * pause (`regs`) and a console sharing this CPU still reach it.
 *
 * A guest with interrupts enabled is idle: if an interrupt already waits
 * for it, it does not halt at all (the entry injects it); else the wait
 * has interrupts enabled, so its next interrupt (its APIC timer, an IPI
 * from its other vCPUs, one its I/O APIC routes) is taken through the
 * hypervisor's IDT (irq_dispatch queues it) instead of by a second VM
 * exit: an idle wake-up costs this one exit. A CPU the console shares
 * does not halt there: it keeps doing the console's steps and only opens
 * a window for interrupts between them.
 *
 * A halt with interrupts disabled lasts until the partition is stopped or
 * restarted (Linux halts so on the CPUs it stops for reboot or power off;
 * left in guest mode, a CPU halted with RFLAGS.IF = 0 does not reliably
 * leave it for an external interrupt on every implementation).
 */
static enum exit_action handle_hlt(struct vcpu *v)
{
	bool idle = vmcs_readl(GUEST_RFLAGS) & RFLAGS_IF, timer;

	skip_instruction();
	for (;;) {
		if (idle && vcpu_irq_waiting(v))
			return EXIT_RESUME;
		if (vcpu_check_requests(v))
			return EXIT_STOP;
		vcpu_host_work(v);
		/* A timer device's interrupt is due at some point: poll for it
		 * (raising it sends this CPU the vector, taken in the window). */
		timer = vcpu_timer_deadline(v) != 0;
		if (!idle)
			cpu_relax();
		else if (v->shares_console || timer)
			cpu_irq_window();
		else
			cpu_wait_for_irq();
	}
}

/* The VMX-preemption timer ran out (SDM Vol. 3C 26.5.1): on a CPU the
 * console shares, to bound the time between two console steps (the step
 * itself follows every exit, vcpu_host_work); or at once after an entry,
 * because an NMI asked for it (vmx_nmi_taken). Either way it goes back to
 * its normal setting; the run loop then looks at the vCPU's requests. */
static enum exit_action handle_preemption_timer(struct vcpu *v)
{
	vmx_preemption_timer_reset(v);
	return EXIT_RESUME;
}

void vmx_nmi_taken(void)
{
	struct vmx_vcpu *vv = &vmx_vcpus[arch_this_cpu()->index];

	if (vv->vmcs_ready)
		vmx_preemption_timer_expire_now();
}

/* I/O instruction, exit qualification Table 28-5: size-1 in bits 2:0,
 * direction in bit 3 (1 = IN), string in bit 4, port in 31:16. */
static enum exit_action handle_io(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	unsigned size = (unsigned)(q & 7) + 1;
	bool in = q & (1u << 3);
	u16 port = (u16)(q >> 16);
	u32 value, mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	if (q & (1u << 4))
		return fail(v, EXIT_REASON_IO_INSTRUCTION, "string I/O (INS/OUTS) is not supported");
	value = in ? 0 : (u32)v->regs.rax & mask;
	vcpu_io(v, port, size, !in, &value);
	if (in && size == 4)
		v->regs.rax = value; /* a 32-bit result zero-extends (SDM Vol. 1 3.4.1.1) */
	else if (in)
		v->regs.rax = (v->regs.rax & ~(u64)mask) | (value & mask);
	skip_instruction();
	return EXIT_RESUME;
}

static enum exit_action handle_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 value;

	enum msr_result r = vmx_msr_read(v, msr, &value);

	if (r != MSR_DONE) {
		if (r == MSR_DENIED)
			partition_event(v->part, EV_MSR, "denied rdmsr 0x%x (#GP)", msr);
		inject_gp();
		return EXIT_RESUME;
	}
	v->regs.rax = (u32)value;
	v->regs.rdx = value >> 32;
	skip_instruction();
	return EXIT_RESUME;
}

static enum exit_action handle_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 value = ((v->regs.rdx & 0xffffffffu) << 32) | (v->regs.rax & 0xffffffffu);

	enum msr_result r = vmx_msr_write(v, msr, value);

	if (r != MSR_DONE) {
		if (r == MSR_DENIED)
			partition_event(v->part, EV_MSR, "denied wrmsr 0x%x value 0x%llx (#GP)", msr,
					(unsigned long long)value);
		inject_gp();
		return EXIT_RESUME;
	}
	skip_instruction();
	return EXIT_RESUME;
}

/* MOV to CR0 with paging turning on or off while EFER.LME is set: the
 * CPU would switch IA-32e mode; emulating the write, we do it
 * (SDM Vol. 3A 10.8.5, Vol. 3C 26.3.1.1). */
static void set_cr0(u64 value)
{
	u64 old = guest_cr0();
	u64 efer = vmcs_read64(GUEST_IA32_EFER);
	u32 entry = vmcs_read32(VM_ENTRY_CONTROLS);

	if ((value ^ old) & CR0_PG && efer & EFER_LME) {
		if (value & CR0_PG) {
			efer |= EFER_LMA;
			entry |= VM_ENTRY_IA32E_MODE;
		} else {
			efer &= ~EFER_LMA;
			entry &= ~VM_ENTRY_IA32E_MODE;
		}
		vmcs_write64(GUEST_IA32_EFER, efer);
		vmcs_write32(VM_ENTRY_CONTROLS, entry);
	}
	vmcs_writel(CR0_READ_SHADOW, value);
	vmcs_writel(GUEST_CR0, vmx_cr0_real(value));
}

/* Control-register access, exit qualification Table 28-3: CR number in
 * bits 3:0, access type in 5:4 (0 MOV to CR, 1 MOV from CR, 2 CLTS,
 * 3 LMSW), register in 11:8, LMSW source data in 31:16. Only the bits we
 * own (the guest/host masks) make these exit. */
static enum exit_action handle_cr(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3, reg = (q >> 8) & 15;

	if (type == 0 && cr == 0) {
		set_cr0(read_gpr(v, reg));
	} else if (type == 0 && cr == 4) {
		u64 value = read_gpr(v, reg);

		if (value & CR4_VMXE) { /* VMX is hidden: as on a CPU without it */
			inject_gp();
			return EXIT_RESUME;
		}
		vmcs_writel(CR4_READ_SHADOW, value);
		vmcs_writel(GUEST_CR4, vmx_cr4_real(value));
	} else if (type == 0 && cr == 8) { /* CR8-load exiting (vmcs.c) */
		apic_cr8_write(v, read_gpr(v, reg));
	} else if (type == 2) { /* CLTS */
		set_cr0(guest_cr0() & ~CR0_TS);
	} else if (type == 3) { /* LMSW: only bits 3:0 of CR0, and it cannot clear PE */
		u64 cr0 = guest_cr0();
		u64 msw = (q >> 16) & 0xf;

		set_cr0((cr0 & ~0xeull) | (msw & 0xe) | ((cr0 | msw) & 1));
	} else if (type == 1) {
		write_gpr(v, reg, cr == 0 ? guest_cr0() : cr == 4 ? guest_cr4() : 0);
	} else {
		return fail(v, EXIT_REASON_CR_ACCESS, "unexpected control register access");
	}
	skip_instruction();
	return EXIT_RESUME;
}

/* XSETBV always exits (25.1.2). The guest's XCR0 becomes the real one on
 * its own CPU; only values the CPU supports are accepted, else #GP as the
 * instruction itself would raise (SDM Vol. 2C XSETBV). */
static enum exit_action handle_xsetbv(struct vcpu *v)
{
	u32 index = (u32)v->regs.rcx;
	u64 value = ((v->regs.rdx & 0xffffffffu) << 32) | (v->regs.rax & 0xffffffffu);
	struct cpuid_regs xs = cpuid(0xd, 0);
	u64 supported = ((u64)xs.edx << 32) | xs.eax;

	if (index != 0 || !(value & 1) || (value & ~supported) ||
	    ((value & 4) && !(value & 2))) { /* AVX needs SSE state */
		inject_gp();
		return EXIT_RESUME;
	}
	__asm__ volatile("xsetbv" : : "c"(index), "a"((u32)value), "d"((u32)(value >> 32)));
	skip_instruction();
	return EXIT_RESUME;
}

static enum exit_action handle_vmcall(struct vcpu *v)
{
	s64 r;

	if (!guest_cpl0()) { /* hypercalls are for the guest kernel only */
		inject_ud();
		return EXIT_RESUME;
	}
	if (vmcs_read32(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE)
		r = vcpu_hypercall(v, v->regs.rax, v->regs.rbx, v->regs.rcx, v->regs.rdx);
	else /* outside 64-bit mode a guest only has the low halves */
		r = vcpu_hypercall(v, (u32)v->regs.rax, (u32)v->regs.rbx, (u32)v->regs.rcx,
				   (u32)v->regs.rdx);
	v->regs.rax = (u64)r;
	skip_instruction();
	return EXIT_RESUME;
}

/* VMX instructions, MONITOR/MWAIT: not offered to guests; #UD as on a CPU
 * without them (their CPUID bits are clear). */
static enum exit_action handle_undefined(struct vcpu *v)
{
	(void)v;
	inject_ud();
	return EXIT_RESUME;
}

/* ------------------------------------------------ EPT violations */

static void ept_flush(struct vcpu *v)
{
	if (invept_single(ept_pointer(&vmx_partitions[v->part->id].ept)) != VMX_OK)
		vmx_fatal("INVEPT");
}

/*
 * Single-stepping one guest instruction with the trap flag: set
 * RFLAGS.TF and make #DB exit (exception bitmap, 25.6.3); the debug trap
 * after the instruction brings us back (SDM Vol. 3B 18.3.1.4). The monitor
 * trap flag (25.6.2) would be neater, but not every VMX implementation
 * has it (Bochs' Skylake model does not), and TF works on all of them.
 * If blocking by STI/MOV SS is in effect, VM entry requires the pending
 * single-step to be recorded in the BS bit (26.3.1.5).
 */
#define RFLAGS_TF (1ull << 8)
#define PENDING_DBG_BS (1ull << 14)

static void single_step(struct vmx_vcpu *vv, bool on)
{
	u64 rflags = vmcs_readl(GUEST_RFLAGS);
	u32 bitmap = vmcs_read32(EXCEPTION_BITMAP);

	if (on) {
		vv->guest_tf = rflags & RFLAGS_TF;
		vmcs_writel(GUEST_RFLAGS, rflags | RFLAGS_TF);
		vmcs_write32(EXCEPTION_BITMAP, bitmap | (1u << EXC_DB));
		if (vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & BLOCKING_STI_MOVSS)
			vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS,
				    vmcs_readl(GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
	} else {
		vmcs_writel(GUEST_RFLAGS, (rflags & ~RFLAGS_TF) | vv->guest_tf);
		vmcs_write32(EXCEPTION_BITMAP, bitmap & ~(1u << EXC_DB));
	}
}

/*
 * violations = report: let the instruction run once against a scratch
 * page filled with ones mapped at the faulting address, single-stepped;
 * then unmap it again. Reads see all ones, writes land in the scratch
 * page and are discarded. No instruction decoder needed.
 */
static enum exit_action step_over_violation(struct vcpu *v, gpa_t gpa)
{
	struct vmx_partition *vp = &vmx_partitions[v->part->id];
	struct vmx_vcpu *vv = &vmx_vcpus[v->pcpu];
	gpa_t page = ALIGN_DOWN(gpa, PAGE_SIZE);

	hpa_t hpa;
	u64 flags, leaf;
	bool ok;

	if (vv->ntemp == MAX_TEMP_MAPS)
		return fail(v, EXIT_REASON_EPT_VIOLATION,
			    "one instruction touched too many unmapped pages");
	/* Another vCPU of the partition may be stepping over the same page:
	 * the EPT is the partition's, so changes to it take its lock. */
	spin_lock(&vp->ept_lock);
	ok = ept_translate(&vp->ept, page, &hpa, &flags, &leaf) ||
	     ept_map(&vp->ept, page, vp->scratch, PAGE_SIZE, EPT_READ | EPT_WRITE | EPT_MT_WB);
	spin_unlock(&vp->ept_lock);
	if (!ok)
		return fail(v, EXIT_REASON_EPT_VIOLATION, "no memory to step over a violation");
	if (vv->ntemp++ == 0)
		single_step(vv, true);
	vv->temp[vv->ntemp - 1] = page;
	ept_flush(v);
	return EXIT_RESUME;
}

/* Take the scratch mappings of a stepped instruction away. */
static void drop_temp_maps(struct vcpu *v)
{
	struct vmx_partition *vp = &vmx_partitions[v->part->id];
	struct vmx_vcpu *vv = &vmx_vcpus[v->pcpu];

	spin_lock(&vp->ept_lock);
	for (unsigned i = 0; i < vv->ntemp; i++)
		ept_unmap(&vp->ept, vv->temp[i], PAGE_SIZE);
	memset(hpa_to_ptr(vp->scratch), 0xff, PAGE_SIZE);
	spin_unlock(&vp->ept_lock);
	vv->ntemp = 0;
	ept_flush(v);
}

/* The stepped instruction is done. */
static void step_done(struct vcpu *v)
{
	drop_temp_maps(v);
	single_step(&vmx_vcpus[v->pcpu], false);
}

/* Exception or NMI exits (Table 28-1 and 25.9.2 exit interruption info).
 * An NMI is another CPU's preemption request (arch_cpu_preempt): end the
 * NMI blocking it may have left, here and in the guest's saved state
 * (Bochs 2.7 records it there; a guest that gets no NMIs never has it),
 * so the next one exits too; the run loop then looks at the requests.
 * The only exception intercepted is the #DB of a single step. */
static enum exit_action handle_exception(struct vcpu *v)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);
	struct vmx_vcpu *vv = &vmx_vcpus[v->pcpu];

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		nmi_unblock();
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~BLOCKING_NMI);
		return EXIT_RESUME;
	}
	if ((info & 0xff) == EXC_DB && vv->ntemp) {
		step_done(v);
		return EXIT_RESUME;
	}
	return fail(v, EXIT_REASON_EXCEPTION_NMI, "unexpected exception exit");
}

/* ------------------------------------------------ emulated MMIO */

static bool read_guest_phys(void *ctx, u64 gpa, void *out, unsigned size)
{
	const void *src = partition_guest_ptr(ctx, gpa, size);

	if (!src)
		return false;
	memcpy(out, src, size);
	return true;
}

/* The default operand and address size of the code (SDM Vol. 1 3.6):
 * 64 in 64-bit mode (IA32_EFER.LMA and CS.L, access rights bit 13), else
 * 32 with CS.D (bit 14), else 16 (real mode, 16-bit segments). */
static unsigned code_bits(void)
{
	u32 ar = vmcs_read32(GUEST_CS_AR_BYTES);

	if ((vmcs_read64(GUEST_IA32_EFER) & EFER_LMA) && (ar & (1u << 13)))
		return 64;
	return (ar & (1u << 14)) ? 32 : 16;
}

static bool device_access(void *ctx, u64 gpa, unsigned size, bool write, u64 *value)
{
	struct vcpu *v = ctx;

	return apic_mmio_access(v, gpa, size, write, value) ||
	       platform_mmio(v, gpa, size, write, value);
}

/* The guest's registers in ModRM order, rSP from the VMCS; written back
 * only where the instruction changed them (an MMIO exit is frequent: an
 * xAPIC guest has one per EOI). */
static void regs_to_cpu(struct vcpu *v, struct mmio_cpu *c)
{
	for (unsigned i = 0; i < 16; i++)
		c->gpr[i] = read_gpr(v, i);
	c->rflags = vmcs_readl(GUEST_RFLAGS);
}

static void cpu_to_regs(struct vcpu *v, const struct mmio_cpu *old, const struct mmio_cpu *c)
{
	for (unsigned i = 0; i < 16; i++)
		if (c->gpr[i] != old->gpr[i])
			write_gpr(v, i, c->gpr[i]);
	if (c->rflags != old->rflags)
		vmcs_writel(GUEST_RFLAGS, c->rflags);
}

/*
 * An access to an emulated device's page (the guest's xAPIC page, the I/O
 * APIC, what the bus holds): EPT leaves those pages unmapped, so the
 * access exits here. The exit gives the address, not the instruction
 * (an EPT violation reports no instruction length, SDM Vol. 3C 28.2.5):
 * fetch it at CS.base + RIP through the guest's page tables, decode it
 * (arch/insn_decode.h), carry it out against the device (arch/mmio_emul.h),
 * and step past it. What cannot be decoded or carried out fails the
 * partition with the instruction's bytes: better than a guess.
 */
static enum exit_action emulate_mmio(struct vcpu *v, gpa_t gpa)
{
	struct guest_mmu m = { guest_cr0(), vmcs_readl(GUEST_CR3), guest_cr4(),
			       vmcs_read64(GUEST_IA32_EFER) };
	unsigned bits = code_bits();
	u64 rip = vmcs_readl(GUEST_RIP);
	u64 linear = vmcs_readl(GUEST_CS_BASE) + rip;
	u8 bytes[INSN_MAX_LEN];
	struct insn in;
	struct mmio_cpu c, before;
	const char *why = "its bytes could not be read";
	size_t n;

	if (bits != 64)
		linear &= 0xffffffffu;
	n = guest_read_linear(&m, linear, bytes, sizeof(bytes), read_guest_phys, v->part);
	if (n && insn_decode(bytes, n, bits, &in, &why)) {
		regs_to_cpu(v, &c);
		before = c;
		if (mmio_emulate(&in, &c, gpa, device_access, v, &why)) {
			cpu_to_regs(v, &before, &c);
			vmcs_writel(GUEST_RIP, rip + in.len);
			/* As skip_instruction(): the shadow ends with it (25.4.2). */
			vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
				     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~BLOCKING_STI_MOVSS);
			return EXIT_RESUME;
		}
	}
	dump_guest(v, EXIT_REASON_EPT_VIOLATION);
	partition_fail(v->part,
		       "cannot emulate the access to device memory at guest-physical 0x%llx by the "
		       "instruction at rip 0x%llx (%02x %02x %02x %02x ...): %s",
		       (unsigned long long)gpa, (unsigned long long)rip, n > 0 ? bytes[0] : 0,
		       n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0, n > 3 ? bytes[3] : 0, why);
	return EXIT_STOP;
}

/* EPT violation, exit qualification Table 28-7: bit 0 read, 1 write,
 * 2 instruction fetch; the address is GUEST_PHYSICAL_ADDRESS. */
static enum exit_action handle_ept_violation(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	gpa_t gpa = vmcs_read64(GUEST_PHYSICAL_ADDRESS);
	u64 rip = vmcs_readl(GUEST_RIP);
	const char *access = (q & 4) ? "instruction fetch" : (q & 2) ? "write" : "read";

	if (!(q & 4) && (apic_mmio_hit(v, gpa) || devbus_find(&v->part->bus, BUS_MMIO, gpa, 1)))
		return emulate_mmio(v, gpa);
	if (v->part->cfg->violations == VIOLATION_REPORT && !(q & 4)) {
		partition_event(v->part, EV_MEMORY,
				"memory violation: %s at guest-physical 0x%llx, rip 0x%llx", access,
				(unsigned long long)gpa, (unsigned long long)rip);
		return step_over_violation(v, gpa);
	}
	dump_guest(v, EXIT_REASON_EPT_VIOLATION);
	partition_fail(v->part, "memory violation: %s at guest-physical 0x%llx, rip 0x%llx",
		       access, (unsigned long long)gpa, (unsigned long long)rip);
	return EXIT_STOP;
}

static enum exit_action handle_ept_misconfig(struct vcpu *v)
{
	/* Our own EPT is malformed: a hypervisor bug, not the guest's. */
	dump_guest(v, EXIT_REASON_EPT_MISCONFIG);
	partition_fail(v->part, "hypervisor bug: EPT misconfiguration at guest-physical 0x%llx",
		       (unsigned long long)vmcs_read64(GUEST_PHYSICAL_ADDRESS));
	return EXIT_STOP;
}

/* --------------------------------------------------------- dispatch */

static const exit_handler_fn exit_handlers[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = handle_exception,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = handle_external_interrupt,
	[EXIT_REASON_INTERRUPT_WINDOW] = handle_interrupt_window,
	[EXIT_REASON_TRIPLE_FAULT] = handle_triple_fault,
	[EXIT_REASON_INIT_SIGNAL] = handle_init,
	[EXIT_REASON_CPUID] = handle_cpuid,
	[EXIT_REASON_HLT] = handle_hlt,
	[EXIT_REASON_VMCALL] = handle_vmcall,
	[EXIT_REASON_VMCLEAR] = handle_undefined,
	[EXIT_REASON_VMLAUNCH] = handle_undefined,
	[EXIT_REASON_VMPTRLD] = handle_undefined,
	[EXIT_REASON_VMPTRST] = handle_undefined,
	[EXIT_REASON_VMREAD] = handle_undefined,
	[EXIT_REASON_VMRESUME] = handle_undefined,
	[EXIT_REASON_VMWRITE] = handle_undefined,
	[EXIT_REASON_VMOFF] = handle_undefined,
	[EXIT_REASON_VMON] = handle_undefined,
	[EXIT_REASON_INVEPT] = handle_undefined,
	[EXIT_REASON_INVVPID] = handle_undefined,
	[EXIT_REASON_VMFUNC] = handle_undefined,
	[EXIT_REASON_MWAIT_INSTRUCTION] = handle_undefined,
	[EXIT_REASON_MONITOR_INSTRUCTION] = handle_undefined,
	[EXIT_REASON_CR_ACCESS] = handle_cr,
	[EXIT_REASON_IO_INSTRUCTION] = handle_io,
	[EXIT_REASON_MSR_READ] = handle_rdmsr,
	[EXIT_REASON_MSR_WRITE] = handle_wrmsr,
	[EXIT_REASON_EPT_VIOLATION] = handle_ept_violation,
	[EXIT_REASON_EPT_MISCONFIG] = handle_ept_misconfig,
	[EXIT_REASON_XSETBV] = handle_xsetbv,
	[EXIT_REASON_PREEMPTION_TIMER] = handle_preemption_timer,
};

/* VM-instruction error numbers, SDM Vol. 3C 31.4, Table 31-1 (the ones a
 * VMLAUNCH/VMRESUME can produce). */
static const char *entry_error_name(u64 e)
{
	switch (e) {
	case 4:
		return "VMLAUNCH with non-clear VMCS";
	case 5:
		return "VMRESUME with non-launched VMCS";
	case 7:
		return "invalid control field(s)";
	case 8:
		return "invalid host-state field(s)";
	case 26:
		return "events blocked by MOV SS";
	}
	return "see SDM Vol. 3C Table 31-1";
}

static void entry_failed(struct vcpu *v, int how)
{
	u64 err = how == VMX_FAIL_VALID ? vmcs_read32(VM_INSTRUCTION_ERROR) : 0;

	dump_guest(v, 0);
	partition_fail(v->part, "VM entry failed: %s (VM-instruction error %llu: %s)",
		       how == VMX_FAIL_VALID ? "VMfailValid" : "VMfailInvalid",
		       (unsigned long long)err, entry_error_name(err));
}

/* A VM exit that happened during VM entry (27.8): the guest state failed
 * the checks of 27.3.1. The qualification says which class (Table 28-1
 * footnotes: 2 = loading PDPTEs, 3 = NMI injection, 4 = VMCS link). */
static void entry_failed_guest_state(struct vcpu *v, u32 basic)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);

	dump_guest(v, basic);
	partition_fail(v->part, "VM entry failed: %s (qualification %llu%s)",
		       arch_exit_reason_name(basic), (unsigned long long)q,
		       q == 2 ? ": PDPTE load" : q == 4 ? ": VMCS link pointer" : "");
}

void arch_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s)
{
	u32 cs_ar = vmcs_read32(GUEST_CS_AR_BYTES);

	(void)v;
	s->rip = vmcs_readl(GUEST_RIP);
	s->rsp = vmcs_readl(GUEST_RSP);
	s->rflags = vmcs_readl(GUEST_RFLAGS);
	s->cr0 = guest_cr0();
	s->cr3 = vmcs_readl(GUEST_CR3);
	s->cr4 = guest_cr4();
	s->efer = vmcs_read64(GUEST_IA32_EFER);
	s->cs = vmcs_read16(GUEST_CS_SELECTOR);
	s->ss = vmcs_read16(GUEST_SS_SELECTOR);
	/* CS.L (bit 13) and CS.D/B (bit 14) of the access rights give the
	 * code size (25.4.1); real mode has neither. */
	s->mode_bits = (cs_ar & (1u << 13)) ? 64 : (cs_ar & (1u << 14)) ? 32 : 16;
}

/* Before each entry: raise the partition's timer interrupts that are due
 * (vCPU 0, tessera/timers.h) and make the guest exit by the next one. */
static void arm_device_timer(struct vcpu *v, struct vmx_vcpu *vv)
{
	u64 next = vcpu_timer_deadline(v);

	if (next) {
		vmx_preemption_timer_arm(v, next, arch_time_ns());
		vv->timer_armed = true;
	} else if (vv->timer_armed) {
		vmx_preemption_timer_reset(v);
		vv->timer_armed = false;
	}
}

void arch_vcpu_run(struct vcpu *v)
{
	struct vmx_vcpu *vv = &vmx_vcpus[v->pcpu];

	vmcs_setup(v);
	vv->vmcs_ready = true;
	apic_vcpu_start(v);
	vmx_apic_mode_changed(v);
	irq_queue_clear(&v->irqs);
	vv->window_exiting = false; /* vmcs_setup() left the control clear */
	vv->timer_armed = false;    /* and the preemption timer at its normal setting */
	vv->guest_mtrr_def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	while (!vcpu_check_requests(v)) {
		u32 reason, basic;
		exit_handler_fn h;
		int r;

		arm_device_timer(v, vv);
		irq_inject_pending(v, vv);
		r = vmx_enter(&v->regs, vv->launched);

		if (r) {
			entry_failed(v, r);
			break;
		}
		vv->launched = true;
		reason = vmcs_read32(VM_EXIT_REASON);
		basic = EXIT_REASON_BASIC(reason);
		v->exits++;
		if (basic < VCPU_EXIT_REASONS)
			v->exit_count[basic]++;
		if (v->part->trace_left > 0) /* console `trace`: off the hot path otherwise */
			vcpu_trace_exit(v, basic, vmcs_readl(GUEST_RIP),
					vmcs_readl(EXIT_QUALIFICATION));
		if (reason & EXIT_REASON_FAILED_ENTRY) {
			entry_failed_guest_state(v, basic);
			break;
		}
		reinject_interrupted_event();
		h = basic < EXIT_REASON_MAX ? exit_handlers[basic] : NULL;
		if (!h) {
			fail(v, basic, "unhandled VM exit");
			break;
		}
		if (h(v) == EXIT_STOP)
			break;
		vcpu_host_work(v);
	}
	/* A run that ends while an instruction is being stepped over a
	 * violation leaves no scratch page mapped for the next. */
	if (vv->ntemp)
		drop_temp_maps(v);
	vv->vmcs_ready = false;
}
