/*
 * Which MSRs a guest may touch, and the ones we emulate.
 *
 * The MSR bitmap (SDM Vol. 3C 25.6.9) starts with every bit set (every
 * RDMSR/WRMSR exits) and we clear the bits of MSRs that are the guest's
 * own: state that is per-CPU, switched by the VMCS or unused by the
 * hypervisor, on a CPU the partition has to itself. Everything else exits:
 * a few MSRs are emulated, the rest are denied with #GP, as a CPU without
 * that MSR would do, and reported.
 */
#include <tessera/partition.h>
#include <tessera/string.h>
#include <tessera/vlapic.h>
#include <arch/apic_access.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/msr.h>
#include <arch/vmcs.h>
#include "vmx_internal.h"

/* Bitmap layout (25.6.9): read-low, read-high, write-low, write-high,
 * 1 KiB each; "low" covers 0..0x1fff, "high" 0xc0000000..0xc0001fff. */
#define BITMAP_READ 0
#define BITMAP_WRITE 2048
#define HIGH_BASE 0xc0000000u

enum access { PASS_RW, PASS_READ };

static const struct {
	u32 msr;
	enum access access;
} passthrough[] = {
	/* Switched by the VMCS guest-state area on every entry and exit. */
	{ MSR_IA32_SYSENTER_CS, PASS_RW },
	{ MSR_IA32_SYSENTER_ESP, PASS_RW },
	{ MSR_IA32_SYSENTER_EIP, PASS_RW },
	{ MSR_FS_BASE, PASS_RW },
	{ MSR_GS_BASE, PASS_RW },
	{ MSR_EFER, PASS_RW },
	{ MSR_IA32_PAT, PASS_RW },
	/* Not used by the hypervisor, which makes no system calls. */
	{ MSR_KERNEL_GS_BASE, PASS_RW },
	{ MSR_STAR, PASS_RW },
	{ MSR_LSTAR, PASS_RW },
	{ MSR_CSTAR, PASS_RW },
	{ MSR_SFMASK, PASS_RW },
	{ MSR_TSC_AUX, PASS_RW },
	/* The guest's own local APIC timer in TSC-deadline mode (SDM Vol. 3A
	 * 11.5.4.1): the hypervisor never uses a partition CPU's timer. */
	{ MSR_IA32_TSC_DEADLINE, PASS_RW },
	/* Readable facts about the machine; writing them would affect the host. */
	{ MSR_IA32_TSC, PASS_READ },
	{ MSR_IA32_MTRRCAP, PASS_READ },
	{ MSR_IA32_MISC_ENABLE, PASS_READ },
	{ MSR_IA32_TSC_ADJUST, PASS_READ }, /* writing it would move this CPU's TSC */
};

static void allow(u8 *bitmap, u32 msr, unsigned half)
{
	unsigned base = half;
	u32 bit;

	if (msr >= HIGH_BASE) {
		base += 1024;
		msr -= HIGH_BASE;
	}
	bit = msr & 0x1fff;
	bitmap[base + bit / 8] &= (u8)~(1u << (bit % 8));
}

