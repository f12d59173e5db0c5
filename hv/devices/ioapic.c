/*
 * The virtual I/O APIC (tessera/ioapic.h). "DS" is the Intel 82093AA I/O
 * APIC datasheet (290566-001), "SDM" the Intel SDM Vol. 3A chapter 11.
 */
#include <tessera/ioapic.h>
#include <tessera/string.h>

#define VER_VALUE ((u32)(IOAPIC_PINS - 1) << IOAPIC_VER_MAX_ENTRY_SHIFT | IOAPIC_VERSION)
#define REDTBL_END (IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
#define LOW_DWORD 0xffffffffull

void ioapic_init(struct ioapic *io, u64 base, u8 id)
{
	memset(io, 0, sizeof(*io));
	io->base = base;
	/* DS 3.2.1: one write loads both the ID and the arbitration ID. */
	io->id = id & 0xf;
	io->arb = io->id;
	/* DS 3.2.4 bit 16, and what QEMU and KVM reset to: every entry
	 * masked, so that nothing reaches a CPU before the OS has chosen
	 * vectors and destinations. */
	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		io->rte[i] = IOAPIC_RTE_MASKED;
}

bool ioapic_owns(const struct ioapic *io, u64 gpa, unsigned size)
{
	/* Overlap of [gpa, gpa + size) with the window, without overflow. */
	if (size == 0)
		return false;
	if (gpa >= io->base)
		return gpa - io->base < IOAPIC_MMIO_SIZE;
	return io->base - gpa < size;
}

static unsigned delivery_mode(u64 rte)
{
	return (unsigned)((rte & IOAPIC_RTE_DELMODE_MASK) >> IOAPIC_RTE_DELMODE_SHIFT);
}

/*
 * Does this entry behave as level triggered? Only fixed and lowest priority
 * can (DS 3.2.4 bits 10:8: SMI, NMI, INIT and ExtINT are edge whatever the
 * trigger mode bit says). Their local APIC sends no EOI (SDM 11.8.5), so a
 * remote IRR set for them would never clear.
 */
static bool level_triggered(u64 rte)
{
	unsigned dm = delivery_mode(rte);

	return (rte & IOAPIC_RTE_LEVEL) && (dm == IOAPIC_DM_FIXED || dm == IOAPIC_DM_LOWEST);
}

/* The pin is at its active level (DS 3.2.4 bit 13: 0 high, 1 low active). */
static bool asserted(const struct ioapic *io, unsigned pin)
{
	bool high = (io->lines >> pin) & 1;

	return high != ((io->rte[pin] & IOAPIC_RTE_ACTIVE_LOW) != 0);
}

/*
 * The entry sends its message. The local APIC would accept it at once
 * (there is no APIC bus to be busy: delivery status stays idle), so a
 * level-triggered entry sets remote IRR now (DS 3.2.4 bit 14).
 */
static void send(struct ioapic *io, unsigned pin, struct ioapic_out *out)
{
	u64 e = io->rte[pin];
	unsigned dm = delivery_mode(e);
	struct ioapic_msg *m;

	/* DS 3.2.4: modes 011 and 110 are reserved; no local APIC would
	 * know what to do with them (SDM 11.6.1 lists them reserved too). */
	if (dm == 3 || dm == 6 || out->n >= IOAPIC_PINS) {
		out->dropped++;
		return;
	}
	m = &out->msg[out->n++];
	m->vector = (u8)(e & IOAPIC_RTE_VECTOR_MASK);
	m->delivery_mode = (u8)dm;
	m->logical = (e & IOAPIC_RTE_LOGICAL) != 0;
	m->dest = (u8)(e >> IOAPIC_RTE_DEST_SHIFT);
	m->level = level_triggered(e);
	m->pin = (u8)pin;
	if (m->level)
		io->rte[pin] |= IOAPIC_RTE_REMOTE_IRR;
}

/*
 * A level-triggered entry sends whenever its pin is asserted, it is
 * unmasked and no earlier message of it awaits its EOI. An asserted level
 * is sampled, not an event: unmasking an asserted pin delivers it (DS
 * 3.2.4 bit 16, "an edge or level on an interrupt pin that is not masked
 * results in the delivery"; QEMU and KVM do the same, and Linux relies on
 * it when it unmasks a line a device holds).
 */
