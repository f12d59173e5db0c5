/*
 * Unit tests for hv/linux_boot.c: synthetic bzImages built in memory (a
 * setup area holding a boot protocol header, then protected-mode code
 * with a recognisable pattern, then a few "signature" bytes past syssize)
 * are loaded into a guest memory buffer with canaries on both sides.
 *
 * Header and zero-page offsets are written out here from the Linux
 * documentation (Documentation/arch/x86/boot.rst and zero-page.rst),
 * independently of the structs in hv/linux_boot.c. Guest memory starts
 * filled with 0xcc so zeroing is visible; a failed load must leave it so.
 */
#include "unit.h"

#include <tessera/linux_boot.h>

#define CANARY (2 * 4096)
#define GUEST_FILL 0xcc
#define CANARY_FILL 0xa5

struct guest {
	u8 *raw, *gm;
	u64 size;
};

static struct guest guest_new(u64 size)
{
	struct guest g = { unit_alloc(size + 2 * CANARY), NULL, size };

	g.gm = g.raw + CANARY;
	memset(g.raw, CANARY_FILL, CANARY);
	memset(g.gm, GUEST_FILL, size);
	memset(g.gm + size, CANARY_FILL, CANARY);
	return g;
}

/* [lo, hi) of p is all v. */
static void assert_fill(const u8 *p, u64 lo, u64 hi, u8 v)
{
	for (u64 a = lo; a < hi; a++)
		if (p[a] != v)
			fail_msg("byte 0x%llx is 0x%02x, expected 0x%02x", (unsigned long long)a,
				 p[a], v);
}

static void check_canaries(const struct guest *g)
{
	assert_fill(g->raw, 0, CANARY, CANARY_FILL);
	assert_fill(g->gm + g->size, 0, CANARY, CANARY_FILL);
}

/* Guest memory is zero outside keep[] (sorted, disjoint [lo, hi)). */
static void assert_zero_outside(const struct guest *g, const u64 (*keep)[2], unsigned n)
{
	u64 at = 0;

	for (unsigned i = 0; i < n; i++) {
		assert_true(keep[i][0] >= at);
		assert_fill(g->gm, at, keep[i][0], 0);
		at = keep[i][1];
	}
	assert_fill(g->gm, at, g->size, 0);
}

/* ------------------------------------------------- a synthetic bzImage */

#define PM_SIZE 0x2340u /* protected-mode code, a multiple of 16 */
#define SIG_SIZE 64u    /* bytes past syssize, as a signed kernel has */
#define LF_LOADED_HIGH 0x01
#define LF_QUIET 0x20
#define LF_KEEP_SEGMENTS 0x40
#define LF_CAN_USE_HEAP 0x80

/* boot.rst "The Real-Mode Kernel Header": file offsets the tests change. */
#define H_SETUP_SECTS 0x1f1
#define H_SYSSIZE 0x1f4
#define H_BOOT_FLAG 0x1fe
#define H_JUMP_LEN 0x201
#define H_VERSION 0x206
#define H_LOADFLAGS 0x211
#define H_INITRD_MAX 0x22c
#define H_ALIGN 0x230
#define H_RELOCATABLE 0x234
#define H_CMDLINE_SIZE 0x238
#define H_PREF 0x258
#define H_INIT_SIZE 0x260

/* Store the len low bytes of v at p, little-endian. */
static void poke(u8 *p, unsigned len, u64 v)
{
	memcpy(p, &v, len);
}

struct kimg {
	u8 *f;
	size_t size, setup;
};

static u8 pm_byte(u64 i)
{
	return (u8)(i * 13 + 5);
}

/* A 2.15 kernel like Debian's, but small: relocatable, pref_address
 * 16 MiB, init_size 8 MiB, 4 setup sectors, header ending at 0x26c. */
static struct kimg kimg_make(void)
{
	struct kimg k = { NULL, 5 * 512 + PM_SIZE + SIG_SIZE, 5 * 512 };
	u8 *f = k.f = unit_alloc(k.size);

