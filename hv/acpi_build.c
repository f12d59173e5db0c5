/*
 * A partition's firmware tables, built by the hypervisor at partition start
 * (the reverse of hv/acpi.c, which parses the machine's). See
 * tessera/acpi_build.h for what the guest gets and why.
 *
 * All references are to ACPI 6.5. Layout in the buffer, each table 8-byte
 * aligned and the RSDP first (so at buf_gpa, 16-byte aligned, 5.2.5.1):
 *
 *   RSDP | XSDT | FADT | FACS | DSDT | MADT | RSDT (only when it can point
 *                                                   at everything: below 4 GiB)
 *
 * (the FACS 64-byte aligned, 5.2.10).
 *
 * The tables are written in place through packed structures (alignment 1,
 * so any buffer offset is fine) after the whole area has been zeroed: every
 * field not set below is zero on purpose, and the comment says so where
 * the zero means something.
 */
#include <tessera/acpi.h>
#include <tessera/acpi_build.h>
#include <tessera/ioapic.h>
#include <tessera/irq.h>
#include <tessera/rtc.h>
#include <tessera/limits.h>
#include <tessera/string.h>
#include <tessera/types.h>

/* OEM identity in every header (5.2.6) and the RSDP (5.2.5.3). */
#define OEM_ID "TESSRA"        /* 6 bytes */
#define OEM_TABLE_ID "TESSERA " /* 8 bytes */
#define OEM_REVISION 1
#define CREATOR_ID 0x53534554u /* "TESS" as it sits in memory */
#define CREATOR_REVISION 1

/* ---------------------------------------------------------------- layouts */

/* 5.2.3.2 Generic Address Structure. */
struct acpi_gas {
	u8 space_id;    /* 1: System I/O space */
	u8 bit_width;   /* register width in bits */
	u8 bit_offset;
	u8 access_size; /* 1: byte access */
	u64 address;    /* the I/O port */
} __packed;
STATIC_ASSERT(sizeof(struct acpi_gas) == 12, "ACPI 6.5 5.2.3.2");

#define GAS_SPACE_SYSTEM_IO 1
#define GAS_ACCESS_BYTE 1
#define GAS_ACCESS_WORD 2

/* 5.2.8: XSDT = header + 64-bit table addresses; 5.2.7: RSDT, 32-bit. */
#define XSDT_NENTRIES 2 /* FADT, MADT */

/* 5.2.9, Table 5.9: FADT Format, revision 6 (ACPI 6.0 and later). */
struct acpi_fadt {
	struct acpi_sdt_header h; /* "FACP" */
	u32 firmware_ctrl;        /* FACS */
	u32 dsdt;
	u8 reserved0;
	u8 preferred_pm_profile;
	u16 sci_int;
	u32 smi_cmd;
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	u32 pm2_cnt_blk, pm_tmr_blk, gpe0_blk, gpe1_blk;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len;
	u8 gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch;
	u8 reserved1;
	u32 flags;
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 minor_version;
	u64 x_firmware_ctrl;
	u64 x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg;
	struct acpi_gas sleep_status_reg;
	char hypervisor_vendor[8];
} __packed;

