/*
 * Unit tests for hv/cpus.c: the CPU list from UEFI MP Services, from a
 * parsed MADT, and cpus_discover()'s choice between them. ACPI tables for
 * cpus_discover() are built in host memory (hpa_to_ptr() is 1:1).
 */
#include "unit.h"

#include <tessera/cpus.h>
#include <tessera/acpi.h>
#include <tessera/bootinfo.h>
#include <tessera/diag.h>

/* ------------------------------------------------------------- helpers */


static u8 sum8(const void *p, size_t n)
{
	const u8 *b = p;
	u8 s = 0;

	while (n--)
		s += *b++;
	return s;
}

static struct acpi_sdt_header *sdt_make(const char *sig, const void *body, size_t body_len)
{
	struct acpi_sdt_header *h = unit_alloc(sizeof(*h) + body_len);

	memcpy(h->signature, sig, 4);
	h->length = (u32)(sizeof(*h) + body_len);
	h->revision = 1;
	memcpy((u8 *)h + sizeof(*h), body, body_len);
	h->checksum = (u8)-sum8(h, h->length);
	return h;
}

struct lapic {
	u32 apic_id;
	u32 flags;
};

/* A MADT with one x2APIC entry per CPU (so IDs above 255 work), reached
 * through an XSDT from an ACPI 2.0 RSDP. Returns the RSDP's address. */