static void sample_level(struct ioapic *io, unsigned pin, struct ioapic_out *out)
{
	u64 e = io->rte[pin];

	if (level_triggered(e) && !(e & (IOAPIC_RTE_MASKED | IOAPIC_RTE_REMOTE_IRR)) &&
	    asserted(io, pin))
		send(io, pin, out);
}

/* The pin's electrical level changes (or is driven again). */
static void drive(struct ioapic *io, unsigned pin, bool level, struct ioapic_out *out)
{
	bool was = asserted(io, pin);

	if (level)
		io->lines |= 1u << pin;
	else
		io->lines &= ~(1u << pin);
	if (level_triggered(io->rte[pin])) {
		/* Deasserting leaves remote IRR set: only the EOI clears it. */
		sample_level(io, pin, out);
		return;
	}
	/* Edge: the change to the active level is the interrupt. An edge
	 * on a masked pin is lost, neither delivered nor held pending
	 * (DS 3.2.4 bit 16). */
	if (!was && asserted(io, pin) && !(io->rte[pin] & IOAPIC_RTE_MASKED))
		send(io, pin, out);
}

static void out_empty(struct ioapic_out *out)
{
	out->n = 0;
	out->dropped = 0;
}

bool ioapic_set_level(struct ioapic *io, unsigned pin, bool level, struct ioapic_out *out)
{
	out_empty(out);
	if (pin >= IOAPIC_PINS)
		return false;
	drive(io, pin, level, out);
	return true;
}

bool ioapic_pulse(struct ioapic *io, unsigned pin, struct ioapic_out *out)
{
	bool active_high;

	out_empty(out);
	if (pin >= IOAPIC_PINS)
		return false;
	active_high = !(io->rte[pin] & IOAPIC_RTE_ACTIVE_LOW);
	if (asserted(io, pin))
		drive(io, pin, !active_high, out);
	drive(io, pin, active_high, out);
	drive(io, pin, !active_high, out);
	return true;
}

/*
 * An EOI for vector, from the local APIC's EOI message (SDM 11.8.5) or the
 * EOI register (ICH4 9.5.5): every entry with that vector gets remote IRR
 * cleared, and one whose input is still asserted is sampled again and sends
 * again ("the interrupt will be reissued", ICH4 9.5.5).
 */
static unsigned eoi(struct ioapic *io, u8 vector, struct ioapic_out *out)
{
	unsigned cleared = 0;

	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		u64 e = io->rte[i];

		if ((e & IOAPIC_RTE_VECTOR_MASK) != vector || !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		io->rte[i] = e & ~IOAPIC_RTE_REMOTE_IRR;
		cleared++;
		sample_level(io, i, out);
	}
	return cleared;
}

unsigned ioapic_eoi(struct ioapic *io, u8 vector, struct ioapic_out *out)
{
	out_empty(out);
	return eoi(io, vector, out);
}

