/*
 * Multiboot2: placing a kernel, its modules and the boot information in a
 * partition's guest memory. See tessera/multiboot2.h for the interface
 * and tessera/multiboot.h for the guest-physical layout, which is v1's.
 *
 * Reference: Multiboot2 Specification version 2.0
 * (https://www.gnu.org/software/grub/manual/multiboot2/multiboot.html),
 * cited below as "spec 3.1.3" etc. Where the specification leaves room,
 * this does what GRUB 2 (grub-core/loader/multiboot_mbi2.c) does, and says
 * so.
 *
 * The same rules as hv/multiboot.c: the kernel file is untrusted, every
 * field is read with memcpy (the buffer promises no alignment), addresses
 * are computed in 64 bits so 32-bit fields cannot wrap, nothing is read
 * outside kernel[0, ksize) (nor, for header tags, outside the header), and
 * everything is checked before the first byte of guest memory is written.
 * A failed load leaves guest memory as it was; a successful one zeroes all
 * of it first. Nothing is ever written outside [gm, gm + size).
 */
#include <tessera/acpi_build.h>
#include <tessera/format.h>
#include <tessera/mb_load.h>
#include <tessera/multiboot.h>
#include <tessera/multiboot2.h>
#include <tessera/string.h>
#include <tessera/types.h>
#include <tessera/unaligned.h>

/* Spec 3.1.1 "Header layout" and 3.1.2 "Header magic fields". */
struct mb2_header {
	u32 magic;
	u32 architecture;
	u32 header_length; /* in bytes, the magic fields and every tag */
	u32 checksum;      /* magic + architecture + header_length + checksum == 0 */
};
STATIC_ASSERT(sizeof(struct mb2_header) == 16, "spec 3.1.1: tags start at offset 16");
#define MB2_ARCH_I386 0u
#define MB2_ARCH_MIPS32 4u

/* Spec 3.1.3 "General tag structure": u16 type, u16 flags, u32 size (the
 * tag's own bytes, not its padding); the next tag starts at the next
 * 8-byte boundary. Bit 0 of flags ("optional"): the boot loader may ignore
 * the tag if it lacks the support. The list ends with type 0, size 8. */
#define HTAG_HDR 8u
#define HTAG_ALIGN 8u
#define HTAG_OPTIONAL 1u

/* Header tag types, spec 3.1.4-3.1.13. */
#define HT_END 0
#define HT_INFO_REQUEST 1 /* u32 mbi_tag_types[] (3.1.4) */
#define HT_ADDRESS 2      /* header_addr, load_addr, load_end_addr, bss_end_addr (3.1.5) */
#define HT_ENTRY 3        /* entry_addr (3.1.6) */
#define HT_CONSOLE 4      /* console_flags (3.1.7) */
#define HT_FRAMEBUFFER 5  /* width, height, depth (3.1.8) */
#define HT_MODULE_ALIGN 6 /* modules page aligned (3.1.9) */
#define HT_EFI_BS 7       /* may start with EFI boot services running (3.1.10) */
#define HT_ENTRY_EFI32 8  /* entry_addr (3.1.11) */
#define HT_ENTRY_EFI64 9  /* entry_addr (3.1.12) */
#define HT_RELOCATABLE 10 /* min_addr, max_addr, align, preference (3.1.13) */
#define HT_COUNT 11

/* Spec 3.1.7: console_flags bit 0, "at least one of the supported
 * consoles must be present and information about it must be available". */
#define CONSOLE_REQUIRED 1u

static const struct {
	const char *name;
	u32 size; /* the size the spec gives the tag (at least) */
} htag_kind[HT_COUNT] = {
	[HT_END] = { "end", 8 },
	[HT_INFO_REQUEST] = { "information request", 8 },
	[HT_ADDRESS] = { "address", 24 },
	[HT_ENTRY] = { "entry address", 12 },
	[HT_CONSOLE] = { "console flags", 12 },
	[HT_FRAMEBUFFER] = { "framebuffer", 20 },
	[HT_MODULE_ALIGN] = { "module alignment", 8 },
	[HT_EFI_BS] = { "EFI boot services", 8 },
	[HT_ENTRY_EFI32] = { "EFI i386 entry address", 12 },
	[HT_ENTRY_EFI64] = { "EFI amd64 entry address", 12 },
	[HT_RELOCATABLE] = { "relocatable", 24 },
};

