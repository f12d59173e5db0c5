/*
 * Unit tests for hv/acpi_build.c: a partition's ACPI tables are built into
 * host memory and read back with the hypervisor's own parser (hv/acpi.c).
 * Buffers sit below 4 GiB (MAP_32BIT, so the RSDT is built too) and end
 * exactly at a PROT_NONE guard page; passing buf_gpa = the host address
 * makes every guest address in the tables a usable pointer (hpa_to_ptr()
 * is 1:1 on the host).
 * Fields are checked at their ACPI 6.5 offsets, not through the builder's
 * structures, so a wrong structure layout fails here. ACPI_BUILD_DUMP=<dir>
 * also writes the 2-CPU tables to <dir>/{dsdt,facp,apic}.aml for `iasl -d`.
 * The MADT's I/O APIC and interrupt source overrides are checked against
 * the interrupt router's table (irq_isa_gsi, hv/irq_route.c).
 */
#define _GNU_SOURCE /* MAP_32BIT */
#include "unit.h"

#include "low_guarded.h"

#include <tessera/acpi.h>
#include <tessera/acpi_build.h>
#include <tessera/diag.h>
#include <tessera/irq.h>

#define PAGE 4096u

/* The numbers the hypervisor's I/O trap handlers and Linux agree on. */
_Static_assert(GUEST_ACPI_PM1A_EVT_PORT == 0x600 && GUEST_ACPI_PM1_EVT_LEN == 4 &&
		       GUEST_ACPI_PM1A_CNT_PORT == 0x604 && GUEST_ACPI_PM1_CNT_LEN == 2 &&
		       GUEST_ACPI_RESET_PORT == 0x608 && GUEST_ACPI_RESET_VALUE == 1 &&
		       GUEST_ACPI_S5_SLP_TYP == 5 && GUEST_ACPI_SCI_IRQ == 9 &&
		       GUEST_ACPI_TABLES_GPA == 0x9f000,
	       "guest ACPI ports and values");

/* Sizes for 1, 2 and 64 CPUs with local APIC entries, with the RSDT (the
 * buffer below 4 GiB) and without: RSDP 36 @0, XSDT 52 @40, FADT 276 @96,
 * FACS 64 @384 (64-aligned), DSDT 102 @448, MADT @552: 44 + 8/CPU, then
 * the I/O APIC (12) and two interrupt source overrides (2 x 10); RSDT 44
 * after the MADT (8-aligned). */
#define OFF_XSDT 40
#define OFF_FADT 96
#define OFF_FACS 384
#define OFF_DSDT 448
#define OFF_MADT 552
#define MADT_IRQ_LEN (12 + 2 * 10)
#define SIZE_1CPU 684
#define SIZE_2CPU 692
#define SIZE_64CPU 1188
#define SIZE_1CPU_NO_RSDT 636

/* A Linux partition's: an 8259 pair too, and the I/O APIC ID of these tests. */
#define IOAPIC_ID 2
static const struct acpi_build_irq IRQ = { .ioapic_id = IOAPIC_ID, .pcat_compat = true };

/* ------------------------------------------------------------ helpers */

/* n bytes below 4 GiB, ending exactly at a guard page, filled with fill. */
static u8 *guarded(size_t n, u8 fill)
{
	u8 *p = low_guarded(n, 0);

	memset(p, fill, n);
	return p;
}

/* Little-endian field of n bytes (n <= 8) at p; tables are unaligned. */
static u64 rd(const u8 *p, size_t n)
{
	u64 v = 0;

	memcpy(&v, p, n);
	return v;
}
#define rd16(p) rd(p, 2)
#define rd32(p) rd(p, 4)
#define rd64(p) rd(p, 8)

/* Build for cpus into a fresh PAGE-sized guarded buffer; checks the size. */
static u8 *build(const struct acpi_build_cpu *cpus, unsigned n, size_t want_size)
{
	u8 *buf = guarded(PAGE, 0xa5);
	gpa_t rsdp = 1;

	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf), PAGE, cpus, n, &IRQ, &rsdp),
			 want_size);
	assert_int_equal(rsdp, ptr_to_hpa(buf));
	/* The rest of the buffer is zeroed, not left as it was. */
	for (size_t i = want_size; i < PAGE; i++)
		assert_int_equal(buf[i], 0);
	return buf;
}

