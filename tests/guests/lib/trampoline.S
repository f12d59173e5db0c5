/*
 * Application processor start-up. After INIT-SIPI-SIPI (SDM Vol. 3A
 * 9.4.4) an AP runs in real mode at CS:IP = (vector << 8):0000, i.e. at
 * physical vector << 12. ap_start() copies ap_tramp_start..ap_tramp_end to
 * TRAMPOLINE_BASE; the code there is position dependent only through
 * TRAMPOLINE_BASE. It enters 32-bit protected mode with its own GDT
 * (SDM Vol. 3A, "Switching to Protected Mode") and far-jumps into the
 * kernel proper, where every AP takes a stack slot and calls ap_main_c().
 */
#include "layout.h"

	.text
	.code16
	.globl ap_tramp_start, ap_tramp_end
ap_tramp_start:
	cli
	cld
	mov %cs, %ax               /* CS = vector << 8: address our own page */
	mov %ax, %ds
	lgdtl ap_tramp_gdtr - ap_tramp_start
	mov %cr0, %eax
	or $1, %eax                /* CR0.PE; paging stays off */
	mov %eax, %cr0
	ljmpl $SEL_CODE, $ap_start32   /* 32-bit offset: anywhere in 4 GiB */

	.balign 8
ap_tramp_gdt:                      /* same layout as start.S's GDT */
	.quad 0
	.quad 0x00CF9A000000FFFF
	.quad 0x00CF92000000FFFF
ap_tramp_gdtr:
	.word 23
	.long TRAMPOLINE_BASE + (ap_tramp_gdt - ap_tramp_start)
ap_tramp_end:

	.code32
ap_start32:
	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss
	lgdt gdt_desc              /* the kernel's GDT, not the copy below 1 MiB */
	ljmp $SEL_CODE, $1f
1:	mov $1, %eax
	lock xadd %eax, ap_next_slot   /* slot = arrival order */
	cmp $AP_MAX, %eax
	jae 3f                     /* more APs than stacks: park it */
	lea 1(%eax), %ecx
	shl $12, %ecx              /* AP_STACK_SIZE == 4096 */
	add $ap_stacks, %ecx
	mov %ecx, %esp
	xor %ecx, %ecx
	push %ecx                  /* keep 16-byte-ish alignment sane */
	push %eax
	call ap_main_c             /* does not return */
3:	cli
	hlt
	jmp 3b

	.bss
	.balign 16
ap_stacks:
	.skip AP_STACK_SIZE * AP_MAX
	.balign 4
	.globl ap_next_slot
ap_next_slot:
	.long 0

	.section .note.GNU-stack, "", @progbits
