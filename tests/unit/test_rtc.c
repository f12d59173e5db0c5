/*
 * Unit tests for hv/devices/rtc.c, the virtual MC146818A and CMOS RAM:
 * decoding the real RTC's bytes, reading the clock the ways Linux does
 * (mc146818_get_time: UIP, then the registers, then the seconds again),
 * BCD and binary, 12- and 24-hour, the calendar across midnight, month
 * ends, leap days and centuries (checked day by day against the C
 * library's gmtime over 430 years), the century byte, the UIP window,
 * setting the clock with SET (mc146818_set_time) and the divider reset,
 * register C's flags and IRQ 8 (update, alarm with don't-care bytes,
 * every periodic rate), NVRAM, port 0x70's NMI bit, and the port map.
 */
#include "unit.h"

#include <time.h>

#include <tessera/rtc.h>

#define NS 1000000000ull
#define MS 1000000ull
#define US 1000ull

static u8 rd(struct rtc *r, u8 reg, u64 t)
{
	u32 v = reg;

	assert_int_not_equal(rtc_io(r, RTC_PORT_INDEX, 1, true, &v, t), RTC_NOT_MINE);
	v = 0xdeadbeef;
	assert_int_not_equal(rtc_io(r, RTC_PORT_DATA, 1, false, &v, t), RTC_NOT_MINE);
	assert_true(v <= 0xff);
	return (u8)v;
}

static enum rtc_io_result wr(struct rtc *r, u8 reg, u8 val, u64 t)
{
	u32 v = reg;

	assert_int_equal(rtc_io(r, RTC_PORT_INDEX, 1, true, &v, t), RTC_HANDLED);
	v = val;
	return rtc_io(r, RTC_PORT_DATA, 1, true, &v, t);
}

static void init_at(struct rtc *r, u16 y, u8 mo, u8 d, u8 h, u8 mi, u8 s, u64 t)
{
	struct rtc_datetime dt = {y, mo, d, h, mi, s};

	rtc_init(r, &dt, t);
}

/* The time registers at t, as 0xSSMMHH-style checks want them. */
struct regs {
	u8 sec, min, hour, dow, day, mon, year, cent;
};

static struct regs read_all(struct rtc *r, u64 t)
{
	struct regs g;

	g.sec = rd(r, RTC_SECONDS, t);
	g.min = rd(r, RTC_MINUTES, t);
	g.hour = rd(r, RTC_HOURS, t);
	g.dow = rd(r, RTC_DAY_OF_WEEK, t);
	g.day = rd(r, RTC_DAY_OF_MONTH, t);
	g.mon = rd(r, RTC_MONTH, t);
	g.year = rd(r, RTC_YEAR, t);
	g.cent = rd(r, RTC_CENTURY, t);
	return g;
}

static void expect(struct rtc *r, u64 t, u8 cent, u8 year, u8 mon, u8 day, u8 dow, u8 hour,
		   u8 min, u8 sec)
{
	struct regs g = read_all(r, t);

	assert_int_equal(g.cent, cent);
	assert_int_equal(g.year, year);
	assert_int_equal(g.mon, mon);
	assert_int_equal(g.day, day);
	assert_int_equal(g.dow, dow);
	assert_int_equal(g.hour, hour);
	assert_int_equal(g.min, min);
	assert_int_equal(g.sec, sec);
}

/* rtc_decode_cmos: what the arch code reads from the real RTC. */
static void test_decode_cmos(void **state)
{
	struct rtc_datetime d;
	struct rtc_cmos_raw raw;

	(void)state;
	/* BCD, 24-hour (the PC default). */
	raw = (struct rtc_cmos_raw){0x59, 0x34, 0x23, 0x29, 0x02, 0x24, 0x20, 0x02};
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 2024);
	assert_int_equal(d.month, 2);
	assert_int_equal(d.day, 29);
	assert_int_equal(d.hour, 23);
	assert_int_equal(d.minute, 34);
	assert_int_equal(d.second, 59);
	/* Binary, 24-hour. */
	raw = (struct rtc_cmos_raw){59, 34, 23, 31, 12, 99, 19, RTC_B_24H | RTC_B_DM_BINARY};
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 1999);
	assert_int_equal(d.hour, 23);
	/* BCD, 12-hour: 12 AM is 0, 12 PM is 12, 11 PM is 23. */
	raw = (struct rtc_cmos_raw){0, 0, 0x12, 1, 1, 0x25, 0x20, 0};
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.hour, 0);
	raw.hours = 0x92;
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.hour, 12);
	raw.hours = 0x91;
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.hour, 23);
	raw.hours = 0x01;
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.hour, 1);
	/* Binary, 12-hour. */
	raw = (struct rtc_cmos_raw){5, 6, 0x80 | 11, 7, 8, 30, 20, RTC_B_DM_BINARY};
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.hour, 23);
	assert_int_equal(d.year, 2030);
	/* No century byte: Linux's 1970-2069 window. */
	raw = (struct rtc_cmos_raw){0, 0, 0, 1, 1, 0x69, 0, 0x02};
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 2069);
	raw.year = 0x70;
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 1970);
	raw.century = 0xff; /* no such register */
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 1970);
	raw.century = 0x21;
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 2170);
	/* Invalid: bad BCD, out of range, no such day; *out untouched. */
	d.year = 1234;
	raw = (struct rtc_cmos_raw){0x5a, 0, 0, 1, 1, 0x24, 0x20, 0x02};
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.seconds = 0x60;
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.seconds = 0;
	raw.hours = 0x24;
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.hours = 0;
	raw.month = 0x13;
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.month = 0;
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.month = 0x02;
	raw.day = 0x30;
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.day = 0x29;
	raw.year = 0x23; /* 2023 is not a leap year */
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.reg_b = 0; /* 12-hour: hour 0 is not valid */
	raw.year = 0x24;
	assert_false(rtc_decode_cmos(&raw, &d));
	raw.hours = 0x13;
	assert_false(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 1234);
	raw.hours = 0x12;
	assert_true(rtc_decode_cmos(&raw, &d));
	assert_int_equal(d.year, 2024);
}