	memset(f + 0x26c, 0x90, k.setup - 0x26c); /* "setup code": not copied */
	f[H_SETUP_SECTS] = 4;
	poke(f + H_SYSSIZE, 4, PM_SIZE / 16);
	poke(f + 0x1fa, 2, 0xffff);  /* vid_mode */
	poke(f + 0x1fc, 2, 0x0801);  /* root_dev */
	poke(f + H_BOOT_FLAG, 2, 0xaa55);
	f[0x200] = 0xeb;             /* jump ... */
	f[H_JUMP_LEN] = 0x6a;        /* ... to 0x26c */
	memcpy(f + 0x202, "HdrS", 4);
	poke(f + H_VERSION, 2, 0x020f);
	poke(f + 0x20e, 2, 0x1234);  /* kernel_version */
	f[H_LOADFLAGS] = LF_LOADED_HIGH | LF_QUIET | LF_KEEP_SEGMENTS;
	poke(f + 0x214, 4, 0x100000); /* code32_start */
	poke(f + H_INITRD_MAX, 4, 0x7fffffff);
	poke(f + H_ALIGN, 4, 0x200000);
	f[H_RELOCATABLE] = 1;
	f[0x235] = 21;               /* min_alignment */
	poke(f + 0x236, 2, 0x7f);    /* xloadflags */
	poke(f + H_CMDLINE_SIZE, 4, 2047);
	poke(f + 0x250, 8, 0xdeadbeef); /* setup_data: must be cleared */
	poke(f + H_PREF, 8, 0x1000000);
	poke(f + H_INIT_SIZE, 4, 0x800000);
	poke(f + 0x264, 4, 0x190);   /* handover_offset */
	poke(f + 0x268, 4, 0x4321);  /* kernel_info_offset */
	for (u64 i = 0; i < PM_SIZE; i++)
		f[k.setup + i] = pm_byte(i);
	memset(f + k.setup + PM_SIZE, 0xee, SIG_SIZE);
	return k;
}

static struct linux_boot_src src_of(const struct kimg *k)
{
	return (struct linux_boot_src){ .kernel = k->f, .kernel_size = k->size, .cmdline = "" };
}

static const struct linux_e820_entry ACPI_PAGE = { 0x9f000, 0x1000, LINUX_E820_ACPI };

/* The whole zero page as the protocol says it must be: the file's header
 * (0x1f1 .. 0x202 + byte at 0x201) patched, the rest zero but for the
 * fields a loader fills. */
static void check_zero_page(const struct guest *g, const struct kimg *k, u32 load, u64 ilo,
			    u64 isize, u64 rsdp, const struct linux_e820_entry *e820, unsigned n)
{
	u8 zp[4096] = { 0 };

	memcpy(zp + 0x1f1, k->f + 0x1f1, 0x202u + k->f[0x201] - 0x1f1);
	zp[0x210] = 0xff;                      /* type_of_loader */
	zp[0x211] = (u8)((k->f[0x211] & ~LF_KEEP_SEGMENTS) | LF_CAN_USE_HEAP);
	poke(zp + 0x214, 4, load);             /* code32_start */
	poke(zp + 0x218, 4, (u32)ilo);         /* ramdisk_image */
	poke(zp + 0x21c, 4, (u32)isize);       /* ramdisk_size */
	poke(zp + 0x224, 2, 0xe000 - 0x200);   /* heap_end_ptr */
	poke(zp + 0x228, 4, 0x8000);           /* cmd_line_ptr */
	poke(zp + 0x250, 8, 0);                /* setup_data */
	poke(zp + 0x070, 8, rsdp);             /* acpi_rsdp_addr */
	poke(zp + 0x0c0, 4, (u32)(ilo >> 32)); /* ext_ramdisk_image */
	poke(zp + 0x0c4, 4, (u32)(isize >> 32)); /* ext_ramdisk_size */
	zp[0x1e8] = (u8)n;                     /* e820_entries */
	memcpy(zp + 0x2d0, e820, n * 20u);     /* e820_table */
	for (unsigned i = 0; i < sizeof(zp); i++)
		if (g->gm[0x7000 + i] != zp[i])
			fail_msg("zero page byte 0x%x is 0x%02x, expected 0x%02x", i,
				 g->gm[0x7000 + i], zp[i]);
}

