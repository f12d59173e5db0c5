/*
 * The virtual MC146818A RTC and CMOS (hv/devices/rtc.c).
 *
 * Input: the boot date (six bytes: year since 1900, month, day, hour,
 * minute, second; out of range on purpose, rtc_init clamps), then a
 * sequence of operations, a byte each (bits 7:5 say which):
 *   000x xsss  read port 0x6f + (next byte mod 4), size by sss
 *   001x xsss  write there the next 4 bytes
 *   010x xsss  select register (next byte) and write it the byte after
 *   011x xxxx  select register (next byte) and read it
 *   100x xxxx  time passes (fuzz_time_step)
 *   101x xxxx  take IRQ 8's edges now
 *   others     read register C twice
 * Time only moves forward, as a partition's clock does. Invariants:
 * after the edges up to now are taken, the next one is never at or
 * before now (a timer armed for it would fire at once, forever); reading
 * register C clears it (a second read at the same instant gives 0);
 * register D reads VRT; port 0x70 reads 0xff; while the clock runs, the
 * time registers hold valid values in the encoding register B selects,
 * and rtc_now gives a valid date; register C's IRQF is set exactly when
 * one of its flags is enabled in register B.
 */
#include "fuzz.h"

#include <tessera/rtc.h>

static struct rtc r;
static u64 now;

static bool running(void)
{
	return !(r.ram[RTC_REG_B] & RTC_B_SET) &&
	       (r.ram[RTC_REG_A] & RTC_A_DV_RESET) != RTC_A_DV_RESET;
}

static u8 reg_read(u8 index)
{
	u32 v = index;

	FUZZ_CHECK(rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, now) != RTC_NOT_MINE);
	FUZZ_CHECK(rtc_io(&r, RTC_PORT_DATA, 1, false, &v, now) != RTC_NOT_MINE);
	FUZZ_CHECK(v <= 0xff);
	return (u8)v;
}

static void reg_write(u8 index, u8 value)
{
	u32 v = index;

	FUZZ_CHECK(rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, now) != RTC_NOT_MINE);
	v = value;
	FUZZ_CHECK(rtc_io(&r, RTC_PORT_DATA, 1, true, &v, now) != RTC_NOT_MINE);
}

/* A time register as read: valid BCD or binary, in [lo, hi]. */
static void check_field(u8 v, unsigned lo, unsigned hi)
{
	bool binary = r.ram[RTC_REG_B] & RTC_B_DM_BINARY;
	unsigned x = binary ? v : (v >> 4) * 10u + (v & 15);

	if (!binary)
		FUZZ_CHECK((v >> 4) <= 9 && (v & 15) <= 9);
	FUZZ_CHECK(x >= lo && x <= hi);
}

static void check_clock(void)
{
	struct rtc_datetime d;
	u32 sel = r.index | (r.nmi_masked ? RTC_NMI_MASK : 0);
	u8 hours;

	rtc_now(&r, now, &d);
	FUZZ_CHECK(d.month >= 1 && d.month <= 12 && d.day >= 1 && d.day <= 31);
	FUZZ_CHECK(d.hour <= 23 && d.minute <= 59 && d.second <= 59);
	if (!running())
		return;
	check_field(reg_read(RTC_SECONDS), 0, 59);
	check_field(reg_read(RTC_MINUTES), 0, 59);
	hours = reg_read(RTC_HOURS);
	if (r.ram[RTC_REG_B] & RTC_B_24H)
		check_field(hours, 0, 23);
	else
		check_field(hours & 0x7f, 1, 12);
	check_field(reg_read(RTC_DAY_OF_WEEK), 1, 7);
	check_field(reg_read(RTC_DAY_OF_MONTH), 1, 31);
	check_field(reg_read(RTC_MONTH), 1, 12);
	check_field(reg_read(RTC_YEAR), 0, 99);
	/* Leave port 0x70 as the guest set it. */
	FUZZ_CHECK(rtc_io(&r, RTC_PORT_INDEX, 1, true, &sel, now) == RTC_HANDLED);
}

static void read_c_twice(void)
{
	u8 b = r.ram[RTC_REG_B];
	u8 c1 = reg_read(RTC_REG_C), c2 = reg_read(RTC_REG_C);

	FUZZ_CHECK(c2 == 0);
	FUZZ_CHECK((c1 & 0x0f) == 0);
	/* IRQF = PF & PIE | AF & AIE | UF & UIE: the enables are the same
	 * bits of register B as the flags of register C. */
	FUZZ_CHECK(!!(c1 & RTC_C_IRQF) == !!(c1 & b & (RTC_C_PF | RTC_C_AF | RTC_C_UF)));
}

static void take_edges(void)
{
	u64 next;

	(void)rtc_irq_edges(&r, now);
	next = rtc_irq_next_ns(&r);
	FUZZ_CHECK(next == 0 || next > now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct rtc_datetime boot;

	boot.year = (u16)(1900 + fuzz_u8(&in) * 2);
	boot.month = fuzz_u8(&in);
	boot.day = fuzz_u8(&in);
	boot.hour = fuzz_u8(&in);
	boot.minute = fuzz_u8(&in);
	boot.second = fuzz_u8(&in);
	now = fuzz_u32(&in);
	rtc_init(&r, &boot, now);

	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in), index;
		u32 v = 0;
		u16 port;

		switch (op >> 5) {
		case 0:
			port = (u16)(0x6f + fuzz_u8(&in) % 4);
			if (rtc_io(&r, port, fuzz_io_size(op), false, &v, now) == RTC_NOT_MINE)
				break;
			if (port == RTC_PORT_INDEX && fuzz_io_size(op) == 1)
				FUZZ_CHECK(v == 0xff);
			break;
		case 1:
			port = (u16)(0x6f + fuzz_u8(&in) % 4);
			v = fuzz_u32(&in);
			(void)rtc_io(&r, port, fuzz_io_size(op), true, &v, now);
			break;
		case 2:
			index = fuzz_u8(&in);
			reg_write(index, fuzz_u8(&in));
			break;
		case 3:
			index = fuzz_u8(&in) & 0x7f;
			v = reg_read(index);
			if (index == RTC_REG_D)
				FUZZ_CHECK(v == RTC_D_VRT);
			break;
		case 4:
			now += fuzz_time_step(&in);
			break;
		case 5:
			take_edges();
			break;
		default:
			read_c_twice();
			break;
		}
		check_clock();
	}
	take_edges();
	return 0;
}
