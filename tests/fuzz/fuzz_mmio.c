/*
 * The MMIO instruction decoder and emulator (arch/x86_64/insn_decode.c,
 * arch/x86_64/mmio_emul.c), as the EPT-violation path uses them.
 *
 * Input: instruction bytes (the first 15 are what a fetch at RIP gives);
 * any bytes after them seed the guest's registers and the device's value.
 * The bytes are decoded in 16-, 32- and 64-bit code, from a buffer of
 * exactly 15 bytes or fewer, also with avail claiming more than 15 (the
 * decoder must never read past INSN_MAX_LEN). Decoder invariants: on
 * success 1 <= len <= min(avail, 15), sizes and registers in range, an
 * 8-byte operand or address only in 64-bit code, the same decode from
 * exactly len bytes, and a "truncated" failure from len - 1; on failure
 * a reason. Each decoded instruction is then carried out against a fake
 * device and checked against a reference written here from the SDM: the
 * device sees only accesses of the decoded size with values that fit it,
 * in the order the instruction makes them, only the register operand and
 * the arithmetic flags change, to the values the reference computes (ADD,
 * ADC, SUB, SBB and CMP flags in 128-bit arithmetic); with no device
 * present nothing changes at all.
 */
#include "fuzz.h"

#include <arch/mmio_emul.h>

#define GPA 0xfec00010ull
#define F_CF (1ull << 0)
#define F_PF (1ull << 2)
#define F_AF (1ull << 4)
#define F_ZF (1ull << 6)
#define F_SF (1ull << 7)
#define F_OF (1ull << 11)

struct dev {
	u64 value;
	bool absent;
	unsigned size;  /* the decoded access size */
	unsigned reads, writes;
	bool read_first; /* the first access was a read */
	u64 written;
};

static bool dev_access(void *ctx, u64 gpa, unsigned size, bool write, u64 *value)
{
	struct dev *d = ctx;
	u64 m = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;

	FUZZ_CHECK(gpa == GPA);
	FUZZ_CHECK(size == d->size);
	if (d->absent)
		return false;
	if (!d->reads && !d->writes)
		d->read_first = !write;
	if (write) {
		FUZZ_CHECK((*value & ~m) == 0);
		d->writes++;
		d->written = *value;
	} else {
		d->reads++;
		*value = d->value & m;
	}
	return true;
}

