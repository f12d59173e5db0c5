/*
 * The MMIO instruction decoder (arch/insn_decode.h says what it accepts
 * and what it reports).
 *
 * An instruction is, in this order (SDM Vol. 2A 2.1, Figure 2-1; 2.2.1 for
 * REX):
 *   legacy prefixes    any number, any order, from four groups (2.1.1)
 *   REX                64-bit mode only, and only if it is the last prefix
 *   opcode             one byte, or 0F and a second byte (2.1.2)
 *   ModRM, SIB         the operand forms (2.1.3, 2.1.5, Tables 2-1 to 2-3)
 *   displacement       0, 1, 2 or 4 bytes; or a moffs of addr_size (2.1.4)
 *   immediate          0, 1, 2 or 4 bytes (2.1.4, 2.2.1.5)
 * The prefixes are read in a loop; which of the other parts follow, and
 * what the instruction does, comes from the two opcode tables below.
 */
#include <arch/insn_decode.h>
#include <tessera/format.h>
#include <tessera/string.h>

/* REX bits, SDM Vol. 2A 2.2.1.2, Table 2-4. */
#define REX_B 0x1 /* extends ModRM.rm, SIB.base */
#define REX_X 0x2 /* extends SIB.index */
#define REX_R 0x4 /* extends ModRM.reg */
#define REX_W 0x8 /* 64-bit operand size */

#define REG_SP 4
#define REG_BP 5
#define REG_SI 6
#define REG_DI 7

/* What follows an opcode and how its operands are formed. */
#define OP_MODRM (1u << 0)  /* ModRM (SIB, displacement) follows: all but moffs, strings */
#define OP_BYTE (1u << 1)   /* 8-bit operands (the opcode's w bit is 0) */
#define OP_REG_DST (1u << 2) /* ALU: the register is the destination (d bit) */
#define OP_IMM8 (1u << 3)   /* imm8, sign-extended to the operand size */
#define OP_IMMZ (1u << 4)   /* imm16 or imm32 by operand size (imm32 for 64) */
#define OP_MOFFS (1u << 5)  /* an addr_size-wide offset, no ModRM (A0-A3) */
#define OP_GRP1 (1u << 6)   /* ModRM.reg is the operation, ADD..CMP */
#define OP_DIGIT0 (1u << 7) /* ModRM.reg must be 0 (groups 3 and 11) */
#define OP_LOCK (1u << 8)   /* LOCK allowed (not with CMP, see lock_ok()) */
#define OP_SRC8 (1u << 9)   /* memory operand is 8 bits whatever the operand size */
#define OP_SRC16 (1u << 10) /* ... 16 bits */
#define OP_SRC32 (1u << 11) /* ... 32 bits */
#define OP_SX (1u << 12)    /* sign-extending load */
#define OP_NO64 (1u << 13)  /* invalid in 64-bit mode */
#define OP_ONLY64 (1u << 14) /* another instruction outside 64-bit mode */
#define OP_STRING (1u << 15) /* operands at seg:rSI and ES:rDI, no ModRM */

struct opcode {
	u8 kind; /* enum insn_kind; INSN_NONE: not an MMIO instruction */
	u8 alu;  /* enum insn_alu */
	u16 flags;
};

/*
 * ADD OR ADC SBB AND SUB XOR CMP: the operation is in bits 5:3, and bits
 * 1:0 are d and w: 00 r/m8,r8; 01 r/m,r; 10 r8,r/m8; 11 r,r/m (SDM Vol. 2D
 * Table A-2; the d and w fields of Vol. 2D B.1.4). 04/05 (AL/rAX with
 * an immediate) do not touch memory.
 */
#define ALU4(first, op)                                                        \
	[(first) + 0] = { INSN_ALU, (op), OP_MODRM | OP_BYTE | OP_LOCK },      \
	[(first) + 1] = { INSN_ALU, (op), OP_MODRM | OP_LOCK },                \
	[(first) + 2] = { INSN_ALU, (op), OP_MODRM | OP_BYTE | OP_REG_DST },   \
	[(first) + 3] = { INSN_ALU, (op), OP_MODRM | OP_REG_DST }

