/*
 * Unit tests for arch/x86_64/insn_decode.c, the MMIO instruction decoder.
 *
 * The bulk of the cases is the table tests/unit/insn_decode_cases.txt:
 * every memory form of every address size, every opcode with each operand
 * size, prefixes, and refusals, each line saying what the decoder must
 * make of the bytes. test_table_matches_objdump runs
 * tools/check_insn_cases.py, which checks every line against binutils
 * objdump, so the decoder is held to a real disassembler through the
 * table. The decoder formats its result the way the table writes it
 * (format_insn), and the two strings must be equal.
 *
 * Every decode reads from a heap buffer of exactly `avail` bytes, so that
 * AddressSanitizer catches a read past the end; every proper prefix of
 * an accepted instruction must fail as truncated. Random byte strings
 * check the decoder's invariants. A few direct tests cover what the table
 * does not show: the upper bits of displacements and immediates, the
 * messages.
 */
#define _POSIX_C_SOURCE 200809L /* strtok_r, WEXITSTATUS */
#include "unit.h"

#include <ctype.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arch/insn_decode.h>

#define MAX_CASES 4096
#define CASE_BYTES 32
#define RANDOM_CHECKED 3000 /* random decodes checked against objdump */

struct tcase {
	unsigned line;
	unsigned mode;
	u8 bytes[CASE_BYTES];
	size_t n;
	bool ok;
	char want[256];    /* ok: the fields, as format_insn() writes them */
	char cls[16];      /* reject: why */
	size_t avail;      /* reject: bytes given to the decoder */
};

static struct tcase *cases;
static unsigned ncases;

/* The source directory, from __FILE__ ("tests/unit/" when make builds). */
static void src_path(char *buf, size_t len, const char *rel)
{
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash ? (int)(slash - __FILE__ + 1) : 0;

	snprintf(buf, len, "%.*s%s", dir, __FILE__, rel);
}

static const char *const reg_names[4][16] = {
	{ "al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b",
	  "r13b", "r14b", "r15b" },
	{ "ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w",
	  "r13w", "r14w", "r15w" },
	{ "eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d",
	  "r12d", "r13d", "r14d", "r15d" },
	{ "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12",
	  "r13", "r14", "r15" },
};
static const char *const high_names[4] = { "ah", "ch", "dh", "bh" };

static int size_index(unsigned size)
{
	return size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
}

static const char *reg_name(u8 reg, unsigned size, bool high)
{
	int i = size_index(size);

	if (reg == INSN_NO_REG)
		return "-";
	if (high)
		return reg >= 4 && reg < 8 && size == 1 ? high_names[reg - 4] : "?high";
	if (i < 0 || reg >= 16)
		return "?";
	return reg_names[i][reg];
}

static const char *addr_reg_name(u8 reg, unsigned addr_size)
{
	if (reg == INSN_REG_RIP)
		return addr_size == 8 ? "rip" : addr_size == 4 ? "eip" : "?rip";
	return reg_name(reg, addr_size, false);
}

static u64 mask(unsigned bytes)
{
	return bytes >= 8 ? ~0ull : (1ull << (8 * bytes)) - 1;
}

/* The table's way of writing a decoded instruction (format_fields() in
 * tools/check_insn_cases.py). */
static void format_insn(const struct insn *in, char *buf, size_t len)
{
	static const char *const kinds[] = { "none", "load", "store", "store_imm", "alu",
					     "xchg", "movs", "stos", "lods" };
	static const char *const alus[] = { "add", "or", "adc", "sbb", "and", "sub", "xor",
					    "cmp", "test" };
	static const char *const segs[] = { "es", "cs", "ss", "ds", "fs", "gs" };
	size_t o = 0;

#define OUT(...) (o += (size_t)snprintf(buf + o, o < len ? len - o : 0, __VA_ARGS__))
	OUT("%s len=%u size=%u reg=%s addr=%u seg=%s mem=%s,%s,%u,0x%llx",
	    in->kind <= INSN_LODS ? kinds[in->kind] : "?", in->len, in->size,
	    reg_name(in->reg, in->reg_size, in->high_byte), in->addr_size,
	    in->seg <= INSN_SEG_GS ? segs[in->seg] : "?", addr_reg_name(in->mem.base, in->addr_size),
	    addr_reg_name(in->mem.index, in->addr_size), in->mem.scale,
	    (unsigned long long)(in->mem.disp & mask(in->addr_size)));
	if (in->kind == INSN_ALU)
		OUT(" alu=%s", in->alu <= INSN_ALU_TEST ? alus[in->alu] : "?");
	if (in->has_imm)
		OUT(" imm=0x%llx", (unsigned long long)in->imm);
	if (in->rep)
		OUT(" rep=%s", in->rep == INSN_REP ? "rep" : "repne");
	if (in->seg_override)
		OUT(" ovr");
	if (in->lock)
		OUT(" lock");
	if (in->sign_extend)
		OUT(" sx");
	if (in->reg_is_dst)
		OUT(" to_reg");
#undef OUT
}

