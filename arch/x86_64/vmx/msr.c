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
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/msr.h>
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

void vmx_msr_bitmap_init(hpa_t page)
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
	/* The partition CPU's own local APIC, in x2APIC mode (SDM Vol. 3A
	 * 11.12): readable, and writable except five registers: the ICR,
	 * through which an IPI could reach another partition's CPU, the TPR
	 * and SIVR, with which the guest could block the hypervisor's kick,
	 * and the LINT0/LINT1 entries, which connect the machine's own
	 * interrupt lines (the legacy PIC's ExtINT, NMI) to this CPU. */
	for (u32 msr = MSR_X2APIC_BASE; msr < MSR_X2APIC_BASE + 0x100; msr++) {
		allow(bitmap, msr, BITMAP_READ);
		if (msr != MSR_X2APIC_ICR && msr != MSR_X2APIC_TPR && msr != MSR_X2APIC_SIVR &&
		    msr != MSR_X2APIC_LVT_LINT0 && msr != MSR_X2APIC_LVT_LINT1)
			allow(bitmap, msr, BITMAP_WRITE);
	}
}

/* IA32_FEATURE_CONTROL as a guest sees it: locked, VMX off (the
 * hypervisor does not offer nested virtualization). */
#define GUEST_FEATURE_CONTROL FEATURE_CONTROL_LOCKED

enum msr_result vmx_msr_read(struct vcpu *v, u32 msr, u64 *value)
{
	switch (msr) {
	case MSR_IA32_APIC_BASE:
		/* The real base and mode, with the BSP flag of the partition's
		 * own numbering: its first vCPU is its BSP (SDM Vol. 3A 11.4.4). */
		*value = rdmsr(MSR_IA32_APIC_BASE) & ~APIC_BASE_BSP;
		if (v->index == 0)
			*value |= APIC_BASE_BSP;
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
	u64 now;

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
	switch (msr) {
	case MSR_IA32_UCODE_REV:
		/* Writing 0 before CPUID is how software asks for the microcode
		 * revision (SDM Vol. 3A 10.11.7.1); nothing changes. */
		return value == 0 ? MSR_DONE : MSR_DENIED;
	case MSR_IA32_APIC_BASE:
		/* The APIC stays enabled in x2APIC mode at its address: writes
		 * that keep it so (as a guest enabling x2APIC does) are no-ops. */
		now = rdmsr(MSR_IA32_APIC_BASE);
		if ((value & ~APIC_BASE_BSP) == (now & ~APIC_BASE_BSP))
			return MSR_DONE;
		return MSR_DENIED;
	case MSR_X2APIC_ICR:
		vcpu_send_ipi(v, (u32)(value >> 32), (u32)value);
		return MSR_DONE;
	case MSR_X2APIC_TPR:
		/* Any priority below the kick's class is the guest's to set. */
		wrmsr(MSR_X2APIC_TPR, MIN(value & 0xff, GUEST_TPR_MAX));
		return MSR_DONE;
	case MSR_X2APIC_LVT_LINT0:
	case MSR_X2APIC_LVT_LINT1:
		/* The machine's LINT pins are not the partition's: whatever
		 * the guest programs, the entry stays masked (11.5.1). */
		wrmsr(msr, (value & 0xffffffffu) | LVT_MASK);
		return MSR_DONE;
	case MSR_X2APIC_SIVR:
		/* The guest picks its spurious vector; the APIC stays enabled. */
		wrmsr(MSR_X2APIC_SIVR, (value & 0x1ff) | 0x100);
		return MSR_DONE;
	}
	return MSR_DENIED;
}
