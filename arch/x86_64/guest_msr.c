/*
 * Which MSRs a guest may touch, and the ones we emulate: one policy for
 * both backends, which turn it into their permission bitmaps (VMX: the
 * MSR bitmap, SDM Vol. 3C 25.6.9; SVM: the MSR permission map, APM Vol. 2
 * 15.11).
 *
 * Every RDMSR/WRMSR exits but for the MSRs that are the guest's own:
 * state that is per-CPU, switched on every entry and exit or unused by the
 * hypervisor, on a CPU the partition has to itself. Of the MSRs that exit,
 * a few are emulated; the rest are denied with #GP, as a CPU without that
 * MSR would do, and reported.
 */
#include <tessera/partition.h>
#include <tessera/vlapic.h>
#include <arch/apic_access.h>
#include <arch/cpu.h>
#include <arch/guest.h>
#include <arch/msr.h>
#include <arch/virt.h>

static const struct {
	u32 first, last;
	enum msr_pass how;
} passthrough[] = {
	/* Switched by the VMCS guest-state area / the VMCB (with VMLOAD and
	 * VMSAVE) on every entry and exit. */
	{ MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_CS, MSR_PASS_RW },
	{ MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_ESP, MSR_PASS_RW },
	{ MSR_IA32_SYSENTER_EIP, MSR_IA32_SYSENTER_EIP, MSR_PASS_RW },
	{ MSR_FS_BASE, MSR_FS_BASE, MSR_PASS_RW },
	{ MSR_GS_BASE, MSR_GS_BASE, MSR_PASS_RW },
	{ MSR_EFER, MSR_EFER, MSR_PASS_RW }, /* not under SVM: EFER.SVME (svm_partition.c) */
	{ MSR_IA32_PAT, MSR_IA32_PAT, MSR_PASS_RW },
	{ MSR_KERNEL_GS_BASE, MSR_KERNEL_GS_BASE, MSR_PASS_RW },
	{ MSR_STAR, MSR_STAR, MSR_PASS_RW },
	{ MSR_LSTAR, MSR_LSTAR, MSR_PASS_RW },
	{ MSR_CSTAR, MSR_CSTAR, MSR_PASS_RW },
	{ MSR_SFMASK, MSR_SFMASK, MSR_PASS_RW },
	/* Not used by the hypervisor, which runs no RDTSCP. */
	{ MSR_TSC_AUX, MSR_TSC_AUX, MSR_PASS_RW },
	/* The guest's own local APIC timer in TSC-deadline mode (SDM Vol. 3A
	 * 11.5.4.1): the hypervisor never uses a partition CPU's timer. */
	{ MSR_IA32_TSC_DEADLINE, MSR_IA32_TSC_DEADLINE, MSR_PASS_RW },
	/* Readable facts about the machine; writing them would affect the host. */
	{ MSR_IA32_TSC, MSR_IA32_TSC, MSR_PASS_READ },
	{ MSR_IA32_MTRRCAP, MSR_IA32_MTRRCAP, MSR_PASS_READ },
	{ MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE, MSR_PASS_READ },
	{ MSR_IA32_TSC_ADJUST, MSR_IA32_TSC_ADJUST, MSR_PASS_READ }, /* writing moves the TSC */
	/* The memory-type ranges (SDM Vol. 3A 12.11) are the machine's, set by
	 * the firmware: readable; writes exit (guest_wrmsr). */
	{ MSR_IA32_MTRR_PHYSBASE0, MSR_IA32_MTRR_PHYSMASK9, MSR_PASS_READ },
	{ MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX64K_00000, MSR_PASS_READ },
	{ MSR_IA32_MTRR_FIX16K_80000, MSR_IA32_MTRR_FIX16K_A0000, MSR_PASS_READ },
	{ MSR_IA32_MTRR_FIX4K_C0000, MSR_IA32_MTRR_FIX4K_F8000, MSR_PASS_READ },
};

bool guest_msr_passthrough(unsigned i, u32 *first, u32 *last, enum msr_pass *how)
{
	if (i >= ARRAY_SIZE(passthrough))
		return false;
	*first = passthrough[i].first;
	*last = passthrough[i].last;
	*how = passthrough[i].how;
	return true;
}

/*
 * The partition CPU's own local APIC in x2APIC mode (SDM Vol. 3A 11.12):
 * the registers the hardware answers for the guest are passed through;
 * what crosses the partition's walls exits to the policy of
 * tessera/vlapic.h (arch/x86_64/apic_access.c): the ICR (an IPI could
 * reach another partition's CPU), the TPR and SVR (the guest could block
 * the hypervisor's kick), the version (no EOI-broadcast suppression is
 * offered), and the LVT entries of sources the partition does not own
 * (LINT0/1: the machine's PIC and NMI pins; thermal, performance
 * counters, CMCI). EOI, timer and ISR/IRR reads stay the guest's.
 */
