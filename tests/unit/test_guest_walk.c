/*
 * Unit tests for hv/guest_walk.c, the guest page-table walker: a host
 * buffer stands for the guest's RAM, the tests write page tables into it
 * as a guest kernel would, and check what each linear address translates
 * to in every paging mode (none, 32-bit, PAE, 4-level, 5-level) and page
 * size (4 KiB, 4 MiB with and without PSE-36, 2 MiB, 1 GiB); an entry not
 * present at each level; a table pointer outside RAM at each level; the
 * reserved bits the walker rejects and the bits it must ignore; the PAE
 * PDPT found by CR3 bits 31:5 and indexed by linear bits 31:30; canonical
 * addresses for 48 and 57 bits; and guest_read_linear across a page
 * boundary into a page mapped elsewhere, into an unmapped page and into a
 * page that is not RAM.
 *
 * Every read goes through ram_read(), which fails the test if the walker
 * asks for any size but 4 or 8 or for an unaligned address (the contract
 * of guest_phys_read_fn in tessera/guest_walk.h).
 */
#include "unit.h"

#include <tessera/guest_walk.h>

/* The architectural bits, written out here so that the test does not
 * share a typo with the code (SDM Vol. 3A 2.5, 2.2.1, chapter 4). */
#define CR0_PE (1ull << 0)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define EFER_NXE (1ull << 11)

#define P (1ull << 0)
#define RW (1ull << 1)
#define US (1ull << 2)
#define A (1ull << 5)
#define D (1ull << 6)
#define PS (1ull << 7)
#define PAT_LARGE (1ull << 12) /* PAT in a 2 MiB / 1 GiB / 4 MiB entry */
#define XD (1ull << 63)
#define ADDR64 0x000ffffffffff000ull

/*
 * Guest RAM: [0, RAM_SIZE). Page tables are handed out from TABLES up;
 * DATA and above is filled with a pattern that names each byte's address,
 * for the guest_read_linear tests. OUTSIDE is well beyond RAM.
 */
#define RAM_SIZE (2 * MiB)
#define TABLES 0x1000ull
#define DATA 0x100000ull
#define OUTSIDE 0x40000000ull
#define NO_HOLE (~0ull)

struct ram {
	u8 *mem;
	u64 hole; /* a page inside RAM that reads fail on, or NO_HOLE */
	u64 next_table;
	unsigned reads;
};

static struct ram ram;

static bool ram_read(void *ctx, u64 gpa, void *out, unsigned size)
{
	struct ram *r = ctx;

	assert_true(size == 4 || size == 8);
	assert_true(gpa % size == 0);
	r->reads++;
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < size)
		return false;
	if (r->hole != NO_HOLE && ALIGN_DOWN(gpa, PAGE_SIZE) == r->hole)
		return false;
	memcpy(out, r->mem + gpa, size);
	return true;
}

static u8 pat(u64 gpa)
{
	return (u8)(gpa * 131 + (gpa >> 12) * 17 + 1);
}

static int setup(void **state)
{
	(void)state;
	ram.mem = unit_alloc(RAM_SIZE);
	for (u64 a = DATA; a < RAM_SIZE; a++)
		ram.mem[a] = pat(a);
	ram.hole = NO_HOLE;
	ram.next_table = TABLES;
	ram.reads = 0;
	return 0;
}

static u64 new_table(void)
{
	u64 t = ram.next_table;

	ram.next_table += PAGE_SIZE;
	assert_true(ram.next_table <= DATA);
	return t;
}

static void put32(u64 gpa, u32 v)
{
	assert_true(gpa + 4 <= RAM_SIZE);
	memcpy(ram.mem + gpa, &v, 4);
}

static void put64(u64 gpa, u64 v)
{
	assert_true(gpa + 8 <= RAM_SIZE);
	memcpy(ram.mem + gpa, &v, 8);
}

static u64 get64(u64 gpa)
{
	u64 v;

	memcpy(&v, ram.mem + gpa, 8);
	return v;
}

/* ------------------------------------------------------------ modes */

static struct guest_mmu mode_none(void)
{
	return (struct guest_mmu){ .cr0 = CR0_PE };
}

static struct guest_mmu mode_32(u64 cr3, bool pse)
{
	return (struct guest_mmu){ .cr0 = CR0_PE | CR0_WP | CR0_PG, .cr3 = cr3,
				   .cr4 = pse ? CR4_PSE : 0 };
}

static struct guest_mmu mode_pae(u64 cr3)
{
	return (struct guest_mmu){ .cr0 = CR0_PE | CR0_WP | CR0_PG, .cr3 = cr3, .cr4 = CR4_PAE,
				   .efer = EFER_NXE };
}

/* top 4 or 5: 4-level or 5-level paging. */
static struct guest_mmu mode_long(u64 cr3, unsigned top)
{
	return (struct guest_mmu){ .cr0 = CR0_PE | CR0_WP | CR0_PG, .cr3 = cr3,
				   .cr4 = CR4_PAE | CR4_PSE | (top == 5 ? CR4_LA57 : 0),
				   .efer = EFER_LME | EFER_LMA | EFER_NXE };
}

/* ------------------------------------------------------------ checks */