static int hexval(int c)
{
	return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

static void parse_line(char *line, unsigned lineno)
{
	struct tcase *c = &cases[ncases];
	char *hash = strchr(line, '#');
	char *tok, *save, *hex, *status;

	if (hash)
		*hash = '\0';
	tok = strtok_r(line, " \t\n", &save);
	if (!tok)
		return;
	assert_true(ncases < MAX_CASES);
	memset(c, 0, sizeof(*c));
	c->line = lineno;
	c->mode = (unsigned)atoi(tok);
	hex = strtok_r(NULL, " \t\n", &save);
	status = strtok_r(NULL, " \t\n", &save);
	assert_non_null(hex);
	assert_non_null(status);
	assert_true(strlen(hex) % 2 == 0 && strlen(hex) / 2 <= CASE_BYTES);
	for (c->n = 0; hex[2 * c->n]; c->n++)
		c->bytes[c->n] = (u8)(hexval(hex[2 * c->n]) << 4 | hexval(hex[2 * c->n + 1]));
	c->ok = strcmp(status, "ok") == 0;
	if (c->ok) {
		size_t o = 0;

		while ((tok = strtok_r(NULL, " \t\n", &save)))
			o += (size_t)snprintf(c->want + o, sizeof(c->want) - o, "%s%s", o ? " " : "", tok);
		assert_true(o < sizeof(c->want));
	} else {
		assert_string_equal(status, "reject");
		tok = strtok_r(NULL, " \t\n", &save);
		assert_non_null(tok);
		snprintf(c->cls, sizeof(c->cls), "%s", tok);
		c->avail = c->n;
		if ((tok = strtok_r(NULL, " \t\n", &save))) {
			assert_true(strncmp(tok, "avail=", 6) == 0);
			c->avail = (size_t)atoi(tok + 6);
		}
	}
	ncases++;
}

static int load_cases(void **state)
{
	char path[512], line[1024];
	unsigned lineno = 0;
	FILE *f;

	(void)state;
	src_path(path, sizeof(path), "insn_decode_cases.txt");
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "test_insn_decode: cannot open %s (run from the top of the tree)\n", path);
		return -1;
	}
	cases = calloc(MAX_CASES, sizeof(*cases));
	if (!cases)
		return -1;
	while (fgets(line, sizeof(line), f))
		parse_line(line, ++lineno);
	fclose(f);
	return 0;
}

static int free_cases(void **state)
{
	(void)state;
	free(cases);
	return 0;
}

/* Decode from a heap copy of exactly avail bytes: ASan sees any over-read. */
static bool decode_exact(const u8 *bytes, size_t avail, unsigned mode, struct insn *out,
			 const char **why)
{
	u8 *copy = malloc(avail ? avail : 1);
	bool ok;

	assert_non_null(copy);
	memcpy(copy, bytes, avail);
	ok = insn_decode(copy, avail, mode, out, why);
	free(copy);
	return ok;
}

