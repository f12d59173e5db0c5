/*
 * Unit tests for hv/devices/ioapic.c, the virtual I/O APIC: the reset
 * state; ID, VER and ARB; redirection entries written as Linux writes them
 * (high dword then low, masked then unmasked); edge delivery and edges lost
 * while masked; level delivery with remote IRR and its EOI, by the local
 * APIC's broadcast and by the EOI register, re-delivery of a level still
 * asserted and none of one that fell; polarity; the trigger-mode switch
 * that clears remote IRR; every delivery mode and destination mode carried
 * into the message; accesses that reach no register; out-of-range pins; and
 * a random stream that must keep the model's invariants.
 */
#include "unit.h"

#include <tessera/ioapic.h>

#define BASE IOAPIC_DEFAULT_BASE
#define ID 2 /* the MADT's I/O APIC ID in these tests */
#define MASKED ((u32)IOAPIC_RTE_MASKED)
#define LEVEL ((u32)IOAPIC_RTE_LEVEL)
#define ACTIVE_LOW ((u32)IOAPIC_RTE_ACTIVE_LOW)
#define LOGICAL ((u32)IOAPIC_RTE_LOGICAL)
#define REMOTE_IRR ((u32)IOAPIC_RTE_REMOTE_IRR)
#define DM(m) ((u32)(m) << IOAPIC_RTE_DELMODE_SHIFT)

static struct ioapic_out out;

static void wr32(struct ioapic *io, u32 off, u32 v)
{
	assert_int_equal(ioapic_mmio_write(io, BASE + off, 4, v, &out), IOAPIC_OK);
}

static u32 rd32(struct ioapic *io, u32 off)
{
	u64 v = 0xdeadbeefcafef00dull;

	assert_int_equal(ioapic_mmio_read(io, BASE + off, 4, &v), IOAPIC_OK);
	assert_true(v <= 0xffffffffull);
	return (u32)v;
}

/* Linux's io_apic_read / io_apic_write: IOREGSEL, then IOWIN. */
static u32 reg_read(struct ioapic *io, u32 reg)
{
	wr32(io, IOAPIC_IOREGSEL, reg);
	return rd32(io, IOAPIC_IOWIN);
}

static void reg_write(struct ioapic *io, u32 reg, u32 v)
{
	wr32(io, IOAPIC_IOREGSEL, reg);
	wr32(io, IOAPIC_IOWIN, v);
}

static u64 read_entry(struct ioapic *io, unsigned pin)
{
	u64 lo = reg_read(io, IOAPIC_REG_REDTBL_LO(pin));
	u64 hi = reg_read(io, IOAPIC_REG_REDTBL_HI(pin));

	return hi << 32 | lo;
}

/*
 * Linux's __ioapic_write_entry: the high dword (destination) first, then
 * the low dword, whose mask bit decides; the messages the last write sent
 * are left in out.
 */
static void linux_write_entry(struct ioapic *io, unsigned pin, u32 lo, u8 dest)
{
	reg_write(io, IOAPIC_REG_REDTBL_HI(pin), (u32)dest << 24);
	assert_int_equal(out.n, 0);
	reg_write(io, IOAPIC_REG_REDTBL_LO(pin), lo);
}

/* Linux's ioapic_mask_entry: low dword masked first, then the high one. */
static void linux_mask_entry(struct ioapic *io, unsigned pin)
{
	reg_write(io, IOAPIC_REG_REDTBL_LO(pin), MASKED);
	assert_int_equal(out.n, 0);
	reg_write(io, IOAPIC_REG_REDTBL_HI(pin), 0);
	assert_int_equal(out.n, 0);
}

static void set_level(struct ioapic *io, unsigned pin, bool level)
{
	assert_true(ioapic_set_level(io, pin, level, &out));
}

static void pulse(struct ioapic *io, unsigned pin)
{
	assert_true(ioapic_pulse(io, pin, &out));
}

/* out holds exactly one message, with these fields. */
static void expect_msg(u8 pin, u8 vector, u8 mode, bool logical, u8 dest, bool level)
{
	assert_int_equal(out.n, 1);
	assert_int_equal(out.msg[0].pin, pin);
	assert_int_equal(out.msg[0].vector, vector);
	assert_int_equal(out.msg[0].delivery_mode, mode);
	assert_int_equal(out.msg[0].logical, logical);
	assert_int_equal(out.msg[0].dest, dest);
	assert_int_equal(out.msg[0].level, level);
	assert_int_equal(out.dropped, 0);
}

static void expect_none(void)
{
	assert_int_equal(out.n, 0);
	assert_int_equal(out.dropped, 0);
}

static bool remote_irr(struct ioapic *io, unsigned pin)
{
	return (reg_read(io, IOAPIC_REG_REDTBL_LO(pin)) & REMOTE_IRR) != 0;
}