/* Boot information tag types, spec 3.6.2-3.6.22. Types 0..21 are
 * defined; the ones marked with a name here are the ones this loader
 * ever gives. */
#define IT_END 0
#define IT_CMDLINE 1      /* 3.6.4 */
#define IT_LOADER_NAME 2  /* 3.6.9 */
#define IT_MODULE 3       /* 3.6.5 */
#define IT_MEMINFO 4      /* 3.6.2 */
#define IT_MMAP 6         /* 3.6.8 */
#define IT_ACPI_OLD 14    /* 3.6.16 */
#define IT_ACPI_NEW 15    /* 3.6.17 */
#define IT_LOAD_BASE 21   /* 3.6.22 */
#define IT_LAST_DEFINED 21

/* Spec 3.6.1 "Basic tags structure": u32 total_size, u32 reserved, then
 * tags of u32 type, u32 size, each starting 8-byte aligned. */
#define ITAG_HDR 8u
#define ITAG_ALIGN 8u
#define INFO_FIXED 8u

/* Spec 3.6.8: memory map entries, entry_size 24, entry_version 0. */
struct mb2_mmap_entry {
	u64 base_addr;
	u64 length;
	u32 type;
	u32 reserved;
};
STATIC_ASSERT(sizeof(struct mb2_mmap_entry) == 24, "spec 3.6.8: entries are 24 bytes");
#define MB2_MMAP_ENTRY_VERSION 0

#define MB2_LOADER_NAME "Tessera"

/* ACPI 6.5, 5.2.5.3 "Root System Description Pointer (RSDP) Structure". */
#define RSDP_V1_LEN 20
#define RSDP_V2_LEN 36
#define RSDP_REVISION 15
#define RSDP_LENGTH 20

/* What the header tags asked for (file offsets of the tags, for messages). */
struct mb2_tags {
	bool have_addr, have_entry, relocatable;
	size_t addr_off, entry_off, reloc_off;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr;
	u32 entry_addr;
	u32 min_addr, max_addr, align; /* of the relocatable tag */
};

struct mb2_plan {
	struct mb_image img; /* segments, entry, modules (tessera/mb_load.h) */
	bool load_base; /* give tag 21 */
	u32 rsdp_tag;   /* 0 (none), IT_ACPI_OLD or IT_ACPI_NEW */
	size_t rsdp_len;
	u8 rsdp[MB2_RSDP_MAX];
	struct mb_mem_range map[MB_MAP_MAX]; /* the memory map (mb_memory_map()) */
	unsigned nmap;
	u64 info_end;
};

static u32 header_sum(const struct mb2_header *h)
{
	return h->magic + h->architecture + h->header_length + h->checksum;
}

/*
 * Spec 3.1.1: the header lies wholly within the first MB2_HEADER_SEARCH
 * bytes and is 64-bit aligned; spec 3.1.2: its checksum makes the four
 * magic fields sum to zero. This finds the first such header whose 16
 * magic bytes are in the file (header_length is checked later). When none
 * is found, a near miss is reported instead of "no header": an aligned
 * magic with a bad checksum (with the values), or a valid header at an
 * offset that is 4- but not 8-byte aligned, whichever comes first.
 */
static bool find_header(const u8 *k, size_t ksize, size_t *off, struct mb2_header *h,
			const struct errbuf *e)
{
	size_t limit = MIN(ksize, (size_t)MB2_HEADER_SEARCH);
	size_t miss = (size_t)-1;
	struct mb2_header bad = { 0 };

	for (size_t o = 0; o + sizeof(*h) <= limit; o += 4) {
		struct mb2_header c;

		if (rd32(k + o) != MB2_HEADER_MAGIC)
			continue;
		memcpy(&c, k + o, sizeof(c));
		if (o % MB2_HEADER_ALIGN == 0 && header_sum(&c) == 0) {
			*h = c;
			*off = o;
			return true;
		}
		if (miss == (size_t)-1 && (o % MB2_HEADER_ALIGN == 0 || header_sum(&c) == 0)) {
			miss = o;
			bad = c;
		}
	}
	if (miss != (size_t)-1 && miss % MB2_HEADER_ALIGN)
		return errbuf_fail(e, "multiboot2 header at offset 0x%zx is not 8-byte aligned",
			    miss);
	if (miss != (size_t)-1)
		return errbuf_fail(e, "multiboot2 header at offset 0x%zx has a bad checksum: magic "
			    "0x%x + architecture 0x%x + header_length 0x%x + checksum 0x%x = "
			    "0x%x, not 0", miss, bad.magic, bad.architecture,
			    bad.header_length, bad.checksum, header_sum(&bad));
	return errbuf_fail(e, "no multiboot2 header in the first 32 KiB");
}

