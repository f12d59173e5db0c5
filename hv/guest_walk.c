/*
 * The guest page-table walker (tessera/guest_walk.h). "SDM" is the Intel
 * SDM Vol. 3A: chapter 4 for paging, 2.5 and 2.2.1 for the control bits.
 * Table numbers are those of the recent editions (with 5-level paging).
 */
#include <tessera/guest_walk.h>

/*
 * The control bits that choose the mode (SDM 4.1.1, Table 4-1). Named
 * here and not taken from arch/x86.h: the core does not include arch
 * headers, and both backends hand the guest's values over as they are.
 */
#define CR0_PG_BIT (1ull << 31)
#define CR4_PSE_BIT (1ull << 4)
#define CR4_PAE_BIT (1ull << 5)
#define CR4_LA57_BIT (1ull << 12) /* SDM 2.5: 57-bit linear addresses */
#define EFER_LMA_BIT (1ull << 10) /* SDM 2.2.1: IA-32e mode active */

/* Entry bits every mode shares (SDM 4.3, 4.4.2, 4.5.4). */
#define ENT_P (1ull << 0)  /* present: the only bit a walk must see set */
#define ENT_PS (1ull << 7) /* page size: this entry maps a page, not a table */
/* Bits 51:12 of a 64-bit entry: the next table or the page. Bits 62:52
 * are ignored or protection keys and 63 is XD, none of them an address. */
#define ENT64_ADDR 0x000ffffffffff000ull
#define ENT32_ADDR 0xfffff000ull

/* 32-bit paging, 4 MiB page (SDM 4.3, Table 4-4): bits 31:22 are physical
 * bits 31:22, bits 20:13 physical bits 39:32 (PSE-36; a CPU with
 * MAXPHYADDR below 40 reserves the top ones), bit 21 is always reserved
 * and bit 12 is PAT. */
#define PDE32_4M_ADDR 0xffc00000ull
#define PDE32_4M_HIGH_SHIFT 13
#define PDE32_4M_RSVD (1ull << 21)

/* CR3 with PAE paging (SDM 4.4.1, Table 4-7): bits 31:5 locate the PDPT,
 * 32-byte aligned, four entries. */
#define CR3_PAE_PDPT 0xffffffe0ull
/* A PAE PDPTE (SDM 4.4.1, Table 4-8) has no PS bit and no protection
 * bits: bits 2:1 and 8:5 are reserved. */
#define PDPTE_PAE_RSVD 0x1e6ull

/* Where a walk ended: a page of 2^shift bytes at guest-physical base. */
struct leaf {
	u64 base;
	unsigned shift;
};

struct walker {
	guest_phys_read_fn rd;
	void *ctx;
};

/* Entry index of table (4 or 8 bytes each) into *e. The address is a
 * multiple of size, so the read stays inside the table's page. */
static bool read_entry(const struct walker *w, u64 table, u64 index, unsigned size, u64 *e)
{
	if (size == 4) {
		u32 v;

		if (!w->rd(w->ctx, table + index * 4, &v, 4))
			return false;
		*e = v;
		return true;
	}
	return w->rd(w->ctx, table + index * 8, e, 8);
}

/*
 * 32-bit paging (SDM 4.3): CR3 bits 31:12 locate the page directory
 * (Table 4-3), linear bits 31:22 select its PDE. The PDE maps a 4 MiB page
 * if CR4.PSE and its PS bit are both set; with CR4.PSE clear, PS is
 * ignored and the PDE always points to a page table ("If CR4.PSE = 0 or
 * the PDE's PS flag is 0, a 4-KByte naturally aligned page table is
 * located..."). Linear bits 21:12 then select the PTE. No bit of a PTE or
 * of a PDE that references a page table is reserved.
 */
static enum gw_result walk_32(const struct guest_mmu *m, u64 la, const struct walker *w,
			      struct leaf *out)
{
	u64 pde, pte;

