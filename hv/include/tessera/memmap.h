/*
 * Reading the UEFI memory map that the loader passed in boot_info.
 *
 * Each UEFI memory type falls in one class (see memmap_classify() for why):
 *
 *   MEMC_FREE       conventional memory: free as soon as the core runs
 *   MEMC_FREE_LATER boot-services and loader memory: free too, but it still
 *                   holds the firmware's page tables, GDT and the loader
 *                   until the core has switched to its own (two-phase
 *                   start-up, see hv/main.c)
 *   MEMC_TESSERA    the loader's allocations for us (TESSERA_MEM_*)
 *   MEMC_FIRMWARE   runtime services, ACPI tables and NVS, PAL code: the
 *                   firmware may still use it; never handed out
 *   MEMC_MMIO       device memory
 *   MEMC_RESERVED   reserved, unusable, persistent, unaccepted, unknown
 */
#ifndef TESSERA_MEMMAP_H
#define TESSERA_MEMMAP_H

#include <tessera/types.h>
#include <tessera/bootinfo.h>
#include <tessera/efi_memmap.h>

struct pmm;

enum mem_class {
	MEMC_FREE,
	MEMC_FREE_LATER,
	MEMC_TESSERA,
	MEMC_FIRMWARE,
	MEMC_MMIO,
	MEMC_RESERVED,
	MEMC_COUNT
};

enum mem_class memmap_classify(u32 efi_type);
const char *memmap_type_name(u32 efi_type); /* "conventional", "tessera-core", ... */
const char *memmap_class_name(enum mem_class c);

size_t memmap_count(const struct boot_info *bi);
const struct efi_memory_descriptor *memmap_entry(const struct boot_info *bi, size_t i);

/* Add every entry of class c to the allocator (pmm_add trims below 1 MiB). */
void memmap_add_class(struct pmm *p, const struct boot_info *bi, enum mem_class c);

/* Highest end address of any entry that is not MMIO: how much of the
 * physical address space holds RAM-like memory. */
hpa_t memmap_ram_top(const struct boot_info *bi);

/* Bytes per class. */
struct mem_summary {
	u64 bytes[MEMC_COUNT];
	hpa_t ram_top;
};
void memmap_summarize(const struct boot_info *bi, struct mem_summary *s);

#endif
