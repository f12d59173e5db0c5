/*
 * The SVM side of a partition: its I/O and MSR permission maps, an ASID,
 * and a VMCB per vCPU. Its nested page table is the shared guest-physical
 * map (arch/gmap.h, built by arch_partition_create in virt.c).
 */
#include <tessera/format.h>
#include <tessera/pmm.h>
#include <tessera/string.h>
#include <arch/guest.h>
#include <arch/msr.h>
#include "svm_internal.h"

struct svm_partition svm_partitions[MAX_PARTITIONS];
struct svm_vcpu svm_vcpus[MAX_CPUS];

static hpa_t pages(struct pmm *pmm, unsigned n, u8 fill)
{
	hpa_t pa = pmm_alloc(pmm, n * PAGE_SIZE, PAGE_SIZE, PMM_NO_LIMIT);

	if (pa)
		memset(hpa_to_ptr(pa), fill, n * PAGE_SIZE);
	return pa;
}

/*
 * The MSR permission map (15.11, Table 15-8): two bits per MSR, the lower
 * for RDMSR and the upper for WRMSR, in three 2 KiB vectors: MSRs
 * 0-0x1fff at byte 0, 0xc0000000-0xc0001fff at 0x800, 0xc0010000-
 * 0xc0011fff at 0x1000. MSRs outside them always exit. Set = intercepted.
 */
static void msrpm_allow(u8 *pm, u32 msr, bool read, bool write)
{
	u32 base, bit;

	if (msr < 0x2000)
		base = 0;
	else if (msr - 0xc0000000u < 0x2000)
		base = 0x800 * 8, msr -= 0xc0000000u;
	else if (msr - 0xc0010000u < 0x2000)
		base = 0x1000 * 8, msr -= 0xc0010000u;
	else
		return;
	bit = base + msr * 2;
	if (read)
		pm[bit / 8] &= (u8)~(1u << (bit % 8));
	if (write)
		pm[(bit + 1) / 8] &= (u8)~(1u << ((bit + 1) % 8));
}

/* Every MSR exits but the ones the shared policy passes through
 * (arch/x86_64/guest_msr.c), less EFER: the guest's EFER must keep SVME
 * set (VMRUN checks it, 15.5.1), which the guest must not see (exit.c).
 * The x2APIC MSRs follow the policy in the map for a guest APIC in x2APIC
 * mode, and all exit in the other. */
static void msrpm_init(u8 *pm, bool x2apic_guest)
{
	u32 first, last;
	enum msr_pass how;

	memset(pm, 0xff, 2 * PAGE_SIZE);
	for (unsigned i = 0; guest_msr_passthrough(i, &first, &last, &how); i++)
		for (u32 msr = first; msr <= last; msr++)
			if (msr != MSR_EFER)
				msrpm_allow(pm, msr, true, how == MSR_PASS_RW);
	for (unsigned reg = 0; x2apic_guest && reg < 0x100; reg++)
		msrpm_allow(pm, MSR_X2APIC_BASE + reg, !guest_x2apic_read_exits(reg),
			    !guest_x2apic_write_exits(reg));
}

bool svm_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n)
{
	struct svm_partition *sp = &svm_partitions[p->id];

	/* Every port exits (15.10.1): the partition owns no I/O hardware;
	 * its devices are emulated. 12 KiB: ports up to 0xffff plus the
	 * bytes a 4-byte access at 0xffff reaches. */
	sp->iopm = pages(pmm, 3, 0xff);
	sp->msrpm = pages(pmm, 2, 0xff);
	sp->msrpm_x2apic = pages(pmm, 2, 0xff);
	if (!sp->iopm || !sp->msrpm || !sp->msrpm_x2apic) {
		strfmt(why, n, "out of memory for its permission maps");
		return false;
	}
	msrpm_init(hpa_to_ptr(sp->msrpm), false);
	msrpm_init(hpa_to_ptr(sp->msrpm_x2apic), true);
	sp->asid = p->id + 1; /* ASID 0 is the host's (15.16) */
	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct svm_vcpu *sv = &svm_vcpus[p->vcpus[i].pcpu];

		sv->vmcb_pa = pages(pmm, 1, 0);
		if (!sv->vmcb_pa) {
			strfmt(why, n, "out of memory for a VMCB");
			return false;
		}
		sv->vmcb = hpa_to_ptr(sv->vmcb_pa);
	}
	return true;
}

/* The guest's APIC changed mode (apic_base_write): its x2APIC MSRs pass
 * only in x2APIC mode; in any other they all exit, to #GP as the SDM says
 * (11.12.1.2). The map is a VMCB field (15.11). */
void svm_apic_mode_changed(struct vcpu *v)
{
	struct svm_partition *sp = &svm_partitions[v->part->id];

	svm_vcpus[v->pcpu].vmcb->control.msrpm_base_pa =
		vlapic_mode(&v->lapic) == VLAPIC_X2APIC ? sp->msrpm_x2apic : sp->msrpm;
}
