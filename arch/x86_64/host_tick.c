/*
 * A periodic interrupt for a CPU that runs a partition and has no timer of
 * its own to spare: the console's CPU when it is shared (console_cpu =
 * none) on a backend without a preemption timer (SVM). Its local APIC
 * timer is the guest's, so the tick comes from the machine's PIT, which no
 * partition ever owns, through the machine's I/O APIC (the route the MADT
 * gives, cpus_irq0), as the kick vector: it makes the guest exit (an
 * intercepted interrupt) and then only ends itself (idt.c), so the exit
 * path runs the console's step (vcpu_host_work).
 *
 * I/O APIC: 82093AA data sheet 3.0-3.2: IOREGSEL at +0, IOWIN at +0x10;
 * redirection entry n at registers 0x10 + 2n (low) and 0x11 + 2n (high):
 * vector 7:0, delivery mode 10:8 (000 fixed), destination mode 11 (0
 * physical), polarity 13, trigger 15, mask 16; destination APIC ID 63:56.
 */
#include <tessera/arch.h>
#include <tessera/cpus.h>
#include <tessera/log.h>
#include <tessera/pcpu.h>
#include <arch/lapic.h>
#include <drivers/pit8254.h>

#define IOREGSEL 0x00
#define IOWIN 0x10
#define RTE_LO(n) (0x10 + 2 * (n))
#define RTE_HI(n) (0x11 + 2 * (n))
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_LEVEL (1u << 15)

static void ioapic_write(u32 base, u32 reg, u32 value)
{
	volatile u32 *io = hpa_to_ptr(base);

	io[IOREGSEL / 4] = reg;
	io[IOWIN / 4] = value;
}

bool arch_cpu_external_tick(unsigned cpu, unsigned hz)
{
	const struct isa_irq_route *r = &cpus_irq0;

	if (!r->valid || cpu >= pcpu_count || r->level)
		return false;
	ioapic_write(r->ioapic_addr, RTE_HI(r->pin), pcpus[cpu].apic_id << 24);
	ioapic_write(r->ioapic_addr, RTE_LO(r->pin),
		     KICK_VECTOR | (r->active_low ? RTE_ACTIVE_LOW : 0));
	pit8254_periodic(hz);
	return true;
}
