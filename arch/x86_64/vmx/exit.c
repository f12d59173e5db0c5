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
 * Handlers only translate Intel's exit information into the shared
 * handlers of arch/guest.h (CPUID, MSRs, I/O, hypercalls, HLT, memory),
 * where the policy is, and carry out what they answer; each exit is
 * counted by its neutral kind (tessera/exit_kind.h).
 */
#include <tessera/arch.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/platform.h>
#include <tessera/spinlock.h>
#include <tessera/string.h>
#include <tessera/timers.h>
#include <arch/apic_access.h>
#include <arch/cpu.h>
#include <arch/guest.h>
#include <arch/lapic.h>
#include <arch/msr.h>
#include <arch/vmcs.h>
#include <arch/vmx.h>
#include <arch/vmx_exit.h>
#include <arch/virt.h>
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

const char *vmx_reason_name(unsigned reason)
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

/* General register n as numbered in exit qualifications (Table 28-3):
 * RSP (4) lives in the VMCS, the rest in v->regs (guest_gpr). */
static u64 read_gpr(struct vcpu *v, unsigned n)
{
	u64 *r = guest_gpr(v, n);

	return r ? *r : vmcs_readl(GUEST_RSP);
}

static void write_gpr(struct vcpu *v, unsigned n, u64 value)
{
	u64 *r = guest_gpr(v, n);

	if (r)
		*r = value;
	else
		vmcs_writel(GUEST_RSP, value);
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

static u64 vmx_guest_cr4(struct vcpu *v)
{
	(void)v;
	return guest_cr4();
}

static enum exit_action fail(struct vcpu *v, u32 reason, const char *what)
{
	guest_fail(v, reason, what);
	return EXIT_STOP;
}

/* The guest's state the shared handlers read (arch/guest.h). */
static unsigned code_bits(void);

static void read_state(struct guest_state *g, u32 reason)
{
	g->reason = reason;
	g->qualification = vmcs_readl(EXIT_QUALIFICATION);
	g->rip = vmcs_readl(GUEST_RIP);
	g->rsp = vmcs_readl(GUEST_RSP);
	g->rflags = vmcs_readl(GUEST_RFLAGS);
	g->cr0 = guest_cr0();
	g->cr3 = vmcs_readl(GUEST_CR3);
	g->cr4 = guest_cr4();
	g->efer = vmcs_read64(GUEST_IA32_EFER);
	g->cs_base = vmcs_readl(GUEST_CS_BASE);
	g->cpl = (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3; /* SS.DPL is the CPL (25.4.1) */
	g->code_bits = code_bits();
}

/* Carry out a shared handler's answer. */
static enum exit_action apply(enum guest_action a)
{
	switch (a) {
	case GUEST_NEXT:
		skip_instruction();
		break;
	case GUEST_RESUME:
		break;
	case GUEST_STOP:
		return EXIT_STOP;
	case GUEST_GP:
		inject_gp();
		break;
	case GUEST_UD:
		inject_ud();
		break;
	}
	return EXIT_RESUME;
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
	    !(vmcs_read32(VM_ENTRY_INTR_INFO_FIELD) & INTR_INFO_VALID) && !guest_stepping(v) &&
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

/* CPUID (always exits, 25.1.2): the shared policy. Only CR4 is read: the
 * CPUID exit is the one a benchmark measures. */
static enum exit_action handle_cpuid(struct vcpu *v)
{
	return apply(guest_cpuid(v));
}

/* HLT (always exits, 25.6.2): step past it, then the shared wait. */
static enum exit_action handle_hlt(struct vcpu *v)
{
	u64 rflags = vmcs_readl(GUEST_RFLAGS);

	skip_instruction();
	return apply(guest_hlt(v, rflags));
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

/* An NMI reached this CPU in the hypervisor (idt.c nmi_dispatch): if a
 * vCPU's VMCS is current here, its next VM entry exits at once. */
static void vmx_nmi_taken(void)
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

	return apply(guest_io(v, (u16)(q >> 16), (unsigned)(q & 7) + 1, q & (1u << 3),
			      q & (1u << 4), EXIT_REASON_IO_INSTRUCTION));
}

/* RDMSR / WRMSR of an MSR the bitmap does not pass (25.1.3). */
static enum exit_action handle_rdmsr(struct vcpu *v)
{
	return apply(guest_rdmsr(v));
}

static enum exit_action handle_wrmsr(struct vcpu *v)
{
	return apply(guest_wrmsr(v));
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

		if (!guest_cr4_valid(value)) { /* VMX is hidden: as on a CPU without it */
			partition_event(v->part, EV_UNSUPPORTED,
					"denied mov to cr4 value 0x%llx (#GP)",
					(unsigned long long)value);
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

/* XSETBV always exits (25.1.2). */
static enum exit_action handle_xsetbv(struct vcpu *v)
{
	return apply(guest_xsetbv(v));
}

/* VMCALL (always exits, 25.1.2): a hypercall. */
static enum exit_action handle_vmcall(struct vcpu *v)
{
	bool long64 = (vmcs_read32(VM_ENTRY_CONTROLS) & VM_ENTRY_IA32E_MODE) &&
		      (vmcs_read32(GUEST_CS_AR_BYTES) & (1u << 13));

	return apply(guest_hypercall(v, (vmcs_read32(GUEST_SS_AR_BYTES) >> 5) & 3,
				     long64 ? 64 : 32));
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

void vmx_flush_gmap(struct vcpu *v)
{
	if (invept_single(vmx_ept_pointer(v->part)) != VMX_OK)
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

void vmx_single_step(struct vcpu *v, bool on)
{
	struct vmx_vcpu *vv = &vmx_vcpus[v->pcpu];
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

/* Exception or NMI exits (Table 28-1 and 25.9.2 exit interruption info).
 * An NMI is another CPU's preemption request (arch_cpu_preempt): end the
 * NMI blocking it may have left, here and in the guest's saved state
 * (Bochs 2.7 records it there; a guest that gets no NMIs never has it),
 * so the next one exits too; the run loop then looks at the requests.
 * The only exception intercepted is the #DB of a single step. */
static enum exit_action handle_exception(struct vcpu *v)
{
	u32 info = vmcs_read32(VM_EXIT_INTR_INFO);

	if ((info & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI) {
		nmi_unblock();
		vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
			     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~BLOCKING_NMI);
		return EXIT_RESUME;
	}
	if ((info & 0xff) == EXC_DB && guest_step_done(v))
		return EXIT_RESUME;
	return fail(v, EXIT_REASON_EXCEPTION_NMI, "unexpected exception exit");
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

/* EPT violation, exit qualification Table 28-7: bit 0 read, 1 write,
 * 2 instruction fetch; the address is GUEST_PHYSICAL_ADDRESS. The
 * instruction is not reported (28.2.5): the shared handler fetches it. */
static enum exit_action handle_ept_violation(struct vcpu *v)
{
	u64 q = vmcs_readl(EXIT_QUALIFICATION);
	struct guest_state g;
	unsigned len = 0;
	enum guest_action a;
	u64 rsp, rflags;

	read_state(&g, EXIT_REASON_EPT_VIOLATION);
	rsp = g.rsp;
	rflags = g.rflags;
	a = guest_memory(v, vmcs_read64(GUEST_PHYSICAL_ADDRESS), q & 2, q & 4, &g, NULL, 0, &rsp,
			 &rflags, &len);
	if (a != GUEST_NEXT)
		return apply(a);
	if (rsp != g.rsp)
		vmcs_writel(GUEST_RSP, rsp);
	if (rflags != g.rflags)
		vmcs_writel(GUEST_RFLAGS, rflags);
	vmcs_writel(GUEST_RIP, g.rip + len);
	/* As skip_instruction(): the shadow ends with it (25.4.2). */
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO,
		     vmcs_read32(GUEST_INTERRUPTIBILITY_INFO) & ~BLOCKING_STI_MOVSS);
	return EXIT_RESUME;
}

static enum exit_action handle_ept_misconfig(struct vcpu *v)
{
	/* Our own EPT is malformed: a hypervisor bug, not the guest's. */
	guest_dump(v, EXIT_REASON_EPT_MISCONFIG, vmcs_readl(EXIT_QUALIFICATION));
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

	guest_dump(v, 0, 0);
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

	guest_dump(v, basic, q);
	partition_fail(v->part, "VM entry failed: %s (qualification %llu%s)",
		       arch_exit_reason_name(basic), (unsigned long long)q,
		       q == 2 ? ": PDPTE load" : q == 4 ? ": VMCS link pointer" : "");
}

void vmx_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s)
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

/* Basic exit reason -> neutral kind, for the statistics. */
static const u8 exit_kinds[EXIT_REASON_MAX] = {
	[EXIT_REASON_EXCEPTION_NMI] = EXIT_KIND_EXCEPTION,
	[EXIT_REASON_EXTERNAL_INTERRUPT] = EXIT_KIND_INTERRUPT,
	[EXIT_REASON_TRIPLE_FAULT] = EXIT_KIND_TRIPLE_FAULT,
	[EXIT_REASON_INIT_SIGNAL] = EXIT_KIND_INIT,
	[EXIT_REASON_INTERRUPT_WINDOW] = EXIT_KIND_IRQ_WINDOW,
	[EXIT_REASON_CPUID] = EXIT_KIND_CPUID,
	[EXIT_REASON_HLT] = EXIT_KIND_HLT,
	[EXIT_REASON_VMCALL] = EXIT_KIND_HYPERCALL,
	[EXIT_REASON_VMCLEAR] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMLAUNCH] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMPTRLD] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMPTRST] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMREAD] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMRESUME] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMWRITE] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMOFF] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMON] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_INVEPT] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_INVVPID] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_VMFUNC] = EXIT_KIND_VIRT_INSN,
	[EXIT_REASON_CR_ACCESS] = EXIT_KIND_CR,
	[EXIT_REASON_IO_INSTRUCTION] = EXIT_KIND_IO,
	[EXIT_REASON_MSR_READ] = EXIT_KIND_RDMSR,
	[EXIT_REASON_MSR_WRITE] = EXIT_KIND_WRMSR,
	[EXIT_REASON_INVALID_STATE] = EXIT_KIND_ENTRY_FAILED,
	[EXIT_REASON_MSR_LOAD_FAIL] = EXIT_KIND_ENTRY_FAILED,
	[EXIT_REASON_MCE_DURING_VMENTRY] = EXIT_KIND_ENTRY_FAILED,
	[EXIT_REASON_EPT_VIOLATION] = EXIT_KIND_MEMORY,
	[EXIT_REASON_EPT_MISCONFIG] = EXIT_KIND_MEMORY,
	[EXIT_REASON_XSETBV] = EXIT_KIND_XSETBV,
	[EXIT_REASON_PREEMPTION_TIMER] = EXIT_KIND_TIMER,
};

