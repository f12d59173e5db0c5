/*
 * The firmware ACPI parser (hv/acpi.c): RSDP, XSDT or RSDT, MADT.
 *
 * The parser reads physical memory through hpa_to_ptr(), and on the host
 * that is a plain pointer. So the harness maps a window of fake physical
 * memory at a fixed address below 4 GiB (RSDT entries are 32 bits), with
 * an inaccessible page on each side, and copies the input into it: the
 * RSDP at the window's first byte, tables wherever the input puts them.
 *
 * Input: one byte of options, then the window's contents.
 *   bit 0: recompute every checksum the harness can find (the RSDP's two,
 *          the root table's, each table it lists), so that the fuzzer
 *          reaches the parsing behind them;
 *   bit 1: no struct diag (the parser's "d may be NULL" path).
 * The parser trusts that firmware tables lie in mapped memory; the
 * harness makes every address in the RSDP and the root table an offset
 * into the window (address mod WINDOW_USE, 0 staying "absent") and cuts
 * a plausible table length that would run out of the window to end at
 * it; an input whose tables still lead out of the window after that
 * (the fixes can undo each other where tables overlap) is skipped.
 * Everything else is the input's. Invariants: a table found has the
 * signature asked for and a good checksum, and lies in the window; a
 * parsed MADT holds at most MAX_CPUS CPUs, and the diag stays bounded.
 */
#define _GNU_SOURCE /* MAP_FIXED_NOREPLACE */
#include "fuzz.h"

#include <sys/mman.h>

#include <tessera/acpi.h>
#include <tessera/diag.h>

#define WINDOW (64 * 1024u)
#define WINDOW_USE (WINDOW - 64) /* room for a table header at any address */
#define MAX_TABLE_LEN (16u * 1024 * 1024) /* hv/acpi.c ACPI_MAX_TABLE_LEN */
#define PAGE 4096u

static u8 *win;

