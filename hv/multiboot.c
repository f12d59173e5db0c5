/*
 * Multiboot v1: placing a kernel, its modules and the boot information
 * structure in a partition's guest memory. See tessera/multiboot.h for
 * the guest-physical layout.
 *
 * Reference: Multiboot Specification 0.6.96
 * (https://www.gnu.org/software/grub/manual/multiboot/multiboot.html),
 * cited below as "spec 3.1.1" etc.
 *
 * The kernel file is untrusted (it comes from the ESP): every field is
 * read with memcpy (the buffer promises no alignment), every address is
 * computed in 64 bits so 32-bit fields cannot wrap, and everything is
 * checked before the first byte of guest memory is written. A failed load
 * leaves guest memory as it was; a successful one zeroes all of it first.
 * Nothing is ever written outside [gm, gm + size).
 */
#include <tessera/format.h>
#include <tessera/limits.h>
#include <tessera/mb_load.h>
#include <tessera/multiboot.h>
#include <tessera/string.h>
#include <tessera/types.h>
#include <tessera/unaligned.h>

/* Spec 3.1.2 "The magic fields of Multiboot header" (flags). Bits 0-15
 * are requirements: one we do not understand or cannot satisfy must fail
 * the load. Bits 16-31 are optional features and may be ignored. */
#define MBH_PAGE_ALIGN (1u << 0) /* modules page aligned: we always do */
#define MBH_MEMORY_INFO (1u << 1) /* mem_* fields: we always give them */
#define MBH_VIDEO_MODE (1u << 2)  /* video mode table: refused */
#define MBH_AOUT_KLUDGE (1u << 16) /* address fields valid (spec 3.1.3) */
#define MBH_REQUIRED_MASK 0xffffu
#define MBH_SUPPORTED (MBH_PAGE_ALIGN | MBH_MEMORY_INFO)

/* Spec 3.1.1 "The layout of Multiboot header". */
struct mb_header {
	u32 magic;
	u32 flags;
	u32 checksum; /* magic + flags + checksum == 0 (mod 2^32) */
	/* Spec 3.1.3: valid only with MBH_AOUT_KLUDGE. */
	u32 header_addr;
	u32 load_addr;
	u32 load_end_addr;
	u32 bss_end_addr;
	u32 entry_addr;
};
#define MBH_BASE_SIZE 12u /* magic, flags, checksum */
STATIC_ASSERT(sizeof(struct mb_header) == 32, "spec 3.1.1: address fields end at 32");

/* Spec 3.3 "Boot information format": flags telling which fields are valid. */
#define MBI_MEMORY (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER_NAME (1u << 9)

/* Spec 3.3: the whole structure as of 0.6.96 (through the framebuffer
 * fields). Fields we do not set stay zero, their flag bits clear. */
struct mb_info {
	u32 flags;
	u32 mem_lower; /* KiB from 0 */
	u32 mem_upper; /* KiB from 1 MiB */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;
	u32 mmap_addr;
	u32 drives_length;
	u32 drives_addr;
	u32 config_table;
	u32 boot_loader_name;
	u32 apm_table;
	u32 vbe_control_info;
	u32 vbe_mode_info;
	u16 vbe_mode;
	u16 vbe_interface_seg;
	u16 vbe_interface_off;
	u16 vbe_interface_len;
	u64 framebuffer_addr;
	u32 framebuffer_pitch;
	u32 framebuffer_width;
	u32 framebuffer_height;
	u8 framebuffer_bpp;
	u8 framebuffer_type;
	u8 color_info[6];
} __packed;
STATIC_ASSERT(sizeof(struct mb_info) == 116, "spec 3.3: info is 116 bytes");
STATIC_ASSERT(offsetof(struct mb_info, cmdline) == 16, "spec 3.3");
STATIC_ASSERT(offsetof(struct mb_info, mmap_length) == 44, "spec 3.3");
STATIC_ASSERT(offsetof(struct mb_info, boot_loader_name) == 64, "spec 3.3");
STATIC_ASSERT(offsetof(struct mb_info, framebuffer_addr) == 88, "spec 3.3");

