/*
 * Booting a Linux bzImage in a partition (format = linux): placing the
 * protected-mode kernel, the initrd, the command line and the zero page
 * (struct boot_params) in guest memory, as the Linux/x86 boot protocol
 * asks of a boot loader using the 32-bit entry.
 * (Linux Documentation/arch/x86/boot.rst, cited as "boot.rst" with its
 * section titles, and Documentation/arch/x86/zero-page.rst.)
 *
 * Portable and host-tested like multiboot.c: guest memory is a host
 * pointer to guest-physical 0 and a size.
 *
 * Guest-physical layout this produces:
 *
 *   0x00000000  +-----------------------------+
 *               | (free, zero: real-mode IVT  |
 *               |  and BIOS data area)        |
 *   0x00007000  | zero page (boot_params)     |  LINUX_ZERO_PAGE
 *   0x00008000  | command line                |  LINUX_CMDLINE .. LINUX_CMDLINE_END
 *   0x00009000  | (free)                      |
 *   0x0009f000  | ACPI tables (hypervisor's,  |  passed in src->reserved
 *               |  not written here)          |
 *   0x000a0000  +-----------------------------+
 *               | legacy area: absent from    |  MB_HOLE_START .. MB_HOLE_END
 *               | the e820 (zeroed RAM in the |
 *               | layout, guest_layout.h)     |
 *   0x00100000  +-----------------------------+
 *               | non-relocatable kernel here |
 *               | (free for a relocatable one)|
 *   pref_address| relocatable kernel, then    |  kernel_lo .. kernel_hi
 *   (16 MiB)    | room up to init_size for    |
 *               | the decompressor            |
 *               | free                        |
 *               | initrd (page aligned, as    |  initrd_lo .. initrd_hi
 *               | high as initrd_addr_max and |
 *               | the RAM size allow)         |
 *   size        +-----------------------------+
 *
 * Entry (boot.rst "32-bit Boot Protocol"): the caller starts the vCPU in
 * 32-bit protected mode, paging off, interrupts off, at entry32, with
 *   a GDT holding flat 4 GiB descriptors at selector 0x10 (__BOOT_CS,
 *   execute/read) and 0x18 (__BOOT_DS, read/write), CS = 0x10 and
 *   DS = ES = SS = 0x18;
 *   ESI = boot_params; EBP = EDI = EBX = 0.
 * The 32-bit entry is used rather than the 64-bit one because it needs no
 * page tables: the 64-bit entry (boot.rst "64-bit Boot Protocol") wants
 * long mode already on with an identity map the loader would have to
 * build in guest memory, while from 32-bit mode the kernel's own
 * decompressor builds its page tables. The 16-bit entry would need the
 * real-mode setup code and a BIOS, which a partition does not have.
 */
#ifndef TESSERA_LINUX_BOOT_H
#define TESSERA_LINUX_BOOT_H

#include <tessera/multiboot.h> /* MB_HOLE_START, MB_HOLE_END */
#include <tessera/types.h>

#define LINUX_ZERO_PAGE 0x7000ull  /* struct boot_params, 4 KiB */
#define LINUX_ZERO_PAGE_SIZE 0x1000ull
#define LINUX_CMDLINE 0x8000ull    /* NUL-terminated command line */
#define LINUX_CMDLINE_END 0x9000ull /* so at most 4095 characters */

/* Kernel with neither a usable pref_address nor relocation: boot.rst
 * "code32_start" default, the traditional bzImage load address. */
#define LINUX_BZIMAGE_ADDR 0x100000ull

/* zero-page.rst / boot.rst "The memory map": e820 entry types. */
#define LINUX_E820_RAM 1
#define LINUX_E820_RESERVED 2
#define LINUX_E820_ACPI 3
#define LINUX_E820_NVS 4

#define LINUX_MAX_RESERVED 4
/* RAM below the hole, RAM above it, and each reserved range splitting
 * one RAM range in two. */
#define LINUX_E820_MAX (2 + 2 * LINUX_MAX_RESERVED)

/* One e820 entry, in the 20-byte packed form boot_params.e820_table
 * holds (struct boot_e820_entry in the kernel's bootparam.h). */
struct linux_e820_entry {
	u64 addr;
	u64 size;
	u32 type;
} __packed;
STATIC_ASSERT(sizeof(struct linux_e820_entry) == 20, "zero-page.rst: e820 entries are 20 bytes");

struct linux_boot_src {
	const void *kernel; /* the bzImage file */
	size_t kernel_size;
	const void *initrd; /* may be NULL with initrd_size 0 */
	size_t initrd_size;
	const char *cmdline; /* NUL-terminated; NULL means "" */
	/* Ranges of guest RAM the hypervisor keeps for itself, e.g. the ACPI
	 * tables at 0x9f000 (LINUX_E820_ACPI) or a shared page
	 * (LINUX_E820_RESERVED). They appear in the e820 with their type,
	 * and nothing is placed in them (nor written to them). */
	struct linux_e820_entry reserved[LINUX_MAX_RESERVED];
	unsigned nreserved;
	u64 acpi_rsdp; /* guest-physical RSDP, 0 = none */
};

struct linux_boot {
	u32 entry32;     /* EIP: the 32-bit entry, code32_start */
	u32 boot_params; /* ESI: the zero page, LINUX_ZERO_PAGE */
	/* Kept for the kernel: from the lower of the load address and the
	 * decompressor's runtime start to the higher of the payload's end
	 * and runtime start + init_size. For a relocatable kernel loaded at
	 * pref_address this is pref_address .. pref_address + init_size. */
	u64 kernel_lo, kernel_hi;
	u64 initrd_lo, initrd_hi; /* both 0 without an initrd */
	u16 protocol;             /* boot protocol version, e.g. 0x020f for 2.15 */
};

/*
 * Build the e820 map of a partition with size bytes of RAM from 0, minus
 * the legacy hole (absent from the map), with the reserved ranges cut out
 * of RAM and listed with their own type: sorted, not overlapping, adjacent
 * RAM not merged across a reserved range. Returns the number of entries
 * written to out (at most LINUX_E820_MAX), or 0 with a one-line reason in
 * err when a reserved range is empty, wraps, lies past size, touches the
 * hole, overlaps another, has a type other than 2, 3 or 4, or there are
 * more than LINUX_MAX_RESERVED.
 */
unsigned linux_e820_build(u64 size, const struct linux_e820_entry *reserved, unsigned nreserved,
			  struct linux_e820_entry out[LINUX_E820_MAX], char *err, size_t errlen);

/*
 * Load a bzImage (boot protocol 2.06 or later, loaded high) into guest
 * memory [gm, gm + size) with its initrd and command line and build its
 * zero page, for the 32-bit entry described above. Everything is checked
 * before guest memory is touched: on failure it is left as it was and err
 * holds a one-line reason, e.g. "not a bzImage: no HdrS signature at
 * 0x202", "boot protocol 2.03 is too old (need 2.06)", "kernel needs
 * 68 MiB (...) but the partition has 32 MiB". On success all of guest
 * memory is zeroed first, so a restart boots from a clean slate, and out
 * (which may be NULL) says where things went.
 */
bool linux_load(u8 *gm, u64 size, const struct linux_boot_src *src, struct linux_boot *out,
		char *err, size_t errlen);

#endif