static hpa_t acpi_with_cpus(const struct lapic *c, size_t n, struct acpi_sdt_header **madt_out)
{
	u8 body[8 + 16 * 16] = { 0 };
	u32 lapic = 0xfee00000, one = 1;
	struct acpi_sdt_header *madt, *xsdt;
	struct acpi_rsdp *r;
	u64 a;

	assert_true(n <= 16);
	memcpy(body, &lapic, 4);
	memcpy(body + 4, &one, 4);
	for (size_t i = 0; i < n; i++) {
		u8 *e = body + 8 + 16 * i;
		u32 uid = (u32)i;

		e[0] = 9;
		e[1] = 16;
		memcpy(e + 4, &c[i].apic_id, 4);
		memcpy(e + 8, &c[i].flags, 4);
		memcpy(e + 12, &uid, 4);
	}
	madt = sdt_make("APIC", body, 8 + 16 * n);
	a = (u64)(uintptr_t)madt;
	xsdt = sdt_make("XSDT", &a, 8);

	r = unit_alloc(sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	r->revision = 2;
	r->length = sizeof(*r);
	r->xsdt_address = (u64)(uintptr_t)xsdt;
	r->checksum = (u8)-sum8(r, 20);
	r->extended_checksum = (u8)-sum8(r, sizeof(*r));
	if (madt_out)
		*madt_out = madt;
	return (hpa_t)(uintptr_t)r;
}

static struct boot_info *bi_make(const struct boot_cpu *c, unsigned n)
{
	struct boot_info *bi = unit_alloc(sizeof(*bi));

	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	bi->ncpus = n;
	memcpy(bi->cpus, c, n * sizeof(*c));
	return bi;
}

static bool diag_has(const struct diag *d, const char *needle)
{
	for (unsigned i = 0; i < d->count; i++)
		if (strstr(d->msg[i], needle))
			return true;
	return false;
}

static void assert_list(const struct cpu_list *l, enum cpu_source src, const u32 *ids,
			unsigned n)
{
	assert_int_equal(l->source, src);
	assert_int_equal(l->count, n);
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(l->apic_id[i], ids[i]);
}

#define EN BOOT_CPU_ENABLED
#define BSP (BOOT_CPU_BSP | BOOT_CPU_ENABLED)

/* Four CPUs as MP Services lists them: BSP second, one disabled. */
static const struct boot_cpu mp4[] = { { 2, EN }, { 0, BSP }, { 1, 0 }, { 3, EN } };

/* ---------------------------------------------------------------- names */

static void test_source_names(void **state)
{
	(void)state;
	assert_string_equal(cpu_source_name(CPUS_FROM_MADT), "ACPI MADT");
	assert_string_equal(cpu_source_name(CPUS_FROM_MP_SERVICES), "UEFI MP Services");
	assert_string_equal(cpu_source_name(CPUS_FROM_NONE), "none");
	assert_string_equal(cpu_source_name((enum cpu_source)42), "none");
}

static void test_index_of(void **state)
{
	struct cpu_list l = { .count = 3, .source = CPUS_FROM_MADT, .apic_id = { 4, 0, 0x100 } };

	(void)state;
	assert_int_equal(cpus_index_of(&l, 4), 0);
	assert_int_equal(cpus_index_of(&l, 0), 1);
	assert_int_equal(cpus_index_of(&l, 0x100), 2);
	assert_int_equal(cpus_index_of(&l, 1), -1);
	l.count = 0;
	assert_int_equal(cpus_index_of(&l, 4), -1);
}

/* --------------------------------------------------------- MP Services */

static void test_mp_bsp_first_disabled_dropped(void **state)
{
	static const u32 want[] = { 0, 2, 3 };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_true(cpus_from_boot_info(bi_make(mp4, 4), &l, &d));
	assert_list(&l, CPUS_FROM_MP_SERVICES, want, 3);
	assert_int_equal(d.count, 0);
}

static void test_mp_empty(void **state)
{
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_false(cpus_from_boot_info(bi_make(mp4, 0), &l, &d));
	assert_int_equal(l.count, 0);
	assert_int_equal(d.errors, 1);
}

static void test_mp_no_bsp(void **state)
{
	static const struct boot_cpu c[] = { { 0, EN }, { 1, EN } };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_false(cpus_from_boot_info(bi_make(c, 2), &l, &d));
	assert_true(diag_has(&d, "0 CPUs are marked as the BSP"));
}

static void test_mp_two_bsps(void **state)
{
	static const struct boot_cpu c[] = { { 0, BSP }, { 1, BSP } };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_false(cpus_from_boot_info(bi_make(c, 2), &l, &d));
	assert_true(diag_has(&d, "2 CPUs are marked as the BSP"));
}

static void test_mp_duplicate_and_bsp_flag_only(void **state)
{
	/* The BSP lacks the Enabled flag (it runs this code, so it counts);
	 * APIC ID 5 appears twice. */
	static const struct boot_cpu c[] = { { 5, EN }, { 7, BOOT_CPU_BSP }, { 5, EN }, { 6, EN } };
	static const u32 want[] = { 7, 5, 6 };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_true(cpus_from_boot_info(bi_make(c, 4), &l, &d));
	assert_list(&l, CPUS_FROM_MP_SERVICES, want, 3);
	assert_true(diag_has(&d, "APIC ID 5 listed twice"));
	assert_int_equal(d.errors, 0);
}

static void test_mp_too_many(void **state)
{
	struct boot_cpu c[MAX_CPUS];
	struct boot_info *bi;
	struct cpu_list l;
	struct diag d;

	(void)state;
	for (unsigned i = 0; i < MAX_CPUS; i++)
		c[i] = (struct boot_cpu){ i, i == 0 ? BSP : EN };
	bi = bi_make(c, MAX_CPUS);
	bi->ncpus = MAX_CPUS + 10; /* more than the array can describe */
	diag_init(&d);
	assert_true(cpus_from_boot_info(bi, &l, &d));
	assert_int_equal(l.count, MAX_CPUS);
	assert_int_equal(l.apic_id[MAX_CPUS - 1], MAX_CPUS - 1);
	assert_true(diag_has(&d, "only the first"));
}

/* ---------------------------------------------------------------- MADT */

static void test_madt_bsp_moved_first(void **state)
{
	struct madt_info m = { .ncpus = 5,
			       .cpus = { { .apic_id = 4, .enabled = true },
					 { .apic_id = 2, .enabled = true },
					 { .apic_id = 7, .enabled = false, .online_capable = true },
					 { .apic_id = 9, .enabled = true },
					 { .apic_id = 2, .enabled = true } } };
	static const u32 want[] = { 9, 4, 2 };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_true(cpus_from_madt(&m, 9, &l, &d));
	assert_list(&l, CPUS_FROM_MADT, want, 3);
	assert_true(diag_has(&d, "APIC ID 2 listed twice"));
	assert_int_equal(d.errors, 0);
}

static void test_madt_bsp_missing_or_disabled(void **state)
{
	struct madt_info m = { .ncpus = 2,
			       .cpus = { { .apic_id = 0, .enabled = true },
					 { .apic_id = 1, .enabled = false } } };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_false(cpus_from_madt(&m, 5, &l, &d));
	assert_int_equal(l.count, 0);
	assert_true(diag_has(&d, "APIC ID 5"));
	diag_init(&d);
	assert_false(cpus_from_madt(&m, 1, &l, &d));
	assert_int_equal(d.errors, 1);
}

static void test_madt_none_enabled(void **state)
{
	struct madt_info m = { .ncpus = 0 };
	struct cpu_list l;

	(void)state;
	assert_false(cpus_from_madt(&m, 0, &l, NULL));
	assert_int_equal(l.source, CPUS_FROM_NONE);
}

/* ------------------------------------------------------------ discover */

static void test_discover_no_acpi_uses_mp(void **state)
{
	static const u32 want[] = { 0, 2, 3 };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_true(cpus_discover(bi_make(mp4, 4), 0, &l, &d));
	assert_list(&l, CPUS_FROM_MP_SERVICES, want, 3);
	assert_int_equal(d.count, 0);
}

static void test_discover_madt_agrees(void **state)
{
	/* Same set as mp4, in a different order: no note. */
	static const struct lapic c[] = { { 3, 1 }, { 0, 1 }, { 1, 0 }, { 2, 1 } };
	static const u32 want[] = { 0, 3, 2 };
	struct boot_info *bi = bi_make(mp4, 4);
	struct cpu_list l;
	struct diag d;

	(void)state;
	bi->acpi_rsdp = acpi_with_cpus(c, 4, NULL);
	diag_init(&d);
	assert_true(cpus_discover(bi, 0, &l, &d));
	assert_list(&l, CPUS_FROM_MADT, want, 3);
	assert_int_equal(d.count, 0);
}

static void test_discover_madt_disagrees(void **state)
{
	static const struct lapic c[] = { { 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 } };
	static const u32 want[] = { 0, 1, 2, 3 };
	struct boot_info *bi = bi_make(mp4, 4);
	struct cpu_list l;
	struct diag d;

	(void)state;
	bi->acpi_rsdp = acpi_with_cpus(c, 4, NULL);
	diag_init(&d);
	assert_true(cpus_discover(bi, 0, &l, &d));
	assert_list(&l, CPUS_FROM_MADT, want, 4);
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.count, 1);
	assert_true(diag_has(&d, "ACPI MADT lists 4 enabled CPUs and UEFI MP Services 3"));
}

