/*
 * Firmware tables for a partition: what an unmodified Linux kernel needs
 * to find its CPUs and to power off and reboot through ACPI, and nothing
 * more. hv/acpi.c READS the machine's tables; this BUILDS a guest's.
 *
 *   RSDP (5.2.5) -> XSDT (5.2.8, and an RSDT, 5.2.7, when below 4 GiB)
 *                     -> FADT (5.2.9) -> DSDT (5.2.11.1): \_S5 only
 *                     -> MADT (5.2.12): one enabled entry per CPU
 *
 * (ACPI 6.5 section numbers.) The platform is hardware-reduced ACPI (4.1):
 * no PM1 blocks, no GPEs, no SCI, no FACS, no 8259 PIC. Power-off and reset
 * go through the three I/O ports below, which the hypervisor traps:
 *
 *   S5 (soft off)  Linux evaluates \_S5 (7.4.2), then writes
 *                  SLP_TYP << 2 | SLP_EN to SLEEP_CONTROL_REG (4.8.3.7);
 *                  acpi_sleep_ctrl_decode() turns the byte back into SLP_TYP.
 *   reset          Linux writes RESET_VALUE to RESET_REG (4.8.3.6).
 *
 * Where the tables live: the hypervisor puts them in the guest page
 * [GUEST_ACPI_TABLES_GPA, + GUEST_ACPI_TABLES_SIZE), just below the legacy
 * VGA hole, and marks that page ACPI (reclaimable) in the guest's e820 map.
 * The worst case (MAX_CPUS CPUs, all x2APIC entries) fits in that page; a
 * STATIC_ASSERT in hv/acpi_build.c checks it. The RSDP is not at a place
 * Linux scans for (EBDA, 0xE0000-0xFFFFF): the loader must hand its
 * address over (boot_params.acpi_rsdp_addr, Linux boot protocol 2.14+).
 */
#ifndef TESSERA_ACPI_BUILD_H
#define TESSERA_ACPI_BUILD_H

#include <tessera/types.h>

/* The guest page the tables go in (marked ACPI in the guest's e820). */
#define GUEST_ACPI_TABLES_GPA 0x9f000ull
#define GUEST_ACPI_TABLES_SIZE 0x1000ull

/*
 * Guest I/O ports the hypervisor traps for the partition's ACPI "hardware"
 * (the one place these numbers are written). All are 8-bit registers.
 */
#define GUEST_ACPI_SLEEP_CTRL_PORT 0x600   /* FADT SLEEP_CONTROL_REG: SLP_TYP<<2 | SLP_EN */
#define GUEST_ACPI_SLEEP_STATUS_PORT 0x601 /* FADT SLEEP_STATUS_REG: WAK_STS, write 1 clears */
#define GUEST_ACPI_RESET_PORT 0x602        /* FADT RESET_REG */
#define GUEST_ACPI_RESET_VALUE 0x1         /* FADT RESET_VALUE: the byte that resets */
#define GUEST_ACPI_S5_SLP_TYP 5            /* the SLP_TYP value \_S5 returns */

/* 4.8.3.7 Sleep Control Register: bits 4:2 SLP_TYPx, bit 5 SLP_EN;
 * Sleep Status Register: bit 7 WAK_STS. Bits 0-1 and 6-7 of the control
 * register are reserved. */
#define ACPI_SLEEP_CTRL_SLP_TYP_SHIFT 2
#define ACPI_SLEEP_CTRL_SLP_TYP_MASK 0x1c
#define ACPI_SLEEP_CTRL_SLP_EN 0x20
#define ACPI_SLEEP_STATUS_WAK_STS 0x80

struct acpi_build_cpu {
	u32 apic_id; /* the local APIC ID the vCPU reports */
};

/*
 * Write the tables into buf (a host pointer) which the guest sees at
 * guest-physical buf_gpa; every address inside the tables is buf_gpa-based.
 * cpus[0..ncpus) become the MADT's entries in that order (the boot CPU
 * first), with ACPI processor UID = index.
 *
 * Returns the number of bytes used and sets *rsdp_gpa to the RSDP's
 * guest-physical address (it is at buf_gpa: the first table). Returns 0,
 * with *rsdp_gpa = 0 and buf untouched, when bufsize is too small, ncpus is
 * 0 or above MAX_CPUS. On success all of buf[0, bufsize) is written: the
 * bytes after the tables are zeroed. buf_gpa must be 16-byte aligned (5.2.5.1).
 */
size_t acpi_build_tables(void *buf, gpa_t buf_gpa, size_t bufsize,
			 const struct acpi_build_cpu *cpus, unsigned ncpus, gpa_t *rsdp_gpa);

/*
 * Decode a byte the guest wrote to GUEST_ACPI_SLEEP_CTRL_PORT: true, and
 * *slp_typ = SLP_TYP (0..7), when SLP_EN is set; false (and *slp_typ left
 * alone) when it is clear, which requests no transition.
 */
bool acpi_sleep_ctrl_decode(u8 value, unsigned *slp_typ);

#endif
