/*
 * Exception entry stubs. One tiny stub per vector pushes a dummy error code
 * where the CPU does not push one (SDM Vol. 3A 6.15 lists which do), then the
 * vector number; the common path saves the general registers into a
 * struct trap_frame (arch/trapframe.h) and calls exception_dispatch().
 *
 * Interrupt stubs (vectors 32-255): the hypervisor takes interrupts only
 * while a CPU waits for one with interrupts enabled (cpu_wait_for_irq in
 * vmx/exit.c handle_hlt); each stub pushes its vector, the common path
 * saves the registers a C call may change and calls irq_dispatch(vector).
 *
 * NMIs (vector 2) have their own stub, nmi_entry: they are how other CPUs
 * preempt a partition CPU (arch_cpu_preempt) and may arrive at any moment,
 * so the stub saves every register a C call may change, calls
 * nmi_dispatch() and returns with IRETQ, which ends NMI blocking (SDM
 * Vol. 3A 6.7.1).
 */
	.text

.macro ISR_NOERR vec
	.globl isr_\vec
isr_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
.endm

.macro ISR_ERR vec
	.globl isr_\vec
isr_\vec:
	pushq $\vec
	jmp isr_common
.endm

ISR_NOERR 0
ISR_NOERR 1
ISR_NOERR 2
ISR_NOERR 3
ISR_NOERR 4
ISR_NOERR 5
ISR_NOERR 6
ISR_NOERR 7
ISR_ERR   8
ISR_NOERR 9
ISR_ERR   10
ISR_ERR   11
ISR_ERR   12
ISR_ERR   13
ISR_ERR   14
ISR_NOERR 15
ISR_NOERR 16
ISR_ERR   17
ISR_NOERR 18
ISR_NOERR 19
ISR_NOERR 20
ISR_ERR   21
ISR_NOERR 22
ISR_NOERR 23
ISR_NOERR 24
ISR_NOERR 25
ISR_NOERR 26
ISR_NOERR 27
ISR_NOERR 28
ISR_ERR   29
ISR_ERR   30
ISR_NOERR 31
	.altmacro
.macro IRQ_STUB vec
irq_\vec:
	pushq $\vec
	jmp irq_common
.endm
.macro IRQ_ADDR vec
	.quad irq_\vec
.endm

.set vec, 32
.rept 224
	IRQ_STUB %vec
	.set vec, vec + 1
.endr

/* What the SysV ABI lets a C function clobber, and RBP, which keeps the
 * stack pointer from before the 16-byte alignment the call needs. */
.macro SAVE_CALLER_SAVED
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbp
.endm
.macro RESTORE_CALLER_SAVED
	movq %rbp, %rsp
	popq %rbp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
.endm

irq_common:
	SAVE_CALLER_SAVED
	movq 80(%rsp), %rdi     /* the vector the stub pushed */
	movq %rsp, %rbp
	andq $-16, %rsp
	call irq_dispatch
	RESTORE_CALLER_SAVED
	addq $8, %rsp           /* the vector */
	iretq

	.globl nmi_entry
nmi_entry:
	SAVE_CALLER_SAVED
	/* Interrupted right at cpu_wait_for_irq's HLT, between its STI and
	 * the halt: return past the HLT, or a pending interrupt would be taken
	 * after the IRETQ and the CPU then sleep in the HLT for good. The
	 * interrupted RIP is the IRETQ frame's first word, above the 10
	 * registers just saved (SDM Vol. 3A 6.14.2, Figure 6-9). */
	leaq idle_hlt(%rip), %rax
	cmpq %rax, 80(%rsp)
	jne 1f
	incq 80(%rsp)                   /* HLT is one byte (F4) */
1:	movq %rsp, %rbp
	andq $-16, %rsp
	call nmi_dispatch
	RESTORE_CALLER_SAVED
	iretq

/*
 * void cpu_wait_for_irq(void) (arch/cpu.h): STI; HLT; CLI, the HLT at
 * idle_hlt for the NMI stub above.
 */
	.globl cpu_wait_for_irq
cpu_wait_for_irq:
	sti
idle_hlt:
	hlt
	cli
	ret

/*
 * void nmi_unblock(void): after a VM exit caused by an NMI, NMIs may stay
 * blocked until the next IRET (they do under Bochs 2.7): an IRETQ to the
 * next instruction, through a frame of the current state, ends that
 * blocking and changes nothing else (cf. Jailhouse, which runs its NMI
 * handler with "int $2" for the same reason).
 */
	.globl nmi_unblock
nmi_unblock:
	movq %rsp, %rax
	movl %ss, %ecx
	pushq %rcx              /* SS */
	pushq %rax              /* RSP */
	pushfq                  /* RFLAGS */
	movl %cs, %ecx
	pushq %rcx              /* CS */
	leaq 1f(%rip), %rcx
	pushq %rcx              /* RIP */
	iretq
1:	ret

isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	movq %rsp, %rdi
	/* Align the stack for the C call; the frame pointer keeps it. */
	movq %rsp, %rbp
	andq $-16, %rsp
	call exception_dispatch
	movq %rbp, %rsp
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp          /* vector and error code */
	iretq

	/* Table of stub addresses for idt.c: isr_stubs[v] for v in 0..31. */
	.section .data.rel.ro, "aw"
	.balign 8
	.globl isr_stubs
isr_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr
	/* irq_stubs[v - 32] for v in 32..255. */
	.globl irq_stubs
irq_stubs:
.set vec, 32
.rept 224
	IRQ_ADDR %vec
	.set vec, vec + 1
.endr

	.section .note.GNU-stack, "", @progbits
