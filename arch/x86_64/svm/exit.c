/*
 * The SVM run loop and its exit handlers (AMD APM Vol. 2, 15.5-15.13,
 * 15.20, 15.21, 15.25).
 *
 * svm_vcpu_run() enters the guest with VMRUN and turns every #VMEXIT's
 * EXITCODE (arch/svm_exit.h) into a call of the shared handlers of
 * arch/guest.h, where the policy is; this file only reads the VMCB and
 * writes back what they answer. An exit code without a handler fails the
 * partition with a full report: an exit is never silently ignored.
 *
 * Where SVM differs from VMX, and so this file from vmx/exit.c:
 *  - GIF (15.17): the loop clears it (CLGI) before its last look at the
 *    vCPU's requests, so an NMI or a kick sent after that look is held
 *    until VMRUN and then makes the guest exit at once. No timer needed
 *    (VMX arms its preemption timer at 0 for this).
 *  - A physical interrupt exits without being acknowledged (15.21.2): it
 *    stays pending in the local APIC, and the hypervisor takes it through
 *    its own IDT in a short interrupt window after the exit (idt.c).
 *  - No instruction length on most exits: the next RIP where the CPU
 *    saves it (NRIPS, 15.7.1), else the instruction's length, its
 *    prefixes counted from its bytes (QEMU's TCG has no NRIPS).
 *  - Interrupt windows by a virtual interrupt (V_IRQ) and its intercept
 *    (VINTR, 15.21.4) instead of interrupt-window exiting.
 */
#include <tessera/arch.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/string.h>
#include <tessera/timers.h>
#include <arch/apic_access.h>
#include <arch/cpu.h>
#include <arch/guest.h>
#include <arch/insn_decode.h>
#include <arch/lapic.h>
#include <arch/msr.h>
#include <arch/svm_exit.h>
#include <arch/vmcb.h>
#include <arch/virt.h>
#include <arch/x86.h>
#include "svm_internal.h"

enum exit_action { EXIT_RESUME, EXIT_STOP };

#define RFLAGS_IF (1ull << 9)
#define RFLAGS_TF (1ull << 8)
#define ATTR_L (1u << 9)  /* CS.L in the VMCB's attribute format */
#define ATTR_DB (1u << 10) /* CS.D/B */

static inline void clgi(void)
{
	__asm__ volatile("clgi" ::: "memory");
}

static inline void stgi(void)
{
	__asm__ volatile("stgi" ::: "memory");
}

const char *svm_reason_name(unsigned code)
{
	switch (code) {
	case SVM_EXIT_INTR: return "INTR";
	case SVM_EXIT_NMI: return "NMI";
	case SVM_EXIT_SMI: return "SMI";
	case SVM_EXIT_INIT: return "INIT";
	case SVM_EXIT_VINTR: return "VINTR";
	case SVM_EXIT_CPUID: return "CPUID";
	case SVM_EXIT_INVD: return "INVD";
	case SVM_EXIT_HLT: return "HLT";
	case SVM_EXIT_IOIO: return "IOIO";
	case SVM_EXIT_MSR: return "MSR";
	case SVM_EXIT_TASK_SWITCH: return "task switch";
	case SVM_EXIT_SHUTDOWN: return "shutdown";
	case SVM_EXIT_VMRUN: return "VMRUN";
	case SVM_EXIT_VMMCALL: return "VMMCALL";
	case SVM_EXIT_VMLOAD: return "VMLOAD";
	case SVM_EXIT_VMSAVE: return "VMSAVE";
	case SVM_EXIT_STGI: return "STGI";
	case SVM_EXIT_CLGI: return "CLGI";
	case SVM_EXIT_SKINIT: return "SKINIT";
	case SVM_EXIT_MONITOR: return "MONITOR";
	case SVM_EXIT_MWAIT: return "MWAIT";
	case SVM_EXIT_MWAIT_ARMED: return "MWAIT (armed)";
	case SVM_EXIT_XSETBV: return "XSETBV";
	case SVM_EXIT_NPF: return "nested page fault";
	case SVM_EXIT_INVALID: return "VMEXIT_INVALID";
	}
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
		return "exception";
	if (code < SVM_EXIT_CR0_WRITE + 16)
		return code < SVM_EXIT_CR0_WRITE ? "CR read" : "CR write";
	return "unknown";
}

