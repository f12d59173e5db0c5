/*
 * Reading the machine's RTC (tessera/rtc.h decodes the bytes). MC146818A
 * datasheet: while register A's UIP bit is 0 an update is at least 244 us
 * away, so the time bytes read right after form one consistent date. Read
 * twice and compare, as Linux's mc146818_get_time() does, in case an
 * update began between the check and the reads.
 */
#include <drivers/cmos_rtc.h>
#include <arch/cpu.h>

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80 /* bit 7 of the index: keep NMIs masked while we read */
#define RTC_REG_A 0x0a
#define RTC_REG_B 0x0b
#define RTC_UIP 0x80
#define RTC_CENTURY 0x32 /* the usual place; the FADT's CENTURY names it */
#define UIP_POLLS 1000000u

static u8 cmos_read(u8 reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

static bool read_raw(struct rtc_cmos_raw *r)
{
	unsigned n = 0;

	while (cmos_read(RTC_REG_A) & RTC_UIP)
		if (++n == UIP_POLLS)
			return false; /* an RTC that never ends its update */
	r->seconds = cmos_read(0x00);
	r->minutes = cmos_read(0x02);
	r->hours = cmos_read(0x04);
	r->day = cmos_read(0x07);
	r->month = cmos_read(0x08);
	r->year = cmos_read(0x09);
	r->century = cmos_read(RTC_CENTURY);
	r->reg_b = cmos_read(RTC_REG_B);
	return true;
}

bool cmos_rtc_read(struct rtc_datetime *out)
{
	struct rtc_cmos_raw a, b;

	for (unsigned tries = 0; tries < 4; tries++) {
		if (!read_raw(&a) || !read_raw(&b))
			return false;
		if (a.seconds == b.seconds && a.minutes == b.minutes && a.hours == b.hours &&
		    a.day == b.day && a.month == b.month && a.year == b.year)
			return rtc_decode_cmos(&b, out);
	}
	return false;
}
