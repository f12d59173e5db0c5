/*
 * Building the CPU list (struct cpu_list) from the ACPI MADT or from the
 * loader's UEFI MP Services list, and choosing between the two.
 *
 * Index 0 is always the BSP; the rest keep their source's order, so the
 * config's "cpus = 1-2" names the same CPUs on every boot of one machine.
 */
#include <tessera/cpus.h>
#include <tessera/acpi.h>
#include <tessera/bootinfo.h>
#include <tessera/diag.h>
#include <tessera/types.h>

/* diag may be NULL when a second source is built only for comparison. */
#define cpus_err(d, ...)                                                                           \
	do {                                                                                       \
		if (d)                                                                             \
			diag_error(d, __VA_ARGS__);                                                \
	} while (0)
#define cpus_note(d, ...)                                                                          \
	do {                                                                                       \
		if (d)                                                                             \
			diag_note(d, __VA_ARGS__);                                                 \
	} while (0)

const char *cpu_source_name(enum cpu_source s)
{
	switch (s) {
	case CPUS_FROM_MADT:
		return "ACPI MADT";
	case CPUS_FROM_MP_SERVICES:
		return "UEFI MP Services";
	case CPUS_FROM_NONE:
		break;
	}
	return "none";
}

struct isa_irq_route cpus_irq0;

int cpus_index_of(const struct cpu_list *l, u32 apic_id)
{
	for (unsigned i = 0; i < l->count && i < MAX_CPUS; i++)
		if (l->apic_id[i] == apic_id)
			return (int)i;
	return -1;
}

static void list_init(struct cpu_list *out, enum cpu_source src, u32 bsp)
{
	out->count = 1;
	out->source = src;
	out->apic_id[0] = bsp;
	out->irq0.valid = false;
}

/* Append apic_id unless already listed (the BSP is listed first). */
static void list_add(struct cpu_list *out, u32 apic_id)
{
	if (cpus_index_of(out, apic_id) >= 0)
		return;
	if (out->count < MAX_CPUS)
		out->apic_id[out->count++] = apic_id;
}

static void list_clear(struct cpu_list *out)
{
	out->count = 0;
	out->source = CPUS_FROM_NONE;
	out->irq0.valid = false;
}

bool cpus_from_boot_info(const struct boot_info *bi, struct cpu_list *out, struct diag *d)
{
	unsigned n = bi->ncpus, bsp = n, nbsp = 0;

	list_clear(out);
	if (n == 0) {
		cpus_err(d, "UEFI MP Services: no CPU list");
		return false;
	}
	if (n > MAX_CPUS) {
		cpus_note(d, "UEFI MP Services: %u CPUs, only the first %u are used", n, MAX_CPUS);
		n = MAX_CPUS;
	}
	for (unsigned i = 0; i < n; i++) {
		if (bi->cpus[i].flags & BOOT_CPU_BSP) {
			if (nbsp++ == 0)
				bsp = i;
		}
	}
	if (nbsp != 1) {
		cpus_err(d, "UEFI MP Services: %u CPUs are marked as the BSP, expected 1", nbsp);
		return false;
	}

	/* The BSP is the CPU running this code, so it is usable whatever its
	 * Enabled flag says (PI 1.7 vol. 2, 13.4: EFI_PROCESSOR_INFORMATION). */
	list_init(out, CPUS_FROM_MP_SERVICES, bi->cpus[bsp].apic_id);
	for (unsigned i = 0; i < n; i++) {
		const struct boot_cpu *c = &bi->cpus[i];

		if (i == bsp || !(c->flags & BOOT_CPU_ENABLED))
			continue;
		if (cpus_index_of(out, c->apic_id) >= 0) {
			cpus_note(d, "UEFI MP Services: APIC ID %u listed twice, ignored",
				  c->apic_id);
			continue;
		}
		list_add(out, c->apic_id);
	}
	return true;
}

bool cpus_from_madt(const struct madt_info *madt, u32 bsp_apic_id, struct cpu_list *out,
		    struct diag *d)
{
	unsigned n = MIN(madt->ncpus, (unsigned)MAX_CPUS);
	bool bsp_found = false;

	list_clear(out);
	for (unsigned i = 0; i < n; i++) {
		if (madt->cpus[i].enabled && madt->cpus[i].apic_id == bsp_apic_id)
			bsp_found = true;
	}
	if (!bsp_found) {
		cpus_err(d, "MADT: the BSP (APIC ID %u) is not an enabled entry", bsp_apic_id);
		return false;
	}

	list_init(out, CPUS_FROM_MADT, bsp_apic_id);
	for (unsigned i = 0; i < n; i++) {
		const struct madt_cpu *c = &madt->cpus[i];

		if (!c->enabled || c->apic_id == bsp_apic_id)
			continue;
		if (cpus_index_of(out, c->apic_id) >= 0) {
			cpus_note(d, "MADT: APIC ID %u listed twice, ignored", c->apic_id);
			continue;
		}
		list_add(out, c->apic_id);
	}
	madt_isa_route(madt, 0, &out->irq0);
	return true;
}

/* Same set of APIC IDs, order aside. Both lists are duplicate-free. */
static bool same_cpu_set(const struct cpu_list *a, const struct cpu_list *b)
{
	if (a->count != b->count)
		return false;
	for (unsigned i = 0; i < a->count; i++)
		if (cpus_index_of(b, a->apic_id[i]) < 0)
			return false;
	return true;
}

/* The MADT list, or false when there is no RSDP, no MADT, or it is unusable. */
static bool discover_madt(hpa_t rsdp, u32 bsp_apic_id, struct cpu_list *out, struct diag *d)
{
	const struct acpi_sdt_header *h;
	struct madt_info madt;

	if (rsdp == 0)
		return false;
	h = acpi_find_table(rsdp, "APIC", d);
	if (!h) {
		cpus_note(d, "ACPI: no usable MADT");
		return false;
	}
	if (!madt_parse(h, &madt, d))
		return false;
	return cpus_from_madt(&madt, bsp_apic_id, out, d);
}

bool cpus_discover(const struct boot_info *bi, u32 bsp_apic_id, struct cpu_list *out,
		   struct diag *d)
{
	struct cpu_list mp;
	bool have_mp;

	if (discover_madt(bi->acpi_rsdp, bsp_apic_id, out, d)) {
		/* Built only to cross-check: its own complaints do not matter. */
		have_mp = bi->ncpus > 0 && cpus_from_boot_info(bi, &mp, NULL);
		if (have_mp && !same_cpu_set(out, &mp))
			cpus_note(d,
				  "CPUs: ACPI MADT lists %u enabled CPUs and UEFI MP Services %u, "
				  "with different APIC IDs; using the MADT",
				  out->count, mp.count);
		return true;
	}

	if (bi->acpi_rsdp != 0)
		cpus_note(d, "CPUs: MADT unusable, using UEFI MP Services");
	if (cpus_from_boot_info(bi, out, d)) {
		if (out->apic_id[0] != bsp_apic_id)
			cpus_note(d, "CPUs: UEFI MP Services' BSP has APIC ID %u, this CPU %u",
				  out->apic_id[0], bsp_apic_id);
		return true;
	}
	list_clear(out);
	cpus_err(d, "CPUs: neither the ACPI MADT nor UEFI MP Services gives a CPU list");
	return false;
}