#define FADT_REVISION 6
#define FADT_MINOR_VERSION 5 /* ACPI 6.5 */
#define FADT_LEN 276
STATIC_ASSERT(sizeof(struct acpi_fadt) == FADT_LEN, "ACPI 6.5 Table 5.9");
STATIC_ASSERT(offsetof(struct acpi_fadt, dsdt) == 40, "FADT DSDT");
STATIC_ASSERT(offsetof(struct acpi_fadt, preferred_pm_profile) == 45, "FADT PM profile");
STATIC_ASSERT(offsetof(struct acpi_fadt, sci_int) == 46, "FADT SCI_INT");
STATIC_ASSERT(offsetof(struct acpi_fadt, p_lvl2_lat) == 96, "FADT P_LVL2_LAT");
STATIC_ASSERT(offsetof(struct acpi_fadt, century) == 108, "FADT CENTURY");
STATIC_ASSERT(offsetof(struct acpi_fadt, iapc_boot_arch) == 109, "FADT IAPC_BOOT_ARCH");
STATIC_ASSERT(offsetof(struct acpi_fadt, flags) == 112, "FADT Flags");
STATIC_ASSERT(offsetof(struct acpi_fadt, reset_reg) == 116, "FADT RESET_REG");
STATIC_ASSERT(offsetof(struct acpi_fadt, reset_value) == 128, "FADT RESET_VALUE");
STATIC_ASSERT(offsetof(struct acpi_fadt, minor_version) == 131, "FADT Minor Version");
STATIC_ASSERT(offsetof(struct acpi_fadt, x_dsdt) == 140, "FADT X_DSDT");
STATIC_ASSERT(offsetof(struct acpi_fadt, sleep_control_reg) == 244, "FADT SLEEP_CONTROL_REG");
STATIC_ASSERT(offsetof(struct acpi_fadt, sleep_status_reg) == 256, "FADT SLEEP_STATUS_REG");
STATIC_ASSERT(offsetof(struct acpi_fadt, hypervisor_vendor) == 268, "FADT hypervisor vendor");

/* 5.2.9, Table 5.10: Fixed Feature Flags. */
#define FADT_WBINVD (1u << 0)          /* required of every new system */
#define FADT_PWR_BUTTON (1u << 4)      /* 1: no fixed power button */
#define FADT_SLP_BUTTON (1u << 5)      /* 1: no fixed sleep button */
#define FADT_RESET_REG_SUP (1u << 10)  /* RESET_REG is valid (4.8.3.6) */
/* Physical destination mode for IPIs: Linux then picks its physflat APIC
 * driver, and every IPI names one APIC ID, which the hypervisor checks
 * against the partition's CPUs. */
#define FADT_FORCE_APIC_PHYSICAL_DESTINATION_MODE (1u << 19)
/* Bit 20, HW_REDUCED_ACPI, stays clear: see tessera/acpi_build.h. */

/* 5.2.9.3, Table 5.11: IA-PC Boot Architecture Flags. Bit 0
 * LEGACY_DEVICES and bit 1 8042 stay clear: there are none. */
#define IAPC_VGA_NOT_PRESENT (1u << 2)
/* Bit 5 CMOS RTC Not Present stays clear: every partition has one. */

/* 5.2.9 P_LVL2_LAT / P_LVL3_LAT: above 100 / 1000 us means C2 / C3 are
 * not supported. */
#define FADT_NO_C2 101
#define FADT_NO_C3 1001

/* 5.2.12, Table 5.19: MADT header; the interrupt controller structures
 * follow it. */
struct acpi_madt {
	struct acpi_sdt_header h; /* "APIC" */
	u32 lapic_addr;
	u32 flags;
} __packed;
STATIC_ASSERT(sizeof(struct acpi_madt) == 44, "ACPI 6.5 5.2.12");

#define MADT_REVISION 5 /* as ACPI 6.3 numbers it; later revisions add
			  * structures this table does not use */
#define MADT_LAPIC_ADDR 0xfee00000u
/* 5.2.12, Multiple APIC Flags: "the system also has a PC-AT-compatible
 * dual-8259 setup", which the OS must mask when it enables the APICs. */
#define MADT_PCAT_COMPAT (1u << 0)

/* 5.2.10, Table 5.14: FACS, version 2. No checksum; 64-byte aligned. The
 * waking vectors stay 0 (no S1-S4 here); the global lock starts free. */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	u32 length;        /* 64 */
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version;
	u8 reserved0[3];
	u32 ospm_flags;
	u8 reserved1[24];
} __packed;
STATIC_ASSERT(sizeof(struct acpi_facs) == 64, "ACPI 6.5 Table 5.14");
STATIC_ASSERT(offsetof(struct acpi_facs, version) == 32, "FACS Version");

#define FACS_LEN 64
#define FACS_ALIGN 64
#define FACS_VERSION 2