static void check_payload(const struct guest *g, u64 load)
{
	for (u64 i = 0; i < PM_SIZE; i++)
		if (g->gm[load + i] != pm_byte(i))
			fail_msg("payload byte %llu wrong", (unsigned long long)i);
}

/* ------------------------------------------------------------ loading */

static void test_load_relocatable(void **state)
{
	struct guest g = guest_new(32 * MiB);
	struct kimg k = kimg_make();
	struct linux_boot_src s = src_of(&k);
	u8 *rd = unit_alloc(10000);
	const char *cl = "console=ttyS0 root=/dev/ram0";
	const struct linux_e820_entry map[] = {
		{ 0, 0x9f000, 1 }, { 0x9f000, 0x1000, 3 }, { 0x100000, 31 * MiB, 1 } };
	const u64 ilo = 0x1ffd000; /* 32 MiB - 10000, page aligned down */
	const u64 keep[][2] = { { 0x7000, 0x9000 }, { 0x1000000, 0x1000000 + PM_SIZE },
				{ ilo, ilo + 10000 } };
	struct linux_boot b;
	char err[160];

	(void)state;
	for (unsigned i = 0; i < 10000; i++)
		rd[i] = (u8)(i % 251 + 1);
	s.initrd = rd;
	s.initrd_size = 10000;
	s.cmdline = cl;
	s.reserved[0] = ACPI_PAGE;
	s.nreserved = 1;
	s.acpi_rsdp = 0x9f040;
	if (!linux_load(g.gm, g.size, &s, &b, err, sizeof(err)))
		fail_msg("%s", err);
	assert_string_equal(err, "");
	assert_int_equal(b.entry32, 0x1000000);
	assert_int_equal(b.boot_params, 0x7000);
	assert_int_equal(b.kernel_lo, 0x1000000);
	assert_int_equal(b.kernel_hi, 0x1800000);
	assert_int_equal(b.initrd_lo, ilo);
	assert_int_equal(b.initrd_hi, ilo + 10000);
	assert_int_equal(b.protocol, 0x020f);
	check_payload(&g, 0x1000000);
	assert_memory_equal(g.gm + ilo, rd, 10000);
	assert_string_equal((char *)g.gm + 0x8000, cl);
	check_zero_page(&g, &k, 0x1000000, ilo, 10000, 0x9f040, map, 3);
	assert_int_equal(g.gm[0x7000 + 0x211], LF_LOADED_HIGH | LF_QUIET | LF_CAN_USE_HEAP);
	assert_zero_outside(&g, keep, 3); /* not the signature, nor the ACPI page */
	check_canaries(&g);
}

/* Where the kernel goes: boot.rst "init_size" gives the runtime start as
 * align_up(max(load, pref_address), kernel_alignment) when relocatable,
 * else pref_address; the span kept runs from the load address to runtime
 * start + init_size (8 MiB here; before 2.10, 3 x the 0x3000-byte code). */
