/*
 * Decoding the x86 instructions a guest uses on emulated MMIO.
 *
 * When a guest touches a page that no device backs (an EPT violation under
 * VMX, a nested page fault under SVM), the exit says which guest-physical
 * address was touched but not what the instruction does with it: SVM under
 * QEMU gives neither decode assists nor a next RIP, and VMX reports
 * neither the instruction nor its length for an EPT violation. The
 * emulator fetches up to
 * INSN_MAX_LEN bytes at the guest's RIP and asks insn_decode() what they
 * are: which kind of access, how wide, which register or immediate, and
 * how long the instruction is, so that RIP can be advanced past it.
 *
 * Only the forms that touch memory are accepted, and only these opcodes
 * (SDM Vol. 2D Appendix A, Tables, the opcode maps; Table A-6
 * for the /digit groups):
 *   88 89 8A 8B        MOV r/m,r and MOV r,r/m           INSN_STORE, INSN_LOAD
 *   C6 /0, C7 /0       MOV r/m,imm                        INSN_STORE_IMM
 *   A0 A1 A2 A3        MOV with a memory offset (moffs)   INSN_LOAD, INSN_STORE
 *   0F B6 0F B7        MOVZX                              INSN_LOAD
 *   0F BE 0F BF        MOVSX                              INSN_LOAD, sign_extend
 *   63 (64-bit mode)   MOVSXD; without REX.W a plain 32-bit load
 *   86 87              XCHG r/m,r                         INSN_XCHG
 *   00-03 08-0B 10-13 18-1B 20-23 28-2B 30-33 38-3B
 *                      ADD OR ADC SBB AND SUB XOR CMP     INSN_ALU
 *   80 81 83 (82 outside 64-bit mode)  group 1, ALU r/m,imm
 *   84 85, F6 /0, F7 /0  TEST                             INSN_ALU
 *   A4 A5              MOVS                               INSN_MOVS
 *   AA AB              STOS                               INSN_STOS
 *   AC AD              LODS                               INSN_LODS
 * with the legacy prefixes 66 67 F0 F2 F3 26 2E 36 3E 64 65 and, in 64-bit
 * mode, REX (40-4F; elsewhere they are INC and DEC). Everything else
 * fails with a reason: other opcodes (LEA computes an address but does not
 * access it; CMPS, SCAS, INC, NOT, BT, SSE and x87 forms are left out),
 * ModRM mod=3 (a register operand cannot reach MMIO), LOCK where the CPU
 * raises #UD, F2/F3 before a 0F opcode (there they select a different
 * instruction, SDM Vol. 2A 2.1.1), 66 63 (Intel and AMD disagree on it),
 * more than INSN_MAX_LEN bytes.
 *
 * No address is computed: the exit already gives the guest-physical
 * address of the access, and the decoder has no guest registers. The form
 * of the memory operand is still reported (insn.mem), for messages and
 * for the one case that needs it: MOVS, whose two operands are both in
 * memory (source seg:rSI, destination ES:rDI, see INSN_MOVS).
 *
 * Pure code: no libc, no guest state, portable (host-tested in
 * tests/unit/test_insn_decode.c against binutils objdump, through the
 * table tests/unit/insn_decode_cases.txt and tools/check_insn_cases.py).
 */
#ifndef ARCH_INSN_DECODE_H
#define ARCH_INSN_DECODE_H

#include <tessera/types.h>

/* SDM Vol. 2A 2.3.11: no instruction is longer than 15 bytes (longer
 * raises #GP). */
#define INSN_MAX_LEN 15

/* insn.reg, insn_mem.base and .index when there is no register. */
#define INSN_NO_REG 0xff
/* insn_mem.base of a RIP-relative operand (EIP-relative with 67). */
#define INSN_REG_RIP 0x10