static void expect_ok(const struct guest_mmu *m, u64 gva, u64 want_gpa, u64 want_left)
{
	u64 gpa = 0, left = 0;
	enum gw_result r = guest_walk(m, gva, ram_read, &ram, &gpa, &left);

	if (r != GW_OK)
		fail_msg("gva 0x%llx: %s, expected 0x%llx", (unsigned long long)gva,
			 gw_result_name(r), (unsigned long long)want_gpa);
	if (gpa != want_gpa || left != want_left)
		fail_msg("gva 0x%llx: gpa 0x%llx left 0x%llx, expected 0x%llx left 0x%llx",
			 (unsigned long long)gva, (unsigned long long)gpa, (unsigned long long)left,
			 (unsigned long long)want_gpa, (unsigned long long)want_left);
}

/* The walk fails with r and leaves both outputs alone. */
static void expect_fail(const struct guest_mmu *m, u64 gva, enum gw_result r)
{
	u64 gpa = 0x5a5a, left = 0xa5a5;
	enum gw_result got = guest_walk(m, gva, ram_read, &ram, &gpa, &left);

	if (got != r)
		fail_msg("gva 0x%llx: %s, expected %s", (unsigned long long)gva,
			 gw_result_name(got), gw_result_name(r));
	assert_int_equal(gpa, 0x5a5a);
	assert_int_equal(left, 0xa5a5);
}

/* ------------------------------------------------------------ 64-bit tables */

static unsigned shift_of(unsigned level)
{
	return 12 + 9 * (level - 1);
}

/*
 * A 64-bit-entry hierarchy under root, as a kernel builds one: map gva to
 * gpa with a page at level leaf (1: 4 KiB, 2: 2 MiB, 3: 1 GiB), making the
 * tables on the way. top is 5, 4, or 3 for PAE, whose root is the 32-byte
 * PDPT and whose PDPTEs carry P alone (their bits 2:1 are reserved).
 * ent[level] gets the gpa of the entry used at each level.
 */
static void map64(u64 root, unsigned top, u64 gva, u64 gpa, unsigned leaf, u64 flags,
		  u64 ent[6])
{
	u64 table = root;

	for (unsigned level = top; level > leaf; level--) {
		u64 idx = (top == 3 && level == 3) ? (gva >> 30) & 3 : (gva >> shift_of(level)) & 511;
		u64 ea = table + idx * 8;
		u64 e = get64(ea);

		if (!(e & P)) {
			e = new_table() | P | (top == 3 && level == 3 ? 0 : RW | US);
			put64(ea, e);
		}
		ent[level] = ea;
		table = e & ADDR64;
	}
	ent[leaf] = table + ((gva >> shift_of(leaf)) & 511) * 8;
	put64(ent[leaf], gpa | P | (leaf > 1 ? PS : 0) | flags);
}

/* A root for 4-level / 5-level paging. */
static u64 new_root(void)
{
	return new_table();
}

/* ------------------------------------------------------------ no paging */

static void test_no_paging(void **state)
{
	struct guest_mmu m = mode_none();

	(void)state;
	expect_ok(&m, 0x12345678, 0x12345678, 0x1000 - 0x678);
	expect_ok(&m, 0x1000, 0x1000, 0x1000);
	expect_ok(&m, 0xffffffff, 0xffffffff, 1);
	/* 32-bit linear addresses: the top half of the value is not an
	 * address (there is no IA-32e mode without paging). */
	expect_ok(&m, 0xdead000000001234ull, 0x1234, 0x1000 - 0x234);
	/* The other mode bits do not turn paging on. */
	m.cr4 = CR4_PAE | CR4_LA57;
	m.efer = EFER_LME;
	m.cr3 = OUTSIDE;
	expect_ok(&m, 0xabcdef, 0xabcdef, 0x1000 - 0xdef);
	assert_int_equal(ram.reads, 0);
}

/* ------------------------------------------------------------ 32-bit paging */

/* gva 0x80401abc: PD index 0x201, PT index 0x001, offset 0xabc. */
#define GVA32 0x80401abcull

static void test_32bit_4k(void **state)
{
	u64 pd = new_table(), pt = new_table();
	struct guest_mmu m = mode_32(pd | 0x18, false); /* PWT, PCD: not address bits */

	(void)state;
	put32(pd + 0x201 * 4, (u32)pt | P | RW);
	put32(pt + 0x001 * 4, 0x00345000 | P);
	put32(pt + 0x002 * 4, 0xfffff000 | P | RW | US | A | D);
	expect_ok(&m, GVA32, 0x345abc, 0x1000 - 0xabc);
	expect_ok(&m, 0x80401000, 0x345000, 0x1000);
	expect_ok(&m, 0x80401fff, 0x345fff, 1);
	expect_ok(&m, 0x80402000, 0xfffff000, 0x1000);
	/* Only bits 31:0 of the value are the linear address. */
	expect_ok(&m, 0xdead000000000000ull | GVA32, 0x345abc, 0x1000 - 0xabc);
	/* Two 4-byte reads, no more. */
	ram.reads = 0;
	expect_ok(&m, GVA32, 0x345abc, 0x1000 - 0xabc);
	assert_int_equal(ram.reads, 2);
}