void ioapic_not_accepted(struct ioapic *io, unsigned pin)
{
	if (pin < IOAPIC_PINS)
		io->rte[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
}

u64 ioapic_rte(const struct ioapic *io, unsigned pin)
{
	return pin < IOAPIC_PINS ? io->rte[pin] : 0;
}

/* The register IOWIN reaches (DS 3.2); false if IOREGSEL selects none. */
static bool read_reg(const struct ioapic *io, u32 reg, u32 *v)
{
	if (reg == IOAPIC_REG_ID) {
		*v = (u32)io->id << IOAPIC_ID_SHIFT;
	} else if (reg == IOAPIC_REG_VER) {
		*v = VER_VALUE;
	} else if (reg == IOAPIC_REG_ARB) {
		*v = (u32)io->arb << IOAPIC_ID_SHIFT;
	} else if (reg >= IOAPIC_REG_REDTBL && reg < REDTBL_END) {
		u64 e = io->rte[(reg - IOAPIC_REG_REDTBL) / 2];

		/* DS 3.0: a 64-bit register is two independent dwords. */
		*v = (u32)((reg & 1) ? e >> 32 : e);
	} else {
		return false;
	}
	return true;
}

static void write_rte(struct ioapic *io, unsigned pin, bool high, u32 v, struct ioapic_out *out)
{
	u64 e = io->rte[pin];
	u64 ro = e & (IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR);

	e = high ? (e & LOW_DWORD) | (u64)v << 32 : (e & ~LOW_DWORD) | v;
	/* DS 3.2.4: writes do not change delivery status or remote IRR;
	 * reserved bits 55:17 are not kept. */
	e = (e & IOAPIC_RTE_WRITABLE) | ro;
	/*
	 * An entry that is not level triggered has no remote IRR (its meaning
	 * is undefined for edge, DS 3.2.4 bit 14). Linux relies on the switch
	 * to edge clearing it: on I/O APICs without an EOI register it EOIs
	 * a level entry by writing it as edge, masked, then back
	 * (__eoi_ioapic_pin); KVM and QEMU model the same.
	 */
	if (!level_triggered(e))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	io->rte[pin] = e;
	/* A level entry unmasked, made level, or given the polarity at which
	 * its pin is now asserted, sends. An edge entry never sends on a
	 * write: only a change of the pin is an edge. */
	sample_level(io, pin, out);
}

static enum ioapic_access write_reg(struct ioapic *io, u32 reg, u32 v, struct ioapic_out *out)
{
	if (reg == IOAPIC_REG_ID) {
		/* DS 3.2.1: bits 27:24; the arbitration ID is loaded too. */
		io->id = (u8)((v & IOAPIC_ID_MASK) >> IOAPIC_ID_SHIFT);
		io->arb = io->id;
	} else if (reg == IOAPIC_REG_VER || reg == IOAPIC_REG_ARB) {
		return IOAPIC_READ_ONLY; /* DS 3.2.2, 3.2.3 */
	} else if (reg >= IOAPIC_REG_REDTBL && reg < REDTBL_END) {
		write_rte(io, (reg - IOAPIC_REG_REDTBL) / 2, reg & 1, v, out);
	} else {
		return IOAPIC_BAD_INDEX;
	}
	return IOAPIC_OK;
}

/*
 * Where an access lands: its offset in the window, or the code for one
 * that reaches no register. DS 3.0: 32-bit loads and stores, IOWIN "must be
 * accessed as a Dword"; IOREGSEL is loaded by "a byte memory write", so it
 * takes 1, 2 or 4 bytes at offset 0 (bits 7:0 are all it has).
 */
static enum ioapic_access decode(const struct ioapic *io, u64 gpa, unsigned size, u32 *off)
{
	if (!ioapic_owns(io, gpa, size))
		return IOAPIC_NOT_MINE;
	if (gpa < io->base || size > IOAPIC_MMIO_SIZE || gpa - io->base > IOAPIC_MMIO_SIZE - size)
		return IOAPIC_BAD_SIZE; /* straddles an end of the window */
	*off = (u32)(gpa - io->base);
	if (*off == IOAPIC_IOREGSEL && (size == 1 || size == 2 || size == 4))
		return IOAPIC_OK;
	if (size != 4 || (*off & 3))
		return IOAPIC_BAD_SIZE;
	if (*off == IOAPIC_IOWIN || *off == IOAPIC_EOIR)
		return IOAPIC_OK;
	return IOAPIC_BAD_OFFSET;
}

enum ioapic_access ioapic_mmio_read(struct ioapic *io, u64 gpa, unsigned size, u64 *value)
{
	u32 off, v = 0;
	enum ioapic_access r = decode(io, gpa, size, &off);

	*value = 0;
	if (r != IOAPIC_OK)
		return r;
	if (off == IOAPIC_IOREGSEL) {
		*value = io->ioregsel; /* DS 3.1.1: bits 31:8 reserved, read 0 */
		return IOAPIC_OK;
	}
	if (off == IOAPIC_EOIR)
		return IOAPIC_WRITE_ONLY; /* ICH4 9.5.5: WO */
	if (!read_reg(io, io->ioregsel, &v))
		return IOAPIC_BAD_INDEX;
	*value = v;
	return IOAPIC_OK;
}

enum ioapic_access ioapic_mmio_write(struct ioapic *io, u64 gpa, unsigned size, u64 value,
				     struct ioapic_out *out)
{
	u32 off;
	enum ioapic_access r = decode(io, gpa, size, &off);

	out_empty(out);
	if (r != IOAPIC_OK)
		return r;
	if (off == IOAPIC_IOREGSEL) {
		io->ioregsel = (u32)value & 0xff; /* DS 3.1.1: bits 7:0 */
		return IOAPIC_OK;
	}
	if (off == IOAPIC_EOIR) {
		/* ICH4 9.5.5: only bits 7:0 are used; 31:8 are ignored. */
		eoi(io, (u8)value, out);
		return IOAPIC_OK;
	}
	return write_reg(io, io->ioregsel, (u32)value, out);
}
