/*
 * Local APIC inter-processor interrupts for AP start-up.
 * SDM Vol. 3A 11.6.1 (Interrupt Command Register), 11.12.9 (x2APIC ICR),
 * and 9.4.4.1 (the INIT-SIPI-SIPI sequence).
 */
#include <arch/lapic.h>
#include <arch/cpu.h>
#include <arch/msr.h>
#include <tessera/arch.h>
#include <tessera/limits.h>

#define XAPIC_ICR_LO 0x300
#define XAPIC_ICR_HI 0x310

#define ICR_DELIVERY_NMI (4u << 8)
#define ICR_DELIVERY_INIT (5u << 8)
#define ICR_DELIVERY_STARTUP (6u << 8)
#define ICR_LEVEL_ASSERT (1u << 14)
#define ICR_SEND_PENDING (1u << 12) /* xAPIC only: delivery status */

/* Bound on waiting for the xAPIC to accept an IPI. */
#define ICR_SPIN_LIMIT 1000000

static volatile u32 *xapic;
static bool x2apic;

/*
 * Put this CPU's local APIC in x2APIC mode (SDM Vol. 3A 11.12.1): the
 * same interface on every CPU, and the one partitions get, with access
 * through MSRs the hypervisor can filter one by one. Going from xAPIC to
 * x2APIC mode with the APIC enabled is an allowed transition (11.12.5).
 */
#ifdef TESSERA_HOST_XAPIC
/* The test image `make xapic-image`: the hypervisor drives its APICs in
 * xAPIC mode even where x2APIC exists, so that the path QEMU's TCG CPUs
 * take (no x2APIC) is tested under Bochs too. */
#define HOST_WANTS_X2APIC false
#else
#define HOST_WANTS_X2APIC true
#endif

void lapic_enable_x2apic(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!HOST_WANTS_X2APIC && (base & APIC_BASE_X2APIC)) {
		/* Back to xAPIC only through the disabled state (11.12.5). */
		wrmsr(MSR_IA32_APIC_BASE, base & ~(APIC_BASE_ENABLE | APIC_BASE_X2APIC));
		base &= ~APIC_BASE_X2APIC;
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	}
	if (!HOST_WANTS_X2APIC || !(cpuid(1, 0).ecx & (1u << 21))) {
		/* No x2APIC (QEMU's TCG CPUs): the xAPIC through its MMIO page,
		 * enabled (11.4.3) at the address the firmware left. */
		if (!(base & APIC_BASE_ENABLE))
			wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE);
	} else if (!(base & APIC_BASE_X2APIC)) {
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	}
	/* Software-enable the APIC (SIVR bit 8, SDM 11.9) so it accepts the
	 * hypervisor's kick IPIs, and accept every priority (TPR 0). */
	lapic_init();
	lapic_reg_write(VLAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
	lapic_reg_write(VLAPIC_TPR, 0);
}

void lapic_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	x2apic = base & APIC_BASE_X2APIC;
	/* The 1:1 map covers the APIC page (default 0xfee00000, below 4 GiB). */
	xapic = hpa_to_ptr(base & APIC_BASE_ADDR_MASK);
}

/*
 * One way to the APIC's registers in either mode, by x2APIC index (the
 * xAPIC MMIO offset >> 4, the x2APIC MSR - 0x800; SDM Vol. 3A Table 11-6):
 * MSRs in x2APIC mode, 32-bit MMIO at the base otherwise (11.4.1: "all
 * registers are 128-bit aligned ... accessed with 32-bit loads and
 * stores"). The ICR is 64 bits in both: in xAPIC mode the high half goes
 * first, as the write to the low half sends the IPI (11.6.1).
 */
static void lapic_ready(void)
{
	if (!xapic && !x2apic)
		lapic_init();
}

bool lapic_x2apic_mode(void)
{
	lapic_ready();
	return x2apic;
}

u64 lapic_reg_read(unsigned reg)
{
	lapic_ready();
	if (x2apic)
		return rdmsr(MSR_X2APIC_BASE + reg);
	if (reg == XAPIC_ICR_LO / 16)
		return (u64)xapic[XAPIC_ICR_HI / 4] << 32 | xapic[XAPIC_ICR_LO / 4];
	return xapic[reg * 4];
}

void lapic_reg_write(unsigned reg, u64 value)
{
	lapic_ready();
	if (x2apic) {
		wrmsr(MSR_X2APIC_BASE + reg, value);
		return;
	}
	if (reg == XAPIC_ICR_LO / 16)
		xapic[XAPIC_ICR_HI / 4] = (u32)(value >> 32);
	xapic[reg * 4] = (u32)value;
}

