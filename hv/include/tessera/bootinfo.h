/*
 * struct boot_info: the one structure the UEFI loader (boot/) hands to the
 * hypervisor core (hv/, arch/). It is the whole contract between them: the
 * core never calls firmware and never looks at anything the loader did not
 * describe here.
 *
 * The loader fills it in, calls ExitBootServices() and jumps to the core's
 * entry point with a pointer to it in RDI (System V ABI, see
 * arch/x86_64/entry.S). docs/boot.md walks through every field.
 *
 * Everything it points to (this structure, the UEFI memory map, the config
 * text, the loaded files, the AP trampoline page) lives in memory the loader
 * allocated with one of the TESSERA_MEM_* types below, so the core's page
 * allocator can tell it apart from memory that became free at
 * ExitBootServices().
 */
#ifndef TESSERA_BOOTINFO_H
#define TESSERA_BOOTINFO_H

#include <tessera/types.h>
#include <tessera/limits.h>

#define BOOT_INFO_MAGIC 0x4f464e4941525354ull /* "TSRAINFO" */
#define BOOT_INFO_VERSION 1

/*
 * Memory types for the loader's own allocations. UEFI 2.10, 7.2.1 (Table
 * 7.10) leaves 0x80000000..0xFFFFFFFF to OS loaders; the firmware reports them
 * back unchanged in the memory map.
 */
#define TESSERA_MEM_CORE 0x80000000u     /* core image: code, data, bss */
#define TESSERA_MEM_BOOTINFO 0x80000001u /* boot_info, memory map, config */
#define TESSERA_MEM_FILES 0x80000002u    /* files the config names */
#define TESSERA_MEM_LOWMEM 0x80000003u   /* AP start-up page below 1 MiB */

enum boot_file_status {
	BOOT_FILE_OK = 0,
	BOOT_FILE_NOT_FOUND = 1,  /* no such file on the ESP */
	BOOT_FILE_READ_ERROR = 2, /* firmware failed to read it */
	BOOT_FILE_NO_MEMORY = 3,  /* no memory to hold it */
};

/* One file named by the config (kernel, module, initrd), loaded or not. */
struct boot_file {
	char path[PATH_MAX_LEN]; /* as written in the config */
	hpa_t addr;              /* page aligned; 0 unless status is OK */
	u64 size;                /* bytes */
	u32 status;              /* enum boot_file_status */
	u32 reserved;
};

#define BOOT_CPU_BSP (1u << 0)     /* the CPU the loader ran on */
#define BOOT_CPU_ENABLED (1u << 1) /* firmware says it is usable */

/* One CPU as UEFI MP Services reported it (PI spec 1.7, vol. 2, 13.4). */
struct boot_cpu {
	u32 apic_id;
	u32 flags; /* BOOT_CPU_* */
};

struct boot_info {
	u64 magic;   /* BOOT_INFO_MAGIC */
	u32 version; /* BOOT_INFO_VERSION */
	u32 size;    /* sizeof(struct boot_info), to catch mismatched builds */

	/*
	 * The UEFI memory map exactly as GetMemoryMap() returned it for the
	 * ExitBootServices() call that succeeded (UEFI 2.10, 7.2.3). Entries
	 * are mmap_desc_size apart, which may exceed the descriptor struct.
	 */
	hpa_t mmap_addr;
	u64 mmap_size;
	u64 mmap_desc_size;
	u32 mmap_desc_version;
	u32 reserved0;

	hpa_t acpi_rsdp; /* ACPI 2.0+ RSDP, or 1.0 if only that; 0 if none */

	hpa_t core_base; /* where the core image was loaded */
	u64 core_size;

	hpa_t trampoline; /* one page below 1 MiB for AP start-up; 0 if none */

	u64 tsc_hz; /* TSC ticks per second, measured against firmware Stall() */

	u16 serial_port; /* 16550 I/O base the loader used, e.g. 0x3f8 */
	u16 reserved1;
	u32 serial_baud;

	/* The config file: its path on the ESP and its text (NUL-terminated). */
	char config_path[PATH_MAX_LEN];
	hpa_t config_addr;
	u64 config_size; /* bytes, not counting the NUL */

	u32 nfiles;
	u32 ncpus; /* from UEFI MP Services; 0 if the protocol is missing */
	struct boot_file files[MAX_BOOT_FILES];
	struct boot_cpu cpus[MAX_CPUS];

	char loader_version[32];
};

#endif
