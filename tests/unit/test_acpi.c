/*
 * Unit tests for hv/acpi.c: RSDP/XSDT/RSDT walking and MADT parsing, on
 * tables built in host memory (hpa_to_ptr() is 1:1, so a host pointer is
 * a valid "physical" address). Every table ends at a guard page, so any
 * read past a table's end faults.
 */
#define _GNU_SOURCE /* MAP_32BIT */
#include "unit.h"

#include "low_guarded.h"

#include <tessera/acpi.h>
#include <tessera/diag.h>

/* ------------------------------------------------------ table builders */

/* Every table ends at a guard page, below 4 GiB (low_guarded.h). */
static void *tzalloc(size_t n)
{
	return low_guarded(n, 0);
}

static u8 sum8(const void *p, size_t n)
{
	const u8 *b = p;
	u8 s = 0;

	while (n--)
		s += *b++;
	return s;
}

static void sdt_fix(struct acpi_sdt_header *h)
{
	h->checksum = 0;
	h->checksum = (u8)-sum8(h, h->length);
}

/* A table of len bytes with a valid header and checksum; body from body. */
static struct acpi_sdt_header *sdt_make(const char *sig, const void *body, size_t body_len)
{
	struct acpi_sdt_header *h = tzalloc(sizeof(*h) + body_len);

	memcpy(h->signature, sig, 4);
	h->length = (u32)(sizeof(*h) + body_len);
	h->revision = 1;
	memcpy(h->oem_id, "BOCHS ", 6);
	memcpy(h->oem_table_id, "BXPC    ", 8);
	if (body_len)
		memcpy((u8 *)h + sizeof(*h), body, body_len);
	sdt_fix(h);
	return h;
}

static struct acpi_sdt_header *xsdt_make(const struct acpi_sdt_header **t, size_t n)
{
	u8 body[8 * 16];

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		u64 a = (u64)(uintptr_t)t[i];

		memcpy(body + 8 * i, &a, 8);
	}
	return sdt_make("XSDT", body, 8 * n);
}

static struct acpi_sdt_header *rsdt_make(const struct acpi_sdt_header **t, size_t n)
{
	u8 body[4 * 16];

	assert_true(n <= 16);
	for (size_t i = 0; i < n; i++) {
		u32 a32 = (u32)(uintptr_t)t[i]; /* tables are below 4 GiB */

		memcpy(body + 4 * i, &a32, 4);
	}
	return sdt_make("RSDT", body, 4 * n);
}

static struct acpi_rsdp *rsdp2_make(const struct acpi_sdt_header *rsdt,
				    const struct acpi_sdt_header *xsdt)
{
	struct acpi_rsdp *r = tzalloc(sizeof(*r));

	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "BOCHS ", 6);
	r->revision = 2;
	r->rsdt_address = (u32)(uintptr_t)rsdt;
	r->length = sizeof(*r);
	r->xsdt_address = (u64)(uintptr_t)xsdt;
	r->checksum = (u8)-sum8(r, 20);
	r->extended_checksum = (u8)-sum8(r, sizeof(*r));
	return r;
}

/* An ACPI 1.0 RSDP is only 20 bytes: allocate exactly that, so reading
 * the 2.0 fields would be caught. */
static hpa_t rsdp1_make(const struct acpi_sdt_header *rsdt)
{
	u8 *r = tzalloc(20);
	u32 a = (u32)(uintptr_t)rsdt;

	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BOCHS ", 6);
	r[15] = 0;
	memcpy(r + 16, &a, 4);
	r[8] = (u8)-sum8(r, 20);
	return (hpa_t)(uintptr_t)r;
}

/* Builds a MADT entry by entry. */
struct madt_builder {
	u8 buf[4096];
	size_t len;
};

static void mb_init(struct madt_builder *b, u32 lapic, u32 flags)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->buf, &lapic, 4);
	memcpy(b->buf + 4, &flags, 4);
	b->len = 8;
}