/* Spec 3.1.2 (architecture) and 3.1.1 (the header within the first
 * 32 KiB); the smallest header is the magic fields and an end tag. */
static bool check_header(const struct mb2_header *h, size_t hoff, size_t ksize,
			 const struct errbuf *e)
{
	u64 end = (u64)hoff + h->header_length;

	if (h->architecture == MB2_ARCH_MIPS32)
		return errbuf_fail(e, "multiboot2 header at offset 0x%zx is for architecture 4 "
			    "(32-bit MIPS), not 0 (i386)", hoff);
	if (h->architecture != MB2_ARCH_I386)
		return errbuf_fail(e, "multiboot2 header at offset 0x%zx is for unknown "
			    "architecture %u, not 0 (i386)", hoff, h->architecture);
	if (h->header_length < sizeof(*h) + HTAG_HDR)
		return errbuf_fail(e, "multiboot2 header at offset 0x%zx has header_length %u, "
			    "less than 24 (its 16 bytes of magic fields and an end tag)", hoff,
			    h->header_length);
	if (end > MB2_HEADER_SEARCH)
		return errbuf_fail(e, "multiboot2 header at offset 0x%zx with header_length 0x%x "
			    "does not end within the first 32 KiB", hoff, h->header_length);
	if (end > ksize)
		return errbuf_fail(e, "multiboot2 header at offset 0x%zx with header_length 0x%x "
			    "runs past the end of the file (%zu bytes)", hoff, h->header_length,
			    ksize);
	return true;
}

/* The header's tag list as it is walked: it ends at file offset end;
 * prev, prev_type, prev_size describe the tag before the current one. */
struct walk {
	const u8 *k;
	size_t end;
	size_t prev;
	u32 prev_type, prev_size;
};

/*
 * The commonest broken header forgets the padding: a 12-byte tag followed
 * at once by the next. Walking by the rule (spec 3.1.3) then lands inside
 * that next tag and finds nonsense. When a tag the walk reached is bad and
 * the tag before it was not a multiple of 8 bytes long, look where an
 * unpadded next tag would be: if a plausible tag is there (a type the spec
 * defines, a size at least its minimum, inside the header), say that and
 * return true.
 */
static bool unpadded_tag(const struct walk *w, const struct errbuf *e)
{
	size_t u = w->prev + w->prev_size;
	u32 type, size;

	if (!w->prev || w->prev_size % HTAG_ALIGN == 0 || u + HTAG_HDR > w->end)
		return false;
	type = rd16(w->k + u);
	size = rd32(w->k + u + 4);
	if (type >= HT_COUNT || size < htag_kind[type].size || size > w->end - u ||
	    (type == HT_END && size != HTAG_HDR))
		return false;
	errbuf_fail(e, "multiboot2 header tag type %u at offset 0x%zx is not 8-byte aligned: the "
		    "tag before it (type %u, size %u) is not padded", type, u, w->prev_type,
		    w->prev_size);
	return true;
}

static bool walk_fail(const struct walk *w, const struct errbuf *e, const char *fmt, ...)
	__printf(3, 4);

/* A malformed tag list: the padding diagnosis if it applies, else fmt. */
static bool walk_fail(const struct walk *w, const struct errbuf *e, const char *fmt, ...)
{
	va_list ap;

	if (unpadded_tag(w, e))
		return false;
	if (e->buf && e->len) {
		va_start(ap, fmt);
		vstrfmt(e->buf, e->len, fmt, ap);
		va_end(ap);
	}
	return false;
}

/* Spec 3.1.4: a required request may only name tag types the loader
 * understands; one it understands but cannot give (a framebuffer, EFI
 * tables, ...) is simply left out. GRUB accepts the same set, 0..21. */