enum insn_kind {
	INSN_NONE = 0,
	/* reg <- mem. reg_size > size for MOVZX/MOVSX/MOVSXD, which zero-
	 * or (sign_extend) sign-extend. As for every write of a register:
	 * a 32-bit result in 64-bit mode clears bits 63:32, a 16- or 8-bit
	 * one keeps the rest of the register (SDM Vol. 1 3.4.1.1). */
	INSN_LOAD,
	INSN_STORE,     /* mem <- reg */
	INSN_STORE_IMM, /* mem <- imm */
	/* mem <- mem OP src, or reg <- reg OP mem when reg_is_dst; src is the
	 * register, or imm when has_imm. CMP and TEST only set the flags. */
	INSN_ALU,
	INSN_XCHG, /* mem <-> reg; always locked */
	/* ES:[rDI] <- seg:[rSI], then rSI and rDI step by size (down if
	 * RFLAGS.DF), repeated rCX times with rep. rSI, rDI and rCX are
	 * addr_size wide. Either side, or both, may be the MMIO page. */
	INSN_MOVS,
	INSN_STOS, /* ES:[rDI] <- rAX (reg 0), rDI steps as for MOVS */
	INSN_LODS, /* rAX (reg 0) <- seg:[rSI], rSI steps as for MOVS */
};

/* The ALU operation. ADD..CMP are numbered as the opcode's bits 5:3 and
 * the /digit of group 1 (80-83) number them (SDM Vol. 2D Table A-6). */
enum insn_alu {
	INSN_ALU_ADD = 0,
	INSN_ALU_OR,
	INSN_ALU_ADC,
	INSN_ALU_SBB,
	INSN_ALU_AND,
	INSN_ALU_SUB,
	INSN_ALU_XOR,
	INSN_ALU_CMP,
	INSN_ALU_TEST,
};

/* Segment registers, numbered as the sreg field of MOV Sreg numbers them
 * (SDM Vol. 2D Appendix B, "Segment Register (sreg) Field"). */
enum insn_seg {
	INSN_SEG_ES = 0,
	INSN_SEG_CS,
	INSN_SEG_SS,
	INSN_SEG_DS,
	INSN_SEG_FS,
	INSN_SEG_GS,
};

enum insn_rep {
	INSN_REP_NONE = 0,
	INSN_REP,   /* F3: REP (REPE for CMPS/SCAS; XRELEASE on a MOV store) */
	INSN_REPNE, /* F2: REPNE. On MOVS/STOS/LODS the SDM defines only F3; CPUs
		     * repeat with F2 too, and KVM's emulator does the same */
};

/*
 * The memory operand as encoded: base + index * scale + disp, the sum
 * truncated to addr_size bytes. Registers are numbered as in ModRM with
 * REX (0 rAX, 1 rCX, 2 rDX, 3 rBX, 4 rSP, 5 rBP, 6 rSI, 7 rDI, 8-15
 * r8-r15), 16-bit forms included ([BX+SI] is base 3, index 6). For
 * INSN_REG_RIP the base is the address of the next instruction
 * (RIP + len). MOV moffs (A0-A3) has no base: disp is the offset.
 */
struct insn_mem {
	u8 base;  /* 0-15, INSN_REG_RIP or INSN_NO_REG */
	u8 index; /* 0-15 or INSN_NO_REG */
	u8 scale; /* 1, 2, 4, 8 */
	u64 disp; /* sign-extended to 64 bits; moffs zero-extended */
};

