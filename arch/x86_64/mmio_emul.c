/*
 * One decoded instruction against an emulated device (arch/mmio_emul.h).
 */
#include <arch/mmio_emul.h>

#define F_CF (1ull << 0)
#define F_PF (1ull << 2)
#define F_AF (1ull << 4)
#define F_ZF (1ull << 6)
#define F_SF (1ull << 7)
#define F_OF (1ull << 11)

static u64 mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static u64 sign_extend(u64 v, unsigned size)
{
	unsigned shift = 64 - size * 8;

	return size >= 8 ? v : (u64)((s64)(v << shift) >> shift);
}

/* PF: set if the low byte of the result has an even number of 1 bits. */
static bool parity_even(u64 r)
{
	return !(__builtin_popcount((unsigned)(r & 0xff)) & 1);
}

u64 mmio_alu(enum insn_alu op, u64 a, u64 b, unsigned size, bool carry, u64 *flags)
{
	u64 m = mask_of(size), msb = 1ull << (size * 8 - 1);
	u64 r, f = 0;
	bool cf = false, of = false, af = false;

	a &= m;
	b &= m;
	switch (op) {
	case INSN_ALU_ADD:
	case INSN_ALU_ADC: {
		u64 c = op == INSN_ALU_ADC && carry;

		r = (a + b + c) & m;
		cf = r < a || (c && r == a);
		of = ((a ^ r) & (b ^ r) & msb) != 0;
		af = ((a ^ b ^ r) & 0x10) != 0;
		break;
	}
	case INSN_ALU_SUB:
	case INSN_ALU_CMP:
	case INSN_ALU_SBB: {
		u64 c = op == INSN_ALU_SBB && carry;

		r = (a - b - c) & m;
		cf = a < b || (c && a == b);
		of = ((a ^ b) & (a ^ r) & msb) != 0;
		af = ((a ^ b ^ r) & 0x10) != 0;
		break;
	}
	case INSN_ALU_OR:
		r = a | b;
		break;
	case INSN_ALU_XOR:
		r = a ^ b;
		break;
	case INSN_ALU_AND:
	case INSN_ALU_TEST:
	default:
		r = a & b; /* CF = OF = 0; AF undefined, left 0 */
		break;
	}
	f |= cf ? F_CF : 0;
	f |= of ? F_OF : 0;
	f |= af ? F_AF : 0;
	f |= r == 0 ? F_ZF : 0;
	f |= (r & msb) ? F_SF : 0;
	f |= parity_even(r) ? F_PF : 0;
	*flags = f;
	return r;
}

/* The register operand, reg_size bytes wide (AH..BH with high_byte). */
static u64 get_reg(const struct insn *in, const struct mmio_cpu *c)
{
	if (in->high_byte)
		return (c->gpr[in->reg - 4] >> 8) & 0xff;
	return c->gpr[in->reg] & mask_of(in->reg_size);
}

/* Write a register as the CPU does (SDM Vol. 1 3.4.1.1): a 32-bit result
 * clears bits 63:32; an 8- or 16-bit one keeps the rest. */
static void set_reg(const struct insn *in, struct mmio_cpu *c, u64 v)
{
	u64 *r;

	if (in->high_byte) {
		r = &c->gpr[in->reg - 4];
		*r = (*r & ~0xff00ull) | ((v & 0xff) << 8);
		return;
	}
	r = &c->gpr[in->reg];
	if (in->reg_size >= 4)
		*r = v & mask_of(in->reg_size);
	else
		*r = (*r & ~mask_of(in->reg_size)) | (v & mask_of(in->reg_size));
}

bool mmio_emulate(const struct insn *in, struct mmio_cpu *c, u64 gpa, mmio_access_fn fn,
		  void *ctx, const char **why)
{
	u64 m = mask_of(in->size), mem = 0, val, flags;

	switch (in->kind) {
	case INSN_LOAD:
		if (!fn(ctx, gpa, in->size, false, &mem))
			goto absent;
		mem &= m;
		set_reg(in, c, in->sign_extend ? sign_extend(mem, in->size) : mem);
		return true;
	case INSN_STORE:
	case INSN_STORE_IMM:
		val = (in->kind == INSN_STORE ? get_reg(in, c) : in->imm) & m;
		if (!fn(ctx, gpa, in->size, true, &val))
			goto absent;
		return true;
	case INSN_XCHG:
		/* Read, then write: a device sees both halves in order. */
		if (!fn(ctx, gpa, in->size, false, &mem))
			goto absent;
		val = get_reg(in, c) & m;
		if (!fn(ctx, gpa, in->size, true, &val))
			goto absent;
		set_reg(in, c, mem & m);
		return true;
	case INSN_ALU: {
		u64 src = in->has_imm ? in->imm : get_reg(in, c);
		bool cf = c->rflags & F_CF;
		bool writes = in->alu != INSN_ALU_CMP && in->alu != INSN_ALU_TEST;

		if (!fn(ctx, gpa, in->size, false, &mem))
			goto absent;
		mem &= m;
		if (in->reg_is_dst) {
			val = mmio_alu(in->alu, get_reg(in, c), mem, in->size, cf, &flags);
			if (writes)
				set_reg(in, c, val);
		} else {
			val = mmio_alu(in->alu, mem, src, in->size, cf, &flags);
			if (writes && !fn(ctx, gpa, in->size, true, &val))
				goto absent;
		}
		c->rflags = (c->rflags & ~MMIO_FLAGS_ARITH) | flags;
		return true;
	}
	case INSN_MOVS:
	case INSN_STOS:
	case INSN_LODS:
		*why = "string instructions (MOVS, STOS, LODS) on emulated MMIO are not emulated";
		return false;
	case INSN_NONE:
		break;
	}
	*why = "not a memory instruction";
	return false;
absent:
	*why = "no device answered";
	return false;
}
