/*
 * AP start-up trampoline: real mode -> protected mode -> long mode.
 *
 * A started AP begins in real mode at CS:IP = (vector << 8):0000, i.e. at
 * the start of the 4 KiB page the SIPI vector names (SDM Vol. 3A 9.4.4.1).
 * smp.c copies this code to the page below 1 MiB that the loader kept and
 * fills in the parameter block at its end; every address below is
 * therefore an offset from trampoline_start, and %ebx holds the page's
 * linear address once we know it.
 *
 *   real mode (16-bit) --lgdt, CR0.PE--> protected mode (32-bit, flat)
 *   --CR4.PAE, CR3, EFER.LME, CR0.PG--> compatibility mode
 *   --far jump to a 64-bit code segment--> 64-bit mode --> ap_entry
 *   (SDM Vol. 3A 10.8.5 "Initializing IA-32e Mode")
 */
#define OFF(sym) ((sym) - trampoline_start)

#define CR0_PE 0x00000001
#define CR0_NE 0x00000020
#define CR0_WP 0x00010000
#define CR0_PG 0x80000000
#define CR4_PAE 0x00000020
#define MSR_EFER 0xc0000080
#define EFER_LME 0x00000100

	.section .rodata.trampoline, "a"
	.code16
	.globl trampoline_start
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	xorl %ebx, %ebx
	movw %ax, %bx
	shll $4, %ebx                   /* ebx = linear address of this page */

	lgdtl OFF(tr_gdtr)              /* base filled in by smp.c */
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl *OFF(tr_far32)            /* -> pm32, CS = 32-bit flat code */

	.code32
	.globl tr_pm32
tr_pm32:
pm32:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss

	movl %cr4, %eax
	orl $CR4_PAE, %eax
	movl %eax, %cr4
	movl OFF(tr_cr3)(%ebx), %eax    /* the hypervisor's 1:1 tables, < 4 GiB */
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	rdmsr
	orl $EFER_LME, %eax
	wrmsr
	/* After INIT, CR0 has CD and NW set (caches off, SDM Vol. 3A Table 10-1):
	 * start from a clean value with paging, native FPU errors, WP. */
	movl $(CR0_PE | CR0_NE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0
	ljmpl *OFF(tr_far64)(%ebx)      /* -> lm64, CS = 64-bit code */

	.code64
	.globl tr_lm64
tr_lm64:
lm64:
	movl %ebx, %ebx                 /* upper half of RBX is undefined here */
	movq OFF(tr_stack)(%rbx), %rsp
	movq OFF(tr_pcpu)(%rbx), %rdi
	movq OFF(tr_entry)(%rbx), %rax
	movl $1, OFF(tr_started)(%rbx)  /* the BSP may now reuse this page */
	jmpq *%rax

	/* Parameter block, filled in by smp.c before each SIPI. */
	.balign 16
	.globl tr_gdt
tr_gdt:
	.quad 0
	.quad 0x00cf9a000000ffff        /* 0x08: 32-bit code, flat */
	.quad 0x00cf92000000ffff        /* 0x10: data, flat */
	.quad 0x00af9a000000ffff        /* 0x18: 64-bit code */
	.globl tr_gdtr
tr_gdtr:
	.word 4 * 8 - 1
	.long 0                         /* linear address of tr_gdt */
	.globl tr_far32
tr_far32:
	.long 0                         /* linear address of pm32 */
	.word 0x08
	.globl tr_far64
tr_far64:
	.long 0                         /* linear address of lm64 */
	.word 0x18
	.globl tr_cr3
tr_cr3:
	.long 0
	.balign 4
	.globl tr_started
tr_started:
	.long 0
	.balign 8
	.globl tr_stack
tr_stack:
	.quad 0
	.globl tr_pcpu
tr_pcpu:
	.quad 0
	.globl tr_entry
tr_entry:
	.quad 0
	.globl trampoline_end
trampoline_end:


	.section .note.GNU-stack, "", @progbits
