/*
 * Unit tests for hv/vlapic.c, the guest local APIC's register filter: the
 * reset state in both modes; every legal and illegal IA32_APIC_BASE
 * transition of SDM Vol. 3A 11.12.5 (Figure 11-8), reserved bits,
 * relocation, the BSP flag; the ICR in both forms (xAPIC halves, x2APIC
 * 64 bits, the 0xff broadcast, self IPI); the TPR cap; the SVR kept
 * enabled in hardware; the virtual LVT entries; the ID, LDR and DFR; the
 * registers that fault in x2APIC mode and read 0 in xAPIC mode; and the
 * logical destination match (flat and cluster).
 */
#include "unit.h"

#include <tessera/vlapic.h>

#define EN VLAPIC_BASE_EN
#define EXTD VLAPIC_BASE_EXTD
#define BSP VLAPIC_BASE_BSP
#define DEF VLAPIC_DEFAULT_BASE

static struct vlapic l;
static const char *why;

static void reset_x(u32 id, bool bsp)
{
	vlapic_reset(&l, id, bsp, false);
}

static void test_reset_state(void **state)
{
	(void)state;
	reset_x(3, true);
	assert_int_equal(l.base, DEF | EN | BSP);
	assert_int_equal(vlapic_mode(&l), VLAPIC_XAPIC);
	assert_int_equal(vlapic_mmio_base(&l), DEF);
	vlapic_reset(&l, 3, false, true);
	assert_int_equal(l.base, DEF | EN | EXTD);
	assert_int_equal(vlapic_mode(&l), VLAPIC_X2APIC);
	assert_int_equal(vlapic_mmio_base(&l), ~0ull); /* no page in x2APIC mode */
	/* 11.4.7.1: DFR all ones, SVR 0xff, LVTs masked. */
	reset_x(0, false);
	assert_int_equal(vlapic_read(&l, VLAPIC_DFR).value, 0xffffffffu);
	assert_int_equal(vlapic_read(&l, VLAPIC_SVR).value, 0xff);
	assert_int_equal(vlapic_read(&l, VLAPIC_LVT_LINT0).value, VLAPIC_LVT_MASKED);
}

/* Every (from, to) mode pair of Figure 11-8. */
static void test_mode_transitions(void **state)
{
	static const u64 mode_bits[3] = { 0, EN, EN | EXTD };
	/* legal[from][to]: disabled, xAPIC, x2APIC */
	static const bool legal[3][3] = {
		{ true, true, false },  /* disabled -> x2APIC: must pass through xAPIC */
		{ true, true, true },
		{ true, false, true },  /* x2APIC -> xAPIC: must pass through disabled */
	};
	(void)state;
	for (int from = 0; from < 3; from++) {
		for (int to = 0; to < 3; to++) {
			reset_x(1, false);
			l.base = DEF | mode_bits[from];
			bool ok = vlapic_set_base(&l, DEF | mode_bits[to], true, 39, &why);

			assert_int_equal(ok, legal[from][to]);
			assert_int_equal(l.base & (EN | EXTD), ok ? mode_bits[to] : mode_bits[from]);
		}
	}
	/* EXTD alone is the invalid state. */
	reset_x(1, false);
	assert_false(vlapic_set_base(&l, DEF | EXTD, true, 39, &why));
	assert_string_equal(why, "EXTD without EN is an invalid state");
}

static void test_linux_x2apic_disable_sequence(void **state)
{
	(void)state;
	/* Linux's __x2apic_disable(): EN and EXTD off, then EN on. */
	vlapic_reset(&l, 2, true, true);
	assert_true(vlapic_set_base(&l, DEF | BSP, true, 39, &why));
	assert_int_equal(vlapic_mode(&l), VLAPIC_DISABLED);
	assert_true(vlapic_set_base(&l, DEF | BSP | EN, true, 39, &why));
	assert_int_equal(vlapic_mode(&l), VLAPIC_XAPIC);
	assert_int_equal(vlapic_mmio_base(&l), DEF);
	assert_true(l.base & BSP);
}

static void test_base_reserved_and_x2apic_support(void **state)
{
	(void)state;
	reset_x(1, false);
	assert_false(vlapic_set_base(&l, DEF | EN | 0x1, true, 39, &why));
	assert_string_equal(why, "reserved bits set");
	assert_false(vlapic_set_base(&l, DEF | EN | (1ull << 9), true, 39, &why));
	assert_false(vlapic_set_base(&l, (1ull << 39) | EN, true, 39, &why)); /* above MAXPHYADDR */
	assert_true(vlapic_set_base(&l, (1ull << 38) | EN, true, 39, &why));
	reset_x(1, false);
	assert_false(vlapic_set_base(&l, DEF | EN | EXTD, false, 39, &why));
	assert_string_equal(why, "x2APIC mode on a CPU without x2APIC");
	assert_int_equal(vlapic_mode(&l), VLAPIC_XAPIC);
}

