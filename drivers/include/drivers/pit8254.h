/*
 * The machine's 8254 timer, channel 0, as a periodic interrupt source for
 * the hypervisor itself (partitions get a PIT model of their own,
 * tessera/pit.h; the machine's is never theirs).
 */
#ifndef DRIVERS_PIT8254_H
#define DRIVERS_PIT8254_H

#include <tessera/types.h>

/* Channel 0 in mode 2 (rate generator) at about hz: IRQ 0 rises once per
 * period (8254 data sheet, mode 2). hz from 19 to 1193182. */
void pit8254_periodic(unsigned hz);

#endif