/* 5.2.12.2: Processor Local APIC Structure. */
struct madt_lapic {
	u8 type; /* 0 */
	u8 length; /* 8 */
	u8 acpi_uid;
	u8 apic_id;
	u32 flags;
} __packed;
STATIC_ASSERT(sizeof(struct madt_lapic) == 8, "ACPI 6.5 5.2.12.2");

/* 5.2.12.12: Processor Local x2APIC Structure. */
struct madt_x2apic {
	u8 type; /* 9 */
	u8 length; /* 16 */
	u16 reserved;
	u32 x2apic_id;
	u32 flags;
	u32 acpi_uid;
} __packed;
STATIC_ASSERT(sizeof(struct madt_x2apic) == 16, "ACPI 6.5 5.2.12.12");

/* 5.2.12.3: I/O APIC Structure. */
struct madt_ioapic {
	u8 type;   /* 1 */
	u8 length; /* 12 */
	u8 ioapic_id;
	u8 reserved;
	u32 address;  /* its registers' physical address */
	u32 gsi_base; /* the GSI of its input 0 */
} __packed;
STATIC_ASSERT(sizeof(struct madt_ioapic) == 12, "ACPI 6.5 5.2.12.3");

/* 5.2.12.5: Interrupt Source Override Structure. */
struct madt_iso {
	u8 type;   /* 2 */
	u8 length; /* 10 */
	u8 bus;    /* 0: ISA, the only bus the spec lets one override */
	u8 source; /* the ISA IRQ */
	u32 gsi;   /* the GSI it signals */
	u16 flags; /* MPS INTI flags */
} __packed;
STATIC_ASSERT(sizeof(struct madt_iso) == 10, "ACPI 6.5 5.2.12.5");

#define MADT_TYPE_LAPIC 0
#define MADT_TYPE_IOAPIC 1
#define MADT_TYPE_ISO 2
#define MADT_TYPE_X2APIC 9
#define MADT_ISO_BUS_ISA 0
#define MADT_CPU_ENABLED (1u << 0) /* 5.2.12.2, Table 5.23 Local APIC Flags */

/*
 * 5.2.12.5, MPS INTI Flags (those of the MP specification 1.4, Table
 * 4-10): polarity in bits 1:0, trigger mode in bits 3:2; 00 in either
 * "conforms to the specifications of the bus" (ISA: edge, active high).
 * Linux reads them so (arch/x86/kernel/acpi/boot.c,
 * acpi_parse_int_src_ovr(); ACPICA's ACPI_MADT_POLARITY_* and
 * ACPI_MADT_TRIGGER_*).
 */
#define INTI_CONFORMS 0x0
#define INTI_ACTIVE_HIGH 0x1
#define INTI_ACTIVE_LOW 0x3
#define INTI_EDGE (0x1 << 2)
#define INTI_LEVEL (0x3 << 2)
/*
 * The SCI: level triggered, active high, 0x000d, as PCs and QEMU/SeaBIOS
 * publish it (QEMU's build_madt: "Active high, Level Triggered"). Without
 * an override Linux would take the SCI as level, active LOW: the FADT's
 * SCI_INT is "a sharable, level, active low interrupt" (5.2.9), and
 * acpi_sci_ioapic_setup() defaults to that; then the router would have
 * to hold pin 9 high when idle. Active high keeps every line idle low.
 * Nothing raises the SCI yet.
 */
#define INTI_SCI (INTI_LEVEL | INTI_ACTIVE_HIGH)
STATIC_ASSERT(INTI_SCI == 0x000d, "the SCI's flags as PCs publish them");

/* At most one override per ISA IRQ. */
#define MADT_MAX_ISO IRQ_ISA_LINES

struct iso_def {
	u8 irq;
	u32 gsi;
	u16 flags;
};

/*
 * The overrides, from the router's own table (irq_isa_gsi, hv/irq_route.c):
 * each ISA IRQ that does not signal the GSI of its number (IRQ 0 -> GSI 2;
 * flags 0, conforming to ISA: edge, active high), and the SCI with its
 * flags. IRQ 2, the cascade, has no GSI and no entry, as on a PC: ACPI
 * assumes the others identity-mapped (5.2.12.5).
 */
