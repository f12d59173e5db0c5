/*
 * Local APIC inter-processor interrupts for AP start-up.
 * SDM Vol. 3A 11.6.1 (Interrupt Command Register), 11.12.9 (x2APIC ICR),
 * and 9.4.4.1 (the INIT-SIPI-SIPI sequence).
 */
#include <arch/lapic.h>
#include <arch/cpu.h>
#include <arch/msr.h>

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
void lapic_enable_x2apic(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	if (!(cpuid(1, 0).ecx & (1u << 21)))
		return;
	if (!(base & APIC_BASE_X2APIC))
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_ENABLE | APIC_BASE_X2APIC);
	/* Software-enable the APIC (SIVR bit 8, SDM 11.9) so it accepts the
	 * hypervisor's kick IPIs, and accept every priority (TPR 0). */
	wrmsr(MSR_X2APIC_SIVR, 0x100 | SPURIOUS_VECTOR);
	wrmsr(MSR_X2APIC_TPR, 0);
}

void lapic_init(void)
{
	u64 base = rdmsr(MSR_IA32_APIC_BASE);

	x2apic = base & APIC_BASE_X2APIC;
	/* The 1:1 map covers the APIC page (default 0xfee00000, below 4 GiB). */
	xapic = hpa_to_ptr(base & APIC_BASE_ADDR_MASK);
}

static void send_ipi(u32 apic_id, u32 low)
{
	if (!xapic && !x2apic)
		lapic_init();
	if (x2apic) {
		/* One 64-bit write, destination in bits 63:32 (SDM 11.12.9). */
		wrmsr(MSR_X2APIC_ICR, ((u64)apic_id << 32) | low);
		return;
	}
	xapic[XAPIC_ICR_HI / 4] = apic_id << 24;
	xapic[XAPIC_ICR_LO / 4] = low; /* the write to the low half sends it */
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
	if (!xapic && !x2apic)
		lapic_init();
	if (!x2apic)
		return;
	wrmsr(MSR_X2APIC_LVT_TIMER, LVT_MASK);
	wrmsr(MSR_X2APIC_TIMER_ICR, 0);
	if (cpuid(1, 0).ecx & (1u << 24)) /* TSC-deadline mode exists */
		wrmsr(MSR_IA32_TSC_DEADLINE, 0);
	for (int n = 0; n < 256; n++) {
		bool any = false;

		for (u32 i = 0; i < 8; i++)
			any |= rdmsr(MSR_X2APIC_ISR0 + i) != 0;
		if (!any)
			break;
		wrmsr(MSR_X2APIC_EOI, 0);
	}
	wrmsr(MSR_X2APIC_ESR, 0);
	wrmsr(MSR_X2APIC_TPR, 0);
	wrmsr(MSR_X2APIC_SIVR, 0x100 | SPURIOUS_VECTOR);
}
