/*
 * A vCPU's local APIC as its guest sees it: the policy, once, for both
 * ways in (x2APIC MSRs and the xAPIC MMIO page) and for every backend.
 *
 * A partition owns its CPUs, so the hardware local APIC does the work:
 * its timer, its LVT entries, its in-service and request registers, the
 * EOI. Only what crosses the partition's walls is the hypervisor's:
 *   - the IA32_APIC_BASE MSR (mode, address, BSP flag): virtual, so a
 *     guest can switch modes the way the SDM allows (Vol. 3A 11.12.5)
 *     while the hardware stays in the mode the hypervisor drives it in;
 *   - the ICR: an IPI goes through vcpu_send_ipi(), which only reaches
 *     the partition's own CPUs;
 *   - the APIC ID and, in xAPIC mode, LDR and DFR: values of the
 *     partition's numbering, kept here (in x2APIC mode the hardware's
 *     read-only ID and LDR are already the partition's);
 *   - the TPR, capped below the hypervisor's kick vector, and the SVR,
 *     whose enable bit stays set in hardware so that kicks get through;
 *   - the LVT entries that connect the machine to this CPU (LINT0/1, and
 *     the thermal, performance-counter and CMCI entries, whose sources
 *     a partition does not own): virtual, the hardware entry masked.
 *
 * Registers are named by their x2APIC index: the xAPIC MMIO offset >> 4,
 * the x2APIC MSR - 0x800 (SDM Vol. 3A Table 11-6). The model is pure and
 * portable (host-tested in tests/unit/test_vlapic.c): it says what to do
 * (struct vlapic_op) and the caller does it against the hardware.
 */
#ifndef TESSERA_VLAPIC_H
#define TESSERA_VLAPIC_H

#include <tessera/arch.h>
#include <tessera/types.h>

#define VLAPIC_DEFAULT_BASE 0xfee00000ull
#define VLAPIC_MMIO_SIZE 0x1000u

/* IA32_APIC_BASE (SDM Vol. 3A 11.4.4, Figure 11-5). */
#define VLAPIC_BASE_BSP (1ull << 8)
#define VLAPIC_BASE_EXTD (1ull << 10) /* x2APIC mode (11.12.1) */
#define VLAPIC_BASE_EN (1ull << 11)   /* APIC global enable */
#define VLAPIC_BASE_ADDR 0xfffffffffffff000ull /* up to MAXPHYADDR */

/* Register indexes (x2APIC MSR 0x800 + index; xAPIC offset index << 4). */
enum vlapic_reg {
	VLAPIC_ID = 0x02,
	VLAPIC_VER = 0x03,
	VLAPIC_TPR = 0x08,
	VLAPIC_APR = 0x09,
	VLAPIC_PPR = 0x0a,
	VLAPIC_EOI = 0x0b,
	VLAPIC_RRD = 0x0c,
	VLAPIC_LDR = 0x0d,
	VLAPIC_DFR = 0x0e,
	VLAPIC_SVR = 0x0f,
	VLAPIC_ISR0 = 0x10, /* ISR 0x10-0x17, TMR 0x18-0x1f, IRR 0x20-0x27 */
	VLAPIC_IRR7 = 0x27,
	VLAPIC_ESR = 0x28,
	VLAPIC_LVT_CMCI = 0x2f,
	VLAPIC_ICR = 0x30,
	VLAPIC_ICR_HIGH = 0x31, /* xAPIC only */
	VLAPIC_LVT_TIMER = 0x32,
	VLAPIC_LVT_THERMAL = 0x33,
	VLAPIC_LVT_PERF = 0x34,
	VLAPIC_LVT_LINT0 = 0x35,
	VLAPIC_LVT_LINT1 = 0x36,
	VLAPIC_LVT_ERROR = 0x37,
	VLAPIC_TIMER_ICR = 0x38,
	VLAPIC_TIMER_CCR = 0x39,
	VLAPIC_TIMER_DCR = 0x3e,
	VLAPIC_SELF_IPI = 0x3f, /* x2APIC only */
	VLAPIC_NREGS = 0x40,
};

#define VLAPIC_LVT_MASKED (1u << 16)
/* Version register bit 24: EOI-broadcast suppression (11.8.5). Not
 * offered: the partition's I/O APIC sees every EOI it needs without it. */