static enum exit_kind kind_of(unsigned code)
{
	switch (code) {
	case SVM_EXIT_INTR: return EXIT_KIND_INTERRUPT;
	case SVM_EXIT_NMI: return EXIT_KIND_NMI;
	case SVM_EXIT_INIT: return EXIT_KIND_INIT;
	case SVM_EXIT_VINTR: return EXIT_KIND_IRQ_WINDOW;
	case SVM_EXIT_CPUID: return EXIT_KIND_CPUID;
	case SVM_EXIT_HLT: return EXIT_KIND_HLT;
	case SVM_EXIT_IOIO: return EXIT_KIND_IO;
	case SVM_EXIT_SHUTDOWN: return EXIT_KIND_TRIPLE_FAULT;
	case SVM_EXIT_VMMCALL: return EXIT_KIND_HYPERCALL;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT:
		return EXIT_KIND_VIRT_INSN;
	case SVM_EXIT_XSETBV: return EXIT_KIND_XSETBV;
	case SVM_EXIT_NPF: return EXIT_KIND_MEMORY;
	case SVM_EXIT_INVALID: return EXIT_KIND_ENTRY_FAILED;
	}
	if (code < SVM_EXIT_CR0_WRITE + 16)
		return EXIT_KIND_CR;
	if (code >= SVM_EXIT_EXCP_BASE && code < SVM_EXIT_EXCP_BASE + 32)
		return EXIT_KIND_EXCEPTION;
	return EXIT_KIND_OTHER;
}

/* ---------------------------------------------------------------- state */

/* The default operand size of the code (SDM Vol. 1 3.6): 64 in 64-bit
 * mode (EFER.LMA and CS.L), else 32 with CS.D, else 16. */
static unsigned code_bits(const struct vmcb_save *s)
{
	if ((s->efer & EFER_LMA) && (s->cs.attrib & ATTR_L))
		return 64;
	return (s->cs.attrib & ATTR_DB) ? 32 : 16;
}

static void read_state(const struct vmcb *vm, struct guest_state *g)
{
	const struct vmcb_save *s = &vm->save;

	g->reason = (u32)vm->control.exit_code;
	g->qualification = vm->control.exit_info1;
	g->rip = s->rip;
	g->rsp = s->rsp;
	g->rflags = s->rflags;
	g->cr0 = s->cr0;
	g->cr3 = s->cr3;
	g->cr4 = s->cr4;
	g->efer = s->efer & ~EFER_SVME;
	g->cs_base = s->cs.base;
	g->cpl = s->cpl;
	g->code_bits = code_bits(s);
}

void svm_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *snap)
{
	const struct vmcb_save *s = &svm_vcpus[v->pcpu].vmcb->save;

	snap->rip = s->rip;
	snap->rsp = s->rsp;
	snap->rflags = s->rflags;
	snap->cr0 = s->cr0;
	snap->cr3 = s->cr3;
	snap->cr4 = s->cr4;
	snap->efer = s->efer & ~EFER_SVME;
	snap->cs = s->cs.selector;
	snap->ss = s->ss.selector;
	snap->mode_bits = code_bits(s) == 64 ? 64 : (s->cs.attrib & ATTR_DB) ? 32 : 16;
}

/* ------------------------------------------------------------- helpers */

