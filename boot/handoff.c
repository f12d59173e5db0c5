/*
 * Leaving the firmware: the last memory map, ExitBootServices(), and the
 * jump into the core.
 *
 * ExitBootServices() takes the key of the current memory map and fails
 * with EFI_INVALID_PARAMETER if the map changed since (UEFI 2.10, 7.4.6):
 * any allocation, even by a firmware timer event, makes it stale. So we get
 * the map and exit back to back, and retry a few times. Between a failed
 * ExitBootServices() and the next one only GetMemoryMap() may be called,
 * so the map buffer is allocated once, generously, before the loop.
 */
#include "loader.h"
#include <drivers/uart16550.h>

#define HANDOFF_TRIES 8
#define MMAP_SLACK_DESCRIPTORS 64

typedef void (*core_entry_fn)(struct boot_info *bi) __attribute__((sysv_abi, noreturn));

EFI_STATUS handoff(EFI_HANDLE image, struct boot_info *bi, u64 entry)
{
	UINTN size = 0, key, dsize;
	UINT32 dver;
	EFI_STATUS st;
	hpa_t buf;
	u64 bufsize;

	st = BS->GetMemoryMap(&size, NULL, &key, &dsize, &dver);
	if (st != EFI_BUFFER_TOO_SMALL)
		return st;
	bufsize = size + MMAP_SLACK_DESCRIPTORS * dsize;
	st = alloc_pages(TESSERA_MEM_BOOTINFO, bufsize, 0, &buf);
	if (EFI_ERROR(st))
		return st;

	say("tessera: leaving UEFI boot services\n");
	for (int i = 0; i < HANDOFF_TRIES; i++) {
		size = bufsize;
		st = BS->GetMemoryMap(&size, (EFI_MEMORY_DESCRIPTOR *)(uintptr_t)buf, &key, &dsize,
				      &dver);
		if (EFI_ERROR(st) && i == 0)
			return st; /* nothing given up yet: the caller can still report */
		if (!EFI_ERROR(st))
			st = BS->ExitBootServices(image, key);
		if (st == EFI_SUCCESS)
			break;
	}
	if (EFI_ERROR(st)) {
		/* After a failed ExitBootServices() only GetMemoryMap() and
		 * ExitBootServices() may be called (UEFI 2.10, 7.4.6): no console,
		 * no return to the firmware. The UART is all that is left. */
		const char msg[] = "tessera: ExitBootServices kept failing; halted\n";

		uart_write(bi->serial_port, msg, sizeof(msg) - 1);
		for (;;)
			__asm__ volatile("cli; hlt");
	}

	/* No firmware services from here on: no say(), no allocation. */
	__asm__ volatile("cli");
	bi->mmap_addr = buf;
	bi->mmap_size = size;
	bi->mmap_desc_size = dsize;
	bi->mmap_desc_version = dver;
	((core_entry_fn)(uintptr_t)entry)(bi);
}