void lapic_eoi(void)
{
	lapic_reg_write(VLAPIC_EOI, 0);
}

static void send_ipi(u32 apic_id, u32 low)
{
	lapic_ready();
	if (x2apic) {
		/* One 64-bit write, destination in bits 63:32 (SDM 11.12.9). */
		wrmsr(MSR_X2APIC_ICR, ((u64)apic_id << 32) | low);
		return;
	}
	/* xAPIC: the destination in bits 63:56 (11.6.1). Several CPUs send
	 * (kicks, guests' IPIs); each CPU has its own APIC, so no lock. */
	lapic_reg_write(XAPIC_ICR_LO / 16, (u64)(apic_id << 24) << 32 | low);
	for (int i = 0; i < ICR_SPIN_LIMIT && (xapic[XAPIC_ICR_LO / 4] & ICR_SEND_PENDING); i++)
		cpu_relax();
}

void lapic_send_init(u32 apic_id)
{
	send_ipi(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
}

void lapic_send_fixed(u32 apic_id, u8 vector)
{
	send_ipi(apic_id, vector); /* delivery mode 000 = fixed */
}

/* Delivery mode NMI: the vector field is ignored and should be 0
 * (SDM Vol. 3A 11.6.1); edge triggered. */
void lapic_send_nmi(u32 apic_id)
{
	send_ipi(apic_id, ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT);
}

void lapic_send_sipi(u32 apic_id, u8 vector)
{
	send_ipi(apic_id, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | vector);
}

/*
 * A partition's guest owns its CPU's local APIC (x2APIC MSRs passed
 * through, msr.c), so a stopped guest can leave its timer armed and
 * vectors in service. The next guest on this CPU starts from a quiet APIC:
 * timer masked and disarmed (SDM Vol. 3A 11.5.1, 11.5.4.1), every
 * in-service vector ended (11.8.5), errors cleared, TPR 0.
 */
void lapic_reset_for_guest(void)
{
	lapic_reg_write(VLAPIC_LVT_TIMER, LVT_MASK);
	lapic_reg_write(VLAPIC_TIMER_ICR, 0);
	if (cpuid(1, 0).ecx & (1u << 24)) /* TSC-deadline mode exists */
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	lapic_reg_write(VLAPIC_LVT_LINT0, LVT_MASK);
	lapic_reg_write(VLAPIC_LVT_LINT1, LVT_MASK);
	for (int n = 0; n < 256; n++) {
		bool any = false;

		for (u32 i = 0; i < 8; i++)
			any |= lapic_reg_read(VLAPIC_ISR0 + i) != 0;
		if (!any)
			break;
		lapic_eoi();
	}
	lapic_reg_write(VLAPIC_ESR, 0);
	lapic_reg_write(VLAPIC_TPR, 0);
	lapic_reg_write(VLAPIC_SVR, 0x100 | SPURIOUS_VECTOR);
}

/*
 * A periodic tick on this CPU's own local APIC timer (SDM Vol. 3A 11.5.4),
 * for a CPU that runs no guest (the console's): it can then sleep in HLT
 * between its steps instead of spinning, which on real hardware saves
 * power and under an emulator gives the host core back to the vCPUs. The
 * timer's rate is not architectural: it is measured against the TSC over
 * 1 ms, with divide-by-16 (the divide configuration register, 11.5.4).
 */
#define TIMER_PERIODIC (1u << 17)
#define DCR_DIVIDE_16 0x3

static volatile bool tick_on[MAX_CPUS];

bool lapic_tick_start(unsigned cpu, unsigned hz)
{
	u32 left;
	u64 per_ms, count;

	if (cpu >= MAX_CPUS || !hz)
		return false;
	lapic_reg_write(VLAPIC_LVT_TIMER, LVT_MASK);
	lapic_reg_write(VLAPIC_TIMER_DCR, DCR_DIVIDE_16);
	lapic_reg_write(VLAPIC_TIMER_ICR, 0xffffffffu);
	arch_delay_us(1000);
	left = (u32)lapic_reg_read(VLAPIC_TIMER_CCR);
	per_ms = 0xffffffffull - left;
	count = per_ms * 1000 / hz;
	if (!count || count > 0xffffffffull) {
		lapic_reg_write(VLAPIC_TIMER_ICR, 0);
		return false;
	}
	tick_on[cpu] = true;
	lapic_reg_write(VLAPIC_LVT_TIMER, TIMER_PERIODIC | TICK_VECTOR);
	lapic_reg_write(VLAPIC_TIMER_ICR, count);
	return true;
}

bool lapic_is_tick(unsigned cpu, u8 vector)
{
	return vector == TICK_VECTOR && cpu < MAX_CPUS && tick_on[cpu];
}