/* The one-byte opcode map, SDM Vol. 2D Table A-2 (groups: Table A-6). */
static const struct opcode one_byte[256] = {
	ALU4(0x00, INSN_ALU_ADD),
	ALU4(0x08, INSN_ALU_OR),
	ALU4(0x10, INSN_ALU_ADC),
	ALU4(0x18, INSN_ALU_SBB),
	ALU4(0x20, INSN_ALU_AND),
	ALU4(0x28, INSN_ALU_SUB),
	ALU4(0x30, INSN_ALU_XOR),
	ALU4(0x38, INSN_ALU_CMP),
	/* MOVSXD r, r/m32 (Vol. 2B, MOVSX/MOVSXD); ARPL outside 64-bit mode. */
	[0x63] = { INSN_LOAD, 0, OP_MODRM | OP_SRC32 | OP_SX | OP_ONLY64 },
	/* Group 1: ALU r/m, imm; 82 is 80 again, invalid in 64-bit mode. */
	[0x80] = { INSN_ALU, 0, OP_MODRM | OP_GRP1 | OP_BYTE | OP_IMM8 | OP_LOCK },
	[0x81] = { INSN_ALU, 0, OP_MODRM | OP_GRP1 | OP_IMMZ | OP_LOCK },
	[0x82] = { INSN_ALU, 0, OP_MODRM | OP_GRP1 | OP_BYTE | OP_IMM8 | OP_LOCK | OP_NO64 },
	[0x83] = { INSN_ALU, 0, OP_MODRM | OP_GRP1 | OP_IMM8 | OP_LOCK },
	[0x84] = { INSN_ALU, INSN_ALU_TEST, OP_MODRM | OP_BYTE },
	[0x85] = { INSN_ALU, INSN_ALU_TEST, OP_MODRM },
	[0x86] = { INSN_XCHG, 0, OP_MODRM | OP_BYTE | OP_LOCK },
	[0x87] = { INSN_XCHG, 0, OP_MODRM | OP_LOCK },
	/* MOV (Vol. 2B, MOV). */
	[0x88] = { INSN_STORE, 0, OP_MODRM | OP_BYTE },
	[0x89] = { INSN_STORE, 0, OP_MODRM },
	[0x8a] = { INSN_LOAD, 0, OP_MODRM | OP_BYTE },
	[0x8b] = { INSN_LOAD, 0, OP_MODRM },
	[0xa0] = { INSN_LOAD, 0, OP_MOFFS | OP_BYTE },
	[0xa1] = { INSN_LOAD, 0, OP_MOFFS },
	[0xa2] = { INSN_STORE, 0, OP_MOFFS | OP_BYTE },
	[0xa3] = { INSN_STORE, 0, OP_MOFFS },
	/* MOVS, STOS, LODS (Vol. 2B). CMPS and SCAS are left out. */
	[0xa4] = { INSN_MOVS, 0, OP_STRING | OP_BYTE },
	[0xa5] = { INSN_MOVS, 0, OP_STRING },
	[0xaa] = { INSN_STOS, 0, OP_STRING | OP_BYTE },
	[0xab] = { INSN_STOS, 0, OP_STRING },
	[0xac] = { INSN_LODS, 0, OP_STRING | OP_BYTE },
	[0xad] = { INSN_LODS, 0, OP_STRING },
	/* Group 11: MOV r/m, imm is /0 (C6 F8 and C7 F8 are XABORT, XBEGIN). */
	[0xc6] = { INSN_STORE_IMM, 0, OP_MODRM | OP_DIGIT0 | OP_BYTE | OP_IMM8 },
	[0xc7] = { INSN_STORE_IMM, 0, OP_MODRM | OP_DIGIT0 | OP_IMMZ },
	/* Group 3: TEST r/m, imm is /0 (/2../7 are NOT NEG MUL IMUL DIV IDIV). */
	[0xf6] = { INSN_ALU, INSN_ALU_TEST, OP_MODRM | OP_DIGIT0 | OP_BYTE | OP_IMM8 },
	[0xf7] = { INSN_ALU, INSN_ALU_TEST, OP_MODRM | OP_DIGIT0 | OP_IMMZ },
};

/* The two-byte map after 0F, SDM Vol. 2D Table A-3: MOVZX and MOVSX
 * (Vol. 2B, MOVZX; MOVSX/MOVSXD). */
static const struct opcode two_byte[256] = {
	[0xb6] = { INSN_LOAD, 0, OP_MODRM | OP_SRC8 },
	[0xb7] = { INSN_LOAD, 0, OP_MODRM | OP_SRC16 },
	[0xbe] = { INSN_LOAD, 0, OP_MODRM | OP_SRC8 | OP_SX },
	[0xbf] = { INSN_LOAD, 0, OP_MODRM | OP_SRC16 | OP_SX },
};

