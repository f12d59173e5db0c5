/*
 * flood: writes to its UART as fast as it can, forever, with a CPUID
 * between lines. The console must stay responsive beside it (the
 * console test types commands while this runs) and the per-reason exit
 * counters must rise.
 */
#include "guest.h"

void guest_main(u32 magic, u32 mbi)
{
	u32 a, b, c, d;

	(void)magic;
	(void)mbi;
	printf("flood: start\n");
	for (u32 n = 0;; n++) {
		cpuid(0, 0, &a, &b, &c, &d);
		printf("flood: line %u xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", n);
	}
}
