/*
 * Unit tests for hv/acpi_pm.c, a partition's ACPI fixed hardware: what
 * ACPICA (Linux's ACPI core) reads and writes at boot, at power-off and at
 * reboot, with the access widths it uses, and the edges: byte lanes,
 * accesses that reach past the registers, ports that are not these.
 */
#include "unit.h"

#include <tessera/acpi_pm.h>

#define STS GUEST_ACPI_PM1A_EVT_PORT
#define EN (GUEST_ACPI_PM1A_EVT_PORT + 2)
#define CNT GUEST_ACPI_PM1A_CNT_PORT
#define RESET GUEST_ACPI_RESET_PORT

static u32 rd(struct acpi_pm *pm, u16 port, unsigned size)
{
	u32 v = 0xdeadbeef;
	unsigned typ = 99;


	assert_int_equal(acpi_pm_io(pm, port, size, false, &v, &typ), ACPI_PM_NONE);
	assert_int_equal(typ, 99);
	return v;
}

static enum acpi_pm_action wr(struct acpi_pm *pm, u16 port, unsigned size, u32 v,
			      unsigned *typ)
{
	return acpi_pm_io(pm, port, size, true, &v, typ);
}

/* Power-on: no status, nothing enabled, SCI_EN set (ACPI mode without an
 * SMI_CMD to switch to it), SLP_TYP 0. */