void vmx_vcpu_run(struct vcpu *v)
{
	struct vmx_vcpu *vv = &vmx_vcpus[v->pcpu];

	vmcs_setup(v);
	vv->vmcs_ready = true;
	guest_run_start(v);
	vv->window_exiting = false; /* vmcs_setup() left the control clear */
	vv->timer_armed = false;    /* and the preemption timer at its normal setting */
	while (!vcpu_check_requests(v)) {
		u32 reason, basic;
		enum exit_kind kind;
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
		kind = basic < EXIT_REASON_MAX ? exit_kinds[basic] : EXIT_KIND_OTHER;
		if (basic == EXIT_REASON_EXCEPTION_NMI &&
		    (vmcs_read32(VM_EXIT_INTR_INFO) & INTR_INFO_INTR_TYPE_MASK) == INTR_TYPE_NMI)
			kind = EXIT_KIND_NMI;
		v->exits++;
		v->exit_count[kind]++;
		if (v->part->trace_left > 0) /* console `trace`: off the hot path otherwise */
			vcpu_trace_exit(v, kind, basic, vmcs_readl(GUEST_RIP),
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
	guest_run_end(v);
	vv->vmcs_ready = false;
}

const struct virt_backend vmx_backend = {
	.name = "vmx",
	.gmap_format = &gmap_ept,
	.deadline_exits = true, /* the VMX-preemption timer (vmcs.c) */
	.supported = vmx_supported,
	.enable = vmx_enable,
	.describe = vmx_describe,
	.partition_create = vmx_partition_create,
	.vcpu_run = vmx_vcpu_run,
	.vcpu_snapshot = vmx_vcpu_snapshot,
	.reason_name = vmx_reason_name,
	.nmi_taken = vmx_nmi_taken,
	.flush_gmap = vmx_flush_gmap,
	.single_step = vmx_single_step,
	.apic_mode_changed = vmx_apic_mode_changed,
	.guest_cr4 = vmx_guest_cr4,
};
