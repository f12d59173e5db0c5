/*
 * Private to arch/x86_64/svm/: the SVM data behind a partition and a vCPU.
 * The partition's nested page table and scratch page are the shared
 * x86_partitions[] (arch/guest.h); these are what only SVM has.
 */
#ifndef SVM_INTERNAL_H
#define SVM_INTERNAL_H

#include <tessera/partition.h>
#include <arch/vmcb.h>

struct svm_partition {
	hpa_t iopm;  /* 12 KiB I/O permission map (APM Vol. 2 15.10.1) */
	hpa_t msrpm; /* 8 KiB MSR permission map (15.11): guest APIC not in x2APIC mode */
	hpa_t msrpm_x2apic; /* the same with the x2APIC MSRs the guest's own */
	u32 asid;    /* its guests' TLB tag (15.16) */
};

struct svm_vcpu {
	hpa_t vmcb_pa;
	struct vmcb *vmcb;
	u64 guest_tf;     /* the guest's own RFLAGS.TF while we single-step */
	bool flush;       /* the map changed: flush the TLB at the next VMRUN */
};

extern struct svm_partition svm_partitions[MAX_PARTITIONS];
extern struct svm_vcpu svm_vcpus[MAX_CPUS];

/* What this CPU's SVM has (CPUID 8000000AH EDX, svm.c). */
extern u32 svm_features;

/* svm.c */
bool svm_supported(char *why, size_t n);
bool svm_enable(struct pcpu *c, char *why, size_t n);
void svm_describe(char *buf, size_t n);

/* svm_partition.c */
bool svm_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n);
void svm_apic_mode_changed(struct vcpu *v);

/* vmcb.c */
void vmcb_setup(struct vcpu *v);

/* exit.c */
void svm_vcpu_run(struct vcpu *v);
void svm_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s);
const char *svm_reason_name(unsigned reason);

/* svm_entry.S: VMLOAD the guest's, VMRUN, VMSAVE the guest's, with the
 * host's other state kept by VMSAVE/VMLOAD at host_state. */
void svm_enter(struct guest_regs *regs, hpa_t vmcb, hpa_t host_state);

#endif
