/*
 * Entering the guest and coming back (AMD APM Vol. 2, 15.5 VMRUN, 15.6
 * #VMEXIT).
 *
 * void svm_enter(struct guest_regs *regs, hpa_t vmcb, hpa_t host_state)
 *   Called with GIF clear (CLGI) and interrupts off. VMRUN saves only part
 *   of the host's state (in the VM_HSAVE_PA area) and loads only part of
 *   the guest's from the VMCB; FS, GS, TR, LDTR with their hidden parts,
 *   KernelGsBase, STAR/LSTAR/CSTAR/SFMASK and the SYSENTER MSRs are left
 *   to VMSAVE and VMLOAD (15.5.2): the host's go to host_state, the
 *   guest's come from and go back to its VMCB. RAX and RSP are the VMCB's
 *   (the C loop copies RAX); the other general registers are loaded from
 *   and stored to *regs, as VMRUN does not touch them.
 *
 *   STI before VMRUN: with V_INTR_MASKING the host's RFLAGS.IF at VMRUN
 *   decides whether physical interrupts reach the guest's CPU (15.21.1),
 *   and they must, to exit; GIF = 0 holds them off until VMRUN sets it.
 *   #VMEXIT clears GIF again, and CLI keeps the host's interrupts off for
 *   the C code, which sets GIF (STGI) itself. (cf. KVM's vmenter.S)
 */
#include <arch/guest_regs.inc>

	.text
	.globl svm_enter
svm_enter:
	push_host_regs
	pushq %rdi                      /* regs */
	pushq %rdx                      /* host_state */
	pushq %rsi                      /* vmcb */

	movq %rdx, %rax
	vmsave                          /* the host's FS, GS, TR, ... */
	movq %rsi, %rax
	vmload                          /* the guest's */

	load_guest_gprs %rdi
	movq R_RDI(%rdi), %rdi
	sti
	vmrun
	cli

	pushq %rdi                      /* the guest's RDI */
	movq 24(%rsp), %rdi             /* regs */
	store_guest_gprs %rdi
	popq %rax
	movq %rax, R_RDI(%rdi)

	popq %rax                       /* vmcb */
	vmsave                          /* the guest's FS, GS, TR, ... */
	popq %rax                       /* host_state */
	vmload                          /* the host's back (GS: arch_this_cpu) */
	popq %rdi
	pop_host_regs
	ret

	.section .note.GNU-stack, "", @progbits