static void fresh(struct ioapic *io)
{
	memset(io, 0x5a, sizeof(*io));
	ioapic_init(io, BASE, ID);
	memset(&out, 0x5a, sizeof(out));
}

static void test_reset_state(void **state)
{
	struct ioapic io;
	u64 v;

	(void)state;
	fresh(&io);
	assert_int_equal(rd32(&io, IOAPIC_IOREGSEL), 0);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ID), ID << 24);
	assert_int_equal(reg_read(&io, IOAPIC_REG_VER), 0x00170020);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ARB), ID << 24);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		/* Masked; edge, active high, fixed, physical, vector 0. */
		assert_int_equal(read_entry(&io, pin), IOAPIC_RTE_MASKED);
		assert_int_equal(ioapic_rte(&io, pin), IOAPIC_RTE_MASKED);
	}
	/* Nothing is delivered before the OS unmasks something. */
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		pulse(&io, pin);
		expect_none();
		set_level(&io, pin, true);
		expect_none();
	}
	/* The base is the caller's; the ID keeps only its 4 bits. */
	ioapic_init(&io, 0xfec01000ull, 0x1f);
	assert_false(ioapic_owns(&io, BASE, 4));
	assert_true(ioapic_owns(&io, 0xfec01000ull, 4));
	assert_int_equal(ioapic_mmio_write(&io, 0xfec01000ull, 4, IOAPIC_REG_ID, &out), IOAPIC_OK);
	assert_int_equal(ioapic_mmio_read(&io, 0xfec01010ull, 4, &v), IOAPIC_OK);
	assert_int_equal(v, 0x0f000000);
}

static void test_id_ver_arb(void **state)
{
	struct ioapic io;
	u32 ver;

	(void)state;
	fresh(&io);
	/* Linux (setup_IO_APIC, io_apic_get_redir_entries): the version and
	 * the number of entries. */
	ver = reg_read(&io, IOAPIC_REG_VER);
	assert_int_equal(ver & 0xff, 0x20);
	assert_int_equal(((ver >> 16) & 0xff) + 1, IOAPIC_PINS);

	/* ID: only bits 27:24 stick, and ARB is loaded with them. */
	reg_write(&io, IOAPIC_REG_ID, 0xffffffff);
	expect_none();
	assert_int_equal(reg_read(&io, IOAPIC_REG_ID), 0x0f000000);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ARB), 0x0f000000);
	reg_write(&io, IOAPIC_REG_ID, 0x05000000);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ID), 0x05000000);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ARB), 0x05000000);

	/* VER and ARB are read-only. */
	wr32(&io, IOAPIC_IOREGSEL, IOAPIC_REG_VER);
	assert_int_equal(ioapic_mmio_write(&io, BASE + IOAPIC_IOWIN, 4, 0, &out),
			 IOAPIC_READ_ONLY);
	expect_none();
	assert_int_equal(rd32(&io, IOAPIC_IOWIN), 0x00170020);
	wr32(&io, IOAPIC_IOREGSEL, IOAPIC_REG_ARB);
	assert_int_equal(ioapic_mmio_write(&io, BASE + IOAPIC_IOWIN, 4, 0x0a000000, &out),
			 IOAPIC_READ_ONLY);
	assert_int_equal(rd32(&io, IOAPIC_IOWIN), 0x05000000);
	assert_int_equal(reg_read(&io, IOAPIC_REG_ID), 0x05000000);

	/* IOREGSEL: bits 7:0; 31:8 reserved, read 0. */
	wr32(&io, IOAPIC_IOREGSEL, 0xffffff01);
	assert_int_equal(rd32(&io, IOAPIC_IOREGSEL), 0x01);
	assert_int_equal(rd32(&io, IOAPIC_IOWIN), 0x00170020);
}