/* Spec 3.3: a module entry. mod_end is exclusive (start + size), as GRUB
 * sets it. */
struct mb_mod {
	u32 mod_start;
	u32 mod_end;
	u32 string;
	u32 reserved;
};
STATIC_ASSERT(sizeof(struct mb_mod) == 16, "spec 3.3: module entries are 16 bytes");

/* Spec 3.3: a memory map entry. mmap_addr points at 'size', which counts
 * the bytes after itself (20). */
struct mb_mmap {
	u32 size;
	u64 base_addr;
	u64 length;
	u32 type;
} __packed;
STATIC_ASSERT(sizeof(struct mb_mmap) == 24, "spec 3.3: mmap entries are 24 bytes");

#define MB_LOADER_NAME "Tessera"

struct mb_plan {
	struct mb_image img; /* segments, entry, modules (tessera/mb_load.h) */
	struct mb_mem_range map[MB_MAP_MAX]; /* the memory map (mb_memory_map()) */
	unsigned nmap;
	/* Info area, guest-physical */
	u64 mmap_addr, mods_addr, name_addr, cmdline_addr, mod_string_addr[MAX_MODULES];
	u64 info_end;
};

/*
 * Spec 3.1.1: the header lies wholly within the first MB_HEADER_SEARCH
 * bytes, 32-bit aligned, and its checksum makes magic + flags + checksum
 * zero. A magic value with a wrong checksum is reported as such (if no
 * valid header follows) since it almost always means a mistyped flag.
 */
static bool find_header(const u8 *k, size_t ksize, size_t *off, struct mb_header *h,
			const struct errbuf *e)
{
	size_t limit = MIN(ksize, (size_t)MB_HEADER_SEARCH);
	size_t bad = (size_t)-1;

	for (size_t o = 0; o + MBH_BASE_SIZE <= limit; o += 4) {
		if (rd32(k + o) != MB_HEADER_MAGIC)
			continue;
		if ((u32)(rd32(k + o) + rd32(k + o + 4) + rd32(k + o + 8)) != 0) {
			if (bad == (size_t)-1)
				bad = o;
			continue;
		}
		memset(h, 0, sizeof(*h));
		/* Only the part present in the file; flags say what is valid. */
		memcpy(h, k + o, MIN(sizeof(*h), limit - o));
		*off = o;
		return true;
	}
	if (bad != (size_t)-1)
		return errbuf_fail(e, "multiboot header at offset 0x%zx has a bad checksum", bad);
	return errbuf_fail(e, "no multiboot header in the first 8 KiB");
}

/* Spec 3.1.2: refuse requirement bits (0-15) we cannot honour. */
static bool check_flags(u32 flags, const struct errbuf *e)
{
	u32 refused = flags & MBH_REQUIRED_MASK & ~MBH_SUPPORTED;

	if (refused & MBH_VIDEO_MODE)
		return errbuf_fail(e, "header flag bit 2 (video mode) is not supported");
	if (refused) {
		unsigned bit = 0;

		while (!(refused & (1u << bit)))
			bit++;
		return errbuf_fail(e, "header flag bit %u is not supported", bit);
	}
	return true;
}

/*
 * Spec 3.1.3 "The address fields of Multiboot header": the file offset of
 * the header corresponds to header_addr, so loading starts at file offset
 * header_off - (header_addr - load_addr). load_end_addr 0 means "to the
 * end of the file", bss_end_addr 0 means "no bss".
 */
