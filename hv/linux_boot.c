/*
 * Linux x86 boot protocol: placing a bzImage, its initrd, its command
 * line and its zero page in a partition's guest memory for the 32-bit
 * entry. See tessera/linux_boot.h for the guest-physical layout and the
 * entry state.
 *
 * Reference: the Linux kernel's Documentation/arch/x86/boot.rst ("The
 * Linux/x86 Boot Protocol", cited as "boot.rst" with a section or field
 * name) and Documentation/arch/x86/zero-page.rst (the layout of struct
 * boot_params, cited as "zero-page.rst").
 *
 * The kernel file is untrusted (it comes from the ESP): its header is
 * copied into a packed struct before any field is read (the buffer
 * promises no alignment), addresses are computed in 64 bits, and every
 * check is made before the first byte of guest memory is written. A
 * failed load leaves guest memory as it was; a successful one zeroes all
 * of it first. Nothing is written outside [gm, gm + size).
 */
#include <tessera/format.h>
#include <tessera/linux_boot.h>
#include <tessera/string.h>
#include <tessera/types.h>

/* boot.rst "The Real-Mode Kernel Header": the setup header, at 0x1f1 in
 * the file and at the same offset in boot_params. Offsets are those of
 * the file; the struct starts at LH_OFFSET. */
#define LH_OFFSET 0x1f1u
struct setup_header {
	u8 setup_sects;             /* 0x1f1 */
	u8 pad_1f2[2];              /* root_flags */
	u32 syssize;                /* 0x1f4, 16-byte units (2.04+: 32 bits) */
	u8 pad_1f8[6];              /* ram_size, vid_mode, root_dev */
	u16 boot_flag;              /* 0x1fe */
	u16 jump;                   /* 0x200: a short jump to after the header */
	u32 header;                 /* 0x202 */
	u16 version;                /* 0x206 */
	u8 pad_208[8];              /* realmode_swtch, start_sys_seg, kernel_version */
	u8 type_of_loader;          /* 0x210 */
	u8 loadflags;               /* 0x211 */
	u16 setup_move_size;        /* 0x212 */
	u32 code32_start;           /* 0x214 */
	u32 ramdisk_image;          /* 0x218 */
	u32 ramdisk_size;           /* 0x21c */
	u32 bootsect_kludge;        /* 0x220 */
	u16 heap_end_ptr;           /* 0x224 */
	u8 pad_226[2];              /* ext_loader_ver, ext_loader_type */
	u32 cmd_line_ptr;           /* 0x228 */
	u32 initrd_addr_max;        /* 0x22c */
	u32 kernel_alignment;       /* 0x230 */
	u8 relocatable_kernel;      /* 0x234 */
	u8 pad_235[3];              /* min_alignment, xloadflags */
	u32 cmdline_size;           /* 0x238 (2.06+) */
	u8 pad_23c[20];             /* hardware_subarch(_data), payload_offset/length */
	u64 setup_data;             /* 0x250 (2.09+) */
	u64 pref_address;           /* 0x258 (2.10+) */
	u32 init_size;              /* 0x260 (2.10+) */
	u8 pad_264[8];              /* handover_offset, kernel_info_offset (2.15+) */
} __packed;
#define LH(f) (LH_OFFSET + offsetof(struct setup_header, f))
STATIC_ASSERT(LH(boot_flag) == 0x1fe, "boot.rst: boot_flag at 0x1fe");
STATIC_ASSERT(LH(header) == 0x202, "boot.rst: header at 0x202");
STATIC_ASSERT(LH(type_of_loader) == 0x210, "boot.rst: type_of_loader at 0x210");
STATIC_ASSERT(LH(code32_start) == 0x214, "boot.rst: code32_start at 0x214");
STATIC_ASSERT(LH(heap_end_ptr) == 0x224, "boot.rst: heap_end_ptr at 0x224");
STATIC_ASSERT(LH(cmd_line_ptr) == 0x228, "boot.rst: cmd_line_ptr at 0x228");
STATIC_ASSERT(LH(relocatable_kernel) == 0x234, "boot.rst: relocatable_kernel at 0x234");
STATIC_ASSERT(LH(cmdline_size) == 0x238, "boot.rst: cmdline_size at 0x238");
STATIC_ASSERT(LH(setup_data) == 0x250, "boot.rst: setup_data at 0x250");
STATIC_ASSERT(LH(pref_address) == 0x258, "boot.rst: pref_address at 0x258");
STATIC_ASSERT(LH(init_size) == 0x260, "boot.rst: init_size at 0x260");
STATIC_ASSERT(LH_OFFSET + sizeof(struct setup_header) == 0x26c, "boot.rst: header ends at 0x26c");