/* The power-on registers, and the time read in BCD 24-hour. */
static void test_power_on(void **state)
{
	struct rtc r;
	u64 t0 = 5 * NS + 123;
	struct rtc_datetime d;

	(void)state;
	init_at(&r, 2024, 3, 15, 13, 45, 30, t0);
	assert_int_equal(rd(&r, RTC_REG_A, t0), RTC_A_POWER_ON);
	assert_int_equal(rd(&r, RTC_REG_B, t0), RTC_B_24H);
	assert_int_equal(rd(&r, RTC_REG_C, t0), 0);
	assert_int_equal(rd(&r, RTC_REG_D, t0), RTC_D_VRT);
	/* 15 March 2024 was a Friday (6). */
	expect(&r, t0, 0x20, 0x24, 0x03, 0x15, 6, 0x13, 0x45, 0x30);
	expect(&r, t0 + NS - 1, 0x20, 0x24, 0x03, 0x15, 6, 0x13, 0x45, 0x30);
	expect(&r, t0 + NS, 0x20, 0x24, 0x03, 0x15, 6, 0x13, 0x45, 0x31);
	expect(&r, t0 + 30 * NS, 0x20, 0x24, 0x03, 0x15, 6, 0x13, 0x46, 0x00);
	rtc_now(&r, t0 + 3600 * NS, &d);
	assert_int_equal(d.hour, 14);
	assert_int_equal(d.minute, 45);
	assert_int_equal(d.second, 30);
	assert_int_equal(rd(&r, 0x0e, t0), 0);
	assert_int_equal(rd(&r, 0x7f, t0), 0);
	/* An invalid boot time is clamped. */
	init_at(&r, 2023, 2, 31, 25, 61, 99, t0);
	expect(&r, t0, 0x20, 0x23, 0x02, 0x28, 3, 0x23, 0x59, 0x59);
	expect(&r, t0 + NS, 0x20, 0x23, 0x03, 0x01, 4, 0x00, 0x00, 0x00);
}

/* Binary and 12-hour encodings, at every hour of a day. */
static void test_encodings(void **state)
{
	static const u8 bcd12[24] = {0x12, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
				     0x08, 0x09, 0x10, 0x11, 0x92, 0x81, 0x82, 0x83,
				     0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x90, 0x91};
	struct rtc r;
	u64 t0 = NS;

	(void)state;
	init_at(&r, 2009, 7, 4, 0, 0, 0, t0);
	for (unsigned h = 0; h < 24; h++) {
		u64 t = t0 + h * 3600 * NS + 17 * NS;
		struct rtc_cmos_raw raw;
		struct rtc_datetime d;

		wr(&r, RTC_REG_B, RTC_B_24H, t);
		assert_int_equal(rd(&r, RTC_HOURS, t), (h / 10) << 4 | h % 10);
		wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY, t);
		assert_int_equal(rd(&r, RTC_HOURS, t), h);
		assert_int_equal(rd(&r, RTC_SECONDS, t), 17);
		assert_int_equal(rd(&r, RTC_YEAR, t), 9);
		assert_int_equal(rd(&r, RTC_CENTURY, t), 20);
		wr(&r, RTC_REG_B, 0, t); /* BCD, 12-hour */
		assert_int_equal(rd(&r, RTC_HOURS, t), bcd12[h]);
		assert_int_equal(rd(&r, RTC_SECONDS, t), 0x17);
		wr(&r, RTC_REG_B, RTC_B_DM_BINARY, t); /* binary, 12-hour */
		assert_int_equal(rd(&r, RTC_HOURS, t),
				 (h % 12 ? h % 12 : 12) | (h >= 12 ? RTC_HOUR_PM : 0));
		/* What the guest reads, the decoder reads back. */
		raw = (struct rtc_cmos_raw){rd(&r, 0, t), rd(&r, 2, t), rd(&r, 4, t),
					    rd(&r, 7, t), rd(&r, 8, t), rd(&r, 9, t),
					    rd(&r, 0x32, t), rd(&r, RTC_REG_B, t)};
		assert_true(rtc_decode_cmos(&raw, &d));
		assert_int_equal(d.year, 2009);
		assert_int_equal(d.hour, h);
		assert_int_equal(d.second, 17);
	}
}

/* Across midnight, month ends, leap days (2024 yes, 2023 no, 2000 yes,
 * 2100 no), the year and the century. */