/* What each refusal's message must contain. */
static const char *why_of(const char *cls)
{
	static const struct {
		const char *cls, *why;
	} whys[] = {
		{ "mod3", "mod=3" },
		{ "opcode", "is not an MMIO instruction" },
		{ "lock", "LOCK prefix" },
		{ "truncated", "truncated" },
		{ "toolong", "longer than 15 bytes" },
		{ "rep0f", "F2/F3 before a 0x0f opcode" },
		{ "movsxd16", "MOVSXD" },
	};

	for (size_t i = 0; i < ARRAY_SIZE(whys); i++)
		if (strcmp(cls, whys[i].cls) == 0)
			return whys[i].why;
	return NULL;
}

static void test_table(void **state)
{
	unsigned bad = 0, nok = 0;

	(void)state;
	assert_true(ncases > 0);
	for (unsigned i = 0; i < ncases; i++) {
		const struct tcase *c = &cases[i];
		const char *why = NULL, *want_why;
		struct insn in;
		char got[256];
		bool ok;

		if (c->ok) {
			nok++;
			ok = decode_exact(c->bytes, c->n, c->mode, &in, &why);
			if (ok)
				format_insn(&in, got, sizeof(got));
			if (!ok || strcmp(got, c->want) != 0) {
				printf("line %u: %u-bit %s\n  want %s\n  got  %s\n", c->line, c->mode,
				       ok ? "" : "refused", c->want, ok ? got : why);
				bad++;
			}
			continue;
		}
		want_why = why_of(c->cls);
		ok = decode_exact(c->bytes, c->avail, c->mode, &in, &why);
		if (ok || !want_why || !why || !strstr(why, want_why) ||
		    in.truncated != (strcmp(c->cls, "truncated") == 0)) {
			printf("line %u: %u-bit, want refusal '%s' (\"%s\"), got %s%s\n", c->line, c->mode,
			       c->cls, want_why ? want_why : "?", ok ? "accepted" : why,
			       !ok && in.truncated ? " (truncated)" : "");
			bad++;
		}
	}
	printf("test_insn_decode: %u cases in the table (%u accepted, %u refused), %u wrong\n",
	       ncases, nok, ncases - nok, bad);
	assert_int_equal(bad, 0);
}

/* Every proper prefix of an accepted instruction is truncated; more bytes
 * after it change nothing. */