static bool check_request(const u8 *tag, size_t at, u16 flags, u32 size, const struct errbuf *e)
{
	if (flags & HTAG_OPTIONAL)
		return true;
	for (u32 o = HTAG_HDR; o < size; o += 4) {
		u32 want = rd32(tag + o);

		if (want > IT_LAST_DEFINED)
			return errbuf_fail(e, "multiboot2 information request at offset 0x%zx asks "
				    "for tag type %u, which the specification does not define",
				    at, want);
	}
	return true;
}

/* The tags a partition cannot honour when they are not optional. */
static bool check_required(u32 type, size_t at, u16 flags, const u8 *tag, const struct errbuf *e)
{
	const char *why;

	if (flags & HTAG_OPTIONAL)
		return true;
	switch (type) {
	case HT_CONSOLE:
		/* Spec 3.1.7: bit 0 asks for a console the info describes (an
		 * EGA text or framebuffer console); a partition has neither. */
		if (!(rd32(tag + 8) & CONSOLE_REQUIRED))
			return true;
		return errbuf_fail(e, "multiboot2 header tag type 4 (console flags) at offset "
			    "0x%zx requires a console, but a partition has only a serial port",
			    at);
	case HT_FRAMEBUFFER:
		why = "a partition has no framebuffer";
		break;
	case HT_EFI_BS:
	case HT_ENTRY_EFI32:
	case HT_ENTRY_EFI64:
		why = "a partition has no UEFI firmware";
		break;
	default:
		return true;
	}
	return errbuf_fail(e, "multiboot2 header tag type %u (%s) at offset 0x%zx is required, "
		    "but %s", type, htag_kind[type].name, at, why);
}

static bool second_tag(const char *what, size_t at, size_t first, const struct errbuf *e)
{
	return errbuf_fail(e, "multiboot2 header has a second %s tag at offset 0x%zx (the first "
		    "is at 0x%zx)", what, at, first);
}

/* One well-framed tag of a type below HT_COUNT other than the end tag:
 * note what it asks for, or refuse it. */
static bool take_tag(const u8 *tag, size_t at, u32 type, u16 flags, u32 size, struct mb2_tags *t,
		     const struct errbuf *e)
{
	switch (type) {
	case HT_INFO_REQUEST:
		return check_request(tag, at, flags, size, e);
	case HT_ADDRESS:
		if (t->have_addr)
			return second_tag("address", at, t->addr_off, e);
		t->have_addr = true;
		t->addr_off = at;
		t->header_addr = rd32(tag + 8);
		t->load_addr = rd32(tag + 12);
		t->load_end_addr = rd32(tag + 16);
		t->bss_end_addr = rd32(tag + 20);
		return true;
	case HT_ENTRY:
		if (t->have_entry)
			return second_tag("entry address", at, t->entry_off, e);
		t->have_entry = true;
		t->entry_off = at;
		t->entry_addr = rd32(tag + 8);
		return true;
	case HT_RELOCATABLE:
		/* Spec 3.1.13 lets the loader pick where the image goes in
		 * [min_addr, max_addr]. This one does not relocate: the link
		 * address is its choice (check_relocatable()), and the kernel
		 * is told it in tag 21. */
		if (t->relocatable)
			return second_tag("relocatable", at, t->reloc_off, e);
		t->relocatable = true;
		t->reloc_off = at;
		t->min_addr = rd32(tag + 8);
		t->max_addr = rd32(tag + 12);
		t->align = rd32(tag + 16);
		return true;
	case HT_MODULE_ALIGN: /* modules are always page aligned */
		return true;
	default:
		return check_required(type, at, flags, tag, e);
	}
}

/*
 * Spec 3.1.3: walk the tags up to the end tag. Framing first (each tag
 * inside the header, at least 8 bytes, at least the size its type has),
 * then what each asks for. Bytes after the end tag, up to header_length,
 * are ignored, as GRUB ignores them.
 */
