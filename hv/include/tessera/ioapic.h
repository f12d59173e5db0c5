/*
 * A partition's virtual I/O APIC: one 24-pin Intel 82093AA-compatible I/O
 * APIC, as Linux, the ACPI MADT (an "I/O APIC structure": ID, address, GSI
 * base) and QEMU/KVM know it, with the EOI register of the version 0x20
 * I/O (x)APICs of Intel's chipsets. It routes the partition's interrupt
 * lines (the vUART's IRQ 4 first, later passed-through GSIs) so that a
 * guest sees a PC's interrupt controller rather than only the 8259 pair.
 *
 * Portable and host-tested, in the shape of tessera/acpi_pm.h: the model
 * never delivers an interrupt. Every call that can send one returns the
 * messages in a struct ioapic_out the caller provides; the caller (the
 * partition's interrupt router) turns each into delivery to the vCPUs
 * its destination names, and decides what to do with destinations that
 * are not the partition's. No lock is taken here: the caller serializes
 * all calls on one struct ioapic with the lock that guards it.
 *
 * References: Intel 82093AA I/O APIC datasheet (290566-001), "DS" below;
 * the EOI register from the Intel ICH datasheets (e.g. 82801DB ICH4,
 * 9.5.5 EOIR), which the 82093AA does not have; the Intel SDM Vol. 3A
 * chapter 11, "SDM" below.
 *
 * The MMIO window (DS 3.0, 3.1): 4 KiB at the base (default 0xFEC00000),
 * of which three offsets are registers:
 *   0x00 IOREGSEL  bits 7:0 select the register IOWIN reaches (DS 3.1.1);
 *                  bits 31:8 reserved: read 0, writes ignored.
 *   0x10 IOWIN     the selected register, 32 bits (DS 3.1.2).
 *   0x40 EOI       write-only: bits 7:0 are a vector; every entry with that
 *                  vector has its remote IRR cleared (ICH4 9.5.5). Reads 0.
 * Accesses: DS 3.0 "All APIC registers are accessed using 32 bit loads and
 * stores", and "the IOWIN Register must be accessed as a Dword quantity".
 * The only exception DS 3.0 names is IOREGSEL, loaded by "a byte memory
 * write", so IOREGSEL also takes 1- and 2-byte accesses at offset 0x00.
 * Anything else in the window (another size, a misaligned address, an
 * offset with no register, IOWIN selecting no register) reads 0 and is
 * ignored on write, and the return code says which, so that the caller can
 * count it (a guest doing that is probing or broken; it is not an error of
 * the hypervisor).
 *
 * The registers behind IOWIN (DS 3.2):
 *   0x00 ID     bits 27:24 R/W, the rest reserved (DS 3.2.1).
 *   0x01 VER    RO: 0x00170020: version 0x20 (the I/O xAPIC with an EOI
 *               register: Linux then EOIs level interrupts there), bits
 *               23:16 the highest entry, 23 (DS 3.2.2).
 *   0x02 ARB    RO: bits 27:24, loaded with the ID when the ID is written
 *               (DS 3.2.3; there is no APIC bus, so it never rotates).
 *   0x10-0x3F   the redirection table: entry n is 0x10 + 2n (low dword)
 *               and 0x11 + 2n (high dword) (DS 3.2.4). Bits defined below;
 *               reserved bits 55:17 read 0. Delivery status (bit 12) always
 *               reads 0 (idle): a message leaves at once, there is no bus to
 *               wait for.
 *   others      read 0, writes ignored (IOAPIC_BAD_INDEX).
 *
 * Inputs: each pin has an electrical level, set by ioapic_set_level().
 * The pin is asserted when that level is the entry's active level
 * (polarity, bit 13). An edge-triggered entry sends a message when its pin
 * becomes asserted, if it is not masked at that moment (an edge on a masked
 * pin is lost: DS 3.2.4 bit 16). A level-triggered entry sends one whenever
 * its pin is asserted, it is not masked and its remote IRR is 0, and sets
 * remote IRR; the EOI of that vector (ioapic_eoi(), the local APIC's EOI
 * message, or the EOI register) clears remote IRR and, if the pin is still
 * asserted, sends again. NMI, INIT, SMI and ExtINT entries always behave
 * as edge triggered (DS 3.2.4 bits 10:8): the local APIC sends no EOI for
 * them (SDM 11.8.5), so a remote IRR set for them would never clear.
 */
#ifndef TESSERA_IOAPIC_H
#define TESSERA_IOAPIC_H

#include <tessera/types.h>

#define IOAPIC_DEFAULT_BASE 0xfec00000ull
#define IOAPIC_MMIO_SIZE 0x1000u
#define IOAPIC_PINS 24
#define IOAPIC_VERSION 0x20