static void test_placement(void **state)
{
	static const struct {
		u16 version;
		u8 relocatable, setup_sects;
		u64 pref;
		u32 entry;
		u64 hi;
	} c[] = {
		{ 0x020f, 1, 4, 0x1000000, 0x1000000, 0x1800000 }, /* at pref_address */
		{ 0x020f, 1, 4, 0x1100000, 0x1100000, 0x1a00000 }, /* realigned to 2 MiB */
		{ 0x020f, 1, 4, 0x10000, 0x100000, 0xa00000 },     /* pref below 1 MiB */
		{ 0x0209, 1, 4, 0x1000000, 0x100000, 0x209000 },   /* no pref_address */
		{ 0x020f, 0, 0, 0x1000000, 0x100000, 0x1800000 },  /* code at 1 MiB; 0 means 4 */
		{ 0x0206, 0, 4, 0x1000000, 0x100000, 0x109000 },   /* no init_size */
	};
	const struct linux_e820_entry map[] = { { 0, 0xa0000, 1 }, { 0x100000, 31 * MiB, 1 } };
	struct guest g = guest_new(32 * MiB);

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(c); i++) {
		struct kimg k = kimg_make();
		struct linux_boot_src s = src_of(&k);
		struct linux_boot b;
		char err[160];

		poke(k.f + H_VERSION, 2, c[i].version);
		k.f[H_RELOCATABLE] = c[i].relocatable;
		k.f[H_SETUP_SECTS] = c[i].setup_sects;
		poke(k.f + H_PREF, 8, c[i].pref);
		s.cmdline = NULL;
		if (!linux_load(g.gm, g.size, &s, &b, err, sizeof(err)))
			fail_msg("case %u: %s", i, err);
		assert_int_equal(b.entry32, c[i].entry);
		assert_int_equal(b.kernel_lo, c[i].entry);
		assert_int_equal(b.kernel_hi, c[i].hi);
		assert_int_equal(b.initrd_lo, 0);
		assert_int_equal(b.initrd_hi, 0);
		assert_int_equal(b.protocol, c[i].version);
		check_payload(&g, c[i].entry);
		check_zero_page(&g, &k, c[i].entry, 0, 0, 0, map, 2);
	}
	check_canaries(&g);
}

static void test_memory_sizes(void **state)
{
	struct kimg k = kimg_make();
	const u64 sizes[] = { 8 * MiB, 10 * MiB, 64 * MiB };

	(void)state;
	poke(k.f + H_PREF, 8, 0x200000);
	poke(k.f + H_INIT_SIZE, 4, 0x400000);
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct guest g = guest_new(sizes[i]);
		struct linux_boot_src s = src_of(&k);
		u8 rd[5000] = { 1, 2, 3 };
		const struct linux_e820_entry map[] = {
			{ 0, 0x9f000, 1 }, { 0x9f000, 0x1000, 3 },
			{ 0x100000, sizes[i] - 0x100000, 1 } };
		struct linux_boot b;
		char err[160];

		s.initrd = rd;
		s.initrd_size = sizeof(rd);
		s.reserved[0] = ACPI_PAGE;
		s.nreserved = 1;
		if (!linux_load(g.gm, g.size, &s, &b, err, sizeof(err)))
			fail_msg("%s", err);
		assert_int_equal(b.initrd_lo, sizes[i] - 0x2000);
		check_zero_page(&g, &k, 0x200000, sizes[i] - 0x2000, sizeof(rd), 0, map, 3);
		check_canaries(&g);
	}
}

