/*
 * A partition's ACPI fixed hardware registers (tessera/acpi_pm.h).
 * Section numbers are ACPI 6.5.
 */
#include <tessera/acpi_pm.h>
#include <tessera/string.h>

#define EVT GUEST_ACPI_PM1A_EVT_PORT
#define STS_END (EVT + GUEST_ACPI_PM1_EVT_LEN / 2) /* 4.8.3.1: status, then enable */
#define EVT_END (EVT + GUEST_ACPI_PM1_EVT_LEN)
#define CNT GUEST_ACPI_PM1A_CNT_PORT
#define CNT_END (CNT + GUEST_ACPI_PM1_CNT_LEN)
#define CNT_KEPT (ACPI_PM1_CNT_BM_RLD | ACPI_PM1_CNT_SLP_TYP_MASK)

void acpi_pm_reset(struct acpi_pm *pm)
{
	memset(pm, 0, sizeof(*pm));
}

static bool owns_byte(u32 port)
{
	return (port >= EVT && port < EVT_END) || (port >= CNT && port < CNT_END) ||
	       port == GUEST_ACPI_RESET_PORT;
}

bool acpi_pm_owns_port(u16 port, unsigned size)
{
	for (unsigned i = 0; i < size; i++)
		if (owns_byte((u32)port + i))
			return true;
	return false;
}

/* The byte the guest reads at port; 0xff where no register is. */
static u8 read_byte(const struct acpi_pm *pm, u32 port)
{
	if (port >= EVT && port < STS_END)
		return 0; /* PM1_STS: no fixed event ever happens */
	if (port >= STS_END && port < EVT_END)
		return (u8)(pm->en >> (8 * (port - STS_END)));
	if (port >= CNT && port < CNT_END)
		return (u8)((pm->cnt | ACPI_PM1_CNT_SCI_EN) >> (8 * (port - CNT)));
	if (port == GUEST_ACPI_RESET_PORT)
		return 0;
	return 0xff;
}

static u16 set_lane(u16 reg, unsigned lane, u8 b)
{
	return (u16)((reg & ~(0xffu << (8 * lane))) | ((u32)b << (8 * lane)));
}

static enum acpi_pm_action write_byte(struct acpi_pm *pm, u32 port, u8 b, unsigned *slp_typ)
{
	if (port >= STS_END && port < EVT_END) {
		pm->en = set_lane(pm->en, port - STS_END, b) & ACPI_PM1_EN_MASK;
	} else if (port >= CNT && port < CNT_END) {
		u16 written = set_lane(pm->cnt, port - CNT, b);

		pm->cnt = written & CNT_KEPT;
		/* 4.8.3.2.1: SLP_EN = 1 starts the transition to SLP_TYP. Both
		 * sit in the high byte, so a byte write of it carries both. */
		if (port - CNT == 1 && (written & ACPI_PM1_CNT_SLP_EN)) {
			*slp_typ = (written & ACPI_PM1_CNT_SLP_TYP_MASK) >> ACPI_PM1_CNT_SLP_TYP_SHIFT;
			return ACPI_PM_SLEEP;
		}
	} else if (port == GUEST_ACPI_RESET_PORT) {
		if (b == GUEST_ACPI_RESET_VALUE)
			return ACPI_PM_RESET;
	}
	/* PM1_STS: write 1 to clear, and no bit is ever set. */
	return ACPI_PM_NONE;
}

enum acpi_pm_action acpi_pm_io(struct acpi_pm *pm, u16 port, unsigned size, bool write,
			       u32 *value, unsigned *slp_typ)
{
	enum acpi_pm_action act = ACPI_PM_NONE;

	if ((size != 1 && size != 2 && size != 4) || !acpi_pm_owns_port(port, size))
		return ACPI_PM_NOT_MINE;
	if (!write)
		*value = 0;
	for (unsigned i = 0; i < size; i++) {
		u32 at = (u32)port + i;

		if (!write) {
			*value |= (u32)read_byte(pm, at) << (8 * i);
		} else if (owns_byte(at)) {
			enum acpi_pm_action a = write_byte(pm, at, (u8)(*value >> (8 * i)), slp_typ);

			if (a != ACPI_PM_NONE)
				act = a;
		}
	}
	return act;
}
