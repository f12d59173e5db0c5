/*
 * Entering VMX root operation (SDM Vol. 3C, Chapter 24 "Introduction to VMX
 * Operation", 24.6 "Discovering Support for VMX", 24.7 "Enabling and
 * Entering VMX Operation", 24.8 "Restrictions on VMX Operation").
 *
 * Tessera needs VMX with EPT and unrestricted guest (so guests can start
 * in real or unpaged protected mode, as Multiboot and Linux expect). VPID
 * is used when present.
 */
#include <tessera/arch.h>
#include <tessera/format.h>
#include <tessera/pcpu.h>
#include <tessera/string.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/msr.h>
#include <arch/vmcs_fields.h>
#include <arch/vmx.h>
#include <arch/x86.h>
#include "vmx_internal.h"

/* IA32_VMX_BASIC fields, SDM Vol. 3D A.1. */
#define VMX_BASIC_REVISION(b) ((u32)(b)&0x7fffffff)
#define VMX_BASIC_REGION_SIZE(b) (((b) >> 32) & 0x1fff)
#define VMX_BASIC_MEMTYPE(b) (((b) >> 50) & 0xf)
#define VMX_MEMTYPE_WB 6

/* Allowed-1 settings are the high 32 bits of the capability MSRs (A.3.2). */
#define PROCBASED_ACTIVATE_SECONDARY (1u << 31)
#define PROCBASED_MONITOR_TRAP_FLAG (1u << 27)
#define SECONDARY_EPT (1u << 1)
#define SECONDARY_VPID (1u << 5)
#define SECONDARY_UNRESTRICTED_GUEST (1u << 7)

static u32 allowed1(u32 msr)
{
	return (u32)(rdmsr(msr) >> 32);
}

/* virt.c chose VMX because CPUID.1:ECX.VMX is set (24.6). */
bool vmx_supported(char *why, size_t n)
{
	u32 secondary;

	if (!(allowed1(MSR_IA32_VMX_PROCBASED_CTLS) & PROCBASED_ACTIVATE_SECONDARY)) {
		strfmt(why, n, "VMX without secondary controls: no EPT");
		return false;
	}
	secondary = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (!(secondary & SECONDARY_EPT)) {
		strfmt(why, n, "VMX without EPT (extended page tables)");
		return false;
	}
	if (!(secondary & SECONDARY_UNRESTRICTED_GUEST)) {
		strfmt(why, n, "VMX without unrestricted guest");
		return false;
	}
	/* How a stop or pause reaches a guest that runs without exits, with
	 * interrupts off or not (smp.c arch_cpu_preempt). */
	if ((allowed1(MSR_IA32_VMX_PINBASED_CTLS) &
	     (PIN_BASED_NMI_EXITING | PIN_BASED_VMX_PREEMPTION_TIMER)) !=
	    (PIN_BASED_NMI_EXITING | PIN_BASED_VMX_PREEMPTION_TIMER)) {
		strfmt(why, n, "VMX without NMI exiting and the VMX-preemption timer");
		return false;
	}
	return true;
}