static void test_relocation_and_bsp(void **state)
{
	(void)state;
	reset_x(1, false);
	assert_true(vlapic_set_base(&l, 0xfed00000ull | EN | BSP, true, 39, &why));
	assert_int_equal(vlapic_mmio_base(&l), 0xfed00000ull);
	assert_false(l.base & BSP); /* the BSP flag is the partition's, not writable */
	/* In x2APIC mode the address cannot move. */
	assert_true(vlapic_set_base(&l, 0xfed00000ull | EN | EXTD, true, 39, &why));
	assert_false(vlapic_set_base(&l, DEF | EN | EXTD, true, 39, &why));
	/* Re-enabling after a disable resets the virtual registers (11.4.3). */
	reset_x(1, false);
	vlapic_write(&l, VLAPIC_LDR, 0x05000000);
	assert_true(vlapic_set_base(&l, DEF, true, 39, &why));
	assert_true(vlapic_set_base(&l, DEF | EN, true, 39, &why));
	assert_int_equal(vlapic_read(&l, VLAPIC_LDR).value, 0);
}

static void test_icr_xapic(void **state)
{
	struct vlapic_op op;

	(void)state;
	reset_x(0, true);
	op = vlapic_write(&l, VLAPIC_ICR_HIGH, 0x03000000);
	assert_int_equal(op.what, VLAPIC_DONE);
	/* INIT, level assert; the read-only delivery-status bit and the
	 * reserved bits 31:20 written as ones are dropped. */
	op = vlapic_write(&l, VLAPIC_ICR, 0xfff04500 | (1u << 12));
	assert_int_equal(op.what, VLAPIC_SEND_IPI);
	assert_int_equal(op.dest, 3);
	assert_int_equal(op.value, 0x4500);
	/* The low half reads back with delivery status idle. */
	assert_int_equal(vlapic_read(&l, VLAPIC_ICR).value & (1u << 12), 0);
	assert_int_equal(vlapic_read(&l, VLAPIC_ICR_HIGH).value, 0x03000000);
	/* 0xff physical: the broadcast. */
	vlapic_write(&l, VLAPIC_ICR_HIGH, 0xff000000);
	op = vlapic_write(&l, VLAPIC_ICR, 0x41);
	assert_int_equal(op.what, VLAPIC_SEND_IPI);
	assert_int_equal(op.value, 0x41 | (2u << 18));
}

static void test_icr_x2apic_and_self_ipi(void **state)
{
	struct vlapic_op op;

	(void)state;
	vlapic_reset(&l, 7, true, true);
	op = vlapic_write(&l, VLAPIC_ICR, (9ull << 32) | 0x4041);
	assert_int_equal(op.what, VLAPIC_SEND_IPI);
	assert_int_equal(op.dest, 9);
	assert_int_equal(op.value, 0x4041);
	assert_int_equal(vlapic_read(&l, VLAPIC_ICR).value, (9ull << 32) | 0x4041);
	op = vlapic_write(&l, VLAPIC_SELF_IPI, 0x55);
	assert_int_equal(op.what, VLAPIC_SEND_IPI);
	assert_int_equal(op.value, 0x55 | (1u << 18));
	assert_int_equal(vlapic_write(&l, VLAPIC_ICR_HIGH, 0).what, VLAPIC_FAULT);
}

static void test_tpr_svr_and_virtual_lvts(void **state)
{
	struct vlapic_op op;

	(void)state;
	reset_x(0, true);
	op = vlapic_write(&l, VLAPIC_TPR, 0xff);
	assert_int_equal(op.what, VLAPIC_HW_WRITE);
	assert_int_equal(op.value, VLAPIC_TPR_MAX);
	assert_true(op.value < (ARCH_RESERVED_VECTOR & 0xf0));
	assert_int_equal(vlapic_write(&l, VLAPIC_TPR, 0x20).value, 0x20);
	/* SVR: the guest sees what it wrote, the hardware stays enabled. */
	op = vlapic_write(&l, VLAPIC_SVR, 0x0ef);
	assert_int_equal(op.what, VLAPIC_HW_WRITE);
	assert_int_equal(op.value, 0x1ef);
	assert_int_equal(vlapic_read(&l, VLAPIC_SVR).value, 0x0ef);
	/* EOI-broadcast suppression (bit 12) is not offered. */
	assert_int_equal(vlapic_write(&l, VLAPIC_SVR, 0x11ff).value, 0x1ff);
	assert_int_equal(vlapic_hw_read_filter(&l, VLAPIC_VER, 0x01050014), 0x00050014);
	/* Found by tests/fuzz/fuzz_vlapic.c: VER is 32 bits like the rest;
	 * bits 63:32 of an x2APIC RDMSR do not reach the guest. */
	assert_int_equal(vlapic_hw_read_filter(&l, VLAPIC_VER, 0xffffffff01050014ull),
			 0x00050014);
	/* LINT0 unmasked by the guest: virtual; never to the hardware. */
	op = vlapic_write(&l, VLAPIC_LVT_LINT0, 0x700);
	assert_int_equal(op.what, VLAPIC_DONE);
	assert_int_equal(vlapic_read(&l, VLAPIC_LVT_LINT0).value, 0x700);
	assert_int_equal(vlapic_write(&l, VLAPIC_LVT_PERF, 0x400).what, VLAPIC_DONE);
	/* The timer is the guest's own hardware. */
	op = vlapic_write(&l, VLAPIC_LVT_TIMER, 0x20030);
	assert_int_equal(op.what, VLAPIC_HW_WRITE);
	assert_int_equal(op.reg, VLAPIC_LVT_TIMER);
	assert_int_equal(vlapic_read(&l, VLAPIC_TIMER_CCR).what, VLAPIC_HW_READ);
	assert_int_equal(vlapic_write(&l, VLAPIC_EOI, 0).what, VLAPIC_DO_EOI);
}