static unsigned madt_isos(struct iso_def out[MADT_MAX_ISO])
{
	unsigned n = 0;

	for (unsigned irq = 0; irq < IRQ_ISA_LINES; irq++) {
		int gsi = irq_isa_gsi(irq);

		if (gsi == IRQ_NONE)
			continue;
		if (irq == GUEST_ACPI_SCI_IRQ)
			out[n++] = (struct iso_def){ (u8)irq, (u32)gsi, INTI_SCI };
		else if ((unsigned)gsi != irq)
			out[n++] = (struct iso_def){ (u8)irq, (u32)gsi, INTI_CONFORMS };
	}
	return n;
}

/*
 * 5.2.12.12: a CPU whose APIC ID is below 255 must be described by a
 * Local APIC structure, one at 255 or above by a Local x2APIC structure
 * (255, 0xff, is the xAPIC broadcast ID). The UID must fit the 8-bit field
 * too; 255 is kept out of it as well, since a UID of 0xff means "all
 * processors" in the Local APIC NMI structure (5.2.12.7).
 */
static bool cpu_needs_x2apic(u32 apic_id, unsigned uid)
{
	return apic_id >= 0xff || uid >= 0xff;
}

/*
 * 5.2.11.1 DSDT: the definition block holds \_S5 (7.4.2, "\_Sx
 * System States"; 7.4.2.6 S5 Soft Off), so that OSPM finds the S5 sleep
 * type to write to PM1a_CNT. Hand-encoded AML (chapter 20):
 *
 *   Name (_S5, Package () { 5, 5, 0, 0 })   (SLP_TYPa, SLP_TYPb, reserved)
 *
 *   08           NameOp (20.2.5.1 DefName)
 *   5F 53 35 5F  NameSeg "_S5_" (20.2.2; short names are padded with '_')
 *   12           PackageOp (20.2.5.4 DefPackage)
 *   08           PkgLength (20.2.4): one byte, bits 7:6 = 0, length 8 =
 *                itself + NumElements + the 6 element bytes
 *   04           NumElements
 *   0A 05        BytePrefix (20.2.3) 5: SLP_TYPa
 *   0A 05        BytePrefix 5: SLP_TYPb (there is no PM1b block)
 *   00 00        ZeroOp, ZeroOp: reserved
 */
/*
 * And the serial port, as an ACPI device with the PC's COM1 resources:
 * ports 0x3F8-0x3FF and IRQ 4, which Linux's 8250 PNP driver takes; the
 * interrupt reaches Linux through the legacy PIC (hv/vpic.c) or the I/O
 * APIC's pin 4, ISA IRQ 4 being GSI 4 (hv/irq.c).
 *
 *   Scope (\_SB) {
 *     Device (COM1) {
 *       Name (_HID, EisaId ("PNP0501"))   16550-compatible UART
 *       Name (_UID, One)
 *       Name (_CRS, ResourceTemplate () {
 *         IO (Decode16, 0x3F8, 0x3F8, 1, 8)
 *         IRQNoFlags () { 4 }
 *       })
 *     }
 *   }
 *
 *   10 33 5C 5F 53 42 5F   ScopeOp, PkgLength 51, "\_SB_" (20.2.5.1)
 *   5B 82 2B 43 4F 4D 31   DeviceOp (20.2.5.2), PkgLength 43, "COM1"
 *   08 5F 48 49 44 0C 41 D0 05 01   Name _HID, DWordConst 0x0105D041
 *                          (EISA ID "PNP0501", 6.1.5)
 *   08 5F 55 49 44 01      Name _UID, OneOp
 *   08 5F 43 52 53 11 10 0A 0D   Name _CRS, BufferOp, PkgLength 16,
 *                          BufferSize 13 (19.3.3 / 6.4.2):
 *   47 01 F8 03 F8 03 01 08   I/O port descriptor (6.4.2.5): 16-bit
 *                          decode, min = max = 0x3F8, alignment 1, length 8
 *   22 10 00               IRQ descriptor (6.4.2.1), 2-byte form: mask
 *                          bit 4; high true, edge triggered, not shared
 *   79 00                  End Tag (6.4.2.9), checksum 0: "no checksum"
 */