static bool parse_tags(const u8 *k, size_t hoff, u32 hlen, struct mb2_tags *t,
		       const struct errbuf *e)
{
	struct walk w = { .k = k, .end = hoff + hlen };
	size_t at = hoff + sizeof(struct mb2_header);

	for (;; at += ALIGN_UP(w.prev_size, HTAG_ALIGN)) {
		const u8 *tag = k + at;
		u32 type, size;
		u16 flags;

		if (at >= w.end)
			return walk_fail(&w, e, "multiboot2 header at offset 0x%zx has no end tag "
					 "(type 0, size 8) within its header_length 0x%x", hoff,
					 hlen);
		if (w.end - at < HTAG_HDR)
			return walk_fail(&w, e, "multiboot2 header tag at offset 0x%zx runs past "
					 "the end of the header at 0x%zx", at, w.end);
		type = rd16(tag);
		flags = rd16(tag + 2);
		size = rd32(tag + 4);
		if (size < HTAG_HDR)
			return walk_fail(&w, e, "multiboot2 header tag type %u at offset 0x%zx has "
					 "size %u, less than 8", type, at, size);
		if (size > w.end - at)
			return walk_fail(&w, e, "multiboot2 header tag type %u at offset 0x%zx, "
					 "size %u, runs past the end of the header at 0x%zx", type,
					 at, size, w.end);
		if (type == HT_END && size != HTAG_HDR)
			return walk_fail(&w, e, "multiboot2 end tag at offset 0x%zx has size %u, "
					 "not 8", at, size);
		if (type == HT_END)
			return true;
		if (type >= HT_COUNT && !(flags & HTAG_OPTIONAL))
			return walk_fail(&w, e, "multiboot2 header tag type %u at offset 0x%zx is "
					 "not supported (and not optional)", type, at);
		if (type < HT_COUNT && size < htag_kind[type].size)
			return walk_fail(&w, e, "multiboot2 header tag type %u (%s) at offset "
					 "0x%zx has size %u, less than %u", type,
					 htag_kind[type].name, at, size, htag_kind[type].size);
		if (type == HT_INFO_REQUEST && (size - HTAG_HDR) % 4)
			return walk_fail(&w, e, "multiboot2 header tag type 1 (information "
					 "request) at offset 0x%zx has size %u: not 8 plus a "
					 "multiple of 4", at, size);
		if (type < HT_COUNT && !take_tag(tag, at, type, flags, size, t, e))
			return false;
		w.prev = at;
		w.prev_type = type;
		w.prev_size = size;
	}
}

/*
 * Spec 3.1.5 "The address tag of Multiboot2 header": the file offset of
 * the header corresponds to header_addr, so loading starts at file offset
 * hoff - (header_addr - load_addr); load_addr -1 means "from the start of
 * the file", which then goes to header_addr - hoff. load_end_addr 0 means
 * "to the end of the file", bss_end_addr 0 means "no bss". The entry
 * point comes from the entry address tag (3.1.6), which GRUB requires
 * with an address tag, as this does.
 */
static bool plan_address(const struct mb2_tags *t, size_t hoff, size_t ksize, struct mb2_plan *p,
			 const struct errbuf *e)
{
	u64 load, start, len, end;

	if (!t->have_entry)
		return errbuf_fail(e, "multiboot2 header has an address tag but no entry address "
			    "tag");
	if (t->load_addr == 0xffffffffu) {
		if (t->header_addr < hoff)
			return errbuf_fail(e, "address tag header_addr 0x%x is below the header's "
				    "file offset 0x%zx (load_addr -1 loads from the start of the "
				    "file)", t->header_addr, hoff);
		load = t->header_addr - hoff;
		start = 0;
	} else {
		if (t->load_addr > t->header_addr)
			return errbuf_fail(e, "address tag load_addr 0x%x is above header_addr "
				    "0x%x", t->load_addr, t->header_addr);
		if (t->header_addr - t->load_addr > hoff)
			return errbuf_fail(e, "address tag header_addr 0x%x - load_addr 0x%x is "
				    "more than the header's file offset 0x%zx", t->header_addr,
				    t->load_addr, hoff);
		load = t->load_addr;
		start = hoff - (t->header_addr - t->load_addr);
	}
	if (t->load_end_addr == 0) {
		len = ksize - start;
	} else {
		if (t->load_end_addr < load)
			return errbuf_fail(e, "address tag load_end_addr 0x%x is below load_addr "
				    "0x%llx", t->load_end_addr, (unsigned long long)load);
		len = t->load_end_addr - load;
		if (len > ksize - start)
			return errbuf_fail(e, "address tag load_end_addr 0x%x is past the end of "
				    "the file", t->load_end_addr);
	}
	end = load + len;
	if (t->bss_end_addr != 0) {
		if (t->bss_end_addr < end)
			return errbuf_fail(e, "address tag bss_end_addr 0x%x is below the end of "
				    "the loaded data 0x%llx", t->bss_end_addr,
				    (unsigned long long)end);
		end = t->bss_end_addr;
	}
	if (end == load)
		return errbuf_fail(e, "address tag describes an empty image");
	if (t->entry_addr < load || t->entry_addr >= end)
		return errbuf_fail(e, "entry address tag entry_addr 0x%x is outside the image "
			    "0x%llx..0x%llx", t->entry_addr, (unsigned long long)load,
			    (unsigned long long)end);
	p->img.seg[0] = (struct mb_load_seg){ .lo = load, .hi = end, .offset = start,
					      .filesz = len };
	p->img.nsegs = 1;
	p->img.entry = t->entry_addr;
	return true;
}