static const u8 *find(const u8 *buf, const char *sig)
{
	struct diag d;
	const struct acpi_sdt_header *h;

	diag_init(&d);
	h = acpi_find_table(ptr_to_hpa(buf), sig, &d);
	assert_int_equal(d.errors, 0);
	return (const u8 *)h;
}

/* A 12-byte Generic Address Structure (5.2.3.2): system I/O port. */
static void assert_gas_io(const u8 *g, u16 port, u8 bits, u8 access_size)
{
	/* System I/O, bits wide, offset 0, access size, 64-bit address. */
	const u8 want[12] = { 1, bits, 0, access_size, (u8)port, (u8)(port >> 8) };

	assert_memory_equal(g, want, sizeof(want));
}

static void assert_header(const u8 *t, const char *sig, u32 len, u8 rev)
{
	assert_memory_equal(t, sig, 4);
	assert_int_equal(rd32(t + 4), len);
	assert_int_equal(t[8], rev);
	assert_memory_equal(t + 10, "TESSRA", 6);
	assert_memory_equal(t + 16, "TESSERA ", 8);
	assert_true(acpi_checksum_ok(t, len));
}

/* ------------------------------------------------------------- tests */

static void test_rsdp_xsdt_rsdt(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 0 } };
	u8 *buf = build(cpus, 1, SIZE_1CPU);
	const u8 *rsdt = buf + SIZE_1CPU - 44;

	(void)state;
	/* RSDP (5.2.5.3): revision 2, both checksums. */
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_memory_equal(buf + 9, "TESSRA", 6);
	assert_int_equal(buf[15], 2);
	assert_int_equal(rd32(buf + 20), 36);
	assert_true(acpi_checksum_ok(buf, 20));
	assert_true(acpi_checksum_ok(buf, 36));
	assert_int_equal(rd64(buf + 24), ptr_to_hpa(buf + OFF_XSDT));
	assert_int_equal(rd32(buf + 16), (u32)ptr_to_hpa(rsdt));

	/* XSDT (5.2.8): FADT then MADT. */
	assert_header(buf + OFF_XSDT, "XSDT", 52, 1);
	assert_int_equal(rd64(buf + OFF_XSDT + 36), ptr_to_hpa(buf + OFF_FADT));
	assert_int_equal(rd64(buf + OFF_XSDT + 44), ptr_to_hpa(buf + OFF_MADT));
	/* RSDT (5.2.7): the same two, 32-bit. */
	assert_header(rsdt, "RSDT", 44, 1);
	assert_int_equal(rd32(rsdt + 36), (u32)ptr_to_hpa(buf + OFF_FADT));
	assert_int_equal(rd32(rsdt + 40), (u32)ptr_to_hpa(buf + OFF_MADT));

	/* The existing parser finds them; the DSDT is reached via the FADT. */
	assert_ptr_equal(find(buf, "FACP"), buf + OFF_FADT);
	assert_ptr_equal(find(buf, "APIC"), buf + OFF_MADT);
	assert_null(find(buf, "DSDT"));
	assert_null(find(buf, "FACS"));
}

