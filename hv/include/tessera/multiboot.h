/*
 * Booting a Multiboot v1 kernel in a partition: placing the kernel,
 * its modules and the multiboot information structure in guest memory.
 * (Multiboot Specification 0.6.96, sections 3.1 "OS image format",
 * 3.2 "Machine state", 3.3 "Boot information format".)
 *
 * Portable and host-tested: guest memory is given as a host pointer to
 * guest-physical 0 and a size, as the hypervisor holds it (one contiguous
 * block per partition).
 *
 * Guest-physical layout this produces:
 *
 *   0x00000000  +-----------------------------+
 *               | (free: real-mode IVT area)  |
 *   0x00001000  | multiboot info, cmdline,    |  MB_INFO_BASE .. MB_INFO_END
 *               | mmap, module list, strings  |
 *   0x00008000  | (free for the guest, e.g.   |
 *               |  an AP trampoline)          |
 *   0x0009f000  | firmware tables (written by |  GUEST_ACPI_TABLES_GPA: ACPI
 *               |  the caller after the load) |  memory in the memory map
 *   0x000a0000  +-----------------------------+
 *               | legacy area: the VGA and    |  MB_HOLE_START .. MB_HOLE_END,
 *               | ROM hole (NOT mapped), then |  reserved in the memory map
 *               | the BIOS area (RSDP copy)   |  (tessera/guest_layout.h)
 *   0x00100000  +-----------------------------+
 *               | kernel segments (by paddr)  |
 *               | modules (page aligned)      |
 *               | free                        |
 *   size        +-----------------------------+
 */
#ifndef TESSERA_MULTIBOOT_H
#define TESSERA_MULTIBOOT_H

#include <tessera/types.h>
#include <tessera/limits.h>

#define MB_BOOTLOADER_MAGIC 0x2badb002u /* in EAX at entry (spec 3.2) */
#define MB_HEADER_MAGIC 0x1badb002u
#define MB_HEADER_SEARCH 8192 /* header within the first 8 KiB, 4-byte aligned */

#define MB_INFO_BASE 0x1000ull
#define MB_INFO_END 0x8000ull
#define MB_HOLE_START 0xa0000ull
#define MB_HOLE_END 0x100000ull

struct mb_module_src {
	const void *data;
	u64 size;
	const char *string; /* the module's string in the info (its path) */
};

struct mb_boot {
	u32 entry;    /* EIP at entry */
	u32 mbi;      /* EBX at entry: guest-physical address of the info */
	u64 kernel_lo, kernel_hi; /* guest-physical span the kernel occupies */
	u64 modules_hi;           /* end of the last module (== kernel_hi if none) */
};

/*
 * Load kernel (an ELF32/ELF64 file with a multiboot header, or any file
 * whose header sets flag 16 and gives load addresses) into guest memory
 * [gm, gm + size), its modules after it, and build the info structure
 * (flags: mem_lower/upper, cmdline, mods, mmap, boot_loader_name
 * "Tessera"). The memory map is the Multiboot layout's
 * (mb_memory_map(), tessera/mb_load.h), with the page at
 * GUEST_ACPI_TABLES_GPA as ACPI memory: the caller writes the partition's
 * firmware tables there after the load (platform_build_tables()), and
 * mem_lower ends below it. Guest memory is zeroed first, so a restart
 * boots from a clean slate. A size with no layout (above 4076 MiB) is
 * refused with the layout's reason. On failure returns false with a one-line reason in
 * err[errlen], e.g. "no multiboot header in the first 8 KiB",
 * "segment at 0x200000..0x900000 does not fit in 4 MiB of memory",
 * "header flag bit 2 (video mode) is not supported". Kernel flag bit 2
 * (video) is refused; unknown bits in the low 16 ("required") are refused
 * as the spec requires.
 */
bool multiboot_load(u8 *gm, u64 size, const void *kernel, size_t ksize, const char *cmdline,
		    const struct mb_module_src *mods, unsigned nmods, struct mb_boot *out,
		    char *err, size_t errlen);

#endif