#define LH_MAGIC 0x53726448u    /* boot.rst "header": "HdrS" */
#define LH_BOOT_FLAG 0xaa55u    /* boot.rst "boot_flag" */
#define LH_JUMP_ARG 0x201u      /* boot.rst "32-bit Boot Protocol": the header */
#define LH_JUMP_END 0x202u      /* ends at 0x202 + the byte at 0x201 */
#define LH_MIN_FILE 0x208u      /* enough of the file to read the version */
#define LH_SETUP_SECTS_DEFAULT 4 /* boot.rst "setup_sects": 0 means 4 */
#define LH_SECTOR 512u
#define LH_PARAGRAPH 16u        /* boot.rst "syssize": 16-byte units */

/* boot.rst "version": 0x0206 is 2.06. */
#define LH_VERSION_MIN 0x0206u  /* cmdline_size */
#define LH_VERSION_INIT_SIZE 0x020au /* pref_address, init_size */
#define LH_END_2_06 (LH(cmdline_size) + 4) /* header through cmdline_size */
#define LH_END_2_10 (LH(init_size) + 4)    /* header through init_size */
#define VMAJ(v) ((unsigned)(v) >> 8)
#define VMIN(v) ((unsigned)(v) & 0xff)

/* boot.rst "loadflags". */
#define LF_LOADED_HIGH (1u << 0)  /* bzImage: protected-mode code at 1 MiB */
#define LF_KEEP_SEGMENTS (1u << 6)
#define LF_CAN_USE_HEAP (1u << 7)

/* boot.rst "type_of_loader": 0xff, no assigned loader ID. */
#define LH_LOADER_UNDEFINED 0xffu
/* boot.rst "Sample Boot Configuration": heap_end 0xe000 for a 2.02+ kernel
 * loaded high, heap_end_ptr = heap_end - 0x200. Only the 16-bit setup code
 * reads it, which the 32-bit entry skips; it is set as any loader would. */
#define LH_HEAP_END_PTR (0xe000u - 0x200u)

/* Protocols 2.06 to 2.09 do not give init_size: reserve this many times
 * the protected-mode code (an estimate; compressed kernels expand about
 * three times). */
#define LH_OLD_INIT_FACTOR 3

/* zero-page.rst: struct boot_params, the "zero page". Only the fields we
 * set are named. */