static void test_32bit_4m(void **state)
{
	u64 pd = new_table();
	struct guest_mmu m = mode_32(pd, true);

	(void)state;
	put32(pd + 0x201 * 4, 0x12c00000 | PS | P | PAT_LARGE);
	/* 0x80401abc is 0x1abc into the 4 MiB page at 0x80400000. */
	expect_ok(&m, GVA32, 0x12c01abc, 0x400000 - 0x1abc);
	expect_ok(&m, 0x807fffff, 0x12ffffff, 1);
	expect_ok(&m, 0x80400000, 0x12c00000, 0x400000);
	ram.reads = 0;
	expect_ok(&m, GVA32, 0x12c01abc, 0x400000 - 0x1abc);
	assert_int_equal(ram.reads, 1);
}

/* SDM 4.3: with CR4.PSE = 0, PDE.PS is ignored; the PDE references a page
 * table like any other. */
static void test_32bit_ps_ignored_without_pse(void **state)
{
	u64 pd = new_table(), pt = new_table();
	struct guest_mmu m = mode_32(pd, false);

	(void)state;
	put32(pd + 0x201 * 4, (u32)pt | PS | P);
	put32(pt + 0x001 * 4, 0x00777000 | P);
	expect_ok(&m, GVA32, 0x777abc, 0x1000 - 0xabc);
	/* With CR4.PSE the same PDE maps a 4 MiB page: bits 31:22 of
	 * 0x2081 are 0 and its bit 13 (the table's address bit) becomes
	 * physical bit 32. */
	assert_int_equal(pt, 0x2000);
	m.cr4 = CR4_PSE;
	expect_ok(&m, GVA32, (1ull << 32) + 0x1abc, 0x400000 - 0x1abc);
}

/* PSE-36: PDE bits 20:13 are physical bits 39:32 of a 4 MiB page. */
static void test_32bit_pse36(void **state)
{
	u64 pd = new_table();
	struct guest_mmu m = mode_32(pd, true);

	(void)state;
	put32(pd + 1 * 4, 0x00400000 | (0xabu << 13) | PS | P);
	expect_ok(&m, 0x00512345, 0xab00512345ull, 0x400000 - 0x112345);
	put32(pd + 2 * 4, 0xffc00000 | (0xffu << 13) | PS | P);
	expect_ok(&m, 0x00bfffff, 0xffffffffffull, 1);
	/* Bit 12 is PAT, not an address bit. */
	put32(pd + 3 * 4, 0x00c00000 | (0x01u << 13) | PAT_LARGE | PS | P);
	expect_ok(&m, 0x00c00010, 0x0100c00010ull, 0x400000 - 0x10);
}

/* Bit 21 of a 4 MiB PDE is reserved (Table 4-4); in a PDE that references
 * a page table it is an address bit. */
static void test_32bit_reserved(void **state)
{
	u64 pd = new_table();
	struct guest_mmu m = mode_32(pd, true);

	(void)state;
	put32(pd + 0x201 * 4, 0x12c00000 | (1u << 21) | PS | P);
	expect_fail(&m, GVA32, GW_RESERVED);
	/* Without PSE the same PDE points to a page table at 0x12e00000:
	 * not RAM. */
	m.cr4 = 0;
	expect_fail(&m, GVA32, GW_BAD_TABLE);
}

static void test_32bit_not_present(void **state)
{
	u64 pd = new_table(), pt = new_table();
	struct guest_mmu m = mode_32(pd, true);

	(void)state;
	/* Everything but P: an OS may keep a swap slot in such an entry. */
	put32(pd + 0x201 * 4, 0xfffffffe);
	expect_fail(&m, GVA32, GW_NOT_PRESENT);
	put32(pd + 0x201 * 4, (u32)pt | P | RW);
	put32(pt + 0x001 * 4, 0x00345000 | RW | US);
	expect_fail(&m, GVA32, GW_NOT_PRESENT);
	put32(pt + 0x001 * 4, 0x00345000 | P);
	expect_ok(&m, GVA32, 0x345abc, 0x1000 - 0xabc);
}

static void test_32bit_bad_table(void **state)
{
	u64 pd = new_table();
	struct guest_mmu m = mode_32(OUTSIDE, false);

	(void)state;
	expect_fail(&m, GVA32, GW_BAD_TABLE);
	m.cr3 = pd;
	put32(pd + 0x201 * 4, (u32)OUTSIDE | P);
	expect_fail(&m, GVA32, GW_BAD_TABLE);
	/* The page itself is not read: its gpa need not be RAM. */
	put32(pd + 0x201 * 4, (u32)OUTSIDE | PS | P);
	m.cr4 = CR4_PSE;
	expect_ok(&m, GVA32, OUTSIDE + 0x1abc, 0x400000 - 0x1abc);
}

/* ------------------------------------------------------------ PAE */

/* The PDPT lives at CR3 bits 31:5: put it 0x20 into a page, and a decoy
 * PDPT of non-present entries at the start of that page, so that a walker
 * that rounds CR3 down to 4 KiB reads the wrong one. */
static u64 new_pae_pdpt(void)
{
	u64 page = new_table();

	for (unsigned i = 0; i < 4; i++)
		put64(page + i * 8, 0xdead0000ull); /* P clear */
	return page + 0x20;
}

