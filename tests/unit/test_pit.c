/*
 * Unit tests for hv/devices/pit.c, the virtual 8254 and port 0x61: the
 * sequences Linux and bare-metal kernels use (pit_calibrate_tsc's and
 * quick_pit_calibrate's channel 2 in mode 0 with port 0x61 bit 5 polled,
 * the i8253 clocksource's latch-and-read, the clockevent's periodic mode 2
 * and one-shot mode 4, its shutdown), the counter latch and read-back
 * commands, every mode's count sequence and OUT, gates, BCD, IRQ 0 edges
 * over time and across reprogramming, port 0x61's bits, and the port map.
 * The reference for time is computed here independently, in 128-bit
 * arithmetic: clock edges in d ns are floor(d * 1193182 / 10^9).
 */
#include "unit.h"

#include <tessera/pit.h>

#define NS 1000000000ull

/* Clocks counted d ns after a load. */
static u64 ref_clocks(u64 d)
{
	return (u64)((unsigned __int128)d * PIT_HZ / NS);
}

/* The first ns offset after a load at which clock c has been counted. */
static u64 ref_ns(u64 c)
{
	return (u64)(((unsigned __int128)c * NS + PIT_HZ - 1) / PIT_HZ);
}

static u8 in8(struct pit *p, u16 port, u64 t)
{
	u32 v = 0xdeadbeef;

	assert_int_equal(pit_io(p, port, 1, false, &v, t), PIT_HANDLED);
	assert_true(v <= 0xff);
	return (u8)v;
}

static enum pit_io_result out8(struct pit *p, u16 port, u8 b, u64 t)
{
	u32 v = b;
	enum pit_io_result r = pit_io(p, port, 1, true, &v, t);

	assert_int_not_equal(r, PIT_NOT_MINE);
	return r;
}

/* Read a counter in the LSB-then-MSB format, both bytes at time t. */
static u16 in16(struct pit *p, u16 port, u64 t)
{
	u8 lo = in8(p, port, t);

	return (u16)(lo | in8(p, port, t) << 8);
}

/* Latch (counter latch command) and read a word counter. */
static u16 latched(struct pit *p, unsigned ch, u64 t)
{
	out8(p, PIT_PORT_CTRL, (u8)(ch << 6), t);
	return in16(p, (u16)(PIT_PORT_CH0 + ch), t + 500);
}

/* Program counter ch: control word, then the count (LSB, MSB). */
static void program(struct pit *p, unsigned ch, u8 mode, u16 count, u64 t)
{
	out8(p, PIT_PORT_CTRL, (u8)(ch << 6 | PIT_RW_WORD << 4 | mode << 1), t);
	out8(p, (u16)(PIT_PORT_CH0 + ch), (u8)count, t);
	out8(p, (u16)(PIT_PORT_CH0 + ch), (u8)(count >> 8), t);
}

static u8 status(struct pit *p, unsigned ch, u64 t)
{
	out8(p, PIT_PORT_CTRL, (u8)(0xc0 | PIT_RB_NOT_COUNT | PIT_RB_CNT(ch)), t);
	return in8(p, (u16)(PIT_PORT_CH0 + ch), t);
}

static bool out2(struct pit *p, u64 t)
{
	return in8(p, PIT_PORT_61, t) & PIT_61_OUT2;
}

/* Power-on: nothing programmed, port 0x61 = 0, 0x43 reads as nothing. */
static void test_reset_state(void **state)
{
	struct pit p;
	u64 t = 777;

	(void)state;
	pit_reset(&p, t);
	assert_int_equal(in8(&p, PIT_PORT_61, t), 0);
	assert_int_equal(in8(&p, PIT_PORT_CTRL, t), 0xff);
	for (unsigned ch = 0; ch < PIT_CHANNELS; ch++) {
		assert_int_equal(status(&p, ch, t), PIT_ST_NULL_COUNT | PIT_RW_WORD << 4);
		assert_int_equal(in16(&p, (u16)(PIT_PORT_CH0 + ch), t + NS), 0);
		assert_false(pit_out(&p, ch, t + NS));
	}
	assert_int_equal(pit_irq0_next_ns(&p), 0);
	assert_int_equal(pit_irq0_edges(&p, t + 10 * NS), 0);
	assert_false(pit_out(&p, 3, t));
}

/*
 * arch/x86/kernel/tsc.c pit_calibrate_tsc(): gate high and speaker off
 * through port 0x61, channel 2 in mode 0 with the 50 ms latch, then poll
 * bit 5 of port 0x61 until OUT2 rises. OUT2 must rise exactly when the
 * 59659th clock has been counted, for any load time (including ones
 * where d * 1193182 overflows 64 bits), and the poll must see it.
 */
