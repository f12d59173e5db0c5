/*
 * Setting up a VMCB for one vCPU: the intercepts, the partition's maps,
 * and the guest state a Multiboot kernel, Linux or a started AP expects.
 * AMD APM Vol. 2, 15.5 "VMRUN Instruction" (and the consistency checks of
 * 15.5.1), 15.9-15.13 (intercepts), Appendix B (the layout).
 */
#include <tessera/partition.h>
#include <tessera/string.h>
#include <arch/guest.h>
#include <arch/msr.h>
#include <arch/vmcb.h>
#include <arch/x86.h>
#include "svm_internal.h"

#define PAT_POWER_ON 0x0007040600070406ull /* SDM Vol. 3A 13.12.4, APM Vol. 2 7.8.2 */
#define DR6_INIT 0xffff0ff0ull
#define DR7_INIT 0x400ull

/* Segment attributes (15.5.1, B.2): the access byte in 7:0, then AVL, L,
 * D/B, G in 11:8. */
#define ATTR_CODE32 0xc9b /* execute/read, accessed, present, D=1, G=1 */
#define ATTR_DATA32 0xc93 /* read/write, accessed, present, B=1, G=1 */
#define ATTR_CODE16 0x09b /* real mode: 64 KiB segments */
#define ATTR_DATA16 0x093
#define ATTR_TSS_BUSY 0x08b
#define ATTR_LDT 0x082

static void seg(struct vmcb_seg *s, u16 sel, u64 base, u32 limit, u16 attrib)
{
	*s = (struct vmcb_seg){ sel, attrib, limit, base };
}

/*
 * The intercepts (15.9-15.13):
 *  - INTR and NMI: every physical interrupt and NMI exits, with the
 *    host's RFLAGS.IF masking them (V_INTR_MASKING, 15.21.1), so the
 *    guest's IF cannot hold off the hypervisor's kick; NMIs are how
 *    other CPUs preempt this one (arch_cpu_preempt).
 *  - INIT: not intercepted, an INIT would reset the physical CPU.
 *  - CPUID, HLT, INVD, task switches, shutdown (triple fault), XSETBV:
 *    the policy's (arch/guest.h); INVD and task switches fail the
 *    partition as under VMX, where they always exit.
 *  - IOIO_PROT and MSR_PROT through the permission maps (15.10, 15.11).
 *  - VMRUN (VMRUN's own checks require it, 15.5.1), VMMCALL (hypercalls)
 *    and the other SVM instructions, MONITOR and MWAIT: #UD, as on a CPU
 *    without them (their CPUID bits are clear).
 * CR0 and CR3 are the guest's own: SVM has no fixed bits and runs real
 * mode with nested paging as it is (15.25). CR4 writes exit, to check
 * their reserved bits, and CR8 reads and writes, to reach the one TPR
 * (exit.c handle_cr_access).
 */
static void setup_control(struct vcpu *v, struct vmcb_control *c)
{
	struct svm_partition *sp = &svm_partitions[v->part->id];

	/* The guest handles its own exceptions, but for #UD: VMCALL, Intel's
	 * hypercall instruction, raises it here (exit.c handle_ud). */
	c->intercept_exceptions = 1u << EXC_UD;
	c->intercept_cr_write = (1u << 4) | (1u << 8);
	c->intercept_cr_read = 1u << 8;
	c->intercept_misc1 = VMCB_I1_INTR | VMCB_I1_NMI | VMCB_I1_INIT | VMCB_I1_CPUID |
			     VMCB_I1_INVD | VMCB_I1_HLT | VMCB_I1_IOIO_PROT | VMCB_I1_MSR_PROT |
			     VMCB_I1_TASK_SWITCH | VMCB_I1_SHUTDOWN;
	c->intercept_misc2 = VMCB_I2_VMRUN | VMCB_I2_VMMCALL | VMCB_I2_VMLOAD | VMCB_I2_VMSAVE |
			     VMCB_I2_STGI | VMCB_I2_CLGI | VMCB_I2_SKINIT | VMCB_I2_MONITOR |
			     VMCB_I2_MWAIT | VMCB_I2_MWAIT_ARMED | VMCB_I2_XSETBV;
	c->iopm_base_pa = sp->iopm;
	c->msrpm_base_pa = sp->msrpm;
	c->tsc_offset = 0; /* guests see the real TSC */
	c->guest_asid = sp->asid;
	c->tlb_control = VMCB_TLB_FLUSH_ALL;
	c->vintr = VMCB_VINTR_MASKING;
	c->np_enable = 1;
	c->n_cr3 = x86_partitions[v->part->id].map.pml4;
	c->clean = 0; /* nothing cached: every field is read on every VMRUN (15.15.3) */
}

