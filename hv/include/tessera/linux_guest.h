/*
 * A Linux partition (format = linux): what the hypervisor gives an
 * unmodified distribution kernel beyond its CPUs and memory
 * (docs/linux-guests.md):
 *  - boot state per the Linux/x86 32-bit boot protocol (linux_boot.c),
 *  - firmware tables built at boot: RSDP, XSDT, MADT with exactly its
 *    CPUs, a FADT, a FACS and a DSDT with \_S5 and COM1 (acpi_build.c),
 *  - the FADT's PM1 and reset registers as trapped I/O ports (acpi_pm.c):
 *    power-off stops the partition, reset restarts it,
 *  - the legacy PIC its serial port's IRQ 4 goes through (vpic.c),
 *  - every other port it does not own reads as "no device" (all ones),
 *    without being a violation: Linux probes legacy PC devices at boot.
 */
#ifndef TESSERA_LINUX_GUEST_H
#define TESSERA_LINUX_GUEST_H

#include <tessera/types.h>

struct partition;
struct vcpu;

/* Place kernel, initrd and tables in p's memory and set vCPU 0's boot
 * state. False with a one-line reason in err. */
bool linux_guest_load(struct partition *p, const void *kernel, size_t ksize,
		      const void *initrd, size_t isize, char *err, size_t errlen);

#endif
