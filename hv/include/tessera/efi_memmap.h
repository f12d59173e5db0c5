/*
 * The UEFI memory map, as the core reads it from boot_info.
 *
 * The core does not include gnu-efi, so the two things it needs from the
 * UEFI spec are restated here: the descriptor layout (UEFI 2.10, 7.2.3,
 * EFI_MEMORY_DESCRIPTOR) and the memory type numbers (7.2.1, Table 7.10).
 */
#ifndef TESSERA_EFI_MEMMAP_H
#define TESSERA_EFI_MEMMAP_H

#include <tessera/types.h>

enum efi_memory_type {
	EFI_RESERVED_MEMORY = 0,
	EFI_LOADER_CODE = 1,
	EFI_LOADER_DATA = 2,
	EFI_BOOT_SERVICES_CODE = 3,
	EFI_BOOT_SERVICES_DATA = 4,
	EFI_RUNTIME_SERVICES_CODE = 5,
	EFI_RUNTIME_SERVICES_DATA = 6,
	EFI_CONVENTIONAL_MEMORY = 7,
	EFI_UNUSABLE_MEMORY = 8,
	EFI_ACPI_RECLAIM_MEMORY = 9,
	EFI_ACPI_MEMORY_NVS = 10,
	EFI_MEMORY_MAPPED_IO = 11,
	EFI_MEMORY_MAPPED_IO_PORT_SPACE = 12,
	EFI_PAL_CODE = 13,
	EFI_PERSISTENT_MEMORY = 14,
	EFI_UNACCEPTED_MEMORY = 15,
};

struct efi_memory_descriptor {
	u32 type;
	u32 pad;
	u64 physical_start;
	u64 virtual_start;
	u64 number_of_pages; /* 4 KiB pages */
	u64 attribute;
};

#endif