/*
 * Step past the instruction that exited, opcode_len bytes without its
 * prefixes. With NRIPS the CPU saved where the next one starts (15.7.1);
 * without it, the prefixes in front of the opcode are counted from the
 * guest's code (SDM Vol. 2A 2.1.1: legacy prefixes, then REX). The first
 * 8 bytes nearly always hold them all (one guest-physical read); only a
 * longer run of prefixes needs the rest of the 15. An interrupt shadow
 * ends with the instruction (the VMCB's shadow bit).
 */
#define SKIP_FETCH 8

/* RIP past the instruction: the CPU's next RIP where it saved one, else
 * RIP + len. */
static void step_past(struct vmcb *vm, u64 len)
{
	if ((svm_features & SVM_FEATURE_NRIPS) && vm->control.next_rip)
		vm->save.rip = vm->control.next_rip;
	else
		vm->save.rip += len;
	vm->control.interrupt_shadow = 0;
}

static void skip(struct vcpu *v, struct vmcb *vm, unsigned opcode_len)
{
	size_t p = 0;

	if (!((svm_features & SVM_FEATURE_NRIPS) && vm->control.next_rip)) {
		struct guest_state g;
		u8 bytes[INSN_MAX_LEN];

		read_state(vm, &g);
		p = insn_prefix_len(bytes, guest_fetch(v, &g, bytes, SKIP_FETCH), g.code_bits);
		if (p == SKIP_FETCH) /* prefixes all the way: look further */
			p = insn_prefix_len(bytes, guest_fetch(v, &g, bytes, sizeof(bytes)),
					    g.code_bits);
	}
	step_past(vm, p + opcode_len);
}

/* Raise an exception in the guest at the next VMRUN (EVENTINJ, 15.20). */
static void inject_exception(struct vmcb *vm, u8 vector, bool has_error, u32 error)
{
	vm->control.event_inj = VMCB_EVENT_VALID | VMCB_EVENT_TYPE_EXCEPTION | vector |
				(has_error ? VMCB_EVENT_HAS_ERROR | ((u64)error << 32) : 0);
}

/* Carry out a shared handler's answer; opcode_len for GUEST_NEXT. */
static enum exit_action apply(struct vcpu *v, struct vmcb *vm, enum guest_action a,
			      unsigned opcode_len)
{
	switch (a) {
	case GUEST_NEXT:
		skip(v, vm, opcode_len);
		break;
	case GUEST_RESUME:
		break;
	case GUEST_STOP:
		return EXIT_STOP;
	case GUEST_GP:
		inject_exception(vm, EXC_GP, true, 0);
		break;
	case GUEST_UD:
		inject_exception(vm, EXC_UD, false, 0);
		break;
	}
	return EXIT_RESUME;
}

static enum exit_action fail(struct vcpu *v, struct vmcb *vm, const char *what)
{
	guest_fail(v, (u32)vm->control.exit_code, what);
	return EXIT_STOP;
}

/* ----------------------------------------------------------- interrupts */

/*
 * Before each VMRUN: an event already set up (an exception, or one whose
 * delivery the exit interrupted) goes first; then the vCPU's waiting
 * vectors (the local APIC's, highest first, then the virtual PIC's), one
 * per entry, through EVENTINJ (15.20) when the guest can take an
 * external interrupt: RFLAGS.IF set, no STI/MOV SS shadow, nothing being
 * stepped over a violation. While one still waits, a virtual interrupt
 * (V_IRQ, ignoring the guest's V_TPR) with its intercept makes the guest
 * exit as soon as it could take it (15.21.4).
 */