/* 16-bit ModRM forms, SDM Vol. 2A Table 2-1, by rm: [BX+SI] [BX+DI]
 * [BP+SI] [BP+DI] [SI] [DI] [BP] [BX] (rm 6 with mod 0 is disp16 alone). */
static const u8 base16[8] = { 3, 3, REG_BP, REG_BP, REG_SI, REG_DI, REG_BP, 3 };
static const u8 index16[8] = { REG_SI, REG_DI, REG_SI, REG_DI,
			       INSN_NO_REG, INSN_NO_REG, INSN_NO_REG, INSN_NO_REG };

/* The bytes being decoded, and where the failure message goes. */
struct cursor {
	const u8 *bytes;
	size_t avail;
	size_t pos;
	struct insn *out;
	const char *why;
};

/* The prefixes seen, SDM Vol. 2A 2.1.1. A repeated group counts once; of
 * two in one group the last counts, as binutils and KVM's emulator read
 * them. */
struct prefixes {
	bool opsize;   /* 66 */
	bool addrsize; /* 67 */
	bool lock;     /* F0 */
	u8 rep;        /* enum insn_rep */
	u8 seg;        /* enum insn_seg, or NO_SEG */
	u8 rex;        /* 0, or the REX byte right before the opcode */
};
#define NO_SEG 0xff

static bool fail(struct cursor *c, const char *why)
{
	c->why = why;
	return false;
}

/* The next byte. The length limit comes first: past 15 bytes no more
 * bytes can help, before it they can. */
static bool next(struct cursor *c, u8 *b)
{
	if (c->pos >= INSN_MAX_LEN)
		return fail(c, "longer than 15 bytes, the limit of an instruction "
			       "(SDM Vol. 2A 2.3.11; the CPU raises #GP)");
	if (c->pos >= c->avail) {
		c->out->truncated = true;
		strfmt(c->out->why_buf, sizeof(c->out->why_buf),
		       "truncated: the instruction goes on past %zu bytes", c->avail);
		return fail(c, c->out->why_buf);
	}
	*b = c->bytes[c->pos++];
	return true;
}

static u64 size_mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

static u64 sign_extend(u64 v, unsigned bytes)
{
	if (bytes < 8 && (v & (1ull << (8 * bytes - 1))))
		v |= ~size_mask(bytes);
	return v;
}

/* n little-endian bytes (SDM Vol. 1 1.3.1: x86 is little-endian). */
static bool next_le(struct cursor *c, unsigned n, u64 *v)
{
	*v = 0;
	for (unsigned i = 0; i < n; i++) {
		u8 b;

		if (!next(c, &b))
			return false;
		*v |= (u64)b << (8 * i);
	}
	return true;
}

/* "opcode 0x0f 0x05 is not an MMIO instruction"; digit is ModRM.reg for
 * a group opcode, else -1. */
static bool not_mmio(struct cursor *c, bool two, u8 op, int digit, const char *where)
{
	char d[4] = "";

	if (digit >= 0)
		strfmt(d, sizeof(d), " /%d", digit);
	strfmt(c->out->why_buf, sizeof(c->out->why_buf), "opcode %s0x%02x%s is not an MMIO instruction%s",
	       two ? "0x0f " : "", op, d, where);
	return fail(c, c->out->why_buf);
}

static bool read_prefixes(struct cursor *c, bool long64, struct prefixes *p, u8 *opcode)
{
	u8 b;

	p->seg = NO_SEG;
	for (;;) {
		if (!next(c, &b))
			return false;
		/* REX (2.2.1): counts only if the opcode comes next, so a
		 * later REX replaces it and a legacy prefix cancels it. */
		if (long64 && (b & 0xf0) == 0x40) {
			p->rex = b;
			continue;
		}
		switch (b) {
		case 0x66:
			p->opsize = true;
			break;
		case 0x67:
			p->addrsize = true;
			break;
		case 0xf0:
			p->lock = true;
			break;
		case 0xf2:
			p->rep = INSN_REPNE;
			break;
		case 0xf3:
			p->rep = INSN_REP;
			break;
		case 0x26: /* ES CS SS DS: bits 4:3 are the sreg number */
		case 0x2e:
		case 0x36:
		case 0x3e:
			/* In 64-bit mode these are null prefixes (Vol. 1
			 * 3.7.4.1): they neither select a segment nor cancel
			 * an FS or GS override. */
			if (!long64)
				p->seg = (b >> 3) & 3;
			break;
		case 0x64:
		case 0x65:
			p->seg = INSN_SEG_FS + (b & 1);
			break;
		default:
			*opcode = b;
			return true;
		}
		p->rex = 0;
	}
}