static void test_pae_4k_pdpte_index(void **state)
{
	u64 pdpt = new_pae_pdpt(), ent[6];
	struct guest_mmu m = mode_pae(pdpt);

	(void)state;
	/* One mapping in each quarter of the 4 GiB: linear bits 31:30 pick
	 * the PDPTE, each with its own page directory. */
	for (u64 i = 0; i < 4; i++) {
		u64 gva = i << 30 | 5ull << 21 | 7ull << 12 | 0x123;

		map64(pdpt, 3, gva, DATA + i * PAGE_SIZE, 1, RW, ent);
		assert_int_equal(ent[3], pdpt + i * 8);
	}
	for (u64 i = 0; i < 4; i++) {
		u64 gva = i << 30 | 5ull << 21 | 7ull << 12 | 0x123;

		expect_ok(&m, gva, DATA + i * PAGE_SIZE + 0x123, 0x1000 - 0x123);
		/* Bits 63:32 of the value are not part of the address. */
		expect_ok(&m, 0xffffffff00000000ull | gva, DATA + i * PAGE_SIZE + 0x123,
			  0x1000 - 0x123);
	}
	/* PAE maps up to 52 physical bits; XD is not an address bit. */
	map64(pdpt, 3, 0xc0a01000, 0x000f123456789000ull, 1, XD, ent);
	expect_ok(&m, 0xc0a01fed, 0x000f123456789fedull, 0x13);
	/* CR4.LA57 means nothing outside IA-32e mode, and EFER.LMA, not
	 * LME (the request), says whether the CPU is in it (SDM 4.1.1). */
	m.cr4 |= CR4_LA57;
	m.efer |= EFER_LME;
	expect_ok(&m, 0xc0a01fed, 0x000f123456789fedull, 0x13);
	/* Three 8-byte reads: PDPTE, PDE, PTE. */
	ram.reads = 0;
	expect_ok(&m, 0xc0a01fed, 0x000f123456789fedull, 0x13);
	assert_int_equal(ram.reads, 3);
}

/* PAE always has 2 MiB pages: CR4.PSE is not needed (SDM 4.4.2). */
static void test_pae_2m(void **state)
{
	u64 pdpt = new_pae_pdpt(), ent[6];
	struct guest_mmu m = mode_pae(pdpt);

	(void)state;
	assert_false(m.cr4 & CR4_PSE);
	map64(pdpt, 3, 0x80200000, 0x3fe00000, 2, RW | PAT_LARGE, ent);
	expect_ok(&m, 0x80234567, 0x3fe34567, 0x200000 - 0x34567);
	expect_ok(&m, 0x803fffff, 0x3fffffff, 1);
}

static void test_pae_not_present(void **state)
{
	u64 pdpt = new_pae_pdpt(), ent[6];
	struct guest_mmu m = mode_pae(pdpt);
	const u64 gva = 0x40403123;

	(void)state;
	map64(pdpt, 3, gva, DATA, 1, RW, ent);
	expect_ok(&m, gva, DATA + 0x123, 0x1000 - 0x123);
	for (unsigned level = 3; level >= 1; level--) {
		u64 e = get64(ent[level]);

		put64(ent[level], e & ~P);
		expect_fail(&m, gva, GW_NOT_PRESENT);
		put64(ent[level], e);
	}
	expect_ok(&m, gva, DATA + 0x123, 0x1000 - 0x123);
	/* A PDPTE not present: the other three quarters still translate. */
	expect_fail(&m, 0x00403123, GW_NOT_PRESENT);
}

static void test_pae_reserved(void **state)
{
	u64 pdpt = new_pae_pdpt(), ent[6];
	struct guest_mmu m = mode_pae(pdpt);
	const u64 bad_pdpte[] = { 1u << 1, 1u << 2, 1u << 5, 1u << 6, PS, 1u << 8 };
	u64 e;

	(void)state;
	map64(pdpt, 3, 0x40403123, DATA, 1, RW, ent);
	/* A PDPTE has no R/W, U/S, A, PS...: those bits are reserved
	 * (Table 4-8). PWT, PCD and the ignored bits 11:9 are not. */
	e = get64(ent[3]);
	for (unsigned i = 0; i < ARRAY_SIZE(bad_pdpte); i++) {
		put64(ent[3], e | bad_pdpte[i]);
		expect_fail(&m, 0x40403123, GW_RESERVED);
	}
	put64(ent[3], e | 1u << 3 | 1u << 4 | 7u << 9);
	expect_ok(&m, 0x40403123, DATA + 0x123, 0x1000 - 0x123);
	/* A 2 MiB PDE: bits 20:13 reserved, 12 is PAT. */
	map64(pdpt, 3, 0x80200000, 0x3fe00000, 2, 0, ent);
	e = get64(ent[2]);
	put64(ent[2], e | 1u << 13);
	expect_fail(&m, 0x80200000, GW_RESERVED);
	put64(ent[2], e | 1u << 20);
	expect_fail(&m, 0x80200000, GW_RESERVED);
	put64(ent[2], e | PAT_LARGE);
	expect_ok(&m, 0x80200000, 0x3fe00000, 0x200000);
}

