/*
 * A partition's PC: its devices on its bus, and what happens to a port
 * nobody answers (tessera/platform.h has the table of devices).
 *
 * Each handler below takes its device's lock, calls the pure model with
 * the access, and acts on what the model returns after the lock is let
 * go (a power-off, a reset, an interrupt line), so that no device lock
 * is ever held across a lifecycle call.
 */
#include <tessera/acpi_build.h>
#include <tessera/arch.h>
#include <tessera/format.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/platform.h>
#include <tessera/string.h>

#define VUART_BASE 0x3f8
#define PIT_PORT_BASE 0x40 /* counters 0-2 and the control word, 0x40-0x43 */
#define PIT_PORT_61 0x61   /* channel 2's gate and OUT, the speaker (the PC's port B) */
#define RTC_PORT_BASE 0x70 /* index, then data */

static const struct platform_desc platform_multiboot = {
	.name = "multiboot",
	.legacy_pic = false,
	.acpi_pm = true, /* the FADT a Multiboot2 kernel gets names them */
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
	if (p->platform->legacy_pic)
		partition_irq_update(p);
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

/* The PIT's channel 0 interrupt is not wired yet: a guest can program
 * and read every counter (channel 2 is what kernels calibrate with), but
 * IRQ 0 never fires. */
static void pit_port_io(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	u32 v = (u32)a->value;

	(void)caller;
	spin_lock(&p->pit_lock);
	pit_io(&p->pit, (u16)a->addr, a->size, a->write, &v, arch_time_ns());
	spin_unlock(&p->pit_lock);
	if (!a->write)
		a->value = v;
}

/* The RTC's IRQ 8 is not wired yet either: its clock, its flags and its
 * NVRAM work; its interrupts do not fire. */
static void rtc_port_io(void *ctx, void *caller, struct bus_access *a)
{
	struct partition *p = ctx;
	u32 v = (u32)a->value;

	(void)caller;
	spin_lock(&p->rtc_lock);
	rtc_io(&p->rtc, (u16)a->addr, a->size, a->write, &v, arch_time_ns());
	spin_unlock(&p->rtc_lock);
	if (!a->write)
		a->value = v;
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

bool platform_create(struct partition *p, char *why, size_t n)
{
	const struct platform_desc *d =
		p->cfg->format == FORMAT_LINUX ? &platform_linux : &platform_multiboot;

	p->platform = d;
	devbus_init(&p->bus);
	return add_ranges(p, every_pc, ARRAY_SIZE(every_pc), why, n) &&
	       (!d->legacy_pic || add_ranges(p, legacy_pic, ARRAY_SIZE(legacy_pic), why, n)) &&
	       (!d->acpi_pm || add_ranges(p, acpi_pm, ARRAY_SIZE(acpi_pm), why, n));
}

void platform_reset(struct partition *p)
{
	u64 now = arch_time_ns();
	struct rtc_datetime today;

	spin_lock(&p->dev_lock);
	vuart_reset(&p->uart);
	vpic_init(&p->pic);
	__atomic_store_n(&p->virq, false, __ATOMIC_RELEASE);
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
}

/* ------------------------------------------------- firmware tables */

bool platform_build_tables(struct partition *p, gpa_t *rsdp, char *err, size_t n)
{
	struct acpi_build_cpu cpus[HC_MAX_VCPUS];
	u8 *gm = hpa_to_ptr(p->mem);

	/* The boot CPU comes first in the MADT: vCPU 0 is the one that boots. */
	for (unsigned i = 0; i < p->nvcpus; i++)
		cpus[i].apic_id = p->vcpus[i].apic_id;
	if (!acpi_build_tables(gm + GUEST_ACPI_TABLES_GPA, GUEST_ACPI_TABLES_GPA,
			       GUEST_ACPI_TABLES_SIZE, cpus, p->nvcpus, rsdp)) {
		strfmt(err, n, "its ACPI tables do not fit in %llu bytes",
		       (unsigned long long)GUEST_ACPI_TABLES_SIZE);
		return false;
	}
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