bool guest_x2apic_read_exits(unsigned reg)
{
	return reg == VLAPIC_VER || reg == VLAPIC_SVR || reg == VLAPIC_LVT_CMCI ||
	       reg == VLAPIC_LVT_THERMAL || reg == VLAPIC_LVT_PERF || reg == VLAPIC_LVT_LINT0 ||
	       reg == VLAPIC_LVT_LINT1;
}

bool guest_x2apic_write_exits(unsigned reg)
{
	return guest_x2apic_read_exits(reg) || reg == VLAPIC_ICR || reg == VLAPIC_TPR;
}

/* IA32_FEATURE_CONTROL as a guest sees it: locked, VMX off (the
 * hypervisor does not offer nested virtualization). */
#define GUEST_FEATURE_CONTROL FEATURE_CONTROL_LOCKED

static bool is_x2apic_msr(u32 msr)
{
	return msr >= MSR_X2APIC_BASE && msr < MSR_X2APIC_BASE + 0x100;
}

static bool is_mtrr(u32 msr)
{
	return msr == MSR_IA32_MTRR_DEF_TYPE ||
	       (msr >= MSR_IA32_MTRR_PHYSBASE0 && msr <= MSR_IA32_MTRR_PHYSMASK9) ||
	       msr == MSR_IA32_MTRR_FIX64K_00000 || msr == MSR_IA32_MTRR_FIX16K_80000 ||
	       msr == MSR_IA32_MTRR_FIX16K_A0000 ||
	       (msr >= MSR_IA32_MTRR_FIX4K_C0000 && msr <= MSR_IA32_MTRR_FIX4K_F8000);
}

/* MSR_DENIED: #GP, reported here; MSR_REPORTED: #GP, already reported with
 * its reason. */
enum msr_result { MSR_DONE, MSR_DENIED, MSR_REPORTED };

static enum msr_result msr_read(struct vcpu *v, u32 msr, u64 *value)
{
	if (is_x2apic_msr(msr))
		return apic_msr_read(v, msr, value) ? MSR_DONE : MSR_REPORTED;
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		/* The guest's own view: mode, address, and the BSP flag of the
		 * partition's numbering (SDM Vol. 3A 11.4.4; tessera/vlapic.h). */
		*value = apic_base_read(v);
		return MSR_DONE;
	case MSR_IA32_FEATURE_CONTROL:
		*value = GUEST_FEATURE_CONTROL;
		return MSR_DONE;
	case MSR_IA32_UCODE_REV:
		*value = rdmsr(msr);
		return MSR_DONE;
	case MSR_IA32_MTRR_DEF_TYPE:
		*value = x86_vcpus[v->pcpu].mtrr_def_type;
		return MSR_DONE;
	}
	return MSR_DENIED;
}

static enum msr_result msr_write(struct vcpu *v, u32 msr, u64 value)
{
	/* A guest writing back the MTRRs it read (Linux does on every CPU it
	 * brings up, to make them agree) changes nothing: accepted. Changing
	 * the machine's memory types is not the guest's to do. */
	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		/* With EPT/NPT the guest's MTRRs do not decide the memory type of
		 * its accesses alone (SDM Vol. 3C 29.3.7.2, APM Vol. 2 15.25.8):
		 * the guest gets its own copy of the enable bits (Linux turns
		 * them off and on around PAT set-up), the machine's stay. */
		x86_vcpus[v->pcpu].mtrr_def_type = value;
		return MSR_DONE;
	}
	if (is_mtrr(msr))
		return value == rdmsr(msr) ? MSR_DONE : MSR_DENIED;
	if (is_x2apic_msr(msr))
		return apic_msr_write(v, msr, value) ? MSR_DONE : MSR_REPORTED;
	switch (msr) {
	case MSR_IA32_UCODE_REV:
		/* Writing 0 before CPUID is how software asks for the microcode
		 * revision (SDM Vol. 3A 10.11.7.1); nothing changes. */
		return value == 0 ? MSR_DONE : MSR_DENIED;
	case MSR_IA32_APIC_BASE:
		if (!apic_base_write(v, value))
			return MSR_REPORTED;
		virt->apic_mode_changed(v);
		return MSR_DONE;
	}
	return MSR_DENIED;
}

enum guest_action guest_rdmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 value = 0;
	enum msr_result r = msr_read(v, msr, &value);

	if (r != MSR_DONE) {
		if (r == MSR_DENIED)
			partition_event(v->part, EV_MSR, "denied rdmsr 0x%x (#GP)", msr);
		return GUEST_GP;
	}
	v->regs.rax = (u32)value;
	v->regs.rdx = value >> 32;
	return GUEST_NEXT;
}

enum guest_action guest_wrmsr(struct vcpu *v)
{
	u32 msr = (u32)v->regs.rcx;
	u64 value = ((v->regs.rdx & 0xffffffffu) << 32) | (v->regs.rax & 0xffffffffu);
	enum msr_result r = msr_write(v, msr, value);

	if (r != MSR_DONE) {
		if (r == MSR_DENIED)
			partition_event(v->part, EV_MSR, "denied wrmsr 0x%x value 0x%llx (#GP)", msr,
					(unsigned long long)value);
		return GUEST_GP;
	}
	return GUEST_NEXT;
}