static void test_fadt(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 0 } };
	u8 *buf = build(cpus, 1, SIZE_1CPU);
	const u8 *f = find(buf, "FACP");

	(void)state;
	assert_non_null(f);
	assert_header(f, "FACP", 276, 6);
	assert_int_equal(rd32(f + 36), (u32)ptr_to_hpa(buf + OFF_FACS)); /* FIRMWARE_CTRL */
	assert_int_equal(rd32(f + 40), (u32)ptr_to_hpa(buf + OFF_DSDT)); /* DSDT */
	assert_int_equal(f[45], 0);                            /* Preferred_PM_Profile */
	assert_int_equal(rd16(f + 46), 9);                     /* SCI_INT: the PIC's IRQ 9 */
	assert_int_equal(rd32(f + 48), 0);                     /* SMI_CMD: always ACPI mode */
	assert_int_equal(rd32(f + 56), 0x600);                 /* PM1a_EVT_BLK */
	assert_int_equal(rd32(f + 60), 0);                     /* PM1b_EVT_BLK */
	assert_int_equal(rd32(f + 64), 0x604);                 /* PM1a_CNT_BLK */
	for (unsigned off = 68; off < 88; off++) /* PM1b_CNT, PM2_CNT, PM_TMR, GPE0, GPE1 */
		assert_int_equal(f[off], 0);
	assert_int_equal(f[88], 4);                            /* PM1_EVT_LEN */
	assert_int_equal(f[89], 2);                            /* PM1_CNT_LEN */
	assert_int_equal(f[91], 0);                            /* PM_TMR_LEN: no PM timer */
	assert_int_equal(f[92], 0);                            /* GPE0_BLK_LEN */
	assert_int_equal(rd16(f + 96), 101);                   /* P_LVL2_LAT: no C2 */
	assert_int_equal(rd16(f + 98), 1001);                  /* P_LVL3_LAT: no C3 */
	assert_int_equal(rd16(f + 109), 0x04);                 /* IAPC: no VGA; an RTC */
	assert_int_equal(f[108], 0x32);                        /* CENTURY: the CMOS byte */
	/* Flags: WBINVD(0) PWR_BUTTON(4) SLP_BUTTON(5) RESET_REG_SUP(10)
	 * FORCE_APIC_PHYSICAL_DESTINATION_MODE(19); not HW_REDUCED_ACPI(20). */
	assert_int_equal(rd32(f + 112), 0x00080431);
	assert_gas_io(f + 116, GUEST_ACPI_RESET_PORT, 8, 1);
	assert_int_equal(f[128], GUEST_ACPI_RESET_VALUE);
	assert_int_equal(f[131], 5); /* FADT minor version: 6.5 */
	assert_int_equal(rd64(f + 132), ptr_to_hpa(buf + OFF_FACS)); /* X_FIRMWARE_CTRL */
	assert_int_equal(rd64(f + 140), ptr_to_hpa(buf + OFF_DSDT)); /* X_DSDT */
	assert_gas_io(f + 148, 0x600, 32, 2); /* X_PM1a_EVT_BLK: word access */
	assert_gas_io(f + 172, 0x604, 16, 2); /* X_PM1a_CNT_BLK */
	for (unsigned off = 160; off < 172; off++) /* X_PM1b_EVT_BLK */
		assert_int_equal(f[off], 0);
	for (unsigned off = 184; off < 268; off++) /* X_PM1b_CNT .. SLEEP_STATUS_REG */
		assert_int_equal(f[off], 0);
	assert_memory_equal(f + 268, "TESSERA ", 8);
}

/* 5.2.10 FACS: signature, length 64, version 2, the global lock free;
 * 64-byte aligned; not listed in the XSDT (the FADT points at it). */
static void test_facs(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 0 } };
	u8 *buf = build(cpus, 1, SIZE_1CPU);
	const u8 *facs = buf + OFF_FACS;

	(void)state;
	assert_int_equal(ptr_to_hpa(facs) % 64, 0);
	assert_memory_equal(facs, "FACS", 4);
	assert_int_equal(rd32(facs + 4), 64);
	assert_int_equal(rd32(facs + 12), 0); /* Firmware Waking Vector */
	assert_int_equal(rd32(facs + 16), 0); /* Global Lock: free */
	assert_int_equal(facs[32], 2);        /* Version */
	for (unsigned i = 33; i < 64; i++)
		assert_int_equal(facs[i], 0);
	assert_null(find(buf, "FACS"));
}

static void test_dsdt_s5(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 0 } };
	u8 *buf = build(cpus, 1, SIZE_1CPU);
	const u8 *f = find(buf, "FACP");
	const u8 *dsdt;
	/* Name (_S5, Package () { 5, 5, 0, 0 }), then Scope (\_SB) with
	 * Device (COM1): _HID EisaId ("PNP0501"), _UID 1, _CRS the I/O range
	 * 0x3f8-0x3ff and IRQNoFlags () { 4 } (checked with iasl -d). */
	static const u8 aml[] = { 0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04,
				  0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
				  0x10, 0x33, '\\', '_', 'S', 'B', '_',
				  0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1',
				  0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
				  0x08, '_', 'U', 'I', 'D', 0x01,
				  0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
				  0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
				  0x22, 0x10, 0x00, 0x79, 0x00 };

	(void)state;
	assert_non_null(f);
	dsdt = hpa_to_ptr(rd64(f + 140));
	assert_header(dsdt, "DSDT", 36 + sizeof(aml), 2);
	assert_memory_equal(dsdt + 36, aml, sizeof(aml));
}