static void test_entry_programming(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	/* ttyS0 as Linux sets it up: IRQ 4, edge, active high, fixed,
	 * physical, to APIC ID 1, vector 0x24, masked first. */
	linux_write_entry(&io, 4, MASKED | 0x24, 1);
	expect_none();
	assert_int_equal(read_entry(&io, 4), 0x0100000000010024ull);
	/* unmask_ioapic_irq: rewrites the low dword without the mask. */
	reg_write(&io, IOAPIC_REG_REDTBL_LO(4), 0x24);
	expect_none();
	assert_int_equal(read_entry(&io, 4), 0x0100000000000024ull);
	assert_int_equal(ioapic_rte(&io, 4), 0x0100000000000024ull);
	/* Every writable field round-trips; the other entries are untouched. */
	linux_write_entry(&io, 7, MASKED | LEVEL | ACTIVE_LOW | LOGICAL | DM(1) | 0xfe, 0xa5);
	assert_int_equal(read_entry(&io, 7), 0xa500000000000000ull | MASKED | LEVEL | ACTIVE_LOW |
						     LOGICAL | DM(1) | 0xfe);
	assert_int_equal(read_entry(&io, 6), IOAPIC_RTE_MASKED);
	assert_int_equal(read_entry(&io, 8), IOAPIC_RTE_MASKED);
	/* Read-only bits (delivery status, remote IRR) and reserved bits
	 * 55:17 do not stick. */
	reg_write(&io, IOAPIC_REG_REDTBL_LO(3), 0xffffffff);
	reg_write(&io, IOAPIC_REG_REDTBL_HI(3), 0xffffffff);
	expect_none(); /* masked by the low dword, so nothing is sampled */
	assert_int_equal(read_entry(&io, 3),
			 0xff00000000000000ull | IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL |
				 IOAPIC_RTE_ACTIVE_LOW | IOAPIC_RTE_LOGICAL | IOAPIC_RTE_DELMODE_MASK |
				 0xff);
	/* ioapic_mask_entry / clear_IO_APIC_pin leave the entry masked, all
	 * else 0. */
	linux_mask_entry(&io, 7);
	assert_int_equal(read_entry(&io, 7), IOAPIC_RTE_MASKED);
	linux_mask_entry(&io, 4);
	pulse(&io, 4);
	expect_none();
}

static void test_edge_delivery(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	linux_write_entry(&io, 4, 0x24, 1);
	expect_none(); /* an edge entry never sends on a write */
	set_level(&io, 4, true);
	expect_msg(4, 0x24, IOAPIC_DM_FIXED, false, 1, false);
	/* Held high: no new edge. Falling: nothing. */
	set_level(&io, 4, true);
	expect_none();
	set_level(&io, 4, false);
	expect_none();
	set_level(&io, 4, true);
	expect_msg(4, 0x24, IOAPIC_DM_FIXED, false, 1, false);
	/* A pulse is one fresh edge, whatever the line was. */
	pulse(&io, 4);
	expect_msg(4, 0x24, IOAPIC_DM_FIXED, false, 1, false);
	pulse(&io, 4);
	expect_msg(4, 0x24, IOAPIC_DM_FIXED, false, 1, false);
	/* Edges need no EOI and set no remote IRR. */
	assert_false(remote_irr(&io, 4));
	assert_int_equal(ioapic_eoi(&io, 0x24, &out), 0);
	expect_none();
	/* Nothing leaks onto other pins. */
	pulse(&io, 5);
	expect_none();
}

static void test_edge_while_masked_lost(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	linux_write_entry(&io, 4, MASKED | 0x24, 1);
	pulse(&io, 4);
	expect_none();
	/* Unmasking does not bring the lost edge back. */
	reg_write(&io, IOAPIC_REG_REDTBL_LO(4), 0x24);
	expect_none();
	pulse(&io, 4);
	expect_msg(4, 0x24, IOAPIC_DM_FIXED, false, 1, false);
	/* A rising edge while masked, line left high, then unmasked: lost,
	 * and the line staying high is no new edge. */
	reg_write(&io, IOAPIC_REG_REDTBL_LO(4), MASKED | 0x24);
	set_level(&io, 4, true);
	expect_none();
	reg_write(&io, IOAPIC_REG_REDTBL_LO(4), 0x24);
	expect_none();
	set_level(&io, 4, true);
	expect_none();
	set_level(&io, 4, false);
	set_level(&io, 4, true);
	expect_msg(4, 0x24, IOAPIC_DM_FIXED, false, 1, false);
}

/* pin 9 level triggered, active high, as the tests below use it. */
static void level_entry(struct ioapic *io, unsigned pin, u8 vector, bool masked)
{
	linux_write_entry(io, pin, (masked ? MASKED : 0) | LEVEL | vector, 0);
}

static void test_level_eoi_broadcast(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	level_entry(&io, 9, 0x39, false);
	expect_none(); /* pin low: not asserted */
	set_level(&io, 9, true);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	assert_true(remote_irr(&io, 9));
	/* Until the EOI, nothing more, however the line moves. */
	set_level(&io, 9, true);
	expect_none();
	set_level(&io, 9, false);
	set_level(&io, 9, true);
	expect_none();
	pulse(&io, 9);
	expect_none();
	set_level(&io, 9, true);
	/* An EOI of another vector changes nothing. */
	assert_int_equal(ioapic_eoi(&io, 0x38, &out), 0);
	expect_none();
	assert_true(remote_irr(&io, 9));
	/* The EOI of 0x39, still asserted: sent again, remote IRR set again. */
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	assert_true(remote_irr(&io, 9));
	/* The device drops the line, then the EOI: nothing more. */
	set_level(&io, 9, false);
	expect_none();
	assert_true(remote_irr(&io, 9));
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	expect_none();
	assert_false(remote_irr(&io, 9));
	/* A second EOI finds nothing to clear. */
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 0);
	expect_none();
	set_level(&io, 9, true);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
}

