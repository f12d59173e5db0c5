/*
 * Unit tests for hv/irq_route.c, the interrupt router's pure half: the PC's
 * ISA IRQ -> GSI table (IRQ 0 on GSI 2, no GSI for the cascade), where a
 * GSI goes (8259 input and I/O APIC pin), the I/O APIC ID picked clear of
 * the vCPUs' APIC IDs, and the decision for each I/O APIC message: physical
 * and broadcast destinations, logical ones as the local APICs answer,
 * fixed and lowest priority, illegal vectors, NMI/INIT/SMI, ExtINT to the
 * PIC's vCPU 0. Last, the model and the router together, as Linux
 * programs the UART's entry.
 */
#include "unit.h"

#include <tessera/arch.h>
#include <tessera/ioapic.h>
#include <tessera/irq.h>

/* ------------------------------------------------------------ the wiring */

static void test_isa_gsi(void **state)
{
	(void)state;
	assert_int_equal(irq_isa_gsi(0), 2); /* the PIT: the MADT's override */
	assert_int_equal(irq_isa_gsi(1), 1);
	assert_int_equal(irq_isa_gsi(2), IRQ_NONE); /* the cascade */
	for (unsigned irq = 3; irq < 16; irq++)
		assert_int_equal(irq_isa_gsi(irq), irq);
	assert_int_equal(irq_isa_gsi(4), 4); /* the UART */
	assert_int_equal(irq_isa_gsi(16), IRQ_NONE);
	assert_int_equal(irq_isa_gsi(~0u), IRQ_NONE);
}

static void test_gsi_route(void **state)
{
	struct irq_gsi_route r;

	(void)state;
	r = irq_gsi_route(0); /* the 8259's output on a PC: no ISA IRQ */
	assert_int_equal(r.pic_input, IRQ_NONE);
	assert_int_equal(r.ioapic_pin, 0);
	r = irq_gsi_route(2);
	assert_int_equal(r.pic_input, 0);
	assert_int_equal(r.ioapic_pin, 2);
	r = irq_gsi_route(4);
	assert_int_equal(r.pic_input, 4);
	assert_int_equal(r.ioapic_pin, 4);
	r = irq_gsi_route(15);
	assert_int_equal(r.pic_input, 15);
	assert_int_equal(r.ioapic_pin, 15);
	for (unsigned gsi = 16; gsi < 24; gsi++) {
		r = irq_gsi_route(gsi);
		assert_int_equal(r.pic_input, IRQ_NONE);
		assert_int_equal(r.ioapic_pin, gsi);
	}
	r = irq_gsi_route(24);
	assert_int_equal(r.pic_input, IRQ_NONE);
	assert_int_equal(r.ioapic_pin, IRQ_NONE);
	r = irq_gsi_route(~0u);
	assert_int_equal(r.pic_input, IRQ_NONE);
	assert_int_equal(r.ioapic_pin, IRQ_NONE);
	/* Both ways agree: the GSI of each ISA IRQ drives that IRQ's input,
	 * and no two IRQs share a GSI. */
	for (unsigned irq = 0; irq < 16; irq++) {
		int gsi = irq_isa_gsi(irq);

		if (gsi == IRQ_NONE)
			continue;
		assert_int_equal(irq_gsi_route((unsigned)gsi).pic_input, irq);
		assert_int_equal(irq_gsi_route((unsigned)gsi).ioapic_pin, gsi);
	}
}

static void test_pick_ioapic_id(void **state)
{
	const u32 bsp[] = { 0 };
	const u32 aps[] = { 1, 2, 3 };
	const u32 low[] = { 2, 0, 1, 3 };
	const u32 high[] = { 16, 200, 0x1000 };
	u32 all[16];

	(void)state;
	assert_int_equal(irq_pick_ioapic_id(NULL, 0), 0);
	assert_int_equal(irq_pick_ioapic_id(bsp, 1), 1);
	assert_int_equal(irq_pick_ioapic_id(aps, 3), 0); /* the console keeps CPU 0 */
	assert_int_equal(irq_pick_ioapic_id(low, 4), 4);
	assert_int_equal(irq_pick_ioapic_id(high, 3), 0);
	for (unsigned i = 0; i < 16; i++)
		all[i] = 15 - i;
	assert_int_equal(irq_pick_ioapic_id(all, 16), 15); /* no free one: the documented clash */
	all[3] = 40; /* 12 is free now */
	assert_int_equal(irq_pick_ioapic_id(all, 16), 12);
}

