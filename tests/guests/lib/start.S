/*
 * Entry of every test guest: the Multiboot v1 header and the code the
 * loader jumps to. (Multiboot Specification 0.6.96.)
 */
#include "layout.h"

#define MB_MAGIC 0x1BADB002
/* 3.1.2 flags: bit 0 = page-align modules, bit 1 = give memory info.
 * Not bit 16 (a.out kludge): we are an ELF, loaded by its headers. */
#define MB_FLAGS 0x00000003

/* 3.1.1: the header must lie 32-bit aligned in the first 8192 bytes of
 * the file; guest.ld puts this section first. */
	.section .multiboot, "a"
	.balign 4
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS) /* 3.1.2: magic + flags + checksum == 0 */

	.text
	.code32
	.globl _start
_start:
	/* 3.2 machine state: 32-bit protected mode, paging and interrupts
	 * off, EAX = 0x2BADB002, EBX = info address, ESP undefined. Keep
	 * EAX/EBX in callee-saved registers while we set up. */
	cli
	cld
	mov %eax, %esi
	mov %ebx, %ebp
	/* 3.2: "GDTR may be invalid" - load ours before any segment load.
	 * An IDT gate's selector refers to it too. */
	lgdt gdt_desc
	ljmp $SEL_CODE, $1f
1:	mov $SEL_DATA, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %fs
	mov %eax, %gs
	mov %eax, %ss
	/* Zero .bss ourselves: cheap, and we then rely on no loader detail. */
	mov $__bss_start, %edi
	mov $__bss_end, %ecx
	sub %edi, %ecx
	xor %eax, %eax
	rep stosb
	mov $bsp_stack + BSP_STACK_SIZE, %esp
	xor %eax, %eax
	push %eax                  /* no return address for backtraces */
	/* IDT + probe support before anything can fault (the first VMCALL
	 * #UDs when there is no hypervisor). */
	call lib_init
	push %ebp                  /* mbi */
	push %esi                  /* magic */
	call guest_main
	add $8, %esp
	call guest_idle            /* does not return */
2:	cli
	hlt
	jmp 2b

	/* Flat 4 GiB code and data segments (SDM Vol. 3A 3.4.5). */
	.section .rodata
	.balign 8
	.globl gdt
gdt:
	.quad 0
	.quad 0x00CF9A000000FFFF   /* 0x08: code, base 0, limit 4 GiB, 32-bit */
	.quad 0x00CF92000000FFFF   /* 0x10: data, base 0, limit 4 GiB */
gdt_end:
	.globl gdt_desc
gdt_desc:
	.word gdt_end - gdt - 1
	.long gdt

	.bss
	.balign 16
bsp_stack:
	.skip BSP_STACK_SIZE

	.section .note.GNU-stack, "", @progbits
