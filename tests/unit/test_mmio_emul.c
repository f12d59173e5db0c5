/*
 * Unit tests for arch/x86_64/mmio_emul.c: real instruction bytes, decoded
 * by insn_decode() as the exit path does, carried out against a fake
 * device that records each access. Register results follow SDM Vol. 1
 * 3.4.1.1 (32-bit writes zero-extend, 8/16-bit writes merge); the ALU
 * flags are checked against values worked out by hand from the SDM's
 * definitions of ADD, SUB, CMP, AND, TEST (Vol. 2) and Appendix A.
 */
#include "unit.h"

#include <arch/mmio_emul.h>

#define GPA 0xfee00300ull
#define RAX 0
#define RCX 1
#define RDX 2
#define RBX 3
#define RSI 6
#define R9 9

struct fake_dev {
	u64 reg;          /* the device register's value */
	unsigned reads, writes;
	unsigned last_size;
	bool absent;
};

static bool dev_access(void *ctx, u64 gpa, unsigned size, bool write, u64 *value)
{
	struct fake_dev *d = ctx;

	if (d->absent || gpa != GPA)
		return false;
	d->last_size = size;
	if (write) {
		d->writes++;
		d->reg = *value;
	} else {
		d->reads++;
		*value = d->reg & (size == 8 ? ~0ull : (1ull << (size * 8)) - 1);
	}
	return true;
}

/* Decode bytes (in code_bits mode) and run them; true if both worked. */
static bool run(const u8 *bytes, size_t n, unsigned bits, struct mmio_cpu *c, struct fake_dev *d,
		const char **why)
{
	struct insn in;

	assert_true(insn_decode(bytes, n, bits, &in, why));
	assert_int_equal(in.len, n);
	return mmio_emulate(&in, c, GPA, dev_access, d, why);
}

#define RUN(bits, c, d, ...)                                                           \
	({                                                                             \
		static const u8 b_[] = { __VA_ARGS__ };                                \
		const char *w_ = NULL;                                                 \
		bool ok_ = run(b_, sizeof(b_), bits, c, d, &w_);                        \
		if (!ok_)                                                              \
			fprintf(stderr, "emulation failed: %s\n", w_);                  \
		ok_;                                                                   \
	})

static void test_mov_load_store(void **state)
{
	struct mmio_cpu c = { 0 };
	struct fake_dev d = { .reg = 0x11223344 };

	(void)state;
	c.gpr[RAX] = 0xffffffff00000000ull;
	assert_true(RUN(64, &c, &d, 0x8b, 0x07)); /* mov eax, [rdi] */
	assert_int_equal(c.gpr[RAX], 0x11223344); /* 32-bit write zero-extends */
	c.gpr[RBX] = 0xaabbccdd;
	assert_true(RUN(64, &c, &d, 0x89, 0x1f)); /* mov [rdi], ebx */
	assert_int_equal(d.reg, 0xaabbccdd);
	assert_int_equal(d.last_size, 4);
	/* 16-bit load keeps bits 63:16. */
	c.gpr[RCX] = 0x1234567890abcdefull;
	assert_true(RUN(64, &c, &d, 0x66, 0x8b, 0x0f)); /* mov cx, [rdi] */
	assert_int_equal(c.gpr[RCX], 0x1234567890abccddull);
	/* mov r9, [rdi] (REX.WR) */
	d.reg = 0x8877665544332211ull;
	assert_true(RUN(64, &c, &d, 0x4c, 0x8b, 0x0f));
	assert_int_equal(c.gpr[R9], 0x8877665544332211ull);
	assert_int_equal(d.last_size, 8);
	/* The 32-bit code of a Multiboot guest: mov [0xfee00300], eax (A3 moffs). */
	c.gpr[RAX] = 0x000c4500;
	assert_true(RUN(32, &c, &d, 0xa3, 0x00, 0x03, 0xe0, 0xfe));
	assert_int_equal(d.reg, 0x000c4500);
}

static void test_store_imm_and_high_byte(void **state)
{
	struct mmio_cpu c = { 0 };
	struct fake_dev d = { 0 };

	(void)state;
	assert_true(RUN(32, &c, &d, 0xc7, 0x00, 0x00, 0x01, 0x00, 0x00)); /* mov dword [eax], 0x100 */
	assert_int_equal(d.reg, 0x100);
	assert_true(RUN(32, &c, &d, 0xc6, 0x00, 0x7f)); /* mov byte [eax], 0x7f */
	assert_int_equal(d.reg, 0x7f);
	assert_int_equal(d.last_size, 1);
	c.gpr[RDX] = 0xbe00;
	assert_true(RUN(32, &c, &d, 0x88, 0x30)); /* mov [eax], dh */
	assert_int_equal(d.reg, 0xbe);
	d.reg = 0x5a;
	c.gpr[RBX] = 0xffffffffffffffffull;
	assert_true(RUN(64, &c, &d, 0x8a, 0x3e)); /* mov bh, [rsi] */
	assert_int_equal(c.gpr[RBX], 0xffffffffffff5affull);
}

static void test_movzx_movsx(void **state)
{
	struct mmio_cpu c = { 0 };
	struct fake_dev d = { .reg = 0x80f0 };

	(void)state;
	c.gpr[RAX] = ~0ull;
	assert_true(RUN(64, &c, &d, 0x0f, 0xb6, 0x07)); /* movzx eax, byte [rdi] */
	assert_int_equal(c.gpr[RAX], 0xf0);
	assert_true(RUN(64, &c, &d, 0x48, 0x0f, 0xbf, 0x07)); /* movsx rax, word [rdi] */
	assert_int_equal(c.gpr[RAX], 0xffffffffffff80f0ull);
	d.reg = 0x80000000;
	assert_true(RUN(64, &c, &d, 0x48, 0x63, 0x07)); /* movsxd rax, dword [rdi] */
	assert_int_equal(c.gpr[RAX], 0xffffffff80000000ull);
}

