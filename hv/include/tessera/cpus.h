/*
 * The list of CPUs Tessera runs on, and where it came from.
 *
 * CPU index i (what "cpus = 1-2" in the config means) is the position in
 * this list. Index 0 is always the bootstrap processor (the CPU the loader
 * ran on); the others follow in the order the source lists them.
 *
 * Sources, in order of preference:
 *   1. the ACPI MADT, when the firmware has one (QEMU, real machines):
 *      enabled Local APIC / x2APIC entries;
 *   2. UEFI MP Services, which the loader queried (always present on
 *      OVMF, including under Bochs where there is no ACPI at all).
 */
#ifndef TESSERA_CPUS_H
#define TESSERA_CPUS_H

#include <tessera/types.h>
#include <tessera/limits.h>
#include <tessera/bootinfo.h>
#include <tessera/acpi.h>
#include <tessera/diag.h>

enum cpu_source { CPUS_FROM_NONE, CPUS_FROM_MADT, CPUS_FROM_MP_SERVICES };

struct cpu_list {
	unsigned count;
	enum cpu_source source;
	u32 apic_id[MAX_CPUS]; /* apic_id[0] is the BSP */
	/* The machine's PIT (ISA IRQ 0) at its I/O APIC, from the MADT:
	 * invalid without one (UEFI MP Services only). */
	struct isa_irq_route irq0;
};

const char *cpu_source_name(enum cpu_source s); /* "ACPI MADT", "UEFI MP Services" */

/* From the loader's MP Services list: enabled CPUs, BSP first. Returns
 * false if the list is empty or has no BSP. */
bool cpus_from_boot_info(const struct boot_info *bi, struct cpu_list *out, struct diag *d);

/* From a parsed MADT: enabled entries, with bsp_apic_id moved to index 0.
 * Returns false if no entry is enabled or the BSP is not among them. */
bool cpus_from_madt(const struct madt_info *madt, u32 bsp_apic_id, struct cpu_list *out,
		    struct diag *d);

/* The whole decision: MADT if rsdp != 0 and it parses and contains the
 * BSP, else MP Services. When both exist and disagree on the set of APIC
 * IDs a note goes to d. Returns false if neither source gives a list. */
bool cpus_discover(const struct boot_info *bi, u32 bsp_apic_id, struct cpu_list *out,
		   struct diag *d);

/* The boot CPU list's irq0, kept for the arch code (hv/main.c). */
extern struct isa_irq_route cpus_irq0;

/* Index of apic_id in the list, or -1. */
int cpus_index_of(const struct cpu_list *l, u32 apic_id);

#endif