/* ---------------------------------------------------------- the decision */

/* A partition of three vCPUs with the machine's APIC IDs 1, 2 and 5. */
static const u32 ids[] = { 1, 2, 5 };

static struct irq_decision decide_full(u8 vector, u8 mode, bool logical, u8 dest, u32 lmatch,
				       bool pic)
{
	struct ioapic_msg m = { .vector = vector, .delivery_mode = mode, .logical = logical,
				.dest = dest, .level = false, .pin = 4 };
	struct irq_decision d = { .verdict = IRQ_DELIVER, .targets = 0xdead };

	irq_decide(&m, ids, 3, lmatch, pic, &d);
	return d;
}

static struct irq_decision decide(u8 vector, u8 mode, u8 dest)
{
	return decide_full(vector, mode, false, dest, 0, true);
}

static void test_physical_fixed(void **state)
{
	struct irq_decision d;

	(void)state;
	d = decide(0x24, IOAPIC_DM_FIXED, 2);
	assert_int_equal(d.verdict, IRQ_DELIVER);
	assert_int_equal(d.targets, 1u << 1);
	d = decide(0x24, IOAPIC_DM_FIXED, 5);
	assert_int_equal(d.targets, 1u << 2);
	d = decide(0x24, IOAPIC_DM_LOWEST, 1);
	assert_int_equal(d.verdict, IRQ_DELIVER);
	assert_int_equal(d.targets, 1u << 0);
	/* Not a CPU of the partition: APIC 0 (the console's), 3, 0xfe. */
	d = decide(0x24, IOAPIC_DM_FIXED, 0);
	assert_int_equal(d.verdict, IRQ_DROP_NOT_OURS);
	assert_int_equal(d.targets, 0);
	assert_int_equal(decide(0x24, IOAPIC_DM_FIXED, 3).verdict, IRQ_DROP_NOT_OURS);
	assert_int_equal(decide(0x24, IOAPIC_DM_LOWEST, 0xfe).verdict, IRQ_DROP_NOT_OURS);
	/* The destination is checked first, whatever the mode. */
	assert_int_equal(decide(0x24, IOAPIC_DM_NMI, 0).verdict, IRQ_DROP_NOT_OURS);
	assert_int_equal(decide(0x05, IOAPIC_DM_FIXED, 0).verdict, IRQ_DROP_NOT_OURS);
}

static void test_broadcast(void **state)
{
	struct irq_decision d;

	(void)state;
	/* SDM 11.6.2.1: 0xff in physical mode is every APIC: the partition's. */
	d = decide(0x30, IOAPIC_DM_FIXED, 0xff);
	assert_int_equal(d.verdict, IRQ_DELIVER);
	assert_int_equal(d.targets, 0x7);
	/* Lowest priority: one of them. */
	d = decide(0x30, IOAPIC_DM_LOWEST, 0xff);
	assert_int_equal(d.verdict, IRQ_DELIVER);
	assert_int_equal(d.targets, 0x1);
}

static void test_vectors(void **state)
{
	(void)state;
	/* SDM 11.5.3: 0-15 are illegal; 16 is the first legal one. */
	for (unsigned v = 0; v < 16; v++) {
		assert_int_equal(decide((u8)v, IOAPIC_DM_FIXED, 1).verdict, IRQ_DROP_VECTOR);
		assert_int_equal(decide((u8)v, IOAPIC_DM_LOWEST, 1).verdict, IRQ_DROP_VECTOR);
	}
	assert_int_equal(decide(16, IOAPIC_DM_FIXED, 1).verdict, IRQ_DELIVER);
	assert_int_equal(decide(0xff, IOAPIC_DM_FIXED, 1).verdict, IRQ_DELIVER);
	/* The hypervisor's kick. */
	assert_int_equal(decide(ARCH_RESERVED_VECTOR, IOAPIC_DM_FIXED, 1).verdict, IRQ_DROP_VECTOR);
	assert_int_equal(decide(ARCH_RESERVED_VECTOR, IOAPIC_DM_FIXED, 0xff).targets, 0);
}

