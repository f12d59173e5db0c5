/*
 * A guest's accesses to its local APIC, carried out: the policy of
 * tessera/vlapic.h applied to the hardware APIC of the vCPU's own CPU.
 * Shared by the VMX backend and, next, SVM: the backend only turns its
 * exits (RDMSR/WRMSR of 0x1B and 0x800-0x8FF, an EPT violation or nested
 * page fault on the xAPIC page, MOV to CR8) into these calls.
 */
#ifndef ARCH_APIC_ACCESS_H
#define ARCH_APIC_ACCESS_H

#include <tessera/partition.h>

/* At the start of each run of v: the APIC as the platform hands it over
 * (config `apic`), and the hardware quiet. */
void apic_vcpu_start(struct vcpu *v);

/* IA32_APIC_BASE. A write false: #GP (reported). */
u64 apic_base_read(struct vcpu *v);
bool apic_base_write(struct vcpu *v, u64 value);

/* x2APIC MSRs 0x800-0x8FF that exit. False: #GP (reported). */
bool apic_msr_read(struct vcpu *v, u32 msr, u64 *value);
bool apic_msr_write(struct vcpu *v, u32 msr, u64 value);

/* MOV to/from CR8 (64-bit mode): TPR bits 7:4 (SDM Vol. 3A 11.8.6). */
void apic_cr8_write(struct vcpu *v, u64 value);
u64 apic_cr8_read(struct vcpu *v);

/* Is gpa on v's xAPIC page (the guest is in xAPIC mode there)? */
bool apic_mmio_hit(const struct vcpu *v, u64 gpa);
/* An access to that page (mmio_access_fn shape, ctx = the vCPU). */
bool apic_mmio_access(void *vcpu, u64 gpa, unsigned size, bool write, u64 *value);

/* Does the guest's CPUID offer x2APIC (the hardware's answer)? */
bool apic_cpu_has_x2apic(void);

#endif