static const u8 dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',
	0x12, 0x08, 0x04,
	0x0a, GUEST_ACPI_S5_SLP_TYP, 0x0a, GUEST_ACPI_S5_SLP_TYP, 0x00, 0x00,
	0x10, 0x33, '\\', '_', 'S', 'B', '_',
	0x5b, 0x82, 0x2b, 'C', 'O', 'M', '1',
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
	0x08, '_', 'U', 'I', 'D', 0x01,
	0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,
	0x22, 0x10, 0x00,
	0x79, 0x00,
};
STATIC_ASSERT(sizeof(dsdt_aml) == 14 + 52, "_S5 (14 bytes) and the COM1 scope (52)");
/* 4.8.3.2.1: SLP_TYP is a 3-bit field of PM1_CNT. */
STATIC_ASSERT(GUEST_ACPI_S5_SLP_TYP <= 7, "SLP_TYP is 3 bits");
/* 5.2.11.1: revision 2 and up means 64-bit AML integers. */
#define DSDT_REVISION 2

#define SDT_HEADER_LEN sizeof(struct acpi_sdt_header)
#define RSDP_REVISION 2 /* ACPI 2.0+: XSDT address and extended checksum */
#define RSDP_V1_LEN 20  /* 5.2.5.3: what the first checksum covers */
#define XSDT_LEN (SDT_HEADER_LEN + 8 * XSDT_NENTRIES)
#define RSDT_LEN (SDT_HEADER_LEN + 4 * XSDT_NENTRIES)
#define DSDT_LEN (SDT_HEADER_LEN + sizeof(dsdt_aml))
#define TABLE_ALIGN 8

/* The worst case (every CPU an x2APIC entry, every table padded to
 * TABLE_ALIGN) must fit in the page the hypervisor gives the tables. */
#define ACPI_BUILD_MAX_LEN                                                                         \
	(sizeof(struct acpi_rsdp) + XSDT_LEN + FADT_LEN + FACS_LEN + FACS_ALIGN + DSDT_LEN +       \
	 sizeof(struct acpi_madt) + MAX_CPUS * sizeof(struct madt_x2apic) +                        \
	 sizeof(struct madt_ioapic) + MADT_MAX_ISO * sizeof(struct madt_iso) + RSDT_LEN +          \
	 6 * TABLE_ALIGN)
STATIC_ASSERT(ACPI_BUILD_MAX_LEN <= GUEST_ACPI_TABLES_SIZE, "guest ACPI tables outgrow their page");

/* ---------------------------------------------------------------- building */

struct layout {
	size_t xsdt, fadt, facs, dsdt, madt, rsdt, end; /* offsets; the RSDP is at 0 */
	size_t madt_len;
	bool has_rsdt;
};

static size_t madt_len(const struct acpi_build_cpu *cpus, unsigned ncpus)
{
	struct iso_def isos[MADT_MAX_ISO];
	size_t len = sizeof(struct acpi_madt) + sizeof(struct madt_ioapic) +
		     madt_isos(isos) * sizeof(struct madt_iso);

	for (unsigned i = 0; i < ncpus; i++)
		len += cpu_needs_x2apic(cpus[i].apic_id, i) ? sizeof(struct madt_x2apic)
							    : sizeof(struct madt_lapic);
	return len;
}