/*
 * An ELF kernel without an address tag: each PT_LOAD goes to its p_paddr,
 * as in v1 and GRUB (mb_plan_elf(), shared with hv/multiboot.c). The
 * entry point is the entry address tag's (a physical address, spec 3.1.6)
 * when there is one, else e_entry translated through the segment holding
 * it, since paging is off at entry (spec 3.3). Either must be inside a
 * loaded segment.
 */
static bool plan_elf(const void *k, size_t ksize, const struct mb2_tags *t, struct mb2_plan *p,
		     const struct errbuf *e)
{
	if (!mb_is_elf(k, ksize))
		return errbuf_fail(e, "kernel is not an ELF file and its multiboot2 header has no "
			    "address tag");
	return mb_plan_elf(k, ksize, t->have_entry ? &t->entry_addr : NULL, &p->img, e);
}

/* Spec 3.1.13: no part of a relocatable image may lie below min_addr or
 * end above max_addr, and it starts align-aligned (0 taken as 1, as GRUB
 * does). The link address must satisfy that, since it is where the image
 * goes. */
static bool check_relocatable(const struct mb2_tags *t, const struct mb2_plan *p,
			      const struct errbuf *e)
{
	if (!t->relocatable)
		return true;
	if (p->img.lo < t->min_addr || p->img.hi > t->max_addr)
		return errbuf_fail(e, "multiboot2 relocatable tag at offset 0x%zx asks for "
			    "0x%x..0x%x, but the image is linked at 0x%llx..0x%llx (it is not "
			    "relocated)", t->reloc_off, t->min_addr, t->max_addr,
			    (unsigned long long)p->img.lo, (unsigned long long)p->img.hi);
	if (t->align > 1 && p->img.lo % t->align)
		return errbuf_fail(e, "multiboot2 relocatable tag at offset 0x%zx asks for "
			    "alignment 0x%x, but the image is linked at 0x%llx (it is not "
			    "relocated)", t->reloc_off, t->align, (unsigned long long)p->img.lo);
	return true;
}

static u8 byte_sum(const u8 *b, size_t n)
{
	u8 s = 0;

	for (size_t i = 0; i < n; i++)
		s = (u8)(s + b[i]);
	return s;
}

/*
 * The caller's RSDP (ACPI 6.5, 5.2.5.3): the signature, the checksum of
 * the first 20 bytes, and by revision either an ACPI 1.0 RSDP of 20 bytes
 * (tag 14, spec 3.6.16) or an ACPI 2.0+ one whose Length is rsdp_len and
 * whose extended checksum covers it (tag 15, spec 3.6.17). Copied now, so
 * zeroing guest memory cannot touch it.
 */
