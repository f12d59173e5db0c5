/*
 * A partition's PC: its devices on its bus, and what happens to a port
 * nobody answers (tessera/platform.h has the table of devices).
 *
 * Each handler below takes its device's lock, calls the pure model with
 * the access, and acts on what the model returns after the lock is let
 * go (a power-off, a reset, an interrupt line), so that no device lock
 * is ever held across a lifecycle call.
 */
#include <tessera/acpi.h> /* struct acpi_rsdp */
#include <tessera/acpi_build.h>
#include <tessera/arch.h>
#include <tessera/format.h>
#include <tessera/ioapic.h>
#include <tessera/irq.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/platform.h>
#include <tessera/string.h>
#include <tessera/timers.h>

#define VUART_BASE 0x3f8
#define PIT_PORT_BASE 0x40 /* counters 0-2 and the control word, 0x40-0x43 */
#define PIT_PORT_61 0x61   /* channel 2's gate and OUT, the speaker (the PC's port B) */
#define RTC_PORT_BASE 0x70 /* index, then data */

static const struct platform_desc platform_multiboot = {
	.name = "multiboot",
	.legacy_pic = false,
	.acpi_pm = true, /* the FADT a Multiboot kernel gets names them */
	.probing_expected = false,
	.quiet_events = 0, /* test kernels: every denial is worth a line */
};

static const struct platform_desc platform_linux = {
	.name = "linux",
	.legacy_pic = true,
	.acpi_pm = true,
	.probing_expected = true,
	/* At boot Linux reads PCI configuration space, looks for COM2-4
	 * and reads a dozen model-specific MSRs: about 60 lines that say
	 * nothing is wrong. */
	.quiet_events = EV_BIT(EV_ABSENT) | EV_BIT(EV_MSR),
};

/* The machine's date at boot (platform_set_wallclock), for every RTC. */
static struct rtc_datetime wallclock = { 2000, 1, 1, 0, 0, 0 };
static u64 wallclock_ns;

void platform_set_wallclock(const struct rtc_datetime *now, u64 at_ns)
{
	wallclock = *now;
	wallclock_ns = at_ns;
}

/* ---------------------------------------------------------- handlers */

/* The vUART's registers are bytes: a wider access takes them one by one,
 * as the ISA bus splits it. */
static void uart_io(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	u64 v = 0;

	(void)caller;
	spin_lock(&p->dev_lock);
	for (unsigned i = 0; i < a->size; i++) {
		u16 reg = (u16)(a->offset + i);

		if (reg >= VUART_PORTS)
			v |= 0xffull << (8 * i);
		else if (a->write)
			vuart_write(&p->uart, reg, (u8)(a->value >> (8 * i)));
		else
			v |= (u64)vuart_read(&p->uart, reg) << (8 * i);
	}
	partition_irq_update(p); /* IRQ 4: the PIC (Linux) and the I/O APIC */
	spin_unlock(&p->dev_lock);
	if (!a->write)
		a->value = v;
}

static void pic_io(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	u64 v = 0;

	(void)caller;
	spin_lock(&p->dev_lock);
	for (unsigned i = 0; i < a->size; i++) {
		u16 port = (u16)(a->addr + i);

		if (a->write)
			vpic_write(&p->pic, port, (u8)(a->value >> (8 * i)));
		else
			v |= (u64)vpic_read(&p->pic, port) << (8 * i);
	}
	partition_irq_update(p);
	spin_unlock(&p->dev_lock);
	if (!a->write)
		a->value = v;
}