struct boot_params {
	u8 pad0[0x70];
	u64 acpi_rsdp_addr;          /* 0x070 (2.14+) */
	u8 pad1[0xc0 - 0x78];
	u32 ext_ramdisk_image;       /* 0x0c0: bits 63:32 of ramdisk_image */
	u32 ext_ramdisk_size;        /* 0x0c4 */
	u32 ext_cmd_line_ptr;        /* 0x0c8 */
	u8 pad2[0x1e8 - 0xcc];
	u8 e820_entries;             /* 0x1e8 */
	u8 pad3[0x1ef - 0x1e9];
	u8 sentinel;                 /* 0x1ef: nonzero means a careless loader */
	u8 pad4;
	struct setup_header hdr;     /* 0x1f1 */
	u8 pad5[0x2d0 - 0x26c];      /* rest of the header area, EDD MBR sigs */
	struct linux_e820_entry e820_table[128]; /* 0x2d0 */
	u8 pad6[0x1000 - 0xcd0];
} __packed;
#define BP_E820_MAX 128
#define BP_HDR_END 0x290u            /* the header area ends where edd_mbr_sig_buffer starts */
STATIC_ASSERT(offsetof(struct boot_params, acpi_rsdp_addr) == 0x070, "zero-page.rst");
STATIC_ASSERT(offsetof(struct boot_params, ext_ramdisk_image) == 0x0c0, "zero-page.rst");
STATIC_ASSERT(offsetof(struct boot_params, ext_ramdisk_size) == 0x0c4, "zero-page.rst");
STATIC_ASSERT(offsetof(struct boot_params, ext_cmd_line_ptr) == 0x0c8, "zero-page.rst");
STATIC_ASSERT(offsetof(struct boot_params, e820_entries) == 0x1e8, "zero-page.rst");
STATIC_ASSERT(offsetof(struct boot_params, sentinel) == 0x1ef, "zero-page.rst");
STATIC_ASSERT(offsetof(struct boot_params, hdr) == LH_OFFSET, "zero-page.rst");
STATIC_ASSERT(offsetof(struct boot_params, e820_table) == 0x2d0, "zero-page.rst");
STATIC_ASSERT(sizeof(struct boot_params) == LINUX_ZERO_PAGE_SIZE, "zero-page.rst: 4 KiB");
STATIC_ASSERT(LINUX_E820_MAX <= BP_E820_MAX, "our e820 fits the zero page's table");
STATIC_ASSERT(LINUX_ZERO_PAGE + LINUX_ZERO_PAGE_SIZE <= LINUX_CMDLINE, "layout");

#define FOUR_GIB (4 * GiB)

static bool overlaps(u64 lo1, u64 hi1, u64 lo2, u64 hi2)
{
	return lo1 < hi2 && lo2 < hi1;
}

/* The first of src's reserved ranges overlapping [lo, hi), or NULL. */
static const struct linux_e820_entry *reserved_in(const struct linux_boot_src *src, u64 lo,
						  u64 hi)
{
	for (unsigned i = 0; i < src->nreserved; i++)
		if (overlaps(lo, hi, src->reserved[i].addr,
			     src->reserved[i].addr + src->reserved[i].size))
			return &src->reserved[i];
	return NULL;
}

/* ------------------------------------------------------------------ e820 */

static bool check_reserved(const struct linux_e820_entry *r, u64 size, const struct errbuf *e)
{
	unsigned long long lo = r->addr, hi = r->addr + r->size;
	char sz[24];

	if (r->size == 0)
		return errbuf_fail(e, "reserved range at 0x%llx is empty", lo);
	if (hi < lo || hi > size)
		return errbuf_fail(e, "reserved range 0x%llx..0x%llx lies past the end of RAM (%s)", lo,
			    hi < lo ? ~0ull : hi, fmt_size(sz, sizeof(sz), size));
	if (overlaps(lo, hi, MB_HOLE_START, MB_HOLE_END))
		return errbuf_fail(e, "reserved range 0x%llx..0x%llx overlaps the legacy hole "
			    "0x%llx..0x%llx", lo, hi, MB_HOLE_START, MB_HOLE_END);
	if (r->type != LINUX_E820_RESERVED && r->type != LINUX_E820_ACPI &&
	    r->type != LINUX_E820_NVS)
		return errbuf_fail(e, "reserved range 0x%llx..0x%llx has e820 type %u (need 2 reserved, "
			    "3 ACPI or 4 NVS)", lo, hi, r->type);
	return true;
}

static unsigned e820_build(u64 size, const struct linux_e820_entry *reserved, unsigned nres,
			   struct linux_e820_entry *out, const struct errbuf *e)
{
	struct linux_e820_entry r[LINUX_MAX_RESERVED];
	const u64 region[2][2] = { { 0, MIN(size, MB_HOLE_START) }, { MB_HOLE_END, size } };
	unsigned n = 0, j = 0;

