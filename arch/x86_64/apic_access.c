/*
 * A guest's local APIC accesses against the hardware APIC of its own CPU
 * (arch/apic_access.h). The decisions are tessera/vlapic.h's; this file
 * only carries them out, in whichever mode the hypervisor drives the
 * hardware (x2APIC MSRs, or the xAPIC page on CPUs without x2APIC).
 */
#include <tessera/irq.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/vlapic.h>
#include <arch/apic_access.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/msr.h>

/* The guest's APIC is the hardware's: it has x2APIC mode only where the
 * hypervisor runs the hardware in that mode (a CPU without x2APIC, or the
 * xAPIC test image, has none to give). */
bool apic_cpu_has_x2apic(void)
{
	return lapic_x2apic_mode();
}

/* MAXPHYADDR (CPUID 80000008H EAX[7:0], SDM Vol. 2A), 36 if not reported. */
static unsigned phys_bits(void)
{
	if (cpuid(0x80000000u, 0).eax >= 0x80000008u)
		return cpuid(0x80000008u, 0).eax & 0xff;
	return 36;
}

void apic_vcpu_start(struct vcpu *v)
{
	bool want = v->part->cfg->apic == APIC_START_X2APIC;
	bool x2 = want && apic_cpu_has_x2apic();

	if (want && !x2 && v->index == 0)
		log_printf("tessera: partition %s: apic = x2apic, but this machine's APICs run in "
			   "xAPIC mode: its CPUs start in xAPIC mode\n", v->part->name);

	vlapic_reset(&v->lapic, v->apic_id, v->index == 0, x2);
	lapic_reset_for_guest();
}

u64 apic_base_read(struct vcpu *v)
{
	return v->lapic.base;
}

bool apic_base_write(struct vcpu *v, u64 value)
{
	struct partition *p = v->part;
	enum vlapic_mode was = vlapic_mode(&v->lapic);
	u64 addr = value & VLAPIC_BASE_ADDR;
	const char *why;

	/* Relocating the xAPIC page over the partition's RAM would need that
	 * page taken out of its EPT; no guest we know does it, so it is
	 * refused (the SDM leaves overlapping RAM undefined, 11.4.1). */
	if ((value & VLAPIC_BASE_EN) && !(value & VLAPIC_BASE_EXTD) &&
	    addr != (v->lapic.base & VLAPIC_BASE_ADDR) && addr < p->mem_size) {
		partition_event(p, EV_MSR,
				"denied wrmsr 0x1b value 0x%llx (#GP): the APIC page cannot move "
				"into the partition's RAM",
				(unsigned long long)value);
		return false;
	}
	if (!vlapic_set_base(&v->lapic, value, apic_cpu_has_x2apic(), phys_bits(), &why)) {
		partition_event(p, EV_MSR, "denied wrmsr 0x1b value 0x%llx (#GP): %s",
				(unsigned long long)value, why);
		return false;
	}
	/* Leaving the disabled state is a reset of the APIC (11.4.3): what the
	 * guest left in the hardware (timer, vectors in service) goes. */
	if (was == VLAPIC_DISABLED && vlapic_mode(&v->lapic) != VLAPIC_DISABLED)
		lapic_reset_for_guest();
	return true;
}

/* The highest vector in service in this CPU's APIC (ISR, 11.8.4), or -1. */
static int in_service_vector(void)
{
	for (int i = 7; i >= 0; i--) {
		u32 isr = (u32)lapic_reg_read(VLAPIC_ISR0 + (unsigned)i);

		if (isr)
			return i * 32 + 31 - __builtin_clz(isr);
	}
	return -1;
}

/* Carry out op; false for a fault. *value gets a read's result. */
static bool perform(struct vcpu *v, struct vlapic_op op, u64 *value)
{
	switch (op.what) {
	case VLAPIC_DONE:
		*value = op.value;
		return true;
	case VLAPIC_HW_READ:
		*value = vlapic_hw_read_filter(&v->lapic, op.reg, lapic_reg_read(op.reg));
		return true;
	case VLAPIC_HW_WRITE:
		lapic_reg_write(op.reg, op.value);
		return true;
	case VLAPIC_SEND_IPI:
		vcpu_send_ipi(v, op.dest, (u32)op.value);
		return true;
	case VLAPIC_DO_EOI: {
		/* The vector in service is the hardware's: an interrupt the
		 * hypervisor acknowledged on exit for the guest (exit.c). The
		 * EOI ends the highest one in service (11.8.5); the partition's
		 * I/O APIC is told which, for its level-triggered entries. */
		int vector = in_service_vector();

		lapic_eoi();
		if (vector >= 0)
			irq_eoi(v->part, (u8)vector);
		return true;
	}
	case VLAPIC_FAULT:
		break;
	}
	return false;
}