static void test_level_eoi_register(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	level_entry(&io, 10, 0x3a, false);
	set_level(&io, 10, true);
	expect_msg(10, 0x3a, IOAPIC_DM_FIXED, false, 0, true);
	/* Linux's io_apic_eoi: the vector to offset 0x40; bits 31:8 are
	 * ignored. Still asserted: sent again into out. */
	wr32(&io, IOAPIC_EOIR, 0xffffff3a);
	expect_msg(10, 0x3a, IOAPIC_DM_FIXED, false, 0, true);
	assert_true(remote_irr(&io, 10));
	wr32(&io, IOAPIC_EOIR, 0x3b);
	expect_none();
	assert_true(remote_irr(&io, 10));
	set_level(&io, 10, false);
	wr32(&io, IOAPIC_EOIR, 0x3a);
	expect_none();
	assert_false(remote_irr(&io, 10));
	/* The register is write-only. */
	u64 v = 1;
	assert_int_equal(ioapic_mmio_read(&io, BASE + IOAPIC_EOIR, 4, &v), IOAPIC_WRITE_ONLY);
	assert_int_equal(v, 0);
}

static void test_level_deasserted_before_eoi(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	level_entry(&io, 11, 0x3b, false);
	set_level(&io, 11, true);
	expect_msg(11, 0x3b, IOAPIC_DM_FIXED, false, 0, true);
	set_level(&io, 11, false);
	expect_none();
	assert_int_equal(ioapic_eoi(&io, 0x3b, &out), 1);
	expect_none();
	wr32(&io, IOAPIC_EOIR, 0x3b);
	expect_none();
	set_level(&io, 11, false);
	expect_none();
	assert_false(remote_irr(&io, 11));
}

static void test_level_mask_unmask(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	level_entry(&io, 9, 0x39, true);
	/* Asserted while masked: nothing; unmasked while asserted: sent. */
	set_level(&io, 9, true);
	expect_none();
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), LEVEL | 0x39);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	/* Masked after the delivery (Linux's mask-ack of a level IRQ), EOI,
	 * still asserted: held by the mask; unmasked: sent. */
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), MASKED | LEVEL | 0x39);
	expect_none();
	assert_true(remote_irr(&io, 9)); /* masking does not touch it */
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	expect_none();
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), LEVEL | 0x39);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	/* Rewriting the entry while remote IRR is set sends nothing, and a
	 * new destination in the high dword is kept for the next one. */
	reg_write(&io, IOAPIC_REG_REDTBL_HI(9), 3u << 24);
	expect_none();
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), LEVEL | 0x39);
	expect_none();
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 3, true);
	/* Asserted and masked, then deasserted, then unmasked: nothing. */
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), MASKED | LEVEL | 0x39);
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	set_level(&io, 9, false);
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), LEVEL | 0x39);
	expect_none();
}

static void test_polarity_low(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	/* The router drives the idle active-low line high first (a PCI INTx
	 * or the SCI, pulled up); the guest then programs it. */
	set_level(&io, 9, true);
	expect_none();
	linux_write_entry(&io, 9, LEVEL | ACTIVE_LOW | 0x39, 0);
	expect_none();
	set_level(&io, 9, false); /* asserted */
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	set_level(&io, 9, true); /* released */
	expect_none();
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	expect_none();
	set_level(&io, 9, false);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true); /* still low */

	/* Edge, active low: the falling edge is the interrupt. */
	set_level(&io, 5, true);
	linux_write_entry(&io, 5, ACTIVE_LOW | 0x35, 0);
	expect_none();
	set_level(&io, 5, false);
	expect_msg(5, 0x35, IOAPIC_DM_FIXED, false, 0, false);
	set_level(&io, 5, true);
	expect_none();
	/* A pulse goes to the active level, whichever it is. */
	pulse(&io, 5);
	expect_msg(5, 0x35, IOAPIC_DM_FIXED, false, 0, false);
	assert_true(io.lines & (1u << 5)); /* and back to idle: high */

	/* An active-low level entry unmasked on a line left low (nobody
	 * drove it idle) is asserted at once: the router's duty above. */
	linux_write_entry(&io, 12, LEVEL | ACTIVE_LOW | 0x3c, 0);
	expect_msg(12, 0x3c, IOAPIC_DM_FIXED, false, 0, true);
	/* Flipping the polarity of an unmasked level entry re-samples it;
	 * of an edge entry it is no edge. */
	linux_write_entry(&io, 13, LEVEL | 0x3d, 0);
	expect_none();
	reg_write(&io, IOAPIC_REG_REDTBL_LO(13), LEVEL | ACTIVE_LOW | 0x3d);
	expect_msg(13, 0x3d, IOAPIC_DM_FIXED, false, 0, true);
	linux_write_entry(&io, 14, 0x3e, 0);
	reg_write(&io, IOAPIC_REG_REDTBL_LO(14), ACTIVE_LOW | 0x3e);
	expect_none();
}

