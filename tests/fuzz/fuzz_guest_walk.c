/*
 * The guest page-table walker (hv/guest_walk.c), as the MMIO path uses it
 * to fetch the instruction at CS.base + RIP.
 *
 * Input: CR0, CR3, CR4, EFER and a linear address (five little-endian
 * u64), a length byte, then the guest's RAM from guest-physical 0 (64 KiB,
 * zero past the input; reads beyond it fail, as outside a partition's
 * RAM). Invariants: every read the walker asks for is 4 or 8 bytes at an
 * address aligned to its size; a translation keeps the address's offset
 * in its 4 KiB page, and page_left is 1 to the page size; the last byte
 * of the page (gva + page_left - 1) translates into the same page; without
 * paging the address is its own translation; guest_read_linear copies at
 * most the length asked for, and each byte it copies is the RAM byte that
 * its own address translates to.
 */
#include "fuzz.h"

#include <tessera/guest_walk.h>

#define RAM_SIZE (64 * 1024u)
#define MAX_READ 64

static u8 ram[RAM_SIZE];
static unsigned reads;

static bool ram_read(void *ctx, u64 gpa, void *out, unsigned size)
{
	(void)ctx;
	FUZZ_CHECK(size == 4 || size == 8);
	FUZZ_CHECK(gpa % size == 0);
	reads++;
	if (gpa >= RAM_SIZE || RAM_SIZE - gpa < size)
		return false;
	memcpy(out, ram + gpa, size);
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);
	struct guest_mmu m;
	u64 gva, gpa = 0, left = 0, gpa2, left2;
	u8 buf[MAX_READ];
	size_t len, got;
	enum gw_result r;

	m.cr0 = fuzz_u64(&in);
	m.cr3 = fuzz_u64(&in);
	m.cr4 = fuzz_u64(&in);
	m.efer = fuzz_u64(&in);
	gva = fuzz_u64(&in);
	len = fuzz_u8(&in) % (MAX_READ + 1);
	memset(ram, 0, sizeof(ram));
	memcpy(ram, in.p, MIN(in.n, sizeof(ram)));

	reads = 0;
	r = guest_walk(&m, gva, ram_read, NULL, &gpa, &left);
	FUZZ_CHECK(r >= GW_OK && r <= GW_RESERVED);
	FUZZ_CHECK(gw_result_name(r)[0] != '\0');
	FUZZ_CHECK(reads <= 5); /* one entry per level at most */
	if (r == GW_OK) {
		FUZZ_CHECK((gpa & 0xfff) == (gva & 0xfff));
		FUZZ_CHECK(left >= 1 && left <= 1ull << 30);
		FUZZ_CHECK((gva + left) % 4096 == 0);
		if (!(m.cr0 & (1ull << 31)))
			FUZZ_CHECK(gpa == (gva & 0xffffffffull) && left <= 4096);
		FUZZ_CHECK(guest_walk(&m, gva + left - 1, ram_read, NULL, &gpa2, &left2) == GW_OK);
		FUZZ_CHECK(gpa2 == gpa + left - 1 && left2 == 1);
	}

	memset(buf, 0, sizeof(buf));
	got = guest_read_linear(&m, gva, buf, len, ram_read, NULL);
	FUZZ_CHECK(got <= len);
	FUZZ_CHECK(got == 0 || r == GW_OK);
	for (size_t i = 0; i < got; i++) {
		FUZZ_CHECK(guest_walk(&m, gva + i, ram_read, NULL, &gpa2, NULL) == GW_OK);
		FUZZ_CHECK(gpa2 < RAM_SIZE && buf[i] == ram[gpa2]);
	}
	return 0;
}