static void test_initrd_placement(void **state)
{
	struct guest g = guest_new(32 * MiB);
	struct kimg k = kimg_make();
	struct linux_boot_src s = src_of(&k);
	u8 *rd = unit_alloc(9 * MiB);
	struct linux_boot b;
	char err[200];

	(void)state;
	/* Below initrd_addr_max (the last byte it may use), page aligned. */
	poke(k.f + H_INITRD_MAX, 4, 0x1e00fff);
	s.initrd = rd;
	s.initrd_size = 0x1800;
	assert_true(linux_load(g.gm, g.size, &s, &b, err, sizeof(err)));
	assert_int_equal(b.initrd_lo, 0x1dff000);
	assert_int_equal(b.initrd_hi, 0x1e00800);
	/* Below a reserved range at the top of RAM. */
	poke(k.f + H_INITRD_MAX, 4, 0x7fffffff);
	s.reserved[0] = (struct linux_e820_entry){ 0x1ff0800, 0xf800, LINUX_E820_RESERVED };
	s.nreserved = 1;
	assert_true(linux_load(g.gm, g.size, &s, &b, err, sizeof(err)));
	assert_int_equal(b.initrd_lo, 0x1fef000);
	/* Exactly the 8 MiB above the kernel. */
	s.nreserved = 0;
	s.initrd_size = 8 * MiB;
	assert_true(linux_load(g.gm, g.size, &s, &b, err, sizeof(err)));
	assert_int_equal(b.initrd_lo, 0x1800000);
	assert_int_equal(b.initrd_hi, 32 * MiB);
	/* Too big above the kernel: below it. */
	s.initrd_size = 9 * MiB;
	memset(rd, 0x3c, 9 * MiB);
	assert_true(linux_load(g.gm, g.size, &s, &b, err, sizeof(err)));
	assert_int_equal(b.initrd_lo, 0x700000);
	assert_int_equal(b.initrd_hi, 0x1000000);
	assert_memory_equal(g.gm + 0x700000, rd, 9 * MiB);
	check_zero_page(&g, &k, 0x1000000, 0x700000, 9 * MiB, 0,
			(const struct linux_e820_entry[]){ { 0, 0xa0000, 1 },
							   { 0x100000, 31 * MiB, 1 } }, 2);
	check_canaries(&g);
}

static void test_reload_is_clean(void **state)
{
	struct guest g = guest_new(32 * MiB);
	struct kimg k = kimg_make();
	struct linux_boot_src s = src_of(&k);
	u8 rd[3000];
	const u64 keep[][2] = { { 0x7000, 0x9000 }, { 0x1000000, 0x1000000 + PM_SIZE } };

	(void)state;
	memset(rd, 0x77, sizeof(rd));
	s.initrd = rd;
	s.initrd_size = sizeof(rd);
	s.cmdline = "a long command line that the second load does not have";
	assert_true(linux_load(g.gm, g.size, &s, NULL, NULL, 0));
	memset(g.gm + 0x1000000 + PM_SIZE, 0x5a, 0x100000); /* the guest ran */
	s.initrd = NULL;
	s.initrd_size = 0;
	s.cmdline = "short";
	assert_true(linux_load(g.gm, g.size, &s, NULL, NULL, 0));
	assert_string_equal((char *)g.gm + 0x8000, "short");
	assert_fill(g.gm, 0x8006, 0x9000, 0);
	assert_zero_outside(&g, keep, 2);
	check_canaries(&g);
}

/* ---------------------------------------------------------------- e820 */

static void check_e820(u64 size, const struct linux_e820_entry *res, unsigned nres,
		       const struct linux_e820_entry *want, unsigned nwant)
{
	struct linux_e820_entry out[LINUX_E820_MAX];
	char err[160];
	unsigned n;

	memset(out, 0xcc, sizeof(out));
	n = linux_e820_build(size, res, nres, out, err, sizeof(err));
	if (n == 0)
		fail_msg("%s", err);
	assert_int_equal(n, nwant);
	assert_memory_equal(out, want, n * sizeof(*out));
}

#define E(...) ((const struct linux_e820_entry[]){ __VA_ARGS__ })