static void test_linux_pit_calibrate_tsc(void **state)
{
	static const u64 loads[] = {0, 1, 999999999, 123456789012ull, 10 * 86400 * NS + 7,
				    400ull * 86400 * 365 * NS};
	static const u32 counts[] = {1, 2, 3, 100, 11931, 59659, 65535, 0};
	struct pit p;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(loads); i++) {
		for (unsigned j = 0; j < ARRAY_SIZE(counts); j++) {
			u64 t0 = loads[i], tl = t0 + 3000, t;
			u32 n = counts[j] ? counts[j] : 65536;
			u8 v;
			unsigned polls = 0;

			pit_reset(&p, t0);
			out8(&p, PIT_PORT_61, 0x02, t0); /* speaker was on, gate off */
			v = in8(&p, PIT_PORT_61, t0 + 1000);
			out8(&p, PIT_PORT_61, (u8)((v & ~0x02) | 0x01), t0 + 1000);
			assert_int_equal(in8(&p, PIT_PORT_61, t0 + 1000) & 0x0f, 0x01);
			assert_int_equal(out8(&p, PIT_PORT_CTRL, 0xb0, t0 + 2000), PIT_HANDLED);
			assert_false(out2(&p, t0 + 2000)); /* mode 0: OUT low */
			out8(&p, PIT_PORT_CH2, (u8)counts[j], t0 + 2500);
			assert_int_equal(out8(&p, PIT_PORT_CH2, (u8)(counts[j] >> 8), tl),
					 PIT_HANDLED);
			/* The edge, to the nanosecond. */
			assert_false(out2(&p, tl + ref_ns(n) - 1));
			assert_true(out2(&p, tl + ref_ns(n)));
			assert_true(out2(&p, tl + ref_ns(n) + 50 * NS));
			/* A poll loop (steps of 997 ns, as a slow inb) ends at
			 * the first poll at or after the edge. */
			for (t = tl; !(in8(&p, PIT_PORT_61, t) & PIT_61_OUT2); t += 997)
				polls++;
			assert_true(t >= tl + ref_ns(n) && t - 997 < tl + ref_ns(n));
			assert_int_equal(polls, (ref_ns(n) + 996) / 997);
		}
	}
}

/* The 50 ms calibration's numbers: OUT2 rises 49999917 ns after the
 * load (59659 / 1193182 s = 49999916.2 ns), and the count it read just
 * before is 1. */
static void test_calibrate_50ms_exact(void **state)
{
	struct pit p;
	u64 tl = 5 * NS;

	(void)state;
	pit_reset(&p, 0);
	out8(&p, PIT_PORT_61, 0x01, 1);
	program(&p, 2, 0, 59659, tl);
	assert_int_equal(ref_ns(59659), 49999917);
	assert_false(out2(&p, tl + 49999916));
	assert_true(out2(&p, tl + 49999917));
	assert_int_equal(latched(&p, 2, tl + 49999916), 1);
	assert_int_equal(latched(&p, 2, tl + 49999917), 0);
	/* Mode 0 counts on past 0, wrapping, with OUT still high. */
	assert_int_equal(latched(&p, 2, tl + ref_ns(59660)), 0xffff);
	assert_true(pit_out(&p, 2, tl + NS));
}

/*
 * quick_pit_calibrate(): mode 0 from 0xffff, then pit_verify_msb /
 * pit_expect_msb read LSB and MSB unlatched and watch the MSB step down.
 * Each read is the live counter at its own time; the MSB never goes up
 * and steps by one every 256 clocks.
 */
static void test_linux_quick_pit_calibrate(void **state)
{
	struct pit p;
	u64 tl = 123456789, t;
	unsigned last = 0xff, steps = 0;

	(void)state;
	pit_reset(&p, 0);
	out8(&p, PIT_PORT_61, (u8)((in8(&p, PIT_PORT_61, 100) & ~0x02) | 0x01), 100);
	out8(&p, PIT_PORT_CTRL, 0xb0, 200);
	out8(&p, PIT_PORT_CH2, 0xff, 300);
	out8(&p, PIT_PORT_CH2, 0xff, tl);
	for (t = tl; t < tl + 50000000; t += 1100) {
		u8 lo = in8(&p, PIT_PORT_CH2, t);
		u8 hi = in8(&p, PIT_PORT_CH2, t + 600);

		assert_int_equal(lo, (u8)(0xffff - ref_clocks(t - tl)));
		assert_int_equal(hi, (u8)((0xffff - ref_clocks(t + 600 - tl)) >> 8));
		assert_true(hi <= last);
		if (hi != last) {
			assert_int_equal(hi, last - 1);
			steps++;
		}
		last = hi;
	}
	assert_int_equal(steps, 0xff - last);
	assert_true(steps >= 59659 / 256 - 1);
}

/* The i8253 clocksource (pit_read): latch command, then LSB and MSB; a
 * second latch before the read is ignored; LSB-only and MSB-only
 * counters latch one byte. */
static void test_counter_latch(void **state)
{
	struct pit p;
	u64 t0 = NS;

	(void)state;
	pit_reset(&p, 0);
	program(&p, 0, 2, 1193, t0); /* Linux's PIT_LATCH for HZ = 1000 */
	out8(&p, PIT_PORT_CTRL, 0x00, t0 + 100000);
	out8(&p, PIT_PORT_CTRL, 0x00, t0 + 200000); /* ignored */
	assert_int_equal(in8(&p, PIT_PORT_CH0, t0 + 900000),
			 (u8)(1193 - ref_clocks(100000) % 1193));
	out8(&p, PIT_PORT_CTRL, 0x00, t0 + 950000); /* still ignored: MSB unread */
	assert_int_equal(in8(&p, PIT_PORT_CH0, t0 + 990000),
			 (1193 - ref_clocks(100000) % 1193) >> 8);
	/* Unlatched again: live reads. */
	assert_int_equal(in16(&p, PIT_PORT_CH0, t0 + 2000000),
			 1193 - ref_clocks(2000000) % 1193);
	assert_int_equal(latched(&p, 0, t0 + 3000000), 1193 - ref_clocks(3000000) % 1193);

	/* LSB only (RW = 01), mode 0: one byte written, one latched. */
	t0 += NS;
	out8(&p, PIT_PORT_CTRL, 0x50, t0); /* counter 1 */
	out8(&p, PIT_PORT_CH1, 200, t0);
	out8(&p, PIT_PORT_CTRL, 0x40, t0 + ref_ns(50));
	assert_int_equal(in8(&p, PIT_PORT_CH1, t0 + NS), 150);
	assert_int_equal(in8(&p, PIT_PORT_CH1, t0 + ref_ns(60)), 140); /* live */
	/* MSB only (RW = 10): the count is 0x0300. */
	t0 += NS;
	out8(&p, PIT_PORT_CTRL, 0x60, t0);
	out8(&p, PIT_PORT_CH1, 0x03, t0);
	assert_int_equal(in8(&p, PIT_PORT_CH1, t0 + ref_ns(256)), 0x02);
	out8(&p, PIT_PORT_CTRL, 0x40, t0 + ref_ns(257));
	assert_int_equal(in8(&p, PIT_PORT_CH1, t0 + ref_ns(290)), (0x300 - 257) >> 8);
	/* A control word drops a latch that was not read. */
	out8(&p, PIT_PORT_CTRL, 0x40, t0 + ref_ns(300));
	t0 += ref_ns(301);
	out8(&p, PIT_PORT_CTRL, 0x70, t0);
	out8(&p, PIT_PORT_CH1, 0x10, t0);
	out8(&p, PIT_PORT_CH1, 0x00, t0);
	assert_int_equal(in16(&p, PIT_PORT_CH1, t0 + ref_ns(4)), 0x10 - 4);
}

