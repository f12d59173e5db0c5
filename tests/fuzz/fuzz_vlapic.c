/*
 * The guest local APIC's register filter (hv/vlapic.c).
 *
 * Input: a sequence of operations, a byte each (bits 7:5 say which):
 *   000p pppc  WRMSR IA32_APIC_BASE with the next 8 bytes; c: the CPU
 *              has x2APIC; MAXPHYADDR 36 + pppp
 *   001x xxxx  read register (next byte, mod 64)
 *   010x xxxx  write register (next byte, mod 64) with the next 8 bytes
 *   011x xxxx  filter a hardware read (register, then 8 bytes)
 *   100x xxxx  match a logical destination (next byte)
 *   others     reset with the next byte as APIC ID; bit 0 BSP, bit 1 x2APIC
 * Invariants: IA32_APIC_BASE changes only as SDM Vol. 3A Figure 11-8
 * allows (never x2APIC -> xAPIC or disabled -> x2APIC, no reserved bits,
 * the BSP flag kept), and a refused write changes nothing; the MMIO page
 * exists only in xAPIC mode; nothing faults in xAPIC mode; in x2APIC mode
 * a write with bits 63:32 set faults unless it is the ICR; what reaches
 * the hardware is never one of the registers kept virtual, the TPR is
 * capped, the SVR stays enabled in hardware, an ESR write writes 0; an IPI
 * carries only the ICR's writable bits; the virtual LVT entries read
 * back as written.
 */
#include "fuzz.h"

#include <tessera/vlapic.h>

#define RESERVED_LOW 0x2ffull
#define ICR_LOW_WRITABLE 0x000ccfffull

static struct vlapic l;
static u32 lvt_shadow[VLAPIC_NREGS];

static bool is_virtual(unsigned reg)
{
	switch (reg) {
	case VLAPIC_LVT_CMCI:
	case VLAPIC_LVT_THERMAL:
	case VLAPIC_LVT_PERF:
	case VLAPIC_LVT_LINT0:
	case VLAPIC_LVT_LINT1:
	case VLAPIC_ID:
	case VLAPIC_DFR:
	case VLAPIC_ICR:
	case VLAPIC_ICR_HIGH:
	case VLAPIC_SELF_IPI:
		return true;
	}
	return false;
}

static bool is_virtual_lvt(unsigned reg)
{
	return reg == VLAPIC_LVT_CMCI || (reg >= VLAPIC_LVT_THERMAL && reg <= VLAPIC_LVT_LINT1);
}

static void reset(u32 id, bool bsp, bool x2)
{
	vlapic_reset(&l, id, bsp, x2);
	for (unsigned i = 0; i < VLAPIC_NREGS; i++)
		lvt_shadow[i] = VLAPIC_LVT_MASKED;
}

static void check_op(const struct vlapic_op *op, bool x2, bool write, unsigned reg, u64 value)
{
	FUZZ_CHECK(op->what <= VLAPIC_FAULT);
	if (!x2)
		FUZZ_CHECK(op->what != VLAPIC_FAULT);
	if (op->what == VLAPIC_FAULT)
		FUZZ_CHECK(op->why && op->why[0]);
	if (x2 && write && reg != VLAPIC_ICR && (value >> 32))
		FUZZ_CHECK(op->what == VLAPIC_FAULT);
	if (op->what == VLAPIC_HW_READ || op->what == VLAPIC_HW_WRITE) {
		FUZZ_CHECK(op->reg == reg && reg < VLAPIC_NREGS && !is_virtual(reg));
		FUZZ_CHECK(reg != VLAPIC_SVR || write);
		FUZZ_CHECK(reg != VLAPIC_LDR || x2);
	}
	if (op->what == VLAPIC_HW_WRITE) {
		FUZZ_CHECK(write && op->value <= 0xffffffffull);
		if (reg == VLAPIC_TPR)
			FUZZ_CHECK(op->value <= VLAPIC_TPR_MAX);
		if (reg == VLAPIC_SVR)
			FUZZ_CHECK((op->value & VLAPIC_SVR_ENABLE) && op->value <= 0x1ff);
		if (reg == VLAPIC_ESR)
			FUZZ_CHECK(op->value == 0);
	}
	if (op->what == VLAPIC_SEND_IPI)
		FUZZ_CHECK(write && (op->value & ~ICR_LOW_WRITABLE) == 0);
	if (op->what == VLAPIC_DO_EOI)
		FUZZ_CHECK(write && reg == VLAPIC_EOI);
}

