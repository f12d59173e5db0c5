/*
 * A partition's interrupt router: the one place every device model's
 * interrupt line goes, by global system interrupt (GSI, ACPI 6.5 5.2.13),
 * and from which the interrupt reaches the partition's vCPUs.
 *
 *   device line --irq_set_level(p, gsi, level)--+--> 8259 pair (Linux: the
 *                                               |    PIC's output is vCPU 0's
 *                                               |    virtual interrupt, virq)
 *                                               +--> I/O APIC pin --> message
 *                                                    --> the vCPU it names:
 *                                                    a physical IPI with the
 *                                                    vector to its CPU
 *
 * The wiring is a PC's (ACPI 6.5 5.2.12.4, "Platforms with APIC and Dual
 * 8259 Support": GSIs 0-15 are the 8259's IRQs 0-15 except where an
 * Interrupt Source Override says otherwise, 5.2.12.5): ISA IRQ n is GSI n,
 * except IRQ 0 (the PIT), which is GSI 2, and IRQ 2, the cascade, which
 * has no GSI. The I/O APIC's pin n is GSI n (its MADT GSI base is 0). A
 * GSI of 0-15 drives both the PIC and the I/O APIC, as on a PC: the guest
 * masks the controller it does not use (Linux with `noapic` leaves every
 * I/O APIC entry masked, as reset left it; Linux with the I/O APIC masks
 * the 8259). GSI 0 is the 8259's output on a PC (virtual wire mode through
 * the I/O APIC); nothing drives it here. GSIs 16-23 reach the I/O APIC
 * only (passed-through PCI INTx, step 7).
 *
 * The table that says all this is in hv/irq_route.c, with the decision
 * of where an I/O APIC message goes: both portable, host-tested
 * (tests/unit/test_irq.c). The MADT's overrides (hv/acpi_build.c) are
 * built from the same table. hv/irq.c is the glue that locks, calls the
 * models and delivers.
 */
#ifndef TESSERA_IRQ_H
#define TESSERA_IRQ_H

#include <tessera/ioapic.h>
#include <tessera/types.h>

#define IRQ_ISA_LINES 16 /* ISA IRQs 0-15, the 8259 pair's inputs */
#define IRQ_GSI_BASE 0   /* the I/O APIC's first GSI (its MADT entry, 5.2.12.3) */
#define IRQ_NGSI (IRQ_GSI_BASE + IOAPIC_PINS)
#define IRQ_NONE (-1)

/* ------------------------------------------------ portable (irq_route.c) */

/* The GSI ISA IRQ isa_irq signals (0 -> 2, 2 -> none, n -> n), or IRQ_NONE
 * for the cascade and for isa_irq >= 16. */
int irq_isa_gsi(unsigned isa_irq);

/* Where GSI gsi goes: the 8259 input (IRQ_NONE for GSI 0 and GSIs >= 16)
 * and the I/O APIC pin (IRQ_NONE for gsi >= IRQ_NGSI). */
struct irq_gsi_route {
	int pic_input;
	int ioapic_pin;
};
struct irq_gsi_route irq_gsi_route(unsigned gsi);

/*
 * The partition's I/O APIC ID (the MADT's, 5.2.12.3, and the model's ID
 * register, 4 bits, 82093AA DS 3.2.1): the lowest of 0-15 that none of
 * the partition's vCPUs has as its APIC ID, so that a guest that checks
 * for a clash (as 32-bit Linux does for pre-xAPIC systems,
 * io_apic_get_unique_id) finds none. Only a partition whose 16 vCPUs have
 * exactly the APIC IDs 0-15 gets a clash, ID 15: harmless since the
 * Pentium 4, whose I/O APICs send their messages over the system bus
 * (SDM Vol. 3A 11.1), where they name local APIC IDs only; the I/O APIC's
 * own ID served the P6's 3-wire APIC bus (arbitration, DS 3.2.3). 64-bit
 * Linux takes the MADT's ID as it is.
 */
u8 irq_pick_ioapic_id(const u32 *apic_ids, unsigned n);

/* What becomes of one I/O APIC message (irq_decide). */
enum irq_verdict {
	IRQ_DELIVER,       /* the vector to every vCPU in targets */
	IRQ_EXTINT_PIC,    /* ExtINT to vCPU 0 of a partition with a PIC: the
	                    * PIC's output, which vCPU 0 takes already */
	IRQ_DROP_NOT_OURS, /* the (physical) destination is not a CPU of the partition */
	IRQ_DROP_LOGICAL,  /* the logical destination names no CPU of the partition */
	IRQ_DROP_VECTOR,   /* vector 0-15 (SDM 11.5.3) or the hypervisor's */
	IRQ_DROP_MODE,     /* NMI, INIT, SMI; ExtINT without a PIC or to another vCPU */
};

struct irq_decision {
	enum irq_verdict verdict;
	u32 targets; /* IRQ_DELIVER: bit i = vCPU i (index in the partition) */
};

/*
 * Where message m goes, for a partition whose vCPU i has APIC ID
 * apic_ids[i] (n at most 32) and which has a legacy PIC or not. For a
 * message in logical destination mode, bit i of logical_match says
 * whether vCPU i's local APIC accepts m->dest as its logical destination
 * (its LDR and DFR: vlapic_logical_match(), asked by the caller); it is
 * ignored in physical mode. Pure: the caller delivers, reports or forgets.
 */
void irq_decide(const struct ioapic_msg *m, const u32 *apic_ids, unsigned n, u32 logical_match,
		bool legacy_pic, struct irq_decision *d);

/* "fixed", "lowest priority", "NMI" ...: for reports. */
const char *irq_delivery_mode_name(unsigned mode);

/* ----------------------------------------------------- the router (irq.c) */

struct partition;

/*
 * A device drives line gsi to level (true: high; every line today is
 * active high, idle low). Called with p->dev_lock held ([D]: the PIC and
 * the I/O APIC are both under it). Whatever becomes pending is delivered
 * before this returns (see irq.c for why under the lock). Device models
 * that know their ISA IRQ pass irq_isa_gsi(irq).
 */
void irq_set_level(struct partition *p, unsigned gsi, bool level);

/*
 * The EOI of vector from a vCPU's local APIC, for level-triggered I/O APIC
 * entries (SDM 11.8.5: the local APIC broadcasts it; the hypervisor's
 * xAPIC EOI register path calls this). Takes p->dev_lock itself; a line
 * still asserted is delivered again. In x2APIC mode the EOI MSR is passed
 * through to the hardware, so no EOI reaches here: a level-triggered line
 * would stay with remote IRR set after its first interrupt, and needs the
 * EOI MSR intercepted (step 7, PCI INTx). The sources of today (the UART
 * IRQ 4, later the PIT IRQ 0 and the RTC IRQ 8) are ISA interrupts, edge
 * triggered, which need none.
 */
void irq_eoi(struct partition *p, u8 vector);

/* Deliver what the I/O APIC model returned (an MMIO write to it may send
 * messages too). With p->dev_lock held. */
void irq_ioapic_deliver(struct partition *p, const struct ioapic_out *out);

#endif
