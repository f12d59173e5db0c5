/*
 * A partition's ACPI fixed hardware: PM1 event and control blocks and the
 * reset register (hv/acpi_pm.c).
 *
 * Input: a sequence of operations, a byte each:
 *   bit 7      write, else read
 *   bits 2:0   size 1 2 4 1 2 4 3 8
 * then, for a write, 4 bytes of value; then one byte, the port:
 * 0x5fc + (byte mod 0x10). Bit 6 set and bit 7 clear instead: power-on
 * state again.
 * Invariants: an access no byte of which is the device's is
 * ACPI_PM_NOT_MINE, as acpi_pm_owns_port says; PM1_STS reads 0; PM1_EN
 * keeps only the bits the spec defines; PM1_CNT always reads SCI_EN, and
 * never SLP_EN or GBL_RLS; a byte no register has reads 0xff; a sleep
 * request names a SLP_TYP of 0-7 and comes only from a write that
 * reaches PM1_CNT's high byte with SLP_EN; a reset only from a write of
 * RESET_VALUE to the reset port.
 */
#include "fuzz.h"

#include <tessera/acpi_pm.h>

#define EVT GUEST_ACPI_PM1A_EVT_PORT
#define CNT GUEST_ACPI_PM1A_CNT_PORT
#define RST GUEST_ACPI_RESET_PORT

/* What the byte at port reads as, from the device's state. */
static int expected_byte(const struct acpi_pm *pm, u32 port)
{
	if (port >= EVT && port < EVT + 2)
		return 0;
	if (port >= EVT + 2 && port < EVT + 4)
		return -1; /* PM1_EN: checked against its mask */
	if (port == CNT || port == CNT + 1)
		return (u8)((pm->cnt | ACPI_PM1_CNT_SCI_EN) >> (8 * (port - CNT)));
	if (port == RST)
		return 0;
	return 0xff;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct acpi_pm pm;

	acpi_pm_reset(&pm);
	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in);
		unsigned sz = fuzz_io_size(op), slp = 99;
		bool write = op & 0x80;
		u16 port;
		u32 v = write ? fuzz_u32(&in) : 0, written = v;
		enum acpi_pm_action a;

		if (!write && (op & 0x40)) {
			acpi_pm_reset(&pm);
			continue;
		}
		port = (u16)(0x5fc + fuzz_u8(&in) % 0x10);
		a = acpi_pm_io(&pm, port, sz, write, &v, &slp);
		if (sz != 1 && sz != 2 && sz != 4) {
			FUZZ_CHECK(a == ACPI_PM_NOT_MINE);
			continue;
		}
		FUZZ_CHECK((a == ACPI_PM_NOT_MINE) == !acpi_pm_owns_port(port, sz));
		if (a == ACPI_PM_NOT_MINE)
			continue;
		FUZZ_CHECK((pm.en & ~ACPI_PM1_EN_MASK) == 0);
		FUZZ_CHECK(!(pm.cnt & (ACPI_PM1_CNT_SLP_EN | ACPI_PM1_CNT_GBL_RLS)));
		if (!write) {
			FUZZ_CHECK(a == ACPI_PM_NONE);
			for (unsigned i = 0; i < sz; i++) {
				int want = expected_byte(&pm, port + i);
				u8 got = (u8)(v >> (8 * i));

				if (want >= 0)
					FUZZ_CHECK(got == want);
				else
					FUZZ_CHECK((got & ~(ACPI_PM1_EN_MASK >> (8 * (port + i - EVT - 2)))) == 0);
			}
			continue;
		}
		if (a == ACPI_PM_SLEEP) {
			bool hits = port <= CNT + 1 && port + sz > CNT + 1;

			FUZZ_CHECK(hits && slp <= 7);
			FUZZ_CHECK((written >> (8 * (CNT + 1 - port))) & (ACPI_PM1_CNT_SLP_EN >> 8));
		}
		if (a == ACPI_PM_RESET)
			FUZZ_CHECK(port <= RST && port + sz > RST &&
				   (u8)(written >> (8 * (RST - port))) == GUEST_ACPI_RESET_VALUE);
	}
	return 0;
}
