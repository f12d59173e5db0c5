/*
 * A partition's ACPI fixed hardware (ACPI 6.5 4.8): the PM1a event block
 * (PM1_STS, PM1_EN), the PM1a control block (PM1_CNT) and the reset
 * register, at the ports tessera/acpi_build.h gives and the FADT names.
 * Portable and host-tested; hv/linux_guest.c calls it from the I/O exit and
 * acts on what it returns.
 *
 * What the registers do here:
 *   PM1_STS  reads 0: nothing raises a fixed event (no PM timer, no power or
 *            sleep button, no RTC alarm, no wake from sleep); writes (1 to
 *            clear) change nothing.
 *   PM1_EN   keeps the enable bits the spec defines (4.8.3.1.2), so that
 *            OSPM sees GBL_EN stick and uses the FACS global lock.
 *   PM1_CNT  SCI_EN reads 1 (always in ACPI mode: the FADT has no SMI_CMD);
 *            SLP_TYP is kept; writing SLP_EN = 1 asks for the sleep state
 *            SLP_TYP (4.8.3.2.1). GBL_RLS and SLP_EN read 0 (write-only).
 *   RESET    writing RESET_VALUE resets the partition (4.8.3.6); reads 0.
 * Accesses of 1, 2 or 4 bytes at any of these ports are taken byte by byte,
 * as the registers' byte lanes; bytes outside them read 0xff (no device).
 */
#ifndef TESSERA_ACPI_PM_H
#define TESSERA_ACPI_PM_H

#include <tessera/acpi_build.h>
#include <tessera/types.h>

/* 4.8.3.1.2 PM1 Enable Registers (Table 4.15): the defined bits. */
#define ACPI_PM1_EN_TMR (1u << 0)
#define ACPI_PM1_EN_GBL (1u << 5)
#define ACPI_PM1_EN_PWRBTN (1u << 8)
#define ACPI_PM1_EN_SLPBTN (1u << 9)
#define ACPI_PM1_EN_RTC (1u << 10)
#define ACPI_PM1_EN_PCIEXP_WAKE_DIS (1u << 14)
#define ACPI_PM1_EN_MASK                                                                           \
	(ACPI_PM1_EN_TMR | ACPI_PM1_EN_GBL | ACPI_PM1_EN_PWRBTN | ACPI_PM1_EN_SLPBTN |             \
	 ACPI_PM1_EN_RTC | ACPI_PM1_EN_PCIEXP_WAKE_DIS)

/* 4.8.3.2.1 PM1 Control Registers (Table 4.16). */
#define ACPI_PM1_CNT_SCI_EN (1u << 0)
#define ACPI_PM1_CNT_BM_RLD (1u << 1)
#define ACPI_PM1_CNT_GBL_RLS (1u << 2) /* write-only */
#define ACPI_PM1_CNT_SLP_TYP_SHIFT 10
#define ACPI_PM1_CNT_SLP_TYP_MASK (7u << ACPI_PM1_CNT_SLP_TYP_SHIFT)
#define ACPI_PM1_CNT_SLP_EN (1u << 13) /* write-only */

struct acpi_pm {
	u16 en;  /* PM1_EN */
	u16 cnt; /* PM1_CNT: BM_RLD and SLP_TYP as last written */
};

enum acpi_pm_action {
	ACPI_PM_NOT_MINE, /* not one of these ports: the caller handles it */
	ACPI_PM_NONE,     /* handled; nothing more to do */
	ACPI_PM_SLEEP,    /* SLP_EN was written: enter sleep state *slp_typ */
	ACPI_PM_RESET,    /* RESET_VALUE was written to the reset register */
};

/* The power-on state: nothing enabled, SLP_TYP 0. */
void acpi_pm_reset(struct acpi_pm *pm);

/* True if an access of size bytes at port touches one of these registers. */
bool acpi_pm_owns_port(u16 port, unsigned size);

/*
 * One guest access (size 1, 2 or 4) at port. A read fills *value; a write
 * takes it. Returns what the access asks the hypervisor to do; for
 * ACPI_PM_SLEEP, *slp_typ is the SLP_TYP written with SLP_EN.
 */
enum acpi_pm_action acpi_pm_io(struct acpi_pm *pm, u16 port, unsigned size, bool write,
			       u32 *value, unsigned *slp_typ);

#endif