/* False if the tables do not fit in bufsize (or would wrap gpa_t). */
static bool layout_plan(struct layout *l, gpa_t buf_gpa, size_t bufsize,
			const struct acpi_build_cpu *cpus, unsigned ncpus)
{
	l->xsdt = ALIGN_UP(sizeof(struct acpi_rsdp), TABLE_ALIGN);
	l->fadt = ALIGN_UP(l->xsdt + XSDT_LEN, TABLE_ALIGN);
	/* 5.2.10: the FACS is 64-byte aligned (buf_gpa is, see below). */
	l->facs = ALIGN_UP(l->fadt + FADT_LEN, FACS_ALIGN);
	l->dsdt = ALIGN_UP(l->facs + FACS_LEN, TABLE_ALIGN);
	l->madt = ALIGN_UP(l->dsdt + DSDT_LEN, TABLE_ALIGN);
	l->madt_len = madt_len(cpus, ncpus);
	l->rsdt = ALIGN_UP(l->madt + l->madt_len, TABLE_ALIGN);
	l->end = l->rsdt + RSDT_LEN;

	if (buf_gpa + l->end < buf_gpa)
		return false;
	/* 5.2.5.3 / 5.2.7: the RSDT and its entries are 32-bit addresses.
	 * Without one the RSDP's RsdtAddress is 0 and OSPM uses the XSDT,
	 * as any ACPI 2.0+ OS does anyway. */
	l->has_rsdt = buf_gpa + l->end <= 0x100000000ull;
	if (!l->has_rsdt)
		l->end = l->madt + l->madt_len;
	return l->end <= bufsize;
}

static u8 sum8(const void *p, size_t len)
{
	const u8 *b = p;
	u8 s = 0;

	for (size_t i = 0; i < len; i++)
		s += b[i];
	return s;
}

/* 5.2.6: the header, with a checksum that makes the whole table, length
 * bytes, sum to zero. Call once the table's body is complete. */
static void sdt_finish(struct acpi_sdt_header *h, const char sig[4], size_t len, u8 revision)
{
	memcpy(h->signature, sig, 4);
	h->length = (u32)len;
	h->revision = revision;
	memcpy(h->oem_id, OEM_ID, 6);
	memcpy(h->oem_table_id, OEM_TABLE_ID, 8);
	h->oem_revision = OEM_REVISION;
	h->creator_id = CREATOR_ID;
	h->creator_revision = CREATOR_REVISION;
	h->checksum = 0;
	h->checksum = (u8)-sum8(h, len);
}

/* 5.2.3.2: a register at an I/O port ("register" form: offset 0, width
 * a power of two, as OSPM expects in the FADT). */
static struct acpi_gas gas_io(u16 port, u8 bits, u8 access_size)
{
	return (struct acpi_gas){
		.space_id = GAS_SPACE_SYSTEM_IO,
		.bit_width = bits,
		.bit_offset = 0,
		.access_size = access_size,
		.address = port,
	};
}

static void build_dsdt(u8 *t)
{
	memcpy(t + SDT_HEADER_LEN, dsdt_aml, sizeof(dsdt_aml));
	sdt_finish((struct acpi_sdt_header *)t, "DSDT", DSDT_LEN, DSDT_REVISION);
}

/* 5.2.10 FACS: the global lock's home (5.2.10.1), which OSPM uses once
 * it sees PM1_EN.GBL_EN stick (tessera/acpi_pm.h). */
static void build_facs(u8 *t)
{
	struct acpi_facs *f = (struct acpi_facs *)t;

	memcpy(f->signature, "FACS", 4);
	f->length = FACS_LEN;
	f->version = FACS_VERSION;
}

/*
 * 5.2.9 FADT of a PC without most of the fixed hardware: the PM1a event
 * and control blocks (4.8.3.1-2), the reset register (4.8.3.6), the SCI on
 * ISA IRQ 9 (GSI 9 with the I/O APIC: the MADT's override gives its
 * polarity), and zeros for the rest: no SMI_CMD (always in ACPI
 * mode, 4.8.2.1), no PM1b or PM2 block, no PM timer, no GPE blocks, and no
 * sleep control/status registers (those are for hardware-reduced systems).
 */
