/*
 * Fixed addresses and sizes of the test guests, shared by the C and the
 * assembly files (so: #defines only).
 */
#ifndef GUEST_LAYOUT_H
#define GUEST_LAYOUT_H

/* Selectors of the guest's own GDT (start.S). Multiboot spec 3.2: the
 * GDTR the loader leaves may be invalid, so the guest loads its own GDT
 * before any segment load or exception can happen. */
#define SEL_CODE 0x08
#define SEL_DATA 0x10

/* Where the real-mode AP trampoline is copied. A SIPI vector is a page
 * number below 1 MiB (SDM Vol. 3A 9.4.4), and Tessera leaves
 * 0x8000..0xA0000 free (the multiboot info lives at 0x1000..0x8000). */
#define TRAMPOLINE_BASE 0x8000
#define TRAMPOLINE_VECTOR (TRAMPOLINE_BASE >> 12)

#define BSP_STACK_SIZE 16384
#define AP_STACK_SIZE 4096
#define AP_MAX 16 /* HC_MAX_VCPUS */

#endif