/* Read-back (0xC0-0xFF): status bytes, counts, both (status first), all
 * three counters at once, and the NULL COUNT bit's life. */
static void test_read_back(void **state)
{
	struct pit p;
	u64 t0 = 10 * NS;

	(void)state;
	pit_reset(&p, 0);
	out8(&p, PIT_PORT_61, 0x01, 0);
	out8(&p, PIT_PORT_CTRL, 0x36, t0); /* ch0 mode 3 word binary */
	assert_int_equal(status(&p, 0, t0), PIT_ST_OUT | PIT_ST_NULL_COUNT | 0x36);
	out8(&p, PIT_PORT_CH0, 0x00, t0);
	assert_int_equal(status(&p, 0, t0), PIT_ST_OUT | PIT_ST_NULL_COUNT | 0x36);
	out8(&p, PIT_PORT_CH0, 0x10, t0); /* 4096 */
	assert_int_equal(status(&p, 0, t0), PIT_ST_OUT | 0x36);
	program(&p, 2, 0, 1000, t0);
	program(&p, 1, 4, 0x1234, t0);
	assert_int_equal(status(&p, 0, t0 + ref_ns(2047)), PIT_ST_OUT | 0x36);
	assert_int_equal(status(&p, 0, t0 + ref_ns(2048)), 0x36); /* low half */
	/* Counts and status of all three, latched at t0 + 500 clocks. */
	out8(&p, PIT_PORT_CTRL, 0xce, t0 + ref_ns(500));
	for (unsigned ch = 0; ch < 3; ch++) {
		static const u8 st[] = {0x36 | PIT_ST_OUT, 0x38 | PIT_ST_OUT, 0x30};
		static const u16 cnt[] = {4096 - 2 * 500, 0x1234 - 500, 1000 - 500};
		u16 port = (u16)(PIT_PORT_CH0 + ch);

		assert_int_equal(in8(&p, port, t0 + NS), st[ch]);
		assert_int_equal(in16(&p, port, t0 + NS), cnt[ch]);
	}
	/* Count only, then status only: each its own way. */
	out8(&p, PIT_PORT_CTRL, 0xc0 | PIT_RB_NOT_STATUS | PIT_RB_CNT(2), t0 + ref_ns(600));
	out8(&p, PIT_PORT_CTRL, 0xc0 | PIT_RB_NOT_COUNT | PIT_RB_CNT(2), t0 + ref_ns(1000));
	out8(&p, PIT_PORT_CTRL, 0xc0 | PIT_RB_CNT(2), t0 + ref_ns(1100)); /* both latched: ignored */
	assert_int_equal(in8(&p, PIT_PORT_CH2, t0 + NS), PIT_ST_OUT | 0x30); /* status first */
	assert_int_equal(in16(&p, PIT_PORT_CH2, t0 + NS), 400);
	assert_int_equal(in16(&p, PIT_PORT_CH2, t0 + ref_ns(1200)), (u16)(1000 - 1200));
	/* Modes 6 and 7 are 2 and 3; the status shows the bits written. */
	t0 += 2 * NS;
	out8(&p, PIT_PORT_CTRL, 0x7c, t0);
	out8(&p, PIT_PORT_CH1, 10, t0);
	out8(&p, PIT_PORT_CH1, 0, t0);
	assert_int_equal(status(&p, 1, t0), PIT_ST_OUT | 0x3c);
	assert_int_equal(latched(&p, 1, t0 + ref_ns(9)), 1); /* mode 2's count */
	assert_false(pit_out(&p, 1, t0 + ref_ns(9)));
	assert_true(pit_out(&p, 1, t0 + ref_ns(10)));
	assert_int_equal(latched(&p, 1, t0 + ref_ns(10)), 10);
	out8(&p, PIT_PORT_CTRL, 0x7e, t0 + NS); /* mode 7 */
	out8(&p, PIT_PORT_CH1, 10, t0 + NS);
	out8(&p, PIT_PORT_CH1, 0, t0 + NS);
	assert_int_equal(latched(&p, 1, t0 + NS + ref_ns(1)), 8); /* mode 3's */
}

/*
 * Linux's PIT clockevent, periodic (HZ = 1000): 0x34, then PIT_LATCH 1193
 * LSB and MSB. A caller that arms its timer at pit_irq0_next_ns() and
 * takes the edges there gets exactly one each time, one every 1193
 * clocks, 1000 in a second; OUT0 is low for the one clock before each.
 */
