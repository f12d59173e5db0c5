/*
 * The local APIC, just enough to start APs: xAPIC (MMIO) or x2APIC (MSR)
 * mode, whichever the firmware left enabled (SDM Vol. 3A 11.4 and 11.12).
 */
#ifndef ARCH_LAPIC_H
#define ARCH_LAPIC_H

#include <tessera/types.h>

void lapic_init(void);
void lapic_enable_x2apic(void);
bool lapic_x2apic_mode(void);
void lapic_send_init(u32 apic_id);
void lapic_send_sipi(u32 apic_id, u8 vector);

#endif