static void test_e820(void **state)
{
	(void)state;
	check_e820(8 * MiB, NULL, 0, E({ 0, 0xa0000, 1 }, { 0x100000, 0x700000, 1 }), 2);
	check_e820(32 * MiB, &ACPI_PAGE, 1,
		   E({ 0, 0x9f000, 1 }, { 0x9f000, 0x1000, 3 }, { 0x100000, 0x1f00000, 1 }), 3);
	/* Unsorted input; one at 0, one ending at the top of RAM. */
	check_e820(64 * MiB,
		   E({ 0x3ff0000, 0x10000, 2 }, { 0x9f000, 0x1000, 3 }, { 0x200000, 0x1000, 4 },
		     { 0, 0x1000, 2 }), 4,
		   E({ 0, 0x1000, 2 }, { 0x1000, 0x9e000, 1 }, { 0x9f000, 0x1000, 3 },
		     { 0x100000, 0x100000, 1 }, { 0x200000, 0x1000, 4 },
		     { 0x201000, 0x3def000, 1 }, { 0x3ff0000, 0x10000, 2 }), 7);
	/* Adjacent reserved ranges: no empty RAM between them. */
	check_e820(16 * MiB, E({ 0x9f000, 0x1000, 3 }, { 0x9e000, 0x1000, 2 }), 2,
		   E({ 0, 0x9e000, 1 }, { 0x9e000, 0x1000, 2 }, { 0x9f000, 0x1000, 3 },
		     { 0x100000, 0xf00000, 1 }), 4);
	/* The most entries: every reserved range inside RAM. */
	check_e820(16 * MiB,
		   E({ 0x1000, 0x1000, 2 }, { 0x3000, 0x1000, 3 }, { 0x200000, 0x1000, 2 },
		     { 0x400000, 0x2000, 4 }), 4,
		   E({ 0, 0x1000, 1 }, { 0x1000, 0x1000, 2 }, { 0x2000, 0x1000, 1 },
		     { 0x3000, 0x1000, 3 }, { 0x4000, 0x9c000, 1 }, { 0x100000, 0x100000, 1 },
		     { 0x200000, 0x1000, 2 }, { 0x201000, 0x1ff000, 1 }, { 0x400000, 0x2000, 4 },
		     { 0x402000, 0xbfe000, 1 }), LINUX_E820_MAX);
}

static void e820_fails(const struct linux_e820_entry *res, unsigned n, const char *want)
{
	struct linux_e820_entry out[LINUX_E820_MAX];
	char err[160] = "x";

	assert_int_equal(linux_e820_build(16 * MiB, res, n, out, err, sizeof(err)), 0);
	assert_string_equal(err, want);
}

static void test_e820_errors(void **state)
{
	(void)state;
	e820_fails(E({ 0x1000, 0, 2 }), 1, "reserved range at 0x1000 is empty");
	e820_fails(E({ 0xfff000, 0x2000, 2 }), 1,
		   "reserved range 0xfff000..0x1001000 lies past the end of RAM (16 MiB)");
	e820_fails(E({ 0x1000, ~0ull, 2 }), 1,
		   "reserved range 0x1000..0xffffffffffffffff lies past the end of RAM (16 MiB)");
	e820_fails(E({ 0x9f000, 0x2000, 3 }), 1,
		   "reserved range 0x9f000..0xa1000 overlaps the legacy hole 0xa0000..0x100000");
	e820_fails(E({ 0x200000, 0x1000, 1 }), 1, "reserved range 0x200000..0x201000 has e820 "
		   "type 1 (need 2 reserved, 3 ACPI or 4 NVS)");
	e820_fails(E({ 0x200000, 0x1000, 5 }), 1, "reserved range 0x200000..0x201000 has e820 "
		   "type 5 (need 2 reserved, 3 ACPI or 4 NVS)");
	e820_fails(E({ 0x300000, 0x1000, 2 }, { 0x200000, 0x100001, 2 }), 2,
		   "reserved ranges 0x200000..0x300001 and 0x300000..0x301000 overlap");
	e820_fails(E({ 0, 1, 2 }, { 1, 1, 2 }, { 2, 1, 2 }, { 3, 1, 2 }, { 4, 1, 2 }), 5,
		   "5 reserved ranges given, at most 4 are supported");
}

/* -------------------------------------------------------------- errors */

/* A case at a limit: the default kernel with up to two header fields
 * poked (little-endian, len bytes at file offset off), then the source
 * changed. want is the error, or NULL when it must load. */
struct poke {
	u16 off;
	u8 len;
	u64 val;
};