static void test_mode2_periodic_irq0(void **state)
{
	struct pit p;
	u64 t0 = 7 * NS + 3, next = 0;

	(void)state;
	pit_reset(&p, 0);
	out8(&p, PIT_PORT_CTRL, 0x34, t0);
	assert_int_equal(out8(&p, PIT_PORT_CH0, 1193 & 0xff, t0), PIT_IRQ0_CHANGED);
	assert_int_equal(out8(&p, PIT_PORT_CH0, 1193 >> 8, t0), PIT_IRQ0_CHANGED);
	for (u64 k = 1; k <= 1000; k++) {
		next = pit_irq0_next_ns(&p);
		assert_int_equal(next, t0 + ref_ns(k * 1193));
		assert_int_equal(pit_irq0_edges(&p, next - 1), 0);
		assert_true(pit_out(&p, 0, next - 1) == false);
		assert_true(pit_out(&p, 0, next));
		assert_int_equal(pit_irq0_edges(&p, next), 1);
		assert_int_equal(pit_irq0_edges(&p, next), 0);
	}
	assert_true(next <= t0 + NS);
	/* Counts n, n-1, ..., 1. */
	assert_int_equal(latched(&p, 0, t0 + ref_ns(1193 * 1020)), 1193);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(1193 * 1020 + 1)), 1192);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(1193 * 1021 - 1)), 1);
	/* Taken late: all the edges at once. */
	assert_int_equal(pit_irq0_edges(&p, t0 + 10 * NS), ref_clocks(10 * NS) / 1193 - 1000);
}

/* Mode 3: 18.2 Hz with count 0 (65536), the BIOS tick; OUT high for the
 * first half, low for the second; odd and even counts count down by two
 * as the data sheet says. */
static void test_mode3_square_wave(void **state)
{
	static const u16 odd[] = {5, 4, 2, 5, 2, 5, 4, 2, 5, 2};
	static const u16 even[] = {6, 4, 2, 6, 4, 2, 6};
	struct pit p;
	u64 t0 = NS;

	(void)state;
	pit_reset(&p, 0);
	program(&p, 0, 3, 0, t0);
	assert_int_equal(pit_irq0_edges(&p, t0 + NS), 18); /* 1193182 / 65536 */
	assert_int_equal(pit_irq0_next_ns(&p), t0 + ref_ns(19 * 65536));
	assert_true(pit_out(&p, 0, t0 + ref_ns(32767)));
	assert_false(pit_out(&p, 0, t0 + ref_ns(32768)));
	assert_false(pit_out(&p, 0, t0 + ref_ns(65535)));
	assert_true(pit_out(&p, 0, t0 + ref_ns(65536)));

	t0 += 2 * NS;
	out8(&p, PIT_PORT_61, 0x01, t0);
	program(&p, 2, 3, 5, t0);
	for (unsigned e = 0; e < ARRAY_SIZE(odd); e++) {
		assert_int_equal(latched(&p, 2, t0 + ref_ns(e) + 100), odd[e]);
		assert_true(out2(&p, t0 + ref_ns(e) + 100) == (e % 5 < 3));
	}
	t0 += NS;
	program(&p, 2, 3, 6, t0);
	for (unsigned e = 0; e < ARRAY_SIZE(even); e++) {
		assert_int_equal(latched(&p, 2, t0 + ref_ns(e) + 100), even[e]);
		assert_true(out2(&p, t0 + ref_ns(e) + 100) == (e % 6 < 3));
	}
}

/* Mode 0 on channel 0: one edge at terminal count, then nothing; the
 * first byte of a new count stops the counter and drops OUT; Linux's
 * pit_shutdown (0x30, then 0 and 0) gives a single edge 65536 clocks
 * later. */
static void test_mode0_oneshot(void **state)
{
	struct pit p;
	u64 t0 = 3 * NS;

	(void)state;
	pit_reset(&p, 0);
	program(&p, 0, 0, 1000, t0);
	assert_int_equal(pit_irq0_next_ns(&p), t0 + ref_ns(1000));
	assert_int_equal(pit_irq0_edges(&p, t0 + ref_ns(1000) - 1), 0);
	assert_int_equal(pit_irq0_edges(&p, t0 + ref_ns(1000)), 1);
	assert_int_equal(pit_irq0_next_ns(&p), 0);
	assert_int_equal(pit_irq0_edges(&p, t0 + 100 * NS), 0);
	assert_true(pit_out(&p, 0, t0 + 100 * NS));

	/* The first byte of a new count: counting stops, OUT low. */
	out8(&p, PIT_PORT_CH0, 0x20, t0 + ref_ns(2000));
	assert_false(pit_out(&p, 0, t0 + ref_ns(2000)));
	assert_int_equal(latched(&p, 0, t0 + ref_ns(5000)), (u16)(1000 - 2000));
	assert_int_equal(pit_irq0_next_ns(&p), 0);
	out8(&p, PIT_PORT_CH0, 0x00, t0 + ref_ns(6000)); /* count 0x0020 */
	assert_int_equal(pit_irq0_next_ns(&p), t0 + ref_ns(6000) + ref_ns(32));
	assert_int_equal(pit_irq0_edges(&p, t0 + NS), 1);

	/* pit_shutdown. */
	out8(&p, PIT_PORT_CTRL, 0x30, 10 * NS);
	assert_false(pit_out(&p, 0, 10 * NS));
	assert_int_equal(pit_irq0_next_ns(&p), 0);
	out8(&p, PIT_PORT_CH0, 0, 10 * NS);
	out8(&p, PIT_PORT_CH0, 0, 10 * NS);
	assert_int_equal(pit_irq0_next_ns(&p), 10 * NS + ref_ns(65536));
	assert_int_equal(pit_irq0_edges(&p, 20 * NS), 1);
	assert_int_equal(pit_irq0_edges(&p, 30 * NS), 0);
}

