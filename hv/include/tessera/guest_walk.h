/*
 * Walking a guest's own page tables: linear address -> guest-physical.
 *
 * When a guest touches a page that no RAM backs (a fault of the
 * partition's guest-physical map), the exit gives the guest-physical
 * address of the data but not the instruction. To emulate the access the
 * hypervisor reads up to INSN_MAX_LEN bytes at CS.base + RIP and decodes
 * them (arch/insn_decode.h). CS.base + RIP is a *linear* address: it goes
 * through the guest's paging first, and that is what this file does, in
 * software, for every paging mode a guest can be in. "SDM" is the Intel
 * SDM Vol. 3A, chapter 4. The entry formats are the same on AMD (APM Vol.
 * 2, 5.2-5.4), so one walker serves both backends.
 *
 * The mode comes from CR0.PG, CR4.PAE, EFER.LMA and CR4.LA57 (SDM 4.1.1,
 * Table 4-1):
 *
 *   CR0.PG  CR4.PAE  EFER.LMA  CR4.LA57   mode            linear address
 *     0       -        -         -        none            32 bits, = gpa
 *     1       0        -         -        32-bit (4.3)    32 bits
 *     1       1        0         -        PAE (4.4)       32 bits
 *     1       1        1         0        4-level (4.5)   48 bits, canonical
 *     1       1        1         1        5-level (4.5)   57 bits, canonical
 *
 * How each mode cuts a linear address into table indices:
 *
 *   32-bit (SDM 4.3, Figures 4-2 and 4-3), 4-byte entries:
 *     31        22 21        12 11          0
 *    | PD index   | PT index   | offset      |    4 KiB page
 *    | PD index   | offset                   |    4 MiB page (CR4.PSE, PDE.PS)
 *
 *   PAE (SDM 4.4.2, Figures 4-5 and 4-6), 8-byte entries:
 *     31 30 29      21 20      12 11        0
 *    |PDPT| PD index  | PT index  | offset    |    4 KiB page
 *    |PDPT| PD index  | offset                |    2 MiB page (PDE.PS)
 *
 *   4-level and 5-level (SDM 4.5.4, Figures 4-8 to 4-10), 8-byte entries:
 *     56    48 47    39 38    30 29    21 20    12 11      0
 *    | PML5   | PML4   | PDPT   | PD     | PT     | offset  |  4 KiB
 *    | PML5   | PML4   | PDPT   | PD     | offset           |  2 MiB (PDE.PS)
 *    | PML5   | PML4   | PDPT   | offset                    |  1 GiB (PDPTE.PS)
 *    (4-level has no PML5: its walk starts at bit 47.)
 *
 * What the walker checks, and what it does not. The guest has just run
 * the instruction far enough to touch its operand, so the CPU already
 * translated the fetch and found every check passed. The walker therefore
 * only translates: it ignores the protection bits (R/W, U/S, protection
 * keys, SMEP/SMAP, and bit 63, whether EFER.NXE makes it XD or leaves it
 * reserved) and takes the entry address as bits 51:12 (31:12 for 32-bit
 * entries) whatever the CPU's MAXPHYADDR is: bits that a smaller
 * MAXPHYADDR reserves give a gpa outside RAM, which the read callback
 * rejects. It does reject what no CPU could have used, so that tables it
 * cannot follow give no translation: an entry without P (GW_NOT_PRESENT),
 * a table that is not RAM (GW_BAD_TABLE), a non-canonical address, and
 * the reserved bits that the entry's format fixes whatever the CPU and
 * EFER (GW_RESERVED; listed in hv/guest_walk.c).
 *
 * The walker never writes guest memory: it sets no accessed or dirty flag
 * (SDM 4.8). The CPU set the accessed flags itself when it walked for the
 * fetch ("whenever the processor uses a paging-structure entry as part of
 * linear-address translation, it sets the accessed flag"), and a fetch
 * sets no dirty flag. A second write from the hypervisor would change
 * nothing the guest can rely on, and a walker that only reads cannot
 * corrupt a table that another vCPU is editing.
 *
 * The answer can still differ from what the CPU used, and callers must
 * live with it, as KVM's emulator does: the CPU may have translated from a
 * TLB entry that the guest's tables no longer match (SDM 4.10.4: software
 * changes a table, then invalidates), or another vCPU may change the
 * tables between the exit and the walk. Then the bytes read are not the
 * instruction that exited. That hurts only the guest (the callback keeps
 * every read inside its RAM); the exit's guest-physical address, not the
 * decoded instruction, says which device is touched.
 *
 * PAE: the CPU does not read the four PDPTEs during a walk but keeps them
 * in registers, loaded at MOV to CR3 (SDM 4.4.1), and the backend's
 * control structure may hold them (the arch code). This walker reads them
 * from memory at CR3 instead; the two differ only if the guest edited its
 * PDPT since it last loaded CR3, which an OS may not rely on anyway.
 *
 * Compatibility mode (EFER.LMA = 1, CS.L = 0) walks 4-level or 5-level
 * tables but its linear addresses are 32 bits: the caller, which knows
 * CS.L, truncates CS.base + EIP to 32 bits before calling.
 *
 * Pure code: no libc, no guest state but what it is given, portable
 * (host-tested in tests/unit/test_guest_walk.c).
 */
#ifndef TESSERA_GUEST_WALK_H
#define TESSERA_GUEST_WALK_H

#include <tessera/types.h>

struct guest_mmu {
	u64 cr0, cr3, cr4, efer; /* as the guest sees them */
};

/*
 * Reads size bytes of guest-physical memory at gpa into *out; false if gpa
 * is not guest RAM. The walker asks for size 4 (32-bit paging entries) or
 * 8 (all other entries, and guest_read_linear's data), always at a gpa
 * aligned to size, so a read never crosses a page and a callback that
 * checks RAM a page at a time is exact.
 */
typedef bool (*guest_phys_read_fn)(void *ctx, u64 gpa, void *out, unsigned size);

enum gw_result {
	GW_OK = 0,
	GW_NOT_PRESENT, /* an entry on the way has P (bit 0) clear */
	GW_BAD_TABLE,   /* a table entry's address is not RAM */
	GW_RESERVED,    /* a non-canonical address, or a reserved bit set */
};

/*
 * Translate linear address gva to a guest-physical address in *gpa.
 * 'page_left' (may be NULL) gets the number of bytes from gva to the end
 * of its page, 1 to the page size (4 KiB, 2 MiB, 4 MiB or 1 GiB), so that
 * a caller fetching 15 instruction bytes knows when to translate the next
 * page. Without paging there is no page: page_left counts to the next
 * 4 KiB boundary, so that callers need no special case. Both outputs are
 * written only on GW_OK.
 */
enum gw_result guest_walk(const struct guest_mmu *m, u64 gva, guest_phys_read_fn rd, void *ctx,
			  u64 *gpa, u64 *page_left);

/* "ok", "not present", ...: for messages. */
const char *gw_result_name(enum gw_result r);

/*
 * Copy len bytes at linear address gva into buf, crossing pages as needed
 * (translating each page: two linear pages that follow each other may lie
 * anywhere in guest-physical memory). Returns the number of bytes copied:
 * it stops at the first page that does not translate or read, so a short
 * count means the bytes after it are not the guest's to give.
 */
size_t guest_read_linear(const struct guest_mmu *m, u64 gva, void *buf, size_t len,
			 guest_phys_read_fn rd, void *ctx);

#endif
