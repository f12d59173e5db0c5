/*
 * The PC a partition sees: which virtual devices it has, on which ports,
 * for its kernel's format, all registered on the partition's device bus
 * (tessera/devbus.h). The device models themselves are pure and
 * host-tested (hv/vuart.c, hv/vpic.c, hv/acpi_pm.c, hv/devices/); this is
 * the glue that locks them, calls them and acts on what they return.
 *
 *   device          ports / MMIO     formats      lock
 *   vUART (COM1)    0x3f8-0x3ff      all          p->dev_lock (with the vPIC
 *                                                 and the I/O APIC: its IRQ 4
 *                                                 goes there, tessera/irq.h)
 *   8259 pair       0x20-0x21, 0xa0-0xa1,          p->dev_lock
 *   and ELCR        0x4d0-0x4d1      linux
 *   I/O APIC        MMIO 0xfec00000- all          p->dev_lock
 *                   0xfec00fff (GSIs 0-23)
 *   ACPI PM         0x600-0x608      all          p->pm_lock
 *   PIT (8254)      0x40-0x43, 0x61  all          p->pit_lock
 *   RTC/CMOS        0x70-0x71        all          p->rtc_lock
 *
 * A port that no device answers reads all ones and is reported: as a
 * denied access (a violation, under the partition's `violations` policy)
 * for Multiboot kernels, which are ours to test isolation with; as an
 * absent device, never a violation, for Linux, which probes the legacy PC
 * at boot.
 */
#ifndef TESSERA_PLATFORM_H
#define TESSERA_PLATFORM_H

#include <tessera/events.h>
#include <tessera/rtc.h>
#include <tessera/types.h>

struct partition;
struct vcpu;

/* What one format's partitions get. */
struct platform_desc {
	const char *name;
	bool legacy_pic; /* 8259 pair and ELCR: Linux takes the vUART's IRQ 4 there */
	bool acpi_pm;    /* ACPI fixed hardware, named by the FADT Linux gets */
	bool probing_expected; /* an unclaimed port is an absent device, not a violation */
	/* Event kinds (EV_BIT) counted but not printed unless the console's
	 * `log level` is verbose: what this format's kernels probe at boot
	 * as a matter of course. */
	u32 quiet_events;
};

/* Once, when the partition is created: its devices on its bus. False
 * with why if they do not fit (a hypervisor bug). */
bool platform_create(struct partition *p, char *why, size_t n);

/* At every start: every device in its power-on state. */
void platform_reset(struct partition *p);

/* The machine's date, read from its RTC once at boot (hv_main), and the
 * time it was read: every partition's RTC starts from it. Without one
 * (no RTC, or garbage), partitions' clocks start at 2000-01-01. */
void platform_set_wallclock(const struct rtc_datetime *now, u64 at_ns);

/* Its firmware tables (RSDP, XSDT, MADT with its CPUs, FADT, FACS,
 * DSDT: hv/acpi_build.c) in the page at GUEST_ACPI_TABLES_GPA of its
 * memory; *rsdp gets the RSDP's guest-physical address. Where its layout
 * has a BIOS area (Multiboot partitions: guest_layout_rsdp_copy()), a
 * copy of the RSDP goes there too, for kernels that scan for it. For
 * every kernel, after it is loaded (a load zeroes the memory). */
bool platform_build_tables(struct partition *p, gpa_t *rsdp, char *err, size_t n);

/* A guest's IN or OUT: the device on the bus, or the unclaimed-port
 * policy above. */
void platform_port_io(struct vcpu *v, u16 port, unsigned size, bool write, u32 *value);

/*
 * A guest's access of size bytes (1, 2, 4 or 8) at guest-physical gpa that
 * is not its RAM (an exit of the backend's, decoded): the emulated
 * device there, through the partition's bus (BUS_MMIO). On a read the
 * device fills *value (zero-extended); on a write *value is the data.
 * False if no device holds the whole access: the caller then applies the
 * partition's violation policy, as for memory outside the partition.
 * Takes the device's lock; call it with no partition lock held.
 */
bool platform_mmio(struct vcpu *v, u64 gpa, unsigned size, bool write, u64 *value);

#endif