static void mb_raw(struct madt_builder *b, const void *e, size_t n)
{
	assert_true(b->len + n <= sizeof(b->buf));
	memcpy(b->buf + b->len, e, n);
	b->len += n;
}

static void mb_lapic(struct madt_builder *b, u8 uid, u8 apic_id, u32 flags)
{
	u8 e[8] = { 0, 8, uid, apic_id };

	memcpy(e + 4, &flags, 4);
	mb_raw(b, e, sizeof(e));
}

static void mb_x2apic(struct madt_builder *b, u32 apic_id, u32 flags, u32 uid)
{
	u8 e[16] = { 9, 16 };

	memcpy(e + 4, &apic_id, 4);
	memcpy(e + 8, &flags, 4);
	memcpy(e + 12, &uid, 4);
	mb_raw(b, e, sizeof(e));
}

static void mb_ioapic(struct madt_builder *b, u8 id, u32 addr, u32 gsi)
{
	u8 e[12] = { 1, 12, id, 0 };

	memcpy(e + 4, &addr, 4);
	memcpy(e + 8, &gsi, 4);
	mb_raw(b, e, sizeof(e));
}

static void mb_iso(struct madt_builder *b, u8 irq, u32 gsi, u16 flags)
{
	u8 e[10] = { 2, 10, 0, irq };

	memcpy(e + 4, &gsi, 4);
	memcpy(e + 8, &flags, 2);
	mb_raw(b, e, sizeof(e));
}

static void mb_lapic_nmi(struct madt_builder *b)
{
	u8 e[6] = { 4, 6, 0xff, 0, 0, 1 };

	mb_raw(b, e, sizeof(e));
}

static void mb_override(struct madt_builder *b, u64 addr)
{
	u8 e[12] = { 5, 12 };

	memcpy(e + 4, &addr, 8);
	mb_raw(b, e, sizeof(e));
}

static struct acpi_sdt_header *mb_finish(struct madt_builder *b)
{
	return sdt_make("APIC", b->buf, b->len);
}

/* QEMU's q35 MADT for -smp 4 with CPU 2 unplugged, plus an address
 * override (QEMU emits none, real machines sometimes do). */
static struct acpi_sdt_header *qemu_madt(void)
{
	struct madt_builder b;

	mb_init(&b, 0xfee00000, 1);
	mb_lapic(&b, 0, 0, 1);
	mb_lapic(&b, 1, 1, 1);
	mb_lapic(&b, 2, 2, 0);
	mb_lapic(&b, 3, 3, 1);
	mb_ioapic(&b, 0, 0xfec00000, 0);
	mb_iso(&b, 0, 2, 0);
	mb_iso(&b, 9, 9, 0xd);
	mb_lapic_nmi(&b);
	mb_override(&b, 0x1fee00000ull);
	return mb_finish(&b);
}

static bool diag_has(const struct diag *d, const char *needle)
{
	for (unsigned i = 0; i < d->count; i++)
		if (strstr(d->msg[i], needle))
			return true;
	return false;
}

static hpa_t hpa(const void *p)
{
	return (hpa_t)(uintptr_t)p;
}

/* ------------------------------------------------------------- checksum */

static void test_checksum(void **state)
{
	u8 b[5] = { 0x10, 0x20, 0x30, 0x40, 0x60 }; /* sums to 0x100 */

	(void)state;
	assert_true(acpi_checksum_ok(b, sizeof(b)));
	b[4]++;
	assert_false(acpi_checksum_ok(b, sizeof(b)));
	assert_true(acpi_checksum_ok(b, 0));
}

/* ------------------------------------------------------------ find_table */