static void pm_io(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	u32 v = (u32)a->value;
	unsigned slp_typ = 0;
	enum acpi_pm_action act;

	(void)caller;
	spin_lock(&p->pm_lock);
	act = acpi_pm_io(&p->pm, (u16)a->addr, a->size, a->write, &v, &slp_typ);
	spin_unlock(&p->pm_lock);
	if (!a->write)
		a->value = v;
	switch (act) {
	case ACPI_PM_SLEEP:
		if (slp_typ == GUEST_ACPI_S5_SLP_TYP)
			partition_poweroff(p);
		else
			partition_event(p, EV_UNSUPPORTED, "sleep state with SLP_TYP %u is not supported",
					slp_typ);
		break;
	case ACPI_PM_RESET:
		partition_reboot(p);
		break;
	case ACPI_PM_NOT_MINE: /* the bus gave it a port the model does not have */
	case ACPI_PM_NONE:
		break;
	}
}

/* The PIT: counters, control word, port 0x61. A write that moves channel
 * 0's next edge (a new mode or count) reschedules IRQ 0 (tessera/timers.h),
 * once the PIT's lock is let go. */
static void pit_port_io(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	u32 v = (u32)a->value;
	u64 now = arch_time_ns();
	enum pit_io_result r;

	(void)caller;
	spin_lock(&p->pit_lock);
	r = pit_io(&p->pit, (u16)a->addr, a->size, a->write, &v, now);
	spin_unlock(&p->pit_lock);
	if (!a->write)
		a->value = v;
	if (r == PIT_IRQ0_CHANGED)
		timers_changed(p, now);
}

/* The RTC: index and data. A write that enables or moves its periodic,
 * update or alarm interrupt reschedules IRQ 8; a read of register C (which
 * acknowledges) can too. */
static void rtc_port_io(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	u32 v = (u32)a->value;
	u64 now = arch_time_ns();
	enum rtc_io_result r;

	(void)caller;
	spin_lock(&p->rtc_lock);
	r = rtc_io(&p->rtc, (u16)a->addr, a->size, a->write, &v, now);
	spin_unlock(&p->rtc_lock);
	if (!a->write)
		a->value = v;
	if (r == RTC_IRQ_CHANGED)
		timers_changed(p, now);
}

static const char *ioapic_access_name(enum ioapic_access r)
{
	switch (r) {
	case IOAPIC_BAD_SIZE:
		return "not a 32-bit aligned access";
	case IOAPIC_BAD_OFFSET:
		return "no register at that offset";
	case IOAPIC_BAD_INDEX:
		return "IOREGSEL selects no register";
	case IOAPIC_READ_ONLY:
		return "the register is read-only";
	case IOAPIC_WRITE_ONLY:
		return "the EOI register is write-only";
	default:
		return "?";
	}
}

/*
 * The I/O APIC's 4 KiB window (tessera/ioapic.h), under p->dev_lock with
 * the PIC and the UART: the interrupt path is one lock. A write to a
 * redirection entry or to the EOI register can send messages (an asserted
 * level-triggered pin unmasked); they are delivered before the lock goes.
 * An access that reaches no register reads 0 and is counted as an absent
 * device (quiet for Linux, which never does it; a line for a Multiboot
 * kernel).
 */
static void ioapic_mmio(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	struct ioapic_out out;
	enum ioapic_access r;
	u64 v = 0;

	(void)caller;
	spin_lock(&p->dev_lock);
	if (a->write) {
		r = ioapic_mmio_write(&p->ioapic, a->addr, a->size, a->value, &out);
		irq_ioapic_deliver(p, &out);
	} else {
		r = ioapic_mmio_read(&p->ioapic, a->addr, a->size, &v);
	}
	spin_unlock(&p->dev_lock);
	if (!a->write)
		a->value = v;
	if (r != IOAPIC_OK)
		partition_event(p, EV_ABSENT, "I/O APIC: %s of %u bytes at offset 0x%llx: %s",
				a->write ? "write" : "read", a->size, (unsigned long long)a->offset,
				ioapic_access_name(r));
}

/* ---------------------------------------------------------- the bus */

struct range_def {
	u16 base, len;
	bus_handler handler;
	const char *name;
};

