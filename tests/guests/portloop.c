/*
 * portloop: reads a port it does not own (0x60, the keyboard's) as fast as
 * it can for a number of guest seconds ("seconds=N" on the command line,
 * default 10), in a partition with violations = report. Every read is a
 * denied-port event: its counter must hold them all, while the log shows
 * a bounded number of lines and the console stays responsive.
 *
 * Prints:
 *   portloop: reading port 0x60 for N s
 *   portloop: R reads of port 0x60 in N s
 *   PORTLOOP-DONE
 * The TSC rate comes from CPUID leaf 15H (TSC/crystal ratio times the
 * crystal frequency, SDM Vol. 2A CPUID), which Tessera fills in.
 */
#include "guest.h"

static u64 tsc_hz(void)
{
	u32 a, b, c, d;

	cpuid(0x15, 0, &a, &b, &c, &d);
	if (!a || !b || !c)
		return 50000000; /* Bochs' rate: only without a hypervisor */
	/* 32-bit division first: this guest has no libgcc for u64 ones. */
	return (u64)(c / a) * b;
}

void guest_main(u32 magic, u32 mbi)
{
	const struct mb_info *mb = magic == MB_BOOT_MAGIC ? mb_get(mbi) : NULL;
	u32 seconds = cmdline_uint(mb_cmdline(mb), "seconds=", 10), reads = 0;
	u64 end;

	printf("portloop: reading port 0x60 for %u s\n", seconds);
	end = rdtsc() + tsc_hz() * seconds;
	while (rdtsc() < end) {
		(void)inb(0x60);
		reads++;
	}
	printf("portloop: %u reads of port 0x60 in %u s\n", reads, seconds);
	printf("PORTLOOP-DONE\n");
}
