/*
 * Entering the guest and coming back.
 *
 * int vmx_enter(struct guest_regs *regs, int launched)
 *   Saves the host's callee-saved registers, records the stack pointer as
 *   HOST_RSP, loads the guest's general registers from *regs and executes
 *   VMLAUNCH (first entry) or VMRESUME. Returns:
 *     0  after a VM exit (the guest's registers are back in *regs)
 *     1  VMfailInvalid, 2 VMfailValid: the entry instruction itself failed
 *        (SDM Vol. 3C 31.2; the reason is in VM_INSTRUCTION_ERROR).
 *
 * vmx_exit_stub is HOST_RIP: the CPU arrives here on every VM exit with
 * RSP = HOST_RSP, i.e. pointing at the saved regs pointer. It stores the
 * guest registers and returns from vmx_enter() with 0, so the C exit loop
 * reads like an ordinary function call. (cf. Jailhouse vmx-vmexit.S)
 */
#define HOST_RSP_FIELD 0x6c14 /* arch/vmcs_fields.h: HOST_RSP */

#include <arch/guest_regs.inc>

	.text
	.globl vmx_enter
vmx_enter:
	push_host_regs
	pushq %rdi                      /* regs, for the exit stub */
	movq $HOST_RSP_FIELD, %rax
	vmwrite %rsp, %rax

	testl %esi, %esi                /* flags survive the movs below */
	movq R_RAX(%rdi), %rax
	load_guest_gprs %rdi
	movq R_RDI(%rdi), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Only reached if the instruction failed: CF=1 invalid, ZF=1 valid. */
	movl $1, %eax
	jc 3f
	movl $2, %eax
3:	popq %rdi
	pop_host_regs
	ret

	.globl vmx_exit_stub
vmx_exit_stub:
	pushq %rdi                      /* guest RDI */
	movq 8(%rsp), %rdi              /* regs */
	movq %rax, R_RAX(%rdi)
	store_guest_gprs %rdi
	popq %rax
	movq %rax, R_RDI(%rdi)
	popq %rdi                       /* the regs pointer slot */
	pop_host_regs
	xorl %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