/* The MADT's I/O APIC and overrides, read back by the parser: the
 * I/O APIC at 0xfec00000 with GSI base 0, IRQ 0 -> GSI 2 (flags 0,
 * conforming to ISA) and the SCI, IRQ 9 -> GSI 9, level triggered and
 * active high (0x000d). Every ISA IRQ but the cascade then signals the
 * GSI the router drives for it (irq_isa_gsi): the override's, or its own
 * number (5.2.12.5: identity unless overridden). */
static void check_madt_irq(const struct madt_info *m, u8 ioapic_id)
{
	assert_int_equal(m->nioapic, 1);
	assert_int_equal(m->ioapic[0].id, ioapic_id);
	assert_int_equal(m->ioapic[0].address, 0xfec00000u);
	assert_int_equal(m->ioapic[0].gsi_base, 0);
	assert_int_equal(m->niso, 2);
	assert_int_equal(m->iso[0].bus, 0);
	assert_int_equal(m->iso[0].source, 0);
	assert_int_equal(m->iso[0].gsi, 2);
	assert_int_equal(m->iso[0].flags, 0);
	assert_int_equal(m->iso[1].bus, 0);
	assert_int_equal(m->iso[1].source, GUEST_ACPI_SCI_IRQ);
	assert_int_equal(m->iso[1].gsi, 9);
	assert_int_equal(m->iso[1].flags, 0x000d);
	for (unsigned irq = 0; irq < 16; irq++) {
		u32 gsi = irq;

		if (irq == 2)
			continue; /* the cascade: no device, no GSI */
		for (unsigned i = 0; i < m->niso; i++)
			if (m->iso[i].source == irq)
				gsi = m->iso[i].gsi;
		assert_int_equal(gsi, irq_isa_gsi(irq));
	}
}

/* madt_parse() the MADT the parser finds and compare with cpus[]. */
static void check_madt(const u8 *buf, const struct acpi_build_cpu *cpus, unsigned n, u32 len)
{
	static struct madt_info m;
	const u8 *madt = find(buf, "APIC");
	struct diag d;

	assert_non_null(madt);
	assert_header(madt, "APIC", len, 5);
	diag_init(&d);
	assert_true(madt_parse((const struct acpi_sdt_header *)madt, &m, &d));
	assert_int_equal(d.errors, 0);
	assert_int_equal(m.lapic_addr, 0xfee00000u);
	assert_int_equal(m.lapic_addr64, 0xfee00000u);
	assert_int_equal(m.flags, 1); /* PCAT_COMPAT: the 8259 pair */
	check_madt_irq(&m, IOAPIC_ID);
	assert_int_equal(m.dropped, 0);
	assert_int_equal(m.ncpus, n);
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(m.cpus[i].apic_id, cpus[i].apic_id);
		assert_int_equal(m.cpus[i].acpi_uid, i);
		assert_true(m.cpus[i].enabled);
	}
}

/* ACPI_BUILD_DUMP=<dir>: write the DSDT, FADT and MADT for `iasl -d`. */
static void dump_tables(const u8 *buf)
{
	const char *dir = getenv("ACPI_BUILD_DUMP");
	const char *names[] = { "dsdt.aml", "facp.aml", "apic.aml" };
	const size_t offs[] = { OFF_DSDT, OFF_FADT, OFF_MADT };
	char path[512];

	for (unsigned i = 0; dir && i < 3; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "wb");
		assert_non_null(f);
		assert_int_equal(fwrite(buf + offs[i], 1, rd32(buf + offs[i] + 4), f),
				 rd32(buf + offs[i] + 4));
		assert_int_equal(fclose(f), 0);
	}
}