/* MMIO offsets in the window. */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_EOIR 0x40

/* Register indexes behind IOWIN (DS 3.2, Table 2). */
#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDTBL 0x10 /* entry n: low dword 0x10 + 2n, high 0x11 + 2n */
#define IOAPIC_REG_REDTBL_LO(n) (IOAPIC_REG_REDTBL + 2 * (n))
#define IOAPIC_REG_REDTBL_HI(n) (IOAPIC_REG_REDTBL + 2 * (n) + 1)

#define IOAPIC_ID_SHIFT 24 /* ID and ARB: bits 27:24 */
#define IOAPIC_ID_MASK (0xfu << IOAPIC_ID_SHIFT)
#define IOAPIC_VER_MAX_ENTRY_SHIFT 16

/* Redirection table entry bits (DS 3.2.4). */
#define IOAPIC_RTE_VECTOR_MASK 0xffull
#define IOAPIC_RTE_DELMODE_SHIFT 8
#define IOAPIC_RTE_DELMODE_MASK (7ull << IOAPIC_RTE_DELMODE_SHIFT)
#define IOAPIC_RTE_LOGICAL (1ull << 11)     /* destination mode: 1 logical */
#define IOAPIC_RTE_DELIVS (1ull << 12)      /* RO: send pending */
#define IOAPIC_RTE_ACTIVE_LOW (1ull << 13)  /* polarity: 1 low active */
#define IOAPIC_RTE_REMOTE_IRR (1ull << 14)  /* RO */
#define IOAPIC_RTE_LEVEL (1ull << 15)       /* trigger mode: 1 level */
#define IOAPIC_RTE_MASKED (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT 56
#define IOAPIC_RTE_DEST_MASK (0xffull << IOAPIC_RTE_DEST_SHIFT)
/* What software can write; delivery status and remote IRR are read-only. */
#define IOAPIC_RTE_WRITABLE                                                                        \
	(IOAPIC_RTE_VECTOR_MASK | IOAPIC_RTE_DELMODE_MASK | IOAPIC_RTE_LOGICAL |                   \
	 IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LEVEL | IOAPIC_RTE_MASKED | IOAPIC_RTE_DEST_MASK)

/* Delivery modes (DS 3.2.4 bits 10:8; the same codes as the local APIC's
 * ICR and MSI data, SDM 11.6.1, 11.11.2). 3 and 6 are reserved. */
enum ioapic_delivery_mode {
	IOAPIC_DM_FIXED = 0,
	IOAPIC_DM_LOWEST = 1,
	IOAPIC_DM_SMI = 2,
	IOAPIC_DM_NMI = 4,
	IOAPIC_DM_INIT = 5,
	IOAPIC_DM_EXTINT = 7,
};

/*
 * One interrupt message, what a version 0x20 I/O xAPIC writes on the
 * system bus in the MSI format (SDM 11.11.1-2: destination and destination
 * mode in the address; vector, delivery mode and trigger mode in the
 * data). The router delivers it:
 *   vector         as programmed; meaningful for fixed and lowest priority.
 *                  The local APIC rejects 0-15 (SDM 11.5.3, "receive
 *                  illegal vector"): the router must too. Ignored for NMI,
 *                  INIT and SMI; for ExtINT the vector comes from the 8259
 *                  (DS 3.2.4: the INTA cycle goes to the external PIC).
 *   delivery_mode  enum ioapic_delivery_mode (never 3 or 6: not sent).
 *   logical        false: dest is an APIC ID (SDM 11.6.2.1; 0xff is a
 *                  broadcast); true: a logical destination matched against
 *                  each local APIC's LDR/DFR (SDM 11.6.2.2).
 *   dest           bits 63:56 of the entry. The 82093AA's physical mode
 *                  used 59:56 (4-bit APIC bus IDs); xAPIC IDs are 8 bits.
 *   level          level triggered: the receiving local APIC sets the TMR
 *                  bit and must broadcast an EOI for it (SDM 11.8.4, 11.8.5),
 *                  which the router hands back through ioapic_eoi().
 *   pin            the input that sent it (the GSI minus the MADT's GSI base).
 */
struct ioapic_msg {
	u8 vector;
	u8 delivery_mode;
	bool logical;
	u8 dest;
	bool level;
	u8 pin;
};

/*
 * The messages one call sent, in pin order. Every call that takes an out
 * empties it first. No call sends more than one message per pin, so it
 * cannot overflow.
 *   dropped  deliveries not sent because the entry's delivery mode is
 *            reserved (3 or 6); the caller may count them.
 */
struct ioapic_out {
	unsigned n;
	struct ioapic_msg msg[IOAPIC_PINS];
	unsigned dropped;
};