static void test_find_via_xsdt(void **state)
{
	const struct acpi_sdt_header *facp = sdt_make("FACP", "x", 1);
	const struct acpi_sdt_header *madt = qemu_madt();
	const struct acpi_sdt_header *tables[] = { facp, madt };
	struct acpi_sdt_header *x = xsdt_make(tables, 2);
	struct acpi_sdt_header *xsdt = low_guarded(x->length, 4);
	struct acpi_rsdp *rsdp;
	struct diag d;

	(void)state;
	/* Put the 64-bit entries off 8-byte alignment, as firmware may: a
	 * plain u64 load from there is what UBSan's alignment check flags. */
	memcpy(xsdt, x, x->length);
	assert_int_not_equal(((uintptr_t)xsdt + 36) % 8, 0);
	rsdp = rsdp2_make(NULL, xsdt);
	diag_init(&d);
	assert_ptr_equal(acpi_find_table(hpa(rsdp), "APIC", &d), madt);
	assert_ptr_equal(acpi_find_table(hpa(rsdp), "FACP", &d), facp);
	assert_null(acpi_find_table(hpa(rsdp), "HPET", &d));
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.count, 0);
}

static void test_xsdt_preferred_over_rsdt(void **state)
{
	const struct acpi_sdt_header *via_x = qemu_madt();
	const struct acpi_sdt_header *via_r = qemu_madt();
	const struct acpi_sdt_header *tx[] = { via_x }, *tr[] = { via_r };
	struct acpi_sdt_header *xsdt = xsdt_make(tx, 1);
	struct acpi_sdt_header *rsdt = rsdt_make(tr, 1);
	struct acpi_rsdp *rsdp = rsdp2_make(rsdt, xsdt);
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_ptr_equal(acpi_find_table(hpa(rsdp), "APIC", &d), via_x);
	assert_int_equal(d.count, 0);
}

static void test_rsdt_only_acpi1(void **state)
{
	const struct acpi_sdt_header *madt = qemu_madt();
	const struct acpi_sdt_header *t[] = { madt };
	struct acpi_sdt_header *rsdt = rsdt_make(t, 1);
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_ptr_equal(acpi_find_table(rsdp1_make(rsdt), "APIC", &d), madt);
	assert_null(acpi_find_table(rsdp1_make(rsdt), "SSDT", &d));
	assert_int_equal(d.count, 0);
}

static void test_rev2_without_xsdt_uses_rsdt(void **state)
{
	const struct acpi_sdt_header *madt = qemu_madt();
	const struct acpi_sdt_header *t[] = { madt };
	struct acpi_sdt_header *rsdt = rsdt_make(t, 1);
	struct acpi_rsdp *rsdp = rsdp2_make(rsdt, NULL);
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_ptr_equal(acpi_find_table(hpa(rsdp), "APIC", &d), madt);
	assert_int_equal(d.count, 0);
}

static void test_bad_xsdt_falls_back_to_rsdt(void **state)
{
	const struct acpi_sdt_header *madt = qemu_madt();
	const struct acpi_sdt_header *t[] = { madt };
	struct acpi_sdt_header *rsdt = rsdt_make(t, 1);
	struct acpi_sdt_header *xsdt = xsdt_make(t, 1);
	struct acpi_rsdp *rsdp;
	struct diag d;

	(void)state;
	xsdt->checksum ^= 1;
	rsdp = rsdp2_make(rsdt, xsdt);
	diag_init(&d);
	assert_ptr_equal(acpi_find_table(hpa(rsdp), "APIC", &d), madt);
	assert_int_equal(d.errors, 1);
	assert_true(diag_has(&d, "XSDT"));
	assert_true(diag_has(&d, "falling back to the RSDT"));
}

static void test_bad_xsdt_no_rsdt(void **state)
{
	const struct acpi_sdt_header *t[] = { qemu_madt() };
	struct acpi_sdt_header *xsdt = xsdt_make(t, 1);
	struct acpi_rsdp *rsdp;
	struct diag d;

	(void)state;
	memcpy(xsdt->signature, "XSDU", 4);
	sdt_fix(xsdt);
	rsdp = rsdp2_make(NULL, xsdt);
	diag_init(&d);
	assert_null(acpi_find_table(hpa(rsdp), "APIC", &d));
	assert_true(diag_has(&d, "not an XSDT"));
	assert_true(diag_has(&d, "no usable XSDT or RSDT"));
}