static void test_madt_1_and_2_cpus(void **state)
{
	const struct acpi_build_cpu one[] = { { 0 } };
	const struct acpi_build_cpu two[] = { { 3 }, { 1 } }; /* boot CPU first, not sorted */
	u8 *b1 = build(one, 1, SIZE_1CPU);
	u8 *b2 = build(two, 2, SIZE_2CPU);
	const u8 *e = b2 + OFF_MADT + 44;

	(void)state;
	check_madt(b1, one, 1, 52 + MADT_IRQ_LEN);
	check_madt(b2, two, 2, 60 + MADT_IRQ_LEN);
	/* 5.2.12.2 entries: type 0, length 8, UID, APIC ID, flags Enabled. */
	assert_int_equal(e[0], 0);
	assert_int_equal(e[1], 8);
	assert_int_equal(e[2], 0);
	assert_int_equal(e[3], 3);
	assert_int_equal(rd32(e + 4), 1);
	assert_int_equal(e[8 + 2], 1);
	assert_int_equal(e[8 + 3], 1);
	dump_tables(b2);
}

static void test_madt_x2apic(void **state)
{
	/* 254 fits a Local APIC entry; 255 and 300 need x2APIC (5.2.12.12). */
	const struct acpi_build_cpu cpus[] = { { 0 }, { 300 }, { 254 }, { 255 } };
	u8 *buf = build(cpus, 4, 724); /* MADT 124 bytes, RSDT at 680 */
	const u8 *e = buf + OFF_MADT + 44;

	(void)state;
	check_madt(buf, cpus, 4, 44 + 8 + 16 + 8 + 16 + MADT_IRQ_LEN);
	for (unsigned i = 0; i < 4; i++) {
		assert_int_equal(e[0], i % 2 ? 9 : 0);
		assert_int_equal(e[1], i % 2 ? 16 : 8);
		e += e[1];
	}
	/* x2APIC: type 9, length 16, reserved 0, x2APIC ID, flags, UID. */
	e = buf + OFF_MADT + 44 + 8;
	assert_int_equal(rd16(e + 2), 0);
	assert_int_equal(rd32(e + 4), 300);
	assert_int_equal(rd32(e + 8), 1);
	assert_int_equal(rd32(e + 12), 1);
}

/* 64 CPUs, the most a partition has: local APIC entries, then all x2APIC
 * entries, the worst case, which still fits the guest's 4 KiB page. */
static void test_madt_64_cpus(void **state)
{
	struct acpi_build_cpu cpus[64];
	u8 *buf;

	(void)state;
	for (unsigned i = 0; i < 64; i++)
		cpus[i].apic_id = 2 * i + 1;
	buf = build(cpus, 64, SIZE_64CPU);
	check_madt(buf, cpus, 64, 44 + 64 * 8 + MADT_IRQ_LEN);

	for (unsigned i = 0; i < 64; i++)
		cpus[i].apic_id = 0x1000 + i;
	buf = build(cpus, 64, 1700); /* MADT 1100 bytes, RSDT at 1656 */
	check_madt(buf, cpus, 64, 44 + 64 * 16 + MADT_IRQ_LEN);
	assert_true(1700 <= GUEST_ACPI_TABLES_SIZE);
}

/*
 * The I/O APIC and override structures at their ACPI 6.5 offsets, after
 * the CPUs: 5.2.12.3 type 1, length 12, I/O APIC ID, reserved 0, address
 * u32, GSI base u32; 5.2.12.5 type 2, length 10, bus 0 (ISA), source IRQ,
 * GSI u32, MPS INTI flags u16.
 */
static void test_madt_ioapic_overrides(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 0 }, { 1 } };
	u8 *buf = build(cpus, 2, SIZE_2CPU);
	const u8 *io = buf + OFF_MADT + 44 + 2 * 8;
	const u8 *iso = io + 12;
	static const u8 want_io[12] = { 1, 12, IOAPIC_ID, 0, 0x00, 0x00, 0xc0, 0xfe, 0, 0, 0, 0 };
	static const u8 want_iso[20] = { 2, 10, 0, 0, 2, 0, 0, 0, 0x00, 0x00,
					 2, 10, 0, 9, 9, 0, 0, 0, 0x0d, 0x00 };

	(void)state;
	assert_memory_equal(io, want_io, sizeof(want_io));
	assert_memory_equal(iso, want_iso, sizeof(want_iso));
	/* They end the table. */
	assert_int_equal(rd32(buf + OFF_MADT + 4), iso + sizeof(want_iso) - (buf + OFF_MADT));
}