	if (!read_entry(w, m->cr3 & ENT32_ADDR, (la >> 22) & 0x3ff, 4, &pde))
		return GW_BAD_TABLE;
	if (!(pde & ENT_P))
		return GW_NOT_PRESENT;
	if ((m->cr4 & CR4_PSE_BIT) && (pde & ENT_PS)) {
		if (pde & PDE32_4M_RSVD)
			return GW_RESERVED;
		out->base = (pde & PDE32_4M_ADDR) | ((pde >> PDE32_4M_HIGH_SHIFT) & 0xff) << 32;
		out->shift = 22;
		return GW_OK;
	}
	if (!read_entry(w, pde & ENT32_ADDR, (la >> 12) & 0x3ff, 4, &pte))
		return GW_BAD_TABLE;
	if (!(pte & ENT_P))
		return GW_NOT_PRESENT;
	out->base = pte & ENT32_ADDR;
	out->shift = 12;
	return GW_OK;
}

/*
 * The 64-bit-entry walks: PAE (SDM 4.4.2) and 4-level and 5-level (SDM
 * 4.5.4). Levels are numbered as the SDM's names suggest: 5 the PML5
 * table, 4 the PML4, 3 the PDPT, 2 the page directory, 1 the page table.
 * A table at level n holds 512 entries indexed by linear bits
 * 12 + 9n - 1 : 12 + 9(n - 1), and an entry there that maps a page maps
 * 2^(12 + 9(n - 1)) bytes: 2 MiB at level 2, 1 GiB at level 3.
 *
 * PAE is the same walk cut short: its PDPT has only four entries, indexed
 * by linear bits 31:30, in a 32-byte table CR3 points to, and then the
 * walk goes on at level 2.
 */
static enum gw_result walk_64(const struct guest_mmu *m, u64 la, unsigned top,
			      const struct walker *w, struct leaf *out)
{
	unsigned level = top;
	u64 table, e;

	if (top == 3) {
		if (!read_entry(w, m->cr3 & CR3_PAE_PDPT, (la >> 30) & 3, 8, &e))
			return GW_BAD_TABLE;
		if (!(e & ENT_P))
			return GW_NOT_PRESENT;
		if (e & PDPTE_PAE_RSVD)
			return GW_RESERVED;
		table = e & ENT64_ADDR;
		level = 2;
	} else {
		/* CR3 bits 51:12 locate the top table (Tables 4-12, 4-13);
		 * bits 11:0 are PCID or PWT/PCD, the high ones LAM and
		 * the no-flush bit of MOV to CR3. */
		table = m->cr3 & ENT64_ADDR;
	}
	for (;; level--) {
		unsigned shift = 12 + 9 * (level - 1);

		if (!read_entry(w, table, (la >> shift) & 0x1ff, 8, &e))
			return GW_BAD_TABLE;
		if (!(e & ENT_P))
			return GW_NOT_PRESENT;
		if (level == 1) {
			/* A PTE's bit 7 is PAT, not PS (Table 4-20). */
			out->base = e & ENT64_ADDR;
			out->shift = 12;
			return GW_OK;
		}
		if (e & ENT_PS) {
			/* Only a PDPTE (1 GiB) or a PDE (2 MiB) maps a page;
			 * bit 7 of a PML5E or PML4E is reserved (Tables
			 * 4-14, 4-15). In a page-mapping entry bit 12 is PAT
			 * and the bits from 13 up to the page's size are
			 * reserved: 20:13 for 2 MiB (Table 4-18), 29:13 for
			 * 1 GiB (Table 4-16). A CPU without 1 GiB pages
			 * would reserve PS in a PDPTE too, but then the
			 * guest could not have run through one. */
			u64 size_mask = (1ull << shift) - 1;

			if (level > 3 || (e & size_mask & ~0x1fffull))
				return GW_RESERVED;
			out->base = e & ENT64_ADDR & ~size_mask;
			out->shift = shift;
			return GW_OK;
		}
		table = e & ENT64_ADDR;
	}
}

/*
 * A linear address is canonical when its bits 63 down to bits - 1 are all
 * equal: 63:47 with 4-level paging, 63:56 with 5-level (SDM Vol. 1
 * 3.3.7.1; SDM 4.5). A non-canonical fetch raises #GP before any walk, so
 * the CPU can never have fetched from one. LAM (linear-address masking)
 * does not apply to instruction fetches.
 */