static void test_other_modes(void **state)
{
	(void)state;
	assert_int_equal(decide(0, IOAPIC_DM_NMI, 1).verdict, IRQ_DROP_MODE);
	assert_int_equal(decide(0, IOAPIC_DM_INIT, 2).verdict, IRQ_DROP_MODE);
	assert_int_equal(decide(0, IOAPIC_DM_SMI, 5).verdict, IRQ_DROP_MODE);
	/* ExtINT: the PIC's output, vCPU 0's, only with a PIC. */
	assert_int_equal(decide(0, IOAPIC_DM_EXTINT, 1).verdict, IRQ_EXTINT_PIC);
	assert_int_equal(decide(0, IOAPIC_DM_EXTINT, 0xff).verdict, IRQ_EXTINT_PIC);
	assert_int_equal(decide(0, IOAPIC_DM_EXTINT, 2).verdict, IRQ_DROP_MODE);
	assert_int_equal(decide_full(0, IOAPIC_DM_EXTINT, false, 1, 0, false).verdict,
			 IRQ_DROP_MODE);
	assert_string_equal(irq_delivery_mode_name(IOAPIC_DM_FIXED), "fixed");
	assert_string_equal(irq_delivery_mode_name(IOAPIC_DM_LOWEST), "lowest priority");
	assert_string_equal(irq_delivery_mode_name(IOAPIC_DM_NMI), "NMI");
	assert_string_equal(irq_delivery_mode_name(IOAPIC_DM_EXTINT), "ExtINT");
	assert_string_equal(irq_delivery_mode_name(3), "reserved");
}

static void test_logical(void **state)
{
	struct irq_decision d;

	(void)state;
	/* The local APICs' answer decides; the APIC IDs do not matter. */
	d = decide_full(0x41, IOAPIC_DM_FIXED, true, 0x03, 0x5, true);
	assert_int_equal(d.verdict, IRQ_DELIVER);
	assert_int_equal(d.targets, 0x5);
	d = decide_full(0x41, IOAPIC_DM_LOWEST, true, 0x03, 0x6, true);
	assert_int_equal(d.targets, 0x2);
	/* Bits beyond the partition's vCPUs are not CPUs. */
	d = decide_full(0x41, IOAPIC_DM_FIXED, true, 0x03, 0x8, true);
	assert_int_equal(d.verdict, IRQ_DROP_LOGICAL);
	assert_int_equal(d.targets, 0);
	assert_int_equal(decide_full(0x41, IOAPIC_DM_FIXED, true, 1, 0, true).verdict,
			 IRQ_DROP_LOGICAL);
	/* Illegal vectors are dropped in logical mode too. */
	assert_int_equal(decide_full(0x02, IOAPIC_DM_FIXED, true, 1, 1, true).verdict,
			 IRQ_DROP_VECTOR);
	/* In physical mode the match is ignored. */
	assert_int_equal(decide_full(0x41, IOAPIC_DM_FIXED, false, 9, 0x7, true).verdict,
			 IRQ_DROP_NOT_OURS);
}

/* 32 vCPUs: every bit of targets is one, none beyond. */
static void test_many_vcpus(void **state)
{
	u32 many[40];
	struct ioapic_msg m = { .vector = 0x50, .delivery_mode = IOAPIC_DM_FIXED, .dest = 0xff };
	struct irq_decision d;

	(void)state;
	for (unsigned i = 0; i < 40; i++)
		many[i] = i;
	irq_decide(&m, many, 40, 0, false, &d);
	assert_int_equal(d.targets, 0xffffffffu);
	m.dest = 31;
	irq_decide(&m, many, 40, 0, false, &d);
	assert_int_equal(d.targets, 1u << 31);
	m.dest = 35; /* past the 32 a decision can name */
	irq_decide(&m, many, 40, 0, false, &d);
	assert_int_equal(d.verdict, IRQ_DROP_NOT_OURS);
}

/* ------------------------------------------------- model and router */

static struct ioapic_out out;

static void reg_write(struct ioapic *io, u32 reg, u32 v)
{
	assert_int_equal(ioapic_mmio_write(io, IOAPIC_DEFAULT_BASE + IOAPIC_IOREGSEL, 4, reg, &out),
			 IOAPIC_OK);
	assert_int_equal(ioapic_mmio_write(io, IOAPIC_DEFAULT_BASE + IOAPIC_IOWIN, 4, v, &out),
			 IOAPIC_OK);
}

