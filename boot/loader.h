/*
 * The UEFI loader's internal interface. Only boot/ includes gnu-efi; the
 * result of everything here is one struct boot_info for the core.
 */
#ifndef BOOT_LOADER_H
#define BOOT_LOADER_H

#include <efi.h>
#include <efilib.h>
#include <tessera/bootinfo.h>

#define LOADER_CONFIG_PATH "\\tessera\\tessera.cfg"

/* say.c: one line to the UEFI console and the serial port. */
void say_init(u16 serial_port, u32 baud);
void say(const char *fmt, ...) __printf(1, 2);
const char *efi_status_name(EFI_STATUS s);

/* files.c: the volume the loader was started from. */
EFI_STATUS volume_open(EFI_HANDLE image);
/* Read a whole file into pages of memory type mtype; adds a NUL after it. */
EFI_STATUS file_read(const char *path, UINT32 mtype, hpa_t *addr, u64 *size);

/* mp.c: CPUs from UEFI MP Services (PI 1.7 vol. 2, 13.4). */
void mp_list_cpus(struct boot_info *bi);

/* core_image.c: place the embedded core and return its entry point. */
EFI_STATUS core_load(struct boot_info *bi, u64 *entry);

/* handoff.c: final memory map, ExitBootServices, jump. Returns only when
 * the memory map could not be read before anything was given up (boot
 * services still available); halts if ExitBootServices keeps failing. */
EFI_STATUS handoff(EFI_HANDLE image, struct boot_info *bi, u64 entry);

/* Pages of memory of a Tessera type, zeroed. */
EFI_STATUS alloc_pages(UINT32 mtype, u64 bytes, EFI_PHYSICAL_ADDRESS max, hpa_t *out);

#endif