static void test_pae_bad_table(void **state)
{
	u64 pdpt = new_pae_pdpt(), ent[6];
	struct guest_mmu m = mode_pae(OUTSIDE);
	const u64 gva = 0x40403123;

	(void)state;
	expect_fail(&m, gva, GW_BAD_TABLE);
	m.cr3 = pdpt;
	map64(pdpt, 3, gva, DATA, 1, RW, ent);
	for (unsigned level = 3; level >= 2; level--) {
		u64 e = get64(ent[level]);

		put64(ent[level], (e & ~ADDR64) | OUTSIDE);
		expect_fail(&m, gva, GW_BAD_TABLE);
		put64(ent[level], e);
	}
	expect_ok(&m, gva, DATA + 0x123, 0x1000 - 0x123);
}

/* ------------------------------------------------------------ 4-level and 5-level */

/* A high-half address with a different index at every level. */
#define GVA4 0xffff812345678abcull
/* 5-level: PML5 index 0x1a5 (bits 56:48), sign-extended from bit 56. */
#define GVA5 0xffa5812345678abcull

static void test_long_4k(void **state)
{
	(void)state;
	for (unsigned top = 4; top <= 5; top++) {
		u64 root = new_root(), ent[6];
		u64 gva = top == 4 ? GVA4 : GVA5;
		struct guest_mmu m = mode_long(root, top);

		map64(root, top, gva, 0x000fedcba9876000ull, 1, RW, ent);
		for (unsigned level = top; level >= 1; level--) {
			/* Each level indexes its table with its own 9 bits. */
			u64 table = level == top ? root : get64(ent[level + 1]) & ADDR64;

			assert_int_equal(ent[level],
					 table + ((gva >> shift_of(level)) & 511) * 8);
		}
		expect_ok(&m, gva, 0x000fedcba9876abcull, 0x1000 - 0xabc);
		ram.reads = 0;
		expect_ok(&m, gva & ~0xfffull, 0x000fedcba9876000ull, 0x1000);
		assert_int_equal(ram.reads, top);
	}
}

/* 2 MiB and 1 GiB pages, in 4-level and 5-level paging. */
static void test_long_large_pages(void **state)
{
	(void)state;
	for (unsigned top = 4; top <= 5; top++) {
		u64 root = new_root(), ent[6];
		struct guest_mmu m = mode_long(root, top);
		u64 base = top == 4 ? 0x00007f0000000000ull : 0x00fe000000000000ull;

		map64(root, top, base + 0x40200000, 0x123400000ull, 2, RW, ent);
		expect_ok(&m, base + 0x40212345, 0x123412345ull, 0x200000 - 0x12345);
		expect_ok(&m, base + 0x403fffff, 0x1235fffffull, 1);
		ram.reads = 0;
		expect_ok(&m, base + 0x40200000, 0x123400000ull, 0x200000);
		assert_int_equal(ram.reads, top - 1);

		map64(root, top, base + 0x80000000, 0x000fffffc0000000ull, 3, RW, ent);
		expect_ok(&m, base + 0x80000000, 0x000fffffc0000000ull, 0x40000000);
		expect_ok(&m, base + 0x9234abcd, 0x000fffffd234abcdull, 0x40000000 - 0x1234abcd);
		expect_ok(&m, base + 0xbfffffff, 0x000fffffffffffffull, 1);
		ram.reads = 0;
		expect_ok(&m, base + 0x80000000, 0x000fffffc0000000ull, 0x40000000);
		assert_int_equal(ram.reads, top - 2);
	}
}

static void test_long_not_present(void **state)
{
	(void)state;
	for (unsigned top = 4; top <= 5; top++) {
		u64 root = new_root(), ent[6];
		u64 gva = top == 4 ? GVA4 : GVA5;
		struct guest_mmu m = mode_long(root, top);

		map64(root, top, gva, DATA, 1, RW, ent);
		for (unsigned level = top; level >= 1; level--) {
			u64 e = get64(ent[level]);

			put64(ent[level], e & ~P);
			expect_fail(&m, gva, GW_NOT_PRESENT);
			put64(ent[level], 0);
			expect_fail(&m, gva, GW_NOT_PRESENT);
			put64(ent[level], e);
		}
		expect_ok(&m, gva, DATA + 0xabc, 0x1000 - 0xabc);
		/* Large pages end the walk early; an absent one is absent. */
		map64(root, top, gva + 0x40000000, 0x200000, 2, 0, ent);
		put64(ent[2], get64(ent[2]) & ~P);
		expect_fail(&m, gva + 0x40000000, GW_NOT_PRESENT);
	}
}

static void test_long_bad_table(void **state)
{
	(void)state;
	for (unsigned top = 4; top <= 5; top++) {
		u64 root = new_root(), ent[6];
		u64 gva = top == 4 ? GVA4 : GVA5;
		struct guest_mmu m = mode_long(OUTSIDE, top);

		expect_fail(&m, gva, GW_BAD_TABLE);
		m.cr3 = root;
		map64(root, top, gva, DATA, 1, RW, ent);
		for (unsigned level = top; level >= 2; level--) {
			u64 e = get64(ent[level]);

			put64(ent[level], (e & ~ADDR64) | OUTSIDE);
			expect_fail(&m, gva, GW_BAD_TABLE);
			/* Bits above 51 do not bring it back into RAM. */
			put64(ent[level], (e & ~ADDR64) | 0x0010000000000000ull | OUTSIDE);
			expect_fail(&m, gva, GW_BAD_TABLE);
			put64(ent[level], e);
		}
		/* A hole inside RAM: the callback says no, the walk says so. */
		ram.hole = get64(ent[2]) & ADDR64;
		expect_fail(&m, gva, GW_BAD_TABLE);
		ram.hole = NO_HOLE;
		expect_ok(&m, gva, DATA + 0xabc, 0x1000 - 0xabc);
	}
}

