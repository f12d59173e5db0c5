/*
 * Unit tests for the UEFI memory map reader (hv/memmap.c).
 *
 * Maps are built by hand with a descriptor stride of 48 bytes, larger than
 * the 40-byte struct, as real firmware reports (UEFI 2.10, 7.2.3: walk by
 * DescriptorSize, never by sizeof). The 8 extra bytes hold junk so a reader
 * that steps by sizeof reads garbage and fails.
 */
#include "unit.h"

#include <tessera/memmap.h>
#include <tessera/pmm.h>

#define STRIDE 48
#define MAX_DESC 64

struct fake_map {
	struct boot_info bi;
	size_t n;
	u8 buf[MAX_DESC * STRIDE] __aligned(8);
};

static struct fake_map *map_new(u64 desc_size)
{
	struct fake_map *m = calloc(1, sizeof(*m));

	assert_non_null(m);
	m->bi.mmap_addr = ptr_to_hpa(m->buf);
	m->bi.mmap_desc_size = desc_size;
	m->bi.mmap_desc_version = 1;
	return m;
}

static void map_push(struct fake_map *m, u32 type, hpa_t start, u64 pages)
{
	struct efi_memory_descriptor d = {
		.type = type,
		.physical_start = start,
		.number_of_pages = pages,
		.attribute = 0xf, /* UC | WC | WT | WB, as OVMF reports RAM */
	};
	u8 *slot = m->buf + m->n * m->bi.mmap_desc_size;

	assert_true((m->n + 1) * m->bi.mmap_desc_size <= sizeof(m->buf));
	memset(slot, 0xee, m->bi.mmap_desc_size);
	memcpy(slot, &d, sizeof(d));
	m->n++;
	m->bi.mmap_size = m->n * m->bi.mmap_desc_size;
}

static struct pmm *pmm_new(void)
{
	struct pmm *p = malloc(sizeof(*p));

	assert_non_null(p);
	pmm_init(p);
	return p;
}

static void assert_range(const struct pmm *p, unsigned i, hpa_t base, hpa_t end)
{
	assert_true(i < p->nranges);
	assert_int_equal(p->free[i].base, base);
	assert_int_equal(p->free[i].end, end);
}

static void test_classify_every_type(void **state)
{
	static const struct {
		u32 type;
		enum mem_class c;
	} cases[] = {
		{ EFI_RESERVED_MEMORY, MEMC_RESERVED },
		{ EFI_LOADER_CODE, MEMC_FREE_LATER },
		{ EFI_LOADER_DATA, MEMC_FREE_LATER },
		{ EFI_BOOT_SERVICES_CODE, MEMC_FREE_LATER },
		{ EFI_BOOT_SERVICES_DATA, MEMC_FREE_LATER },
		{ EFI_RUNTIME_SERVICES_CODE, MEMC_FIRMWARE },
		{ EFI_RUNTIME_SERVICES_DATA, MEMC_FIRMWARE },
		{ EFI_CONVENTIONAL_MEMORY, MEMC_FREE },
		{ EFI_UNUSABLE_MEMORY, MEMC_RESERVED },
		{ EFI_ACPI_RECLAIM_MEMORY, MEMC_FIRMWARE },
		{ EFI_ACPI_MEMORY_NVS, MEMC_FIRMWARE },
		{ EFI_MEMORY_MAPPED_IO, MEMC_MMIO },
		{ EFI_MEMORY_MAPPED_IO_PORT_SPACE, MEMC_MMIO },
		{ EFI_PAL_CODE, MEMC_FIRMWARE },
		{ EFI_PERSISTENT_MEMORY, MEMC_RESERVED },
		{ EFI_UNACCEPTED_MEMORY, MEMC_RESERVED },
		{ TESSERA_MEM_CORE, MEMC_TESSERA },
		{ TESSERA_MEM_BOOTINFO, MEMC_TESSERA },
		{ TESSERA_MEM_FILES, MEMC_TESSERA },
		{ TESSERA_MEM_LOWMEM, MEMC_TESSERA },
		/* Anything unknown is never used. */
		{ 16, MEMC_RESERVED },
		{ 0x6fffffff, MEMC_RESERVED },
		{ 0x70000000, MEMC_RESERVED }, /* OEM range */
		{ 0x7fffffff, MEMC_RESERVED },
		{ 0x80000004, MEMC_RESERVED }, /* another loader's type */
		{ 0xffffffff, MEMC_RESERVED },
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		if (memmap_classify(cases[i].type) != cases[i].c)
			fail_msg("type %#x: class %d, want %d", cases[i].type,
				 memmap_classify(cases[i].type), cases[i].c);
	}
}