static void test_boundaries(void **state)
{
	struct rtc r;
	u64 t0 = 2 * NS;

	(void)state;
	init_at(&r, 2023, 12, 31, 23, 59, 58, t0);
	expect(&r, t0 + NS, 0x20, 0x23, 0x12, 0x31, 1, 0x23, 0x59, 0x59);
	expect(&r, t0 + 2 * NS, 0x20, 0x24, 0x01, 0x01, 2, 0x00, 0x00, 0x00);
	init_at(&r, 2024, 2, 28, 23, 59, 59, t0);
	expect(&r, t0 + NS, 0x20, 0x24, 0x02, 0x29, 5, 0x00, 0x00, 0x00);
	expect(&r, t0 + 86400 * NS, 0x20, 0x24, 0x02, 0x29, 5, 0x23, 0x59, 0x59);
	expect(&r, t0 + 86401 * NS, 0x20, 0x24, 0x03, 0x01, 6, 0x00, 0x00, 0x00);
	init_at(&r, 2023, 2, 28, 23, 59, 59, t0);
	expect(&r, t0 + NS, 0x20, 0x23, 0x03, 0x01, 4, 0x00, 0x00, 0x00);
	init_at(&r, 2000, 2, 28, 23, 59, 59, t0);
	expect(&r, t0 + NS, 0x20, 0x00, 0x02, 0x29, 3, 0x00, 0x00, 0x00);
	init_at(&r, 2100, 2, 28, 23, 59, 59, t0);
	expect(&r, t0 + NS, 0x21, 0x00, 0x03, 0x01, 2, 0x00, 0x00, 0x00);
	init_at(&r, 2099, 12, 31, 23, 59, 59, t0);
	expect(&r, t0 + NS, 0x21, 0x00, 0x01, 0x01, 6, 0x00, 0x00, 0x00);
	init_at(&r, 1999, 12, 31, 23, 59, 59, t0);
	expect(&r, t0 + NS, 0x20, 0x00, 0x01, 0x01, 7, 0x00, 0x00, 0x00);
	/* Every 30-day month's end. */
	for (u8 m = 4; m <= 11; m++) {
		if (m != 4 && m != 6 && m != 9 && m != 11)
			continue;
		init_at(&r, 2025, m, 30, 23, 59, 59, t0);
		assert_int_equal(rd(&r, RTC_MONTH, t0 + NS), ((m + 1) / 10) << 4 | (m + 1) % 10);
		assert_int_equal(rd(&r, RTC_DAY_OF_MONTH, t0 + NS), 1);
	}
	/* Binary mode, 12-hour: 11:59:59 PM -> 12:00:00 AM of the next day. */
	init_at(&r, 2024, 12, 31, 23, 59, 59, t0);
	wr(&r, RTC_REG_B, RTC_B_DM_BINARY, t0);
	expect(&r, t0, 20, 24, 12, 31, 3, 0x80 | 11, 59, 59);
	expect(&r, t0 + NS, 20, 25, 1, 1, 4, 12, 0, 0);
	expect(&r, t0 + 12 * 3600 * NS, 20, 25, 1, 1, 4, 11, 59, 59);
	expect(&r, t0 + 12 * 3600 * NS + NS, 20, 25, 1, 1, 4, 0x80 | 12, 0, 0);
}

/* Day by day from 1970 to 2400, and at random seconds, the clock agrees
 * with the C library's proleptic Gregorian gmtime (weekday included). */
static void test_calendar_against_gmtime(void **state)
{
	struct rtc r;
	struct rtc_datetime d;
	u64 t0 = 3 * NS, seed = 42;

	(void)state;
	init_at(&r, 1970, 1, 1, 0, 0, 0, t0);
	for (u64 day = 0; day < 157000; day++) {
		u64 s = day * 86400 + 43210;
		time_t tt = (time_t)s;
		struct tm *tm = gmtime(&tt);

		rtc_now(&r, t0 + s * NS, &d);
		assert_int_equal(d.year, tm->tm_year + 1900);
		assert_int_equal(d.month, tm->tm_mon + 1);
		assert_int_equal(d.day, tm->tm_mday);
		assert_int_equal(d.hour, 12);
		assert_int_equal(d.minute, 0);
		assert_int_equal(d.second, 10);
		assert_int_equal(rtc_weekday(&d), tm->tm_wday + 1);
		if (day % 997 == 0) {
			assert_int_equal(rd(&r, RTC_DAY_OF_WEEK, t0 + s * NS), tm->tm_wday + 1);
			assert_int_equal(rd(&r, RTC_CENTURY, t0 + s * NS),
					 ((d.year / 1000) << 4) | (d.year / 100 % 10));
		}
	}
	for (unsigned i = 0; i < 20000; i++) {
		u64 s;
		time_t tt;
		struct tm *tm;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		s = (seed >> 11) % (430ull * 365 * 86400);
		tt = (time_t)s;
		tm = gmtime(&tt);
		rtc_now(&r, t0 + s * NS + (seed & 0xfffff), &d);
		assert_int_equal(d.year, tm->tm_year + 1900);
		assert_int_equal(d.month, tm->tm_mon + 1);
		assert_int_equal(d.day, tm->tm_mday);
		assert_int_equal(d.hour, tm->tm_hour);
		assert_int_equal(d.minute, tm->tm_min);
		assert_int_equal(d.second, tm->tm_sec);
	}
	/* Far dates: years 1, 400, 9999. */
	init_at(&r, 1, 1, 1, 0, 0, 0, t0);
	rtc_now(&r, t0, &d);
	assert_int_equal(d.year, 1);
	assert_int_equal(rtc_weekday(&d), 2); /* 1 January 1 was a Monday */
	init_at(&r, 9999, 12, 31, 23, 59, 59, t0);
	expect(&r, t0, 0x99, 0x99, 0x12, 0x31, 6, 0x23, 0x59, 0x59);
}

/*
 * UIP is 1 for the last 244 us of each second and 0 otherwise; the
 * seconds change when it falls. Linux's mc146818_avoid_UIP (read seconds,
 * check UIP, udelay(10) and retry) always gets a stable time within its
 * 100 tries, and a hwclock-style wait for a UIP 1 -> 0 edge ends at the
 * update.
 */