/*
 * Linux's __eoi_ioapic_pin for I/O APICs without an EOI register, and
 * clear_IO_APIC_pin: the entry written edge and masked, then restored,
 * clears remote IRR; a line still asserted is sampled again.
 */
static void test_edge_switch_clears_remote_irr(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	level_entry(&io, 9, 0x39, false);
	set_level(&io, 9, true);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	assert_true(remote_irr(&io, 9));
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), MASKED | 0x39);
	expect_none();
	assert_false(remote_irr(&io, 9));
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), LEVEL | 0x39);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	/* Line released: the same trick leaves it quiet. */
	set_level(&io, 9, false);
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), MASKED | 0x39);
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), LEVEL | 0x39);
	expect_none();
	assert_false(remote_irr(&io, 9));
}

static void test_eoi_shared_vector(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	/* Two entries with one vector: one EOI clears both, and each still
	 * asserted sends again (ICH4 9.5.5), in pin order. */
	level_entry(&io, 20, 0x50, false);
	level_entry(&io, 16, 0x50, false);
	set_level(&io, 20, true);
	expect_msg(20, 0x50, IOAPIC_DM_FIXED, false, 0, true);
	set_level(&io, 16, true);
	expect_msg(16, 0x50, IOAPIC_DM_FIXED, false, 0, true);
	assert_int_equal(ioapic_eoi(&io, 0x50, &out), 2);
	assert_int_equal(out.n, 2);
	assert_int_equal(out.msg[0].pin, 16);
	assert_int_equal(out.msg[1].pin, 20);
	set_level(&io, 16, false);
	wr32(&io, IOAPIC_EOIR, 0x50);
	expect_msg(20, 0x50, IOAPIC_DM_FIXED, false, 0, true);
}

/* Every delivery mode and both destination modes reach the message. */
static void test_delivery_modes(void **state)
{
	static const struct {
		u8 mode;
		bool logical;
		u8 dest;
		u8 vector;
	} cases[] = {
		{ IOAPIC_DM_FIXED, false, 0x03, 0x30 },
		{ IOAPIC_DM_FIXED, true, 0x0c, 0x31 },
		{ IOAPIC_DM_LOWEST, true, 0xff, 0x32 },
		{ IOAPIC_DM_LOWEST, false, 0x01, 0x33 },
		{ IOAPIC_DM_SMI, false, 0x00, 0x00 },
		{ IOAPIC_DM_NMI, false, 0xff, 0x00 },
		{ IOAPIC_DM_INIT, true, 0x01, 0x00 },
		{ IOAPIC_DM_EXTINT, false, 0x00, 0x00 },
	};
	struct ioapic io;

	(void)state;
	fresh(&io);
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 lo = DM(cases[i].mode) | (cases[i].logical ? LOGICAL : 0) | cases[i].vector;

		linux_write_entry(&io, i, lo, cases[i].dest);
		expect_none();
		pulse(&io, i);
		expect_msg((u8)i, cases[i].vector, cases[i].mode, cases[i].logical, cases[i].dest,
			   false);
	}
	/* Level trigger: kept by fixed and lowest priority, with remote IRR;
	 * NMI, INIT, SMI and ExtINT stay edge, never wait for an EOI, and
	 * read back the trigger mode as written. */
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		u32 lo = LEVEL | DM(cases[i].mode) | (cases[i].logical ? LOGICAL : 0) |
			 cases[i].vector;
		bool level = cases[i].mode == IOAPIC_DM_FIXED || cases[i].mode == IOAPIC_DM_LOWEST;
		unsigned pin = 8 + i;

		linux_write_entry(&io, pin, lo, cases[i].dest);
		expect_none();
		set_level(&io, pin, true);
		expect_msg((u8)pin, cases[i].vector, cases[i].mode, cases[i].logical,
			   cases[i].dest, level);
		assert_int_equal(remote_irr(&io, pin), level);
		assert_true(reg_read(&io, IOAPIC_REG_REDTBL_LO(pin)) & LEVEL);
		set_level(&io, pin, false);
		set_level(&io, pin, true);
		if (level)
			expect_none();
		else
			expect_msg((u8)pin, cases[i].vector, cases[i].mode, cases[i].logical,
				   cases[i].dest, false);
		set_level(&io, pin, false);
	}
	/* Reserved modes 3 and 6: nothing sent, counted as dropped. */
	linux_write_entry(&io, 22, DM(3) | 0x40, 0);
	linux_write_entry(&io, 23, LEVEL | DM(6) | 0x41, 0);
	pulse(&io, 22);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.dropped, 1);
	set_level(&io, 23, true);
	assert_int_equal(out.n, 0);
	assert_int_equal(out.dropped, 1);
	assert_false(remote_irr(&io, 23));
	/* Vector values are carried as programmed, 0-15 too: rejecting
	 * them is the local APIC's part (SDM 11.5.3). */
	linux_write_entry(&io, 1, 0x05, 0xfe);
	pulse(&io, 1);
	expect_msg(1, 0x05, IOAPIC_DM_FIXED, false, 0xfe, false);
}

