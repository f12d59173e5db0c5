/*
 * Just enough ACPI to list the CPUs and the I/O APICs: RSDP -> XSDT (or
 * RSDT) -> MADT. ACPI 6.5: 5.2.5 (RSDP), 5.2.7 (RSDT), 5.2.8 (XSDT),
 * 5.2.12 (MADT), 5.2.12.2 (Processor Local APIC), 5.2.12.3 (I/O APIC),
 * 5.2.12.5 (Interrupt Source Override), 5.2.12.12 (Processor Local x2APIC).
 * The machine's I/O APICs are only recorded (the hypervisor does not
 * drive them yet); the unit tests also read a partition's own MADT back
 * with this parser (hv/acpi_build.c).
 *
 * Every table's checksum is verified; a bad table is reported and ignored.
 * Nothing here is required to boot: firmware without ACPI (OVMF under
 * Bochs) leaves acpi_rsdp at 0 and the core uses UEFI MP Services' list.
 *
 * Tables are read through hpa_to_ptr(): the firmware's tables sit in
 * ACPI-reclaim/NVS memory, which the hypervisor keeps mapped 1:1 and never
 * hands out.
 */
#ifndef TESSERA_ACPI_H
#define TESSERA_ACPI_H

#include <tessera/types.h>
#include <tessera/limits.h>
#include <tessera/diag.h>

struct acpi_sdt_header {
	char signature[4];
	u32 length;
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;       /* first 20 bytes */
	char oem_id[6];
	u8 revision; /* 0: ACPI 1.0 (RSDT only); 2: ACPI 2.0+ */
	u32 rsdt_address;
	u32 length; /* revision >= 2 from here on */
	u64 xsdt_address;
	u8 extended_checksum; /* whole structure */
	u8 reserved[3];
} __packed;

/* True when the len bytes at p sum to 0 mod 256 (ACPI 6.5, 5.2.5.3). */
bool acpi_checksum_ok(const void *p, size_t len);

/* Find a table by signature through the XSDT (or the RSDT when the RSDP is
 * revision 0 or has no XSDT). Returns NULL when absent or when the RSDP or
 * root table is malformed; problems are reported to d (may be NULL). */
const struct acpi_sdt_header *acpi_find_table(hpa_t rsdp, const char sig[4], struct diag *d);

struct madt_cpu {
	u32 apic_id;
	u32 acpi_uid;
	bool enabled;        /* flags bit 0 */
	bool online_capable; /* flags bit 1 (hot-pluggable, not usable now) */
};

/* 5.2.12.3: an I/O APIC. */
struct madt_ioapic_info {
	u8 id;
	u32 address;
	u32 gsi_base; /* the GSI of its input 0 */
};

/* 5.2.12.5: an ISA IRQ that does not signal the GSI of its number, or
 * does with other than ISA's polarity and trigger mode. */
struct madt_iso_info {
	u8 bus;    /* 0: ISA */
	u8 source; /* the IRQ */
	u32 gsi;
	u16 flags; /* MPS INTI flags: polarity bits 1:0, trigger mode bits 3:2 */
};

#define MADT_MAX_IOAPICS 8
#define MADT_MAX_ISOS 16

struct madt_info {
	u32 lapic_addr; /* from the MADT header; see lapic_addr64 */
	u64 lapic_addr64; /* type 5 override if present, else lapic_addr */
	u32 flags;        /* PCAT_COMPAT etc. */
	unsigned ncpus;   /* entries held in cpus[] (enabled or not) */
	unsigned dropped; /* entries beyond MAX_CPUS */
	struct madt_cpu cpus[MAX_CPUS];
	/* I/O APIC and override entries seen; the first MADT_MAX_IOAPICS and
	 * MADT_MAX_ISOS of them, in table order, are in ioapic[] and iso[]. */
	unsigned nioapic;
	struct madt_ioapic_info ioapic[MADT_MAX_IOAPICS];
	unsigned niso;
	struct madt_iso_info iso[MADT_MAX_ISOS];
};

/* Where ISA IRQ irq reaches the machine's I/O APICs (ACPI 6.5 5.2.12.5):
 * the GSI of its override if the MADT has one, else the GSI of its number;
 * the I/O APIC whose inputs cover that GSI (the highest gsi_base at or
 * below it) and its input there; the override's polarity and trigger,
 * else ISA's (active high, edge). */
struct isa_irq_route {
	bool valid;
	u32 ioapic_addr;
	unsigned pin;
	bool active_low, level;
};
void madt_isa_route(const struct madt_info *madt, unsigned irq, struct isa_irq_route *out);

/* Parse a whole MADT (header included). Local APIC (type 0) and local
 * x2APIC (type 9) entries become cpus[] in table order; an x2APIC entry
 * whose APIC ID is already listed is skipped. I/O APIC (type 1) and
 * interrupt source override (type 2) entries are recorded. Returns false (with a
 * message in d) if the table is too short, has a bad checksum or an entry
 * runs past the end. */
bool madt_parse(const struct acpi_sdt_header *madt, struct madt_info *out, struct diag *d);

#endif