/* Linux's one-shot clockevent: pit_set_oneshot writes 0x38 (mode 4),
 * pit_next_event the delta, LSB and MSB, every time. OUT strobes low for
 * one clock at terminal count; the edge is its end, delta + 1 clocks. */
static void test_mode4_linux_oneshot(void **state)
{
	struct pit p;
	u64 t = 2 * NS;

	(void)state;
	pit_reset(&p, 0);
	out8(&p, PIT_PORT_CTRL, 0x38, t);
	assert_true(pit_out(&p, 0, t));
	for (u32 delta = 2; delta < 60000; delta = delta * 3 + 1) {
		out8(&p, PIT_PORT_CH0, (u8)delta, t);
		assert_int_equal(pit_irq0_next_ns(&p), 0); /* first byte: no effect yet */
		out8(&p, PIT_PORT_CH0, (u8)(delta >> 8), t);
		assert_true(pit_out(&p, 0, t + ref_ns(delta) - 1));
		assert_false(pit_out(&p, 0, t + ref_ns(delta)));
		assert_true(pit_out(&p, 0, t + ref_ns(delta + 1)));
		assert_int_equal(pit_irq0_next_ns(&p), t + ref_ns(delta + 1));
		t = pit_irq0_next_ns(&p);
		assert_int_equal(pit_irq0_edges(&p, t), 1);
		assert_int_equal(pit_irq0_next_ns(&p), 0);
	}
	/* A new count before the edge replaces the old one at once. */
	out8(&p, PIT_PORT_CH0, 100, t);
	out8(&p, PIT_PORT_CH0, 0, t);
	out8(&p, PIT_PORT_CH0, 50, t + ref_ns(10));
	out8(&p, PIT_PORT_CH0, 0, t + ref_ns(10));
	assert_int_equal(pit_irq0_next_ns(&p), t + ref_ns(10) + ref_ns(51));
	assert_int_equal(pit_irq0_edges(&p, t + NS), 1);
}

/* Edges not taken before a reprogramming are kept, with the time of the
 * first, and come out with the next ones. */
static void test_edges_across_reprogramming(void **state)
{
	struct pit p;
	u64 t0 = NS, t1 = t0 + ref_ns(10 * 1000) + 5;

	(void)state;
	pit_reset(&p, 0);
	program(&p, 0, 2, 1000, t0);
	program(&p, 0, 3, 500, t1);
	assert_int_equal(pit_irq0_next_ns(&p), t0 + ref_ns(1000)); /* in the past: take it */
	assert_int_equal(pit_irq0_edges(&p, t1 + ref_ns(500 * 4)), 10 + 4);
	assert_int_equal(pit_irq0_next_ns(&p), t1 + ref_ns(500 * 5));
	/* A control word alone also keeps them. */
	out8(&p, PIT_PORT_CTRL, 0x34, t1 + ref_ns(500 * 7));
	assert_int_equal(pit_irq0_next_ns(&p), t1 + ref_ns(500 * 5));
	assert_int_equal(pit_irq0_edges(&p, t1 + 5 * NS), 3);
	assert_int_equal(pit_irq0_next_ns(&p), 0);
}

/* Modes 2 and 3: a new count written while counting takes over at the
 * end of the current period; NULL COUNT stays set until then. */
static void test_new_count_at_period_end(void **state)
{
	static const u64 ends[] = {1000, 2000, 3000, 3300, 3600, 3900};
	struct pit p;
	u64 t0 = NS;

	(void)state;
	/* The edges, taken one by one as announced. */
	pit_reset(&p, 0);
	program(&p, 0, 2, 1000, t0);
	out8(&p, PIT_PORT_CH0, 300 & 0xff, t0 + ref_ns(2500));
	assert_int_equal(pit_irq0_next_ns(&p), t0 + ref_ns(1000));
	out8(&p, PIT_PORT_CH0, 300 >> 8, t0 + ref_ns(2500));
	for (unsigned i = 0; i < ARRAY_SIZE(ends); i++) {
		u64 next = pit_irq0_next_ns(&p);

		assert_int_equal(next, t0 + ref_ns(ends[i]));
		assert_int_equal(pit_irq0_edges(&p, next - 1), 0);
		assert_int_equal(pit_irq0_edges(&p, next), 1);
	}

	/* The counter and the status around the switch. */
	t0 = 10 * NS;
	pit_reset(&p, t0);
	program(&p, 0, 2, 1000, t0);
	out8(&p, PIT_PORT_CH0, 300 & 0xff, t0 + ref_ns(2500));
	out8(&p, PIT_PORT_CH0, 300 >> 8, t0 + ref_ns(2500));
	assert_int_equal(status(&p, 0, t0 + ref_ns(2998)),
			 PIT_ST_OUT | PIT_ST_NULL_COUNT | 0x34);
	assert_int_equal(status(&p, 0, t0 + ref_ns(2999)), PIT_ST_NULL_COUNT | 0x34);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(2999)), 1);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(3000)), 300);
	assert_int_equal(status(&p, 0, t0 + ref_ns(3000)), PIT_ST_OUT | 0x34);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(3001)), 299);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(3299)), 1);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(3300)), 300);
	/* The edges before were kept: 1000, 2000, 3000, 3300. */
	assert_int_equal(pit_irq0_next_ns(&p), t0 + ref_ns(1000));
	assert_int_equal(pit_irq0_edges(&p, t0 + ref_ns(3300)), 4);

	/* Mode 3, two new counts in one period: the last one wins. */
	t0 = 20 * NS;
	pit_reset(&p, t0);
	program(&p, 0, 3, 1000, t0);
	out8(&p, PIT_PORT_CH0, 200, t0 + ref_ns(500));
	out8(&p, PIT_PORT_CH0, 0, t0 + ref_ns(500));
	out8(&p, PIT_PORT_CH0, 100, t0 + ref_ns(700));
	out8(&p, PIT_PORT_CH0, 0, t0 + ref_ns(700));
	assert_int_equal(pit_irq0_edges(&p, t0 + ref_ns(1000 + 100 * 7)), 8);
	assert_int_equal(pit_irq0_next_ns(&p), t0 + ref_ns(1800));
	assert_true(pit_out(&p, 0, t0 + ref_ns(1849)));
	assert_false(pit_out(&p, 0, t0 + ref_ns(1850)));
}