static bool plan_aout(const struct mb_header *h, size_t hoff, size_t ksize, struct mb_plan *p,
		      const struct errbuf *e)
{
	u64 start, len, end;

	if (hoff + sizeof(*h) > MIN(ksize, (size_t)MB_HEADER_SEARCH))
		return errbuf_fail(e, "multiboot header at offset 0x%zx is cut short (flag 16 needs "
			    "32 bytes)", hoff);
	if (h->load_addr > h->header_addr)
		return errbuf_fail(e, "header load_addr 0x%x is above header_addr 0x%x", h->load_addr,
			    h->header_addr);
	if (h->header_addr - h->load_addr > hoff)
		return errbuf_fail(e, "header_addr 0x%x - load_addr 0x%x is more than the header's "
			    "file offset 0x%zx", h->header_addr, h->load_addr, hoff);
	start = hoff - (h->header_addr - h->load_addr);
	if (h->load_end_addr == 0) {
		len = ksize - start;
	} else {
		if (h->load_end_addr < h->load_addr)
			return errbuf_fail(e, "header load_end_addr 0x%x is below load_addr 0x%x",
				    h->load_end_addr, h->load_addr);
		len = (u64)h->load_end_addr - h->load_addr;
		if (len > ksize - start)
			return errbuf_fail(e, "header load_end_addr 0x%x is past the end of the file",
				    h->load_end_addr);
	}
	end = h->load_addr + len;
	if (h->bss_end_addr != 0) {
		if (h->bss_end_addr < end)
			return errbuf_fail(e, "header bss_end_addr 0x%x is below the end of the loaded "
				    "data 0x%llx", h->bss_end_addr, (unsigned long long)end);
		end = h->bss_end_addr;
	}
	if (end == h->load_addr)
		return errbuf_fail(e, "header address fields describe an empty image");
	if (h->entry_addr < h->load_addr || h->entry_addr >= end)
		return errbuf_fail(e, "header entry_addr 0x%x is outside the image 0x%x..0x%llx",
			    h->entry_addr, h->load_addr, (unsigned long long)end);
	p->img.seg[0] = (struct mb_load_seg){ .lo = h->load_addr, .hi = end, .offset = start,
					      .filesz = len };
	p->img.nsegs = 1;
	p->img.entry = h->entry_addr;
	return true;
}

/*
 * An ELF kernel without address fields: each PT_LOAD goes to its p_paddr
 * and e_entry is translated through the segment holding it, since paging
 * is off at entry (spec 3.2); see mb_plan_elf().
 */
static bool plan_elf(const void *k, size_t ksize, struct mb_plan *p, const struct errbuf *e)
{
	if (!mb_is_elf(k, ksize))
		return errbuf_fail(e, "kernel is not an ELF file and its multiboot header has no "
			    "address fields (flag 16)");
	return mb_plan_elf(k, ksize, NULL, &p->img, e);
}

/* The info area [MB_INFO_BASE, MB_INFO_END): the info structure, the
 * memory map, the module list, then the strings. */
static bool plan_info(const char *cmdline, const struct mb_module_src *mods, unsigned nmods,
		      struct mb_plan *p, const struct errbuf *e)
{
	u64 room = MB_INFO_END - MB_INFO_BASE;
	u64 at = MB_INFO_BASE + ALIGN_UP(sizeof(struct mb_info), 8);

	p->mmap_addr = at;
	at += p->nmap * sizeof(struct mb_mmap);
	p->mods_addr = at;
	at += nmods * sizeof(struct mb_mod);
	p->name_addr = at;
	at += sizeof(MB_LOADER_NAME);
	p->cmdline_addr = at;
	at += str_len_upto(cmdline, room) + 1;
	for (unsigned i = 0; i < nmods; i++) {
		p->mod_string_addr[i] = at;
		at += str_len_upto(mods[i].string, room) + 1;
	}
	p->info_end = at;
	if (at > MB_INFO_END)
		return errbuf_fail(e, "command line and module strings do not fit in the multiboot "
			    "info area (%llu bytes needed, %llu available)",
			    (unsigned long long)(at - MB_INFO_BASE), (unsigned long long)room);
	return true;
}

static void put_string(u8 *gm, u64 gpa, const char *s)
{
	u64 n = str_len_upto(s, MB_INFO_END - MB_INFO_BASE);

	if (n)
		memcpy(gm + gpa, s, (size_t)n);
	gm[gpa + n] = 0;
}

