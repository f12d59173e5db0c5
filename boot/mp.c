/*
 * The list of CPUs from UEFI MP Services (PI spec 1.7, vol. 2, 13.4,
 * EFI_MP_SERVICES_PROTOCOL). gnu-efi does not define this protocol, so the
 * parts we call are declared here.
 *
 * Why MP Services and not only ACPI: firmware without ACPI tables exists
 * (Debian's OVMF under Bochs publishes none), but every UEFI
 * implementation that starts APs itself offers this protocol.
 */
#include "loader.h"

static EFI_GUID mp_services_guid = { 0x3fdda605, 0xa76e, 0x4f46,
				     { 0xad, 0x29, 0x12, 0xf4, 0x53, 0x1b, 0x3d, 0x08 } };

#define PROCESSOR_AS_BSP_BIT 0x1
#define PROCESSOR_ENABLED_BIT 0x2

typedef struct {
	UINT64 ProcessorId; /* the local APIC ID */
	UINT32 StatusFlag;
	UINT32 Package, Core, Thread;
	/* PI 1.7 appends extended topology information; firmware fills it
	 * only when asked, but leave room in case it writes it anyway. */
	UINT8 extended[64];
} mp_processor_info;

typedef struct mp_services mp_services;
struct mp_services {
	EFI_STATUS(EFIAPI *GetNumberOfProcessors)(mp_services *self, UINTN *count, UINTN *enabled);
	EFI_STATUS(EFIAPI *GetProcessorInfo)(mp_services *self, UINTN n, mp_processor_info *info);
	/* StartupAllAPs, StartupThisAP, SwitchBSP, EnableDisableAP, WhoAmI
	 * follow; the loader does not use them. */
};

void mp_list_cpus(struct boot_info *bi)
{
	mp_services *mp;
	UINTN count, enabled;

	bi->ncpus = 0;
	if (EFI_ERROR(BS->LocateProtocol(&mp_services_guid, NULL, (void **)&mp))) {
		say("tessera: firmware has no MP Services protocol; the core will rely on ACPI\n");
		return;
	}
	if (EFI_ERROR(mp->GetNumberOfProcessors(mp, &count, &enabled)))
		return;
	for (UINTN i = 0; i < count && bi->ncpus < MAX_CPUS; i++) {
		mp_processor_info info;

		if (EFI_ERROR(mp->GetProcessorInfo(mp, i, &info)))
			continue;
		bi->cpus[bi->ncpus].apic_id = (u32)info.ProcessorId;
		bi->cpus[bi->ncpus].flags =
			((info.StatusFlag & PROCESSOR_AS_BSP_BIT) ? BOOT_CPU_BSP : 0) |
			((info.StatusFlag & PROCESSOR_ENABLED_BIT) ? BOOT_CPU_ENABLED : 0);
		bi->ncpus++;
	}
	if (count > MAX_CPUS)
		say("tessera: %lu CPUs present, Tessera uses the first %d\n", (unsigned long)count,
		    MAX_CPUS);
}
