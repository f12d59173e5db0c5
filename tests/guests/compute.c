/*
 * compute: runs the fixed workload of compute_work.c once, timed by the
 * TSC, then exits through HC_EXIT(0).
 *
 * Prints:
 *   compute: checksum=0xf77981a6 cycles=N    (COMPUTE_CHECKSUM; N = TSC delta)
 *   COMPUTE-DONE
 * A different checksum means the CPU computed something wrong: print it
 * anyway, the test compares.
 */
#include "compute_work.h"
#include "guest.h"

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	u64 t0 = rdtsc();
	u32 sum = compute_work(COMPUTE_ITERATIONS);
	u64 t1 = rdtsc();
	printf("compute: checksum=0x%08x cycles=%llu\n", sum, t1 - t0);
	printf("COMPUTE-DONE\n");
	int32_t r = hc_exit(0);
	if (r == HC_NOT_PRESENT)
		printf("compute: no hypervisor, halting\n");
	else
		printf("compute: HC_EXIT returned %d\n", (int)r);
}
