/*
 * spin: says so once, then spins with interrupts off and never exits on
 * its own: no I/O, no CPUID, no HLT. Beside it, a console that shares its
 * CPU (console_cpu = none) must still answer: only the hypervisor's
 * preemption timer brings the CPU back (docs/console.md, section 8).
 */
#include "guest.h"

void guest_main(u32 magic, u32 mbi)
{
	volatile u32 n = 0;

	(void)magic;
	(void)mbi;
	printf("spin: spinning with interrupts off\n");
	__asm__ volatile("cli");
	for (;;)
		n++;
}
