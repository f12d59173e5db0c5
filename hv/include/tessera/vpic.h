/*
 * A virtual pair of 8259A interrupt controllers, the PC's legacy PIC, for
 * one reason: Linux's 8250 driver wants an interrupt line for ttyS0 (IRQ 4)
 * and, without an I/O APIC, finds one only through the PIC. Portable and
 * host-tested like vuart.c.
 *
 * Modelled (Intel 8259A data sheet, "Programming the 8259A"): the
 * initialization sequence ICW1-ICW4 (vector base from ICW2; ICW4's
 * auto-EOI), the mask register (OCW1), specific and non-specific EOI
 * (OCW2), reading IRR or ISR (OCW3), fixed priority (IRQ 0 highest), and
 * the cascade: the slave's requests reach the master through IRQ 2. The
 * trigger mode of each input is the chipset's edge/level control register
 * (ELCR, as in the Intel PIIX4 data sheet, 3.2.8.3-4), which Linux writes
 * for the ACPI SCI: edge inputs request on a rising edge, level inputs
 * for as long as they are high. Not modelled: ICW1's LTIM (level for the
 * whole chip; the ELCR is how PCs choose), rotating priorities, special
 * mask and poll modes, buffered mode (never used by Linux).
 *
 * Ports: master 0x20 (command) / 0x21 (data), slave 0xa0 / 0xa1; ELCR
 * 0x4d0 (IRQ 0-7) / 0x4d1 (IRQ 8-15).
 */
#ifndef TESSERA_VPIC_H
#define TESSERA_VPIC_H

#include <tessera/types.h>

#define VPIC_MASTER_CMD 0x20
#define VPIC_MASTER_DATA 0x21
#define VPIC_SLAVE_CMD 0xa0
#define VPIC_SLAVE_DATA 0xa1
#define VPIC_ELCR_MASTER 0x4d0
#define VPIC_ELCR_SLAVE 0x4d1
/* ELCR bits that are always 0, edge (PIIX4 3.2.8.3-4): the timer, the
 * keyboard, the cascade, the RTC and the FPU error inputs. */
#define VPIC_ELCR_MASTER_FIXED 0x07
#define VPIC_ELCR_SLAVE_FIXED 0x21
#define VPIC_CASCADE_IRQ 2

struct vpic_chip {
	u8 irr, isr, imr;
	u8 vector_base; /* ICW2, top 5 bits */
	u8 lines;       /* input levels, for edge detection */
	u8 elcr;        /* 1: that input is level triggered */
	u8 init_step;   /* 0: not in a sequence; 2, 3, 4: expecting that ICW */
	bool ready;     /* an ICW sequence completed: the vector base is set */
	bool need_icw4;
	bool single;    /* ICW1 SNGL: no cascade */
	bool auto_eoi;  /* ICW4 AEOI */
	bool read_isr;  /* OCW3: the command port reads ISR (else IRR) */
};

struct vpic {
	struct vpic_chip master, slave;
};

/* Power-on state: everything masked, vector base 0, not initialized. */
void vpic_init(struct vpic *p);

/* Does port belong to the PIC pair? */
bool vpic_owns_port(u16 port);
/* Guest access to one of its ports (8-bit). */
u8 vpic_read(struct vpic *p, u16 port);
void vpic_write(struct vpic *p, u16 port, u8 value);

/* A device drives input line irq (0-15) to level; a rising edge raises a
 * request. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);

/* The vector the PIC would hand the CPU now (an unmasked request of higher
 * priority than anything in service), or -1. */
int vpic_pending(const struct vpic *p);
/* The CPU takes it (the interrupt acknowledge cycle): the request moves to
 * in-service (unless auto-EOI). Returns the vector, or -1 if none. */
int vpic_ack(struct vpic *p);

#endif
