/*
 * The interrupt router's pure half (tessera/irq.h): the PC's wiring of
 * ISA IRQs to GSIs, the 8259 and the I/O APIC, and where an I/O APIC
 * message goes. Portable and host-tested (tests/unit/test_irq.c); the
 * MADT (hv/acpi_build.c) is built from the same table.
 *
 * "SDM" is the Intel SDM Vol. 3A chapter 11 (APIC), "DS" the Intel
 * 82093AA I/O APIC datasheet; ACPI sections are ACPI 6.5.
 */
#include <tessera/arch.h>
#include <tessera/irq.h>

/*
 * ISA IRQ -> GSI, the one table. ACPI 5.2.12.5 assumes ISA IRQs are
 * identity-mapped onto the first I/O APIC inputs and describes the
 * exceptions with Interrupt Source Overrides; a PC has one: the PIT on
 * IRQ 0 is wired to I/O APIC input 2 (the spec's own example), because
 * input 0 carries the 8259's INTR output. IRQ 2 is the slave 8259's
 * cascade input on the master (8259A data sheet; tessera/vpic.h): no
 * device has it, and it has no GSI.
 */
static const signed char isa_gsi[IRQ_ISA_LINES] = {
	2,        /* IRQ 0: the PIT, overridden to GSI 2 */
	1,        /* IRQ 1: keyboard (none here) */
	IRQ_NONE, /* IRQ 2: the cascade */
	3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
};

int irq_isa_gsi(unsigned isa_irq)
{
	return isa_irq < IRQ_ISA_LINES ? isa_gsi[isa_irq] : IRQ_NONE;
}

struct irq_gsi_route irq_gsi_route(unsigned gsi)
{
	struct irq_gsi_route r = { IRQ_NONE, IRQ_NONE };

	/* The 8259 input is the ISA IRQ that signals this GSI (5.2.12.4). */
	for (unsigned i = 0; i < IRQ_ISA_LINES; i++)
		if (isa_gsi[i] >= 0 && (unsigned)isa_gsi[i] == gsi)
			r.pic_input = (int)i;
	if (gsi < IRQ_NGSI) /* and >= IRQ_GSI_BASE, which is 0 */
		r.ioapic_pin = (int)(gsi - IRQ_GSI_BASE);
	return r;
}

u8 irq_pick_ioapic_id(const u32 *apic_ids, unsigned n)
{
	for (u8 id = 0; id < 16; id++) {
		bool used = false;

		for (unsigned i = 0; i < n && !used; i++)
			used = apic_ids[i] == id;
		if (!used)
			return id;
	}
	return 15;
}

/* SDM 11.6.2.1: in physical destination mode, destination 0xFF is a
 * broadcast to every local APIC (since the Pentium 4 and Xeon, 8-bit
 * xAPIC IDs). The partition's "every" is its own vCPUs. */
#define XAPIC_BROADCAST 0xff

void irq_decide(const struct ioapic_msg *m, const u32 *apic_ids, unsigned n, u32 logical_match,
		bool legacy_pic, struct irq_decision *d)
{
	u32 all, named = 0;

	d->targets = 0;
	if (n > 32)
		n = 32;
	all = n == 32 ? ~0u : (1u << n) - 1;
	if (m->logical) {
		/* Logical mode names CPUs by their LDR and DFR (SDM 11.6.2.2),
		 * which the guest keeps in its local APICs: the caller asked
		 * them. Linux does not use it here: the FADT forces physical
		 * destination mode (physflat). */
		named = logical_match & all;
		if (!named) {
			d->verdict = IRQ_DROP_LOGICAL;
			return;
		}
	} else {
		for (unsigned i = 0; i < n; i++)
			if (m->dest == XAPIC_BROADCAST || apic_ids[i] == m->dest)
				named |= 1u << i;
		if (!named) {
			d->verdict = IRQ_DROP_NOT_OURS;
			return;
		}
	}
	switch (m->delivery_mode) {
	case IOAPIC_DM_FIXED:
	case IOAPIC_DM_LOWEST:
		/* SDM 11.5.3: a local APIC rejects vectors 0-15 ("received
		 * illegal vector"); the kick vector is the hypervisor's. */
		if (m->vector < 16 || m->vector == ARCH_RESERVED_VECTOR) {
			d->verdict = IRQ_DROP_VECTOR;
			return;
		}
		/* Lowest priority goes to one of the CPUs named (SDM 11.6.2.4).
		 * The arbitration uses each CPU's priority, which is in its own
		 * local APIC, the guest's; any one is a valid outcome, so the
		 * first. For one named CPU, as Linux sends, that is the CPU. */
		if (m->delivery_mode == IOAPIC_DM_LOWEST)
			named &= -named;
		d->verdict = IRQ_DELIVER;
		d->targets = named;
		return;
	case IOAPIC_DM_EXTINT:
		/* DS 3.2.4: ExtINT makes the CPU fetch the vector from the
		 * 8259 (the INTA cycle), as in virtual wire mode. The 8259's
		 * output is vCPU 0's already (vcpu_virq_waiting); anywhere else,
		 * or without a PIC, there is nothing to take it from. */
		d->verdict = legacy_pic && (named & 1) ? IRQ_EXTINT_PIC : IRQ_DROP_MODE;
		return;
	default:
		/* NMI, INIT, SMI: an NMI that reaches a CPU while it is in the
		 * hypervisor is the hypervisor's (arch_cpu_preempt), INIT would
		 * restart a vCPU, and there is no SMM: none is forwarded, as
		 * for the ICR (vcpu_send_ipi). */
		d->verdict = IRQ_DROP_MODE;
		return;
	}
}

const char *irq_delivery_mode_name(unsigned mode)
{
	switch (mode) {
	case IOAPIC_DM_FIXED:
		return "fixed";
	case IOAPIC_DM_LOWEST:
		return "lowest priority";
	case IOAPIC_DM_SMI:
		return "SMI";
	case IOAPIC_DM_NMI:
		return "NMI";
	case IOAPIC_DM_INIT:
		return "INIT";
	case IOAPIC_DM_EXTINT:
		return "ExtINT";
	default:
		return "reserved";
	}
}