/*
 * Guest state at the first instruction, as under VMX (vmx/vmcs.c):
 *  - Multiboot (spec 3.2): 32-bit protected mode, flat 4 GiB segments,
 *    paging off, EAX = magic, EBX = info address.
 *  - Linux (boot.rst "32-bit Boot Protocol"): the same, with selectors
 *    0x10/0x18 and ESI = boot_params.
 *  - an AP after its SIPI (SDM Vol. 3A 9.4.4.1; SVM has no wait-for-SIPI
 *    state, so hv/ waits for it and starts the run here): real mode,
 *    CS = vector << 8, IP = 0.
 * EFER.SVME stays set in the guest's EFER (15.5.1 requires it); the guest
 * never sees it (exit.c).
 */
static void load_boot_state(struct vmcb_save *s, const struct vcpu_boot *b)
{
	bool real = b->mode == VCPU_BOOT_REAL_SIPI;

	if (real) {
		u16 cs = (u16)b->sipi_vector << 8;

		seg(&s->cs, cs, (u64)cs << 4, 0xffff, ATTR_CODE16);
		seg(&s->ds, 0, 0, 0xffff, ATTR_DATA16);
		seg(&s->es, 0, 0, 0xffff, ATTR_DATA16);
		seg(&s->ss, 0, 0, 0xffff, ATTR_DATA16);
		seg(&s->fs, 0, 0, 0xffff, ATTR_DATA16);
		seg(&s->gs, 0, 0, 0xffff, ATTR_DATA16);
		s->rip = 0;
		s->cr0 = CR0_ET;
	} else {
		u16 code = b->mode == VCPU_BOOT_LINUX32 ? 0x10 : 0x08;
		u16 data = code + 8;

		seg(&s->cs, code, 0, 0xffffffff, ATTR_CODE32);
		seg(&s->ds, data, 0, 0xffffffff, ATTR_DATA32);
		seg(&s->es, data, 0, 0xffffffff, ATTR_DATA32);
		seg(&s->ss, data, 0, 0xffffffff, ATTR_DATA32);
		seg(&s->fs, data, 0, 0xffffffff, ATTR_DATA32);
		seg(&s->gs, data, 0, 0xffffffff, ATTR_DATA32);
		s->rip = b->rip;
		s->cr0 = CR0_PE | CR0_ET;
	}
	seg(&s->tr, 0, 0, 0x67, ATTR_TSS_BUSY);
	seg(&s->ldtr, 0, 0, 0xffff, ATTR_LDT);
	seg(&s->gdtr, 0, 0, 0xffff, 0);
	seg(&s->idtr, 0, 0, 0xffff, 0);
	s->cpl = 0;
	s->efer = EFER_SVME;
	s->cr3 = 0;
	s->cr4 = 0;
	s->dr6 = DR6_INIT;
	s->dr7 = DR7_INIT;
	s->rflags = RFLAGS_FIXED;
	s->rsp = 0;
	s->g_pat = PAT_POWER_ON;
}

void vmcb_setup(struct vcpu *v)
{
	struct svm_vcpu *sv = &svm_vcpus[v->pcpu];

	/* A fresh VMCB for every start (restart = clean slate). */
	memset(sv->vmcb, 0, sizeof(*sv->vmcb));
	setup_control(v, &sv->vmcb->control);
	load_boot_state(&sv->vmcb->save, &v->boot);
	v->regs.rax = v->boot.eax;
	v->regs.rbx = v->boot.ebx;
	v->regs.rsi = v->boot.esi;
}