	if (nres > LINUX_MAX_RESERVED) {
		errbuf_fail(e, "%u reserved ranges given, at most %u are supported", nres,
		     LINUX_MAX_RESERVED);
		return 0;
	}
	/* Check each, then insertion-sort by address and check neighbours. */
	for (unsigned i = 0; i < nres; i++) {
		unsigned k = i;

		if (!check_reserved(&reserved[i], size, e))
			return 0;
		while (k > 0 && r[k - 1].addr > reserved[i].addr) {
			r[k] = r[k - 1];
			k--;
		}
		r[k] = reserved[i];
	}
	for (unsigned i = 1; i < nres; i++) {
		if (r[i - 1].addr + r[i - 1].size > r[i].addr) {
			errbuf_fail(e, "reserved ranges 0x%llx..0x%llx and 0x%llx..0x%llx overlap",
			     (unsigned long long)r[i - 1].addr,
			     (unsigned long long)(r[i - 1].addr + r[i - 1].size),
			     (unsigned long long)r[i].addr,
			     (unsigned long long)(r[i].addr + r[i].size));
			return 0;
		}
	}

	/* Each reserved range lies wholly inside one of the two RAM regions
	 * (checked above): walk both, emitting RAM between reserved ranges. */
	for (unsigned g = 0; g < 2; g++) {
		u64 cur = region[g][0], hi = region[g][1];

		if (cur >= hi)
			continue;
		for (; j < nres && r[j].addr < hi; j++) {
			if (r[j].addr > cur)
				out[n++] = (struct linux_e820_entry){ cur, r[j].addr - cur,
								      LINUX_E820_RAM };
			out[n++] = r[j];
			cur = r[j].addr + r[j].size;
		}
		if (cur < hi)
			out[n++] = (struct linux_e820_entry){ cur, hi - cur, LINUX_E820_RAM };
	}
	return n;
}

unsigned linux_e820_build(u64 size, const struct linux_e820_entry *reserved, unsigned nreserved,
			  struct linux_e820_entry out[LINUX_E820_MAX], char *err, size_t errlen)
{
	const struct errbuf e = { err, errlen };

	if (err && errlen)
		err[0] = 0;
	return e820_build(size, reserved, nreserved, out, &e);
}

/* ------------------------------------------------------------------ plan */

struct lx_plan {
	struct setup_header h; /* the file's header, zero past its end */
	u64 hdr_len;           /* bytes of it in the file, from 0x1f1 */
	u64 setup_bytes;       /* boot sector + setup code: skipped */
	u64 pm_size;           /* protected-mode code: loaded */
	u64 load, runtime, init_size;
	u64 klo, khi, ilo, ihi;
	u64 cmdlen;
	struct linux_e820_entry e820[LINUX_E820_MAX];
	unsigned ne820;
};

