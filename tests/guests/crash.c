/*
 * crash: dies by triple fault, so a test can check that Tessera stops
 * (on_crash = stop) or restarts (on_crash = restart) just this partition.
 *
 * Prints "crash: about to triple fault", then nothing.
 *
 * With an IDT limit of 0 no vector can be delivered: ud2 raises #UD, its
 * delivery raises #GP, that one #DF, and a fault while delivering #DF is a
 * triple fault (SDM Vol. 3A 6.15, interrupt 8: "Double Fault Exception"),
 * which in a VMX guest is a VM exit (reason 2).
 */
#include "guest.h"

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	printf("crash: about to triple fault\n");
	struct {
		u16 limit;
		u32 base;
	} __attribute__((packed)) empty = { 0, 0 };
	__asm__ volatile("lidt %0\n\tud2" : : "m"(empty) : "memory");
	for (;;)
		; /* not reached */
}