static void inject_pending(struct vcpu *v, struct vmcb *vm)
{
	struct vmcb_control *c = &vm->control;
	int vector;

	if (!vcpu_irq_waiting(v)) {
		c->vintr &= ~(VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR);
		c->intercept_misc1 &= ~VMCB_I1_VINTR;
		return;
	}
	if ((vm->save.rflags & RFLAGS_IF) && !(c->interrupt_shadow & 1) &&
	    !(c->event_inj & VMCB_EVENT_VALID) && !guest_stepping(v) &&
	    (vector = vcpu_irq_next(v)) >= 0)
		c->event_inj = VMCB_EVENT_VALID | VMCB_EVENT_TYPE_INTR | (u32)vector;
	if (vcpu_irq_waiting(v)) {
		c->vintr |= VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR;
		c->intercept_misc1 |= VMCB_I1_VINTR;
	} else {
		c->vintr &= ~(VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR);
		c->intercept_misc1 &= ~VMCB_I1_VINTR;
	}
}

/* A physical interrupt (15.21.2): not acknowledged by the exit, so it is
 * taken now through the hypervisor's IDT, where the kick is ended and a
 * guest vector queued (idt.c irq_dispatch, guest_irq_taken). */
static enum exit_action handle_intr(struct vcpu *v, struct vmcb *vm)
{
	(void)v;
	(void)vm;
	cpu_irq_window();
	return EXIT_RESUME;
}

/* ---------------------------------------------------------------- MSRs */

/*
 * RDMSR/WRMSR exits (15.11): EXITINFO1 is 0 for a read, 1 for a write.
 * EFER is the VMCB's (the guest's copy) and must keep SVME (15.5.1), which
 * the guest must neither see nor set: SVM is not offered. A write keeps
 * LMA, which the CPU sets itself when the guest turns on paging in long
 * mode (APM Vol. 2 14.6.1). Bits the CPU does not have #GP.
 */
#define EFER_WRITABLE (EFER_SCE | EFER_LME | EFER_NXE | (1ull << 14) /* FFXSR */ | \
		       (1ull << 15) /* TCE */)

static enum exit_action handle_msr(struct vcpu *v, struct vmcb *vm)
{
	bool write = vm->control.exit_info1 & 1;

	if ((u32)v->regs.rcx == MSR_EFER) {
		u64 value = ((v->regs.rdx & 0xffffffffu) << 32) | (v->regs.rax & 0xffffffffu);

		if (!write) {
			value = vm->save.efer & ~EFER_SVME;
			v->regs.rax = (u32)value;
			v->regs.rdx = value >> 32;
			return apply(v, vm, GUEST_NEXT, 2);
		}
		if (value & ~(EFER_WRITABLE | EFER_LMA)) {
			partition_event(v->part, EV_MSR, "denied wrmsr 0x%x value 0x%llx (#GP)",
					MSR_EFER, (unsigned long long)value);
			return apply(v, vm, GUEST_GP, 0);
		}
		vm->save.efer = (value & EFER_WRITABLE) | (vm->save.efer & EFER_LMA) | EFER_SVME;
		return apply(v, vm, GUEST_NEXT, 2);
	}
	return apply(v, vm, write ? guest_wrmsr(v) : guest_rdmsr(v), 2); /* 0F 30 / 0F 32 */
}

/* ------------------------------------------------------- CR4 and CR8 */

/*
 * MOV to CR4 and MOV to/from CR8, intercepted (15.9).
 *  - CR4: a reserved bit must #GP, as on a CPU, and QEMU's TCG lets some
 *    through (CR4.VMXE on an AMD CPU), which would then fail the next
 *    VMRUN (15.5.1).
 *  - CR8 is the task priority (SDM Vol. 3A 11.8.6, APM Vol. 2 16.6.5):
 *    with V_INTR_MASKING the guest's CR8 would only be the VMCB's V_TPR
 *    (15.21.1), which the guest's xAPIC TPR writes, passed to the real
 *    APIC (tessera/vlapic.h), never see. Both ways go to the one TPR, as
 *    under VMX (CR8-load exiting).
 * With decode assists EXITINFO1 names the register (bit 63 valid, bits
 * 3:0, 15.8.1); without, the instruction is decoded.
 */
