/*
 * Private to arch/x86_64/vmx/: the VMX data behind a partition and a vCPU.
 * hv/ never sees these; it names partitions by id and vCPUs by pCPU.
 */
#ifndef VMX_INTERNAL_H
#define VMX_INTERNAL_H

#include <tessera/partition.h>
#include <tessera/spinlock.h>
#include <arch/ept.h>

#define MAX_TEMP_MAPS 4 /* pages mapped for one single-stepped instruction */

struct vmx_partition {
	struct ept ept;
	spinlock_t ept_lock; /* its vCPUs change it while stepping over violations */
	hpa_t msr_bitmap; /* 4 KiB, SDM Vol. 3C 25.6.9: guest APIC not in x2APIC mode */
	hpa_t msr_bitmap_x2apic; /* the same with the x2APIC MSRs the guest's own */
	hpa_t io_bitmap_a; /* ports 0x0000-0x7fff, 25.6.4 */
	hpa_t io_bitmap_b; /* ports 0x8000-0xffff */
	hpa_t scratch;     /* stands in for unmapped memory in report mode */
	u16 vpid;
};

struct vmx_vcpu {
	hpa_t vmcs;
	bool launched;
	/* This CPU's vCPU VMCS is current and set up (arch_vcpu_run): an NMI
	 * may then write to it (vmx_nmi_taken). */
	volatile bool vmcs_ready;
	/* violations = report: pages mapped while one instruction single-steps */
	unsigned ntemp;
	gpa_t temp[MAX_TEMP_MAPS];
	u64 guest_tf; /* the guest's own RFLAGS.TF while we single-step */
	bool window_exiting; /* CPU_BASED_INTR_WINDOW_EXITING as last written */
	u64 guest_mtrr_def_type; /* the guest's own IA32_MTRR_DEF_TYPE (msr.c) */
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

/* exit.c */
int vmx_enter(struct guest_regs *regs, int launched);
void vmx_exit_stub(void);

/* msr.c */
void vmx_msr_bitmap_init(hpa_t bitmap, bool x2apic_guest);
/* MSR_DENIED: #GP, reported by the caller; MSR_REPORTED: #GP, already
 * reported with its reason. */
enum msr_result { MSR_DONE, MSR_DENIED, MSR_REPORTED };
enum msr_result vmx_msr_read(struct vcpu *v, u32 msr, u64 *value);
enum msr_result vmx_msr_write(struct vcpu *v, u32 msr, u64 value);
void vmx_apic_mode_changed(struct vcpu *v);

#endif