static void test_type_names(void **state)
{
	static const u32 tessera[] = { TESSERA_MEM_CORE, TESSERA_MEM_BOOTINFO, TESSERA_MEM_FILES,
				       TESSERA_MEM_LOWMEM };
	const char *names[EFI_UNACCEPTED_MEMORY + 1 + ARRAY_SIZE(tessera)];
	size_t i, j, n = 0;

	(void)state;
	assert_string_equal(memmap_type_name(EFI_RESERVED_MEMORY), "reserved");
	assert_string_equal(memmap_type_name(EFI_LOADER_CODE), "loader-code");
	assert_string_equal(memmap_type_name(EFI_LOADER_DATA), "loader-data");
	assert_string_equal(memmap_type_name(EFI_BOOT_SERVICES_CODE), "boot-services-code");
	assert_string_equal(memmap_type_name(EFI_BOOT_SERVICES_DATA), "boot-services-data");
	assert_string_equal(memmap_type_name(EFI_RUNTIME_SERVICES_CODE), "runtime-services-code");
	assert_string_equal(memmap_type_name(EFI_RUNTIME_SERVICES_DATA), "runtime-services-data");
	assert_string_equal(memmap_type_name(EFI_CONVENTIONAL_MEMORY), "conventional");
	assert_string_equal(memmap_type_name(EFI_UNUSABLE_MEMORY), "unusable");
	assert_string_equal(memmap_type_name(EFI_ACPI_RECLAIM_MEMORY), "acpi-reclaim");
	assert_string_equal(memmap_type_name(EFI_ACPI_MEMORY_NVS), "acpi-nvs");
	assert_string_equal(memmap_type_name(EFI_MEMORY_MAPPED_IO), "mmio");
	assert_string_equal(memmap_type_name(EFI_MEMORY_MAPPED_IO_PORT_SPACE), "mmio-port-space");
	assert_string_equal(memmap_type_name(EFI_PAL_CODE), "pal-code");
	assert_string_equal(memmap_type_name(EFI_PERSISTENT_MEMORY), "persistent");
	assert_string_equal(memmap_type_name(EFI_UNACCEPTED_MEMORY), "unaccepted");
	assert_string_equal(memmap_type_name(TESSERA_MEM_CORE), "tessera-core");
	assert_string_equal(memmap_type_name(TESSERA_MEM_BOOTINFO), "tessera-bootinfo");
	assert_string_equal(memmap_type_name(TESSERA_MEM_FILES), "tessera-files");
	assert_string_equal(memmap_type_name(TESSERA_MEM_LOWMEM), "tessera-lowmem");
	assert_string_equal(memmap_type_name(16), "unknown");
	assert_string_equal(memmap_type_name(0x70000000), "unknown");
	assert_string_equal(memmap_type_name(0x80000004), "unknown");
	assert_string_equal(memmap_type_name(0xffffffff), "unknown");

	/* Every known type has its own name: a log line must not be ambiguous. */
	for (i = 0; i <= EFI_UNACCEPTED_MEMORY; i++)
		names[n++] = memmap_type_name((u32)i);
	for (i = 0; i < ARRAY_SIZE(tessera); i++)
		names[n++] = memmap_type_name(tessera[i]);
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_string_not_equal(names[i], names[j]);
}

static void test_class_names(void **state)
{
	(void)state;
	assert_string_equal(memmap_class_name(MEMC_FREE), "free");
	assert_string_equal(memmap_class_name(MEMC_FREE_LATER), "free-later");
	assert_string_equal(memmap_class_name(MEMC_TESSERA), "tessera");
	assert_string_equal(memmap_class_name(MEMC_FIRMWARE), "firmware");
	assert_string_equal(memmap_class_name(MEMC_MMIO), "mmio");
	assert_string_equal(memmap_class_name(MEMC_RESERVED), "reserved");
	assert_string_equal(memmap_class_name(MEMC_COUNT), "unknown");
	assert_string_equal(memmap_class_name((enum mem_class)1000), "unknown");
}