struct insn {
	enum insn_kind kind;
	enum insn_alu alu; /* INSN_ALU only */
	u8 len;            /* bytes, prefixes included: RIP += len */
	u8 size;           /* bytes the memory access moves: 1, 2, 4, 8 */
	/*
	 * The register operand, 0-15 (REX.R included), or INSN_NO_REG (store
	 * immediate, ALU with an immediate, MOVS). With reg_size 1 and no REX
	 * prefix, 4-7 are AH CH DH BH and high_byte is set: bits 15:8 of
	 * register reg - 4. With a REX prefix they are SPL BPL SIL DIL (SDM
	 * Vol. 2A 2.2.1.2, Table 3-1 "Register Codes").
	 */
	u8 reg;
	u8 reg_size;       /* bytes of the register operand; == size except LOAD
			    * by MOVZX/MOVSX/MOVSXD */
	bool high_byte;
	bool sign_extend;  /* INSN_LOAD: reg_size > size and the value is
			    * sign-extended (MOVSX, MOVSXD); else zero-extended */
	bool reg_is_dst;   /* INSN_ALU: reg <- reg OP mem (02, 03, 0A, ...) */
	bool has_imm;
	u64 imm;           /* the immediate as the CPU uses it: sign-extended to
			    * size bytes and truncated to them (C7 with REX.W:
			    * imm32 to 64 bits; 83: imm8 to the operand size) */
	u8 addr_size;      /* 2, 4, 8: width of the address and, for string
			    * instructions, of rSI, rDI and rCX */
	/*
	 * The segment of the memory operand (of the source for MOVS; the
	 * destination is always ES): the override prefix if any, else SS for
	 * a base of rBP or rSP (BP in 16-bit forms), else DS (SDM Vol. 1
	 * 3.7.4, Table 3-5; Vol. 2A Table 2-1). STOS cannot be overridden.
	 * In 64-bit mode 26 2E 36 3E are ignored (their bases are 0, SDM Vol.
	 * 1 3.7.4.1) and only FS and GS count as overrides.
	 */
	enum insn_seg seg;
	bool seg_override;
	bool lock;         /* F0, only where the CPU accepts it (SDM Vol. 2A,
			    * LOCK): a memory destination of ADD..XOR, XCHG */
	enum insn_rep rep; /* the last F2/F3 prefix; meaningful for MOVS/STOS/
			    * LODS, a hint or ignored elsewhere */
	bool truncated;    /* set on failure when the bytes ended first: fetch
			    * more (up to INSN_MAX_LEN) and decode again */
	struct insn_mem mem;
	char why_buf[64];  /* where *why may point after a failure */
};

/*
 * Decode the instruction at bytes[0], reading at most avail bytes (never
 * more, and never more than INSN_MAX_LEN). code_bits is the default
 * operand and address size of the code: 64 in 64-bit mode (IA32_EFER.LMA
 * and CS.L); else 32 if CS.D (protected or compatibility mode with a
 * 32-bit code segment); else 16 (real-address and virtual-8086 mode, or a
 * 16-bit code segment). SDM Vol. 1 3.6, Tables 3-3 and 3-4.
 *
 * True with *out filled in. False with *why set to a sentence (valid as
 * long as *out is) and out->truncated saying whether more bytes could
 * help; the rest of *out is then meaningless.
 */
bool insn_decode(const u8 *bytes, size_t avail, unsigned code_bits, struct insn *out,
		 const char **why);

/* How many prefix bytes (legacy, then REX in 64-bit mode) come before the
 * opcode at bytes[0]; all of avail (at most 15) when no opcode comes
 * within them: fetch more, if there is more. For the exits
 * that report no instruction length (SVM without next-RIP save): the
 * length is the prefixes plus the opcode the exit names. */
size_t insn_prefix_len(const u8 *bytes, size_t avail, unsigned code_bits);

/* MOV to/from CRn (0F 22 /r, 0F 20 /r), for an intercepted CR access that
 * reports no register (SVM without decode assists). */
struct insn_mov_cr {
	bool to_cr; /* MOV to CRn (else from) */
	u8 cr;      /* 0-15 */
	u8 gpr;     /* 0-15, ModRM order (0 rAX ... 4 rSP ... 15 r15) */
	u8 len;
};
bool insn_decode_mov_cr(const u8 *bytes, size_t avail, unsigned code_bits,
			struct insn_mov_cr *out, const char **why);

#endif