/* boot.rst "The Real-Mode Kernel Header", "Details of Header Fields". */
static bool parse_header(const u8 *k, size_t ksize, struct lx_plan *p, const struct errbuf *e)
{
	struct setup_header *h = &p->h;
	u32 magic;
	u64 hdr_end, need, sects;

	if (ksize < LH_MIN_FILE)
		return errbuf_fail(e, "not a bzImage: the file is only %zu bytes", ksize);
	memcpy(&magic, k + LH(header), sizeof(magic));
	if (magic != LH_MAGIC)
		return errbuf_fail(e, "not a bzImage: no HdrS signature at 0x%x", (unsigned)LH(header));
	hdr_end = LH_JUMP_END + k[LH_JUMP_ARG];
	if (hdr_end > ksize)
		return errbuf_fail(e, "not a bzImage: setup header ends at 0x%llx, past the end of the "
			    "file", (unsigned long long)hdr_end);
	if (hdr_end > BP_HDR_END)
		return errbuf_fail(e, "setup header ends at 0x%llx, past the 0x%x boot_params has room "
			    "for", (unsigned long long)hdr_end, BP_HDR_END);
	p->hdr_len = hdr_end - LH_OFFSET;
	memset(h, 0, sizeof(*h));
	memcpy(h, k + LH_OFFSET, (size_t)MIN(p->hdr_len, sizeof(*h)));

	if (h->boot_flag != LH_BOOT_FLAG)
		return errbuf_fail(e, "not a bzImage: boot flag at 0x1fe is 0x%04x, not 0x%04x",
			    h->boot_flag, LH_BOOT_FLAG);
	if (h->version < LH_VERSION_MIN)
		return errbuf_fail(e, "boot protocol %u.%02u is too old (need %u.%02u)", VMAJ(h->version),
			    VMIN(h->version), VMAJ(LH_VERSION_MIN), VMIN(LH_VERSION_MIN));
	need = h->version >= LH_VERSION_INIT_SIZE ? LH_END_2_10 : LH_END_2_06;
	if (hdr_end < need)
		return errbuf_fail(e, "setup header ends at 0x%llx, too short for boot protocol %u.%02u "
			    "(which needs 0x%llx)", (unsigned long long)hdr_end,
			    VMAJ(h->version), VMIN(h->version), (unsigned long long)need);
	if (!(h->loadflags & LF_LOADED_HIGH))
		return errbuf_fail(e, "not a bzImage: loadflags bit 0 (LOADED_HIGH) is clear; a zImage "
			    "loaded at 0x10000 is not supported");

	sects = h->setup_sects ? h->setup_sects : LH_SETUP_SECTS_DEFAULT;
	p->setup_bytes = (sects + 1) * LH_SECTOR;
	if (h->syssize) {
		/* syssize counts 16-byte paragraphs, rounded up (boot.rst), so
		 * the code may end up to 15 bytes before setup + syssize * 16:
		 * Debian's memtest86+ does, and GRUB and QEMU boot it. Past
		 * that the file is short. A signed kernel carries its
		 * signature after the code, which is not loaded. */
		u64 claimed = (u64)h->syssize * LH_PARAGRAPH;

		if (p->setup_bytes + claimed - (LH_PARAGRAPH - 1) > ksize)
			return errbuf_fail(e, "kernel file is truncated: %zu bytes, but its header says "
				    "%llu (setup %llu + protected-mode code %llu)", ksize,
				    (unsigned long long)(p->setup_bytes + claimed),
				    (unsigned long long)p->setup_bytes, (unsigned long long)claimed);
		p->pm_size = MIN(claimed, ksize - p->setup_bytes);
	} else {
		if (p->setup_bytes >= ksize)
			return errbuf_fail(e, "kernel file is truncated: %zu bytes, no protected-mode code "
				    "after %llu bytes of setup", ksize,
				    (unsigned long long)p->setup_bytes);
		p->pm_size = ksize - p->setup_bytes;
	}
	return true;
}

/*
 * boot.rst "init_size" gives the runtime start of the kernel (where the
 * decompressor works, needing init_size bytes) as:
 *   relocatable: align_up(max(load address, pref_address), kernel_alignment)
 *   otherwise:   pref_address
 * So a relocatable kernel loaded below pref_address moves itself up to it
 * anyway: loading it at 0x100000 instead would save no memory. We load it
 * at pref_address (1 MiB if that is lower), a non-relocatable one at
 * code32_start's default 0x100000, and keep the whole span from the load
 * address to runtime start + init_size for the kernel.
 */
static bool plan_kernel(struct lx_plan *p, u64 size, const struct linux_boot_src *src,
			const struct errbuf *e)
{
	const struct setup_header *h = &p->h;
	const struct linux_e820_entry *r;
	u64 pref = LINUX_BZIMAGE_ADDR;
	char sz[24];

	if (h->version >= LH_VERSION_INIT_SIZE) {
		pref = h->pref_address;
		p->init_size = h->init_size;
	} else {
		p->init_size = LH_OLD_INIT_FACTOR * ALIGN_UP(p->pm_size, PAGE_SIZE);
	}
	if (pref >= FOUR_GIB)
		return errbuf_fail(e, "pref_address 0x%llx is above 4 GiB, out of the 32-bit entry's "
			    "reach", (unsigned long long)pref);
	if (h->relocatable_kernel) {
		u64 align = h->kernel_alignment;

		if (align == 0 || (align & (align - 1)))
			return errbuf_fail(e, "kernel_alignment 0x%llx is not a power of two",
				    (unsigned long long)align);
		p->load = MAX(pref, LINUX_BZIMAGE_ADDR);
		p->runtime = ALIGN_UP(p->load, align);
	} else {
		p->load = LINUX_BZIMAGE_ADDR;
		p->runtime = pref;
		if (pref < LINUX_BZIMAGE_ADDR)
			return errbuf_fail(e, "non-relocatable kernel wants to run at 0x%llx (pref_address), "
				    "below 1 MiB", (unsigned long long)pref);
	}
	p->klo = MIN(p->load, p->runtime);
	p->khi = MAX(p->load + p->pm_size, p->runtime + p->init_size);
	if (p->khi > size)
		return errbuf_fail(e, "kernel needs %llu MiB (runtime start 0x%llx + init_size 0x%llx) "
			    "but the partition has %s",
			    (unsigned long long)(ALIGN_UP(p->khi, MiB) / MiB),
			    (unsigned long long)p->runtime, (unsigned long long)p->init_size,
			    fmt_size(sz, sizeof(sz), size));
	if (p->khi > FOUR_GIB)
		return errbuf_fail(e, "kernel at 0x%llx..0x%llx reaches above 4 GiB, out of the 32-bit "
			    "entry's reach", (unsigned long long)p->klo, (unsigned long long)p->khi);
	r = reserved_in(src, p->klo, p->khi);
	if (r)
		return errbuf_fail(e, "kernel at 0x%llx..0x%llx overlaps reserved range 0x%llx..0x%llx",
			    (unsigned long long)p->klo, (unsigned long long)p->khi,
			    (unsigned long long)r->addr, (unsigned long long)(r->addr + r->size));
	return true;
}