/* SDM Vol. 1 3.3.7.1: bits 63:47 (4-level) or 63:56 (5-level) equal. */
static void test_canonical(void **state)
{
	u64 root = new_root(), ent[6];
	struct guest_mmu m = mode_long(root, 4);
	const u64 bad4[] = { 0x0000800000000000ull, 0xffff7fffffffffffull, 0x8000000000000000ull,
			     0x7fffffffffffffffull, 0x0001000000000000ull };
	const u64 bad5[] = { 0x0100000000000000ull, 0xfeffffffffffffffull, 0x8000000000000000ull,
			     0x7f00000000000000ull };

	(void)state;
	map64(root, 4, 0x00007ffffffff000ull, DATA, 1, 0, ent);
	map64(root, 4, 0xffff800000000000ull, DATA + PAGE_SIZE, 1, 0, ent);
	expect_ok(&m, 0x00007fffffffffffull, DATA + 0xfff, 1);
	expect_ok(&m, 0xffff800000000000ull, DATA + PAGE_SIZE, 0x1000);
	ram.reads = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(bad4); i++)
		expect_fail(&m, bad4[i], GW_RESERVED);
	/* Refused before any table is read. */
	assert_int_equal(ram.reads, 0);

	/* With 57 bits, what 4-level refuses can be an address. */
	root = new_root();
	m = mode_long(root, 5);
	map64(root, 5, 0x0000800000000000ull, DATA, 1, 0, ent);
	map64(root, 5, 0x00fffffffffff000ull, DATA + PAGE_SIZE, 1, 0, ent);
	map64(root, 5, 0xff00000000000000ull, DATA + 2 * PAGE_SIZE, 1, 0, ent);
	expect_ok(&m, 0x0000800000000000ull, DATA, 0x1000);
	expect_ok(&m, 0x00ffffffffffffffull, DATA + PAGE_SIZE + 0xfff, 1);
	expect_ok(&m, 0xff00000000000000ull, DATA + 2 * PAGE_SIZE, 0x1000);
	ram.reads = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(bad5); i++)
		expect_fail(&m, bad5[i], GW_RESERVED);
	assert_int_equal(ram.reads, 0);
}

/* PS in a PML5E or PML4E, and the bits between PAT and the page size in a
 * 2 MiB or 1 GiB entry, are reserved. */
static void test_long_reserved(void **state)
{
	(void)state;
	for (unsigned top = 4; top <= 5; top++) {
		u64 root = new_root(), ent[6], e;
		struct guest_mmu m = mode_long(root, top);
		u64 g2 = 0x40200000, g1 = 0x80000000;

		map64(root, top, g2, 0x200000, 2, 0, ent);
		for (unsigned level = top; level >= 4; level--) {
			e = get64(ent[level]);
			put64(ent[level], e | PS);
			expect_fail(&m, g2, GW_RESERVED);
			/* Even one that would make a well-formed 512 GiB or
			 * 256 TiB page: there are no such pages. */
			put64(ent[level], P | PS);
			expect_fail(&m, g2, GW_RESERVED);
			put64(ent[level], e);
		}
		e = get64(ent[2]);
		for (unsigned bit = 13; bit <= 20; bit++) {
			put64(ent[2], e | 1ull << bit);
			expect_fail(&m, g2, GW_RESERVED);
		}
		put64(ent[2], e | PAT_LARGE);
		expect_ok(&m, g2, 0x200000, 0x200000);

		map64(root, top, g1, 0x40000000, 3, 0, ent);
		e = get64(ent[3]);
		for (unsigned bit = 13; bit <= 29; bit++) {
			put64(ent[3], e | 1ull << bit);
			expect_fail(&m, g1, GW_RESERVED);
		}
		put64(ent[3], e | PAT_LARGE);
		expect_ok(&m, g1, 0x40000000, 0x40000000);
	}
}

/*
 * What the walker must not look at: XD, protection keys (62:59) and the
 * other ignored high bits, R/W and U/S clear, A and D clear, PAT in a PTE
 * (bit 7, the PS position), and CR3's PCID, LAM bits and bit 63.
 */
static void test_long_ignored_bits(void **state)
{
	u64 root = new_root(), ent[6];
	struct guest_mmu m = mode_long(root | 0xabc | 3ull << 61 | 1ull << 63, 4);
	const u64 gva = 0x0000123456789000ull;

	(void)state;
	map64(root, 4, gva, DATA, 1, 0, ent);
	for (unsigned level = 4; level >= 1; level--) {
		u64 e = get64(ent[level]) & (ADDR64 | P);

		put64(ent[level], e | XD | 0x7ffull << 52 | 7ull << 9 | (level == 1 ? PS : 0));
	}
	expect_ok(&m, gva + 0x10, DATA + 0x10, 0x1000 - 0x10);
	/* With EFER.NXE = 0 bit 63 is reserved rather than XD; the walker
	 * leaves it alone either way (tessera/guest_walk.h). */
	m.efer &= ~EFER_NXE;
	expect_ok(&m, gva + 0x10, DATA + 0x10, 0x1000 - 0x10);
	m.cr4 |= CR4_LA57; /* same tables, walked as 5-level: a different answer */
	expect_fail(&m, gva, GW_NOT_PRESENT);
}

