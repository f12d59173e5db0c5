/*
 * Entry points into the core.
 *
 * _start: where the UEFI loader jumps, after ExitBootServices(), on the
 * bootstrap processor. RDI holds struct boot_info * (System V ABI). We are
 * still on the firmware's stack, GDT and page tables; the first thing is a
 * stack of our own, because the firmware's lives in boot-services memory
 * that the hypervisor will reuse.
 *
 * ap_entry: where the AP trampoline (trampoline.S) jumps once an AP is in
 * 64-bit mode, with RSP = its own stack and RDI = its struct pcpu *.
 */
	.section .text.entry, "ax"
	.globl _start
_start:
	cli
	cld
	leaq boot_stack_top(%rip), %rsp
	xorl %ebp, %ebp
	call hv_main            /* does not return */
1:	cli
	hlt
	jmp 1b

	.text
	.globl ap_entry
ap_entry:
	cld
	xorl %ebp, %ebp
	call ap_main            /* 'call' leaves RSP as the ABI expects at entry */
1:	cli
	hlt
	jmp 1b

	.section .bss
	.balign 16
boot_stack:
	.skip 32768
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