static void test_count_and_stride(void **state)
{
	struct fake_map *m = map_new(STRIDE);
	const struct efi_memory_descriptor *d;

	(void)state;
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x100000, 16);
	map_push(m, EFI_ACPI_MEMORY_NVS, 0x200000, 2);
	map_push(m, TESSERA_MEM_CORE, 0x300000, 3);
	assert_int_equal(memmap_count(&m->bi), 3);

	/* Entries are found at the firmware's stride, not sizeof apart. */
	d = memmap_entry(&m->bi, 1);
	assert_non_null(d);
	assert_ptr_equal(d, m->buf + STRIDE);
	assert_int_equal(d->type, EFI_ACPI_MEMORY_NVS);
	assert_int_equal(d->physical_start, 0x200000);
	assert_int_equal(d->number_of_pages, 2);
	d = memmap_entry(&m->bi, 2);
	assert_int_equal(d->type, TESSERA_MEM_CORE);
	assert_int_equal(d->physical_start, 0x300000);
	assert_null(memmap_entry(&m->bi, 3));

	/* A partial descriptor at the end is not an entry. */
	m->bi.mmap_size += STRIDE - 1;
	assert_int_equal(memmap_count(&m->bi), 3);
	assert_null(memmap_entry(&m->bi, 3));

	/* A stride too small to hold a descriptor means a corrupt map. */
	m->bi.mmap_desc_size = sizeof(struct efi_memory_descriptor) - 8;
	assert_int_equal(memmap_count(&m->bi), 0);
	m->bi.mmap_desc_size = 0;
	assert_int_equal(memmap_count(&m->bi), 0);
	assert_null(memmap_entry(&m->bi, 0));

	/* No map at all. */
	m->bi.mmap_desc_size = STRIDE;
	m->bi.mmap_addr = 0;
	assert_int_equal(memmap_count(&m->bi), 0);
	free(m);
}

static void test_exact_stride_works(void **state)
{
	struct fake_map *m = map_new(sizeof(struct efi_memory_descriptor));
	struct mem_summary s;

	(void)state;
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x100000, 0x100);
	map_push(m, EFI_BOOT_SERVICES_DATA, 0x200000, 0x10);
	assert_int_equal(memmap_count(&m->bi), 2);
	assert_int_equal(memmap_entry(&m->bi, 1)->physical_start, 0x200000);
	memmap_summarize(&m->bi, &s);
	assert_int_equal(s.bytes[MEMC_FREE], 0x100000);
	assert_int_equal(s.bytes[MEMC_FREE_LATER], 0x10000);
	assert_int_equal(s.ram_top, 0x210000);
	free(m);
}

static void test_zero_page_entries_ignored(void **state)
{
	struct fake_map *m = map_new(STRIDE);
	struct pmm *p = pmm_new();
	struct mem_summary s;

	(void)state;
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x100000, 0x100);
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x40000000, 0);
	map_push(m, EFI_RUNTIME_SERVICES_DATA, 0x80000000, 0);
	memmap_summarize(&m->bi, &s);
	assert_int_equal(s.bytes[MEMC_FREE], 0x100000);
	assert_int_equal(s.bytes[MEMC_FIRMWARE], 0);
	assert_int_equal(s.ram_top, 0x200000);
	memmap_add_class(p, &m->bi, MEMC_FREE);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 0x100000, 0x200000);
	free(p);
	free(m);
}

static void test_ram_top_ignores_mmio(void **state)
{
	struct fake_map *m = map_new(STRIDE);

	(void)state;
	assert_int_equal(memmap_ram_top(&m->bi), 0);
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x100000, (1 * GiB - 0x100000) / PAGE_SIZE);
	map_push(m, EFI_MEMORY_MAPPED_IO, 0xfec00000, 1);
	map_push(m, EFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400);
	map_push(m, EFI_MEMORY_MAPPED_IO_PORT_SPACE, 0x800000000000ull, 0x10);
	assert_int_equal(memmap_ram_top(&m->bi), 1 * GiB);

	/* Firmware memory is RAM too, wherever it sits. */
	map_push(m, EFI_RUNTIME_SERVICES_DATA, 0x7ff00000, 0x100);
	assert_int_equal(memmap_ram_top(&m->bi), 0x80000000);
	free(m);
}

