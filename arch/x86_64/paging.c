/*
 * The hypervisor's own page tables: all of physical memory mapped 1:1.
 *
 * Why our own: the firmware's tables live in boot-services memory, which
 * the hypervisor gives back to its allocator (and so, to partitions). Why
 * 1:1: it is the simplest map that works, every physical address is
 * directly usable as a pointer (tessera/types.h: hpa_to_ptr), and the
 * hypervisor needs no address-space management of its own.
 *
 * Layout (SDM Vol. 3A 4.5, 4-level paging), 2 MiB pages throughout:
 *
 *   PML4[0] -> PDPT[0..n) -> PD (512 x 2 MiB) each = 1 GiB per PD
 *
 *   0          4 GiB                         top (>= 4 GiB)
 *   |-- RAM, MMIO holes, LAPIC, IOAPIC --|-- RAM above 4 GiB --|
 *
 * 2 MiB rather than 1 GiB pages because 1 GiB pages are optional (CPUID
 * 0x80000001 EDX[26]) and not every nested setup exposes them. Memory
 * types come from the firmware's MTRRs (MMIO ranges are UC there), with
 * the PAT left at its power-on default, where PCD=PWT=0 means "use MTRR".
 */
#include <tessera/arch.h>
#include <tessera/pmm.h>
#include <tessera/log.h>
#include <arch/cpu.h>
#include <arch/paging.h>
#include <arch/x86.h>

#define ENTRIES 512
#define MAX_MAPPED (512ull * GiB) /* one PML4 slot */

static hpa_t hv_cr3;

static u64 *table(hpa_t pa)
{
	return hpa_to_ptr(pa);
}

static hpa_t alloc_table(struct pmm *p)
{
	/* Below 4 GiB: an AP loads CR3 while still in 32-bit mode. */
	hpa_t pa = pmm_alloc_page(p, 4 * GiB);

	if (!pa) {
		log_emergency("paging: out of memory below 4 GiB for page tables\n");
		arch_cpu_stop();
	}
	return pa;
}

void arch_paging_init(struct pmm *p, hpa_t top)
{
	hpa_t pml4, pdpt;
	u64 gigs;

	top = ALIGN_UP(MAX(top, 4 * GiB), GiB);
	if (top > MAX_MAPPED) {
		log_printf("paging: mapping only the first 512 GiB of %llu GiB\n",
			   (unsigned long long)(top / GiB));
		top = MAX_MAPPED;
	}
	gigs = top / GiB;

	pml4 = alloc_table(p);
	pdpt = alloc_table(p);
	table(pml4)[0] = pdpt | PTE_P | PTE_W;
	for (u64 g = 0; g < gigs; g++) {
		hpa_t pd = alloc_table(p);

		for (u64 i = 0; i < ENTRIES; i++)
			table(pd)[i] = (g * GiB + i * LARGE_PAGE_SIZE) | PTE_P | PTE_W | PTE_PS;
		table(pdpt)[g] = pd | PTE_P | PTE_W;
	}
	hv_cr3 = pml4;
	write_cr3(hv_cr3);
}

hpa_t paging_root(void)
{
	return hv_cr3;
}