static void test_rsdp_bad_signature(void **state)
{
	const struct acpi_sdt_header *t[] = { qemu_madt() };
	struct acpi_rsdp *rsdp = rsdp2_make(NULL, xsdt_make(t, 1));
	struct diag d;

	(void)state;
	rsdp->signature[0] = 'X';
	rsdp->checksum -= 'X' - 'R'; /* keep both checksums right */
	diag_init(&d);
	assert_true(acpi_checksum_ok(rsdp, 20));
	assert_null(acpi_find_table(hpa(rsdp), "APIC", &d));
	assert_int_equal(d.errors, 1);
	assert_true(diag_has(&d, "no RSDP signature"));
}

static void test_rsdp_bad_checksum(void **state)
{
	const struct acpi_sdt_header *t[] = { qemu_madt() };
	struct acpi_rsdp *rsdp = rsdp2_make(NULL, xsdt_make(t, 1));
	struct diag d;

	(void)state;
	rsdp->checksum++;
	rsdp->extended_checksum--; /* the extended one still holds */
	diag_init(&d);
	assert_null(acpi_find_table(hpa(rsdp), "APIC", &d));
	assert_true(diag_has(&d, "RSDP checksum is bad"));
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	const struct acpi_sdt_header *t[] = { qemu_madt() };
	struct acpi_rsdp *rsdp = rsdp2_make(NULL, xsdt_make(t, 1));
	struct diag d;

	(void)state;
	rsdp->extended_checksum++;
	diag_init(&d);
	assert_true(acpi_checksum_ok(rsdp, 20));
	assert_null(acpi_find_table(hpa(rsdp), "APIC", &d));
	assert_true(diag_has(&d, "extended checksum"));
}

static void test_rsdp_bad_length(void **state)
{
	const struct acpi_sdt_header *t[] = { qemu_madt() };
	struct acpi_rsdp *rsdp = rsdp2_make(NULL, xsdt_make(t, 1));
	struct diag d;

	(void)state;
	rsdp->length = 20; /* too short to hold the XSDT address */
	rsdp->checksum = 0;
	rsdp->checksum = (u8)-sum8(rsdp, 20);
	rsdp->extended_checksum = 0;
	rsdp->extended_checksum = (u8)-sum8(rsdp, 20);
	diag_init(&d);
	assert_null(acpi_find_table(hpa(rsdp), "APIC", &d));
	assert_true(diag_has(&d, "RSDP length 20"));
}

static void test_bad_table_skipped_next_used(void **state)
{
	struct acpi_sdt_header *bad = qemu_madt();
	const struct acpi_sdt_header *good = qemu_madt();
	const struct acpi_sdt_header *t[] = { NULL, bad, good };
	struct acpi_rsdp *rsdp = rsdp2_make(NULL, xsdt_make(t, 3));
	struct diag d;

	(void)state;
	((u8 *)bad)[50] ^= 0x40;
	diag_init(&d);
	assert_ptr_equal(acpi_find_table(hpa(rsdp), "APIC", &d), good);
	assert_int_equal(d.errors, 1);
	assert_true(diag_has(&d, "bad checksum"));
	assert_true(diag_has(&d, "APIC"));
}

static void test_only_bad_table(void **state)
{
	struct acpi_sdt_header *bad = qemu_madt();
	const struct acpi_sdt_header *t[] = { bad };
	struct acpi_rsdp *rsdp = rsdp2_make(NULL, xsdt_make(t, 1));
	struct diag d;

	(void)state;
	bad->length = 20; /* shorter than a header: must not be summed */
	sdt_fix(bad);
	diag_init(&d);
	assert_null(acpi_find_table(hpa(rsdp), "APIC", &d));
	assert_true(diag_has(&d, "implausible length 20"));
	/* The same without a diag must not crash. */
	assert_null(acpi_find_table(hpa(rsdp), "APIC", NULL));
	assert_null(acpi_find_table(0, "APIC", NULL));
}

/* ----------------------------------------------------------------- MADT */

