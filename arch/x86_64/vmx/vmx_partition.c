/*
 * The VMX side of a partition: its EPT (nothing but its own RAM), its
 * MSR and I/O permission bitmaps, a VMCS per vCPU.
 */
#include <tessera/arch.h>
#include <tessera/format.h>
#include <tessera/guest_layout.h>
#include <tessera/pmm.h>
#include <tessera/spinlock.h>
#include <tessera/string.h>
#include "vmx_internal.h"

struct vmx_partition vmx_partitions[MAX_PARTITIONS];
struct vmx_vcpu vmx_vcpus[MAX_CPUS];

/* EPT pages are also taken and given back at run time, by partition CPUs
 * stepping over violations (exit.c), so the allocator needs a lock here. */
static spinlock_t ept_pmm_lock = SPINLOCK_INIT;

static hpa_t table_page(void *ctx)
{
	hpa_t pa;

	spin_lock(&ept_pmm_lock);
	pa = pmm_alloc_page(ctx, PMM_NO_LIMIT);
	spin_unlock(&ept_pmm_lock);
	return pa;
}

static void free_table_page(void *ctx, hpa_t page)
{
	spin_lock(&ept_pmm_lock);
	pmm_free(ctx, page, PAGE_SIZE);
	spin_unlock(&ept_pmm_lock);
}

static hpa_t zeroed_pages(struct pmm *pmm, unsigned n)
{
	hpa_t pa = pmm_alloc(pmm, n * PAGE_SIZE, PAGE_SIZE, PMM_NO_LIMIT);

	if (pa)
		memset(hpa_to_ptr(pa), 0, n * PAGE_SIZE);
	return pa;
}

/*
 * The EPT maps exactly the RAM of the partition's layout (p->layout,
 * tessera/guest_layout.h, built from its format and size), each run onto
 * the partition's own host block at the same offset, read + write +
 * execute, write-back (EPT_RAM). What RAM is, per format, is the
 * layout's business: holes, the emulated devices' pages and everything
 * above the partition's memory stay not present, so an access there is
 * an EPT violation (SDM 29.3.3.2), which the exit handler takes to the
 * device bus or to the violation policy.
 */
bool arch_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n)
{
	struct vmx_partition *vp = &vmx_partitions[p->id];
	struct ept_allocator a = { table_page, free_table_page, pmm };
	const struct guest_layout *l = &p->layout;
	bool ok = ept_init(&vp->ept, &a);

	for (unsigned i = 0; ok && i < l->nram; i++)
		ok = ept_map(&vp->ept, l->ram[i].gpa, p->mem + l->ram[i].gpa, l->ram[i].size,
			     EPT_RAM);
	if (!ok) {
		strfmt(why, n, "cannot build its EPT (out of memory)");
		return false;
	}
	vp->msr_bitmap = zeroed_pages(pmm, 1);
	vp->msr_bitmap_x2apic = zeroed_pages(pmm, 1);
	vp->io_bitmap_a = zeroed_pages(pmm, 1);
	vp->io_bitmap_b = zeroed_pages(pmm, 1);
	vp->scratch = zeroed_pages(pmm, 1);
	if (!vp->msr_bitmap || !vp->msr_bitmap_x2apic || !vp->io_bitmap_a || !vp->io_bitmap_b || !vp->scratch) {
		strfmt(why, n, "out of memory for its bitmaps");
		return false;
	}
	vmx_msr_bitmap_init(vp->msr_bitmap, false);
	vmx_msr_bitmap_init(vp->msr_bitmap_x2apic, true);
	/* Every port exits (25.6.4): the partition owns no I/O hardware;
	 * the virtual UART is emulated. */
	memset(hpa_to_ptr(vp->io_bitmap_a), 0xff, PAGE_SIZE);
	memset(hpa_to_ptr(vp->io_bitmap_b), 0xff, PAGE_SIZE);
	memset(hpa_to_ptr(vp->scratch), 0xff, PAGE_SIZE);
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