static void test_uip(void **state)
{
	struct rtc r;
	u64 t0 = 7 * NS + 333, t;

	(void)state;
	init_at(&r, 2024, 6, 1, 10, 0, 0, t0);
	for (u64 k = 1; k < 5; k++) {
		u64 b = t0 + k * NS;

		assert_int_equal(rd(&r, RTC_REG_A, b - RTC_UIP_NS - 1), RTC_A_POWER_ON);
		assert_int_equal(rd(&r, RTC_REG_A, b - RTC_UIP_NS), RTC_A_POWER_ON | RTC_A_UIP);
		assert_int_equal(rd(&r, RTC_REG_A, b - 1), RTC_A_POWER_ON | RTC_A_UIP);
		assert_int_equal(rd(&r, RTC_SECONDS, b - 1), k - 1);
		assert_int_equal(rd(&r, RTC_REG_A, b), RTC_A_POWER_ON);
		assert_int_equal(rd(&r, RTC_SECONDS, b), k);
	}
	/* mc146818_avoid_UIP, started at every 10 us of a second. */
	for (u64 start = t0; start < t0 + NS; start += 10 * US) {
		unsigned tries;
		u8 sec = 0;

		t = start;
		for (tries = 0; tries < 100; tries++) {
			sec = rd(&r, RTC_SECONDS, t);
			if (rd(&r, RTC_REG_A, t + 1000) & RTC_A_UIP) {
				t += 10 * US + 2000;
				continue;
			}
			if (sec != rd(&r, RTC_SECONDS, t + 3000)) {
				t += 4000;
				continue;
			}
			break;
		}
		assert_true(tries < 100);
		assert_int_equal(sec, (t - t0) / NS);
	}
	/* Wait for UIP to rise, then to fall: the fall is the update. */
	t = t0 + NS / 3;
	while (!(rd(&r, RTC_REG_A, t) & RTC_A_UIP))
		t += 7 * US;
	assert_true(t >= t0 + NS - RTC_UIP_NS && t < t0 + NS);
	while (rd(&r, RTC_REG_A, t) & RTC_A_UIP)
		t += 7 * US;
	assert_true(t >= t0 + NS && t < t0 + NS + 7 * US);
	assert_int_equal(rd(&r, RTC_SECONDS, t), 1);
	/* With SET, no update and no UIP. */
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	assert_int_equal(rd(&r, RTC_REG_A, t0 + 2 * NS - 1), RTC_A_POWER_ON);
}

/*
 * Linux's mc146818_set_time: B |= SET, (A |= divider reset on some
 * machines), write the time and date (and the century when the FADT
 * names it), restore A, then B. While SET is 1 the registers read what
 * was written and do not count; after, the clock counts on from them.
 */
static void test_set_time(void **state)
{
	struct rtc r;
	u64 t0 = 10 * NS + 250 * MS, t = t0 + 3 * NS + 100 * MS;
	u8 save_b;

	(void)state;
	init_at(&r, 2024, 1, 1, 0, 0, 0, t0);
	save_b = rd(&r, RTC_REG_B, t);
	assert_int_equal(wr(&r, RTC_REG_B, save_b | RTC_B_SET, t), RTC_IRQ_CHANGED);
	expect(&r, t, 0x20, 0x24, 0x01, 0x01, 2, 0x00, 0x00, 0x03);
	wr(&r, RTC_YEAR, 0x99, t);
	wr(&r, RTC_MONTH, 0x12, t);
	wr(&r, RTC_DAY_OF_MONTH, 0x31, t);
	wr(&r, RTC_HOURS, 0x23, t);
	wr(&r, RTC_MINUTES, 0x59, t);
	wr(&r, RTC_SECONDS, 0x58, t);
	wr(&r, RTC_CENTURY, 0x20, t);
	/* Held while SET: no counting, UIP 0. */
	expect(&r, t + 5 * NS, 0x20, 0x99, 0x12, 0x31, 2, 0x23, 0x59, 0x58);
	assert_int_equal(rd(&r, RTC_REG_A, t + 5 * NS + 900 * MS), RTC_A_POWER_ON);
	t += 5 * NS;
	wr(&r, RTC_REG_B, save_b, t);
	/* 31 Dec 2099 is a Thursday; the guest never wrote the day of week,
	 * which stays what it read. The next update is at the next second
	 * of the clock's grid (t0 + k s), not a full second after SET. */
	expect(&r, t, 0x20, 0x99, 0x12, 0x31, 2, 0x23, 0x59, 0x58);
	expect(&r, t0 + 9 * NS - 1, 0x20, 0x99, 0x12, 0x31, 2, 0x23, 0x59, 0x58);
	expect(&r, t0 + 9 * NS, 0x20, 0x99, 0x12, 0x31, 2, 0x23, 0x59, 0x59);
	expect(&r, t0 + 10 * NS, 0x21, 0x00, 0x01, 0x01, 3, 0x00, 0x00, 0x00);

	/* The same in binary, 12-hour, the divider held in reset meanwhile:
	 * the first update comes half a second after it is released. */
	t = t0 + 20 * NS + 10 * MS;
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_DM_BINARY, t);
	wr(&r, RTC_REG_A, RTC_A_DV_RESET | 0x06, t);
	wr(&r, RTC_YEAR, 30, t);
	wr(&r, RTC_MONTH, 6, t);
	wr(&r, RTC_DAY_OF_MONTH, 15, t);
	wr(&r, RTC_DAY_OF_WEEK, 7, t); /* 15 June 2030 is a Saturday */
	wr(&r, RTC_HOURS, 0x80 | 12, t); /* 12 PM */
	wr(&r, RTC_MINUTES, 30, t);
	wr(&r, RTC_SECONDS, 0, t);
	wr(&r, RTC_CENTURY, 20, t);
	wr(&r, RTC_REG_B, RTC_B_DM_BINARY, t + MS);
	assert_int_equal(rd(&r, RTC_SECONDS, t + 10 * NS), 0); /* divider still held */
	t += 10 * NS;
	wr(&r, RTC_REG_A, RTC_A_POWER_ON, t);
	expect(&r, t + 500 * MS - 1, 20, 30, 6, 15, 7, 0x80 | 12, 30, 0);
	expect(&r, t + 500 * MS, 20, 30, 6, 15, 7, 0x80 | 12, 30, 1);
	assert_int_equal(rd(&r, RTC_REG_A, t + 500 * MS - 1), RTC_A_POWER_ON | RTC_A_UIP);
	/* A day of week the guest wrote wrong counts on from there. */
	t = t0 + 40 * NS;
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_DM_BINARY | RTC_B_24H, t);
	wr(&r, RTC_DAY_OF_WEEK, 3, t);
	wr(&r, RTC_HOURS, 23, t);
	wr(&r, RTC_MINUTES, 59, t);
	wr(&r, RTC_SECONDS, 59, t);
	wr(&r, RTC_REG_B, RTC_B_DM_BINARY | RTC_B_24H, t);
	assert_int_equal(rd(&r, RTC_DAY_OF_WEEK, t), 3);
	assert_int_equal(rd(&r, RTC_DAY_OF_WEEK, t + 2 * NS), 4);
	assert_int_equal(rd(&r, RTC_DAY_OF_MONTH, t + 2 * NS), 16);
	assert_int_equal(rd(&r, RTC_DAY_OF_WEEK, t + 86400 * 4 * NS), 7);
	assert_int_equal(rd(&r, RTC_DAY_OF_WEEK, t + 86400 * 5 * NS), 1); /* 7 wraps to 1 */
}