#define VLAPIC_VER_EOI_SUPPRESS (1u << 24)
#define VLAPIC_SVR_ENABLE (1u << 8)
/* The highest TPR a guest may set: one class below the kick's, so that
 * no guest priority holds the hypervisor's kick off (11.8.3.1). */
#define VLAPIC_TPR_MAX ((ARCH_RESERVED_VECTOR & 0xf0u) - 1u)

enum vlapic_mode {
	VLAPIC_DISABLED, /* EN = 0, EXTD = 0 */
	VLAPIC_XAPIC,    /* EN = 1, EXTD = 0: the MMIO page */
	VLAPIC_X2APIC,   /* EN = 1, EXTD = 1: the MSRs */
};

struct vlapic {
	u64 base;      /* IA32_APIC_BASE as the guest sees it */
	u32 id;        /* its APIC ID (the partition's numbering) */
	u32 ldr, dfr;  /* xAPIC logical destination and format (11.6.2.2) */
	u32 icr_high;  /* xAPIC: destination for the next ICR write */
	u32 icr_low;   /* last ICR low half written (reads back, idle) */
	u32 svr;       /* the SVR as the guest wrote it */
	u32 lvt_virt[5]; /* CMCI, thermal, perf, LINT0, LINT1 as written */
};

/* Reset (SDM Vol. 3A 11.4.7.1 and Table 11-6 reset values): enabled at
 * the default base, in xAPIC mode, or in x2APIC mode when the platform
 * starts its CPUs so (a firmware that enabled x2APIC). */
void vlapic_reset(struct vlapic *l, u32 apic_id, bool bsp, bool x2apic);

enum vlapic_mode vlapic_mode(const struct vlapic *l);

/* The xAPIC page's guest-physical address, or ~0 when the guest is not in
 * xAPIC mode (then the page is not there). */
u64 vlapic_mmio_base(const struct vlapic *l);

/*
 * A WRMSR to IA32_APIC_BASE. The legal changes (11.12.5, Figure 11-8):
 * disabled <-> xAPIC, xAPIC -> x2APIC, x2APIC -> disabled; the address
 * may change only in xAPIC mode or while disabled. Illegal: x2APIC ->
 * xAPIC, disabled -> x2APIC (EN = 0 with EXTD = 1 is invalid), EXTD on a
 * CPU without x2APIC, reserved bits (0-7, 9, above MAXPHYADDR). The BSP
 * flag is the partition's: written values of it are ignored.
 * cpu_x2apic: the guest's CPUID offers x2APIC. phys_bits: MAXPHYADDR.
 * False with *why for a write the CPU would refuse with #GP.
 */
bool vlapic_set_base(struct vlapic *l, u64 value, bool cpu_x2apic, unsigned phys_bits,
		     const char **why);

enum vlapic_do {
	VLAPIC_DONE,     /* handled here; a read's result is in .value */
	VLAPIC_HW_READ,  /* the guest reads hardware register .reg */
	VLAPIC_HW_WRITE, /* write .value to hardware register .reg */
	VLAPIC_SEND_IPI, /* vcpu_send_ipi(v, .dest, (u32).value) */
	VLAPIC_DO_EOI,   /* an EOI: to the hardware, then to the I/O APIC */
	VLAPIC_FAULT,    /* x2APIC: #GP (11.12.1.2); xAPIC: ignored, counted */
};

struct vlapic_op {
	enum vlapic_do what;
	u32 reg;     /* VLAPIC_HW_READ / VLAPIC_HW_WRITE */
	u64 value;
	u32 dest;    /* VLAPIC_SEND_IPI */
	const char *why; /* VLAPIC_FAULT */
};

/* A read or write of register reg, in the guest's current mode (the
 * caller has checked that the access came the way that mode allows: MSR
 * in x2APIC mode, MMIO in xAPIC mode). For VLAPIC_HW_READ, the caller
 * reads the hardware and then passes the value through
 * vlapic_hw_read_filter(). Values are 32 bits except the x2APIC ICR. */
struct vlapic_op vlapic_read(struct vlapic *l, unsigned reg);
struct vlapic_op vlapic_write(struct vlapic *l, unsigned reg, u64 value);
u64 vlapic_hw_read_filter(const struct vlapic *l, unsigned reg, u64 hw);

/* Does logical destination dest (8 bits, xAPIC) name this APIC, as its
 * LDR and DFR say (flat or cluster model, 11.6.2.2)? */
bool vlapic_logical_match(const struct vlapic *l, u32 dest);

#endif
