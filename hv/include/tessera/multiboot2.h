/*
 * Booting a Multiboot2 kernel in a partition: placing the kernel, its
 * modules and the boot information in guest memory. (Multiboot2
 * Specification 2.0, sections 3.1 "OS image format", 3.1.1 "Header
 * layout", 3.1.3 "General tag structure" and the header tags after it,
 * 3.3 "I386 machine state", 3.6 "Boot information format".)
 *
 * Portable and host-tested, like the Multiboot v1 loader (tessera/
 * multiboot.h), and with the same guest-physical layout: the boot
 * information goes in [MB_INFO_BASE, MB_INFO_END), the kernel by its
 * physical addresses above 1 MiB, the modules page aligned after it. The
 * memory map tells the guest the same RAM and holes as v1.
 *
 * Machine state at entry (spec 3.3) is v1's with another magic: 32-bit
 * protected mode, paging off, flat 4 GiB CS/DS/ES/FS/GS/SS, A20 on,
 * EFLAGS.VM and IF clear, EAX = MB2_BOOTLOADER_MAGIC, EBX = out->mbi
 * (8-byte aligned, spec 3.6.1). The caller sets it, as for v1.
 *
 * v1 or v2? A kernel may carry both headers (kernels that GRUB boots both
 * ways often do). The caller asks multiboot2_detect() first and, when it
 * says yes, uses Multiboot2 and only Multiboot2: the v2 header is the
 * newer, more explicit request (it is what GRUB's `multiboot2` command
 * reads), and only v2 carries the ACPI RSDP, which is how a partition's
 * guest is told where its own tables are (a v1 kernel has to scan for
 * the RSDP's copy in the BIOS area, tessera/guest_layout.h). A v2 load that fails is reported; it does
 * not fall back to v1, so the same file always boots the same way.
 */
#ifndef TESSERA_MULTIBOOT2_H
#define TESSERA_MULTIBOOT2_H

#include <tessera/multiboot.h> /* MB_INFO_*, MB_HOLE_*, mb_module_src, mb_boot */
#include <tessera/types.h>

#define MB2_BOOTLOADER_MAGIC 0x36d76289u /* in EAX at entry (spec 3.3) */
#define MB2_HEADER_MAGIC 0xe85250d6u
#define MB2_HEADER_SEARCH 32768 /* header wholly within the first 32 KiB (3.1.1) */
#define MB2_HEADER_ALIGN 8      /* ... and 64-bit aligned */
#define MB2_RSDP_MAX 64         /* largest RSDP copied (ACPI 6.5's is 36 bytes) */

/*
 * True if the first 32 KiB of kernel[ksize] hold a Multiboot2 header: the
 * magic, 8-byte aligned, with a checksum that makes magic + architecture +
 * header_length + checksum zero. The rest (architecture, tags) is checked
 * by multiboot2_load(), which then says what is wrong with it.
 */
bool multiboot2_detect(const void *kernel, size_t ksize);

/*
 * Load kernel (an ELF32/ELF64 file with a Multiboot2 header, or any file
 * whose header has an address tag and an entry address tag) into guest
 * memory [gm, gm + size), its modules after it, and build the boot
 * information there: command line, boot loader name "Tessera", one module
 * tag per module, basic memory information, memory map, the ACPI RSDP
 * when given, the image load base when the header has a relocatable tag.
 * Guest memory is zeroed first, so a restart boots from a clean slate.
 *
 * rsdp[rsdp_len] is the partition's RSDP (ACPI 6.5, 5.2.5.3), or NULL/0
 * for none. It is copied verbatim into the "ACPI new RSDP" tag (15) when
 * its revision is 2 or more (then rsdp_len is its Length field, at most
 * MB2_RSDP_MAX), or into the "ACPI old RSDP" tag (14) when its revision is
 * 0 (then rsdp_len is 20). It is read before guest memory is zeroed, so it
 * may point anywhere, guest memory included; the tables it points to are
 * the caller's to write, after this returns.
 *
 * On failure returns false with a one-line reason in err[errlen] and guest
 * memory as it was, e.g. "multiboot2 header at offset 0x80 has a bad
 * checksum: ...", "multiboot2 header tag type 5 (framebuffer) at offset
 * 0x98 is required, but a partition has no framebuffer". Refused: an
 * architecture other than 0 (i386), required tags for a framebuffer, a
 * console, EFI boot services or EFI entry points, a required information
 * request for a tag type the spec does not define, any required header tag
 * this loader does not know. A relocatable image (tag 10) is not
 * relocated: it is loaded at its link address, which must satisfy the
 * tag's min_addr, max_addr and align (preference is moot), and the kernel
 * is told that address in the image load base tag (21).
 */
bool multiboot2_load(u8 *gm, u64 size, const void *kernel, size_t ksize, const char *cmdline,
		     const struct mb_module_src *mods, unsigned nmods, const void *rsdp,
		     size_t rsdp_len, struct mb_boot *out, char *err, size_t errlen);

#endif
