/*
 * Firmware tables for a partition: what an unmodified Linux kernel needs
 * to find its CPUs and to power off and reboot through ACPI, and nothing
 * more. hv/acpi.c READS the machine's tables; this BUILDS a guest's.
 *
 *   RSDP (5.2.5) -> XSDT (5.2.8, and an RSDT, 5.2.7, when below 4 GiB)
 *                     -> FADT (5.2.9) -> FACS (5.2.10)
 *                                     -> DSDT (5.2.11.1): \_S5, COM1
 *                     -> MADT (5.2.12): one enabled entry per CPU, the
 *                        I/O APIC (5.2.12.3) and the interrupt source
 *                        overrides (5.2.12.5) of a PC: IRQ 0 -> GSI 2, and
 *                        the SCI, IRQ 9, level triggered, active high
 *
 * (ACPI 6.5 section numbers.) The platform is a small PC (not
 * hardware-reduced, 4.1): a FACS (5.2.10), the PM1a event and control
 * blocks (4.8.3.1-2) and a reset register, on I/O ports the hypervisor traps
 * (tessera/acpi_pm.h models them), the I/O APIC (hv/devices/ioapic.c), and,
 * for Linux, the legacy PIC (hv/vpic.c): the SCI and the serial port's IRQ
 * 4 go through either (tessera/irq.h). Why not hardware-reduced:
 * there Linux installs no legacy PIC at all (so the UART has no interrupt
 * and Linux polls it, hundreds of exits a second) and reboots through EFI,
 * which a partition does not have, instead of the reset register.
 *
 *   S5 (soft off)  Linux evaluates \_S5 (7.4.2), then writes
 *                  SLP_TYP << 10 | SLP_EN to PM1a_CNT (4.8.3.2.1).
 *   reset          Linux writes RESET_VALUE to RESET_REG (4.8.3.6).
 *
 * Where the tables live: the hypervisor puts them in the guest page
 * [GUEST_ACPI_TABLES_GPA, + GUEST_ACPI_TABLES_SIZE), just below the legacy
 * VGA hole, and marks that page ACPI (reclaimable) in the guest's e820 map.
 * The worst case (MAX_CPUS CPUs, all x2APIC entries) fits in that page; a
 * STATIC_ASSERT in hv/acpi_build.c checks it. That page is not where a
 * legacy scan looks (the EBDA's first KiB, 0xE0000-0xFFFFF: 5.2.5.1), so
 * the loader hands its address over (Linux: boot_params.acpi_rsdp_addr,
 * boot protocol 2.14+; Multiboot2: the RSDP tag), and for Multiboot
 * partitions, whose layout has a BIOS area, platform_build_tables()
 * also copies the RSDP to 0xE0000 (tessera/guest_layout.h), where a v1
 * kernel, told nothing, finds it.
 */
#ifndef TESSERA_ACPI_BUILD_H
#define TESSERA_ACPI_BUILD_H

#include <tessera/types.h>

/* The guest page the tables go in (marked ACPI in the guest's e820). */
#define GUEST_ACPI_TABLES_GPA 0x9f000ull
#define GUEST_ACPI_TABLES_SIZE 0x1000ull

/*
 * Guest I/O ports of the partition's ACPI fixed hardware (the one place
 * these numbers are written; FADT fields in parentheses).
 */
#define GUEST_ACPI_PM1A_EVT_PORT 0x600 /* (PM1a_EVT_BLK) PM1_STS 16 bits, then PM1_EN 16 bits */
#define GUEST_ACPI_PM1_EVT_LEN 4       /* (PM1_EVT_LEN) */
#define GUEST_ACPI_PM1A_CNT_PORT 0x604 /* (PM1a_CNT_BLK) PM1_CNT, 16 bits */
#define GUEST_ACPI_PM1_CNT_LEN 2       /* (PM1_CNT_LEN) */
#define GUEST_ACPI_RESET_PORT 0x608    /* (RESET_REG) 8 bits */
#define GUEST_ACPI_RESET_VALUE 0x1     /* (RESET_VALUE) the byte that resets */
#define GUEST_ACPI_S5_SLP_TYP 5        /* the SLP_TYP value \_S5 returns */
#define GUEST_ACPI_SCI_IRQ 9           /* (SCI_INT) the PC's usual; nothing raises it */

struct acpi_build_cpu {
	u32 apic_id; /* the local APIC ID the vCPU reports */
};

/* The partition's interrupt controllers besides its CPUs' local APICs. */
struct acpi_build_irq {
	u8 ioapic_id;     /* the I/O APIC's ID (irq_pick_ioapic_id); at IOAPIC_DEFAULT_BASE */
	bool pcat_compat; /* an 8259 pair too (Linux partitions): MADT flag PCAT_COMPAT */
};

/*
 * Write the tables into buf (a host pointer) which the guest sees at
 * guest-physical buf_gpa; every address inside the tables is buf_gpa-based.
 * cpus[0..ncpus) become the MADT's entries in that order (the boot CPU
 * first), with ACPI processor UID = index; then irq's I/O APIC (GSI base 0)
 * and the overrides of the ISA IRQs the router does not map 1:1
 * (irq_isa_gsi) and of the SCI.
 *
 * Returns the number of bytes used and sets *rsdp_gpa to the RSDP's
 * guest-physical address (it is at buf_gpa: the first table). Returns 0,
 * with *rsdp_gpa = 0 and buf untouched, when bufsize is too small, ncpus is
 * 0 or above MAX_CPUS, or irq is NULL. On success all of buf[0, bufsize)
 * is written: the bytes after the tables are zeroed. buf_gpa must be
 * 64-byte aligned (for the FACS, 5.2.10; the RSDP needs 16, 5.2.5.1),
 * else 0 is returned.
 */
size_t acpi_build_tables(void *buf, gpa_t buf_gpa, size_t bufsize,
			 const struct acpi_build_cpu *cpus, unsigned ncpus,
			 const struct acpi_build_irq *irq, gpa_t *rsdp_gpa);

#endif
