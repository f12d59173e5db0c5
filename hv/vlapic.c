/*
 * The guest's local APIC register filter (tessera/vlapic.h): which
 * accesses reach the hardware APIC, which are the hypervisor's, and what
 * a guest reads back. SDM Vol. 3A chapter 11 throughout; Table 11-1 (the
 * xAPIC register map) and Table 11-6 (x2APIC MSRs: which are read-only,
 * write-only, or absent in that mode).
 */
#include <tessera/vlapic.h>

#define BASE_RESERVED_LOW 0x2ffull /* bits 7:0 and 9 */
#define ICR_LOW_DELIVERY_STATUS (1u << 12)
/* The ICR low bits a guest writes: vector, delivery mode, destination
 * mode, level, trigger mode, shorthand (Figure 11-12). */
#define ICR_LOW_WRITABLE 0x000ccfffu
#define ICR_SHORTHAND_SELF (1u << 18)
#define ICR_SHORTHAND_ALL (2u << 18)
#define ICR_SHORTHAND_MASK (3u << 18)
#define ICR_DEST_LOGICAL (1u << 11)

/* The LVT entries kept virtual, in the order of lvt_virt[]. */
static int virt_lvt_slot(unsigned reg)
{
	switch (reg) {
	case VLAPIC_LVT_CMCI:
		return 0;
	case VLAPIC_LVT_THERMAL:
		return 1;
	case VLAPIC_LVT_PERF:
		return 2;
	case VLAPIC_LVT_LINT0:
		return 3;
	case VLAPIC_LVT_LINT1:
		return 4;
	}
	return -1;
}

void vlapic_reset(struct vlapic *l, u32 apic_id, bool bsp, bool x2apic)
{
	*l = (struct vlapic){ 0 };
	l->base = VLAPIC_DEFAULT_BASE | VLAPIC_BASE_EN | (bsp ? VLAPIC_BASE_BSP : 0) |
		  (x2apic ? VLAPIC_BASE_EXTD : 0);
	l->id = apic_id;
	l->dfr = 0xffffffffu; /* flat model (11.6.2.2) */
	l->svr = 0xff;        /* software-disabled, spurious vector 0xff (11.9) */
	for (unsigned i = 0; i < 5; i++)
		l->lvt_virt[i] = VLAPIC_LVT_MASKED;
}

enum vlapic_mode vlapic_mode(const struct vlapic *l)
{
	if (!(l->base & VLAPIC_BASE_EN))
		return VLAPIC_DISABLED;
	return (l->base & VLAPIC_BASE_EXTD) ? VLAPIC_X2APIC : VLAPIC_XAPIC;
}

u64 vlapic_mmio_base(const struct vlapic *l)
{
	return vlapic_mode(l) == VLAPIC_XAPIC ? l->base & VLAPIC_BASE_ADDR : ~0ull;
}

bool vlapic_set_base(struct vlapic *l, u64 value, bool cpu_x2apic, unsigned phys_bits,
		     const char **why)
{
	u64 above = phys_bits >= 64 ? 0 : ~0ull << phys_bits;
	bool en = value & VLAPIC_BASE_EN, extd = value & VLAPIC_BASE_EXTD;
	enum vlapic_mode from = vlapic_mode(l);
	enum vlapic_mode to = !en ? VLAPIC_DISABLED : extd ? VLAPIC_X2APIC : VLAPIC_XAPIC;

	if (value & (BASE_RESERVED_LOW | above)) {
		*why = "reserved bits set";
		return false;
	}
	if (extd && !cpu_x2apic) {
		*why = "x2APIC mode on a CPU without x2APIC";
		return false;
	}
	if (!en && extd) { /* 11.12.5: EN = 0, EXTD = 1 is an invalid state */
		*why = "EXTD without EN is an invalid state";
		return false;
	}
	if (from == VLAPIC_DISABLED && to == VLAPIC_X2APIC) {
		*why = "disabled to x2APIC directly (xAPIC mode comes first)";
		return false;
	}
	if (from == VLAPIC_X2APIC && to == VLAPIC_XAPIC) {
		*why = "x2APIC to xAPIC directly (it must be disabled first)";
		return false;
	}
	if (from == VLAPIC_X2APIC && to == VLAPIC_X2APIC &&
	    (value & VLAPIC_BASE_ADDR) != (l->base & VLAPIC_BASE_ADDR)) {
		/* The address means nothing in x2APIC mode; keep it as it was,
		 * as a change of it is "reserved" there. */
		*why = "the base address cannot move in x2APIC mode";
		return false;
	}
	if (from == VLAPIC_DISABLED && to != VLAPIC_DISABLED) {
		/* Leaving the disabled state resets the APIC's virtual state
		 * (11.4.3: "equivalent to power-up reset"). */
		u32 id = l->id;
		u64 bsp = l->base & VLAPIC_BASE_BSP;

		vlapic_reset(l, id, bsp, false);
	}
	l->base = (value & ~VLAPIC_BASE_BSP) | (l->base & VLAPIC_BASE_BSP);
	return true;
}

