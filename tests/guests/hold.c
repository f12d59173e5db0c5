/*
 * hold: asks a test build of Tessera (TESSERA_TEST_HOOKS) to hold its vCPU
 * in the hypervisor, deaf to stop requests, for "ms=N" milliseconds
 * (default 8000): a stop that cannot complete. Then it spins.
 *
 * Prints:
 *   hold: holding for N ms
 *   hold: HC_TEST_HOLD returned R    (R = 0 in a test build; -1, HC_ENOSYS,
 *                                      in a normal one; -100 without a
 *                                      hypervisor)
 */
#include "guest.h"

void guest_main(u32 magic, u32 mbi)
{
	const struct mb_info *mb = magic == MB_BOOT_MAGIC ? mb_get(mbi) : NULL;
	u32 ms = cmdline_uint(mb_cmdline(mb), "ms=", 8000);
	volatile u32 n = 0;

	printf("hold: holding for %u ms\n", ms);
	printf("hold: HC_TEST_HOLD returned %d\n", (int)hc_call(HC_TEST_HOLD, ms, 0, 0));
	for (;;)
		n++;
}