static void test_xchg(void **state)
{
	struct mmio_cpu c = { 0 };
	struct fake_dev d = { .reg = 0x1111 };

	(void)state;
	c.gpr[RAX] = 0x2222;
	assert_true(RUN(64, &c, &d, 0x87, 0x07)); /* xchg [rdi], eax */
	assert_int_equal(c.gpr[RAX], 0x1111);
	assert_int_equal(d.reg, 0x2222);
	assert_int_equal(d.reads, 1);
	assert_int_equal(d.writes, 1);
}

static void test_alu_forms(void **state)
{
	struct mmio_cpu c = { 0 };
	struct fake_dev d = { .reg = 0xf0 };

	(void)state;
	/* or dword [rdi], 0x100: read-modify-write; CF = OF = 0. */
	c.rflags = 0x2 | 0x1 | 0x800;
	assert_true(RUN(64, &c, &d, 0x81, 0x0f, 0x00, 0x01, 0x00, 0x00));
	assert_int_equal(d.reg, 0x1f0);
	assert_int_equal(c.rflags, 0x2 | 0x4); /* 0xf0, the low byte, has 4 bits: PF */
	/* cmp dword [rdi], 0x1f0: equal, ZF and PF set, nothing written. */
	d.writes = 0;
	assert_true(RUN(64, &c, &d, 0x81, 0x3f, 0xf0, 0x01, 0x00, 0x00));
	assert_int_equal(d.writes, 0);
	assert_int_equal(c.rflags, 0x2 | 0x40 | 0x4);
	/* test dword [rdi], 0x200: ZF. */
	assert_true(RUN(64, &c, &d, 0xf7, 0x07, 0x00, 0x02, 0x00, 0x00));
	assert_true(c.rflags & 0x40);
	/* add eax, [rdi] (reg is the destination). */
	c.gpr[RAX] = 0x10;
	assert_true(RUN(64, &c, &d, 0x03, 0x07));
	assert_int_equal(c.gpr[RAX], 0x200);
	assert_int_equal(d.reg, 0x1f0);
	/* and dword [rdi], ecx */
	c.gpr[RCX] = 0x0f;
	assert_true(RUN(64, &c, &d, 0x21, 0x0f));
	assert_int_equal(d.reg, 0x0);
	assert_true(c.rflags & 0x40);
}

static void test_alu_flags(void **state)
{
	u64 f, r;

	(void)state;
	r = mmio_alu(INSN_ALU_ADD, 0x7fffffff, 1, 4, false, &f);
	assert_int_equal(r, 0x80000000);
	assert_int_equal(f, 0x800 | 0x80 | 0x10 | 0x4); /* OF SF AF PF */
	r = mmio_alu(INSN_ALU_ADD, 0xff, 1, 1, false, &f);
	assert_int_equal(r, 0);
	assert_int_equal(f, 0x1 | 0x40 | 0x10 | 0x4); /* CF ZF AF PF */
	r = mmio_alu(INSN_ALU_SUB, 0, 1, 2, false, &f);
	assert_int_equal(r, 0xffff);
	assert_int_equal(f, 0x1 | 0x80 | 0x10 | 0x4); /* CF SF AF PF */
	r = mmio_alu(INSN_ALU_SUB, 0x80, 1, 1, false, &f);
	assert_int_equal(r, 0x7f);
	assert_int_equal(f, 0x800 | 0x10); /* OF AF; 0x7f has 7 bits: no PF */
	r = mmio_alu(INSN_ALU_ADC, 0xffffffffffffffffull, 0, 8, true, &f);
	assert_int_equal(r, 0);
	assert_true(f & 0x1);
	r = mmio_alu(INSN_ALU_SBB, 5, 5, 4, true, &f);
	assert_int_equal(r, 0xffffffff);
	assert_true(f & 0x1);
	r = mmio_alu(INSN_ALU_XOR, 0x3, 0x3, 4, false, &f);
	assert_int_equal(f, 0x40 | 0x4);
}

static void test_refusals(void **state)
{
	struct mmio_cpu c = { 0 }, before;
	struct fake_dev d = { .reg = 7 };
	struct insn in;
	const char *why;
	static const u8 movs[] = { 0xa5 }, load[] = { 0x8b, 0x07 };

	(void)state;
	assert_true(insn_decode(movs, 1, 64, &in, &why));
	assert_false(mmio_emulate(&in, &c, GPA, dev_access, &d, &why));
	assert_non_null(strstr(why, "string instructions"));
	/* No device: nothing changes. */
	d.absent = true;
	c.gpr[RAX] = 0x55;
	before = c;
	assert_true(insn_decode(load, 2, 64, &in, &why));
	assert_false(mmio_emulate(&in, &c, GPA, dev_access, &d, &why));
	assert_string_equal(why, "no device answered");
	assert_memory_equal(&c, &before, sizeof(c));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mov_load_store),
		cmocka_unit_test(test_store_imm_and_high_byte),
		cmocka_unit_test(test_movzx_movsx),
		cmocka_unit_test(test_xchg),
		cmocka_unit_test(test_alu_forms),
		cmocka_unit_test(test_alu_flags),
		cmocka_unit_test(test_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
