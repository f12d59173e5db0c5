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

#define R_RAX 0
#define R_RBX 8
#define R_RCX 16
#define R_RDX 24
#define R_RSI 32
#define R_RDI 40
#define R_RBP 48
#define R_R8 56
#define R_R9 64
#define R_R10 72
#define R_R11 80
#define R_R12 88
#define R_R13 96
#define R_R14 104
#define R_R15 112

	.text
	.globl vmx_enter
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi                      /* regs, for the exit stub */
	movq $HOST_RSP_FIELD, %rax
	vmwrite %rsp, %rax

	testl %esi, %esi                /* flags survive the movs below */
	movq R_RAX(%rdi), %rax
	movq R_RBX(%rdi), %rbx
	movq R_RCX(%rdi), %rcx
	movq R_RDX(%rdi), %rdx
	movq R_RSI(%rdi), %rsi
	movq R_RBP(%rdi), %rbp
	movq R_R8(%rdi), %r8
	movq R_R9(%rdi), %r9
	movq R_R10(%rdi), %r10
	movq R_R11(%rdi), %r11
	movq R_R12(%rdi), %r12
	movq R_R13(%rdi), %r13
	movq R_R14(%rdi), %r14
	movq R_R15(%rdi), %r15
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
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret

	.globl vmx_exit_stub
vmx_exit_stub:
	pushq %rdi                      /* guest RDI */
	movq 8(%rsp), %rdi              /* regs */
	movq %rax, R_RAX(%rdi)
	movq %rbx, R_RBX(%rdi)
	movq %rcx, R_RCX(%rdi)
	movq %rdx, R_RDX(%rdi)
	movq %rsi, R_RSI(%rdi)
	movq %rbp, R_RBP(%rdi)
	movq %r8, R_R8(%rdi)
	movq %r9, R_R9(%rdi)
	movq %r10, R_R10(%rdi)
	movq %r11, R_R11(%rdi)
	movq %r12, R_R12(%rdi)
	movq %r13, R_R13(%rdi)
	movq %r14, R_R14(%rdi)
	movq %r15, R_R15(%rdi)
	popq %rax
	movq %rax, R_RDI(%rdi)
	popq %rdi                       /* the regs pointer slot */
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	xorl %eax, %eax
	ret

	.section .note.GNU-stack, "", @progbits