static void test_huge_page_count_does_not_wrap(void **state)
{
	struct fake_map *m = map_new(STRIDE);
	struct pmm *p = pmm_new();
	struct mem_summary s;

	(void)state;
	/* A corrupt count whose byte size overflows 64 bits. */
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x100000000ull, 1ull << 60);
	assert_int_equal(memmap_ram_top(&m->bi), ~0ull);
	memmap_summarize(&m->bi, &s);
	assert_int_equal(s.bytes[MEMC_FREE], ~0ull - 0x100000000ull);
	memmap_add_class(p, &m->bi, MEMC_FREE);
	assert_int_equal(p->nranges, 1);
	assert_range(p, 0, 0x100000000ull, ~0ull & ~(PAGE_SIZE - 1));
	free(p);
	free(m);
}

/*
 * A map as OVMF on QEMU q35 with 4 GiB reports it after the loader ran:
 * holes below 1 MiB, ACPI NVS in the first 16 MiB, the loader's TESSERA_MEM_*
 * allocations, boot and runtime services memory under 2 GiB, the PCIe ECAM
 * window reserved, IOAPIC, LAPIC and flash as MMIO, 2 GiB above 4 GiB.
 */
static struct fake_map *ovmf_map(void)
{
	struct fake_map *m = map_new(STRIDE);

	map_push(m, EFI_BOOT_SERVICES_DATA, 0x0, 1);
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x1000, 7);
	map_push(m, TESSERA_MEM_LOWMEM, 0x8000, 1);
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x9000, 0x97); /* to 0xa0000 */
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x100000, 0x700);
	map_push(m, EFI_ACPI_MEMORY_NVS, 0x800000, 8);
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x808000, 3);
	map_push(m, EFI_ACPI_MEMORY_NVS, 0x80b000, 1);
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x80c000, 4);
	map_push(m, EFI_ACPI_MEMORY_NVS, 0x810000, 0xf0);
	map_push(m, EFI_BOOT_SERVICES_DATA, 0x900000, 0x700);
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x1000000, 0x7b000); /* to 0x7c000000 */
	map_push(m, TESSERA_MEM_FILES, 0x7c000000, 0x400);
	map_push(m, TESSERA_MEM_CORE, 0x7c400000, 0x100);
	map_push(m, TESSERA_MEM_BOOTINFO, 0x7c500000, 0x10);
	map_push(m, EFI_LOADER_CODE, 0x7c510000, 0x20);
	map_push(m, EFI_LOADER_DATA, 0x7c530000, 0xad0); /* to 0x7d000000 */
	map_push(m, EFI_BOOT_SERVICES_DATA, 0x7d000000, 0x1000);
	map_push(m, EFI_BOOT_SERVICES_CODE, 0x7e000000, 0x800);
	map_push(m, EFI_RUNTIME_SERVICES_CODE, 0x7e800000, 0x200);
	map_push(m, EFI_RUNTIME_SERVICES_DATA, 0x7ea00000, 0x200);
	map_push(m, EFI_RESERVED_MEMORY, 0x7ec00000, 0x80);
	map_push(m, EFI_ACPI_RECLAIM_MEMORY, 0x7ec80000, 0x80);
	map_push(m, EFI_ACPI_MEMORY_NVS, 0x7ed00000, 0x100);
	map_push(m, EFI_BOOT_SERVICES_DATA, 0x7ee00000, 0x1100);
	map_push(m, EFI_RUNTIME_SERVICES_DATA, 0x7ff00000, 0x100); /* to 2 GiB */
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x90000000, 0);      /* firmware quirk */
	map_push(m, EFI_RESERVED_MEMORY, 0xb0000000, 0x10000);    /* PCIe ECAM */
	map_push(m, EFI_MEMORY_MAPPED_IO, 0xfec00000, 1);          /* IOAPIC */
	map_push(m, EFI_MEMORY_MAPPED_IO, 0xfee00000, 1);          /* LAPIC */
	map_push(m, EFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400);      /* flash */
	map_push(m, EFI_CONVENTIONAL_MEMORY, 0x100000000ull, 0x80000);
	return m;
}