static void build_fadt(u8 *t, gpa_t facs_gpa, gpa_t dsdt_gpa)
{
	struct acpi_fadt *f = (struct acpi_fadt *)t;

	/* Both FACS and DSDT pointers, equal, when the 32-bit ones can hold
	 * them: OSPM prefers the X_ forms (5.2.9, Table 5.9). */
	f->firmware_ctrl = facs_gpa <= 0xffffffffull ? (u32)facs_gpa : 0;
	f->x_firmware_ctrl = facs_gpa;
	f->dsdt = dsdt_gpa <= 0xffffffffull ? (u32)dsdt_gpa : 0;
	f->x_dsdt = dsdt_gpa;
	f->preferred_pm_profile = 0; /* 5.2.9.1: unspecified */
	f->sci_int = GUEST_ACPI_SCI_IRQ;
	f->pm1a_evt_blk = GUEST_ACPI_PM1A_EVT_PORT;
	f->pm1a_cnt_blk = GUEST_ACPI_PM1A_CNT_PORT;
	f->pm1_evt_len = GUEST_ACPI_PM1_EVT_LEN;
	f->pm1_cnt_len = GUEST_ACPI_PM1_CNT_LEN;
	f->x_pm1a_evt_blk =
		gas_io(GUEST_ACPI_PM1A_EVT_PORT, 8 * GUEST_ACPI_PM1_EVT_LEN, GAS_ACCESS_WORD);
	f->x_pm1a_cnt_blk =
		gas_io(GUEST_ACPI_PM1A_CNT_PORT, 8 * GUEST_ACPI_PM1_CNT_LEN, GAS_ACCESS_WORD);
	f->p_lvl2_lat = FADT_NO_C2;
	f->p_lvl3_lat = FADT_NO_C3;
	/* Every partition has an RTC (hv/devices/rtc.c), with the century
	 * at the PC/AT's CMOS byte; the FADT says where (5.2.9 CENTURY). */
	f->iapc_boot_arch = IAPC_VGA_NOT_PRESENT;
	f->century = RTC_CENTURY;
	f->flags = FADT_WBINVD | FADT_PWR_BUTTON | FADT_SLP_BUTTON | FADT_RESET_REG_SUP |
		   FADT_FORCE_APIC_PHYSICAL_DESTINATION_MODE;
	f->reset_reg = gas_io(GUEST_ACPI_RESET_PORT, 8, GAS_ACCESS_BYTE);
	f->reset_value = GUEST_ACPI_RESET_VALUE;
	f->minor_version = FADT_MINOR_VERSION;
	memcpy(f->hypervisor_vendor, "TESSERA ", 8);
	sdt_finish(&f->h, "FACP", FADT_LEN, FADT_REVISION);
}

/*
 * 5.2.12 MADT: one enabled entry per CPU, UID = index, in the given order
 * (5.2.12.1: the boot CPU first); then the I/O APIC and the interrupt
 * source overrides, in the order PCs and QEMU list them. An 8259 pair has
 * no structure of its own: PCAT_COMPAT says it is there too.
 */
static void build_madt(u8 *t, size_t len, const struct acpi_build_cpu *cpus, unsigned ncpus,
		       const struct acpi_build_irq *irq)
{
	struct acpi_madt *m = (struct acpi_madt *)t;
	u8 *e = t + sizeof(*m);
	struct iso_def isos[MADT_MAX_ISO];
	unsigned nisos = madt_isos(isos);
	struct madt_ioapic *io;

	m->lapic_addr = MADT_LAPIC_ADDR;
	m->flags = irq->pcat_compat ? MADT_PCAT_COMPAT : 0;
	for (unsigned i = 0; i < ncpus; i++) {
		if (cpu_needs_x2apic(cpus[i].apic_id, i)) {
			struct madt_x2apic *x = (struct madt_x2apic *)e;

			x->type = MADT_TYPE_X2APIC;
			x->length = sizeof(*x);
			x->x2apic_id = cpus[i].apic_id;
			x->flags = MADT_CPU_ENABLED;
			x->acpi_uid = i;
			e += sizeof(*x);
		} else {
			struct madt_lapic *a = (struct madt_lapic *)e;

			a->type = MADT_TYPE_LAPIC;
			a->length = sizeof(*a);
			a->acpi_uid = (u8)i;
			a->apic_id = (u8)cpus[i].apic_id;
			a->flags = MADT_CPU_ENABLED;
			e += sizeof(*a);
		}
	}
	/* 5.2.12.3: the partition's one I/O APIC (hv/devices/ioapic.c), its
	 * input 0 at GSI 0, so pin n is GSI n (tessera/irq.h). */
	io = (struct madt_ioapic *)e;
	io->type = MADT_TYPE_IOAPIC;
	io->length = sizeof(*io);
	io->ioapic_id = irq->ioapic_id;
	io->address = (u32)IOAPIC_DEFAULT_BASE;
	io->gsi_base = IRQ_GSI_BASE;
	e += sizeof(*io);
	for (unsigned i = 0; i < nisos; i++) {
		struct madt_iso *o = (struct madt_iso *)e;

		o->type = MADT_TYPE_ISO;
		o->length = sizeof(*o);
		o->bus = MADT_ISO_BUS_ISA;
		o->source = isos[i].irq;
		o->gsi = isos[i].gsi;
		o->flags = isos[i].flags;
		e += sizeof(*o);
	}
	sdt_finish(&m->h, "APIC", len, MADT_REVISION);
}