static void test_madt_qemu(void **state)
{
	struct madt_info m;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_true(madt_parse(qemu_madt(), &m, &d));
	assert_int_equal(d.count, 0);
	assert_int_equal(m.lapic_addr, 0xfee00000);
	assert_int_equal(m.lapic_addr64, 0x1fee00000ull);
	assert_int_equal(m.flags, 1);
	assert_int_equal(m.ncpus, 4);
	assert_int_equal(m.dropped, 0);
	assert_int_equal(m.nioapic, 1);
	assert_int_equal(m.ioapic[0].id, 0);
	assert_int_equal(m.ioapic[0].address, 0xfec00000u);
	assert_int_equal(m.ioapic[0].gsi_base, 0);
	/* QEMU's two overrides: the PIT's IRQ 0 on GSI 2, conforming; the
	 * SCI, IRQ 9, level triggered and active high. */
	assert_int_equal(m.niso, 2);
	assert_int_equal(m.iso[0].bus, 0);
	assert_int_equal(m.iso[0].source, 0);
	assert_int_equal(m.iso[0].gsi, 2);
	assert_int_equal(m.iso[0].flags, 0);
	assert_int_equal(m.iso[1].source, 9);
	assert_int_equal(m.iso[1].gsi, 9);
	assert_int_equal(m.iso[1].flags, 0xd);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(m.cpus[i].apic_id, i);
		assert_int_equal(m.cpus[i].acpi_uid, i);
		assert_int_equal(m.cpus[i].enabled, i != 2);
		assert_false(m.cpus[i].online_capable);
	}
}

/* Where ISA IRQs reach the I/O APIC (madt_isa_route): QEMU's PIT through
 * its override on pin 2, edge and active high; the SCI's level and high;
 * an IRQ without an override on the pin of its number; with two I/O
 * APICs the one whose inputs start at or below the GSI. */
static void test_madt_isa_route(void **state)
{
	struct madt_info m;
	struct isa_irq_route r;

	(void)state;
	assert_true(madt_parse(qemu_madt(), &m, NULL));
	madt_isa_route(&m, 0, &r);
	assert_true(r.valid);
	assert_int_equal(r.ioapic_addr, 0xfec00000u);
	assert_int_equal(r.pin, 2);
	assert_false(r.level);
	assert_false(r.active_low);
	madt_isa_route(&m, 9, &r);
	assert_true(r.valid && r.level && !r.active_low);
	assert_int_equal(r.pin, 9);
	madt_isa_route(&m, 4, &r);
	assert_true(r.valid);
	assert_int_equal(r.pin, 4);
	m.nioapic = 2;
	m.ioapic[1] = (struct madt_ioapic_info){ 1, 0xfec01000u, 24 };
	m.iso[0].gsi = 30; /* IRQ 0 moved past the first I/O APIC */
	m.iso[0].flags = 0xf; /* level, active low */
	madt_isa_route(&m, 0, &r);
	assert_true(r.valid && r.level && r.active_low);
	assert_int_equal(r.ioapic_addr, 0xfec01000u);
	assert_int_equal(r.pin, 6);
	m.nioapic = 0; /* no I/O APIC: no route */
	madt_isa_route(&m, 0, &r);
	assert_false(r.valid);
}

static void test_madt_no_override(void **state)
{
	struct madt_builder b;
	struct madt_info m;

	(void)state;
	mb_init(&b, 0xfee00000, 0);
	mb_lapic(&b, 5, 7, 1);
	assert_true(madt_parse(mb_finish(&b), &m, NULL));
	assert_int_equal(m.lapic_addr64, 0xfee00000);
	assert_int_equal(m.ncpus, 1);
	assert_int_equal(m.cpus[0].apic_id, 7);
	assert_int_equal(m.cpus[0].acpi_uid, 5);
	assert_int_equal(m.nioapic, 0);
}