/*
 * A ModRM memory operand with 16-bit addressing, SDM Vol. 2A Table 2-1:
 * mod 0 no displacement (rm 6: disp16 alone), mod 1 disp8, mod 2 disp16,
 * both sign-extended. BP as base selects SS (the table's note).
 */
static bool modrm16(struct cursor *c, u8 mod, u8 rm, struct insn_mem *m, u8 *seg)
{
	u64 disp = 0;

	m->base = base16[rm];
	m->index = index16[rm];
	if (mod == 0 && rm == 6) {
		m->base = INSN_NO_REG;
		if (!next_le(c, 2, &disp))
			return false;
		disp = sign_extend(disp, 2);
	} else if (mod == 1 || mod == 2) {
		if (!next_le(c, mod == 1 ? 1 : 2, &disp))
			return false;
		disp = sign_extend(disp, mod == 1 ? 1 : 2);
	}
	m->disp = disp;
	*seg = m->base == REG_BP ? INSN_SEG_SS : INSN_SEG_DS;
	return true;
}

/*
 * A ModRM memory operand with 32- or 64-bit addressing, SDM Vol. 2A Tables
 * 2-2 and 2-3, with REX.B and REX.X (2.2.1.2, Table 2-5: the special cases
 * rm 4 = SIB and rm 5 / base 5 with mod 0 = disp32 are decided on the three
 * low bits, before REX.B). In 64-bit mode rm 5 with mod 0 is RIP-relative
 * (2.2.1.6, Table 2-7); SIB base 5 with mod 0 stays disp32 with no base.
 * An index of 4 is none, unless REX.X makes it R12.
 */
static bool modrm32(struct cursor *c, bool long64, u8 rex, u8 mod, u8 rm, struct insn_mem *m,
		    u8 *seg)
{
	unsigned disp_len = mod == 1 ? 1 : mod == 2 ? 4 : 0;
	u64 disp;

	m->base = INSN_NO_REG;
	if (rm == 4) {
		u8 sib, index, base;

		if (!next(c, &sib))
			return false;
		index = (u8)(((sib >> 3) & 7) | (rex & REX_X ? 8 : 0));
		base = sib & 7;
		m->scale = (u8)(1u << (sib >> 6));
		m->index = index == REG_SP ? INSN_NO_REG : index;
		if (base == REG_BP && mod == 0)
			disp_len = 4;
		else
			m->base = (u8)(base | (rex & REX_B ? 8 : 0));
	} else if (rm == REG_BP && mod == 0) {
		disp_len = 4;
		if (long64)
			m->base = INSN_REG_RIP;
	} else {
		m->base = (u8)(rm | (rex & REX_B ? 8 : 0));
	}
	if (!next_le(c, disp_len, &disp))
		return false;
	m->disp = disp_len ? sign_extend(disp, disp_len) : 0;
	/* SS for a base of rSP or rBP (Vol. 1 Table 3-5), as KVM reads it:
	 * R12 and R13 are not rSP and rBP. */
	*seg = m->base == REG_SP || m->base == REG_BP ? INSN_SEG_SS : INSN_SEG_DS;
	return true;
}

/* LOCK is legal only on a read-modify-write of memory (SDM Vol. 2A, LOCK:
 * #UD otherwise); CMP writes nothing, and group 1 includes it as /7. */
static bool lock_ok(const struct opcode *op, u8 alu)
{
	return (op->flags & OP_LOCK) && alu != INSN_ALU_CMP;
}

/* Operand and address size: SDM Vol. 1 Tables 3-3 and 3-4. 66 and 67
 * toggle the default; REX.W wins over 66 (Vol. 2A 2.2.1.2); there is no
 * 16-bit addressing in 64-bit mode. */
static void sizes(struct insn *out, u32 flags, const struct prefixes *p, unsigned code_bits)
{
	if (flags & OP_BYTE)
		out->size = 1;
	else if (p->rex & REX_W)
		out->size = 8;
	else
		out->size = (code_bits == 16) != p->opsize ? 2 : 4;
	if (code_bits == 64)
		out->addr_size = p->addrsize ? 4 : 8;
	else
		out->addr_size = (code_bits == 16) != p->addrsize ? 2 : 4;
}