/*
 * boot.rst "initrd_addr_max": the initrd must lie wholly at or below it.
 * Like other loaders we put it as high as it may go, page aligned, then
 * step below whatever it would overlap (the kernel's span, a reserved
 * range) until it fits or would fall under 1 MiB. Each step lowers the
 * ceiling, so the loop ends.
 */
static bool plan_initrd(struct lx_plan *p, u64 size, const struct linux_boot_src *src,
			const struct errbuf *e)
{
	u64 isize = src->initrd_size;
	u64 top = MIN((u64)p->h.initrd_addr_max + 1, size);
	char isz[24], sz[24];

	if (isize == 0)
		return true;
	if (!src->initrd)
		return errbuf_fail(e, "initrd of %llu bytes has no data", (unsigned long long)isize);
	for (;;) {
		const struct linux_e820_entry *r;
		u64 at;

		if (isize > top || ALIGN_DOWN(top - isize, PAGE_SIZE) < MB_HOLE_END)
			return errbuf_fail(e, "initrd of %s does not fit in RAM below 0x%llx "
				    "(initrd_addr_max 0x%x, RAM %s) outside the kernel's "
				    "0x%llx..0x%llx", fmt_size(isz, sizeof(isz), isize),
				    (unsigned long long)MIN((u64)p->h.initrd_addr_max + 1, size),
				    p->h.initrd_addr_max, fmt_size(sz, sizeof(sz), size),
				    (unsigned long long)p->klo, (unsigned long long)p->khi);
		at = ALIGN_DOWN(top - isize, PAGE_SIZE);
		r = reserved_in(src, at, at + isize);
		if (overlaps(at, at + isize, p->klo, p->khi)) {
			top = p->klo;
		} else if (r) {
			top = r->addr;
		} else {
			p->ilo = at;
			p->ihi = at + isize;
			return true;
		}
	}
}

/* boot.rst "cmdline_size": the longest command line, without its NUL. */
static bool plan_cmdline(struct lx_plan *p, const struct linux_boot_src *src,
			 const struct errbuf *e)
{
	u64 room = LINUX_CMDLINE_END - LINUX_CMDLINE - 1;
	u64 max = MIN((u64)p->h.cmdline_size, room);
	const struct linux_e820_entry *r;

	p->cmdlen = str_len_upto(src->cmdline, max);
	if (p->cmdlen > max)
		return errbuf_fail(e, "command line is too long: more than %llu bytes (%s)",
			    (unsigned long long)max,
			    max < room ? "the kernel's cmdline_size" : "the room at 0x8000");
	r = reserved_in(src, LINUX_ZERO_PAGE, LINUX_CMDLINE_END);
	if (r)
		return errbuf_fail(e, "reserved range 0x%llx..0x%llx overlaps the zero page and command "
			    "line at 0x%llx..0x%llx", (unsigned long long)r->addr,
			    (unsigned long long)(r->addr + r->size), LINUX_ZERO_PAGE,
			    LINUX_CMDLINE_END);
	return true;
}