static void test_not_accepted(void **state)
{
	struct ioapic io;

	(void)state;
	fresh(&io);
	/* Destination 7: say the router finds no vCPU there. */
	linux_write_entry(&io, 9, LEVEL | 0x39, 7);
	set_level(&io, 9, true);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 7, true);
	ioapic_not_accepted(&io, 9);
	assert_false(remote_irr(&io, 9));
	/* Nothing by itself; the guest fixes the destination: sent. */
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 0);
	expect_none();
	reg_write(&io, IOAPIC_REG_REDTBL_HI(9), 1u << 24);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 1, true);
	assert_true(remote_irr(&io, 9));
	/* Or the device drives the line again. */
	ioapic_not_accepted(&io, 9);
	set_level(&io, 9, true);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 1, true);
	ioapic_not_accepted(&io, IOAPIC_PINS); /* out of range: ignored */
	ioapic_not_accepted(&io, ~0u);
}

static void test_unknown_offsets(void **state)
{
	static const u32 offs[] = { 0x04, 0x08, 0x0c, 0x14, 0x20, 0x30, 0x3c, 0x44, 0x80, 0xffc };
	struct ioapic io;
	u64 v;

	(void)state;
	fresh(&io);
	wr32(&io, IOAPIC_IOREGSEL, IOAPIC_REG_ID);
	for (unsigned i = 0; i < ARRAY_SIZE(offs); i++) {
		v = 1;
		assert_int_equal(ioapic_mmio_read(&io, BASE + offs[i], 4, &v), IOAPIC_BAD_OFFSET);
		assert_int_equal(v, 0);
		assert_int_equal(ioapic_mmio_write(&io, BASE + offs[i], 4, 0xffffffff, &out),
				 IOAPIC_BAD_OFFSET);
		expect_none();
	}
	/* Nothing changed, IOREGSEL included. */
	assert_int_equal(rd32(&io, IOAPIC_IOREGSEL), IOAPIC_REG_ID);
	assert_int_equal(rd32(&io, IOAPIC_IOWIN), ID << 24);

	/* IOWIN selecting no register: reads 0, writes ignored. */
	static const u32 regs[] = { 0x03, 0x0f, 0x40, 0x41, 0x80, 0xff };
	for (unsigned i = 0; i < ARRAY_SIZE(regs); i++) {
		wr32(&io, IOAPIC_IOREGSEL, regs[i]);
		v = 1;
		assert_int_equal(ioapic_mmio_read(&io, BASE + IOAPIC_IOWIN, 4, &v),
				 IOAPIC_BAD_INDEX);
		assert_int_equal(v, 0);
		assert_int_equal(ioapic_mmio_write(&io, BASE + IOAPIC_IOWIN, 4, 0xffffffff, &out),
				 IOAPIC_BAD_INDEX);
		expect_none();
	}
	assert_int_equal(reg_read(&io, IOAPIC_REG_ID), ID << 24);
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++)
		assert_int_equal(read_entry(&io, pin), IOAPIC_RTE_MASKED);

	/* Outside the window: the caller's. */
	assert_int_equal(ioapic_mmio_read(&io, BASE - 4, 4, &v), IOAPIC_NOT_MINE);
	assert_int_equal(ioapic_mmio_read(&io, BASE + IOAPIC_MMIO_SIZE, 4, &v), IOAPIC_NOT_MINE);
	assert_int_equal(ioapic_mmio_write(&io, 0xfee000b0ull, 4, 0, &out), IOAPIC_NOT_MINE);
	assert_int_equal(ioapic_mmio_read(&io, 0, 4, &v), IOAPIC_NOT_MINE);
	assert_int_equal(ioapic_mmio_read(&io, ~0ull, 1, &v), IOAPIC_NOT_MINE);
	assert_true(ioapic_owns(&io, BASE, 4));
	assert_true(ioapic_owns(&io, BASE + 0xfff, 1));
	assert_true(ioapic_owns(&io, BASE - 1, 2));
	assert_false(ioapic_owns(&io, BASE - 1, 1));
	assert_false(ioapic_owns(&io, BASE + 0x1000, 4));
	assert_false(ioapic_owns(&io, BASE, 0));
	assert_false(ioapic_owns(&io, ~0ull, 8));
}

