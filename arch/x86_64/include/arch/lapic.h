/*
 * The hypervisor's side of each CPU's local APIC: start APs, kick and
 * preempt partition CPUs, and reach the registers a guest's APIC accesses
 * are passed to. x2APIC mode on every CPU that has it; the xAPIC through
 * its MMIO page on CPUs without x2APIC (QEMU's TCG CPUs): SDM Vol. 3A
 * 11.4 and 11.12.
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <tessera/arch.h>
#include <tessera/types.h>
#include <tessera/vlapic.h>

void lapic_init(void);
void lapic_enable_x2apic(void);
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u8 vector);
/* A fixed-vector IPI (the hypervisor's "kick", KICK_VECTOR). */
void lapic_send_fixed(u32 apic_id, u8 vector);
/* An NMI IPI (arch_cpu_preempt). */
void lapic_send_nmi(u32 apic_id);
/* Before a vCPU starts on this CPU: whatever the last guest left in the
 * local APIC it owned (an armed timer, vectors in service) is cleared. */
void lapic_reset_for_guest(void);
/* Is this CPU's APIC in x2APIC mode (else xAPIC, through MMIO)? */
bool lapic_x2apic_mode(void);
/* Register reg (enum vlapic_reg: the x2APIC index, xAPIC offset >> 4) in
 * whichever mode the APIC is in. The ICR is one 64-bit value. */
u64 lapic_reg_read(unsigned reg);
void lapic_reg_write(unsigned reg, u64 value);
/* End the interrupt in service (11.8.5). */
void lapic_eoi(void);

/* The vector the hypervisor kicks partition CPUs with: an interrupt makes
 * a CPU in guest mode exit (external-interrupt exiting); highest priority
 * class, so that no guest TPR value the hypervisor allows can block it. */
#define KICK_VECTOR ARCH_RESERVED_VECTOR /* 0xf2, tessera/arch.h */
#define SPURIOUS_VECTOR 0xff
/* The periodic tick of a CPU that runs no guest (lapic_tick_start); only
 * such a CPU takes this vector as the tick, so a guest's own 0xf1 on its
 * own CPUs is still the guest's. */
#define TICK_VECTOR 0xf1

/* Start a periodic tick of hz on this CPU's APIC timer (this is CPU cpu).
 * False if the timer's rate could not be measured. */
bool lapic_tick_start(unsigned cpu, unsigned hz);
/* Is vector this CPU's tick? */
bool lapic_is_tick(unsigned cpu, u8 vector);

#endif