/* 5.2.8 XSDT (entry_size 8) or 5.2.7 RSDT (entry_size 4): FADT, MADT. */
static void build_root(u8 *t, const char sig[4], size_t entry_size, gpa_t fadt, gpa_t madt)
{
	const gpa_t entries[XSDT_NENTRIES] = { fadt, madt };

	/* Entries are unaligned (the first is at offset 36): memcpy. */
	for (unsigned i = 0; i < XSDT_NENTRIES; i++) {
		u8 *e = t + SDT_HEADER_LEN + i * entry_size;
		u32 a32 = (u32)entries[i];

		if (entry_size == 8)
			memcpy(e, &entries[i], 8);
		else
			memcpy(e, &a32, 4);
	}
	sdt_finish((struct acpi_sdt_header *)t, sig, SDT_HEADER_LEN + XSDT_NENTRIES * entry_size,
		   1);
}

/* 5.2.5.3 RSDP, revision 2: both checksums. */
static void build_rsdp(u8 *t, gpa_t xsdt, gpa_t rsdt)
{
	struct acpi_rsdp *r = (struct acpi_rsdp *)t;

	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, OEM_ID, 6);
	r->revision = RSDP_REVISION;
	r->rsdt_address = (u32)rsdt;
	r->length = sizeof(*r);
	r->xsdt_address = xsdt;
	r->checksum = 0;
	r->checksum = (u8)-sum8(r, RSDP_V1_LEN);
	r->extended_checksum = 0;
	r->extended_checksum = (u8)-sum8(r, sizeof(*r));
}

size_t acpi_build_tables(void *buf, gpa_t buf_gpa, size_t bufsize,
			 const struct acpi_build_cpu *cpus, unsigned ncpus,
			 const struct acpi_build_irq *irq, gpa_t *rsdp_gpa)
{
	u8 *b = buf;
	struct layout l;

	if (rsdp_gpa)
		*rsdp_gpa = 0;
	if (!buf || !cpus || !irq || ncpus == 0 || ncpus > MAX_CPUS || buf_gpa % FACS_ALIGN)
		return 0;
	if (!layout_plan(&l, buf_gpa, bufsize, cpus, ncpus))
		return 0;

	memset(b, 0, bufsize);
	/* Referenced tables first: each pointer's target is final (checksum
	 * included) before the table that points at it is summed. */
	build_dsdt(b + l.dsdt);
	build_facs(b + l.facs);
	build_fadt(b + l.fadt, buf_gpa + l.facs, buf_gpa + l.dsdt);
	build_madt(b + l.madt, l.madt_len, cpus, ncpus, irq);
	build_root(b + l.xsdt, "XSDT", 8, buf_gpa + l.fadt, buf_gpa + l.madt);
	if (l.has_rsdt)
		build_root(b + l.rsdt, "RSDT", 4, buf_gpa + l.fadt, buf_gpa + l.madt);
	build_rsdp(b, buf_gpa + l.xsdt, l.has_rsdt ? buf_gpa + l.rsdt : 0);

	if (rsdp_gpa)
		*rsdp_gpa = buf_gpa;
	return l.end;
}
