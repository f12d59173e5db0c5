/*
 * The virtual 8259A pair (tessera/vpic.h). Command words are as the Intel
 * 8259A data sheet names them: ICW1-4 at initialization, OCW1-3 after.
 */
#include <tessera/string.h>
#include <tessera/vpic.h>

#define ICW1 0x10       /* command port, bit 4: starts initialization */
#define ICW1_IC4 0x01   /* ICW4 follows */
#define ICW1_SNGL 0x02  /* single PIC, no ICW3 */
#define ICW4_AEOI 0x02  /* automatic end of interrupt */
#define OCW3_SELECT 0x08 /* bits 4:3 = 01: OCW3; 00: OCW2 */
#define OCW3_RR 0x02    /* read register command... */
#define OCW3_RIS 0x01   /* ...of ISR (else IRR) */
#define OCW2_EOI 0x20   /* bit 5: end of interrupt */
#define OCW2_SL 0x40    /* bit 6: specific (level in bits 2:0) */

void vpic_init(struct vpic *p)
{
	memset(p, 0, sizeof(*p));
	p->master.imr = 0xff;
	p->slave.imr = 0xff;
}

static bool is_elcr(u16 port)
{
	return port == VPIC_ELCR_MASTER || port == VPIC_ELCR_SLAVE;
}

bool vpic_owns_port(u16 port)
{
	return port == VPIC_MASTER_CMD || port == VPIC_MASTER_DATA || port == VPIC_SLAVE_CMD ||
	       port == VPIC_SLAVE_DATA || is_elcr(port);
}

static struct vpic_chip *chip_of(struct vpic *p, u16 port)
{
	if (is_elcr(port))
		return port == VPIC_ELCR_SLAVE ? &p->slave : &p->master;
	return (port & 0xf0) == 0xa0 ? &p->slave : &p->master;
}

u8 vpic_read(struct vpic *p, u16 port)
{
	struct vpic_chip *c = chip_of(p, port);

	if (is_elcr(port))
		return c->elcr;
	if (port & 1)
		return c->imr; /* OCW1 reads back */
	return c->read_isr ? c->isr : c->irr;
}

static void write_command(struct vpic_chip *c, u8 v)
{
	if (v & ICW1) {
		/* ICW1 resets the chip: mask cleared, edge detection
		 * restarted, IRR and ISR read as ... empty here. */
		c->init_step = 2;
		c->need_icw4 = v & ICW1_IC4;
		c->single = v & ICW1_SNGL;
		c->imr = 0;
		c->irr = 0;
		c->isr = 0;
		c->lines = 0;
		c->auto_eoi = false;
		c->read_isr = false;
		return;
	}
	if (v & OCW3_SELECT) {
		if (v & OCW3_RR)
			c->read_isr = v & OCW3_RIS;
		return;
	}
	if (!(v & OCW2_EOI))
		return; /* priority rotation commands: fixed priority here */
	if (v & OCW2_SL) {
		c->isr &= (u8)~(1u << (v & 7));
		return;
	}
	for (unsigned i = 0; i < 8; i++) /* non-specific: the highest in service */
		if (c->isr & (1u << i)) {
			c->isr &= (u8)~(1u << i);
			return;
		}
}

static void write_data(struct vpic_chip *c, u8 v)
{
	switch (c->init_step) {
	case 2:
		c->vector_base = v & 0xf8;
		c->init_step = c->single ? (c->need_icw4 ? 4 : 0) : 3;
		break;
	case 3: /* ICW3: how the chips are cascaded; fixed on a PC */
		c->init_step = c->need_icw4 ? 4 : 0;
		break;
	case 4:
		c->auto_eoi = v & ICW4_AEOI;
		c->init_step = 0;
		break;
	default:
		c->imr = v;
		return;
	}
	if (c->init_step == 0)
		c->ready = true;
}

void vpic_write(struct vpic *p, u16 port, u8 value)
{
	struct vpic_chip *c = chip_of(p, port);

	if (is_elcr(port)) {
		/* Takes effect at the next change of an input (vpic_set_irq). */
		c->elcr = value & (u8)~(port == VPIC_ELCR_MASTER ? VPIC_ELCR_MASTER_FIXED
								: VPIC_ELCR_SLAVE_FIXED);
		return;
	}
	if (port & 1)
		write_data(c, value);
	else
		write_command(c, value);
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	struct vpic_chip *c = irq < 8 ? &p->master : &p->slave;
	u8 bit = (u8)(1u << (irq & 7));

	if (irq > 15)
		return;
	if (c->elcr & bit) {
		/* Level triggered: a request for as long as the line is high,
		 * taken again after each acknowledge while it stays high. */
		c->lines = level ? (u8)(c->lines | bit) : (u8)(c->lines & ~bit);
		c->irr = level ? (u8)(c->irr | bit) : (u8)(c->irr & ~bit);
		return;
	}
	if (level && !(c->lines & bit))
		c->irr |= bit; /* edge triggered: the rising edge requests */
	if (level) {
		c->lines |= bit;
	} else {
		/* The line fell before the CPU took the request: drop it
		 * rather than deliver a stale one (the data sheet asks the
		 * input to stay high until acknowledged). */
		c->lines &= (u8)~bit;
		c->irr &= (u8)~bit;
	}
}

/* The request a chip would deliver, with fixed priority (0 highest) and
 * fully nested in-service blocking: -1 if none. */
static int chip_best(const struct vpic_chip *c, u8 irr)
{
	u8 req = irr & (u8)~c->imr;

	if (!c->ready)
		return -1;
	for (int i = 0; i < 8; i++) {
		if (c->isr & (1u << i))
			return -1;
		if (req & (1u << i))
			return i;
	}
	return -1;
}

static u8 master_irr(const struct vpic *p)
{
	u8 irr = p->master.irr;

	if (p->master.single)
		return irr;
	/* Cascaded, IR2 is wired to the slave's output and to nothing else:
	 * a device driving line 2 must not make the master select a slave
	 * that has no request (that gave the slave's base - 1). */
	irr &= (u8)~(1u << VPIC_CASCADE_IRQ);
	if (chip_best(&p->slave, p->slave.irr) >= 0)
		irr |= 1u << VPIC_CASCADE_IRQ; /* the slave's output, a level */
	return irr;
}

static int select(const struct vpic *p, bool *from_slave, int *irq)
{
	int m = chip_best(&p->master, master_irr(p));

	if (m < 0)
		return -1;
	*from_slave = m == VPIC_CASCADE_IRQ && !p->master.single;
	if (*from_slave) {
		*irq = chip_best(&p->slave, p->slave.irr);
		return p->slave.vector_base + *irq;
	}
	*irq = m;
	return p->master.vector_base + m;
}

int vpic_pending(const struct vpic *p)
{
	bool from_slave;
	int irq;

	return select(p, &from_slave, &irq);
}

static void take(struct vpic_chip *c, int irq)
{
	/* A level input still high keeps requesting; in-service blocks it
	 * until the EOI. */
	if (!(c->elcr & c->lines & (1u << irq)))
		c->irr &= (u8)~(1u << irq);
	if (!c->auto_eoi)
		c->isr |= (u8)(1u << irq);
}

int vpic_ack(struct vpic *p)
{
	bool from_slave;
	int irq, vector = select(p, &from_slave, &irq);

	if (vector < 0)
		return -1;
	if (from_slave) {
		take(&p->slave, irq);
		take(&p->master, VPIC_CASCADE_IRQ);
	} else {
		take(&p->master, irq);
	}
	return vector;
}