/* Writes without SET take effect at once; out-of-range values clamp; a
 * change of DM while SET keeps the held time. */
static void test_write_running_and_clamp(void **state)
{
	struct rtc r;
	u64 t0 = NS, t = t0 + 5 * NS + 400 * MS;

	(void)state;
	init_at(&r, 2024, 4, 30, 8, 0, 0, t0);
	assert_int_equal(wr(&r, RTC_MINUTES, 0x59, t), RTC_IRQ_CHANGED);
	expect(&r, t, 0x20, 0x24, 0x04, 0x30, 3, 0x08, 0x59, 0x05);
	expect(&r, t0 + 60 * NS, 0x20, 0x24, 0x04, 0x30, 3, 0x09, 0x00, 0x00);
	/* 31 April: clamped to the 30th; seconds 0x75: 59. */
	t = t0 + 100 * NS;
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H, t);
	wr(&r, RTC_DAY_OF_MONTH, 0x31, t);
	wr(&r, RTC_SECONDS, 0x75, t);
	assert_int_equal(rd(&r, RTC_SECONDS, t), 0x75); /* held as written */
	/* DM changes while held: the held time follows. */
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_24H | RTC_B_DM_BINARY, t);
	assert_int_equal(rd(&r, RTC_SECONDS, t), 59);
	assert_int_equal(rd(&r, RTC_DAY_OF_MONTH, t), 30);
	assert_int_equal(rd(&r, RTC_HOURS, t), 9);
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_DM_BINARY, t); /* 12-hour */
	assert_int_equal(rd(&r, RTC_HOURS, t), 9);
	wr(&r, RTC_HOURS, 0x80 | 9, t);
	wr(&r, RTC_REG_B, RTC_B_DM_BINARY, t);
	assert_int_equal(rd(&r, RTC_HOURS, t), 0x80 | 9);
	assert_int_equal(rd(&r, RTC_DAY_OF_MONTH, t), 30);
	assert_int_equal(rd(&r, RTC_SECONDS, t), 59);
	assert_int_equal(rd(&r, RTC_MINUTES, t + NS - 1), 0);
	assert_int_equal(rd(&r, RTC_MINUTES, t + NS), 1);
}

/* Register C: UF at every update whether or not UIE is set; reading C
 * clears it. With UIE, IRQ 8 rises at the update and stays up until C is
 * read, and then at the next update again. */
static void test_update_irq(void **state)
{
	struct rtc r;
	u64 t0 = 3 * NS + 5, t;

	(void)state;
	init_at(&r, 2024, 1, 1, 0, 0, 0, t0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 1 * MS), RTC_C_PF); /* 1024 Hz at power-on */
	wr(&r, RTC_REG_A, RTC_A_DV_32KHZ, t0 + 1 * MS); /* no periodic flag from here */
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS - 1), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS), RTC_C_UF);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS), 0);
	assert_int_equal(rtc_irq_edges(&r, t0 + 10 * NS), 0);
	/* UF is already set (updates since the last read): enabling UIE
	 * raises IRQ 8 at once. */
	t = t0 + 10 * NS + 5 * MS;
	assert_int_equal(wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_UIE, t), RTC_IRQ_CHANGED);
	assert_int_equal(rtc_irq_next_ns(&r), t);
	assert_true(rtc_irq_level(&r, t));
	assert_int_equal(rtc_irq_edges(&r, t), 1);
	assert_int_equal(rtc_irq_next_ns(&r), 0); /* up until C is read */
	assert_int_equal(rtc_irq_edges(&r, t + 5 * NS), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t + 5 * NS), RTC_C_IRQF | RTC_C_UF);
	assert_false(rtc_irq_level(&r, t + 5 * NS));
	/* A driver that reads C in its handler: one edge per second. */
	for (u64 k = 16; k < 100; k++) {
		u64 next = rtc_irq_next_ns(&r);

		assert_int_equal(next, t0 + k * NS);
		assert_int_equal(rtc_irq_edges(&r, next - 1), 0);
		assert_false(rtc_irq_level(&r, next - 1));
		assert_true(rtc_irq_level(&r, next));
		assert_int_equal(rtc_irq_edges(&r, next + 20 * US), 1);
		assert_int_equal(rd(&r, RTC_REG_C, next + 30 * US), RTC_C_IRQF | RTC_C_UF);
	}
	/* SET clears UIE and stops updates. */
	t = t0 + 200 * NS;
	assert_int_equal(rtc_irq_edges(&r, t), 1); /* at t0 + 100 s */
	rd(&r, RTC_REG_C, t);
	wr(&r, RTC_REG_B, RTC_B_SET | RTC_B_UIE | RTC_B_24H, t);
	assert_int_equal(rd(&r, RTC_REG_B, t), RTC_B_SET | RTC_B_24H);
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t + 3 * NS), 0);
}

