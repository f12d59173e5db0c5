/*
 * What arch/x86_64/isr.S pushes before calling exception_dispatch(): the
 * general registers, then the vector and error code, then the frame the
 * CPU itself pushed (SDM Vol. 3A 6.14.1, Figure 6-9).
 */
#ifndef ARCH_TRAPFRAME_H
#define ARCH_TRAPFRAME_H

#include <tessera/types.h>

struct trap_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector;
	u64 error_code; /* 0 for exceptions that push none */
	u64 rip, cs, rflags, rsp, ss;
};

#endif
