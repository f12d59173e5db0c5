/*
 * Reading the UEFI memory map the loader left in boot_info: classifying
 * each memory type, walking the descriptors, and feeding the free ones to
 * the physical memory manager. API in <tessera/memmap.h>.
 */
#include <tessera/memmap.h>
#include <tessera/pmm.h>

/*
 * The class of each UEFI memory type. The rules are those of UEFI 2.10,
 * 7.2.1, Table 7.10 (memory type usage after ExitBootServices()), which is
 * the state the core runs in (the loader called ExitBootServices(), 7.4).
 */
enum mem_class memmap_classify(u32 efi_type)
{
	switch (efi_type) {
	case EFI_CONVENTIONAL_MEMORY:
		/* "Memory available for general use." */
		return MEMC_FREE;
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
		/*
		 * Table 7.10 makes these general-use memory once
		 * ExitBootServices() has returned (7.4). But they still hold
		 * the firmware's page tables and GDT the core is running on,
		 * and the loader's stack, so they are only freed after the
		 * core has switched to its own.
		 */
		return MEMC_FREE_LATER;
	case TESSERA_MEM_CORE:
	case TESSERA_MEM_BOOTINFO:
	case TESSERA_MEM_FILES:
	case TESSERA_MEM_LOWMEM:
		/* 0x80000000..0xFFFFFFFF is the OS loaders' range (Table
		 * 7.10); these are our loader's allocations for the core. */
		return MEMC_TESSERA;
	case EFI_RUNTIME_SERVICES_CODE:
	case EFI_RUNTIME_SERVICES_DATA:
	case EFI_ACPI_MEMORY_NVS:
	case EFI_PAL_CODE:
		/* Table 7.10: "to be preserved by the loader and OS in the
		 * working and ACPI S1-S3 states". */
		return MEMC_FIRMWARE;
	case EFI_ACPI_RECLAIM_MEMORY:
		/*
		 * Table 7.10 allows reuse "once ACPI is enabled", i.e. once
		 * the OS has read the tables. The tables stay here for the
		 * core and for every partition that is shown them, so the
		 * hypervisor never reclaims it.
		 */
		return MEMC_FIRMWARE;
	case EFI_MEMORY_MAPPED_IO:
	case EFI_MEMORY_MAPPED_IO_PORT_SPACE:
		/* Device address space, not RAM (Table 7.10: the OS is to
		 * learn about it from ACPI, not use it as memory). */
		return MEMC_MMIO;
	case EFI_RESERVED_MEMORY:
	case EFI_UNUSABLE_MEMORY:
	case EFI_PERSISTENT_MEMORY:
	case EFI_UNACCEPTED_MEMORY:
	default:
		/*
		 * Reserved: not for the OS. Unusable: has errors.
		 * Persistent: byte-addressable NVDIMM whose contents must
		 * survive us. Unaccepted: must be accepted (TDX/SEV-SNP)
		 * before use, which the core does not implement. Any other
		 * value is a type this code does not know: never use it.
		 */
		return MEMC_RESERVED;
	}
}

static const char *const efi_type_names[] = {
	[EFI_RESERVED_MEMORY] = "reserved",
	[EFI_LOADER_CODE] = "loader-code",
	[EFI_LOADER_DATA] = "loader-data",
	[EFI_BOOT_SERVICES_CODE] = "boot-services-code",
	[EFI_BOOT_SERVICES_DATA] = "boot-services-data",
	[EFI_RUNTIME_SERVICES_CODE] = "runtime-services-code",
	[EFI_RUNTIME_SERVICES_DATA] = "runtime-services-data",
	[EFI_CONVENTIONAL_MEMORY] = "conventional",
	[EFI_UNUSABLE_MEMORY] = "unusable",
	[EFI_ACPI_RECLAIM_MEMORY] = "acpi-reclaim",
	[EFI_ACPI_MEMORY_NVS] = "acpi-nvs",
	[EFI_MEMORY_MAPPED_IO] = "mmio",
	[EFI_MEMORY_MAPPED_IO_PORT_SPACE] = "mmio-port-space",
	[EFI_PAL_CODE] = "pal-code",
	[EFI_PERSISTENT_MEMORY] = "persistent",
	[EFI_UNACCEPTED_MEMORY] = "unaccepted",
};