static void test_page_left_null(void **state)
{
	u64 pd = new_table(), gpa = 0;
	struct guest_mmu m = mode_32(pd, true);

	(void)state;
	put32(pd + 0x201 * 4, 0x12c00000 | PS | P);
	assert_int_equal(guest_walk(&m, GVA32, ram_read, &ram, &gpa, NULL), GW_OK);
	assert_int_equal(gpa, 0x12c01abc);
}

static void test_result_names(void **state)
{
	const enum gw_result all[] = { GW_OK, GW_NOT_PRESENT, GW_BAD_TABLE, GW_RESERVED };

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(all); i++) {
		const char *n = gw_result_name(all[i]);

		assert_non_null(n);
		assert_string_not_equal(n, "?");
		for (unsigned j = 0; j < i; j++)
			assert_string_not_equal(n, gw_result_name(all[j]));
	}
	assert_string_equal(gw_result_name(GW_OK), "ok");
	assert_string_equal(gw_result_name((enum gw_result)99), "?");
}

/* ------------------------------------------------------------ guest_read_linear */

static void assert_bytes_at(const u8 *buf, u64 gpa, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (buf[i] != pat(gpa + i))
			fail_msg("byte %zu: 0x%02x, expected 0x%02x (gpa 0x%llx)", i, buf[i],
				 pat(gpa + i), (unsigned long long)(gpa + i));
}

/*
 * 15 bytes from 8 before the end of a page: 8 from its frame, 7 from the
 * next linear page, whose frame lies elsewhere (lower, not adjacent). In
 * each paging mode.
 */
static void test_read_cross_page(void **state)
{
	const u64 f1 = DATA + 0x50000, f2 = DATA + 0x20000;
	u8 buf[15];

	(void)state;
	/* 4-level and 5-level. */
	for (unsigned top = 4; top <= 5; top++) {
		u64 root = new_root(), ent[6];
		struct guest_mmu m = mode_long(root, top);

		map64(root, top, 0xffffffff80400000ull, f1, 1, 0, ent);
		map64(root, top, 0xffffffff80401000ull, f2, 1, 0, ent);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(guest_read_linear(&m, 0xffffffff80400ff8ull, buf, 15, ram_read,
						   &ram),
				 15);
		assert_bytes_at(buf, f1 + 0xff8, 8);
		assert_bytes_at(buf + 8, f2, 7);
	}
	/* PAE. */
	{
		u64 pdpt = new_pae_pdpt(), ent[6];
		struct guest_mmu m = mode_pae(pdpt);

		map64(pdpt, 3, 0xbfffe000, f1, 1, 0, ent);
		map64(pdpt, 3, 0xbffff000, f2, 1, 0, ent);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(guest_read_linear(&m, 0xbfffeffb, buf, 15, ram_read, &ram), 15);
		assert_bytes_at(buf, f1 + 0xffb, 5);
		assert_bytes_at(buf + 5, f2, 10);
	}
	/* 32-bit. */
	{
		u64 pd = new_table(), pt = new_table();
		struct guest_mmu m = mode_32(pd, false);

		put32(pd + 0x201 * 4, (u32)pt | P);
		put32(pt + 0x001 * 4, (u32)f1 | P);
		put32(pt + 0x002 * 4, (u32)f2 | P);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(guest_read_linear(&m, 0x80401ff1, buf, 15, ram_read, &ram), 15);
		assert_bytes_at(buf, f1 + 0xff1, 15);
		assert_int_equal(guest_read_linear(&m, 0x80401fff, buf, 15, ram_read, &ram), 15);
		assert_bytes_at(buf, f1 + 0xfff, 1);
		assert_bytes_at(buf + 1, f2, 14);
	}
}

/* The second page is not mapped: the bytes of the first come back. */
static void test_read_stops_unmapped(void **state)
{
	u64 root = new_root(), ent[6];
	struct guest_mmu m = mode_long(root, 4);
	u8 buf[15];

	(void)state;
	map64(root, 4, 0x400000, DATA, 1, 0, ent);
	memset(buf, 0xee, sizeof(buf));
	assert_int_equal(guest_read_linear(&m, 0x400ff6, buf, 15, ram_read, &ram), 10);
	assert_bytes_at(buf, DATA + 0xff6, 10);
	for (unsigned i = 10; i < 15; i++)
		assert_int_equal(buf[i], 0xee);
	/* Nothing at all when the first page is not mapped. */
	assert_int_equal(guest_read_linear(&m, 0x401000, buf, 15, ram_read, &ram), 0);
	/* Non-canonical on the way: stops there too. */
	map64(root, 4, 0x00007ffffffff000ull, DATA, 1, 0, ent);
	assert_int_equal(guest_read_linear(&m, 0x00007ffffffffffcull, buf, 15, ram_read, &ram),
			 4);
	assert_bytes_at(buf, DATA + 0xffc, 4);
}

/* The second page is mapped, but to a gpa that is not RAM (outside it, or
 * a hole in it), e.g. the MMIO page itself. */
