/*
 * The PC devices a bare-metal kernel reads at boot (guest.h, "PC
 * devices"): the RTC/CMOS and PIT channel 2. Shared by the platform and
 * apic guests.
 *  - RTC: MC146818 registers 0x00-0x09 (time and date), 0x0A bit 7 (UIP:
 *    an update is coming, the time registers may be mid-change), 0x0B
 *    bit 2 (binary rather than BCD) and bit 1 (24-hour), 0x32 the century
 *    (the ACPI FADT's usual CENTURY index).
 *  - PIT: Intel 8254 data sheet (231164), mode 0 "interrupt on terminal
 *    count": OUT goes high when the count reaches 0. Channel 2's gate is
 *    port 0x61 bit 0 and its OUT is readable in bit 5, as Linux's
 *    pit_calibrate_tsc() uses them.
 */
#include "guest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define PIT_CH2 0x42
#define PIT_CTRL 0x43
#define PORT_B 0x61

u8 cmos_read(u8 reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

void cmos_write(u8 reg, u8 v)
{
	outb(CMOS_INDEX, reg);
	outb(CMOS_DATA, v);
}

static u32 from_bcd(u8 v, bool bcd)
{
	return bcd ? (u32)(v >> 4) * 10 + (v & 15) : v;
}

void rtc_read(struct rtc_time *t)
{
	u32 spins = 0;
	u8 b;
	bool bcd;

	while ((cmos_read(0x0a) & 0x80) && ++spins < 10000000u) /* UIP */
		;
	b = cmos_read(0x0b);
	bcd = !(b & 0x04);
	t->sec = from_bcd(cmos_read(0x00), bcd);
	t->min = from_bcd(cmos_read(0x02), bcd);
	t->hour = from_bcd(cmos_read(0x04) & 0x7f, bcd);
	t->day = from_bcd(cmos_read(0x07), bcd);
	t->mon = from_bcd(cmos_read(0x08), bcd);
	t->year = from_bcd(cmos_read(0x09), bcd);
	t->year += from_bcd(cmos_read(0x32), bcd) * 100;
	if (!(b & 0x02) && (cmos_read(0x04) & 0x80)) /* 12-hour mode, PM */
		t->hour = t->hour % 12 + 12;
}

void pit_ch2_arm(void)
{
	outb(PORT_B, (u8)((inb(PORT_B) & ~0x02) | 0x01)); /* gate 2 on, speaker off */
	outb(PIT_CTRL, 0xb0);                               /* ch 2, LSB then MSB, mode 0 */
	outb(PIT_CH2, 0);
}

void pit_ch2_start(void)
{
	outb(PIT_CH2, 0); /* the count starts now */
}

bool pit_ch2_wait(void)
{
	u32 spins = 0;

	while (!(inb(PORT_B) & 0x20))
		if (++spins >= 100000000u)
			return false;
	return true;
}
