/*
 * Carrying out one decoded instruction (arch/insn_decode.h) against an
 * emulated device: the part of MMIO emulation that is the same for every
 * backend. The backend fetches the instruction bytes, decodes them, puts
 * the guest's registers in a struct mmio_cpu, calls mmio_emulate(), and
 * writes back what changed (the registers, RFLAGS, RIP).
 *
 * What is done: MOV loads and stores (immediate stores, MOVZX, MOVSX,
 * MOVSXD included), XCHG, and the ALU forms (ADD OR ADC SBB AND SUB XOR
 * CMP TEST) with their arithmetic flags (SDM Vol. 1 3.4.3.1, Appendix A
 * "EFLAGS cross-reference"). The string forms (MOVS, STOS, LODS) are
 * refused with a reason: each of their sides may be guest RAM at a linear
 * address, which needs the guest's page tables and segments (a later
 * step; no guest of ours nor Linux uses them on an APIC or I/O APIC).
 *
 * Pure and portable: host-tested in tests/unit/test_mmio_emul.c.
 */
#ifndef ARCH_MMIO_EMUL_H
#define ARCH_MMIO_EMUL_H

#include <tessera/types.h>
#include <arch/insn_decode.h>

struct mmio_cpu {
	u64 gpr[16]; /* rAX..r15 as ModRM numbers them (4 is rSP) */
	u64 rflags;
};

/* The device access: false if nothing is at gpa (the emulation stops
 * there and reports it). A read fills *value (size bytes, zero-extended). */
typedef bool (*mmio_access_fn)(void *ctx, u64 gpa, unsigned size, bool write, u64 *value);

/* RFLAGS bits an ALU instruction sets (SDM Vol. 1 3.4.3.1). */
#define MMIO_FLAGS_ARITH 0x8d5ull /* OF SF ZF AF PF CF */

/*
 * Do what *in says, with its memory operand at guest-physical gpa (the
 * address the exit reported). True when done: c holds the new registers
 * and flags, and the caller advances RIP by in->len. False with *why: an
 * instruction this emulator does not carry out, or no device answered
 * (then nothing in c changed).
 */
bool mmio_emulate(const struct insn *in, struct mmio_cpu *c, u64 gpa, mmio_access_fn fn,
		  void *ctx, const char **why);

/* The ALU itself, for the tests: result of op on a and b (size bytes), the
 * carry in for ADC/SBB; *flags gets the new arithmetic flags. */
u64 mmio_alu(enum insn_alu op, u64 a, u64 b, unsigned size, bool carry, u64 *flags);

#endif