/* The memory operand and the register operand: from ModRM, a moffs, or
 * implied by a string instruction. *seg is the default segment. Groups
 * (C6 C7 F6 F7 with /0, 80-83) are one-byte opcodes, opc. */
static bool operands(struct cursor *c, const struct opcode *op, u8 opc, const struct prefixes *p,
		     bool long64, u8 *seg)
{
	struct insn *out = c->out;
	u8 modrm, mod, reg, rm;

	out->mem.base = INSN_NO_REG;
	out->mem.index = INSN_NO_REG;
	out->mem.scale = 1;
	*seg = INSN_SEG_DS;
	if (op->flags & OP_MOFFS) {
		/* MOV AL/rAX with moffs: the offset is as wide as the address
		 * (Vol. 2A 2.2.1.4: 8 bytes in 64-bit mode, 4 with 67). */
		out->reg = 0;
		return next_le(c, out->addr_size, &out->mem.disp);
	}
	if (op->flags & OP_STRING) {
		/* MOVS, STOS, LODS (Vol. 2B): source seg:rSI, destination
		 * ES:rDI, which no prefix overrides (Vol. 1 3.7.4). */
		out->mem.base = out->kind == INSN_STOS ? REG_DI : REG_SI;
		out->reg = out->kind == INSN_MOVS ? INSN_NO_REG : 0;
		return true;
	}
	if (!next(c, &modrm))
		return false;
	mod = modrm >> 6;
	reg = (modrm >> 3) & 7;
	rm = modrm & 7;
	/* F6 /1 and F7 /1 are TEST again to binutils and to CPUs, but no
	 * manual lists them and no compiler emits them: refused too. */
	if ((op->flags & OP_DIGIT0) && reg != 0)
		return not_mmio(c, false, opc, reg, "");
	if (mod == 3)
		return fail(c, "ModRM mod=3 names a register, not memory");
	if (op->flags & OP_GRP1)
		out->alu = reg;
	else if (!(op->flags & OP_DIGIT0))
		out->reg = (u8)(reg | (p->rex & REX_R ? 8 : 0));
	if (out->addr_size == 2)
		return modrm16(c, mod, rm, &out->mem, seg);
	return modrm32(c, long64, p->rex, mod, rm, &out->mem, seg);
}

/* The register's size, for MOVZX/MOVSX/MOVSXD apart from the memory's. */
static bool reg_size(struct cursor *c, u32 flags, const struct prefixes *p)
{
	struct insn *out = c->out;

	if (flags & (OP_SRC8 | OP_SRC16 | OP_SRC32)) {
		out->reg_size = out->size;
		out->size = flags & OP_SRC8 ? 1 : flags & OP_SRC16 ? 2 : 4;
		/* 66 63: Intel reads r/m16 (Vol. 2B, MOVSXD r16, r/m16), AMD and
		 * binutils a doubleword; nobody needs it. */
		if ((flags & OP_SRC32) && out->reg_size == 2)
			return fail(c, "MOVSXD with a 16-bit operand: Intel and AMD "
				       "disagree on its source size");
		out->sign_extend = (flags & OP_SX) && out->reg_size > out->size;
	} else if (out->reg != INSN_NO_REG) {
		out->reg_size = out->size;
	}
	/* Without REX, byte registers 4-7 are AH CH DH BH (2.2.1.2). */
	out->high_byte = out->reg_size == 1 && !p->rex && out->reg >= 4 && out->reg < 8;
	return true;
}

/* imm8 (sign-extended to the operand size), imm16 or imm32 (sign-extended
 * to 64 bits with REX.W, 2.2.1.5). */
static bool immediate(struct cursor *c, u32 flags)
{
	struct insn *out = c->out;
	unsigned len = flags & OP_IMM8 ? 1 : out->size == 2 ? 2 : 4;
	u64 imm;

	if (!(flags & (OP_IMM8 | OP_IMMZ)))
		return true;
	if (!next_le(c, len, &imm))
		return false;
	out->has_imm = true;
	out->imm = sign_extend(imm, len) & size_mask(out->size);
	return true;
}