static void set_base(u64 value, bool cpu_x2, unsigned phys_bits)
{
	struct vlapic before = l;
	enum vlapic_mode from = vlapic_mode(&l), to;
	const char *why = NULL;
	bool ok = vlapic_set_base(&l, value, cpu_x2, phys_bits, &why);

	to = vlapic_mode(&l);
	if (!ok) {
		FUZZ_CHECK(why && why[0]);
		FUZZ_CHECK(memcmp(&l, &before, sizeof(l)) == 0);
		return;
	}
	FUZZ_CHECK(!(value & RESERVED_LOW) && !(value >> phys_bits));
	FUZZ_CHECK(!(from == VLAPIC_X2APIC && to == VLAPIC_XAPIC));
	FUZZ_CHECK(!(from == VLAPIC_DISABLED && to == VLAPIC_X2APIC));
	FUZZ_CHECK(to != VLAPIC_X2APIC || cpu_x2);
	FUZZ_CHECK((l.base & VLAPIC_BASE_BSP) == (before.base & VLAPIC_BASE_BSP));
	FUZZ_CHECK((l.base & ~VLAPIC_BASE_BSP) == (value & ~VLAPIC_BASE_BSP));
	if (from == VLAPIC_DISABLED && to != VLAPIC_DISABLED)
		for (unsigned i = 0; i < VLAPIC_NREGS; i++)
			lvt_shadow[i] = VLAPIC_LVT_MASKED; /* a power-up reset */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in(data, size);

	reset(0, true, false);
	while (fuzz_more(&in)) {
		u8 op = fuzz_u8(&in);
		bool x2 = vlapic_mode(&l) == VLAPIC_X2APIC;
		unsigned reg;
		struct vlapic_op r;
		u64 v;

		switch (op >> 5) {
		case 0:
			v = fuzz_u64(&in);
			set_base(v, op & 1, 36 + ((op >> 1) & 15));
			break;
		case 1:
			reg = fuzz_u8(&in) % VLAPIC_NREGS;
			r = vlapic_read(&l, reg);
			check_op(&r, x2, false, reg, 0);
			if (is_virtual_lvt(reg))
				FUZZ_CHECK(r.what == VLAPIC_DONE && r.value == lvt_shadow[reg]);
			if (reg == VLAPIC_ID && r.what == VLAPIC_DONE)
				FUZZ_CHECK(r.value == (x2 ? l.id : (l.id & 0xff) << 24));
			break;
		case 2:
			reg = fuzz_u8(&in) % VLAPIC_NREGS;
			v = fuzz_u64(&in);
			r = vlapic_write(&l, reg, v);
			check_op(&r, x2, true, reg, v);
			if (is_virtual_lvt(reg) && r.what == VLAPIC_DONE)
				lvt_shadow[reg] = (u32)v;
			break;
		case 3:
			reg = fuzz_u8(&in) % VLAPIC_NREGS;
			v = vlapic_hw_read_filter(&l, reg, fuzz_u64(&in));
			FUZZ_CHECK(v <= 0xffffffffull);
			if (reg == VLAPIC_VER)
				FUZZ_CHECK(!(v & VLAPIC_VER_EOI_SUPPRESS));
			break;
		case 4:
			(void)vlapic_logical_match(&l, fuzz_u8(&in));
			break;
		default:
			reset(fuzz_u8(&in), op & 1, op & 2);
			break;
		}
		v = vlapic_mmio_base(&l);
		if (vlapic_mode(&l) == VLAPIC_XAPIC)
			FUZZ_CHECK(v == (l.base & VLAPIC_BASE_ADDR));
		else
			FUZZ_CHECK(v == ~0ull);
		FUZZ_CHECK(!((l.base & VLAPIC_BASE_EXTD) && !(l.base & VLAPIC_BASE_EN)));
	}
	return 0;
}