static void test_discover_same_count_different_ids(void **state)
{
	static const struct lapic c[] = { { 0, 1 }, { 2, 1 }, { 4, 1 } };
	struct boot_info *bi = bi_make(mp4, 4);
	struct cpu_list l;
	struct diag d;

	(void)state;
	bi->acpi_rsdp = acpi_with_cpus(c, 3, NULL);
	diag_init(&d);
	assert_true(cpus_discover(bi, 0, &l, &d));
	assert_int_equal(l.source, CPUS_FROM_MADT);
	assert_true(diag_has(&d, "lists 3 enabled CPUs and UEFI MP Services 3"));
}

static void test_discover_madt_without_bsp_uses_mp(void **state)
{
	static const struct lapic c[] = { { 1, 1 }, { 2, 1 }, { 3, 1 } };
	static const u32 want[] = { 0, 2, 3 };
	struct boot_info *bi = bi_make(mp4, 4);
	struct cpu_list l;
	struct diag d;

	(void)state;
	bi->acpi_rsdp = acpi_with_cpus(c, 3, NULL);
	diag_init(&d);
	assert_true(cpus_discover(bi, 0, &l, &d));
	assert_list(&l, CPUS_FROM_MP_SERVICES, want, 3);
	assert_true(diag_has(&d, "using UEFI MP Services"));
}

static void test_discover_bad_madt_uses_mp(void **state)
{
	static const struct lapic c[] = { { 0, 1 }, { 1, 1 } };
	struct boot_info *bi = bi_make(mp4, 4);
	struct acpi_sdt_header *madt;
	struct cpu_list l;
	struct diag d;

	(void)state;
	bi->acpi_rsdp = acpi_with_cpus(c, 2, &madt);
	madt->checksum ^= 0xff;
	diag_init(&d);
	assert_true(cpus_discover(bi, 0, &l, &d));
	assert_int_equal(l.source, CPUS_FROM_MP_SERVICES);
	assert_int_equal(l.count, 3);
	assert_true(diag_has(&d, "bad checksum"));
	assert_true(diag_has(&d, "no usable MADT"));
}

static void test_discover_madt_only(void **state)
{
	static const struct lapic c[] = { { 0x101, 1 }, { 0x100, 1 } };
	static const u32 want[] = { 0x100, 0x101 };
	struct boot_info *bi = bi_make(mp4, 0);
	struct cpu_list l;
	struct diag d;

	(void)state;
	bi->acpi_rsdp = acpi_with_cpus(c, 2, NULL);
	diag_init(&d);
	assert_true(cpus_discover(bi, 0x100, &l, &d));
	assert_list(&l, CPUS_FROM_MADT, want, 2);
	assert_int_equal(d.count, 0);
}

static void test_discover_mp_bsp_mismatch_noted(void **state)
{
	static const u32 want[] = { 0, 2, 3 };
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_true(cpus_discover(bi_make(mp4, 4), 2, &l, &d));
	assert_list(&l, CPUS_FROM_MP_SERVICES, want, 3);
	assert_true(diag_has(&d, "BSP has APIC ID 0, this CPU 2"));
}

static void test_discover_nothing(void **state)
{
	struct cpu_list l;
	struct diag d;

	(void)state;
	diag_init(&d);
	assert_false(cpus_discover(bi_make(mp4, 0), 0, &l, &d));
	assert_int_equal(l.count, 0);
	assert_int_equal(l.source, CPUS_FROM_NONE);
	assert_true(diag_has(&d, "neither"));
}

#define T(f) cmocka_unit_test_teardown(f, unit_free_all)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_source_names),
		T(test_index_of),
		T(test_mp_bsp_first_disabled_dropped),
		T(test_mp_empty),
		T(test_mp_no_bsp),
		T(test_mp_two_bsps),
		T(test_mp_duplicate_and_bsp_flag_only),
		T(test_mp_too_many),
		T(test_madt_bsp_moved_first),
		T(test_madt_bsp_missing_or_disabled),
		T(test_madt_none_enabled),
		T(test_discover_no_acpi_uses_mp),
		T(test_discover_madt_agrees),
		T(test_discover_madt_disagrees),
		T(test_discover_same_count_different_ids),
		T(test_discover_madt_without_bsp_uses_mp),
		T(test_discover_bad_madt_uses_mp),
		T(test_discover_madt_only),
		T(test_discover_mp_bsp_mismatch_noted),
		T(test_discover_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