/* ----------------------------------------------------------------- write */

/* boot.rst "32-bit Boot Protocol": a zeroed boot_params, the file's
 * header copied into it, then the loader's fields filled in. */
static void write_zero_page(u8 *gm, const u8 *k, const struct linux_boot_src *src,
			    const struct lx_plan *p)
{
	struct boot_params *bp = (struct boot_params *)(gm + LINUX_ZERO_PAGE);

	/* The header may run past struct setup_header (a newer kernel's);
	 * it still ends within the header area (checked). */
	memcpy(gm + LINUX_ZERO_PAGE + LH_OFFSET, k + LH_OFFSET, (size_t)p->hdr_len);
	bp->hdr.type_of_loader = LH_LOADER_UNDEFINED;
	/* boot.rst "loadflags": KEEP_SEGMENTS is obsolete and must be clear
	 * (our segments are the flat ones the 32-bit entry requires). */
	bp->hdr.loadflags = (u8)((bp->hdr.loadflags & ~LF_KEEP_SEGMENTS) | LF_CAN_USE_HEAP);
	bp->hdr.heap_end_ptr = LH_HEAP_END_PTR;
	bp->hdr.code32_start = (u32)p->load;
	bp->hdr.cmd_line_ptr = (u32)LINUX_CMDLINE;
	bp->ext_cmd_line_ptr = (u32)(LINUX_CMDLINE >> 32);
	bp->hdr.ramdisk_image = (u32)p->ilo;
	bp->hdr.ramdisk_size = (u32)(p->ihi - p->ilo);
	bp->ext_ramdisk_image = (u32)(p->ilo >> 32);
	bp->ext_ramdisk_size = (u32)((p->ihi - p->ilo) >> 32);
	bp->hdr.setup_data = 0; /* boot.rst "setup_data": we pass none */
	/* zero-page.rst: read by 2.14+ kernels, harmlessly zero-padding to
	 * older ones. */
	bp->acpi_rsdp_addr = src->acpi_rsdp;
	bp->e820_entries = (u8)p->ne820;
	memcpy(bp->e820_table, p->e820, p->ne820 * sizeof(p->e820[0]));
}

bool linux_load(u8 *gm, u64 size, const struct linux_boot_src *src, struct linux_boot *out,
		char *err, size_t errlen)
{
	const struct errbuf e = { err, errlen };
	struct lx_plan p;
	const u8 *k;

	if (err && errlen)
		err[0] = 0;
	if (!src || !src->kernel || !gm)
		return errbuf_fail(&e, "no kernel");
	k = src->kernel;
	memset(&p, 0, sizeof(p));
	if (!parse_header(k, src->kernel_size, &p, &e))
		return false;
	/* The e820 first: it checks the reserved ranges the others avoid. */
	p.ne820 = e820_build(size, src->reserved, src->nreserved, p.e820, &e);
	if (!p.ne820 || !plan_cmdline(&p, src, &e) || !plan_kernel(&p, size, src, &e) ||
	    !plan_initrd(&p, size, src, &e))
		return false;

	/* Everything checked: from here on nothing fails. */
	memset(gm, 0, (size_t)size);
	memcpy(gm + p.load, k + p.setup_bytes, (size_t)p.pm_size);
	if (p.ihi > p.ilo)
		memcpy(gm + p.ilo, src->initrd, (size_t)(p.ihi - p.ilo));
	if (p.cmdlen)
		memcpy(gm + LINUX_CMDLINE, src->cmdline, (size_t)p.cmdlen);
	write_zero_page(gm, k, src, &p);

	if (out)
		*out = (struct linux_boot){ .entry32 = (u32)p.load,
					    .boot_params = (u32)LINUX_ZERO_PAGE,
					    .kernel_lo = p.klo,
					    .kernel_hi = p.khi,
					    .initrd_lo = p.ilo,
					    .initrd_hi = p.ihi,
					    .protocol = p.h.version };
	return true;
}