static bool decode(struct cursor *c, unsigned code_bits)
{
	struct insn *out = c->out;
	bool long64 = code_bits == 64;
	struct prefixes p = { 0 };
	const struct opcode *op;
	bool two = false;
	u8 opc, seg;

	if (code_bits != 16 && code_bits != 32 && code_bits != 64)
		return fail(c, "code_bits is not 16, 32 or 64");
	if (!read_prefixes(c, long64, &p, &opc))
		return false;
	if (opc == 0x0f) {
		two = true;
		if (!next(c, &opc))
			return false;
	}
	op = two ? &two_byte[opc] : &one_byte[opc];
	if (op->kind == INSN_NONE)
		return not_mmio(c, two, opc, -1, "");
	if ((op->flags & OP_NO64) && long64)
		return not_mmio(c, two, opc, -1, " in 64-bit mode");
	if ((op->flags & OP_ONLY64) && !long64)
		return not_mmio(c, two, opc, -1, " outside 64-bit mode");
	/* After 0F, F2 and F3 are mandatory prefixes of other instructions
	 * (Vol. 2A 2.1.1: F3 0F B8 is POPCNT, F3 0F BC TZCNT). */
	if (two && p.rep)
		return fail(c, "F2/F3 before a 0x0f opcode selects another instruction");

	out->kind = op->kind;
	out->alu = op->alu;
	out->rep = p.rep;
	out->lock = p.lock;
	out->reg = INSN_NO_REG;
	out->reg_is_dst = (op->flags & OP_REG_DST) != 0;
	sizes(out, op->flags, &p, code_bits);
	if (!operands(c, op, opc, &p, long64, &seg))
		return false;
	if (p.lock && !lock_ok(op, out->alu))
		return fail(c, "LOCK prefix on an instruction that is not a locked "
			       "read-modify-write of memory: the CPU raises #UD");
	if (out->kind == INSN_STOS) {
		out->seg = INSN_SEG_ES;
	} else if (p.seg != NO_SEG) {
		out->seg = p.seg;
		out->seg_override = true;
	} else {
		out->seg = seg;
	}
	if (!reg_size(c, op->flags, &p) || !immediate(c, op->flags))
		return false;
	out->len = (u8)c->pos;
	return true;
}

bool insn_decode(const u8 *bytes, size_t avail, unsigned code_bits, struct insn *out,
		 const char **why)
{
	struct cursor c = { .bytes = bytes, .avail = avail, .out = out };
	bool ok;

	memset(out, 0, sizeof(*out));
	ok = decode(&c, code_bits);
	if (why)
		*why = ok ? NULL : c.why;
	return ok;
}

size_t insn_prefix_len(const u8 *bytes, size_t avail, unsigned code_bits)
{
	struct insn scratch; /* only written on failure (next()): no need to clear it */
	struct cursor c = { .bytes = bytes, .avail = avail, .out = &scratch };
	struct prefixes p = { 0 };
	u8 opcode;

	if (!read_prefixes(&c, code_bits == 64, &p, &opcode))
		return c.pos; /* every byte a prefix (or 15 of them) */
	return c.pos - 1;
}

/*
 * MOV to or from a control register, SDM Vol. 2B "MOV—Move to/from
 * Control Registers": 0F 22 /r (to CR) and 0F 20 /r (from CR), always
 * between registers whatever ModRM.mod says; ModRM.reg with REX.R is the
 * control register, ModRM.rm with REX.B the general register. LOCK (F0)
 * selects CR8 on AMD outside 64-bit mode (APM Vol. 3, MOV CRn).
 */
bool insn_decode_mov_cr(const u8 *bytes, size_t avail, unsigned code_bits,
			struct insn_mov_cr *out, const char **why)
{
	struct insn scratch;
	struct cursor c = { .bytes = bytes, .avail = avail, .out = &scratch };
	struct prefixes p = { 0 };
	u8 opcode, op2, modrm;

	memset(&scratch, 0, sizeof(scratch));
	memset(out, 0, sizeof(*out));
	if (!read_prefixes(&c, code_bits == 64, &p, &opcode) || !next(&c, &op2) ||
	    !next(&c, &modrm)) {
		if (why)
			*why = c.why;
		return false;
	}
	if (opcode != 0x0f || (op2 != 0x20 && op2 != 0x22)) {
		if (why)
			*why = "not a MOV to or from a control register";
		return false;
	}
	out->to_cr = op2 == 0x22;
	out->cr = (u8)(((modrm >> 3) & 7) | ((p.rex & 4) ? 8 : 0) | (p.lock ? 8 : 0));
	out->gpr = (u8)((modrm & 7) | ((p.rex & 1) ? 8 : 0));
	out->len = (u8)c.pos;
	if (why)
		*why = NULL;
	return true;
}