/* The alarm: exact, with don't-care bytes (every hour, minute, second),
 * across midnight, in 12-hour binary; AF is set whether AIE is or not. */
static void test_alarm(void **state)
{
	struct rtc r;
	u64 t0 = NS, next;

	(void)state;
	init_at(&r, 2024, 3, 15, 13, 45, 30, t0);
	wr(&r, RTC_REG_A, RTC_A_DV_32KHZ, t0); /* no periodic flag */
	wr(&r, RTC_HOURS_ALARM, 0x13, t0);
	wr(&r, RTC_MINUTES_ALARM, 0x46, t0);
	wr(&r, RTC_SECONDS_ALARM, 0x00, t0);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE, t0);
	assert_int_equal(rtc_irq_next_ns(&r), t0 + 30 * NS);
	assert_int_equal(rtc_irq_edges(&r, t0 + 30 * NS), 1);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 31 * NS), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* Next time: tomorrow. */
	assert_int_equal(rtc_irq_next_ns(&r), t0 + (30 + 86400) * NS);
	/* Minutes and hours don't care: every minute at :10. */
	wr(&r, RTC_HOURS_ALARM, 0xc0, t0 + 32 * NS);
	wr(&r, RTC_MINUTES_ALARM, 0xff, t0 + 32 * NS);
	wr(&r, RTC_SECONDS_ALARM, 0x10, t0 + 32 * NS);
	assert_int_equal(rtc_irq_next_ns(&r), t0 + 40 * NS);
	for (u64 k = 0; k < 5; k++) {
		next = rtc_irq_next_ns(&r);
		assert_int_equal(next, t0 + (40 + 60 * k) * NS);
		assert_int_equal(rtc_irq_edges(&r, next), 1);
		assert_int_equal(rd(&r, RTC_REG_C, next + MS) & RTC_C_AF, RTC_C_AF);
	}
	/* Not taken, not read: one rise (at the next alarm), then none. */
	assert_int_equal(rtc_irq_next_ns(&r), t0 + 340 * NS);
	assert_int_equal(rtc_irq_edges(&r, t0 + 1000 * NS), 1);
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 1000 * NS), RTC_C_IRQF | RTC_C_AF | RTC_C_UF);
	/* All three don't care: every second. */
	wr(&r, RTC_SECONDS_ALARM, 0xc0, t0 + 1000 * NS + 1);
	assert_int_equal(rtc_irq_next_ns(&r), t0 + 1001 * NS);
	/* AF without AIE: flagged, no interrupt. */
	wr(&r, RTC_REG_B, RTC_B_24H, t0 + 1001 * NS + 2);
	assert_int_equal(rtc_irq_edges(&r, t0 + 1001 * NS + 2), 1); /* the one before */
	rd(&r, RTC_REG_C, t0 + 1001 * NS + 3);
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 1003 * NS), RTC_C_AF | RTC_C_UF);
	assert_int_equal(rtc_irq_edges(&r, t0 + 1003 * NS), 0);
	/* An alarm byte that can never match. */
	wr(&r, RTC_SECONDS_ALARM, 0x60, t0 + 1004 * NS);
	/* (AF is set by the update at 1004 s: enabling AIE now would
	 * raise IRQ 8 at once.) */
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 1004 * NS), RTC_C_AF | RTC_C_UF);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_AIE, t0 + 1004 * NS);
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 2000 * NS), RTC_C_UF);

	/* Across midnight, 12-hour binary: alarm 12:00:05 AM at 11:59:50 PM. */
	init_at(&r, 2024, 12, 31, 23, 59, 50, t0);
	wr(&r, RTC_REG_A, RTC_A_DV_32KHZ, t0);
	wr(&r, RTC_REG_B, RTC_B_DM_BINARY, t0);
	wr(&r, RTC_HOURS_ALARM, 12, t0);
	wr(&r, RTC_MINUTES_ALARM, 0, t0);
	wr(&r, RTC_SECONDS_ALARM, 5, t0);
	wr(&r, RTC_REG_B, RTC_B_DM_BINARY | RTC_B_AIE, t0);
	assert_int_equal(rtc_irq_next_ns(&r), t0 + 15 * NS);
	/* 12 PM is noon, not midnight. */
	wr(&r, RTC_HOURS_ALARM, 0x80 | 12, t0);
	assert_int_equal(rtc_irq_next_ns(&r), t0 + (15 + 12 * 3600) * NS);
}

/*
 * Periodic interrupt: every rate select, with the handler reading C each
 * time (Linux's rtc-cmos): the edges come at exactly the rate, aligned on
 * the divider's seconds; PF is set at the rate whether PIE is or not.
 */