struct ioapic {
	u64 base;               /* guest-physical base of the window */
	u32 ioregsel;           /* bits 7:0 */
	u8 id;                  /* bits 27:24 of ID, as 0-15 */
	u8 arb;                 /* bits 27:24 of ARB */
	u32 lines;              /* bit n: electrical level of pin n (1 high) */
	u64 rte[IOAPIC_PINS];   /* redirection table, RO bits included */
};

/* What an MMIO access did. All but IOAPIC_OK and IOAPIC_NOT_MINE are the
 * guest's doing: a read gives 0, a write changes nothing. */
enum ioapic_access {
	IOAPIC_OK,         /* a register was read or written */
	IOAPIC_NOT_MINE,   /* no byte of it is in the window: the caller's */
	IOAPIC_BAD_SIZE,   /* not a 32-bit aligned access (IOREGSEL: 1, 2 or 4 bytes at 0x00) */
	IOAPIC_BAD_OFFSET, /* an aligned dword at an offset with no register */
	IOAPIC_BAD_INDEX,  /* IOWIN while IOREGSEL selects no register */
	IOAPIC_READ_ONLY,  /* a write through IOWIN to VER or ARB */
	IOAPIC_WRITE_ONLY, /* a read of the EOI register */
};

/*
 * Power-on state at guest-physical base, with ID id (0-15, the MADT's I/O
 * APIC ID; firmware programs it before the OS runs, and here the
 * hypervisor is the firmware): every entry masked, everything else 0
 * (edge, active high, fixed, physical, vector 0, destination 0), IOREGSEL
 * 0, all pins low. A pin's idle level is the board's wiring, not the
 * chip's: the router drives the pins of active-low lines high once, while
 * the entries are still masked, before the guest runs.
 */
void ioapic_init(struct ioapic *io, u64 base, u8 id);

/* True if any byte of an access of size bytes at gpa is in the window. */
bool ioapic_owns(const struct ioapic *io, u64 gpa, unsigned size);

/*
 * A guest read of size bytes at gpa. *value gets the data, zero-extended,
 * and 0 whenever the result is not IOAPIC_OK. Reads have no side effects.
 */
enum ioapic_access ioapic_mmio_read(struct ioapic *io, u64 gpa, unsigned size, u64 *value);

/*
 * A guest write of size bytes at gpa (the low size bytes of value). Writing
 * a redirection entry can send a message (an asserted level-triggered pin
 * unmasked, for example), as can the EOI register (one per pin still
 * asserted): out gets them.
 */
enum ioapic_access ioapic_mmio_write(struct ioapic *io, u64 gpa, unsigned size, u64 value,
				     struct ioapic_out *out);

/*
 * Drive pin (0-23) to an electrical level (true: high). Whether that
 * asserts the pin depends on the entry's polarity: the router drives an
 * active-low line (a PCI INTx, the ACPI SCI) low to assert it, as the
 * MADT's interrupt source overrides tell the guest. out gets the message
 * sent, if any. Returns false, changing nothing, if pin is out of range.
 */
bool ioapic_set_level(struct ioapic *io, unsigned pin, bool level, struct ioapic_out *out);

/*
 * One interrupt from an edge source: pin goes to its active level and back
 * (first to the inactive level if it was active, so that this is always one
 * fresh edge). On a level-triggered entry this is a short assertion, and
 * remote IRR stays set until the EOI. Returns false if pin is out of range.
 */
bool ioapic_pulse(struct ioapic *io, unsigned pin, struct ioapic_out *out);

/*
 * The EOI message of the local APIC for vector (SDM 11.8.5: a local APIC
 * broadcasts it when software EOIs a level-triggered interrupt, unless the
 * guest set "suppress EOI broadcast" in its SVR; the router calls this
 * then). Every entry with that vector gets remote IRR cleared, and each one
 * whose pin is still asserted and which is unmasked sends again (into out).
 * Returns the number of entries whose remote IRR was cleared. The EOI
 * register (offset 0x40) does the same.
 */
unsigned ioapic_eoi(struct ioapic *io, u8 vector, struct ioapic_out *out);

/*
 * The router delivered a level-triggered message from pin to no local
 * APIC at all (its destination has no vCPU of the partition): nobody will
 * send its EOI, so forget the remote IRR it set (as KVM does when no APIC
 * takes the interrupt) rather than leave the pin stuck. Nothing is sent
 * again until the guest writes the entry (a new destination, say) or the
 * pin is driven again (ioapic_set_level, even to the same level). Ignored
 * if pin is out of range.
 */
void ioapic_not_accepted(struct ioapic *io, unsigned pin);

/* The redirection entry of pin as the guest would read it (0 if out of
 * range): for the router and for diagnostics. */
u64 ioapic_rte(const struct ioapic *io, unsigned pin);

#endif