/*
 * The UART's line as the router drives it: ISA IRQ 4 -> GSI 4 -> pin 4.
 * Linux (physflat) programs the entry edge, active high, fixed, physical,
 * to one CPU; a rising edge is one message to that vCPU; an entry pointing
 * at a CPU outside the partition is a drop. IRQ 0 reaches pin 2.
 */
static void test_uart_through_ioapic(void **state)
{
	struct ioapic io;
	struct irq_decision d;
	unsigned pin = (unsigned)irq_gsi_route((unsigned)irq_isa_gsi(4)).ioapic_pin;

	(void)state;
	assert_int_equal(pin, 4);
	ioapic_init(&io, IOAPIC_DEFAULT_BASE, irq_pick_ioapic_id(ids, 3));
	/* Masked at reset: the edge is lost. */
	assert_true(ioapic_set_level(&io, pin, true, &out));
	assert_int_equal(out.n, 0);
	assert_true(ioapic_set_level(&io, pin, false, &out));

	reg_write(&io, IOAPIC_REG_REDTBL_HI(pin), 5u << 24);
	reg_write(&io, IOAPIC_REG_REDTBL_LO(pin), 0x24);
	assert_int_equal(out.n, 0);
	assert_true(ioapic_set_level(&io, pin, true, &out));
	assert_int_equal(out.n, 1);
	assert_false(out.msg[0].level);
	irq_decide(&out.msg[0], ids, 3, 0, true, &d);
	assert_int_equal(d.verdict, IRQ_DELIVER);
	assert_int_equal(d.targets, 1u << 2);
	assert_int_equal(out.msg[0].vector, 0x24);

	/* Still high: no new edge, no message. */
	assert_true(ioapic_set_level(&io, pin, true, &out));
	assert_int_equal(out.n, 0);
	assert_true(ioapic_set_level(&io, pin, false, &out));

	/* The console's APIC 0 is not the partition's. */
	reg_write(&io, IOAPIC_REG_REDTBL_HI(pin), 0);
	assert_true(ioapic_set_level(&io, pin, true, &out));
	assert_int_equal(out.n, 1);
	irq_decide(&out.msg[0], ids, 3, 0, true, &d);
	assert_int_equal(d.verdict, IRQ_DROP_NOT_OURS);

	/* The PIT's IRQ 0 is pin 2. */
	assert_int_equal(irq_gsi_route((unsigned)irq_isa_gsi(0)).ioapic_pin, 2);
}

/*
 * A level-triggered line to nobody: the router forgets its remote IRR
 * (ioapic_not_accepted), and a new destination written by the guest
 * re-samples the still-asserted pin and sends again.
 */
static void test_level_not_accepted(void **state)
{
	struct ioapic io;
	struct irq_decision d;

	(void)state;
	ioapic_init(&io, IOAPIC_DEFAULT_BASE, 0);
	reg_write(&io, IOAPIC_REG_REDTBL_HI(9), 0x7u << 24);
	reg_write(&io, IOAPIC_REG_REDTBL_LO(9), 0x39 | (u32)IOAPIC_RTE_LEVEL);
	assert_true(ioapic_set_level(&io, 9, true, &out));
	assert_int_equal(out.n, 1);
	assert_true(out.msg[0].level);
	irq_decide(&out.msg[0], ids, 3, 0, true, &d);
	assert_int_equal(d.verdict, IRQ_DROP_NOT_OURS);
	assert_true(ioapic_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_not_accepted(&io, 9);
	assert_false(ioapic_rte(&io, 9) & IOAPIC_RTE_REMOTE_IRR);

	reg_write(&io, IOAPIC_REG_REDTBL_HI(9), 1u << 24);
	assert_int_equal(out.n, 1);
	irq_decide(&out.msg[0], ids, 3, 0, true, &d);
	assert_int_equal(d.verdict, IRQ_DELIVER);
	assert_int_equal(d.targets, 1u << 0);
	/* Now it waits for the EOI of its vector, and goes again. */
	assert_int_equal(ioapic_eoi(&io, 0x39, &out), 1);
	assert_int_equal(out.n, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_isa_gsi),
		cmocka_unit_test(test_gsi_route),
		cmocka_unit_test(test_pick_ioapic_id),
		cmocka_unit_test(test_physical_fixed),
		cmocka_unit_test(test_broadcast),
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_other_modes),
		cmocka_unit_test(test_logical),
		cmocka_unit_test(test_many_vcpus),
		cmocka_unit_test(test_uart_through_ioapic),
		cmocka_unit_test(test_level_not_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