static bool plan_rsdp(const void *rsdp, size_t len, struct mb2_plan *p, const struct errbuf *e)
{
	const u8 *r = rsdp;
	u8 rev;

	if (!r && len)
		return errbuf_fail(e, "no RSDP bytes given, but rsdp_len is %zu", len);
	if (!r)
		return true;
	if (len < RSDP_V1_LEN)
		return errbuf_fail(e, "RSDP is %zu bytes, less than the 20 of ACPI 1.0", len);
	if (memcmp(r, "RSD PTR ", 8) != 0)
		return errbuf_fail(e, "RSDP has no \"RSD PTR \" signature");
	if (byte_sum(r, RSDP_V1_LEN) != 0)
		return errbuf_fail(e, "RSDP checksum is wrong: its first 20 bytes sum to 0x%02x, "
			    "not 0", byte_sum(r, RSDP_V1_LEN));
	rev = r[RSDP_REVISION];
	if (rev == 0) {
		if (len != RSDP_V1_LEN)
			return errbuf_fail(e, "RSDP revision 0 (ACPI 1.0) is 20 bytes, not %zu",
				    len);
		p->rsdp_tag = IT_ACPI_OLD;
	} else if (rev == 1) {
		return errbuf_fail(e, "RSDP revision 1 is not defined (0 is ACPI 1.0, 2 is ACPI "
			    "2.0 and later)");
	} else {
		if (len < RSDP_V2_LEN)
			return errbuf_fail(e, "RSDP revision %u is %zu bytes, less than the 36 of "
				    "ACPI 2.0", rev, len);
		if (rd32(r + RSDP_LENGTH) != len)
			return errbuf_fail(e, "RSDP Length field says %u bytes, but %zu were given",
				    rd32(r + RSDP_LENGTH), len);
		if (len > MB2_RSDP_MAX)
			return errbuf_fail(e, "RSDP is %zu bytes, more than the %u supported", len,
				    MB2_RSDP_MAX);
		if (byte_sum(r, len) != 0)
			return errbuf_fail(e, "RSDP extended checksum is wrong: its %zu bytes sum "
				    "to 0x%02x, not 0", len, byte_sum(r, len));
		p->rsdp_tag = IT_ACPI_NEW;
	}
	memcpy(p->rsdp, r, len);
	p->rsdp_len = len;
	return true;
}

/*
 * Append one boot information tag at *at: u32 type, u32 size, then
 * a[alen], b[blen] and, if nul, a NUL byte; then move *at to the next
 * 8-byte boundary (the padding is already zero). With gm NULL only *at
 * moves: the same code measures the info and then writes it.
 */
static void put_tag(u8 *gm, u64 *at, u32 type, const void *a, u64 alen, const void *b, u64 blen,
		    bool nul)
{
	u32 hdr[2] = { type, (u32)(ITAG_HDR + alen + blen + (nul ? 1 : 0)) };

	if (gm) {
		memcpy(gm + *at, hdr, sizeof(hdr));
		if (alen)
			memcpy(gm + *at + ITAG_HDR, a, (size_t)alen);
		if (blen)
			memcpy(gm + *at + ITAG_HDR + alen, b, (size_t)blen);
		if (nul)
			gm[*at + ITAG_HDR + alen + blen] = 0;
	}
	*at += ALIGN_UP(hdr[1], ITAG_ALIGN);
}

/*
 * Spec 3.6: the boot information at MB_INFO_BASE. The strings are measured
 * with a bound (a huge one is not read to its end), which only matters
 * when measuring: a write follows only a measure that fit. Returns the
 * guest-physical end (after the end tag).
 */
static u64 put_info(u8 *gm, u64 size, const char *cmdline, const struct mb_module_src *mods,
		    unsigned nmods, const struct mb2_plan *p)
{
	const u64 room = MB_INFO_END - MB_INFO_BASE;
	u64 upper = (size - MB_HOLE_END) / KiB;
	u64 at = MB_INFO_BASE + INFO_FIXED;
	u32 meminfo[2] = { mb_mem_lower_kib(p->map, p->nmap),
			   upper > 0xffffffffull ? 0xffffffffu : (u32)upper };
	u32 mmap_hdr[2] = { sizeof(struct mb2_mmap_entry), MB2_MMAP_ENTRY_VERSION };
	struct mb2_mmap_entry map[MB_MAP_MAX];
	u32 load_base = (u32)p->img.lo;

	put_tag(gm, &at, IT_CMDLINE, NULL, 0, cmdline, str_len_upto(cmdline, room), true);
	put_tag(gm, &at, IT_LOADER_NAME, NULL, 0, MB2_LOADER_NAME, sizeof(MB2_LOADER_NAME) - 1,
		true);
	for (unsigned i = 0; i < nmods; i++) {
		/* Spec 3.6.5: mod_start, mod_end (exclusive, as GRUB sets it). */
		u32 range[2] = { (u32)p->img.mod_start[i],
				 (u32)(p->img.mod_start[i] + mods[i].size) };

		put_tag(gm, &at, IT_MODULE, range, sizeof(range), mods[i].string,
			str_len_upto(mods[i].string, room), true);
	}
	put_tag(gm, &at, IT_MEMINFO, meminfo, sizeof(meminfo), NULL, 0, false);
	for (unsigned i = 0; i < p->nmap; i++)
		map[i] = (struct mb2_mmap_entry){ p->map[i].base, p->map[i].length, p->map[i].type,
						  0 };
	put_tag(gm, &at, IT_MMAP, mmap_hdr, sizeof(mmap_hdr), map, p->nmap * sizeof(map[0]),
		false);
	/* Spec 3.6.22: given when the header has a relocatable tag (GRUB gives
	 * it always). Nothing is relocated, so it is the link address. */
	if (p->load_base)
		put_tag(gm, &at, IT_LOAD_BASE, &load_base, sizeof(load_base), NULL, 0, false);
	if (p->rsdp_tag)
		put_tag(gm, &at, p->rsdp_tag, p->rsdp, p->rsdp_len, NULL, 0, false);
	put_tag(gm, &at, IT_END, NULL, 0, NULL, 0, false);
	if (gm) {
		u32 fixed[2] = { (u32)(at - MB_INFO_BASE), 0 }; /* total_size, reserved */

		memcpy(gm + MB_INFO_BASE, fixed, sizeof(fixed));
	}
	return at;
}