void vmx_describe(char *buf, size_t n)
{
	u64 basic = rdmsr(MSR_IA32_VMX_BASIC);
	u32 secondary = allowed1(MSR_IA32_VMX_PROCBASED_CTLS2);

	/* The APIC-virtualization controls (SDM Vol. 3C 30, Table 25-6/25-7)
	 * are reported, not used: the guest's xAPIC page and MSRs exit to one
	 * policy (tessera/vlapic.h) that SVM without AVIC shares. */
	strfmt(buf, n,
	       "vmx: revision 0x%x, EPT %s, unrestricted guest %s, VPID %s, MTF %s, "
	       "preemption timer %s; APIC virtualization offered: TPR shadow %s, "
	       "APIC-access page %s, register virtualization %s, virtual-interrupt delivery %s; "
	       "host APIC in %s mode",
	       VMX_BASIC_REVISION(basic), secondary & SECONDARY_EPT ? "yes" : "no",
	       secondary & SECONDARY_UNRESTRICTED_GUEST ? "yes" : "no",
	       secondary & SECONDARY_VPID ? "yes" : "no",
	       allowed1(MSR_IA32_VMX_PROCBASED_CTLS) & PROCBASED_MONITOR_TRAP_FLAG ? "yes" : "no",
	       allowed1(MSR_IA32_VMX_PINBASED_CTLS) & PIN_BASED_VMX_PREEMPTION_TIMER ? "yes" :
										  "no",
	       allowed1(MSR_IA32_VMX_PROCBASED_CTLS) & CPU_BASED_TPR_SHADOW ? "yes" : "no",
	       secondary & SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES ? "yes" : "no",
	       secondary & SECONDARY_EXEC_APIC_REGISTER_VIRT ? "yes" : "no",
	       secondary & SECONDARY_EXEC_VIRTUAL_INTR_DELIVERY ? "yes" : "no",
	       lapic_x2apic_mode() ? "x2APIC" : "xAPIC");
}

/*
 * IA32_FEATURE_CONTROL gates VMXON (SDM 24.7). Firmware normally sets and
 * locks it; some firmware (and Bochs) leaves it unlocked, and then it is
 * ours to set: enable VMXON outside SMX and lock, as firmware would.
 */
static bool feature_control_ok(char *why, size_t n)
{
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);

	if (!(fc & FEATURE_CONTROL_LOCKED)) {
		fc |= FEATURE_CONTROL_VMXON_OUTSIDE_SMX | FEATURE_CONTROL_LOCKED;
		wrmsr(MSR_IA32_FEATURE_CONTROL, fc);
		fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	}
	if (!(fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX)) {
		strfmt(why, n, "VMX is disabled and locked by the firmware "
			       "(IA32_FEATURE_CONTROL=0x%llx): enable VT-x in the firmware setup",
		       (unsigned long long)fc);
		return false;
	}
	return true;
}

/* CR0 and CR4 must respect the VMX fixed bits in VMX operation (SDM 24.8,
 * A.7, A.8): bits set in FIXED0 must be 1, bits clear in FIXED1 must be 0. */
static void apply_fixed_bits(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4() | CR4_VMXE;

	/* The hypervisor executes XSETBV for its guests (exit.c), which is
	 * #UD unless CR4.OSXSAVE is set (SDM Vol. 2C XSETBV). */
	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;

	cr0 |= rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	cr0 &= rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	cr4 |= rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	cr4 &= rdmsr(MSR_IA32_VMX_CR4_FIXED1);
	write_cr0(cr0);
	write_cr4(cr4);
}

bool vmx_enable(struct pcpu *c, char *why, size_t n)
{
	u64 basic;
	u32 revision;
	enum vmx_result r;

	if (!feature_control_ok(why, n))
		return false;
	basic = rdmsr(MSR_IA32_VMX_BASIC);
	if (VMX_BASIC_REGION_SIZE(basic) > PAGE_SIZE || VMX_BASIC_MEMTYPE(basic) != VMX_MEMTYPE_WB) {
		strfmt(why, n, "unsupported VMX region size %llu or memory type %llu",
		       (unsigned long long)VMX_BASIC_REGION_SIZE(basic),
		       (unsigned long long)VMX_BASIC_MEMTYPE(basic));
		return false;
	}
	apply_fixed_bits();

	/* The VMXON region starts with the VMCS revision identifier (25.11.5). */
	revision = VMX_BASIC_REVISION(basic);
	memset(hpa_to_ptr(c->arch.virt_region), 0, PAGE_SIZE);
	memcpy(hpa_to_ptr(c->arch.virt_region), &revision, sizeof(revision));

	r = vmxon(c->arch.virt_region);
	if (r != VMX_OK) {
		strfmt(why, n, "VMXON failed (%s)",
		       r == VMX_FAIL_INVALID ? "VMfailInvalid: bad VMXON region or CR0/CR4"
					     : "VMfailValid: already in VMX operation");
		return false;
	}
	c->arch.virt_on = true;
	return true;
}
