/*
 * The virtual I/O APIC (hv/devices/ioapic.c).
 *
 * Input: a sequence of operations, a byte each (bits 7:5 say which):
 *   000x xsss  MMIO read at the window's base - 8 + (next two bytes mod
 *              0x1010), size 1 2 4 1 2 4 3 8 by sss
 *   001x xsss  MMIO write there, of the next 4 bytes
 *   010l xxxx  drive pin (next byte) to level l
 *   011x xxxx  pulse pin (next byte)
 *   100x xxxx  EOI of vector (next byte)
 *   101x xxxx  the router found no taker for pin (next byte)
 *   others     power-on state again
 * Invariants: every call's messages are at most one per pin, in pin
 * order, never with a reserved delivery mode, and each is what its entry
 * says (vector, mode, destination, level only for fixed or lowest
 * priority with the trigger bit); an entry's reserved bits and delivery
 * status stay 0, and only a level-triggered entry has remote IRR; a read
 * that is not IOAPIC_OK gives 0; accesses outside the window are
 * IOAPIC_NOT_MINE; IOWIN reads back the redirection entries as they are.
 */
#include "fuzz.h"

#include <tessera/ioapic.h>

#define BASE IOAPIC_DEFAULT_BASE
#define RTE_RESERVED 0x00fffffffffe0000ull /* bits 55:17 */

static bool level_triggered(u64 rte)
{
	unsigned dm = (unsigned)((rte & IOAPIC_RTE_DELMODE_MASK) >> IOAPIC_RTE_DELMODE_SHIFT);

	return (rte & IOAPIC_RTE_LEVEL) && (dm == IOAPIC_DM_FIXED || dm == IOAPIC_DM_LOWEST);
}

static void check_out(const struct ioapic *io, const struct ioapic_out *out)
{
	FUZZ_CHECK(out->n <= IOAPIC_PINS);
	for (unsigned i = 0; i < out->n; i++) {
		const struct ioapic_msg *m = &out->msg[i];
		u64 e = io->rte[m->pin];

		FUZZ_CHECK(m->pin < IOAPIC_PINS && (i == 0 || m->pin > out->msg[i - 1].pin));
		FUZZ_CHECK(m->delivery_mode != 3 && m->delivery_mode != 6 && m->delivery_mode <= 7);
		FUZZ_CHECK(m->vector == (u8)e && m->dest == (u8)(e >> IOAPIC_RTE_DEST_SHIFT));
		FUZZ_CHECK(m->delivery_mode == ((e & IOAPIC_RTE_DELMODE_MASK) >> 8));
		FUZZ_CHECK(m->logical == ((e & IOAPIC_RTE_LOGICAL) != 0));
		FUZZ_CHECK(m->level == level_triggered(e));
		if (m->level)
			FUZZ_CHECK(e & IOAPIC_RTE_REMOTE_IRR);
	}
}

static void check_state(const struct ioapic *io)
{
	FUZZ_CHECK(io->ioregsel <= 0xff && io->id <= 0xf && io->arb == io->id);
	FUZZ_CHECK((io->lines >> IOAPIC_PINS) == 0);
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		u64 e = io->rte[i];

		FUZZ_CHECK((e & RTE_RESERVED) == 0 && !(e & IOAPIC_RTE_DELIVS));
		if (!level_triggered(e))
			FUZZ_CHECK(!(e & IOAPIC_RTE_REMOTE_IRR));
	}
}

static void mmio_read(struct ioapic *io, u64 gpa, unsigned size)
{
	u32 sel = io->ioregsel;
	u64 v = 0xdead;
	enum ioapic_access r = ioapic_mmio_read(io, gpa, size, &v);

	FUZZ_CHECK(r <= IOAPIC_WRITE_ONLY);
	FUZZ_CHECK(r == IOAPIC_OK || v == 0);
	FUZZ_CHECK((r == IOAPIC_NOT_MINE) == !ioapic_owns(io, gpa, size));
	if (r == IOAPIC_OK) {
		FUZZ_CHECK(size == 8 || (v >> (size * 8)) == 0);
		if (gpa == BASE + IOAPIC_IOWIN && sel >= IOAPIC_REG_REDTBL &&
		    sel < IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS) {
			u64 e = ioapic_rte(io, (sel - IOAPIC_REG_REDTBL) / 2);

			FUZZ_CHECK(v == (u32)(sel & 1 ? e >> 32 : e));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct ioapic io;
	struct ioapic_out out;

	ioapic_init(&io, BASE, 1);
	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in);
		u64 gpa;
		enum ioapic_access r;

		out.n = 0;
		switch (op >> 5) {
		case 0:
			gpa = BASE - 8 + fuzz_u16(&in) % 0x1010;
			mmio_read(&io, gpa, fuzz_io_size(op));
			break;
		case 1:
			gpa = BASE - 8 + fuzz_u16(&in) % 0x1010;
			r = ioapic_mmio_write(&io, gpa, fuzz_io_size(op), fuzz_u32(&in), &out);
			FUZZ_CHECK(r == IOAPIC_OK || out.n == 0);
			break;
		case 2:
			FUZZ_CHECK(ioapic_set_level(&io, fuzz_u8(&in) % 32, op & 16, &out) ||
				   out.n == 0);
			break;
		case 3:
			FUZZ_CHECK(ioapic_pulse(&io, fuzz_u8(&in) % 32, &out) || out.n == 0);
			break;
		case 4:
			(void)ioapic_eoi(&io, fuzz_u8(&in), &out);
			break;
		case 5:
			ioapic_not_accepted(&io, fuzz_u8(&in) % 32);
			break;
		default:
			ioapic_init(&io, BASE, op & 15);
			break;
		}
		check_out(&io, &out);
		check_state(&io);
	}
	return 0;
}