/*
 * A Multiboot partition has no 8259 pair: PCAT_COMPAT clear, the rest the
 * same. The I/O APIC ID is the caller's, whatever it is.
 */
static void test_madt_no_pic(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 1 }, { 2 } };
	const struct acpi_build_irq irq = { .ioapic_id = 0, .pcat_compat = false };
	u8 *buf = guarded(PAGE, 0xa5);
	static struct madt_info m;
	const u8 *madt;
	gpa_t rsdp;

	(void)state;
	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf), PAGE, cpus, 2, &irq, &rsdp),
			 SIZE_2CPU);
	madt = find(buf, "APIC");
	assert_non_null(madt);
	assert_header(madt, "APIC", 60 + MADT_IRQ_LEN, 5);
	assert_int_equal(rd32(madt + 40), 0); /* Flags: no PCAT_COMPAT */
	assert_true(madt_parse((const struct acpi_sdt_header *)madt, &m, NULL));
	assert_int_equal(m.flags, 0);
	assert_int_equal(m.ncpus, 2);
	check_madt_irq(&m, 0);
}

/* Too small by one byte, or much more: 0, nothing written (not even
 * *rsdp_gpa beyond 0); exactly enough: success up to the guard page.
 * The host buffer ends at the guard page, so it is not 64-byte aligned:
 * the tables get the guest address the hypervisor uses. */
static void test_bufsize_too_small(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 0 }, { 1 } };
	const size_t sizes[] = { SIZE_2CPU - 1, SIZE_2CPU - 44, 100, 36, 1, 0 };

	(void)state;
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t n = sizes[s];
		u8 *buf = guarded(n, 0xa5);
		gpa_t rsdp = 1;

		assert_int_equal(
			acpi_build_tables(buf, GUEST_ACPI_TABLES_GPA, n, cpus, 2, &IRQ, &rsdp), 0);
		assert_int_equal(rsdp, 0);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(buf[i], 0xa5);
	}
	{
		u8 *buf = guarded(SIZE_2CPU, 0xa5);
		gpa_t rsdp = 0;

		assert_int_equal(
			acpi_build_tables(buf, GUEST_ACPI_TABLES_GPA, SIZE_2CPU, cpus, 2, &IRQ,
					  &rsdp),
			SIZE_2CPU);
		assert_int_equal(rsdp, GUEST_ACPI_TABLES_GPA);
		assert_header(buf + OFF_MADT, "APIC", 60 + MADT_IRQ_LEN, 5);
		assert_header(buf + SIZE_2CPU - 44, "RSDT", 44, 1);
	}
}

static void test_bad_arguments(void **state)
{
	struct acpi_build_cpu cpus[65] = { { 0 } };
	u8 *buf = guarded(PAGE, 0xa5);
	gpa_t rsdp = 1;

	(void)state;
	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf), PAGE, cpus, 0, &IRQ, &rsdp), 0);
	assert_int_equal(rsdp, 0);
	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf), PAGE, cpus, 65, &IRQ, &rsdp), 0);
	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf), PAGE, NULL, 1, &IRQ, &rsdp), 0);
	/* Tables that would wrap the guest address space. */
	assert_int_equal(acpi_build_tables(buf, ~0ull - 127, PAGE, cpus, 1, &IRQ, &rsdp), 0);
	/* A guest address the FACS could not be 64-byte aligned at. */
	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf) + 16, PAGE, cpus, 1, &IRQ, &rsdp),
			 0);
	assert_int_equal(rsdp, 0);
	assert_int_equal(buf[0], 0xa5);
	/* No interrupt controllers given. */
	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf), PAGE, cpus, 1, NULL, &rsdp), 0);
	assert_int_equal(buf[0], 0xa5);
	/* A NULL rsdp_gpa is allowed. */
	assert_int_equal(acpi_build_tables(buf, ptr_to_hpa(buf), PAGE, cpus, 1, &IRQ, NULL),
			 SIZE_1CPU);
}

/* Guest addresses: the real placement (every address 0x9f000-based);
 * tables ending just below 4 GiB (RSDT still built); ending above it (no
 * RSDT); starting above it (no RSDT, no 32-bit FACS or DSDT pointer). */