void vmx_msr_bitmap_init(hpa_t page, bool x2apic_guest)
{
	u8 *bitmap = hpa_to_ptr(page);

	memset(bitmap, 0xff, PAGE_SIZE);
	for (unsigned i = 0; i < ARRAY_SIZE(passthrough); i++) {
		allow(bitmap, passthrough[i].msr, BITMAP_READ);
		if (passthrough[i].access == PASS_RW)
			allow(bitmap, passthrough[i].msr, BITMAP_WRITE);
	}
	/* The memory-type ranges (SDM Vol. 3A 12.11) are the machine's, set by
	 * the firmware: readable; writes exit (vmx_msr_write). */
	for (u32 msr = MSR_IA32_MTRR_PHYSBASE0; msr <= MSR_IA32_MTRR_PHYSMASK9; msr++)
		allow(bitmap, msr, BITMAP_READ);
	allow(bitmap, MSR_IA32_MTRR_FIX64K_00000, BITMAP_READ);
	allow(bitmap, MSR_IA32_MTRR_FIX16K_80000, BITMAP_READ);
	allow(bitmap, MSR_IA32_MTRR_FIX16K_A0000, BITMAP_READ);
	for (u32 msr = MSR_IA32_MTRR_FIX4K_C0000; msr <= MSR_IA32_MTRR_FIX4K_F8000; msr++)
		allow(bitmap, msr, BITMAP_READ);
	if (!x2apic_guest)
		return; /* every x2APIC MSR exits, and #GPs (apic_msr_read) */
	/* The partition CPU's own local APIC, in x2APIC mode (SDM Vol. 3A
	 * 11.12): the registers the hardware answers for the guest are passed
	 * through; what crosses the partition's walls exits to the policy of
	 * tessera/vlapic.h (arch/x86_64/apic_access.c): the ICR (an IPI could
	 * reach another partition's CPU), the TPR and SVR (the guest could
	 * block the hypervisor's kick), the version (no EOI-broadcast
	 * suppression is offered), and the LVT entries of sources the
	 * partition does not own (LINT0/1: the machine's PIC and NMI pins;
	 * thermal, performance counters, CMCI). EOI, timer and ISR/IRR reads
	 * stay the guest's: no exit. */
	for (u32 msr = MSR_X2APIC_BASE; msr < MSR_X2APIC_BASE + 0x100; msr++) {
		unsigned reg = msr - MSR_X2APIC_BASE;
		bool trap_read = reg == VLAPIC_VER || reg == VLAPIC_SVR || reg == VLAPIC_LVT_CMCI ||
				 reg == VLAPIC_LVT_THERMAL || reg == VLAPIC_LVT_PERF ||
				 reg == VLAPIC_LVT_LINT0 || reg == VLAPIC_LVT_LINT1;
		bool trap_write = trap_read || reg == VLAPIC_ICR || reg == VLAPIC_TPR;

		if (!trap_read)
			allow(bitmap, msr, BITMAP_READ);
		if (!trap_write)
			allow(bitmap, msr, BITMAP_WRITE);
	}
}

/* IA32_FEATURE_CONTROL as a guest sees it: locked, VMX off (the
 * hypervisor does not offer nested virtualization). */
#define GUEST_FEATURE_CONTROL FEATURE_CONTROL_LOCKED

static bool is_x2apic_msr(u32 msr)
{
	return msr >= MSR_X2APIC_BASE && msr < MSR_X2APIC_BASE + 0x100;
}

enum msr_result vmx_msr_read(struct vcpu *v, u32 msr, u64 *value)
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
		*value = vmx_vcpus[v->pcpu].guest_mtrr_def_type;
		return MSR_DONE;
	}
	return MSR_DENIED;
}

static bool is_mtrr(u32 msr)
{
	return msr == MSR_IA32_MTRR_DEF_TYPE ||
	       (msr >= MSR_IA32_MTRR_PHYSBASE0 && msr <= MSR_IA32_MTRR_PHYSMASK9) ||
	       msr == MSR_IA32_MTRR_FIX64K_00000 || msr == MSR_IA32_MTRR_FIX16K_80000 ||
	       msr == MSR_IA32_MTRR_FIX16K_A0000 ||
	       (msr >= MSR_IA32_MTRR_FIX4K_C0000 && msr <= MSR_IA32_MTRR_FIX4K_F8000);
}

enum msr_result vmx_msr_write(struct vcpu *v, u32 msr, u64 value)
{
	/* A guest writing back the MTRRs it read (Linux does on every CPU it
	 * brings up, to make them agree) changes nothing: accepted. Changing
	 * the machine's memory types is not the guest's to do. */
	if (msr == MSR_IA32_MTRR_DEF_TYPE) {
		/* With EPT the guest's MTRRs do not apply to its own accesses
		 * (SDM Vol. 3C 29.3.7.2): the guest gets its own copy of the
		 * enable bits (Linux turns them off and on around PAT set-up),
		 * and the machine's stay as they are. */
		vmx_vcpus[v->pcpu].guest_mtrr_def_type = value;
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
		vmx_apic_mode_changed(v);
		return MSR_DONE;
	}
	return MSR_DENIED;
}

/* The guest's APIC changed mode (apic_base_write): its x2APIC MSRs are
 * passed through only in x2APIC mode; in any other they all exit, to #GP
 * as the SDM says (11.12.1.2). The bitmap is a VMCS field (25.6.9). */
void vmx_apic_mode_changed(struct vcpu *v)
{
	struct vmx_partition *vp = &vmx_partitions[v->part->id];

	vmcs_write64(MSR_BITMAP, vlapic_mode(&v->lapic) == VLAPIC_X2APIC ? vp->msr_bitmap_x2apic :
									   vp->msr_bitmap);
}