struct bad {
	const char *want;
	struct poke poke[2];
	long ksize; /* > 0: the file's size; < 0: bytes cut off its end */
	struct linux_e820_entry res;
	size_t initrd; /* initrd size; its data is the kernel file's */
	bool initrd_null, no_kernel;
	const char *cmdline;
};

static void test_errors(void **state)
{
	static char longline[4097];
	const struct bad bad[] = {
		{ .want = "no kernel", .no_kernel = true },
		{ .want = "not a bzImage: the file is only 100 bytes", .ksize = 100 },
		{ .want = "not a bzImage: no HdrS signature at 0x202", .poke = { { 0x205, 1, 'T' } } },
		{ .want = "not a bzImage: boot flag at 0x1fe is 0x1234, not 0xaa55",
		  .poke = { { H_BOOT_FLAG, 2, 0x1234 } } },
		{ .want = "boot protocol 2.03 is too old (need 2.06)", .poke = { { H_VERSION, 2, 0x0203 } } },
		{ .want = "boot protocol 1.255 is too old (need 2.06)", .poke = { { H_VERSION, 2, 0x01ff } } },
		{ .want = "not a bzImage: setup header ends at 0x26c, past the end of the file",
		  .ksize = 0x250 },
		{ .want = "setup header ends at 0x2a2, past the 0x290 boot_params has room for",
		  .poke = { { H_JUMP_LEN, 1, 0xa0 } } },
		{ .want = "setup header ends at 0x232, too short for boot protocol 2.15 (which needs "
		  "0x264)", .poke = { { H_JUMP_LEN, 1, 0x30 } } },
		{ .want = "setup header ends at 0x23a, too short for boot protocol 2.06 (which needs "
		  "0x23c)", .poke = { { H_JUMP_LEN, 1, 0x38 }, { H_VERSION, 2, 0x0206 } } },
		{ .want = "not a bzImage: loadflags bit 0 (LOADED_HIGH) is clear; a zImage loaded at "
		  "0x10000 is not supported", .poke = { { H_LOADFLAGS, 1, LF_QUIET } } },
		{ .want = "kernel file is truncated: 11568 bytes, but its header says 11584 (setup "
		  "2560 + protected-mode code 9024)", .ksize = -(long)(SIG_SIZE + 16) },
		/* syssize rounds up to 16 bytes: 15 short is a whole kernel
		 * (Debian's memtest86+ is 8 short). */
		{ .want = NULL, .ksize = -(long)(SIG_SIZE + 15) },
		{ .want = NULL, .ksize = -(long)(SIG_SIZE + 8) },
		{ .want = "kernel file is truncated: 2560 bytes, no protected-mode code after 2560 "
		  "bytes of setup", .poke = { { H_SYSSIZE, 4, 0 } }, .ksize = 2560 },
		{ .want = "kernel needs 40 MiB (runtime start 0x1000000 + init_size 0x1800000) but "
		  "the partition has 32 MiB", .poke = { { H_INIT_SIZE, 4, 0x1800000 } } },
		{ .want = "kernel needs 33 MiB (runtime start 0x1000000 + init_size 0x1000001) but "
		  "the partition has 32 MiB", .poke = { { H_INIT_SIZE, 4, 0x1000001 } } },
		{ .want = "kernel_alignment 0x300000 is not a power of two",
		  .poke = { { H_ALIGN, 4, 0x300000 } } },
		{ .want = "kernel_alignment 0x0 is not a power of two", .poke = { { H_ALIGN, 4, 0 } } },
		{ .want = "pref_address 0x100000000 is above 4 GiB, out of the 32-bit entry's reach",
		  .poke = { { H_PREF, 8, 0x100000000ull } } },
		{ .want = "non-relocatable kernel wants to run at 0x80000 (pref_address), below 1 MiB",
		  .poke = { { H_RELOCATABLE, 1, 0 }, { H_PREF, 8, 0x80000 } } },
		{ .want = "command line is too long: more than 16 bytes (the kernel's cmdline_size)",
		  .poke = { { H_CMDLINE_SIZE, 4, 16 } }, .cmdline = "0123456789abcdefX" },
		{ .want = "command line is too long: more than 4095 bytes (the room at 0x8000)",
		  .poke = { { H_CMDLINE_SIZE, 4, 0xffffffffu } }, .cmdline = longline },
		{ .want = NULL, .poke = { { H_CMDLINE_SIZE, 4, 0xffffffffu } }, .cmdline = longline + 1 },
		{ .want = NULL, .poke = { { H_CMDLINE_SIZE, 4, 16 } }, .cmdline = "0123456789abcdef" },
		{ .want = NULL, .poke = { { H_INIT_SIZE, 4, 0x1000000 } } }, /* RAM filled exactly */
		{ .want = "initrd of 20 MiB does not fit in RAM below 0x2000000 (initrd_addr_max "
		  "0x7fffffff, RAM 32 MiB) outside the kernel's 0x1000000..0x1800000",
		  .initrd = 20 * MiB },
		{ .want = "initrd of 5 bytes has no data", .initrd = 5, .initrd_null = true },
		{ .want = "kernel at 0x1000000..0x1800000 overlaps reserved range "
		  "0x1100000..0x1101000", .res = { 0x1100000, 0x1000, 2 } },
		{ .want = "reserved range 0x7000..0x8000 overlaps the zero page and command line at "
		  "0x7000..0x9000", .res = { 0x7000, 0x1000, 2 } },
		{ .want = "reserved range 0xf0000..0xf1000 overlaps the legacy hole 0xa0000..0x100000",
		  .res = { 0xf0000, 0x1000, 2 } },
	};
	struct guest g = guest_new(32 * MiB);

	(void)state;
	memset(longline, 'x', 4096);
	longline[4096] = 0;
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		const struct bad *c = &bad[i];
		struct kimg k = kimg_make();
		struct linux_boot_src s = src_of(&k);
		struct linux_boot b = { .entry32 = 0x1234 };
		char err[200] = "unchanged";

		for (unsigned j = 0; j < 2; j++)
			if (c->poke[j].len)
				poke(k.f + c->poke[j].off, c->poke[j].len, c->poke[j].val);
		if (c->ksize)
			s.kernel_size = c->ksize > 0 ? (size_t)c->ksize : k.size - (size_t)-c->ksize;
		s.reserved[0] = c->res;
		s.nreserved = c->res.size ? 1 : 0;
		s.initrd = c->initrd_null ? NULL : k.f;
		s.initrd_size = c->initrd;
		s.cmdline = c->cmdline;
		if (c->no_kernel)
			s.kernel = NULL;
		if (!c->want) {
			if (!linux_load(g.gm, g.size, &s, &b, err, sizeof(err)))
				fail_msg("case %u: %s", i, err);
			assert_string_equal((char *)g.gm + 0x8000, s.cmdline ? s.cmdline : "");
			memset(g.gm, GUEST_FILL, g.size);
			continue;
		}
		if (linux_load(g.gm, g.size, &s, &b, err, sizeof(err)))
			fail_msg("case %u loaded, expected: %s", i, c->want);
		if (strcmp(err, c->want) != 0)
			fail_msg("case %u:\n  got  %s\n  want %s", i, err, c->want);
		assert_int_equal(b.entry32, 0x1234); /* out untouched */
		assert_true(!linux_load(g.gm, g.size, &s, NULL, NULL, 0));
	}
	/* Guest memory untouched by a failed load. */
	assert_fill(g.gm, 0, g.size, GUEST_FILL);
	check_canaries(&g);
}

int main(void)
{
#define T(f) cmocka_unit_test_teardown(f, unit_free_all)
	const struct CMUnitTest tests[] = {
		T(test_load_relocatable),
		T(test_placement),
		T(test_memory_sizes),
		T(test_initrd_placement),
		T(test_reload_is_clean),
		T(test_e820),
		T(test_e820_errors),
		T(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