static void write_info(u8 *gm, u64 size, const char *cmdline, const struct mb_module_src *mods,
		       unsigned nmods, const struct mb_plan *p)
{
	u64 upper = (size - MB_HOLE_END) / KiB;
	struct mb_info info = {
		.flags = MBI_MEMORY | MBI_CMDLINE | MBI_MODS | MBI_MMAP | MBI_LOADER_NAME,
		.mem_lower = mb_mem_lower_kib(p->map, p->nmap),
		.mem_upper = upper > 0xffffffffull ? 0xffffffffu : (u32)upper,
		.cmdline = (u32)p->cmdline_addr,
		.mods_count = nmods,
		.mods_addr = (u32)p->mods_addr,
		.mmap_length = (u32)(p->nmap * sizeof(struct mb_mmap)),
		.mmap_addr = (u32)p->mmap_addr,
		.boot_loader_name = (u32)p->name_addr,
	};

	memcpy(gm + MB_INFO_BASE, &info, sizeof(info));
	for (unsigned i = 0; i < p->nmap; i++) {
		/* size counts the 20 bytes after itself (spec 3.3). */
		struct mb_mmap m = { sizeof(m) - sizeof(m.size), p->map[i].base, p->map[i].length,
				     p->map[i].type };

		memcpy(gm + p->mmap_addr + i * sizeof(m), &m, sizeof(m));
	}
	for (unsigned i = 0; i < nmods; i++) {
		struct mb_mod m = { .mod_start = (u32)p->img.mod_start[i],
				    .mod_end = (u32)(p->img.mod_start[i] + mods[i].size),
				    .string = (u32)p->mod_string_addr[i] };

		memcpy(gm + p->mods_addr + i * sizeof(m), &m, sizeof(m));
		put_string(gm, p->mod_string_addr[i], mods[i].string);
	}
	put_string(gm, p->name_addr, MB_LOADER_NAME);
	put_string(gm, p->cmdline_addr, cmdline);
}

bool multiboot_load(u8 *gm, u64 size, const void *kernel, size_t ksize, const char *cmdline,
		    const struct mb_module_src *mods, unsigned nmods, struct mb_boot *out,
		    char *err, size_t errlen)
{
	const struct errbuf e = { err, errlen };
	const u8 *k = kernel;
	struct mb_plan p;
	struct mb_header h;
	size_t hoff = 0;

	if (err && errlen)
		err[0] = 0;
	memset(&p, 0, sizeof(p));
	if (!mb_check_size(size, "multiboot", &e))
		return false;
	/* The page at GUEST_ACPI_TABLES_GPA is ACPI memory in the map: every
	 * Multiboot partition gets its firmware tables there, written after
	 * this load (platform_build_tables()), and a v1 kernel finds them
	 * through the RSDP's copy in the BIOS area (tessera/guest_layout.h). */
	p.nmap = mb_memory_map(size, true, p.map, &e);
	if (!p.nmap)
		return false;
	if (!k && ksize)
		return errbuf_fail(&e, "no kernel");
	if (!find_header(k, ksize, &hoff, &h, &e) || !check_flags(h.flags, &e))
		return false;
	/* Spec 3.1.2/3.1.3: with flag 16 the address fields are used
	 * instead of the executable's own headers, even for ELF. */
	if (h.flags & MBH_AOUT_KLUDGE) {
		if (!plan_aout(&h, hoff, ksize, &p, &e))
			return false;
	} else if (!plan_elf(kernel, ksize, &p, &e)) {
		return false;
	}
	if (!mb_check_segments(&p.img, size, "multiboot", &e) ||
	    !mb_place_modules(mods, nmods, size, &p.img, &e) ||
	    !plan_info(cmdline, mods, nmods, &p, &e))
		return false;

	/* Everything checked: from here on nothing fails. */
	mb_copy_image(gm, size, kernel, &p.img, mods, nmods);
	write_info(gm, size, cmdline, mods, nmods, &p);
	if (out)
		mb_boot_out(&p.img, out);
	return true;
}
