/*
 * Turning on AMD SVM (APM Vol. 2, 15.4 "Enabling SVM", 15.30 "SVM-related
 * MSRs"). Tessera needs SVM with nested paging (15.25): a partition's
 * memory is its nested page table. The rest is read and used where it is
 * there: next-RIP save (15.7.1), decode assists (15.8.4), flush by ASID
 * (15.16.2), VGIF (15.33).
 */
#include <tessera/format.h>
#include <tessera/pcpu.h>
#include <tessera/string.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/msr.h>
#include <arch/vmcb.h>
#include <arch/x86.h>
#include "svm_internal.h"

u32 svm_features;

bool svm_supported(char *why, size_t n)
{
	struct cpuid_regs r = cpuid(0x8000000au, 0);

	svm_features = r.edx;
	/* VM_CR.SVMDIS set: the firmware turned SVM off (15.30.1); then
	 * EFER.SVME cannot be set. */
	if (rdmsr(MSR_VM_CR) & VM_CR_SVMDIS) {
		strfmt(why, n, "AMD SVM is disabled by the firmware (VM_CR.SVMDIS = 1): enable "
			       "SVM/AMD-V in the firmware setup");
		return false;
	}
	if (!(r.edx & SVM_FEATURE_NPT)) {
		strfmt(why, n, "AMD SVM without nested paging (CPUID 8000000AH:EDX.NP = 0)");
		return false;
	}
	if (r.ebx < 2) {
		strfmt(why, n, "AMD SVM with %u ASIDs: a guest needs one besides the host's", r.ebx);
		return false;
	}
	return true;
}

void svm_describe(char *buf, size_t n)
{
	struct cpuid_regs r = cpuid(0x8000000au, 0);

	strfmt(buf, n,
	       "svm: revision %u, %u ASIDs, NPT %s, next-RIP save %s, decode assists %s, "
	       "VMCB clean bits %s, flush by ASID %s, VGIF %s; host APIC in %s mode",
	       r.eax & 0xff, r.ebx, r.edx & SVM_FEATURE_NPT ? "yes" : "no",
	       r.edx & SVM_FEATURE_NRIPS ? "yes" : "no",
	       r.edx & SVM_FEATURE_DECODE_ASSISTS ? "yes" : "no",
	       r.edx & SVM_FEATURE_VMCB_CLEAN ? "yes" : "no",
	       r.edx & SVM_FEATURE_FLUSH_BY_ASID ? "yes" : "no",
	       r.edx & SVM_FEATURE_VGIF ? "yes" : "no", lapic_x2apic_mode() ? "x2APIC" : "xAPIC");
}

/*
 * EFER.SVME makes the SVM instructions legal (15.4); VM_HSAVE_PA names the
 * 4 KiB where VMRUN keeps the host state it restores on #VMEXIT (15.30.4).
 * The hypervisor executes XSETBV for its guests, which is #UD unless
 * CR4.OSXSAVE is set.
 */
bool svm_enable(struct pcpu *c, char *why, size_t n)
{
	(void)why;
	(void)n;
	if (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		write_cr4(read_cr4() | CR4_OSXSAVE);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SVME);
	memset(hpa_to_ptr(c->arch.virt_region), 0, PAGE_SIZE);
	memset(hpa_to_ptr(c->arch.virt_host_state), 0, PAGE_SIZE);
	wrmsr(MSR_VM_HSAVE_PA, c->arch.virt_region);
	c->arch.virt_on = true;
	return true;
}