static void test_short_misaligned(void **state)
{
	struct ioapic io;
	u64 v;

	(void)state;
	fresh(&io);
	/* IOREGSEL takes a byte or a word (DS 3.0: "a byte memory write"). */
	assert_int_equal(ioapic_mmio_write(&io, BASE, 1, IOAPIC_REG_VER, &out), IOAPIC_OK);
	assert_int_equal(rd32(&io, IOAPIC_IOWIN), 0x00170020);
	assert_int_equal(ioapic_mmio_write(&io, BASE, 2, 0xff00 | IOAPIC_REG_ID, &out), IOAPIC_OK);
	assert_int_equal(ioapic_mmio_read(&io, BASE, 1, &v), IOAPIC_OK);
	assert_int_equal(v, IOAPIC_REG_ID);
	assert_int_equal(ioapic_mmio_read(&io, BASE, 2, &v), IOAPIC_OK);
	assert_int_equal(v, IOAPIC_REG_ID);

	/* Everything else must be an aligned dword. */
	static const struct {
		u32 off;
		unsigned size;
	} bad[] = {
		{ 0x10, 1 }, { 0x10, 2 }, { 0x12, 2 }, { 0x13, 1 }, { 0x10, 8 }, { 0x11, 4 },
		{ 0x0e, 4 }, { 0x40, 1 }, { 0x40, 2 }, { 0x42, 4 }, { 0x01, 1 }, { 0x01, 4 },
		{ 0x00, 8 }, { 0x00, 3 }, { 0x10, 3 }, { 0x20, 2 }, { 0xffe, 4 }, { 0xffc, 8 },
		{ 0x10, 0x2000 },
	};
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 1;
		assert_int_equal(ioapic_mmio_read(&io, BASE + bad[i].off, bad[i].size, &v),
				 IOAPIC_BAD_SIZE);
		assert_int_equal(v, 0);
		assert_int_equal(ioapic_mmio_write(&io, BASE + bad[i].off, bad[i].size, ~0ull, &out),
				 IOAPIC_BAD_SIZE);
		expect_none();
	}
	/* Straddling the start of the window. */
	assert_int_equal(ioapic_mmio_read(&io, BASE - 2, 4, &v), IOAPIC_BAD_SIZE);
	assert_int_equal(ioapic_mmio_write(&io, BASE - 2, 4, 0, &out), IOAPIC_BAD_SIZE);
	/* None of it reached a register. */
	assert_int_equal(rd32(&io, IOAPIC_IOREGSEL), IOAPIC_REG_ID);
	assert_int_equal(rd32(&io, IOAPIC_IOWIN), ID << 24);
	/* Not even the EOI register: a level entry waits for a real EOI. */
	level_entry(&io, 9, 0x39, false);
	set_level(&io, 9, true);
	expect_msg(9, 0x39, IOAPIC_DM_FIXED, false, 0, true);
	assert_int_equal(ioapic_mmio_write(&io, BASE + IOAPIC_EOIR, 1, 0x39, &out),
			 IOAPIC_BAD_SIZE);
	expect_none();
	assert_true(remote_irr(&io, 9));
}

static void test_out_of_range_pins(void **state)
{
	struct ioapic io;
	struct ioapic before;

	(void)state;
	fresh(&io);
	linux_write_entry(&io, 23, 0x47, 0);
	before = io;
	static const unsigned pins[] = { IOAPIC_PINS, IOAPIC_PINS + 1, 31, 32, 255, ~0u };
	for (unsigned i = 0; i < ARRAY_SIZE(pins); i++) {
		out.n = 5;
		out.dropped = 5;
		assert_false(ioapic_set_level(&io, pins[i], true, &out));
		expect_none(); /* emptied all the same */
		assert_false(ioapic_pulse(&io, pins[i], &out));
		expect_none();
		assert_int_equal(ioapic_rte(&io, pins[i]), 0);
	}
	assert_memory_equal(io.rte, before.rte, sizeof(io.rte));
	assert_int_equal(io.lines, before.lines);
	assert_int_equal(io.ioregsel, before.ioregsel);
	/* The last pin works. */
	pulse(&io, 23);
	expect_msg(23, 0x47, IOAPIC_DM_FIXED, false, 0, false);
}

/*
 * A random stream of guest writes, line changes and EOIs. Whatever
 * happens: no call sends more than one message per pin, only from an entry
 * that is unmasked at that moment; remote IRR only on level-triggered fixed
 * or lowest-priority entries; delivery status and reserved bits read 0.
 */