static struct vlapic_op done(u64 value)
{
	return (struct vlapic_op){ .what = VLAPIC_DONE, .value = value };
}

static struct vlapic_op hw_read(unsigned reg)
{
	return (struct vlapic_op){ .what = VLAPIC_HW_READ, .reg = reg };
}

static struct vlapic_op hw_write(unsigned reg, u64 value)
{
	return (struct vlapic_op){ .what = VLAPIC_HW_WRITE, .reg = reg, .value = value };
}

static struct vlapic_op fault(const char *why)
{
	return (struct vlapic_op){ .what = VLAPIC_FAULT, .why = why };
}

struct vlapic_op vlapic_read(struct vlapic *l, unsigned reg)
{
	bool x2 = vlapic_mode(l) == VLAPIC_X2APIC;
	int slot = virt_lvt_slot(reg);

	if (slot >= 0)
		return done(l->lvt_virt[slot]);
	switch (reg) {
	case VLAPIC_ID:
		/* xAPIC: the ID in bits 31:24 (Figure 11-6); x2APIC: 32 bits. */
		return done(x2 ? l->id : (l->id & 0xff) << 24);
	case VLAPIC_VER:
	case VLAPIC_TPR:
	case VLAPIC_PPR:
	case VLAPIC_ESR:
	case VLAPIC_LVT_TIMER:
	case VLAPIC_LVT_ERROR:
	case VLAPIC_TIMER_ICR:
	case VLAPIC_TIMER_CCR:
	case VLAPIC_TIMER_DCR:
		return hw_read(reg);
	case VLAPIC_APR:
	case VLAPIC_RRD:
		/* Not in x2APIC mode (Table 11-6), so not readable from an
		 * x2APIC-mode hardware APIC either: 0, as on CPUs without them. */
		return x2 ? fault("no such x2APIC register") : done(0);
	case VLAPIC_EOI:
		return x2 ? fault("the EOI register is write-only") : done(0);
	case VLAPIC_LDR:
		if (x2) /* the hardware's, derived from its x2APIC ID (11.12.10.2) */
			return hw_read(reg);
		return done(l->ldr);
	case VLAPIC_DFR:
		return x2 ? fault("no DFR in x2APIC mode") : done(l->dfr);
	case VLAPIC_SVR:
		return done(l->svr);
	case VLAPIC_ICR:
		/* Delivery status always reads idle: the IPI left at once. */
		return done(x2 ? ((u64)l->icr_high << 32 | l->icr_low) : l->icr_low);
	case VLAPIC_ICR_HIGH:
		return x2 ? fault("no ICR high half in x2APIC mode") : done(l->icr_high);
	case VLAPIC_SELF_IPI:
		return x2 ? fault("SELF IPI is write-only") : done(0);
	}
	if (reg >= VLAPIC_ISR0 && reg <= VLAPIC_IRR7)
		return hw_read(reg);
	return x2 ? fault("no such x2APIC register") : done(0);
}

u64 vlapic_hw_read_filter(const struct vlapic *l, unsigned reg, u64 hw)
{
	(void)l;
	/* Every register that reaches here is 32 bits (an x2APIC RDMSR's
	 * bits 63:32 are reserved), VER included: VER used to skip this mask
	 * and pass bits 63:32 of the RDMSR through (found by
	 * tests/fuzz/fuzz_vlapic.c). */
	if (reg == VLAPIC_VER)
		hw &= ~(u64)VLAPIC_VER_EOI_SUPPRESS;
	return hw & 0xffffffffu;
}

struct vlapic_op vlapic_write(struct vlapic *l, unsigned reg, u64 value)
{
	bool x2 = vlapic_mode(l) == VLAPIC_X2APIC;
	u32 v = (u32)value;
	int slot = virt_lvt_slot(reg);