static void test_periodic(void **state)
{
	struct rtc r;
	u64 t0 = 4 * NS + 999;

	(void)state;
	for (unsigned rs = 1; rs <= 15; rs++) {
		u64 hz = rs <= 2 ? 256 >> (rs - 1) : 65536 >> rs, edges = 0, t;

		init_at(&r, 2024, 1, 1, 0, 0, 0, t0);
		wr(&r, RTC_REG_A, (u8)(RTC_A_DV_32KHZ | rs), t0);
		wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, t0);
		for (;;) {
			u64 next = rtc_irq_next_ns(&r);

			assert_true(next > t0);
			if (next > t0 + NS)
				break;
			edges++;
			/* Exactly k / hz s after the second began, rounded up. */
			assert_int_equal(next - t0, (edges * NS + hz - 1) / hz);
			assert_int_equal(rtc_irq_edges(&r, next), 1);
			t = next + 1;
			assert_int_equal(rd(&r, RTC_REG_C, t) & (RTC_C_IRQF | RTC_C_PF),
					 RTC_C_IRQF | RTC_C_PF);
		}
		assert_int_equal(edges, hz);
	}
	/* Not reading C: one edge only; PF without PIE: no edge. */
	init_at(&r, 2024, 1, 1, 0, 0, 0, t0);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, t0); /* 1024 Hz, A as at power-on */
	assert_int_equal(rtc_irq_edges(&r, t0 + NS), 1);
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS), RTC_C_IRQF | RTC_C_PF | RTC_C_UF);
	wr(&r, RTC_REG_B, RTC_B_24H, t0 + NS);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS + 976563), RTC_C_PF);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS + 976564), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS + 976565), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + NS + 2 * 976563), RTC_C_PF);
	/* RS = 0 or the divider in reset: none. */
	wr(&r, RTC_REG_A, RTC_A_DV_32KHZ, t0 + 2 * NS);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 2 * NS), RTC_C_PF | RTC_C_UF);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE, t0 + 2 * NS);
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	wr(&r, RTC_REG_A, RTC_A_DV_RESET | 6, t0 + 2 * NS);
	assert_int_equal(rtc_irq_next_ns(&r), 0);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 5 * NS), 0);
}

/* Many sources at once: IRQ 8 rises at the first enabled one, once. */
static void test_mixed_sources(void **state)
{
	struct rtc r;
	u64 t0 = NS;

	(void)state;
	init_at(&r, 2024, 1, 1, 0, 0, 0, t0);
	wr(&r, RTC_REG_A, RTC_A_DV_32KHZ | 15, t0); /* 2 Hz */
	wr(&r, RTC_SECONDS_ALARM, 0xc0, t0);
	wr(&r, RTC_MINUTES_ALARM, 0xc0, t0);
	wr(&r, RTC_HOURS_ALARM, 0xc0, t0);
	wr(&r, RTC_REG_B, RTC_B_24H | RTC_B_PIE | RTC_B_AIE | RTC_B_UIE, t0);
	assert_int_equal(rtc_irq_next_ns(&r), t0 + NS / 2);
	assert_int_equal(rtc_irq_edges(&r, t0 + 3 * NS), 1);
	assert_int_equal(rd(&r, RTC_REG_C, t0 + 3 * NS),
			 RTC_C_IRQF | RTC_C_PF | RTC_C_AF | RTC_C_UF);
	assert_int_equal(rtc_irq_next_ns(&r), t0 + 3 * NS + NS / 2);
	/* Two rises (with a read of C between) not yet taken: both. */
	rd(&r, RTC_REG_C, t0 + 4 * NS);
	assert_int_equal(rtc_irq_edges(&r, t0 + 5 * NS), 2);
}

/* NVRAM keeps what is written; C and D ignore writes; the index masks
 * bit 7 (NMI) and port 0x70 reads 0xff; a word write at 0x70 is index
 * and data. */
static void test_nvram_and_index(void **state)
{
	struct rtc r;
	u64 t0 = NS;
	u32 v;

	(void)state;
	init_at(&r, 2024, 1, 1, 0, 0, 0, t0);
	for (unsigned i = 0x0e; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(wr(&r, (u8)i, (u8)(i * 7 + 1), t0), RTC_HANDLED);
	for (unsigned i = 0x0e; i < RTC_CMOS_SIZE; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(rd(&r, (u8)i, t0 + 100 * NS), (u8)(i * 7 + 1));
	assert_int_equal(rd(&r, RTC_CENTURY, t0), 0x20);
	/* Alarms are plain bytes too. */
	wr(&r, RTC_SECONDS_ALARM, 0x77, t0);
	assert_int_equal(rd(&r, RTC_SECONDS_ALARM, t0 + NS), 0x77);
	/* C and D are read-only. */
	wr(&r, RTC_REG_C, 0xff, t0);
	wr(&r, RTC_REG_D, 0x00, t0);
	assert_int_equal(rd(&r, RTC_REG_D, t0), RTC_D_VRT);
	assert_int_equal(rd(&r, RTC_REG_C, t0), 0);
	/* UIP cannot be written. */
	wr(&r, RTC_REG_A, 0xa6, t0);
	assert_int_equal(rd(&r, RTC_REG_A, t0), 0x26);
	/* Bit 7 of the index is the NMI mask: kept, not part of the index. */
	v = RTC_NMI_MASK | 0x10;
	assert_int_equal(rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, t0), RTC_HANDLED);
	assert_true(r.nmi_masked);
	assert_int_equal(r.index, 0x10);
	assert_int_equal(rtc_io(&r, RTC_PORT_DATA, 1, false, &v, t0), RTC_HANDLED);
	assert_int_equal(v, (u8)(0x10 * 7 + 1));
	v = RTC_NMI_MASK | RTC_SECONDS;
	rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, t0 + 5 * NS);
	rtc_io(&r, RTC_PORT_DATA, 1, false, &v, t0 + 5 * NS);
	assert_int_equal(v, 0x05);
	v = 0x10;
	rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, t0);
	assert_false(r.nmi_masked);
	assert_int_equal(rtc_io(&r, RTC_PORT_INDEX, 1, false, &v, t0), RTC_HANDLED);
	assert_int_equal(v, 0xff);
	/* outw(0x70): index in the low byte, data in the high one. */
	v = 0xab00 | 0x40;
	assert_int_equal(rtc_io(&r, RTC_PORT_INDEX, 2, true, &v, t0), RTC_HANDLED);
	assert_int_equal(rd(&r, 0x40, t0), 0xab);
	/* inw(0x70): 0xff, then the data. */
	v = 0x40;
	rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, t0);
	assert_int_equal(rtc_io(&r, RTC_PORT_INDEX, 2, false, &v, t0), RTC_HANDLED);
	assert_int_equal(v, 0xabff);
	/* inl(0x70): two bytes beyond are no device. */
	assert_int_equal(rtc_io(&r, RTC_PORT_INDEX, 4, false, &v, t0), RTC_HANDLED);
	assert_int_equal(v, 0xffffabffu);
}