static u64 mask_of(unsigned size)
{
	return size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static u64 sext(u64 v, unsigned size)
{
	unsigned sh = 64 - size * 8;

	return size >= 8 ? v : (u64)((s64)(v << sh) >> sh);
}

/* SDM Vol. 1 3.4.1.1: a 32-bit result zero-extends, 8 and 16 merge. */
static u64 reg_write(const struct insn *in, u64 old, u64 v)
{
	if (in->high_byte)
		return (old & ~0xff00ull) | ((v & 0xff) << 8);
	if (in->reg_size >= 4)
		return v & mask_of(in->reg_size);
	return (old & ~mask_of(in->reg_size)) | (v & mask_of(in->reg_size));
}

static u64 reg_read(const struct insn *in, const u64 *gpr)
{
	if (in->high_byte)
		return (gpr[in->reg - 4] >> 8) & 0xff;
	return gpr[in->reg] & mask_of(in->reg_size);
}

/* The reference ALU: SDM Vol. 2 ADD, ADC, SUB, SBB, CMP, AND, OR, XOR, TEST. */
static u64 ref_alu(enum insn_alu op, u64 a, u64 b, unsigned size, bool carry, u64 *flags,
		   bool *af_defined)
{
	u64 m = mask_of(size), msb = 1ull << (size * 8 - 1), r, f = 0;
	unsigned __int128 wide;
	u64 c;

	a &= m;
	b &= m;
	*af_defined = true;
	switch (op) {
	case INSN_ALU_ADD:
	case INSN_ALU_ADC:
		c = op == INSN_ALU_ADC && carry;
		wide = (unsigned __int128)a + b + c;
		r = (u64)wide & m;
		f |= wide > m ? F_CF : 0;
		f |= (~(a ^ b) & (a ^ r) & msb) ? F_OF : 0;
		f |= ((a & 0xf) + (b & 0xf) + c > 0xf) ? F_AF : 0;
		break;
	case INSN_ALU_SUB:
	case INSN_ALU_SBB:
	case INSN_ALU_CMP:
		c = op == INSN_ALU_SBB && carry;
		r = (a - b - c) & m;
		f |= ((unsigned __int128)a < (unsigned __int128)b + c) ? F_CF : 0;
		f |= ((a ^ b) & (a ^ r) & msb) ? F_OF : 0;
		f |= ((a & 0xf) < (b & 0xf) + c) ? F_AF : 0;
		break;
	case INSN_ALU_OR:
		r = a | b;
		*af_defined = false;
		break;
	case INSN_ALU_XOR:
		r = a ^ b;
		*af_defined = false;
		break;
	default:
		r = a & b;
		*af_defined = false;
		break;
	}
	f |= r == 0 ? F_ZF : 0;
	f |= (r & msb) ? F_SF : 0;
	f |= (__builtin_popcount((unsigned)(r & 0xff)) & 1) ? 0 : F_PF;
	*flags = f;
	return r;
}

static void check_decoded(const struct insn *in, size_t avail, unsigned bits)
{
	FUZZ_CHECK(in->len >= 1 && in->len <= INSN_MAX_LEN && in->len <= avail);
	FUZZ_CHECK(in->kind >= INSN_LOAD && in->kind <= INSN_LODS);
	FUZZ_CHECK(in->size == 1 || in->size == 2 || in->size == 4 || in->size == 8);
	FUZZ_CHECK(in->size != 8 || bits == 64);
	FUZZ_CHECK(in->addr_size == 2 || in->addr_size == 4 || in->addr_size == 8);
	FUZZ_CHECK(in->addr_size != 8 || bits == 64);
	FUZZ_CHECK(in->addr_size != 2 || bits != 64);
	FUZZ_CHECK(in->seg <= INSN_SEG_GS);
	if (in->reg != INSN_NO_REG) {
		FUZZ_CHECK(in->reg < 16 && (bits == 64 || in->reg < 8));
		FUZZ_CHECK(in->reg_size == 1 || in->reg_size == 2 || in->reg_size == 4 ||
			   in->reg_size == 8);
		FUZZ_CHECK(in->reg_size >= in->size);
		FUZZ_CHECK(!in->high_byte || (in->reg_size == 1 && in->reg >= 4 && in->reg < 8));
	} else {
		FUZZ_CHECK(!in->high_byte);
	}
	FUZZ_CHECK(!in->sign_extend || (in->kind == INSN_LOAD && in->reg_size > in->size));
	FUZZ_CHECK(!in->has_imm || (in->imm & ~mask_of(in->size)) == 0);
	FUZZ_CHECK(in->mem.base < 16 || in->mem.base == INSN_REG_RIP ||
		   in->mem.base == INSN_NO_REG);
	FUZZ_CHECK(in->mem.base != INSN_REG_RIP || bits == 64);
	FUZZ_CHECK(in->mem.index < 16 || in->mem.index == INSN_NO_REG);
	FUZZ_CHECK(in->mem.scale == 1 || in->mem.scale == 2 || in->mem.scale == 4 ||
		   in->mem.scale == 8);
	FUZZ_CHECK(!in->lock || in->kind == INSN_ALU || in->kind == INSN_XCHG);
}

static void emulate(const struct insn *in, const struct mmio_cpu *start, u64 dev_value)
{
	struct mmio_cpu c = *start, want = *start;
	struct dev d = { .value = dev_value, .size = in->size };
	const char *why = NULL;
	u64 m = mask_of(in->size), mem = dev_value & m, flags = 0, r;
	bool af_defined = true, ok;
	unsigned slot = in->high_byte ? in->reg - 4u : in->reg;

	/* No device: nothing may change. */
	d.absent = true;
	FUZZ_CHECK(!mmio_emulate(in, &c, GPA, dev_access, &d, &why) && why && why[0]);
	FUZZ_CHECK(memcmp(&c, start, sizeof(c)) == 0);

	d.absent = false;
	ok = mmio_emulate(in, &c, GPA, dev_access, &d, &why);
	if (in->kind == INSN_MOVS || in->kind == INSN_STOS || in->kind == INSN_LODS) {
		FUZZ_CHECK(!ok && why && why[0] && !d.reads && !d.writes);
		FUZZ_CHECK(memcmp(&c, start, sizeof(c)) == 0);
		return;
	}
	FUZZ_CHECK(ok);
	switch (in->kind) {
	case INSN_LOAD:
		FUZZ_CHECK(d.reads == 1 && d.writes == 0);
		want.gpr[slot] = reg_write(in, start->gpr[slot],
					   in->sign_extend ? sext(mem, in->size) : mem);
		break;
	case INSN_STORE:
	case INSN_STORE_IMM:
		FUZZ_CHECK(d.reads == 0 && d.writes == 1);
		FUZZ_CHECK(d.written == ((in->kind == INSN_STORE ? reg_read(in, start->gpr) : in->imm) & m));
		break;
	case INSN_XCHG:
		FUZZ_CHECK(d.reads == 1 && d.writes == 1 && d.read_first);
		FUZZ_CHECK(d.written == (reg_read(in, start->gpr) & m));
		want.gpr[slot] = reg_write(in, start->gpr[slot], mem);
		break;
	case INSN_ALU: {
		u64 src = in->has_imm ? in->imm : reg_read(in, start->gpr);
		bool writes = in->alu != INSN_ALU_CMP && in->alu != INSN_ALU_TEST;
		bool carry = start->rflags & F_CF;

		FUZZ_CHECK(d.reads == 1 && d.read_first);
		if (in->reg_is_dst) {
			r = ref_alu(in->alu, reg_read(in, start->gpr), mem, in->size, carry, &flags,
				    &af_defined);
			FUZZ_CHECK(d.writes == 0);
			if (writes)
				want.gpr[slot] = reg_write(in, start->gpr[slot], r);
		} else {
			r = ref_alu(in->alu, mem, src, in->size, carry, &flags, &af_defined);
			FUZZ_CHECK(d.writes == (writes ? 1u : 0u));
			if (writes)
				FUZZ_CHECK(d.written == r);
		}
		want.rflags = (start->rflags & ~MMIO_FLAGS_ARITH) | flags;
		if (!af_defined)
			c.rflags = (c.rflags & ~F_AF) | (want.rflags & F_AF);
		break;
	}
	default:
		FUZZ_CHECK(!"unknown kind");
	}
	FUZZ_CHECK(memcmp(&c, &want, sizeof(c)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned modes[3] = { 16, 32, 64 };
	size_t n = MIN(size, (size_t)INSN_MAX_LEN);
	u8 *bytes = malloc(n ? n : 1);
	struct fuzz_in tail = fuzz_in(data + n, size - n);
	struct mmio_cpu cpu;
	u64 dev_value;

	memcpy(bytes, data, n);
	for (unsigned i = 0; i < 16; i++)
		cpu.gpr[i] = 0x0123456789abcdefull * (i + 1) ^ fuzz_u64(&tail);
	cpu.rflags = 0x2 | (fuzz_u64(&tail) & 0xcd5);
	dev_value = 0xfedcba9876543210ull ^ fuzz_u64(&tail);

	for (unsigned k = 0; k < 3; k++) {
		struct insn in, again;
		struct insn_mov_cr mc;
		const char *why = NULL;
		size_t np = insn_prefix_len(bytes, n, modes[k]);

		/* The SVM backend's helpers on the same bytes: never past them. */
		FUZZ_CHECK(np <= INSN_MAX_LEN && np <= n);
		if (insn_decode_mov_cr(bytes, n, modes[k], &mc, &why))
			FUZZ_CHECK(mc.len >= 3 && mc.len <= n && mc.cr < 16 && mc.gpr < 16);
		else
			FUZZ_CHECK(why && why[0]);

		/* Claiming more than 15 bytes: the decoder reads at most 15. */
		if (size > INSN_MAX_LEN) {
			bool ok = insn_decode(bytes, size, modes[k], &in, &why);

			FUZZ_CHECK(ok || (why && why[0]));
			FUZZ_CHECK(!ok || in.len <= INSN_MAX_LEN);
		}
		if (!insn_decode(bytes, n, modes[k], &in, &why)) {
			FUZZ_CHECK(why && why[0]);
			FUZZ_CHECK(!in.truncated || n < INSN_MAX_LEN);
			continue;
		}
		check_decoded(&in, n, modes[k]);
		FUZZ_CHECK(insn_decode(bytes, in.len, modes[k], &again, &why));
		FUZZ_CHECK(memcmp(&in, &again, offsetof(struct insn, why_buf)) == 0);
		FUZZ_CHECK(!insn_decode(bytes, in.len - 1u, modes[k], &again, &why));
		FUZZ_CHECK(again.truncated);
		emulate(&in, &cpu, dev_value);
	}
	free(bytes);
	return 0;
}