static void test_id_ldr_dfr(void **state)
{
	(void)state;
	reset_x(5, false);
	assert_int_equal(vlapic_read(&l, VLAPIC_ID).value, 5u << 24);
	assert_int_equal(vlapic_write(&l, VLAPIC_ID, 9u << 24).what, VLAPIC_DONE);
	assert_int_equal(vlapic_read(&l, VLAPIC_ID).value, 5u << 24); /* unchanged */
	vlapic_write(&l, VLAPIC_LDR, 0x12345678);
	assert_int_equal(vlapic_read(&l, VLAPIC_LDR).value, 0x12000000);
	vlapic_write(&l, VLAPIC_DFR, 0x0);
	assert_int_equal(vlapic_read(&l, VLAPIC_DFR).value, 0x0fffffff);
	vlapic_reset(&l, 5, false, true);
	assert_int_equal(vlapic_read(&l, VLAPIC_ID).value, 5);
	assert_int_equal(vlapic_read(&l, VLAPIC_LDR).what, VLAPIC_HW_READ);
	assert_int_equal(vlapic_write(&l, VLAPIC_LDR, 1).what, VLAPIC_FAULT);
	assert_int_equal(vlapic_read(&l, VLAPIC_DFR).what, VLAPIC_FAULT);
}

/* Table 11-6: what faults in x2APIC mode is silent in xAPIC mode. */
static void test_faults_by_mode(void **state)
{
	static const unsigned bad_reads[] = { VLAPIC_EOI, VLAPIC_SELF_IPI, VLAPIC_APR, 0x04, 0x3a };
	static const unsigned bad_writes[] = { VLAPIC_ID, VLAPIC_VER, VLAPIC_PPR, VLAPIC_TIMER_CCR,
					       VLAPIC_ISR0, VLAPIC_IRR7, 0x04 };
	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad_reads); i++) {
		vlapic_reset(&l, 1, false, true);
		assert_int_equal(vlapic_read(&l, bad_reads[i]).what, VLAPIC_FAULT);
		reset_x(1, false);
		struct vlapic_op op = vlapic_read(&l, bad_reads[i]);

		assert_int_equal(op.what, VLAPIC_DONE);
		assert_int_equal(op.value, 0);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad_writes); i++) {
		vlapic_reset(&l, 1, false, true);
		assert_int_equal(vlapic_write(&l, bad_writes[i], 0).what, VLAPIC_FAULT);
		reset_x(1, false);
		assert_int_equal(vlapic_write(&l, bad_writes[i], 0).what, VLAPIC_DONE);
	}
	vlapic_reset(&l, 1, false, true);
	assert_int_equal(vlapic_write(&l, VLAPIC_EOI, 1).what, VLAPIC_FAULT);
	assert_int_equal(vlapic_write(&l, VLAPIC_TPR, 1ull << 32).what, VLAPIC_FAULT);
	assert_int_equal(vlapic_write(&l, VLAPIC_ESR, 1).what, VLAPIC_FAULT);
}

static void test_logical_match(void **state)
{
	(void)state;
	reset_x(1, false);
	vlapic_write(&l, VLAPIC_LDR, 0x02000000); /* flat: bit 1 */
	assert_true(vlapic_logical_match(&l, 0x02));
	assert_true(vlapic_logical_match(&l, 0xff));
	assert_false(vlapic_logical_match(&l, 0x01));
	vlapic_write(&l, VLAPIC_DFR, 0x0fffffff); /* cluster */
	vlapic_write(&l, VLAPIC_LDR, 0x34000000); /* cluster 3, bit 2 */
	assert_true(vlapic_logical_match(&l, 0x34));
	assert_true(vlapic_logical_match(&l, 0x36));
	assert_true(vlapic_logical_match(&l, 0xf4)); /* every cluster */
	assert_false(vlapic_logical_match(&l, 0x24));
	assert_false(vlapic_logical_match(&l, 0x38));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_mode_transitions),
		cmocka_unit_test(test_linux_x2apic_disable_sequence),
		cmocka_unit_test(test_base_reserved_and_x2apic_support),
		cmocka_unit_test(test_relocation_and_bsp),
		cmocka_unit_test(test_icr_xapic),
		cmocka_unit_test(test_icr_x2apic_and_self_ipi),
		cmocka_unit_test(test_tpr_svr_and_virtual_lvts),
		cmocka_unit_test(test_id_ldr_dfr),
		cmocka_unit_test(test_faults_by_mode),
		cmocka_unit_test(test_logical_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