static void test_madt_x2apic(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	struct diag d;

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	mb_lapic(&b, 0, 0, 1);
	mb_x2apic(&b, 0x100, 1, 0x10000);
	mb_x2apic(&b, 0, 1, 77);          /* repeats APIC ID 0: skipped */
	mb_x2apic(&b, 0x101, 2, 0x10001); /* not enabled, online capable */
	mb_x2apic(&b, 0x102, 3, 0x10002); /* enabled: bit 1 means nothing */
	diag_init(&d);
	assert_true(madt_parse(mb_finish(&b), &m, &d));
	assert_int_equal(d.errors, 0);
	assert_true(diag_has(&d, "repeats APIC ID 0"));
	assert_int_equal(m.ncpus, 4);
	assert_int_equal(m.cpus[0].acpi_uid, 0);
	assert_int_equal(m.cpus[1].apic_id, 0x100);
	assert_int_equal(m.cpus[1].acpi_uid, 0x10000);
	assert_true(m.cpus[1].enabled);
	assert_int_equal(m.cpus[2].apic_id, 0x101);
	assert_false(m.cpus[2].enabled);
	assert_true(m.cpus[2].online_capable);
	assert_true(m.cpus[3].enabled);
	assert_false(m.cpus[3].online_capable);
}

static void test_madt_zero_length_entry(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	struct diag d;
	u8 e[4] = { 2, 0, 0, 0 };

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	mb_lapic(&b, 0, 0, 1);
	mb_raw(&b, e, sizeof(e));
	diag_init(&d);
	assert_false(madt_parse(mb_finish(&b), &m, &d));
	assert_int_equal(d.errors, 1);
	assert_true(diag_has(&d, "offset 52"));
	assert_true(diag_has(&d, "length 0"));
}

static void test_madt_entry_past_end(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	struct diag d;

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	mb_lapic(&b, 0, 0, 1);
	mb_lapic(&b, 1, 1, 1);
	b.len -= 3; /* the second entry now runs 3 bytes past the end */
	diag_init(&d);
	assert_false(madt_parse(mb_finish(&b), &m, &d));
	assert_true(diag_has(&d, "runs past the end"));
}

static void test_madt_trailing_byte(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	struct diag d;
	u8 one = 0;

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	mb_lapic(&b, 0, 0, 1);
	mb_raw(&b, &one, 1);
	diag_init(&d);
	assert_false(madt_parse(mb_finish(&b), &m, &d));
	assert_true(diag_has(&d, "truncated entry"));
}

static void test_madt_short_known_entry(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	struct diag d;
	u8 e[6] = { 0, 6, 0, 0, 1, 0 }; /* a Local APIC entry must be 8 */

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	mb_raw(&b, e, sizeof(e));
	diag_init(&d);
	assert_false(madt_parse(mb_finish(&b), &m, &d));
	assert_true(diag_has(&d, "is 6 bytes, needs 8"));
}

static void test_madt_unknown_entry_skipped(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	u8 e[40] = { 0x7f, 40 };

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	mb_raw(&b, e, sizeof(e));
	mb_lapic(&b, 0, 3, 1);
	assert_true(madt_parse(mb_finish(&b), &m, NULL));
	assert_int_equal(m.ncpus, 1);
	assert_int_equal(m.cpus[0].apic_id, 3);
}

static void test_madt_bad_checksum_and_short(void **state)
{
	struct acpi_sdt_header *h = qemu_madt();
	struct madt_info m;
	struct diag d;

	(void)state;
	h->checksum++;
	diag_init(&d);
	assert_false(madt_parse(h, &m, &d));
	assert_true(diag_has(&d, "bad checksum"));

	h = sdt_make("APIC", "12345678", 4); /* 40 bytes: header cut short */
	diag_init(&d);
	assert_false(madt_parse(h, &m, &d));
	assert_true(diag_has(&d, "length 40"));

	h = sdt_make("APIX", "12345678", 8);
	diag_init(&d);
	assert_false(madt_parse(h, &m, &d));
	assert_true(diag_has(&d, "signature"));
}

