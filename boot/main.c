/*
 * The Tessera UEFI loader: efi_main reads as the boot sequence.
 *
 *   banner -> config -> guest files -> ACPI RSDP -> CPUs (MP Services)
 *   -> TSC rate -> AP start-up page -> core image -> memory map
 *   -> ExitBootServices -> core
 *
 * Anything that goes wrong before ExitBootServices is reported by name and
 * the loader returns to the firmware, which then tries its next boot
 * option or shows its menu: the machine is never left hanging.
 */
#include "loader.h"
#include <tessera/config.h>
#include <tessera/format.h>
#include <tessera/string.h>
#include <tessera/version.h>

#define TSC_MEASURE_US 20000 /* 20 ms against the firmware's Stall() */

static struct config cfg;
static struct diag diag;

static EFI_STATUS fail(EFI_STATUS st)
{
	say("tessera: returning to the firmware\n");
	return st;
}

/* Load each distinct file the config names; a file that cannot be loaded
 * is recorded with its status so the core fails that partition only. */
static void add_file(struct boot_info *bi, const char *path)
{
	struct boot_file *f;
	EFI_STATUS st;

	for (u32 i = 0; i < bi->nfiles; i++)
		if (str_eq_nocase(bi->files[i].path, path))
			return;
	if (bi->nfiles == MAX_BOOT_FILES) {
		say("tessera: more than %d files in the config; %s not loaded\n", MAX_BOOT_FILES,
		    path);
		return;
	}
	f = &bi->files[bi->nfiles++];
	str_copy(f->path, path, sizeof(f->path));
	st = file_read(path, TESSERA_MEM_FILES, &f->addr, &f->size);
	if (st == EFI_SUCCESS) {
		f->status = BOOT_FILE_OK;
		say("tessera: loaded %s (%llu KiB)\n", path, (unsigned long long)(f->size + 1023) / 1024);
		return;
	}
	f->addr = f->size = 0;
	f->status = st == EFI_NOT_FOUND	     ? BOOT_FILE_NOT_FOUND :
		    st == EFI_OUT_OF_RESOURCES ? BOOT_FILE_NO_MEMORY :
						 BOOT_FILE_READ_ERROR;
	say("tessera: cannot load %s: %s (its partition will not start)\n", path,
	    efi_status_name(st));
}

static void load_files(struct boot_info *bi)
{
	for (unsigned p = 0; p < cfg.npartitions; p++) {
		struct cfg_partition *part = &cfg.part[p];

		if (part->kernel[0])
			add_file(bi, part->kernel);
		for (unsigned m = 0; m < part->nmodules; m++)
			add_file(bi, part->modules[m]);
	}
}

static hpa_t find_rsdp(void)
{
	EFI_GUID acpi20 = ACPI_20_TABLE_GUID, acpi10 = ACPI_TABLE_GUID;
	hpa_t v1 = 0;

	for (UINTN i = 0; i < ST->NumberOfTableEntries; i++) {
		EFI_CONFIGURATION_TABLE *t = &ST->ConfigurationTable[i];

		if (!CompareGuid(&t->VendorGuid, &acpi20))
			return (hpa_t)(uintptr_t)t->VendorTable;
		if (!CompareGuid(&t->VendorGuid, &acpi10))
			v1 = (hpa_t)(uintptr_t)t->VendorTable;
	}
	return v1;
}

static u64 measure_tsc_hz(void)
{
	u32 lo, hi;
	u64 t0, t1;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	t0 = ((u64)hi << 32) | lo;
	BS->Stall(TSC_MEASURE_US);
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	t1 = ((u64)hi << 32) | lo;
	return (t1 - t0) * (1000000 / TSC_MEASURE_US);
}

EFI_STATUS efi_main(EFI_HANDLE image, EFI_SYSTEM_TABLE *systab)
{
	struct boot_info *bi;
	hpa_t bi_addr;
	EFI_STATUS st;
	u64 entry;

	InitializeLib(image, systab);
	BS->SetWatchdogTimer(0, 0, 0, NULL); /* we may take longer than 5 minutes */
	say_init(0x3f8, 115200);
	say("\nTessera %s - partitioning hypervisor - UEFI loader\n", TESSERA_VERSION);

	st = alloc_pages(TESSERA_MEM_BOOTINFO, sizeof(*bi), 0, &bi_addr);
	if (EFI_ERROR(st)) {
		say("tessera: no memory for boot info: %s\n", efi_status_name(st));
		return fail(st);
	}
	bi = (struct boot_info *)(uintptr_t)bi_addr;
	bi->magic = BOOT_INFO_MAGIC;
	bi->version = BOOT_INFO_VERSION;
	bi->size = sizeof(*bi);
	str_copy(bi->loader_version, TESSERA_VERSION, sizeof(bi->loader_version));

	st = volume_open(image);
	if (EFI_ERROR(st)) {
		say("tessera: cannot open the volume the loader was started from: %s\n",
		    efi_status_name(st));
		return fail(st);
	}
	str_copy(bi->config_path, LOADER_CONFIG_PATH, sizeof(bi->config_path));
	st = file_read(LOADER_CONFIG_PATH, TESSERA_MEM_BOOTINFO, &bi->config_addr,
		       &bi->config_size);
	if (EFI_ERROR(st)) {
		say("tessera: cannot read config %s: %s\n", LOADER_CONFIG_PATH,
		    efi_status_name(st));
		return fail(st);
	}
	/* Errors are the core's to report (it knows the machine); here we
	 * only need the serial port and the file names. */
	diag_init(&diag);
	config_parse(&cfg, LOADER_CONFIG_PATH, (const char *)(uintptr_t)bi->config_addr,
		     bi->config_size, &diag);
	bi->serial_port = cfg.hv.serial_port;
	bi->serial_baud = cfg.hv.baud;
	say_init(bi->serial_port, bi->serial_baud); /* from here on, the configured port */
	say("tessera: config %s: %u partition%s\n", LOADER_CONFIG_PATH, cfg.npartitions,
	    cfg.npartitions == 1 ? "" : "s");
	load_files(bi);

	bi->acpi_rsdp = find_rsdp();
	mp_list_cpus(bi);
	bi->tsc_hz = measure_tsc_hz();
	say("tessera: acpi %s, %u cpus from MP Services, tsc %llu MHz\n",
	    bi->acpi_rsdp ? "present" : "absent", bi->ncpus,
	    (unsigned long long)(bi->tsc_hz / 1000000));

	/* A page below 1 MiB: APs start in real mode (SDM Vol. 3A 9.4.4.1). */
	st = alloc_pages(TESSERA_MEM_LOWMEM, EFI_PAGE_SIZE, 0x9ffff, &bi->trampoline);
	if (EFI_ERROR(st)) {
		say("tessera: no page below 1 MiB for starting CPUs; only this CPU will run\n");
		bi->trampoline = 0;
	}

	st = core_load(bi, &entry);
	if (EFI_ERROR(st))
		return fail(st);
	say("tessera: core at 0x%llx (%llu KiB)\n", (unsigned long long)bi->core_base,
	    (unsigned long long)(bi->core_size / 1024));

	st = handoff(image, bi, entry);
	say("tessera: cannot read the memory map: %s\n", efi_status_name(st));
	return fail(st);
}