	/* x2APIC MSRs other than the ICR are 32 bits: the upper half must be
	 * 0 (Table 11-6 note: "reserved bits ... #GP"). */
	if (x2 && reg != VLAPIC_ICR && value >> 32)
		return fault("bits 63:32 are reserved");
	if (slot >= 0) {
		l->lvt_virt[slot] = v;
		/* LINT0/1 connect the machine's pins (the PIC's ExtINT, NMI);
		 * the other three, sources the partition does not own. The
		 * hardware entries stay masked (11.5.1). */
		return done(0);
	}
	switch (reg) {
	case VLAPIC_TPR:
		return hw_write(reg, MIN(v & 0xffu, VLAPIC_TPR_MAX));
	case VLAPIC_EOI:
		if (x2 && v) /* 11.12.1.2: a non-zero x2APIC EOI write is #GP */
			return fault("a non-zero EOI write");
		return (struct vlapic_op){ .what = VLAPIC_DO_EOI };
	case VLAPIC_LDR:
		if (x2)
			return fault("LDR is read-only in x2APIC mode");
		l->ldr = v & 0xff000000u;
		return done(0);
	case VLAPIC_DFR:
		if (x2)
			return fault("no DFR in x2APIC mode");
		l->dfr = (v & 0xf0000000u) | 0x0fffffffu;
		return done(0);
	case VLAPIC_SVR:
		/* The guest's vector and enable bit are its own view; in
		 * hardware the APIC stays software-enabled for the kick. Bit 12
		 * (EOI-broadcast suppression) is not offered (VER bit 24). */
		l->svr = v & 0x1ffu;
		return hw_write(reg, (v & 0xffu) | VLAPIC_SVR_ENABLE);
	case VLAPIC_ESR:
		/* 11.5.3: a write (of 0 in x2APIC mode) updates the ESR. */
		if (x2 && v)
			return fault("a non-zero ESR write");
		return hw_write(reg, 0);
	case VLAPIC_LVT_TIMER:
	case VLAPIC_LVT_ERROR:
	case VLAPIC_TIMER_ICR:
	case VLAPIC_TIMER_DCR:
		return hw_write(reg, v);
	case VLAPIC_ICR:
		if (x2) {
			l->icr_high = (u32)(value >> 32);
			l->icr_low = v & ICR_LOW_WRITABLE;
			return (struct vlapic_op){ .what = VLAPIC_SEND_IPI,
						   .value = v & ICR_LOW_WRITABLE,
						   .dest = (u32)(value >> 32) };
		}
		/* xAPIC: writing the low half sends (11.6.1); the destination
		 * is bits 63:56, written before. A physical destination of 0xff
		 * is the broadcast (11.6.2.1): the all-including-self shorthand
		 * says the same to vcpu_send_ipi in either mode. */
		l->icr_low = v & ICR_LOW_WRITABLE & ~ICR_LOW_DELIVERY_STATUS;
		if (!(v & ICR_DEST_LOGICAL) && (l->icr_high >> 24) == 0xff &&
		    !(v & ICR_SHORTHAND_MASK))
			return (struct vlapic_op){ .what = VLAPIC_SEND_IPI,
						   .value = l->icr_low | ICR_SHORTHAND_ALL,
						   .dest = 0xff };
		return (struct vlapic_op){ .what = VLAPIC_SEND_IPI, .value = l->icr_low,
					   .dest = l->icr_high >> 24 };
	case VLAPIC_ICR_HIGH:
		if (x2)
			return fault("no ICR high half in x2APIC mode");
		l->icr_high = v & 0xff000000u;
		return done(0);
	case VLAPIC_SELF_IPI:
		if (!x2)
			return done(0);
		/* 11.12.11: the same as a fixed IPI with the self shorthand. */
		return (struct vlapic_op){ .what = VLAPIC_SEND_IPI,
					   .value = (v & 0xffu) | ICR_SHORTHAND_SELF,
					   .dest = l->id };
	case VLAPIC_ID:
	case VLAPIC_VER:
	case VLAPIC_PPR:
	case VLAPIC_TIMER_CCR:
	case VLAPIC_APR:
	case VLAPIC_RRD:
		return x2 ? fault("a read-only register") : done(0);
	}
	if (reg >= VLAPIC_ISR0 && reg <= VLAPIC_IRR7)
		return x2 ? fault("a read-only register") : done(0);
	return x2 ? fault("no such x2APIC register") : done(0);
}

bool vlapic_logical_match(const struct vlapic *l, u32 dest)
{
	u32 ldr = l->ldr >> 24;

	dest &= 0xff;
	if ((l->dfr >> 28) == 0xf) /* flat: a bit per APIC */
		return (ldr & dest) != 0;
	/* cluster (DFR model 0): bits 7:4 the cluster, 3:0 a bit per APIC;
	 * cluster 0xf is broadcast to all clusters (11.6.2.2). */
	return ((dest >> 4) == 0xf || (dest >> 4) == (ldr >> 4)) && (dest & ldr & 0xf);
}