/* Counter 2's gate (port 0x61 bit 0) in each mode. */
static void test_gate2(void **state)
{
	struct pit p;
	u64 t, g;

	(void)state;
	pit_reset(&p, 0);
	/* Mode 0, gate low: loaded, not counting; counts while high. */
	t = NS;
	program(&p, 2, 0, 1000, t);
	assert_int_equal(latched(&p, 2, t + ref_ns(400)), 1000);
	g = t + ref_ns(400);
	out8(&p, PIT_PORT_61, 0x01, g);
	assert_int_equal(latched(&p, 2, g + ref_ns(100)), 900);
	out8(&p, PIT_PORT_61, 0x00, g + ref_ns(100) + 1);
	assert_int_equal(latched(&p, 2, t + ref_ns(5000)), 900);
	g = t + ref_ns(5000);
	out8(&p, PIT_PORT_61, 0x01, g);
	assert_false(out2(&p, g + ref_ns(900) - 1));
	assert_true(out2(&p, g + ref_ns(900)));

	/* Mode 2: gate low forces OUT high and holds; rising reloads. */
	t = 2 * NS;
	program(&p, 2, 2, 100, t);
	assert_true(out2(&p, t + ref_ns(98)));
	assert_false(out2(&p, t + ref_ns(99)));
	out8(&p, PIT_PORT_61, 0x00, t + ref_ns(99));
	assert_true(out2(&p, t + ref_ns(99)));
	assert_int_equal(latched(&p, 2, t + ref_ns(150)), 1);
	g = t + ref_ns(150);
	out8(&p, PIT_PORT_61, 0x01, g);
	assert_int_equal(latched(&p, 2, g), 100);
	assert_int_equal(latched(&p, 2, g + ref_ns(30)), 70);
	/* A count written while the gate is low waits for it. */
	out8(&p, PIT_PORT_61, 0x00, g + ref_ns(40));
	out8(&p, PIT_PORT_CH2, 10, g + ref_ns(41));
	out8(&p, PIT_PORT_CH2, 0, g + ref_ns(41));
	assert_int_equal(latched(&p, 2, g + ref_ns(50)), 10);
	out8(&p, PIT_PORT_61, 0x01, g + ref_ns(60));
	assert_int_equal(latched(&p, 2, g + ref_ns(60) + ref_ns(3)), 7);

	/* Mode 1: armed by the count, started by a gate rising edge, OUT low
	 * for n clocks, retriggerable. */
	t = 3 * NS;
	out8(&p, PIT_PORT_61, 0x00, t);
	program(&p, 2, 1, 50, t);
	assert_true(out2(&p, t + 1));
	assert_int_equal(status(&p, 2, t + 1), PIT_ST_OUT | PIT_ST_NULL_COUNT | 0x32);
	g = t + 1000;
	out8(&p, PIT_PORT_61, 0x01, g);
	assert_int_equal(status(&p, 2, g), 0x32);
	assert_int_equal(latched(&p, 2, g + ref_ns(10)), 40);
	out8(&p, PIT_PORT_61, 0x00, g + ref_ns(30)); /* the level: no effect */
	assert_int_equal(latched(&p, 2, g + ref_ns(35)), 15);
	g += ref_ns(40);
	out8(&p, PIT_PORT_61, 0x01, g); /* retrigger */
	assert_false(out2(&p, g + ref_ns(49)));
	assert_true(out2(&p, g + ref_ns(50)));
	assert_true(out2(&p, g + NS));

	/* Mode 5: the strobe comes n clocks after the trigger. */
	t = 4 * NS;
	out8(&p, PIT_PORT_61, 0x00, t);
	program(&p, 2, 5, 20, t);
	assert_true(out2(&p, t + NS / 2));
	g = t + NS / 2;
	out8(&p, PIT_PORT_61, 0x01, g);
	assert_true(out2(&p, g + ref_ns(20) - 1));
	assert_false(out2(&p, g + ref_ns(20)));
	assert_true(out2(&p, g + ref_ns(21)));

	/* Mode 4 with the gate low does not count. */
	t = 5 * NS;
	out8(&p, PIT_PORT_61, 0x00, t);
	program(&p, 2, 4, 20, t);
	assert_true(out2(&p, t + ref_ns(20)));
	assert_int_equal(latched(&p, 2, t + NS / 2), 20);
	out8(&p, PIT_PORT_61, 0x01, t + NS / 2);
	assert_false(out2(&p, t + NS / 2 + ref_ns(20)));
}