static const struct range_def every_pc[] = {
	{ VUART_BASE, VUART_PORTS, uart_io, "vuart" },
	{ PIT_PORT_BASE, 4, pit_port_io, "pit" },
	{ PIT_PORT_61, 1, pit_port_io, "pit-port-61" },
	{ RTC_PORT_BASE, 2, rtc_port_io, "rtc" },
};

static const struct range_def legacy_pic[] = {
	{ VPIC_MASTER_CMD, 2, pic_io, "vpic-master" },
	{ VPIC_SLAVE_CMD, 2, pic_io, "vpic-slave" },
	{ VPIC_ELCR_MASTER, 2, pic_io, "vpic-elcr" },
};

static const struct range_def acpi_pm[] = {
	/* PM1a_EVT_BLK, PM1a_CNT_BLK and RESET_REG lie back to back. */
	{ GUEST_ACPI_PM1A_EVT_PORT, GUEST_ACPI_RESET_PORT + 1 - GUEST_ACPI_PM1A_EVT_PORT, pm_io,
	  "acpi-pm" },
};

static bool add_ranges(struct partition *p, const struct range_def *d, size_t count, char *why,
		       size_t n)
{
	for (size_t i = 0; i < count; i++) {
		struct bus_range r = { BUS_PIO, d[i].base, d[i].len, d[i].handler, p, d[i].name };

		if (!devbus_add(&p->bus, &r, why, n))
			return false;
	}
	return true;
}

/* Emulated MMIO, in every partition: the I/O APIC's window at the PC's
 * address, which the MADT names (hv/acpi_build.c). */
static bool add_mmio(struct partition *p, char *why, size_t n)
{
	struct bus_range r = { BUS_MMIO, IOAPIC_DEFAULT_BASE, IOAPIC_MMIO_SIZE, ioapic_mmio, p,
			       "ioapic" };

	return devbus_add(&p->bus, &r, why, n);
}

bool platform_create(struct partition *p, char *why, size_t n)
{
	const struct platform_desc *d =
		p->cfg->format == FORMAT_LINUX ? &platform_linux : &platform_multiboot;

	p->platform = d;
	devbus_init(&p->bus);
	return add_ranges(p, every_pc, ARRAY_SIZE(every_pc), why, n) &&
	       (!d->legacy_pic || add_ranges(p, legacy_pic, ARRAY_SIZE(legacy_pic), why, n)) &&
	       (!d->acpi_pm || add_ranges(p, acpi_pm, ARRAY_SIZE(acpi_pm), why, n)) &&
	       add_mmio(p, why, n);
}

/* The I/O APIC's ID, for its ID register and the MADT: from the vCPUs'
 * APIC IDs ([C], set after platform_create), so the same at every start. */
static u8 ioapic_id(const struct partition *p)
{
	u32 ids[HC_MAX_VCPUS];

	for (unsigned i = 0; i < p->nvcpus; i++)
		ids[i] = p->vcpus[i].apic_id;
	return irq_pick_ioapic_id(ids, p->nvcpus);
}

void platform_reset(struct partition *p)
{
	u64 now = arch_time_ns();
	struct rtc_datetime today;

	spin_lock(&p->dev_lock);
	vuart_reset(&p->uart);
	vpic_init(&p->pic);
	__atomic_store_n(&p->virq, false, __ATOMIC_RELEASE);
	/* Every entry masked, every pin low: each line the router drives is
	 * active high and idle low today (tessera/irq.h), the vUART's too,
	 * whose reset leaves its IRQ low. */
	ioapic_init(&p->ioapic, IOAPIC_DEFAULT_BASE, ioapic_id(p));
	spin_unlock(&p->dev_lock);
	spin_lock(&p->pm_lock);
	acpi_pm_reset(&p->pm);
	spin_unlock(&p->pm_lock);
	spin_lock(&p->pit_lock);
	pit_reset(&p->pit, now);
	spin_unlock(&p->pit_lock);
	/* The machine's clock read at boot, advanced to now. */
	spin_lock(&p->rtc_lock);
	rtc_init(&p->rtc, &wallclock, wallclock_ns);
	rtc_now(&p->rtc, now, &today);
	rtc_init(&p->rtc, &today, now);
	spin_unlock(&p->rtc_lock);
	/* Neither timer has an interrupt armed after reset: no deadline. */
	timers_poll(p, now);
}