bool apic_msr_read(struct vcpu *v, u32 msr, u64 *value)
{
	struct vlapic_op op;

	if (vlapic_mode(&v->lapic) != VLAPIC_X2APIC) {
		/* 11.12.1.2: x2APIC MSRs #GP unless the APIC is in x2APIC mode. */
		partition_event(v->part, EV_MSR, "denied rdmsr 0x%x (#GP): the APIC is not in "
				"x2APIC mode", msr);
		return false;
	}
	op = vlapic_read(&v->lapic, msr - MSR_X2APIC_BASE);
	if (!perform(v, op, value)) {
		partition_event(v->part, EV_MSR, "denied rdmsr 0x%x (#GP): %s", msr, op.why);
		return false;
	}
	return true;
}

bool apic_msr_write(struct vcpu *v, u32 msr, u64 value)
{
	struct vlapic_op op;
	u64 unused;

	if (vlapic_mode(&v->lapic) != VLAPIC_X2APIC) {
		partition_event(v->part, EV_MSR, "denied wrmsr 0x%x value 0x%llx (#GP): the APIC is "
				"not in x2APIC mode", msr, (unsigned long long)value);
		return false;
	}
	op = vlapic_write(&v->lapic, msr - MSR_X2APIC_BASE, value);
	if (!perform(v, op, &unused)) {
		partition_event(v->part, EV_MSR, "denied wrmsr 0x%x value 0x%llx (#GP): %s", msr,
				(unsigned long long)value, op.why);
		return false;
	}
	return true;
}

void apic_cr8_write(struct vcpu *v, u64 value)
{
	u64 unused;

	perform(v, vlapic_write(&v->lapic, VLAPIC_TPR, (value & 0xf) << 4), &unused);
}

u64 apic_cr8_read(struct vcpu *v)
{
	u64 tpr = 0;

	perform(v, vlapic_read(&v->lapic, VLAPIC_TPR), &tpr);
	return (tpr >> 4) & 0xf;
}

bool apic_mmio_hit(const struct vcpu *v, u64 gpa)
{
	u64 base = vlapic_mmio_base(&v->lapic);

	return base != ~0ull && gpa - base < VLAPIC_MMIO_SIZE;
}

/*
 * The xAPIC page (SDM Vol. 3A 11.4.1, Table 11-1): 32-bit registers on
 * 16-byte boundaries, accessed with aligned 32-bit loads and stores. A
 * narrower read inside a register's first four bytes gets those bytes (as
 * the hardware gives them); any other access reads 0 and writes nothing,
 * and is counted, as the SDM leaves it undefined.
 */
bool apic_mmio_access(void *vcpu, u64 gpa, unsigned size, bool write, u64 *value)
{
	struct vcpu *v = vcpu;
	u64 off = gpa - vlapic_mmio_base(&v->lapic);
	unsigned reg = (unsigned)(off >> 4), in = (unsigned)(off & 15);
	u64 r = 0;

	if (!apic_mmio_hit(v, gpa))
		return false;
	if (write && size == 4 && in == 0) {
		u64 unused;

		perform(v, vlapic_write(&v->lapic, reg, *value & 0xffffffffu), &unused);
		return true;
	}
	if (!write && in + size <= 4) {
		perform(v, vlapic_read(&v->lapic, reg), &r);
		*value = (u32)r >> (in * 8);
		if (size < 4)
			*value &= (1ull << (size * 8)) - 1;
		return true;
	}
	partition_event(v->part, EV_UNSUPPORTED,
			"local APIC: %u-byte %s at offset 0x%llx ignored (registers take aligned "
			"32-bit accesses)",
			size, write ? "write" : "read", (unsigned long long)off);
	if (!write)
		*value = 0;
	return true;
}