static void test_guest_addresses(void **state)
{
	const struct acpi_build_cpu cpus[] = { { 0 } };
	u8 *buf = guarded(PAGE, 0);
	gpa_t g = GUEST_ACPI_TABLES_GPA, rsdp;

	(void)state;
	assert_int_equal(acpi_build_tables(buf, g, PAGE, cpus, 1, &IRQ, &rsdp), SIZE_1CPU);
	assert_int_equal(rsdp, g);
	assert_int_equal(rd64(buf + 24), g + OFF_XSDT);
	assert_int_equal(rd32(buf + 16), g + SIZE_1CPU - 44);
	assert_int_equal(rd64(buf + OFF_XSDT + 36), g + OFF_FADT);
	assert_int_equal(rd64(buf + OFF_XSDT + 44), g + OFF_MADT);
	assert_int_equal(rd32(buf + SIZE_1CPU - 44 + 36), g + OFF_FADT);
	assert_int_equal(rd32(buf + SIZE_1CPU - 44 + 40), g + OFF_MADT);
	assert_int_equal(rd32(buf + OFF_FADT + 36), g + OFF_FACS);
	assert_int_equal(rd64(buf + OFF_FADT + 132), g + OFF_FACS);
	assert_int_equal(rd32(buf + OFF_FADT + 40), g + OFF_DSDT);
	assert_int_equal(rd64(buf + OFF_FADT + 140), g + OFF_DSDT);

	g = (0x100000000ull - SIZE_1CPU) & ~63ull;
	assert_int_equal(acpi_build_tables(buf, g, PAGE, cpus, 1, &IRQ, &rsdp), SIZE_1CPU);
	assert_int_equal(rd32(buf + 16), g + SIZE_1CPU - 44);

	g += 64;
	assert_int_equal(acpi_build_tables(buf, g, PAGE, cpus, 1, &IRQ, &rsdp), SIZE_1CPU_NO_RSDT);
	assert_int_equal(rsdp, g);
	assert_int_equal(rd32(buf + 16), 0); /* RsdtAddress */
	assert_int_equal(rd32(buf + OFF_FADT + 40), g + OFF_DSDT); /* still below 4 GiB */

	g = 0x100000000ull;
	assert_int_equal(acpi_build_tables(buf, g, PAGE, cpus, 1, &IRQ, &rsdp), SIZE_1CPU_NO_RSDT);
	assert_int_equal(rd32(buf + 16), 0);
	assert_int_equal(rd64(buf + 24), g + OFF_XSDT);
	assert_int_equal(rd64(buf + OFF_XSDT + 36), g + OFF_FADT);
	assert_int_equal(rd32(buf + OFF_FADT + 36), 0);
	assert_int_equal(rd64(buf + OFF_FADT + 132), g + OFF_FACS);
	assert_int_equal(rd32(buf + OFF_FADT + 40), 0);
	assert_int_equal(rd64(buf + OFF_FADT + 140), g + OFF_DSDT);
	assert_true(acpi_checksum_ok(buf, 20));
	assert_true(acpi_checksum_ok(buf, 36));
	assert_true(acpi_checksum_ok(buf + OFF_XSDT, 52));
	assert_true(acpi_checksum_ok(buf + OFF_FADT, 276));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_rsdp_xsdt_rsdt, low_guarded_free_all),
		cmocka_unit_test_teardown(test_fadt, low_guarded_free_all),
		cmocka_unit_test_teardown(test_facs, low_guarded_free_all),
		cmocka_unit_test_teardown(test_dsdt_s5, low_guarded_free_all),
		cmocka_unit_test_teardown(test_madt_1_and_2_cpus, low_guarded_free_all),
		cmocka_unit_test_teardown(test_madt_64_cpus, low_guarded_free_all),
		cmocka_unit_test_teardown(test_madt_x2apic, low_guarded_free_all),
		cmocka_unit_test_teardown(test_madt_ioapic_overrides, low_guarded_free_all),
		cmocka_unit_test_teardown(test_madt_no_pic, low_guarded_free_all),
		cmocka_unit_test_teardown(test_bufsize_too_small, low_guarded_free_all),
		cmocka_unit_test_teardown(test_bad_arguments, low_guarded_free_all),
		cmocka_unit_test_teardown(test_guest_addresses, low_guarded_free_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