/* BCD counting: four decades, wrapping from 0 to 9999; 0 is 10^4. */
static void test_bcd(void **state)
{
	struct pit p;
	u64 t0 = NS;

	(void)state;
	pit_reset(&p, 0);
	out8(&p, PIT_PORT_CTRL, 0x31, t0); /* ch0 word mode 0 BCD */
	out8(&p, PIT_PORT_CH0, 0x00, t0);
	out8(&p, PIT_PORT_CH0, 0x10, t0); /* 1000 */
	assert_int_equal(latched(&p, 0, t0 + ref_ns(1) + 100), 0x0999);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(991) + 100), 0x0009);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(1000) + 100), 0x0000);
	assert_int_equal(latched(&p, 0, t0 + ref_ns(1001) + 100), 0x9999);
	assert_int_equal(pit_irq0_edges(&p, t0 + NS), 1);
	/* Mode 2 BCD with count 0: a period of 10000 clocks. */
	out8(&p, PIT_PORT_CTRL, 0x35, 2 * NS);
	out8(&p, PIT_PORT_CH0, 0, 2 * NS);
	out8(&p, PIT_PORT_CH0, 0, 2 * NS);
	assert_int_equal(latched(&p, 0, 2 * NS + ref_ns(1) + 100), 0x9999);
	assert_int_equal(latched(&p, 0, 2 * NS + ref_ns(1234) + 100), 0x8766);
	assert_int_equal(pit_irq0_edges(&p, 3 * NS), ref_clocks(NS) / 10000);
	/* Mode 3 BCD: 0x0010 = 10 clocks, counting 10, 8, 6, ... */
	out8(&p, PIT_PORT_CTRL, 0x77, 4 * NS);
	out8(&p, PIT_PORT_CH1, 0x10, 4 * NS);
	out8(&p, PIT_PORT_CH1, 0x00, 4 * NS);
	assert_int_equal(latched(&p, 1, 4 * NS + ref_ns(1) + 100), 0x08);
	assert_int_equal(latched(&p, 1, 4 * NS + ref_ns(4) + 100), 0x02);
	assert_int_equal(latched(&p, 1, 4 * NS + ref_ns(5) + 100), 0x10);
}

/* Port 0x61: the writable bits stick, bits 6-7 read 0, bit 4 flips every
 * 18 clocks (the BIOS delay loops count these flips), bit 5 is OUT2. */
static void test_port61(void **state)
{
	struct pit p;
	u64 t0 = 5 * NS + 17, flips = 0;
	bool last = false;

	(void)state;
	pit_reset(&p, t0);
	out8(&p, PIT_PORT_61, 0xff, t0);
	assert_int_equal(in8(&p, PIT_PORT_61, t0) & ~PIT_61_REFRESH, 0x0f);
	out8(&p, PIT_PORT_61, 0x0c, t0);
	assert_int_equal(in8(&p, PIT_PORT_61, t0), 0x0c);
	for (u64 k = 1; k < 200; k++) {
		bool before = in8(&p, PIT_PORT_61, t0 + ref_ns(18 * k) - 1) & PIT_61_REFRESH;
		bool at = in8(&p, PIT_PORT_61, t0 + ref_ns(18 * k)) & PIT_61_REFRESH;

		assert_true(before == !(k & 1));
		assert_true(at == (k & 1));
	}
	/* A 1 ms delay loop counting toggles, polling every 1 us. */
	for (u64 t = t0; t < t0 + 1000000; t += 1000) {
		bool now = in8(&p, PIT_PORT_61, t) & PIT_61_REFRESH;

		flips += now != last;
		last = now;
	}
	assert_int_equal(flips, ref_clocks(1000000 - 1000) / 18);
	/* Gate 2 low by default: a mode-0 count does not run. */
	program(&p, 2, 0, 10, t0);
	assert_false(out2(&p, t0 + NS));
	assert_int_equal(in8(&p, PIT_PORT_61, t0 + NS) & PIT_61_GATE2, 0);
}

/* Which accesses are the PIT's; wide ones are byte by byte. */
static void test_ports(void **state)
{
	struct pit p;
	u32 v;
	u64 t0 = NS;

	(void)state;
	pit_reset(&p, 0);
	assert_false(pit_owns_port(0x3f, 1));
	assert_true(pit_owns_port(0x3f, 2));
	assert_true(pit_owns_port(0x43, 1));
	assert_false(pit_owns_port(0x44, 1));
	assert_false(pit_owns_port(0x60, 1));
	assert_true(pit_owns_port(0x60, 2));
	assert_false(pit_owns_port(0x62, 4));
	assert_false(pit_owns_port(0x70, 1));
	v = 0;
	assert_int_equal(pit_io(&p, 0x20, 1, false, &v, t0), PIT_NOT_MINE);
	assert_int_equal(pit_io(&p, 0x44, 4, true, &v, t0), PIT_NOT_MINE);
	assert_int_equal(pit_io(&p, 0x40, 3, false, &v, t0), PIT_NOT_MINE);
	assert_int_equal(pit_io(&p, 0x40, 0, false, &v, t0), PIT_NOT_MINE);

	program(&p, 0, 0, 0x1234, t0);
	out8(&p, PIT_PORT_CTRL, 0x50, t0); /* ch1 LSB only */
	out8(&p, PIT_PORT_CH1, 0x56, t0);
	out8(&p, PIT_PORT_CTRL, 0xa0, t0); /* ch2 MSB only */
	out8(&p, PIT_PORT_CH2, 0x78, t0);
	out8(&p, PIT_PORT_CTRL, 0xce, t0); /* latch all counts and status */
	/* One dword read: ch0's status, ch1's status, ch2's status, 0xff. */
	assert_int_equal(pit_io(&p, 0x40, 4, false, &v, t0 + NS), PIT_HANDLED);
	assert_int_equal(v, 0xff000000u | 0x20u << 16 | 0x10u << 8 | 0x30); /* all OUT low */
	assert_int_equal(pit_io(&p, 0x40, 2, false, &v, t0 + NS), PIT_HANDLED);
	assert_int_equal(v, 0x5634); /* ch0 LSB, ch1's only byte */
	assert_int_equal(pit_io(&p, 0x42, 2, false, &v, t0 + NS), PIT_HANDLED);
	assert_int_equal(v, 0xff78);
	assert_int_equal(pit_io(&p, 0x3f, 2, false, &v, t0 + NS), PIT_HANDLED);
	assert_int_equal(v, 0x12ff); /* ch0's latched MSB */
	/* A word write at 0x42: the MSB-only count of ch2, then a control
	 * word at 0x43 (ch0 mode 2: reported). */
	v = 0x3401;
	assert_int_equal(pit_io(&p, 0x42, 2, true, &v, 2 * NS), PIT_IRQ0_CHANGED);
	assert_int_equal(status(&p, 0, 2 * NS), PIT_ST_OUT | PIT_ST_NULL_COUNT | 0x34);
	assert_int_equal(in8(&p, PIT_PORT_CH2, 2 * NS + ref_ns(3)), 0x01); /* gate 2 low */
	/* Writes that leave channel 0 alone say so. */
	assert_int_equal(out8(&p, PIT_PORT_CTRL, 0x00, 2 * NS), PIT_HANDLED); /* latch */
	assert_int_equal(out8(&p, PIT_PORT_CTRL, 0xc2, 2 * NS), PIT_HANDLED); /* read-back */
	assert_int_equal(out8(&p, PIT_PORT_CTRL, 0xb0, 2 * NS), PIT_HANDLED);
	assert_int_equal(out8(&p, PIT_PORT_61, 0x01, 2 * NS), PIT_HANDLED);
	/* 0x61 in a word write from 0x60: the 0x60 byte is dropped. */
	v = 0x0300;
	assert_int_equal(pit_io(&p, 0x60, 2, true, &v, 2 * NS), PIT_HANDLED);
	assert_int_equal(in8(&p, PIT_PORT_61, 2 * NS) & 0x0f, 0x03);
}