static void test_madt_too_many_cpus(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	struct diag d;

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	for (unsigned i = 0; i < MAX_CPUS + 6; i++)
		mb_x2apic(&b, i, 1, i);
	diag_init(&d);
	assert_true(madt_parse(mb_finish(&b), &m, &d));
	assert_int_equal(m.ncpus, MAX_CPUS);
	assert_int_equal(m.dropped, 6);
	assert_int_equal(m.cpus[MAX_CPUS - 1].apic_id, MAX_CPUS - 1);
	assert_true(diag_has(&d, "6 CPU entries"));
}

/* More I/O APICs and overrides than madt_info keeps: all counted, the
 * first ones kept in table order; a short override is refused. */
static void test_madt_many_ioapics_and_overrides(void **state)
{
	struct madt_builder b;
	struct madt_info m;
	struct diag d;
	u8 short_iso[8] = { 2, 8, 0, 4, 4, 0, 0, 0 };

	(void)state;
	mb_init(&b, 0xfee00000, 1);
	mb_lapic(&b, 0, 0, 1);
	for (unsigned i = 0; i < MADT_MAX_IOAPICS + 2; i++)
		mb_ioapic(&b, (u8)(i + 1), 0xfec00000u + 0x1000u * i, 24 * i);
	for (unsigned i = 0; i < MADT_MAX_ISOS + 3; i++)
		mb_iso(&b, (u8)i, 30 + i, (u16)i);
	assert_true(madt_parse(mb_finish(&b), &m, NULL));
	assert_int_equal(m.nioapic, MADT_MAX_IOAPICS + 2);
	assert_int_equal(m.niso, MADT_MAX_ISOS + 3);
	for (unsigned i = 0; i < MADT_MAX_IOAPICS; i++) {
		assert_int_equal(m.ioapic[i].id, i + 1);
		assert_int_equal(m.ioapic[i].address, 0xfec00000u + 0x1000u * i);
		assert_int_equal(m.ioapic[i].gsi_base, 24 * i);
	}
	for (unsigned i = 0; i < MADT_MAX_ISOS; i++) {
		assert_int_equal(m.iso[i].source, i);
		assert_int_equal(m.iso[i].gsi, 30 + i);
		assert_int_equal(m.iso[i].flags, i);
	}

	mb_init(&b, 0xfee00000, 1);
	mb_raw(&b, short_iso, sizeof(short_iso));
	diag_init(&d);
	assert_false(madt_parse(mb_finish(&b), &m, &d));
	assert_true(diag_has(&d, "is 8 bytes, needs 10"));
}

static void test_madt_empty(void **state)
{
	struct madt_builder b;
	struct madt_info m;

	(void)state;
	mb_init(&b, 0xfee00000, 0);
	assert_true(madt_parse(mb_finish(&b), &m, NULL));
	assert_int_equal(m.ncpus, 0);
}

#define T(f) cmocka_unit_test_teardown(f, low_guarded_free_all)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_checksum),
		T(test_find_via_xsdt),
		T(test_xsdt_preferred_over_rsdt),
		T(test_rsdt_only_acpi1),
		T(test_rev2_without_xsdt_uses_rsdt),
		T(test_bad_xsdt_falls_back_to_rsdt),
		T(test_bad_xsdt_no_rsdt),
		T(test_rsdp_bad_signature),
		T(test_rsdp_bad_checksum),
		T(test_rsdp_bad_extended_checksum),
		T(test_rsdp_bad_length),
		T(test_bad_table_skipped_next_used),
		T(test_only_bad_table),
		T(test_madt_qemu),
		T(test_madt_isa_route),
		T(test_madt_no_override),
		T(test_madt_x2apic),
		T(test_madt_zero_length_entry),
		T(test_madt_entry_past_end),
		T(test_madt_trailing_byte),
		T(test_madt_short_known_entry),
		T(test_madt_unknown_entry_skipped),
		T(test_madt_bad_checksum_and_short),
		T(test_madt_too_many_cpus),
		T(test_madt_many_ioapics_and_overrides),
		T(test_madt_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
