/*
 * Which virtualization backend runs, and the arch_* functions of
 * tessera/arch.h that go to it (arch/virt.h). The choice is made once,
 * from CPUID: Intel's VMX (CPUID.1:ECX[5], SDM Vol. 3C 24.6) or AMD's SVM
 * (CPUID 80000001H:ECX[2], APM Vol. 2 15.4). A CPU with neither gets one
 * clear sentence and the hypervisor halts.
 */
#include <tessera/arch.h>
#include <tessera/partition.h>
#include <tessera/format.h>
#include <tessera/pmm.h>
#include <tessera/spinlock.h>
#include <tessera/string.h>
#include <arch/cpu.h>
#include <arch/guest.h>
#include <arch/virt.h>
#include <arch/x86.h>

const struct virt_backend *virt;

/* "GenuineIntel" / "AuthenticAMD" does not decide it: the feature bits do
 * (another vendor may implement either). */
static const struct virt_backend *pick(void)
{
	if (cpuid(1, 0).ecx & CPUID1_ECX_VMX)
		return &vmx_backend;
	if (cpuid(0x80000000u, 0).eax >= 0x8000000au &&
	    (cpuid(0x80000001u, 0).ecx & CPUID80000001_ECX_SVM))
		return &svm_backend;
	return NULL;
}

const char *arch_virt_name(void)
{
	return virt ? virt->name : "none";
}

bool arch_virt_supported(char *why, size_t n)
{
	if (!virt)
		virt = pick();
	if (!virt) {
		strfmt(why, n, "this CPU has neither Intel VT-x (CPUID.1:ECX.VMX = 0) nor AMD-V "
			       "(CPUID.80000001H:ECX.SVM = 0); enable virtualization in the "
			       "firmware setup, or for nested KVM load kvm_intel or kvm_amd with "
			       "nested=1 and use -cpu host");
		return false;
	}
	return virt->supported(why, n);
}

bool arch_virt_enable(struct pcpu *c, char *why, size_t n)
{
	return arch_virt_supported(why, n) && virt->enable(c, why, n);
}

void arch_virt_describe(char *buf, size_t n)
{
	virt->describe(buf, n);
}

/* Map pages are also taken and given back at run time, by partition CPUs
 * stepping over violations (guest_exit.c), so the allocator needs a lock. */
static spinlock_t map_pmm_lock = SPINLOCK_INIT;

static hpa_t table_page(void *ctx)
{
	hpa_t pa;

	spin_lock(&map_pmm_lock);
	pa = pmm_alloc_page(ctx, PMM_NO_LIMIT);
	spin_unlock(&map_pmm_lock);
	return pa;
}

static void free_table_page(void *ctx, hpa_t page)
{
	spin_lock(&map_pmm_lock);
	pmm_free(ctx, page, PAGE_SIZE);
	spin_unlock(&map_pmm_lock);
}

/*
 * The guest-physical map holds exactly the RAM of the partition's layout
 * (p->layout, tessera/guest_layout.h, built from its format and size),
 * each run onto the partition's own host block at the same offset,
 * read + write + execute, write-back. What RAM is, per format, is the
 * layout's business: holes, the emulated devices' pages and everything
 * above the partition's memory stay unmapped, so an access there exits
 * (an EPT violation, SDM 29.3.3.2; a nested page fault, APM Vol. 2
 * 15.25.6), to the device bus or to the violation policy.
 */
bool arch_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n)
{
	struct x86_partition *xp = &x86_partitions[p->id];
	struct gmap_allocator a = { table_page, free_table_page, pmm };
	const struct guest_layout *l = &p->layout;
	bool ok = gmap_init(&xp->map, virt->gmap_format, &a);

	for (unsigned i = 0; ok && i < l->nram; i++)
		ok = gmap_map(&xp->map, l->ram[i].gpa, p->mem + l->ram[i].gpa, l->ram[i].size,
			      GMAP_RAM);
	if (!ok) {
		strfmt(why, n, "cannot build its %s (out of memory)", virt->gmap_format->name);
		return false;
	}
	xp->map_lock = (spinlock_t)SPINLOCK_INIT;
	xp->scratch = pmm_alloc_page(pmm, PMM_NO_LIMIT);
	if (!xp->scratch) {
		strfmt(why, n, "out of memory for its scratch page");
		return false;
	}
	memset(hpa_to_ptr(xp->scratch), 0xff, PAGE_SIZE);
	return virt->partition_create(p, pmm, why, n);
}

bool arch_guest_deadline_exits(void)
{
	return virt && virt->deadline_exits;
}

void arch_vcpu_run(struct vcpu *v)
{
	virt->vcpu_run(v);
}

void arch_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s)
{
	virt->vcpu_snapshot(v, s);
}

const char *arch_exit_reason_name(unsigned reason)
{
	return virt ? virt->reason_name(reason) : "unknown";
}

void arch_nmi_taken(void)
{
	if (virt)
		virt->nmi_taken();
}