static enum exit_action handle_cr_access(struct vcpu *v, struct vmcb *vm)
{
	unsigned code = (u32)vm->control.exit_code;
	u64 info = vm->control.exit_info1, value = 0, *r;
	struct guest_state g;
	struct insn_mov_cr mc = { .to_cr = code >= SVM_EXIT_CR0_WRITE, .cr = code & 15 };
	u8 bytes[INSN_MAX_LEN];
	const char *why = "its bytes could not be read";

	read_state(vm, &g);
	if ((svm_features & SVM_FEATURE_DECODE_ASSISTS) && (info >> 63)) {
		mc.gpr = info & 15;
	} else {
		size_t n = guest_fetch(v, &g, bytes, sizeof(bytes));
		bool want_to = mc.to_cr;
		unsigned want_cr = mc.cr;

		if (!n || !insn_decode_mov_cr(bytes, n, g.code_bits, &mc, &why) ||
		    mc.to_cr != want_to || mc.cr != want_cr) {
			guest_dump(v, code, info);
			partition_fail(v->part, "cannot decode the access to CR%u at rip 0x%llx: %s",
				       want_cr, (unsigned long long)g.rip,
				       why ? why : "not a MOV of that register");
			return EXIT_STOP;
		}
	}
	r = guest_gpr(v, mc.gpr);
	if (mc.to_cr) {
		value = r ? *r : vm->save.rsp;
		if (g.code_bits != 64)
			value &= 0xffffffffu;
	}
	if (mc.to_cr && mc.cr == 4) {
		if (!guest_cr4_valid(value) ||
		    ((vm->save.efer & EFER_LMA) && !(value & CR4_PAE))) { /* long mode needs PAE */
			partition_event(v->part, EV_UNSUPPORTED,
					"denied mov to cr4 value 0x%llx (#GP)",
					(unsigned long long)value);
			return apply(v, vm, GUEST_GP, 0);
		}
		vm->save.cr4 = value;
	} else if (mc.to_cr && mc.cr == 8) {
		if (value >> 4) /* bits 63:4 are reserved (SDM Vol. 3A 2.5) */
			return apply(v, vm, GUEST_GP, 0);
		apic_cr8_write(v, value);
	} else if (!mc.to_cr && mc.cr == 8) {
		value = apic_cr8_read(v);
		if (r)
			*r = value;
		else
			vm->save.rsp = value;
	} else {
		return fail(v, vm, "unexpected control register access");
	}
	step_past(vm, mc.len);
	return EXIT_RESUME;
}

/* ----------------------------------------------------------- the rest */

/* IOIO (15.10.2): EXITINFO1 bit 0 IN, bit 2 string, bits 6:4 the size
 * (one-hot 8/16/32 bits), 31:16 the port; EXITINFO2 the next RIP, saved
 * on every CPU, with or without NRIPS. */
static enum exit_action handle_ioio(struct vcpu *v, struct vmcb *vm)
{
	u64 info = vm->control.exit_info1;
	unsigned sz = (unsigned)(info >> IOIO_SZ_SHIFT) & 7;
	unsigned size = sz & 4 ? 4 : sz & 2 ? 2 : 1;
	enum guest_action a = guest_io(v, (u16)(info >> 16), size, info & IOIO_IN,
				       info & IOIO_STRING, SVM_EXIT_IOIO);

	if (a == GUEST_NEXT) {
		vm->save.rip = vm->control.exit_info2;
		vm->control.interrupt_shadow = 0;
		return EXIT_RESUME;
	}
	return apply(v, vm, a, 0);
}

static u64 svm_guest_cr4(struct vcpu *v)
{
	return svm_vcpus[v->pcpu].vmcb->save.cr4; /* no masks: CR4 is the guest's own */
}

static enum exit_action handle_cpuid(struct vcpu *v, struct vmcb *vm)
{
	return apply(v, vm, guest_cpuid(v), 2); /* 0F A2 */
}

