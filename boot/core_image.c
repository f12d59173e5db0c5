/*
 * Placing the hypervisor core.
 *
 * The core is a static position-independent ELF executable (linked by
 * linker.ld at address 0) embedded in this EFI binary (core_blob.S), so
 * the user has one file to install. We copy its segments into pages UEFI
 * gives us, wherever they are, and apply its R_X86_64_RELATIVE
 * relocations for that address: no fixed physical address has to be free.
 */
#include "loader.h"
#include <tessera/elf.h>

extern const u8 core_blob_start[], core_blob_end[];

EFI_STATUS core_load(struct boot_info *bi, u64 *entry)
{
	size_t size = (size_t)(core_blob_end - core_blob_start);
	struct elf_info info;
	const char *err;
	EFI_STATUS st;
	hpa_t base;

	if (!elf_parse(core_blob_start, size, &info, &err)) {
		say("tessera: embedded core is not a valid ELF image: %s\n", err);
		return EFI_LOAD_ERROR;
	}
	/* 2 MiB alignment is not needed; a page is. */
	st = alloc_pages(TESSERA_MEM_CORE, info.vhi - info.vlo, 0, &base);
	if (EFI_ERROR(st)) {
		say("tessera: no memory for the core (%llu KiB): %s\n",
		    (unsigned long long)((info.vhi - info.vlo) / 1024), efi_status_name(st));
		return st;
	}
	elf_load_by_vaddr(core_blob_start, &info, (void *)(uintptr_t)base);
	if (!elf_relocate(&info, (void *)(uintptr_t)base, base, &err)) {
		say("tessera: cannot relocate the core: %s\n", err);
		return EFI_LOAD_ERROR;
	}
	bi->core_base = base;
	bi->core_size = info.vhi - info.vlo;
	*entry = base + info.entry - info.vlo;
	return EFI_SUCCESS;
}
