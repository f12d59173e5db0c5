/*
 * The two virtualization backends behind tessera/arch.h: Intel VMX
 * (arch/x86_64/vmx/) and AMD SVM (arch/x86_64/svm/). Which one runs is
 * decided once, at boot, from CPUID (virt.c); the rest of the hypervisor
 * calls arch_* functions and never learns which.
 *
 * A backend does only what is its vendor's: entering the guest, reading
 * its exit information and writing its control structure. Everything a
 * policy decides (CPUID, MSRs, I/O, hypercalls, HLT, emulated MMIO,
 * violations) is in the shared exit handlers of arch/guest.h, which both
 * backends call; the partition's guest-physical map is one builder with
 * two entry formats (arch/gmap.h).
 */
#ifndef ARCH_VIRT_H
#define ARCH_VIRT_H

#include <tessera/types.h>

struct pcpu;
struct pmm;
struct partition;
struct vcpu;
struct vcpu_snapshot;
struct gmap_format;

struct virt_backend {
	const char *name; /* "vmx", "svm": the boot log and `version` */
	const struct gmap_format *gmap_format;
	bool deadline_exits; /* a timer of its own ends guest mode at a deadline */
	bool (*supported)(char *why, size_t n);
	bool (*enable)(struct pcpu *c, char *why, size_t n);
	void (*describe)(char *buf, size_t n);
	/* The backend's part of a partition (bitmaps, VMCS/VMCB pages); its
	 * map is already built (x86_partitions[p->id].map). */
	bool (*partition_create)(struct partition *p, struct pmm *pmm, char *why, size_t n);
	void (*vcpu_run)(struct vcpu *v);
	void (*vcpu_snapshot)(struct vcpu *v, struct vcpu_snapshot *s);
	const char *(*reason_name)(unsigned reason);
	/* An NMI reached this CPU in the hypervisor (idt.c nmi_dispatch). */
	void (*nmi_taken)(void);

	/* Called by the shared handlers on the vCPU's own CPU: */
	/* the partition's map changed: drop cached translations */
	void (*flush_gmap)(struct vcpu *v);
	/* single-step the guest's next instruction (trap flag and an
	 * intercepted #DB), or stop doing so */
	void (*single_step)(struct vcpu *v, bool on);
	/* the guest's APIC changed mode (its x2APIC MSRs pass or exit) */
	void (*apic_mode_changed)(struct vcpu *v);
	/* the guest's CR4 as the guest sees it */
	u64 (*guest_cr4)(struct vcpu *v);
};

extern const struct virt_backend vmx_backend;
extern const struct virt_backend svm_backend;

/* The backend this machine runs (NULL before arch_virt_supported() found
 * one). */
extern const struct virt_backend *virt;

/* An NMI reached this CPU in the hypervisor (idt.c): the backend's
 * nmi_taken, if one runs. */
void arch_nmi_taken(void);

#endif