static void test_power_on(void **state)
{
	struct acpi_pm pm;

	(void)state;
	acpi_pm_reset(&pm);
	assert_int_equal(rd(&pm, STS, 2), 0);
	assert_int_equal(rd(&pm, EN, 2), 0);
	assert_int_equal(rd(&pm, CNT, 2), ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(rd(&pm, STS, 4), 0); /* status and enable in one read */
	assert_int_equal(rd(&pm, RESET, 1), 0);
}

/*
 * ACPICA at boot: clears all status bits (writes 1s), disables the fixed
 * events, then enables GBL_EN and reads it back to see whether the global
 * lock exists (acpi_ev_init_global_lock_handler): it must stick.
 */
static void test_boot_sequence(void **state)
{
	struct acpi_pm pm;
	unsigned typ = 99;

	(void)state;
	acpi_pm_reset(&pm);
	assert_int_equal(wr(&pm, STS, 2, 0xffff, &typ), ACPI_PM_NONE);
	assert_int_equal(rd(&pm, STS, 2), 0);
	assert_int_equal(wr(&pm, EN, 2, 0, &typ), ACPI_PM_NONE);
	assert_int_equal(wr(&pm, EN, 2, ACPI_PM1_EN_GBL, &typ), ACPI_PM_NONE);
	assert_int_equal(rd(&pm, EN, 2), ACPI_PM1_EN_GBL);
	/* Undefined enable bits do not stick. */
	assert_int_equal(wr(&pm, EN, 2, 0xffff, &typ), ACPI_PM_NONE);
	assert_int_equal(rd(&pm, EN, 2), ACPI_PM1_EN_MASK);
	assert_int_equal(typ, 99);
}

/*
 * acpi_hw_legacy_sleep(S5): read PM1_CNT, clear SLP_TYP and SLP_EN, write
 * SLP_TYP, then write SLP_TYP | SLP_EN: only that last write asks for the
 * sleep state, with the SLP_TYP of \_S5.
 */
static void test_s5_sequence(void **state)
{
	struct acpi_pm pm;
	unsigned typ = 99;
	u32 cnt;

	(void)state;
	acpi_pm_reset(&pm);
	cnt = rd(&pm, CNT, 2) & ~(ACPI_PM1_CNT_SLP_TYP_MASK | ACPI_PM1_CNT_SLP_EN);
	cnt |= GUEST_ACPI_S5_SLP_TYP << ACPI_PM1_CNT_SLP_TYP_SHIFT;
	assert_int_equal(wr(&pm, CNT, 2, cnt, &typ), ACPI_PM_NONE);
	assert_int_equal(typ, 99);
	assert_int_equal(rd(&pm, CNT, 2), cnt); /* SLP_TYP kept, SCI_EN still 1 */
	assert_int_equal(wr(&pm, CNT, 2, cnt | ACPI_PM1_CNT_SLP_EN, &typ), ACPI_PM_SLEEP);
	assert_int_equal(typ, GUEST_ACPI_S5_SLP_TYP);
	/* SLP_EN and GBL_RLS are write-only. */
	assert_int_equal(wr(&pm, CNT, 2, ACPI_PM1_CNT_GBL_RLS, &typ), ACPI_PM_NONE);
	assert_int_equal(rd(&pm, CNT, 2), ACPI_PM1_CNT_SCI_EN);
}

/* Other sleep types are reported as such; byte writes of the high byte
 * carry SLP_TYP and SLP_EN together; the low byte alone never sleeps. */
static void test_sleep_types_and_lanes(void **state)
{
	struct acpi_pm pm;
	unsigned typ;

	(void)state;
	acpi_pm_reset(&pm);
	for (unsigned t = 0; t < 8; t++) {
		typ = 99;
		assert_int_equal(wr(&pm, CNT, 2, t << 10 | ACPI_PM1_CNT_SLP_EN, &typ),
				 ACPI_PM_SLEEP);
		assert_int_equal(typ, t);
	}
	typ = 99;
	assert_int_equal(wr(&pm, CNT + 1, 1, (3 << 10 | ACPI_PM1_CNT_SLP_EN) >> 8, &typ),
			 ACPI_PM_SLEEP);
	assert_int_equal(typ, 3);
	typ = 99;
	assert_int_equal(wr(&pm, CNT, 1, 0xff, &typ), ACPI_PM_NONE);
	assert_int_equal(typ, 99);
	assert_int_equal(rd(&pm, CNT, 1), ACPI_PM1_CNT_SCI_EN | ACPI_PM1_CNT_BM_RLD);
	/* A 4-byte write at the event block reaches PM1_EN's two bytes. */
	assert_int_equal(wr(&pm, STS, 4, (u32)ACPI_PM1_EN_PWRBTN << 16 | 0xffff, &typ),
			 ACPI_PM_NONE);
	assert_int_equal(rd(&pm, EN + 1, 1), ACPI_PM1_EN_PWRBTN >> 8);
	assert_int_equal(rd(&pm, EN, 1), 0);
}

/* acpi_reset(): one byte, RESET_VALUE. Any other value, or the value in a
 * wider access whose first byte is something else, does nothing. */
static void test_reset(void **state)
{
	struct acpi_pm pm;
	unsigned typ = 99;

	(void)state;
	acpi_pm_reset(&pm);
	assert_int_equal(wr(&pm, RESET, 1, GUEST_ACPI_RESET_VALUE, &typ), ACPI_PM_RESET);
	assert_int_equal(wr(&pm, RESET, 1, 0, &typ), ACPI_PM_NONE);
	assert_int_equal(wr(&pm, RESET, 1, 0xfe, &typ), ACPI_PM_NONE);
	assert_int_equal(wr(&pm, RESET, 2, 0x0100, &typ), ACPI_PM_NONE);
	assert_int_equal(wr(&pm, RESET, 4, GUEST_ACPI_RESET_VALUE, &typ), ACPI_PM_RESET);
	assert_int_equal(typ, 99);
}

/* Which accesses are these registers': any that touches one of their
 * bytes; bytes around them read as no device (0xff). */
static void test_ports(void **state)
{
	struct acpi_pm pm;
	unsigned typ = 99;
	u32 v = 0;

	(void)state;
	acpi_pm_reset(&pm);
	assert_false(acpi_pm_owns_port(STS - 1, 1));
	assert_true(acpi_pm_owns_port(STS - 1, 2));
	assert_true(acpi_pm_owns_port(CNT + 1, 1));
	assert_false(acpi_pm_owns_port(CNT + 2, 1));
	assert_false(acpi_pm_owns_port(CNT + 3, 1));
	assert_true(acpi_pm_owns_port(CNT + 2, 4)); /* reaches the reset register */
	assert_true(acpi_pm_owns_port(RESET, 1));
	assert_false(acpi_pm_owns_port(RESET + 1, 1));
	assert_false(acpi_pm_owns_port(0x3f8, 1));
	assert_int_equal(acpi_pm_io(&pm, 0x3f8, 1, false, &v, &typ), ACPI_PM_NOT_MINE);
	assert_int_equal(acpi_pm_io(&pm, STS, 3, false, &v, &typ), ACPI_PM_NOT_MINE);
	assert_int_equal(rd(&pm, CNT, 4), 0xffff0000u | ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(rd(&pm, STS - 1, 2), 0x00ff);
	assert_int_equal(rd(&pm, RESET - 1, 2), 0x00ff);
	/* The bytes of a write that fall outside the registers are dropped. */
	assert_int_equal(wr(&pm, CNT, 2, 5 << 10, &typ), ACPI_PM_NONE);
	assert_int_equal(wr(&pm, CNT + 1, 2, 0xff00 | (4 << 2), &typ), ACPI_PM_NONE);
	assert_int_equal(rd(&pm, CNT, 2), 4 << 10 | ACPI_PM1_CNT_SCI_EN);
	assert_int_equal(wr(&pm, RESET - 1, 2, 0x00ff | GUEST_ACPI_RESET_VALUE << 8, &typ),
			 ACPI_PM_RESET);
	assert_int_equal(typ, 99);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_boot_sequence),
		cmocka_unit_test(test_s5_sequence),
		cmocka_unit_test(test_sleep_types_and_lanes),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_ports),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