static void test_truncation_and_trailing_bytes(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ncases; i++) {
		const struct tcase *c = &cases[i];
		struct insn a, b;
		u8 longer[CASE_BYTES];
		const char *why;

		if (!c->ok)
			continue;
		for (size_t k = 0; k < c->n; k++) {
			if (decode_exact(c->bytes, k, c->mode, &a, &why) || !a.truncated) {
				printf("line %u: %zu of %zu bytes: %s\n", c->line, k, c->n,
				       a.truncated ? "accepted" : why);
				fail();
			}
		}
		memset(longer, 0xcc, sizeof(longer));
		memcpy(longer, c->bytes, c->n);
		assert_true(decode_exact(c->bytes, c->n, c->mode, &a, &why));
		assert_true(decode_exact(longer, sizeof(longer), c->mode, &b, &why));
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

/* Run tools/check_insn_cases.py with args, by $PYTHON or python3: its
 * exit status, or -1 (and a note) if there is no Python. */
static int run_checker(const char *args)
{
	const char *python = getenv("PYTHON");
	char script[512], cmd[1200];
	int rc;

	src_path(script, sizeof(script), "../../tools/check_insn_cases.py");
	snprintf(cmd, sizeof(cmd), "'%s' '%s' %s", python && *python ? python : "python3", script,
		 args);
	fflush(stdout);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return 255;
	if (WEXITSTATUS(rc) == 127) {
		printf("test_insn_decode: python3 not found, nothing checked against objdump\n");
		return -1;
	}
	return WEXITSTATUS(rc);
}

/* The table against objdump. */
static void test_table_matches_objdump(void **state)
{
	char table[512], args[600];

	(void)state;
	src_path(table, sizeof(table), "insn_decode_cases.txt");
	snprintf(args, sizeof(args), "'%s'", table);
	assert_true(run_checker(args) <= 0);
}

static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Random bytes, half of them from prefixes and the accepted opcodes so
 * that decoding gets past the first byte. */
static void random_bytes(u8 *buf, size_t n)
{
	static const u8 pool[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26, 0x2e, 0x36, 0x3e, 0x64,
				   0x65, 0x40, 0x41, 0x44, 0x48, 0x4f, 0x0f, 0xb6, 0xb7, 0xbe,
				   0xbf, 0x88, 0x89, 0x8a, 0x8b, 0xc6, 0xc7, 0xa0, 0xa1, 0xa2,
				   0xa3, 0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad, 0x63, 0x80, 0x81,
				   0x83, 0x84, 0x85, 0x86, 0x87, 0xf6, 0xf7, 0x01, 0x3b, 0x04,
				   0x05, 0x24, 0x25, 0x44, 0x84, 0x00 };

	for (size_t i = 0; i < n; i++)
		buf[i] = rng() % 2 ? pool[rng() % sizeof(pool)] : (u8)rng();
}

/* What the decoder makes of random bytes must make sense. */
static void test_random_bytes(void **state)
{
	static const unsigned modes[] = { 16, 32, 64 };
	unsigned accepted = 0;

	(void)state;
	for (unsigned iter = 0; iter < 200000; iter++) {
		u8 buf[20];
		size_t avail = rng() % (sizeof(buf) + 1);
		unsigned mode = modes[rng() % 3];
		struct insn in, again;
		const char *why = NULL;

		random_bytes(buf, avail);
		if (!decode_exact(buf, avail, mode, &in, &why)) {
			assert_non_null(why);
			assert_true(why[0] != '\0');
			assert_true(!in.truncated || avail < INSN_MAX_LEN);
			continue;
		}
		accepted++;
		assert_null(why);
		assert_true(in.len >= 1 && in.len <= avail && in.len <= INSN_MAX_LEN);
		assert_true(in.kind >= INSN_LOAD && in.kind <= INSN_LODS);
		assert_true(size_index(in.size) >= 0);
		assert_true(in.addr_size == 2 || in.addr_size == 4 || in.addr_size == 8);
		assert_true(mode == 64 ? in.addr_size != 2 : in.addr_size != 8);
		assert_true(in.mem.scale == 1 || in.mem.scale == 2 || in.mem.scale == 4 ||
			    in.mem.scale == 8);
		assert_true(in.mem.base < 16 || in.mem.base == INSN_NO_REG ||
			    (in.mem.base == INSN_REG_RIP && mode == 64));
		assert_true(in.mem.index < 16 || in.mem.index == INSN_NO_REG);
		assert_true(in.seg <= INSN_SEG_GS);
		if (in.reg != INSN_NO_REG) {
			assert_true(in.reg < (mode == 64 ? 16 : 8));
			assert_true(size_index(in.reg_size) >= 0);
		} else {
			assert_int_equal(in.reg_size, 0);
		}
		assert_true(!in.high_byte || (in.reg >= 4 && in.reg < 8 && in.reg_size == 1));
		assert_true(in.kind == INSN_LOAD || in.reg == INSN_NO_REG || in.reg_size == in.size);
		assert_true(!in.sign_extend || in.reg_size > in.size);
		assert_true(!in.has_imm || (in.imm & ~mask(in.size)) == 0);
		/* The same bytes, exactly len of them: the same result. */
		assert_true(decode_exact(buf, in.len, mode, &again, &why));
		assert_memory_equal(&in, &again, sizeof(in));
	}
	printf("test_insn_decode: %u of 200000 random byte strings accepted\n", accepted);
	assert_true(accepted > 1000);
}

/* The decoder against objdump directly: what it accepts of random bytes,
 * written as table lines for the checker (--lenient: it skips what objdump
 * cannot show, see merge_rex() there). */
static void test_random_against_objdump(void **state)
{
	static const unsigned modes[] = { 16, 32, 64 };
	char path[] = "/tmp/test_insn_decode_XXXXXX", args[600], line[400];
	unsigned written = 0;
	int fd, rc;
	FILE *f;

	(void)state;
	rng_state = 0x2545f4914f6cdd1dull;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	while (written < RANDOM_CHECKED) {
		u8 buf[INSN_MAX_LEN];
		unsigned mode = modes[rng() % 3];
		struct insn in;
		const char *why;
		size_t o;

		random_bytes(buf, sizeof(buf));
		if (!insn_decode(buf, sizeof(buf), mode, &in, &why))
			continue;
		o = (size_t)snprintf(line, sizeof(line), "%u ", mode);
		for (unsigned i = 0; i < in.len; i++)
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%02x", buf[i]);
		o += (size_t)snprintf(line + o, sizeof(line) - o, " ok ");
		format_insn(&in, line + o, sizeof(line) - o);
		fprintf(f, "%s\n", line);
		written++;
	}
	assert_int_equal(fclose(f), 0);
	snprintf(args, sizeof(args), "--lenient '%s'", path);
	rc = run_checker(args);
	unlink(path);
	assert_true(rc <= 0);
}

static struct insn decode_ok(unsigned mode, const char *hex)
{
	u8 b[INSN_MAX_LEN + 1];
	size_t n = strlen(hex) / 2;
	struct insn in;
	const char *why;

	assert_true(n <= sizeof(b));
	for (size_t i = 0; i < n; i++)
		b[i] = (u8)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	if (!decode_exact(b, n, mode, &in, &why)) {
		printf("%u-bit %s: %s\n", mode, hex, why);
		fail();
	}
	assert_int_equal(in.len, n);
	return in;
}

static const char *decode_why(unsigned mode, const char *hex)
{
	u8 b[32];
	size_t n = strlen(hex) / 2;
	static struct insn in;
	const char *why = NULL;

	assert_true(n <= sizeof(b));
	for (size_t i = 0; i < n; i++)
		b[i] = (u8)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
	assert_false(insn_decode(b, n, mode, &in, &why));
	assert_non_null(why);
	return why;
}

/* What the table's modulo arithmetic does not show. */
static void test_semantics(void **state)
{
	struct insn in;

	(void)state;
	/* Linux's xAPIC read: mov eax, [rip+disp32]. */
	in = decode_ok(64, "8b05f0ffffff");
	assert_int_equal(in.kind, INSN_LOAD);
	assert_int_equal(in.mem.base, INSN_REG_RIP);
	assert_true(in.mem.disp == 0xfffffffffffffff0ull);
	/* Displacements sign-extend to 64 bits in every address size. */
	assert_true(decode_ok(16, "8b4680").mem.disp == ~0ull - 0x7f);
	assert_true(decode_ok(32, "8b8000000080").mem.disp == 0xffffffff80000000ull);
	/* moffs is zero-extended. */
	assert_true(decode_ok(32, "a100000080").mem.disp == 0x80000000ull);
	assert_true(decode_ok(16, "a10080").mem.disp == 0x8000ull);
	/* C7 with REX.W: imm32 sign-extended to 64 bits; 83: imm8 to 16. */
	assert_true(decode_ok(64, "48c700feffffff").imm == 0xfffffffffffffffeull);
	assert_true(decode_ok(64, "48c70000000080").imm == 0xffffffff80000000ull);
	assert_true(decode_ok(32, "66830080").imm == 0xff80);
	assert_true(decode_ok(32, "c60080").imm == 0x80);
	/* AH is register 4 with high_byte; with REX it is SPL. */
	in = decode_ok(64, "8820");
	assert_true(in.reg == 4 && in.high_byte && in.reg_size == 1);
	in = decode_ok(64, "408820");
	assert_true(in.reg == 4 && !in.high_byte);
	in = decode_ok(64, "448820");
	assert_true(in.reg == 12 && !in.high_byte);
	/* MOVZX into a 64-bit register; MOVSX sign-extends; MOVSXD. */
	in = decode_ok(64, "480fb600");
	assert_true(in.size == 1 && in.reg_size == 8 && !in.sign_extend);
	in = decode_ok(32, "0fbf00");
	assert_true(in.size == 2 && in.reg_size == 4 && in.sign_extend);
	in = decode_ok(64, "486300");
	assert_true(in.size == 4 && in.reg_size == 8 && in.sign_extend);
	in = decode_ok(64, "6300");
	assert_true(in.size == 4 && in.reg_size == 4 && !in.sign_extend);
	/* Default segments: SS for BP/EBP/ESP bases, DS for R12/R13 and a
	 * disp32 with no base. */
	assert_int_equal(decode_ok(16, "8b02").seg, INSN_SEG_SS);
	assert_int_equal(decode_ok(16, "8b4600").seg, INSN_SEG_SS);
	assert_int_equal(decode_ok(16, "8b063412").seg, INSN_SEG_DS);
	assert_int_equal(decode_ok(32, "8b0424").seg, INSN_SEG_SS);
	assert_int_equal(decode_ok(32, "8b4500").seg, INSN_SEG_SS);
	assert_int_equal(decode_ok(32, "8b0500000000").seg, INSN_SEG_DS);
	assert_int_equal(decode_ok(32, "8b042500000000").seg, INSN_SEG_DS);
	assert_int_equal(decode_ok(64, "418b4500").seg, INSN_SEG_DS);
	assert_int_equal(decode_ok(64, "418b0424").seg, INSN_SEG_DS);
	/* STOS writes ES:[rDI] whatever the prefix; MOVS reads the override. */
	in = decode_ok(32, "64aa");
	assert_true(in.seg == INSN_SEG_ES && !in.seg_override && in.mem.base == 7);
	in = decode_ok(32, "64a4");
	assert_true(in.seg == INSN_SEG_FS && in.seg_override && in.mem.base == 6);
	assert_int_equal(in.reg, INSN_NO_REG);
	/* 64-bit mode: null segment prefixes do not override, FS/GS do. */
	in = decode_ok(64, "2e8b00");
	assert_true(in.seg == INSN_SEG_DS && !in.seg_override);
	in = decode_ok(64, "64268b00");
	assert_true(in.seg == INSN_SEG_FS && in.seg_override);
	in = decode_ok(32, "64268b00");
	assert_true(in.seg == INSN_SEG_ES && in.seg_override);
	/* REX before a legacy prefix is ignored: 66 89 00 with 4 bytes. */
	in = decode_ok(64, "48668900");
	assert_true(in.size == 2 && in.len == 4);
	/* Rep on strings, both kinds, and the last one counts. */
	assert_int_equal(decode_ok(64, "f348a5").rep, INSN_REP);
	assert_int_equal(decode_ok(64, "f3f2a5").rep, INSN_REPNE);
	assert_int_equal(decode_ok(64, "f2f3a5").rep, INSN_REP);
	assert_int_equal(decode_ok(64, "67f348ab").addr_size, 4);
	/* The messages. */
	assert_string_equal(decode_why(64, "0f05"), "opcode 0x0f 0x05 is not an MMIO instruction");
	assert_string_equal(decode_why(32, "c60801"), "opcode 0xc6 /1 is not an MMIO instruction");
	assert_string_equal(decode_why(64, "821012"),
			    "opcode 0x82 is not an MMIO instruction in 64-bit mode");
	assert_string_equal(decode_why(32, "6300"),
			    "opcode 0x63 is not an MMIO instruction outside 64-bit mode");
	assert_string_equal(decode_why(32, "4000"), "opcode 0x40 is not an MMIO instruction");
	assert_string_equal(decode_why(64, "8b05000000"),
			    "truncated: the instruction goes on past 5 bytes");
	assert_non_null(strstr(decode_why(32, "8bc0"), "mod=3"));
	assert_string_equal(decode_why(48, "8b00"), "code_bits is not 16, 32 or 64");
	/* why may be NULL. */
	assert_false(insn_decode((const u8 *)"\x0f\x05", 2, 64, &in, NULL));
	assert_true(insn_decode((const u8 *)"\x8b\x00", 2, 64, &in, NULL));
}

/* 15 bytes is the limit, whatever avail says; before it, a short buffer
 * is only truncated. */
static void test_length_limit(void **state)
{
	u8 b[32];
	struct insn in;
	const char *why;

	(void)state;
	memset(b, 0x66, sizeof(b));
	b[13] = 0x8b;
	b[14] = 0x00;
	assert_true(insn_decode(b, sizeof(b), 32, &in, &why));
	assert_int_equal(in.len, 15);
	b[13] = 0x66;
	b[14] = 0x8b;
	b[15] = 0x00;
	assert_false(insn_decode(b, sizeof(b), 32, &in, &why));
	assert_false(in.truncated);
	assert_non_null(strstr(why, "longer than 15 bytes"));
	assert_false(decode_exact(b, 14, 32, &in, &why));
	assert_true(in.truncated);
	assert_false(decode_exact(b, 15, 32, &in, &why));
	assert_false(in.truncated);
	assert_false(decode_exact(b, 0, 64, &in, &why));
	assert_true(in.truncated);
}

/* The prefix count the SVM backend adds to an exit's opcode length, and
 * MOV to/from CRn, against the encodings of SDM Vol. 2A 2.1.1, 2.2.1 and
 * Vol. 2B MOV (control registers). */
static void test_prefix_len_and_mov_cr(void **state)
{
	static const u8 cpuid[] = { 0x0f, 0xa2 }, pfx_cpuid[] = { 0x66, 0xf3, 0x0f, 0xa2 },
			rex_rdmsr[] = { 0x48, 0x0f, 0x32 }, mov_cr4_eax[] = { 0x0f, 0x22, 0xe0 },
			mov_cr4_r9[] = { 0x41, 0x0f, 0x22, 0xe1 }, mov_cr8_rax[] = { 0x44, 0x0f, 0x22, 0xc0 },
			mov_rbx_cr4[] = { 0x0f, 0x20, 0xe3 }, lock_cr8[] = { 0xf0, 0x0f, 0x22, 0xc0 },
			not_cr[] = { 0x0f, 0x01, 0xc1 };
	struct insn_mov_cr mc;
	const char *why;

	(void)state;
	assert_int_equal(insn_prefix_len(cpuid, sizeof(cpuid), 32), 0);
	assert_int_equal(insn_prefix_len(pfx_cpuid, sizeof(pfx_cpuid), 32), 2);
	assert_int_equal(insn_prefix_len(rex_rdmsr, sizeof(rex_rdmsr), 64), 1);
	/* Outside 64-bit mode 0x48 is DEC EAX, an opcode: no prefix. */
	assert_int_equal(insn_prefix_len(rex_rdmsr, sizeof(rex_rdmsr), 32), 0);
	assert_int_equal(insn_prefix_len(pfx_cpuid, 2, 32), 2); /* bytes end first: all prefixes */
	assert_int_equal(insn_prefix_len(pfx_cpuid, 0, 32), 0);

	assert_true(insn_decode_mov_cr(mov_cr4_eax, sizeof(mov_cr4_eax), 32, &mc, &why));
	assert_true(mc.to_cr);
	assert_int_equal(mc.cr, 4);
	assert_int_equal(mc.gpr, 0);
	assert_int_equal(mc.len, 3);
	assert_true(insn_decode_mov_cr(mov_cr4_r9, sizeof(mov_cr4_r9), 64, &mc, &why));
	assert_int_equal(mc.cr, 4);
	assert_int_equal(mc.gpr, 9);
	assert_int_equal(mc.len, 4);
	assert_true(insn_decode_mov_cr(mov_cr8_rax, sizeof(mov_cr8_rax), 64, &mc, &why));
	assert_int_equal(mc.cr, 8);
	assert_true(insn_decode_mov_cr(mov_rbx_cr4, sizeof(mov_rbx_cr4), 64, &mc, &why));
	assert_false(mc.to_cr);
	assert_int_equal(mc.cr, 4);
	assert_int_equal(mc.gpr, 3);
	assert_true(insn_decode_mov_cr(lock_cr8, sizeof(lock_cr8), 32, &mc, &why));
	assert_int_equal(mc.cr, 8); /* AMD's LOCK MOV CR0 = MOV CR8 */
	assert_false(insn_decode_mov_cr(not_cr, sizeof(not_cr), 32, &mc, &why));
	assert_non_null(why);
	assert_false(insn_decode_mov_cr(mov_cr4_eax, 2, 32, &mc, &why)); /* truncated */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_len_and_mov_cr),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_truncation_and_trailing_bytes),
		cmocka_unit_test(test_table_matches_objdump),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_random_against_objdump),
		cmocka_unit_test(test_semantics),
		cmocka_unit_test(test_length_limit),
	};

	return cmocka_run_group_tests(tests, load_cases, free_cases);
}