static bool canonical(u64 la, unsigned bits)
{
	u64 top = la >> (bits - 1);

	return top == 0 || top == (~0ull >> (bits - 1));
}

enum gw_result guest_walk(const struct guest_mmu *m, u64 gva, guest_phys_read_fn rd, void *ctx,
			  u64 *gpa, u64 *page_left)
{
	struct walker w = { .rd = rd, .ctx = ctx };
	struct leaf leaf;
	enum gw_result r;
	u64 la = gva, off;

	if (!(m->cr0 & CR0_PG_BIT)) {
		/* No paging (SDM 4.1.1): the linear address is the
		 * physical one. EFER.LMA needs CR0.PG (SDM 2.2.1), so
		 * this is never IA-32e mode, and linear addresses are
		 * 32 bits. No page either: count to the next 4 KiB. */
		la = gva & 0xffffffffull;
		leaf.base = ALIGN_DOWN(la, PAGE_SIZE);
		leaf.shift = PAGE_SHIFT;
		r = GW_OK;
	} else if (!(m->cr4 & CR4_PAE_BIT)) {
		la = gva & 0xffffffffull;
		r = walk_32(m, la, &w, &leaf);
	} else if (!(m->efer & EFER_LMA_BIT)) {
		/* PAE: still 32-bit linear addresses, up to 52-bit
		 * physical ones. CR4.PSE does not matter: PAE always has
		 * 2 MiB pages (SDM 4.4.2). CR4.LA57 only counts in IA-32e
		 * mode. */
		la = gva & 0xffffffffull;
		r = walk_64(m, la, 3, &w, &leaf);
	} else if (m->cr4 & CR4_LA57_BIT) {
		r = canonical(la, 57) ? walk_64(m, la, 5, &w, &leaf) : GW_RESERVED;
	} else {
		r = canonical(la, 48) ? walk_64(m, la, 4, &w, &leaf) : GW_RESERVED;
	}
	if (r != GW_OK)
		return r;
	off = la & ((1ull << leaf.shift) - 1);
	*gpa = leaf.base | off;
	if (page_left)
		*page_left = (1ull << leaf.shift) - off;
	return GW_OK;
}

const char *gw_result_name(enum gw_result r)
{
	static const char *const names[] = {
		[GW_OK] = "ok",
		[GW_NOT_PRESENT] = "not present",
		[GW_BAD_TABLE] = "page table not in RAM",
		[GW_RESERVED] = "reserved bit or non-canonical address",
	};

	return (unsigned)r < ARRAY_SIZE(names) ? names[r] : "?";
}

/*
 * n bytes of guest-physical memory at gpa into dst, through aligned 8-byte
 * reads: the callback only ever sees the sizes the walker uses, and an
 * aligned quadword never straddles RAM and a hole. Returns how many bytes
 * it copied before the first read that failed.
 */
static size_t read_phys(guest_phys_read_fn rd, void *ctx, u64 gpa, u8 *dst, size_t n)
{
	size_t done = 0;

	while (done < n) {
		u64 a = gpa + done;
		unsigned off = (unsigned)(a & 7);
		size_t k = MIN((size_t)(8 - off), n - done);
		u8 q[8];

		if (!rd(ctx, a - off, q, 8))
			break;
		for (size_t i = 0; i < k; i++)
			dst[done + i] = q[off + i];
		done += k;
	}
	return done;
}

size_t guest_read_linear(const struct guest_mmu *m, u64 gva, void *buf, size_t len,
			 guest_phys_read_fn rd, void *ctx)
{
	u8 *dst = buf;
	size_t done = 0;

	/* One translation per page: the next linear page may be mapped
	 * anywhere, or not at all. A large page is one translation, but
	 * its guest-physical range may still run into a hole, which
	 * read_phys finds at 8-byte granularity. */
	while (done < len) {
		u64 gpa, left;
		size_t n, got;

		if (guest_walk(m, gva + done, rd, ctx, &gpa, &left) != GW_OK)
			break;
		n = (size_t)MIN((u64)(len - done), left);
		got = read_phys(rd, ctx, gpa, dst + done, n);
		done += got;
		if (got < n)
			break;
	}
	return done;
}
