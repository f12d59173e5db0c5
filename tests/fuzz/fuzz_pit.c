/*
 * The virtual 8254 PIT and port 0x61 (hv/devices/pit.c).
 *
 * Input: a sequence of operations, a byte each (bits 7:5 say which):
 *   000x xsss  read port 0x3f + (next byte mod 0x24), size by sss
 *   001x xsss  write there the next 4 bytes
 *   010x xppp  write the next byte to port 0x40 + ppp mod 4, or 0x61 (ppp 4-7)
 *   011x xxpp  read one byte of port 0x40 + pp, or 0x61 (pp 3)
 *   100x xxxx  time passes (fuzz_time_step)
 *   101x xxxx  take IRQ 0's edges now
 *   others     power-on state again
 * Time only moves forward. Invariants: after the edges up to now are
 * taken, the next one is never at or before now (a timer armed for it
 * would fire at once, forever); port 0x61 shows OUT2 as pit_out() does
 * and the bits written to it; port 0x43 and bytes no port answers read
 * 0xff; a count read from a BCD counter is BCD; every counter's mode is
 * 0-5 and its latched bytes at most 2.
 */
#include "fuzz.h"

#include <tessera/pit.h>

static struct pit p;
static u64 now;

static void take_edges(void)
{
	u64 next;

	(void)pit_irq0_edges(&p, now);
	next = pit_irq0_next_ns(&p);
	FUZZ_CHECK(next == 0 || next > now);
}

static u8 read_byte(u16 port)
{
	const struct pit_channel *c = port < PIT_PORT_CTRL ? &p.ch[port - PIT_PORT_CH0] : NULL;
	bool count = c && !c->status_latched, bcd = c && c->bcd;
	u32 v = 0;

	FUZZ_CHECK(pit_io(&p, port, 1, false, &v, now) != PIT_NOT_MINE);
	FUZZ_CHECK(v <= 0xff);
	if (count && bcd)
		FUZZ_CHECK((v & 15) <= 9 && (v >> 4) <= 9);
	if (port == PIT_PORT_61) {
		FUZZ_CHECK((v & PIT_61_WRITABLE) == p.port61 && (v & 0xc0) == 0);
		FUZZ_CHECK(!!(v & PIT_61_OUT2) == pit_out(&p, 2, now));
	}
	return (u8)v;
}

static void check_state(void)
{
	for (unsigned i = 0; i < PIT_CHANNELS; i++) {
		const struct pit_channel *c = &p.ch[i];

		FUZZ_CHECK(c->mode <= 5 && c->latch_left <= 2);
		FUZZ_CHECK(c->access >= PIT_RW_LSB && c->access <= PIT_RW_WORD);
		FUZZ_CHECK(!c->loaded || (c->n >= 1 && c->n <= 65536));
	}
	FUZZ_CHECK((p.port61 & ~PIT_61_WRITABLE) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);

	now = fuzz_u32(&in);
	pit_reset(&p, now);
	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in);
		u32 v = 0;
		u16 port;

		switch (op >> 5) {
		case 0:
			port = (u16)(0x3f + fuzz_u8(&in) % 0x24);
			if (pit_io(&p, port, fuzz_io_size(op), false, &v, now) == PIT_NOT_MINE)
				break;
			for (unsigned i = 0; i < fuzz_io_size(op); i++) {
				u32 at = (u32)port + i;

				if (at == PIT_PORT_CTRL || (at > PIT_PORT_CTRL && at != PIT_PORT_61) ||
				    at < PIT_PORT_CH0)
					FUZZ_CHECK(((v >> (8 * i)) & 0xff) == 0xff);
			}
			break;
		case 1:
			port = (u16)(0x3f + fuzz_u8(&in) % 0x24);
			v = fuzz_u32(&in);
			(void)pit_io(&p, port, fuzz_io_size(op), true, &v, now);
			break;
		case 2:
			port = (op & 4) ? PIT_PORT_61 : (u16)(PIT_PORT_CH0 + (op & 3));
			v = fuzz_u8(&in);
			FUZZ_CHECK(pit_io(&p, port, 1, true, &v, now) != PIT_NOT_MINE);
			break;
		case 3:
			(void)read_byte((op & 3) == 3 ? PIT_PORT_61 : (u16)(PIT_PORT_CH0 + (op & 3)));
			break;
		case 4:
			now += fuzz_time_step(&in);
			break;
		case 5:
			take_edges();
			break;
		default:
			pit_reset(&p, now);
			break;
		}
		check_state();
	}
	take_edges();
	return 0;
}
