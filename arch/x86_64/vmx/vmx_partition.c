/*
 * The VMX side of a partition: its MSR and I/O permission bitmaps, a VPID
 * and a VMCS per vCPU. Its EPT is the shared guest-physical map
 * (arch/gmap.h, built by arch_partition_create in virt.c).
 */
#include <tessera/arch.h>
#include <tessera/format.h>
#include <tessera/pmm.h>
#include <tessera/string.h>
#include <arch/guest.h>
#include "vmx_internal.h"

struct vmx_partition vmx_partitions[MAX_PARTITIONS];
struct vmx_vcpu vmx_vcpus[MAX_CPUS];

static hpa_t zeroed_pages(struct pmm *pmm, unsigned n)
{
	hpa_t pa = pmm_alloc(pmm, n * PAGE_SIZE, PAGE_SIZE, PMM_NO_LIMIT);

	if (pa)
		memset(hpa_to_ptr(pa), 0, n * PAGE_SIZE);
	return pa;
}

/* SDM 25.6.11: bits 2:0 memory type of the paging structures (6 = WB),
 * bits 5:3 page-walk length minus 1, bit 6 accessed/dirty flags (off),
 * bits 51:12 the PML4 address. */
u64 vmx_ept_pointer(const struct partition *p)
{
	return (x86_partitions[p->id].map.pml4 & GMAP_ADDR_MASK) | 6 | (3 << 3);
}

bool vmx_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n)
{
	struct vmx_partition *vp = &vmx_partitions[p->id];

	vp->msr_bitmap = zeroed_pages(pmm, 1);
	vp->msr_bitmap_x2apic = zeroed_pages(pmm, 1);
	vp->io_bitmap_a = zeroed_pages(pmm, 1);
	vp->io_bitmap_b = zeroed_pages(pmm, 1);
	if (!vp->msr_bitmap || !vp->msr_bitmap_x2apic || !vp->io_bitmap_a || !vp->io_bitmap_b) {
		strfmt(why, n, "out of memory for its bitmaps");
		return false;
	}
	vmx_msr_bitmap_init(vp->msr_bitmap, false);
	vmx_msr_bitmap_init(vp->msr_bitmap_x2apic, true);
	/* Every port exits (25.6.4): the partition owns no I/O hardware;
	 * its devices are emulated. */
	memset(hpa_to_ptr(vp->io_bitmap_a), 0xff, PAGE_SIZE);
	memset(hpa_to_ptr(vp->io_bitmap_b), 0xff, PAGE_SIZE);
	vp->vpid = (u16)(p->id + 1); /* VPID 0 is the host's (29.1) */

	for (unsigned i = 0; i < p->nvcpus; i++) {
		struct vmx_vcpu *vv = &vmx_vcpus[p->vcpus[i].pcpu];

		vv->vmcs = zeroed_pages(pmm, 1);
		if (!vv->vmcs) {
			strfmt(why, n, "out of memory for a VMCS");
			return false;
		}
	}
	return true;
}