static void test_read_stops_not_ram(void **state)
{
	u64 root = new_root(), ent[6];
	struct guest_mmu m = mode_long(root, 4);
	u8 buf[15];

	(void)state;
	map64(root, 4, 0x400000, DATA, 1, 0, ent);
	map64(root, 4, 0x401000, 0xfec00000, 1, 0, ent);
	assert_int_equal(guest_read_linear(&m, 0x400ffa, buf, 15, ram_read, &ram), 6);
	assert_bytes_at(buf, DATA + 0xffa, 6);
	map64(root, 4, 0x401000, DATA + 0x3000, 1, 0, ent);
	ram.hole = DATA + 0x3000;
	assert_int_equal(guest_read_linear(&m, 0x400ffa, buf, 15, ram_read, &ram), 6);
	ram.hole = NO_HOLE;
	assert_int_equal(guest_read_linear(&m, 0x400ffa, buf, 15, ram_read, &ram), 15);
	assert_bytes_at(buf + 6, DATA + 0x3000, 9);
}

/* A 2 MiB page is one translation even across its 4 KiB frames, and a
 * hole inside it stops the read at the hole. */
static void test_read_large_page(void **state)
{
	u64 root = new_root(), ent[6];
	struct guest_mmu m = mode_long(root, 4);
	u8 buf[16];

	(void)state;
	map64(root, 4, 0x40000000, 0, 2, 0, ent); /* all of RAM's first 2 MiB */
	ram.reads = 0;
	assert_int_equal(guest_read_linear(&m, 0x40000000 + DATA + 0xff8, buf, 16, ram_read,
					   &ram),
			 16);
	assert_bytes_at(buf, DATA + 0xff8, 16);
	/* PML4E, PDPTE, PDE, then two quadwords. */
	assert_int_equal(ram.reads, 3 + 2);
	ram.hole = DATA + 0x1000;
	assert_int_equal(guest_read_linear(&m, 0x40000000 + DATA + 0xff8, buf, 16, ram_read,
					   &ram),
			 8);
	assert_bytes_at(buf, DATA + 0xff8, 8);
}

/* Without paging: linear is physical, contiguous across pages. */
static void test_read_no_paging(void **state)
{
	struct guest_mmu m = mode_none();
	u8 buf[15];

	(void)state;
	assert_int_equal(guest_read_linear(&m, DATA + 0x1ff9, buf, 15, ram_read, &ram), 15);
	assert_bytes_at(buf, DATA + 0x1ff9, 15);
	/* Past the end of RAM: what lies in RAM, then stop. */
	assert_int_equal(guest_read_linear(&m, RAM_SIZE - 3, buf, 15, ram_read, &ram), 3);
	assert_bytes_at(buf, RAM_SIZE - 3, 3);
	/* len 0 reads nothing. */
	ram.reads = 0;
	assert_int_equal(guest_read_linear(&m, DATA, buf, 0, ram_read, &ram), 0);
	assert_int_equal(ram.reads, 0);
}

/*
 * Every start offset in the last 24 bytes of a page and the first 8 of the
 * next, every length 1 to 15, with the two frames swapped in memory:
 * compared with a byte-at-a-time reference built on guest_walk.
 */
static void test_read_every_offset(void **state)
{
	u64 root = new_root(), ent[6];
	struct guest_mmu m = mode_long(root, 5);
	const u64 va = 0x00ab000000001000ull;

	(void)state;
	map64(root, 5, va, DATA + 0x9000, 1, 0, ent);
	map64(root, 5, va + PAGE_SIZE, DATA + 0x8000, 1, 0, ent);
	for (u64 start = va + PAGE_SIZE - 24; start < va + PAGE_SIZE + 8; start++) {
		for (size_t len = 1; len <= 15; len++) {
			u8 buf[16], want[16];

			memset(buf, 0, sizeof(buf));
			for (size_t i = 0; i < len; i++) {
				u64 gpa;

				assert_int_equal(guest_walk(&m, start + i, ram_read, &ram, &gpa,
							    NULL),
						 GW_OK);
				want[i] = pat(gpa);
			}
			assert_int_equal(guest_read_linear(&m, start, buf, len, ram_read, &ram),
					 len);
			assert_memory_equal(buf, want, len);
			assert_int_equal(buf[len], 0); /* nothing written past len */
		}
	}
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, unit_free_all)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_no_paging),
		T(test_32bit_4k),
		T(test_32bit_4m),
		T(test_32bit_ps_ignored_without_pse),
		T(test_32bit_pse36),
		T(test_32bit_reserved),
		T(test_32bit_not_present),
		T(test_32bit_bad_table),
		T(test_pae_4k_pdpte_index),
		T(test_pae_2m),
		T(test_pae_not_present),
		T(test_pae_reserved),
		T(test_pae_bad_table),
		T(test_long_4k),
		T(test_long_large_pages),
		T(test_long_not_present),
		T(test_long_bad_table),
		T(test_canonical),
		T(test_long_reserved),
		T(test_long_ignored_bits),
		T(test_page_left_null),
		T(test_result_names),
		T(test_read_cross_page),
		T(test_read_stops_unmapped),
		T(test_read_stops_not_ram),
		T(test_read_large_page),
		T(test_read_no_paging),
		T(test_read_every_offset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