static enum exit_action handle_hlt(struct vcpu *v, struct vmcb *vm)
{
	u64 rflags = vm->save.rflags;

	skip(v, vm, 1); /* F4 */
	return apply(v, vm, guest_hlt(v, rflags), 0);
}

static enum exit_action handle_vmmcall(struct vcpu *v, struct vmcb *vm)
{
	return apply(v, vm, guest_hypercall(v, vm->save.cpl, code_bits(&vm->save)),
		     3); /* 0F 01 D9 */
}

/*
 * #UD, intercepted (15.12) for one reason: VMCALL, Intel's hypercall
 * instruction (0F 01 C1), is #UD on AMD, and a guest written for Intel
 * should still reach the hypervisor (tessera/hypercall.h). Any other #UD
 * is the guest's own and is raised again. An exception intercept saves no
 * next RIP, so RIP is stepped here.
 */
static enum exit_action handle_ud(struct vcpu *v, struct vmcb *vm)
{
	static const u8 vmcall[3] = { 0x0f, 0x01, 0xc1 };
	struct guest_state g;
	u8 bytes[3];
	enum guest_action a;

	read_state(vm, &g);
	if (guest_fetch(v, &g, bytes, sizeof(bytes)) != sizeof(bytes) ||
	    memcmp(bytes, vmcall, sizeof(bytes)) != 0)
		return apply(v, vm, GUEST_UD, 0);
	a = guest_hypercall(v, g.cpl, g.code_bits);
	if (a != GUEST_NEXT)
		return apply(v, vm, a, 0);
	vm->save.rip += sizeof(vmcall);
	vm->control.interrupt_shadow = 0;
	return EXIT_RESUME;
}

static enum exit_action handle_xsetbv(struct vcpu *v, struct vmcb *vm)
{
	return apply(v, vm, guest_xsetbv(v), 3); /* 0F 01 D1 */
}

/* SVM instructions, MONITOR/MWAIT: not offered to guests; #UD as on a CPU
 * without them (their CPUID bits are clear). */
static enum exit_action handle_undefined(struct vcpu *v, struct vmcb *vm)
{
	return apply(v, vm, GUEST_UD, 0);
}

/* An INIT (15.13.1): nothing in Tessera sends one to a partition CPU, and
 * a guest cannot (its ICR writes are filtered). Ignore it. */
static enum exit_action handle_init(struct vcpu *v, struct vmcb *vm)
{
	(void)vm;
	partition_event(v->part, EV_UNSUPPORTED, "ignored INIT signal on cpu %u", v->pcpu);
	return EXIT_RESUME;
}

/* The NMI is held pending until STGI, then taken through the IDT
 * (idt.c nmi_dispatch): another CPU's request; the loop looks at it. */
static enum exit_action handle_nmi(struct vcpu *v, struct vmcb *vm)
{
	(void)v;
	(void)vm;
	return EXIT_RESUME;
}

/* A virtual interrupt's window (15.21.4): injected just before VMRUN. */
static enum exit_action handle_vintr(struct vcpu *v, struct vmcb *vm)
{
	(void)v;
	vm->control.vintr &= ~(VMCB_VINTR_IRQ | VMCB_VINTR_IGN_TPR);
	vm->control.intercept_misc1 &= ~VMCB_I1_VINTR;
	return EXIT_RESUME;
}

static enum exit_action handle_shutdown(struct vcpu *v, struct vmcb *vm)
{
	return fail(v, vm, "triple fault");
}

/* Single-stepping one instruction over a violation (guest_exit.c): the
 * trap flag, and #DB intercepted (15.12). */