static void map_window(void)
{
	/* Fixed so that addresses in a crashing input mean the same on the
	 * next run; below 4 GiB for the RSDT. */
	static const uintptr_t tries[] = { 0x10000000, 0x20000000, 0x30000000, 0x40000000 };

	for (size_t i = 0; i < ARRAY_SIZE(tries) && !win; i++) {
		u8 *p = mmap((void *)(tries[i] - PAGE), WINDOW + 2 * PAGE, PROT_NONE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

		if (p == MAP_FAILED)
			continue;
		if (p != (u8 *)(tries[i] - PAGE)) {
			munmap(p, WINDOW + 2 * PAGE);
			continue;
		}
		FUZZ_CHECK(mprotect(p + PAGE, WINDOW, PROT_READ | PROT_WRITE) == 0);
		win = p + PAGE;
	}
	FUZZ_CHECK(win != NULL);
}

static u64 base(void)
{
	return (u64)(uintptr_t)win;
}

static u64 remap(u64 a)
{
	return a ? base() + a % WINDOW_USE : 0;
}

static u32 rd32(u64 off)
{
	u32 v;

	memcpy(&v, win + off, 4);
	return v;
}

static void wr32(u64 off, u32 v)
{
	memcpy(win + off, &v, 4);
}

static void fix_sum(u64 off, u64 len, u64 sum_at)
{
	u8 s = 0;

	win[sum_at] = 0;
	for (u64 i = 0; i < len; i++)
		s += win[off + i];
	win[sum_at] = (u8)-s;
}

/* The table header at window offset off: cut its length to the window
 * (0 if the header itself is not in it: an earlier fix moved it). */
static u32 table_len(u64 off)
{
	u32 len;

	if (off > WINDOW - 36)
		return 0;
	len = rd32(off + 4);

	if (len <= MAX_TABLE_LEN && len > WINDOW - off) {
		len = (u32)(WINDOW - off);
		wr32(off + 4, len);
	}
	return len;
}

static void fix_table(u64 off, bool sums)
{
	u32 len = table_len(off);

	if (sums && len >= 36 && len <= WINDOW - off)
		fix_sum(off, len, off + 9);
}

/* A root table (XSDT entries are 8 bytes, RSDT 4) and what it lists. */
static void fix_root(u64 addr, unsigned esize, bool sums)
{
	u64 off = addr - base();
	u32 len;

	if (!addr)
		return;
	len = table_len(off);
	if (len < 36 || len > WINDOW - off)
		return; /* also when off is out of the window */
	for (u64 e = off + 36; e + esize <= off + len; e += esize) {
		u64 a = 0;

		memcpy(&a, win + e, esize);
		a = remap(a);
		memcpy(win + e, &a, esize);
	}
	if (sums)
		fix_sum(off, len, off + 9);
	for (u64 e = off + 36; e + esize <= off + len; e += esize) {
		u64 a = 0;

		memcpy(&a, win + e, esize);
		if (a)
			fix_table(a - base(), sums);
	}
}

static void prepare(bool sums)
{
	struct acpi_rsdp r;
	u64 xsdt, rsdt;

	memcpy(&r, win, sizeof(r));
	r.rsdt_address = (u32)remap(r.rsdt_address);
	r.xsdt_address = remap(r.xsdt_address);
	memcpy(win, &r, sizeof(r));
	xsdt = r.xsdt_address;
	rsdt = r.rsdt_address;
	fix_root(xsdt, 8, sums);
	fix_root(rsdt, 4, sums);
	if (sums) {
		fix_sum(0, 20, 8);
		if (r.length >= sizeof(r) && r.length <= PAGE)
			fix_sum(0, r.length, 32);
	}
}

/* A table header at addr (0: absent) whose bytes the parser may read lie
 * in the window: the header, and the whole table if its length passes
 * the parser's plausibility check. */
static bool table_ok(u64 addr)
{
	u64 off = addr - base();
	u32 len;

	if (!addr)
		return true;
	if (addr < base() || off > WINDOW - 36)
		return false;
	len = rd32(off + 4);
	return len < 36 || len > MAX_TABLE_LEN || len <= WINDOW - off;
}

static bool root_ok(u64 addr, unsigned esize)
{
	u64 off = addr - base();
	u32 len;

	if (!table_ok(addr))
		return false;
	if (!addr)
		return true;
	len = rd32(off + 4);
	if (len < 36 || len > WINDOW - off)
		return true; /* refused before its entries are read */
	for (u64 e = off + 36; e + esize <= off + len; e += esize) {
		u64 a = 0;

		memcpy(&a, win + e, esize);
		if (!table_ok(a))
			return false;
	}
	return true;
}

/* The fixes above write lengths, checksums and addresses, and tables may
 * overlap each other and the RSDP, so one fix can undo another: check
 * that everything the parser will follow is still in the window. */
static bool prepared_ok(void)
{
	struct acpi_rsdp r;

	memcpy(&r, win, sizeof(r));
	return root_ok(r.rsdt_address, 4) && (r.revision < 2 || root_ok(r.xsdt_address, 8));
}

static void check_found(const struct acpi_sdt_header *h, const char *sig)
{
	u64 off;

	if (!h)
		return;
	off = (u64)(uintptr_t)h - base();
	FUZZ_CHECK((u64)(uintptr_t)h >= base() && off < WINDOW);
	FUZZ_CHECK(memcmp(h->signature, sig, 4) == 0);
	FUZZ_CHECK(h->length >= 36 && h->length <= WINDOW - off);
	FUZZ_CHECK(acpi_checksum_ok(h, h->length));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const sigs[] = { "FACP", "MCFG", "DMAR", "IVRS", "HPET" };
	static struct diag d;
	static struct madt_info m;
	const struct acpi_sdt_header *h;
	struct diag *dp = &d;
	u8 opt;

	if (!win)
		map_window();
	if (!size)
		return 0;
	opt = data[0];
	data++;
	size--;
	memset(win, 0, WINDOW);
	memcpy(win, data, MIN(size, (size_t)WINDOW));
	prepare(opt & 1);
	if (!prepared_ok())
		return 0;
	if (opt & 2)
		dp = NULL;
	diag_init(&d);

	h = acpi_find_table(base(), "APIC", dp);
	check_found(h, "APIC");
	if (h && madt_parse(h, &m, dp)) {
		FUZZ_CHECK(m.ncpus <= MAX_CPUS);
		for (unsigned i = 0; i < m.ncpus; i++)
			FUZZ_CHECK(!(m.cpus[i].enabled && m.cpus[i].online_capable));
	}
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		check_found(acpi_find_table(base(), sigs[i], dp), sigs[i]);
	FUZZ_CHECK(d.count <= DIAG_MAX);
	for (unsigned i = 0; i < d.count; i++)
		FUZZ_CHECK(memchr(d.msg[i], '\0', DIAG_MSG_LEN) != NULL);
	return 0;
}