static void test_ovmf_summary(void **state)
{
	struct fake_map *m = ovmf_map();
	struct mem_summary s;

	(void)state;
	memset(&s, 0xff, sizeof(s)); /* summarize must clear it */
	memmap_summarize(&m->bi, &s);
	assert_int_equal(s.bytes[MEMC_FREE], 0x7000 + 0x97000 + 0x700000 + 0x3000 + 0x4000 +
						     0x7b000000 + 0x80000000ull);
	assert_int_equal(s.bytes[MEMC_FREE_LATER],
			 0x1000 + 0x700000 + 0x20000 + 0xad0000 + 0x1000000 + 0x800000 + 0x1100000);
	assert_int_equal(s.bytes[MEMC_TESSERA], 0x1000 + 0x400000 + 0x100000 + 0x10000);
	assert_int_equal(s.bytes[MEMC_FIRMWARE],
			 0x8000 + 0x1000 + 0xf0000 + 0x200000 + 0x200000 + 0x80000 + 0x100000 +
				 0x100000);
	assert_int_equal(s.bytes[MEMC_MMIO], 0x1000 + 0x1000 + 0x400000);
	assert_int_equal(s.bytes[MEMC_RESERVED], 0x80000 + 0x10000000);
	assert_int_equal(s.ram_top, 0x180000000ull);
	assert_int_equal(memmap_ram_top(&m->bi), 0x180000000ull);
	free(m);
}

static void test_ovmf_add_classes(void **state)
{
	struct fake_map *m = ovmf_map();
	struct pmm *p = pmm_new();
	struct pmm *t = pmm_new();

	(void)state;
	/* Phase one: conventional memory only; below 1 MiB is dropped. */
	memmap_add_class(p, &m->bi, MEMC_FREE);
	assert_int_equal(p->nranges, 5);
	assert_range(p, 0, 0x100000, 0x800000);
	assert_range(p, 1, 0x808000, 0x80b000);
	assert_range(p, 2, 0x80c000, 0x810000);
	assert_range(p, 3, 0x1000000, 0x7c000000);
	assert_range(p, 4, 0x100000000ull, 0x180000000ull);
	assert_int_equal(p->managed_bytes, 0x700000 + 0x3000 + 0x4000 + 0x7b000000 + 0x80000000ull);

	/* Phase two: boot-services and loader memory merge with neighbours. */
	memmap_add_class(p, &m->bi, MEMC_FREE_LATER);
	assert_int_equal(p->nranges, 7);
	assert_range(p, 0, 0x100000, 0x800000);
	assert_range(p, 1, 0x808000, 0x80b000);
	assert_range(p, 2, 0x80c000, 0x810000);
	assert_range(p, 3, 0x900000, 0x7c000000);
	assert_range(p, 4, 0x7c510000, 0x7e800000);
	assert_range(p, 5, 0x7ee00000, 0x7ff00000);
	assert_range(p, 6, 0x100000000ull, 0x180000000ull);
	assert_int_equal(p->free_bytes, p->managed_bytes);
	assert_int_equal(p->lost_bytes, 0);

	/* Adding a class twice changes nothing. */
	memmap_add_class(p, &m->bi, MEMC_FREE_LATER);
	assert_int_equal(p->nranges, 7);
	assert_int_equal(p->free_bytes, p->managed_bytes);

	/* Tessera's own memory, on its own: the three blocks are adjacent and
	 * merge; the trampoline page below 1 MiB is never managed. */
	memmap_add_class(t, &m->bi, MEMC_TESSERA);
	assert_int_equal(t->nranges, 1);
	assert_range(t, 0, 0x7c000000, 0x7c510000);

	/* The filter takes exactly the class asked for, whatever it is. */
	pmm_init(t);
	memmap_add_class(t, &m->bi, MEMC_MMIO);
	assert_int_equal(t->nranges, 3);
	assert_range(t, 2, 0xffc00000, 0x100000000ull);
	free(t);
	free(p);
	free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify_every_type),
		cmocka_unit_test(test_type_names),
		cmocka_unit_test(test_class_names),
		cmocka_unit_test(test_count_and_stride),
		cmocka_unit_test(test_exact_stride_works),
		cmocka_unit_test(test_zero_page_entries_ignored),
		cmocka_unit_test(test_ram_top_ignores_mmio),
		cmocka_unit_test(test_huge_page_count_does_not_wrap),
		cmocka_unit_test(test_ovmf_summary),
		cmocka_unit_test(test_ovmf_add_classes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
