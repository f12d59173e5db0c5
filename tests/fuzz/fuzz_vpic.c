/*
 * The virtual 8259A pair (hv/vpic.c).
 *
 * Input: a sequence of operations, a byte each (bits 7:5 say which):
 *   000x xppp  read port p (0x20 0x21 0xa0 0xa1 0x4d0 0x4d1, p mod 6)
 *   001x xppp  write port p; the value is the next byte
 *   010l iiii  drive IRQ line i to level l
 *   011x xxxx  the CPU acknowledges (INTA)
 *   100x xxxx  vpic_owns_port() on the next two bytes as a port
 *   others     power-on state again
 * Invariants: the vector vpic_pending() offers is the one vpic_ack()
 * returns, and it is a vector base (a multiple of 8) plus an input; an
 * acknowledge without auto-EOI leaves the master something in service;
 * the ELCR's fixed bits (timer, keyboard, cascade, RTC, FPU) stay edge;
 * an initialization sequence is always at ICW 2, 3 or 4, or done; only
 * the six ports are the PIC's.
 */
#include "fuzz.h"

#include <tessera/vpic.h>

static const u16 ports[6] = { VPIC_MASTER_CMD, VPIC_MASTER_DATA, VPIC_SLAVE_CMD,
			      VPIC_SLAVE_DATA, VPIC_ELCR_MASTER, VPIC_ELCR_SLAVE };

static void check_chip(const struct vpic_chip *c)
{
	FUZZ_CHECK(c->init_step == 0 || (c->init_step >= 2 && c->init_step <= 4));
	FUZZ_CHECK((c->vector_base & 7) == 0);
}

static void check(const struct vpic *p)
{
	int v = vpic_pending(p);

	check_chip(&p->master);
	check_chip(&p->slave);
	FUZZ_CHECK((p->master.elcr & VPIC_ELCR_MASTER_FIXED) == 0);
	FUZZ_CHECK((p->slave.elcr & VPIC_ELCR_SLAVE_FIXED) == 0);
	FUZZ_CHECK(v >= -1 && v <= 0xff);
	if (v >= 0)
		FUZZ_CHECK((v & ~7) == p->master.vector_base || (v & ~7) == p->slave.vector_base);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct vpic p;

	vpic_init(&p);
	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in);
		u16 port = ports[(op & 7) % 6];
		int pending, vector;

		switch (op >> 5) {
		case 0:
			(void)vpic_read(&p, port);
			break;
		case 1:
			vpic_write(&p, port, fuzz_u8(&in));
			break;
		case 2:
			vpic_set_irq(&p, op & 15, op & 16);
			break;
		case 3:
			pending = vpic_pending(&p);
			vector = vpic_ack(&p);
			FUZZ_CHECK(vector == pending);
			if (vector >= 0 && !p.master.auto_eoi)
				FUZZ_CHECK(p.master.isr != 0);
			break;
		case 4:
			port = fuzz_u16(&in);
			FUZZ_CHECK(vpic_owns_port(port) ==
				   (port == 0x20 || port == 0x21 || port == 0xa0 || port == 0xa1 ||
				    port == 0x4d0 || port == 0x4d1));
			break;
		default:
			vpic_init(&p);
			break;
		}
		check(&p);
	}
	return 0;
}