static void svm_single_step(struct vcpu *v, bool on)
{
	struct svm_vcpu *sv = &svm_vcpus[v->pcpu];
	struct vmcb *vm = sv->vmcb;

	if (on) {
		sv->guest_tf = vm->save.rflags & RFLAGS_TF;
		vm->save.rflags |= RFLAGS_TF;
		vm->control.intercept_exceptions |= 1u << EXC_DB;
	} else {
		vm->save.rflags = (vm->save.rflags & ~RFLAGS_TF) | sv->guest_tf;
		vm->control.intercept_exceptions &= ~(1u << EXC_DB);
		/* #UD stays: vmcb.c */
	}
}

static void svm_flush_gmap(struct vcpu *v)
{
	svm_vcpus[v->pcpu].flush = true; /* TLB_CONTROL at the next VMRUN (15.16.2) */
}

static enum exit_action handle_db(struct vcpu *v, struct vmcb *vm)
{
	if (guest_step_done(v))
		return EXIT_RESUME;
	return fail(v, vm, "unexpected exception exit");
}

/* Nested page fault (15.25.6): EXITINFO1 the #PF-style error code,
 * EXITINFO2 the guest-physical address. With decode assists the VMCB
 * holds the instruction's first bytes (15.8.4). */
static enum exit_action handle_npf(struct vcpu *v, struct vmcb *vm)
{
	struct guest_state g;
	u64 err = vm->control.exit_info1, rsp, rflags;
	unsigned len = 0, nbytes = 0;
	enum guest_action a;

	read_state(vm, &g);
	if (svm_features & SVM_FEATURE_DECODE_ASSISTS)
		nbytes = MIN(vm->control.insn_len, 15u);
	rsp = g.rsp;
	rflags = g.rflags;
	a = guest_memory(v, vm->control.exit_info2, err & NPF_WRITE, err & NPF_FETCH, &g,
			 vm->control.insn_bytes, nbytes, &rsp, &rflags, &len);
	if (a != GUEST_NEXT)
		return apply(v, vm, a, 0);
	vm->save.rsp = rsp;
	vm->save.rflags = rflags;
	vm->save.rip = g.rip + len;
	vm->control.interrupt_shadow = 0;
	return EXIT_RESUME;
}

/* VMEXIT_INVALID (15.5.1): the VMCB failed VMRUN's consistency checks. */
static void entry_failed(struct vcpu *v, struct vmcb *vm)
{
	guest_dump(v, SVM_EXIT_INVALID, 0);
	log_printf("    efer=%llx cs=%04x/%03x ss=%04x/%03x cpl=%u event_inj=%llx asid=%u\n",
		   (unsigned long long)vm->save.efer, vm->save.cs.selector, vm->save.cs.attrib,
		   vm->save.ss.selector, vm->save.ss.attrib, vm->save.cpl,
		   (unsigned long long)vm->control.event_inj, vm->control.guest_asid);
	partition_fail(v->part, "VM entry failed: VMRUN found the VMCB inconsistent "
				"(VMEXIT_INVALID, AMD APM Vol. 2 15.5.1)");
}

typedef enum exit_action (*exit_fn)(struct vcpu *v, struct vmcb *vm);

static exit_fn handler_of(unsigned code)
{
	switch (code) {
	case SVM_EXIT_INTR: return handle_intr;
	case SVM_EXIT_NMI: return handle_nmi;
	case SVM_EXIT_INIT: return handle_init;
	case SVM_EXIT_VINTR: return handle_vintr;
	case SVM_EXIT_CPUID: return handle_cpuid;
	case SVM_EXIT_HLT: return handle_hlt;
	case SVM_EXIT_IOIO: return handle_ioio;
	case SVM_EXIT_MSR: return handle_msr;
	case SVM_EXIT_SHUTDOWN: return handle_shutdown;
	case SVM_EXIT_VMMCALL: return handle_vmmcall;
	case SVM_EXIT_XSETBV: return handle_xsetbv;
	case SVM_EXIT_NPF: return handle_npf;
	case SVM_EXIT_DB: return handle_db;
	case SVM_EXIT_UD: return handle_ud;
	case SVM_EXIT_CR0_WRITE + 4:
	case SVM_EXIT_CR0_WRITE + 8:
	case SVM_EXIT_CR0_READ + 8:
		return handle_cr_access;
	case SVM_EXIT_VMRUN: case SVM_EXIT_VMLOAD: case SVM_EXIT_VMSAVE: case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI: case SVM_EXIT_SKINIT: case SVM_EXIT_MONITOR: case SVM_EXIT_MWAIT:
	case SVM_EXIT_MWAIT_ARMED:
		return handle_undefined;
	}
	return NULL;
}