static u32 rng_state = 12345;

static u32 rnd(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

static void test_garbage(void **state)
{
	struct ioapic io;
	unsigned sent = 0, level_sent = 0;

	(void)state;
	fresh(&io);
	for (unsigned step = 0; step < 200000; step++) {
		u32 r = rnd();
		unsigned pin = rnd() % (IOAPIC_PINS + 2);
		struct ioapic before = io;
		u64 v;

		switch (r % 8) {
		case 0:
			(void)ioapic_mmio_write(&io, BASE + IOAPIC_IOREGSEL, 4,
						IOAPIC_REG_REDTBL + rnd() % (2 * IOAPIC_PINS + 4),
						&out);
			break;
		case 1: {
			/* Mostly sane low dwords: few reserved modes. */
			u32 lo = rnd();

			if (rnd() % 4)
				lo = (lo & ~DM(7)) | DM(rnd() % 2); /* fixed or lowest */
			if (rnd() % 2)
				lo = (lo & ~0xffu) | (0x30 + rnd() % 4); /* EOIs find them */
			(void)ioapic_mmio_write(&io, BASE + IOAPIC_IOWIN, 4, lo, &out);
			break;
		}
		case 2:
			(void)ioapic_mmio_write(&io, BASE + IOAPIC_EOIR, 4, rnd(), &out);
			break;
		case 3:
			(void)ioapic_eoi(&io, (u8)(0x30 + rnd() % 4), &out);
			break;
		case 4:
			(void)ioapic_pulse(&io, pin, &out);
			break;
		case 5:
			(void)ioapic_mmio_write(&io, BASE + (rnd() & 0xfff), 1 + rnd() % 8, rnd(),
						&out);
			break;
		default:
			(void)ioapic_set_level(&io, pin, rnd() & 1, &out);
			break;
		}
		assert_true(out.n <= IOAPIC_PINS);
		u32 seen = 0;
		for (unsigned i = 0; i < out.n; i++) {
			const struct ioapic_msg *m = &out.msg[i];

			assert_true(m->pin < IOAPIC_PINS);
			assert_false(seen & (1u << m->pin));
			seen |= 1u << m->pin;
			/* Sent by the entry as it is now (a write can change it
			 * just before it sends; a later write in the same call
			 * cannot). */
			u64 e = io.rte[m->pin];
			assert_false(e & IOAPIC_RTE_MASKED);
			assert_int_equal(m->vector, e & 0xff);
			assert_int_equal(m->dest, e >> 56);
			assert_true(m->delivery_mode != 3 && m->delivery_mode != 6);
			if (m->level) {
				assert_true(e & IOAPIC_RTE_REMOTE_IRR);
				level_sent++;
			}
			sent++;
		}
		for (unsigned i = 0; i < IOAPIC_PINS; i++) {
			u64 e = io.rte[i];
			unsigned dm = (unsigned)(e >> 8) & 7;

			assert_int_equal(e & 0x00fffffffffe1000ull, 0);
			if (e & IOAPIC_RTE_REMOTE_IRR)
				assert_true((e & IOAPIC_RTE_LEVEL) &&
					    (dm == IOAPIC_DM_FIXED || dm == IOAPIC_DM_LOWEST));
			/* Remote IRR appears only with a message. */
			if ((e & IOAPIC_RTE_REMOTE_IRR) && !(before.rte[i] & IOAPIC_RTE_REMOTE_IRR))
				assert_true(seen & (1u << i));
		}
		assert_true(io.ioregsel <= 0xff);
		assert_true(io.id <= 0xf);
		(void)ioapic_mmio_read(&io, BASE + (rnd() & 0xfff), 1 + rnd() % 8, &v);
		assert_true(v <= 0xffffffffull);
	}
	/* Not vacuous. */
	assert_true(sent > 1000);
	assert_true(level_sent > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_id_ver_arb),
		cmocka_unit_test(test_entry_programming),
		cmocka_unit_test(test_edge_delivery),
		cmocka_unit_test(test_edge_while_masked_lost),
		cmocka_unit_test(test_level_eoi_broadcast),
		cmocka_unit_test(test_level_eoi_register),
		cmocka_unit_test(test_level_deasserted_before_eoi),
		cmocka_unit_test(test_level_mask_unmask),
		cmocka_unit_test(test_polarity_low),
		cmocka_unit_test(test_edge_switch_clears_remote_irr),
		cmocka_unit_test(test_eoi_shared_vector),
		cmocka_unit_test(test_delivery_modes),
		cmocka_unit_test(test_not_accepted),
		cmocka_unit_test(test_unknown_offsets),
		cmocka_unit_test(test_short_misaligned),
		cmocka_unit_test(test_out_of_range_pins),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
