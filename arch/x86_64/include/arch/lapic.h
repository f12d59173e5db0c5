/*
 * The local APIC, just enough to start APs and to kick partition CPUs out
 * of guest mode: x2APIC mode on every CPU that has it, xAPIC (MMIO) only
 * before that switch (SDM Vol. 3A 11.4 and 11.12).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <tessera/types.h>

void lapic_init(void);
void lapic_enable_x2apic(void);
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u8 vector);
/* A fixed-vector IPI (the hypervisor's "kick", KICK_VECTOR). */
void lapic_send_fixed(u32 apic_id, u8 vector);

/* The vector the hypervisor kicks partition CPUs with: an interrupt makes
 * a CPU in guest mode exit (external-interrupt exiting); highest priority
 * class, so that no guest TPR value the hypervisor allows can block it. */
#define KICK_VECTOR 0xf2
#define SPURIOUS_VECTOR 0xff
#define GUEST_TPR_MAX 0xef

#endif
