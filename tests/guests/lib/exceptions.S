/*
 * Exception entry stubs for the guest's 32-bit IDT (SDM Vol. 3A 6.12:
 * ring 0 to ring 0, so the CPU pushes EFLAGS, CS, EIP and, for some
 * vectors, an error code on the current stack).
 */
#include "layout.h"

	.text
	.code32


	.macro stub v
	.balign 16
exc_stub_\v:
	/* Vectors with an error code: SDM Vol. 3A 6.15, Table 6-1. */
	.if !(\v == 8 || (\v >= 10 && \v <= 14) || \v == 17 || \v == 21 || \v == 29 || \v == 30)
	push $0                    /* uniform frame: a dummy error code */
	.endif
	push $\v
	jmp exc_common
	.endm

	.globl exc_stubs
	.balign 16
exc_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	stub \v
	.endr

/* Table of the 32 stub addresses, for idt.c. */
	.section .rodata
	.balign 4
	.globl exc_stub_table
exc_stub_table:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.long exc_stub_\v
	.endr

	.text
/* Stack here: vector, error code, EIP, CS, EFLAGS. */
exc_common:
	cmpl $0, probe_fixup
	je 1f
	/* A probe is armed: note the vector and resume at its fixup. */
	push %eax
	mov 4(%esp), %eax
	mov %eax, probe_vector
	mov probe_fixup, %eax
	mov %eax, 12(%esp)         /* the saved EIP */
	movl $0, probe_fixup
	pop %eax
	add $8, %esp               /* vector and error code */
	iret
1:	/* Not expected: report and stop. exc_fatal(vector, error, eip). */
	mov 8(%esp), %eax
	push %eax
	mov 8(%esp), %eax
	push %eax
	mov 8(%esp), %eax
	push %eax
	call exc_fatal
2:	cli
	hlt
	jmp 2b

/* Vectors 32-255: nothing in a partition should interrupt us, but an
 * interrupt while idling with IF=1 must not be fatal. */
	.globl irq_ignore
irq_ignore:
	iret

	.section .note.GNU-stack, "", @progbits