/* The port map, and which accesses move IRQ 8's schedule. */
static void test_ports(void **state)
{
	struct rtc r;
	u64 t0 = NS;
	u32 v = 0;

	(void)state;
	init_at(&r, 2024, 1, 1, 0, 0, 0, t0);
	assert_false(rtc_owns_port(0x6f, 1));
	assert_true(rtc_owns_port(0x6f, 2));
	assert_true(rtc_owns_port(0x70, 1));
	assert_true(rtc_owns_port(0x71, 4));
	assert_false(rtc_owns_port(0x72, 1));
	assert_false(rtc_owns_port(0x61, 1));
	assert_false(rtc_owns_port(0x6c, 4));
	assert_int_equal(rtc_io(&r, 0x72, 1, false, &v, t0), RTC_NOT_MINE);
	assert_int_equal(rtc_io(&r, 0x43, 1, true, &v, t0), RTC_NOT_MINE);
	assert_int_equal(rtc_io(&r, 0x70, 3, false, &v, t0), RTC_NOT_MINE);
	assert_int_equal(rtc_io(&r, 0x70, 8, false, &v, t0), RTC_NOT_MINE);
	/* 0x6f-0x70 as a word: the 0x6f byte reads 0xff and is dropped. */
	v = 0x0a00 | 0x55;
	assert_int_equal(rtc_io(&r, 0x6f, 2, true, &v, t0), RTC_HANDLED);
	assert_int_equal(r.index, RTC_REG_A);
	assert_int_equal(rtc_io(&r, 0x6f, 2, false, &v, t0), RTC_HANDLED);
	assert_int_equal(v, 0xffff);
	/* Results. */
	assert_int_equal(wr(&r, 0x20, 1, t0), RTC_HANDLED);
	assert_int_equal(wr(&r, RTC_SECONDS_ALARM, 1, t0), RTC_IRQ_CHANGED);
	assert_int_equal(wr(&r, RTC_REG_A, 0x26, t0), RTC_IRQ_CHANGED);
	assert_int_equal(wr(&r, RTC_CENTURY, 0x20, t0), RTC_IRQ_CHANGED);
	v = RTC_REG_C;
	rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, t0);
	assert_int_equal(rtc_io(&r, RTC_PORT_DATA, 1, false, &v, t0), RTC_IRQ_CHANGED);
	v = RTC_REG_D;
	rtc_io(&r, RTC_PORT_INDEX, 1, true, &v, t0);
	assert_int_equal(rtc_io(&r, RTC_PORT_DATA, 1, false, &v, t0), RTC_HANDLED);
}

/* Random accesses: reads are bytes, the clock never goes backwards while
 * it runs untouched, edges come at or after their announced time. */
static void test_random(void **state)
{
	struct rtc r;
	u64 t = NS, seed = 99;

	(void)state;
	init_at(&r, 2024, 5, 5, 5, 5, 5, t);
	for (unsigned i = 0; i < 100000; i++) {
		u32 v;
		u64 next;
		u8 reg;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		v = (u32)(seed >> 33);
		t += (seed >> 16) % (50 * MS);
		reg = (u8)(v & 0x0f);
		if (reg == 0x0e)
			reg = RTC_CENTURY;
		if ((v >> 5) % 4 == 0) {
			u8 val = (u8)(v >> 8);

			/* Do not stop the divider for good. */
			if (reg == RTC_REG_A)
				val = (u8)((val & 0x8f) | RTC_A_DV_32KHZ);
			wr(&r, reg, val, t);
		} else {
			rd(&r, reg, t);
		}
		next = rtc_irq_next_ns(&r);
		if (rtc_irq_edges(&r, t))
			assert_true(next != 0 && next <= t);
		else
			assert_true(next == 0 || next > t);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_cmos),
		cmocka_unit_test(test_power_on),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_boundaries),
		cmocka_unit_test(test_calendar_against_gmtime),
		cmocka_unit_test(test_uip),
		cmocka_unit_test(test_set_time),
		cmocka_unit_test(test_write_running_and_clamp),
		cmocka_unit_test(test_update_irq),
		cmocka_unit_test(test_alarm),
		cmocka_unit_test(test_periodic),
		cmocka_unit_test(test_mixed_sources),
		cmocka_unit_test(test_nvram_and_index),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