/* The requests that must bring the vCPU back to vcpu_check_requests()
 * before the guest runs (tessera/partition.h). */
#define REQ_LOOK (VCPU_REQ_LEAVE | VCPU_REQ_PAUSE | VCPU_REQ_KICK)

void svm_vcpu_run(struct vcpu *v)
{
	struct svm_vcpu *sv = &svm_vcpus[v->pcpu];
	struct vmcb *vm = sv->vmcb;
	hpa_t host_state = arch_this_cpu()->arch.virt_host_state;

	vmcb_setup(v);
	sv->flush = true; /* a new run: nothing cached from the last one counts */
	guest_run_start(v);
	while (!vcpu_check_requests(v)) {
		unsigned code;
		enum exit_kind kind;
		exit_fn h;

		vcpu_timer_deadline(v); /* raises the timer devices' due interrupts */
		inject_pending(v, vm);
		vm->control.tlb_control = sv->flush ? VMCB_TLB_FLUSH_ALL : VMCB_TLB_NOTHING;
		sv->flush = false;
		vm->save.rax = v->regs.rax;
		clgi();
		if (__atomic_load_n(&v->requests, __ATOMIC_ACQUIRE) & REQ_LOOK) {
			stgi();
			continue;
		}
		svm_enter(&v->regs, sv->vmcb_pa, host_state);
		stgi();
		v->regs.rax = vm->save.rax;

		code = (u32)vm->control.exit_code; /* QEMU: VMEXIT_INVALID reads 2^32 - 1 */
		kind = kind_of(code);
		v->exits++;
		v->exit_count[kind]++;
		if (v->part->trace_left > 0) /* console `trace`: off the hot path otherwise */
			vcpu_trace_exit(v, kind, code, vm->save.rip, vm->control.exit_info1);
		if (code == SVM_EXIT_INVALID) {
			entry_failed(v, vm);
			break;
		}
		/* An event the exit interrupted is delivered again (15.7.2). */
		vm->control.event_inj = 0;
		if (vm->control.exit_int_info & VMCB_EVENT_VALID)
			vm->control.event_inj = vm->control.exit_int_info;
		h = handler_of(code);
		if (!h) {
			fail(v, vm, "unhandled VM exit");
			break;
		}
		if (h(v, vm) == EXIT_STOP)
			break;
		vcpu_host_work(v);
	}
	guest_run_end(v);
}

/* Nothing to do: an NMI that finds the CPU in the hypervisor either came
 * before the loop's last look at the requests, or is held by GIF = 0 and
 * makes the next VMRUN exit at once (see the loop). */
static void svm_nmi_taken(void)
{
}

const struct virt_backend svm_backend = {
	.name = "svm",
	.gmap_format = &gmap_npt,
	.deadline_exits = false, /* SVM has no preemption timer */
	.supported = svm_supported,
	.enable = svm_enable,
	.describe = svm_describe,
	.partition_create = svm_partition_create,
	.vcpu_run = svm_vcpu_run,
	.vcpu_snapshot = svm_vcpu_snapshot,
	.reason_name = svm_reason_name,
	.nmi_taken = svm_nmi_taken,
	.flush_gmap = svm_flush_gmap,
	.single_step = svm_single_step,
	.apic_mode_changed = svm_apic_mode_changed,
	.guest_cr4 = svm_guest_cr4,
};
