/*
 * platform: the PC devices every partition has, used as a bare-metal
 * kernel uses them at boot (tessera/platform.h):
 *  - the RTC (MC146818 at 0x70/0x71): waits for UIP to clear, reads the
 *    date in whatever encoding register B says, checks an NVRAM byte;
 *  - the PIT (8254): calibrates the TSC with channel 2 in mode 0, gated
 *    through port 0x61 and polled on OUT2 (bit 5), as Linux's
 *    pit_calibrate_tsc() does, and prints it beside the rate CPUID 15H
 *    gives.
 *
 * Prints:
 *   platform: rtc YYYY-MM-DD hh:mm:ss
 *   platform: nvram ok                      (or "nvram lost")
 *   platform: pit 65536 ticks = N tsc cycles: tsc H Hz, cpuid says C Hz
 *   PLATFORM-DONE
 */
#include "guest.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define PIT_CH2 0x42
#define PIT_CTRL 0x43
#define PORT_B 0x61
#define PIT_HZ 1193182u

static u8 cmos(u8 reg)
{
	outb(CMOS_INDEX, reg);
	return inb(CMOS_DATA);
}

static u32 from_bcd(u8 v, bool bcd)
{
	return bcd ? (u32)(v >> 4) * 10 + (v & 15) : v;
}

static void read_rtc(void)
{
	u32 spins = 0;
	u8 b;
	bool bcd;

	while ((cmos(0x0a) & 0x80) && ++spins < 10000000u) /* UIP: an update is coming */
		;
	b = cmos(0x0b);
	bcd = !(b & 0x04);
	u32 sec = from_bcd(cmos(0x00), bcd), min = from_bcd(cmos(0x02), bcd);
	u32 hour = from_bcd(cmos(0x04) & 0x7f, bcd), day = from_bcd(cmos(0x07), bcd);
	u32 mon = from_bcd(cmos(0x08), bcd), year = from_bcd(cmos(0x09), bcd);
	u32 century = from_bcd(cmos(0x32), bcd);

	if (!(b & 0x02) && (cmos(0x04) & 0x80)) /* 12-hour mode, PM */
		hour = hour % 12 + 12;
	printf("platform: rtc %u%02u-%02u-%02u %02u:%02u:%02u\n", century, year, mon, day, hour,
	       min, sec);
	outb(CMOS_INDEX, 0x40);
	outb(CMOS_DATA, 0xa5);
	printf("platform: nvram %s\n", cmos(0x40) == 0xa5 ? "ok" : "lost");
}

/* Channel 2, mode 0, count 0 (= 65536): OUT2 rises 65536 PIT clocks
 * after the gate opens. */
static void calibrate(void)
{
	u32 a, b, c, d, spins = 0;
	u64 t0, t1, hz, claimed = 0;

	outb(PORT_B, (u8)((inb(PORT_B) & ~0x02) | 0x01)); /* gate 2 on, speaker off */
	outb(PIT_CTRL, 0xb0);                               /* ch 2, LSB then MSB, mode 0 */
	outb(PIT_CH2, 0);
	t0 = rdtsc();
	outb(PIT_CH2, 0); /* the count starts now */
	while (!(inb(PORT_B) & 0x20) && ++spins < 100000000u)
		;
	t1 = rdtsc();
	hz = ((t1 - t0) * PIT_HZ) >> 16;
	cpuid(0x15, 0, &a, &b, &c, &d);
	if (a && b && c)
		claimed = (u64)(c / a) * b;
	printf("platform: pit 65536 ticks = %llu tsc cycles: tsc %llu Hz, cpuid says %llu Hz\n",
	       t1 - t0, hz, claimed);
}

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	read_rtc();
	calibrate();
	printf("PLATFORM-DONE\n");
}