/* ------------------------------------------------- firmware tables */

bool platform_build_tables(struct partition *p, gpa_t *rsdp, char *err, size_t n)
{
	struct acpi_build_cpu cpus[HC_MAX_VCPUS];
	/* PCAT_COMPAT only where there is an 8259 pair: an OS that sees the
	 * flag masks the 8259 when it enables the I/O APIC (ACPI 6.5
	 * 5.2.12, Multiple APIC Flags), and for a Multiboot kernel those
	 * ports are a denied access. */
	const struct acpi_build_irq irq = { .ioapic_id = ioapic_id(p),
					    .pcat_compat = p->platform->legacy_pic };
	u8 *gm = hpa_to_ptr(p->mem);
	gpa_t copy = guest_layout_rsdp_copy(&p->layout);

	/* The boot CPU comes first in the MADT: vCPU 0 is the one that boots. */
	for (unsigned i = 0; i < p->nvcpus; i++)
		cpus[i].apic_id = p->vcpus[i].apic_id;
	if (!guest_layout_is_ram(&p->layout, GUEST_ACPI_TABLES_GPA, GUEST_ACPI_TABLES_SIZE)) {
		strfmt(err, n, "its memory layout has no RAM for ACPI tables at 0x%llx",
		       (unsigned long long)GUEST_ACPI_TABLES_GPA);
		return false;
	}
	if (!acpi_build_tables(gm + GUEST_ACPI_TABLES_GPA, GUEST_ACPI_TABLES_GPA,
			       GUEST_ACPI_TABLES_SIZE, cpus, p->nvcpus, &irq, rsdp)) {
		strfmt(err, n, "its ACPI tables do not fit in %llu bytes",
		       (unsigned long long)GUEST_ACPI_TABLES_SIZE);
		return false;
	}
	/* Where the layout has a BIOS area, a copy of the RSDP for legacy
	 * scanners (ACPI 6.5 5.2.5.1: 16-byte boundaries in 0xE0000-0xFFFFF).
	 * Its addresses are absolute, so the copy leads to the same XSDT. */
	if (copy)
		memcpy(gm + copy, gm + *rsdp, sizeof(struct acpi_rsdp));
	return true;
}

/* ------------------------------------------------- emulated MMIO */

bool platform_mmio(struct vcpu *v, u64 gpa, unsigned size, bool write, u64 *value)
{
	struct bus_access a = { .size = size, .write = write, .value = write ? *value : 0 };

	if (!devbus_access(&v->part->bus, BUS_MMIO, gpa, v, &a))
		return false;
	if (!write)
		*value = a.value;
	return true;
}

/* ------------------------------------------------- unclaimed ports */

void platform_port_io(struct vcpu *v, u16 port, unsigned size, bool write, u32 *value)
{
	struct partition *p = v->part;
	struct bus_access a = { .size = size, .write = write, .value = write ? *value : 0 };

	if (devbus_access(&p->bus, BUS_PIO, port, v, &a)) {
		if (!write)
			*value = (u32)a.value;
		return;
	}
	if (!write)
		*value = 0xffffffffu; /* as if nothing answered on the bus */
	if (p->platform->probing_expected)
		partition_event(p, EV_ABSENT, "no device at port 0x%x (%s, size %u)", port,
				write ? "write" : "read", size);
	else if (p->cfg->violations == VIOLATION_STOP)
		partition_fail(p, "denied I/O %s of port 0x%x (size %u)", write ? "write" : "read",
			       port, size);
	else
		partition_event(p, EV_PORT, "denied I/O %s of port 0x%x (size %u)",
				write ? "write" : "read", port, size);
}
