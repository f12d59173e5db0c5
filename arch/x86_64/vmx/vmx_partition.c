/*
 * The VMX side of a partition: its EPT (nothing but its own RAM), its
 * MSR and I/O permission bitmaps, a VMCS per vCPU.
 */
#include <tessera/arch.h>
#include <tessera/format.h>
#include <tessera/multiboot.h>
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
 * Guest-physical map of a partition (see tessera/multiboot.h):
 *   [0, 0xa0000)          RAM (real-mode area, multiboot info)
 *   [0xa0000, 0x100000)   hole: legacy VGA/ROM, unmapped (Linux: its
 *                         own RAM, left out of its e820 map)
 *   [0x100000, mem_size)  RAM
 * all onto the partition's own host block at the same offsets.
 */
bool arch_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n)
{
	struct vmx_partition *vp = &vmx_partitions[p->id];
	struct ept_allocator a = { table_page, free_table_page, pmm };

	/* A Linux guest reads the legacy area (BIOS data, the 0xf0000 ROM
	 * area where it looks for SMBIOS and MP tables): there it finds its
	 * own zeroed memory, so it finds nothing, and no violation. */
	bool whole = p->cfg->format == FORMAT_LINUX;

	if (!ept_init(&vp->ept, &a) ||
	    (whole && !ept_map(&vp->ept, 0, p->mem, p->mem_size, EPT_RAM)) ||
	    (!whole && !ept_map(&vp->ept, 0, p->mem, MB_HOLE_START, EPT_RAM)) ||
	    (!whole && !ept_map(&vp->ept, MB_HOLE_END, p->mem + MB_HOLE_END,
				p->mem_size - MB_HOLE_END, EPT_RAM))) {
		strfmt(why, n, "cannot build its EPT (out of memory)");
		return false;
	}
	vp->msr_bitmap = zeroed_pages(pmm, 1);
	vp->io_bitmap_a = zeroed_pages(pmm, 1);
	vp->io_bitmap_b = zeroed_pages(pmm, 1);
	vp->scratch = zeroed_pages(pmm, 1);
	if (!vp->msr_bitmap || !vp->io_bitmap_a || !vp->io_bitmap_b || !vp->scratch) {
		strfmt(why, n, "out of memory for its bitmaps");
		return false;
	}
	vmx_msr_bitmap_init(vp->msr_bitmap);
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