const char *memmap_type_name(u32 efi_type)
{
	switch (efi_type) {
	case TESSERA_MEM_CORE:
		return "tessera-core";
	case TESSERA_MEM_BOOTINFO:
		return "tessera-bootinfo";
	case TESSERA_MEM_FILES:
		return "tessera-files";
	case TESSERA_MEM_LOWMEM:
		return "tessera-lowmem";
	}
	if (efi_type < ARRAY_SIZE(efi_type_names))
		return efi_type_names[efi_type];
	return "unknown";
}

const char *memmap_class_name(enum mem_class c)
{
	static const char *const names[MEMC_COUNT] = {
		[MEMC_FREE] = "free",
		[MEMC_FREE_LATER] = "free-later",
		[MEMC_TESSERA] = "tessera",
		[MEMC_FIRMWARE] = "firmware",
		[MEMC_MMIO] = "mmio",
		[MEMC_RESERVED] = "reserved",
	};

	if ((unsigned)c < MEMC_COUNT)
		return names[c];
	return "unknown";
}

size_t memmap_count(const struct boot_info *bi)
{
	/* A stride smaller than the descriptor would make entries overlap:
	 * the map is malformed, so treat it as empty (UEFI 2.10, 7.2.3 only
	 * ever grows DescriptorSize). */
	if (bi->mmap_addr == 0 || bi->mmap_desc_size < sizeof(struct efi_memory_descriptor))
		return 0;
	return bi->mmap_size / bi->mmap_desc_size;
}

const struct efi_memory_descriptor *memmap_entry(const struct boot_info *bi, size_t i)
{
	const u8 *base = hpa_to_ptr(bi->mmap_addr);

	if (i >= memmap_count(bi))
		return NULL;
	/* Step by the firmware's stride, not by sizeof: newer firmware
	 * appends fields to each descriptor. */
	return (const struct efi_memory_descriptor *)(base + i * bi->mmap_desc_size);
}

/* Bytes an entry covers, clipped at the top of the address space so a
 * corrupt page count cannot wrap around. */
static u64 entry_bytes(const struct efi_memory_descriptor *d)
{
	u64 room = ~0ull - d->physical_start;

	if (d->number_of_pages > (room >> PAGE_SHIFT))
		return room;
	return d->number_of_pages << PAGE_SHIFT;
}

void memmap_add_class(struct pmm *p, const struct boot_info *bi, enum mem_class c)
{
	size_t i, n = memmap_count(bi);

	for (i = 0; i < n; i++) {
		const struct efi_memory_descriptor *d = memmap_entry(bi, i);

		/* A zero-page entry adds nothing: pmm_add ignores size 0. */
		if (memmap_classify(d->type) == c)
			pmm_add(p, d->physical_start, entry_bytes(d));
	}
}

hpa_t memmap_ram_top(const struct boot_info *bi)
{
	size_t i, n = memmap_count(bi);
	hpa_t top = 0;

	for (i = 0; i < n; i++) {
		const struct efi_memory_descriptor *d = memmap_entry(bi, i);

		/* MMIO (e.g. the flash just below 4 GiB) is not RAM and
		 * would make every machine look like it has 4 GiB. A
		 * zero-page entry covers nothing, wherever it claims to be. */
		if (d->number_of_pages == 0 || memmap_classify(d->type) == MEMC_MMIO)
			continue;
		top = MAX(top, d->physical_start + entry_bytes(d));
	}
	return top;
}

void memmap_summarize(const struct boot_info *bi, struct mem_summary *s)
{
	size_t i, n = memmap_count(bi);

	for (i = 0; i < MEMC_COUNT; i++)
		s->bytes[i] = 0;
	for (i = 0; i < n; i++) {
		const struct efi_memory_descriptor *d = memmap_entry(bi, i);

		s->bytes[memmap_classify(d->type)] += entry_bytes(d);
	}
	s->ram_top = memmap_ram_top(bi);
}
