/*
 * Private to arch/x86_64/vmx/: the VMX data behind a partition and a vCPU.
 * hv/ never sees these; it names partitions by id and vCPUs by pCPU.
 */
#ifndef VMX_INTERNAL_H
#define VMX_INTERNAL_H

#include <tessera/partition.h>

/* The partition's EPT and scratch page are the shared x86_partitions[]
 * (arch/guest.h); these are what only VMX has. */
struct vmx_partition {
	hpa_t msr_bitmap; /* 4 KiB, SDM Vol. 3C 25.6.9: guest APIC not in x2APIC mode */
	hpa_t msr_bitmap_x2apic; /* the same with the x2APIC MSRs the guest's own */
	hpa_t io_bitmap_a; /* ports 0x0000-0x7fff, 25.6.4 */
	hpa_t io_bitmap_b; /* ports 0x8000-0xffff */
	u16 vpid;
};

struct vmx_vcpu {
	hpa_t vmcs;
	bool launched;
	/* This CPU's vCPU VMCS is current and set up (arch_vcpu_run): an NMI
	 * may then write to it (vmx_nmi_taken). */
	volatile bool vmcs_ready;
	u64 guest_tf; /* the guest's own RFLAGS.TF while we single-step */
	bool window_exiting; /* CPU_BASED_INTR_WINDOW_EXITING as last written */
	bool timer_armed; /* the preemption timer is set for a device deadline */
};

extern struct vmx_partition vmx_partitions[MAX_PARTITIONS];
extern struct vmx_vcpu vmx_vcpus[MAX_CPUS];

/* vmcs.c */
void vmcs_setup(struct vcpu *v);
void vmcs_load_boot_state(const struct vcpu_boot *b);
u64 vmx_cr0_real(u64 guest_value);
u64 vmx_cr4_real(u64 guest_value);
void vmx_fatal(const char *what); /* a VMX instruction failed: hypervisor bug */
void vmx_preemption_timer_reset(const struct vcpu *v);
void vmx_preemption_timer_expire_now(void);
void vmx_preemption_timer_arm(const struct vcpu *v, u64 deadline_ns, u64 now_ns);

/* vmx_entry.S */
int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_stub(void);

/* msr.c */
void vmx_msr_bitmap_init(hpa_t bitmap, bool x2apic_guest);
void vmx_apic_mode_changed(struct vcpu *v);

/* vmx.c, vmx_partition.c */
bool vmx_supported(char *why, size_t n);
bool vmx_enable(struct pcpu *c, char *why, size_t n);
void vmx_describe(char *buf, size_t n);
bool vmx_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n);

/* exit.c */
void vmx_vcpu_run(struct vcpu *v);
void vmx_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s);
const char *vmx_reason_name(unsigned reason);
void vmx_flush_gmap(struct vcpu *v);
void vmx_single_step(struct vcpu *v, bool on);

/* The EPT pointer for the VMCS (SDM Vol. 3C 25.6.11). */
u64 vmx_ept_pointer(const struct partition *p);

#endif
