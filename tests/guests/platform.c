/*
 * platform: the PC devices every partition has, used as a bare-metal
 * kernel uses them at boot (tessera/platform.h), through lib/pc.c:
 *  - the RTC (MC146818 at 0x70/0x71): waits for UIP to clear, reads the
 *    date in whatever encoding register B says, checks an NVRAM byte;
 *  - the PIT (8254): calibrates the TSC with channel 2 in mode 0, gated
 *    through port 0x61 and polled on OUT2 (bit 5), as Linux's
 *    pit_calibrate_tsc() does, and prints it beside the rate CPUID 15H
 *    gives;
 *  - the firmware tables, found as a legacy OS finds them (a Multiboot v1
 *    kernel is told nothing of ACPI): the RSDP by its signature and
 *    checksum on 16-byte boundaries in the EBDA's first KiB and in
 *    0xE0000-0xFFFFF (ACPI 6.5 5.2.5.1), then the XSDT (or the RSDT) and
 *    the MADT, whose processor local APIC entries it counts and whose
 *    I/O APIC entry it reads.
 *
 * Prints:
 *   platform: rtc YYYY-MM-DD hh:mm:ss
 *   platform: nvram ok                      (or "nvram lost")
 *   platform: pit 65536 ticks = N tsc cycles: tsc H Hz, cpuid says C Hz
 *   platform: rsdp at 0xA rev R, madt: N cpus, ioapic at 0xB gsi G, checksums ok
 *             (or "checksums BAD"; "platform: no rsdp" or "platform: rsdp at
 *             0xA rev R, no madt" when it finds less)
 *   PLATFORM-DONE
 */
#include "guest.h"

static void read_rtc(void)
{
	struct rtc_time t;

	rtc_read(&t); /* lib/pc.c */
	printf("platform: rtc %u-%02u-%02u %02u:%02u:%02u\n", t.year, t.mon, t.day, t.hour, t.min,
	       t.sec);
	cmos_write(0x40, 0xa5);
	printf("platform: nvram %s\n", cmos_read(0x40) == 0xa5 ? "ok" : "lost");
}

/* Channel 2, mode 0, count 0 (= 65536): OUT2 rises 65536 PIT clocks
 * after the gate opens. */
static void calibrate(void)
{
	u32 a, b, c, d;
	u64 t0, t1, hz, claimed = 0;

	pit_ch2_arm();
	t0 = rdtsc();
	pit_ch2_start();
	pit_ch2_wait();
	t1 = rdtsc();
	hz = ((t1 - t0) * PIT_HZ) >> 16;
	cpuid(0x15, 0, &a, &b, &c, &d);
	if (a && b && c)
		claimed = (u64)(c / a) * b;
	printf("platform: pit 65536 ticks = %llu tsc cycles: tsc %llu Hz, cpuid says %llu Hz\n",
	       t1 - t0, hz, claimed);
}

/* ------------------------------------------------ firmware tables */

static u32 rd32(u32 a)
{
	return peek32(a);
}

static u8 rd8(u32 a)
{
	return *(const volatile u8 *)a;
}

static bool sum_ok(u32 a, u32 len)
{
	u8 s = 0;

	for (u32 i = 0; i < len; i++)
		s = (u8)(s + rd8(a + i));
	return s == 0;
}

/* ACPI 6.5 5.2.5.3: "RSD PTR ", the checksum of the first 20 bytes and,
 * from revision 2, the extended checksum over Length bytes. */
static bool rsdp_at(u32 a)
{
	static const char sig[8] = "RSD PTR ";
	u32 len;

	for (u32 i = 0; i < 8; i++)
		if (rd8(a + i) != (u8)sig[i])
			return false;
	if (!sum_ok(a, 20))
		return false;
	if (rd8(a + 15) < 2)
		return true;
	len = rd32(a + 20);
	return len >= 36 && len <= 0x1000 && sum_ok(a, len);
}

static u32 scan_rsdp(u32 from, u32 to)
{
	for (u32 a = from; a + 20 <= to; a += 16)
		if (rsdp_at(a))
			return a;
	return 0;
}

/* ACPI 6.5 5.2.5.1: the first KiB of the EBDA, whose segment the BIOS
 * data area keeps at 0x40e, then the BIOS area 0xE0000-0xFFFFF. */
static u32 find_rsdp(void)
{
	u32 ebda = (peek32(0x40c) >> 16) << 4, r = 0;

	if (ebda >= 0x400 && ebda < 0xa0000)
		r = scan_rsdp(ebda, ebda + 1024);
	return r ? r : scan_rsdp(0xe0000, 0x100000);
}

/* The MADT (5.2.12): after its 44-byte header, entries of {type, length}.
 * Type 0, processor local APIC (5.2.12.2): flags at 4, bit 0 enabled;
 * type 9, processor local x2APIC (5.2.12.12): flags at 8; type 1, I/O
 * APIC (5.2.12.3): ID at 2, address at 4, GSI base at 8. */
static void read_madt(u32 madt, u32 *ncpus, u32 *ioapic, u32 *gsi)
{
	u32 end = madt + rd32(madt + 4);

	*ncpus = 0;
	*ioapic = 0;
	*gsi = 0;
	for (u32 e = madt + 44; e + 2 <= end && rd8(e + 1) >= 2; e += rd8(e + 1)) {
		u8 type = rd8(e);

		if ((type == 0 && (rd32(e + 4) & 1)) || (type == 9 && (rd32(e + 8) & 1)))
			(*ncpus)++;
		else if (type == 1 && !*ioapic) {
			*ioapic = rd32(e + 4);
			*gsi = rd32(e + 8);
		}
	}
}

static void find_tables(void)
{
	u32 rsdp = find_rsdp(), rev, root, esize, madt = 0, ncpus, ioapic, gsi;
	bool ok;

	if (!rsdp) {
		printf("platform: no rsdp\n");
		return;
	}
	/* Revision 2+: the XSDT, 64-bit entries (read by their low half: the
	 * tables lie below 4 GiB); else the RSDT's 32-bit ones (5.2.7, 5.2.8). */
	rev = rd8(rsdp + 15);
	root = rev >= 2 ? rd32(rsdp + 24) : rd32(rsdp + 16);
	esize = rev >= 2 ? 8 : 4;
	ok = root && rd32(root) == (rev >= 2 ? 0x54445358u : 0x54445352u) && /* XSDT, RSDT */
	     sum_ok(root, rd32(root + 4));
	for (u32 e = root + 36; ok && e + esize <= root + rd32(root + 4); e += esize)
		if (rd32(rd32(e)) == 0x43495041u) /* "APIC" */
			madt = rd32(e);
	if (!madt) {
		printf("platform: rsdp at 0x%x rev %u, no madt\n", rsdp, rev);
		return;
	}
	ok = ok && sum_ok(madt, rd32(madt + 4));
	read_madt(madt, &ncpus, &ioapic, &gsi);
	printf("platform: rsdp at 0x%x rev %u, madt: %u cpus, ioapic at 0x%x gsi %u, checksums "
	       "%s\n", rsdp, rev, ncpus, ioapic, gsi, ok ? "ok" : "BAD");
}

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	read_rtc();
	calibrate();
	find_tables();
	printf("PLATFORM-DONE\n");
}