static bool plan_info(u64 size, const char *cmdline, const struct mb_module_src *mods,
		      unsigned nmods, struct mb2_plan *p, const struct errbuf *e)
{
	p->info_end = put_info(NULL, size, cmdline, mods, nmods, p);
	if (p->info_end > MB_INFO_END)
		return errbuf_fail(e, "command line and module strings do not fit in the "
			    "multiboot2 info area (%llu bytes needed, %llu available)",
			    (unsigned long long)(p->info_end - MB_INFO_BASE),
			    (unsigned long long)(MB_INFO_END - MB_INFO_BASE));
	return true;
}

bool multiboot2_detect(const void *kernel, size_t ksize)
{
	const struct errbuf none = { NULL, 0 };
	struct mb2_header h;
	size_t off;

	return kernel && find_header(kernel, ksize, &off, &h, &none);
}

bool multiboot2_load(u8 *gm, u64 size, const void *kernel, size_t ksize, const char *cmdline,
		     const struct mb_module_src *mods, unsigned nmods, const void *rsdp,
		     size_t rsdp_len, struct mb_boot *out, char *err, size_t errlen)
{
	const struct errbuf e = { err, errlen };
	const u8 *k = kernel;
	struct mb2_plan p;
	struct mb2_tags t;
	struct mb2_header h;
	size_t hoff = 0;

	if (err && errlen)
		err[0] = 0;
	memset(&p, 0, sizeof(p));
	memset(&t, 0, sizeof(t));
	if (!mb_check_size(size, "multiboot2", &e))
		return false;
	if (!k && ksize)
		return errbuf_fail(&e, "no kernel");
	if (!find_header(k, ksize, &hoff, &h, &e) || !check_header(&h, hoff, ksize, &e) ||
	    !parse_tags(k, hoff, h.header_length, &t, &e))
		return false;
	/* Spec 3.1.5: the address tag is used when present, even for an ELF
	 * file (GRUB does the same). */
	if (t.have_addr) {
		if (!plan_address(&t, hoff, ksize, &p, &e))
			return false;
	} else if (!plan_elf(kernel, ksize, &t, &p, &e)) {
		return false;
	}
	p.load_base = t.relocatable;
	if (!mb_check_segments(&p.img, size, "multiboot2", &e) || !check_relocatable(&t, &p, &e) ||
	    !mb_place_modules(mods, nmods, size, &p.img, &e) ||
	    !plan_rsdp(rsdp, rsdp_len, &p, &e))
		return false;
	/* With an RSDP, the partition's firmware tables lie in the page at
	 * GUEST_ACPI_TABLES_GPA (tessera/acpi_build.h), as Linux's do: the
	 * map says so (ACPI memory), so that the kernel does not reuse it
	 * before it has read them. */
	p.nmap = mb_memory_map(size, p.rsdp_tag != 0, p.map, &e);
	if (!p.nmap || !plan_info(size, cmdline, mods, nmods, &p, &e))
		return false;

	/* Everything checked: from here on nothing fails. */
	mb_copy_image(gm, size, kernel, &p.img, mods, nmods);
	put_info(gm, size, cmdline, mods, nmods, &p);
	if (out)
		mb_boot_out(&p.img, out);
	return true;
}