/*
 * Self-consistency over many counts and modes: the rising edges of OUT0
 * seen by sampling pit_out() at every clock are exactly the ones
 * pit_irq0_edges() reports, at the times pit_irq0_next_ns() announces,
 * including across a mid-period count change in modes 2 and 3.
 */
static void check_edges(u8 mode, u32 n, u32 n2, u64 t0)
{
	struct pit p;
	u64 clocks = 4000, sampled = 0, taken = 0, change = n2 ? 1500 : 0;
	bool last;

	pit_reset(&p, 0);
	program(&p, 0, mode, (u16)n, t0);
	last = pit_out(&p, 0, t0);
	for (u64 e = 1; e <= clocks; e++) {
		u64 t = t0 + ref_ns(e);
		u64 next = pit_irq0_next_ns(&p);
		bool o;

		if (change && e == change) {
			out8(&p, PIT_PORT_CH0, (u8)n2, t - 1);
			out8(&p, PIT_PORT_CH0, (u8)(n2 >> 8), t - 1);
			next = pit_irq0_next_ns(&p);
		}
		o = pit_out(&p, 0, t);
		if (o && !last) {
			sampled++;
			assert_int_equal(next, t);
		} else {
			assert_true(next == 0 || next > t);
		}
		last = o;
		taken += pit_irq0_edges(&p, t);
		assert_int_equal(taken, sampled);
	}
}

static void test_edges_match_out(void **state)
{
	static const u32 counts[] = {1, 2, 3, 4, 7, 10, 99, 256, 1193};

	(void)state;
	for (u8 mode = 0; mode <= 4; mode++) {
		if (mode == 1)
			continue; /* needs a gate edge: never on channel 0 */
		for (unsigned i = 0; i < ARRAY_SIZE(counts); i++) {
			check_edges(mode, counts[i], 0, NS + i);
			if (mode == 2 || mode == 3) {
				check_edges(mode, counts[i], 37, 3 * NS + i);
				check_edges(mode, counts[i], 2, 5 * NS);
			}
		}
	}
}

/* Random programming and reads never break an invariant: edges come out
 * at or after their announced time, next_ns never goes backwards without
 * a reprogramming, reads are bytes. */
static void test_random(void **state)
{
	struct pit p;
	u64 t = NS, seed = 0x12345678;

	(void)state;
	pit_reset(&p, 0);
	for (unsigned i = 0; i < 200000; i++) {
		u32 v;
		u16 port;
		u64 next;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		v = (u32)(seed >> 33);
		t += (seed >> 20) % 5000;
		port = (u16)(0x40 + v % 4);
		if ((v >> 8) % 7 == 0)
			port = PIT_PORT_61;
		if ((v >> 11) & 1) {
			u32 x = v >> 16;

			/* Keep channel 0 counts large enough for the loop. */
			if (port == PIT_PORT_CH0)
				x |= 0x80;
			assert_int_not_equal(pit_io(&p, port, 1, true, &x, t), PIT_NOT_MINE);
		} else {
			assert_int_equal(pit_io(&p, port, 1, false, &v, t), PIT_HANDLED);
			assert_true(v <= 0xff);
		}
		next = pit_irq0_next_ns(&p);
		if (pit_irq0_edges(&p, t))
			assert_true(next != 0 && next <= t);
		else
			assert_true(next == 0 || next > t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reset_state),
		cmocka_unit_test(test_linux_pit_calibrate_tsc),
		cmocka_unit_test(test_calibrate_50ms_exact),
		cmocka_unit_test(test_linux_quick_pit_calibrate),
		cmocka_unit_test(test_counter_latch),
		cmocka_unit_test(test_read_back),
		cmocka_unit_test(test_mode2_periodic_irq0),
		cmocka_unit_test(test_mode3_square_wave),
		cmocka_unit_test(test_mode0_oneshot),
		cmocka_unit_test(test_mode4_linux_oneshot),
		cmocka_unit_test(test_edges_across_reprogramming),
		cmocka_unit_test(test_new_count_at_period_end),
		cmocka_unit_test(test_gate2),
		cmocka_unit_test(test_bcd),
		cmocka_unit_test(test_port61),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_edges_match_out),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
