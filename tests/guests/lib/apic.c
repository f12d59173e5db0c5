/*
 * Local APIC access and AP start-up. Tessera offers x2APIC (SDM Vol. 3A
 * 11.12): IPIs are one WRMSR to the ICR (11.12.9). Plain QEMU TCG (no
 * x2APIC) gets the xAPIC MMIO page at 0xFEE00000 instead (11.6.1).
 */
#include "guest.h"

#define APIC_BASE_EN (1u << 11)   /* global enable */
#define APIC_BASE_EXTD (1u << 10) /* x2APIC mode */
#define XAPIC_MMIO 0xFEE00000u
#define XAPIC_ID 0x020
#define XAPIC_ICR_LO 0x300
#define XAPIC_ICR_HI 0x310
#define ICR_PENDING (1u << 12) /* delivery status, xAPIC only */

static volatile bool x2apic;

bool apic_enable(void)
{
	u32 a, b, c, d;
	u64 base;
	cpuid(1, 0, &a, &b, &c, &d);
	x2apic = false;
	/* CPUID.1:ECX bit 21 = x2APIC. Under Tessera try anyway: x2APIC is
	 * the contract, and a missing CPUID bit then shows as a failure. */
	if (!(c & (1u << 21)) && !hv_present())
		return false;
	if (safe_rdmsr(MSR_APIC_BASE, &base) != PROBE_NONE)
		return false;
	/* 11.12.5: disabled -> x2APIC directly is invalid; go via xAPIC. */
	if (!(base & APIC_BASE_EN)) {
		base |= APIC_BASE_EN;
		if (safe_wrmsr(MSR_APIC_BASE, base) != PROBE_NONE)
			return false;
	}
	if (!(base & APIC_BASE_EXTD) && safe_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EXTD) != PROBE_NONE)
		return false;
	if (safe_rdmsr(MSR_APIC_BASE, &base) != PROBE_NONE || !(base & APIC_BASE_EXTD))
		return false;
	x2apic = true;
	return true;
}

u32 apic_id(void)
{
	if (x2apic)
		return (u32)rdmsr(MSR_X2APIC_ID); /* 11.12.5.1: the full 32-bit ID */
	return peek32(XAPIC_MMIO + XAPIC_ID) >> 24;
}

void apic_send_ipi(u32 id, u32 icr_low)
{
	if (x2apic) {
		/* 11.12.9: one 64-bit write, destination in bits 63:32. */
		wrmsr(MSR_X2APIC_ICR, ((u64)id << 32) | icr_low);
		return;
	}
	poke32(XAPIC_MMIO + XAPIC_ICR_HI, id << 24); /* the low write sends */
	poke32(XAPIC_MMIO + XAPIC_ICR_LO, icr_low);
	for (unsigned i = 0; i < 1000000 && (peek32(XAPIC_MMIO + XAPIC_ICR_LO) & ICR_PENDING); i++)
		cpu_pause();
}

void delay_cycles(u64 cycles)
{
	u64 start = rdtsc();
	while (rdtsc() - start < cycles)
		cpu_pause();
}

extern const u8 ap_tramp_start[], ap_tramp_end[];
static volatile ap_fn ap_callback;
static volatile bool ap_x2apic = true;

void ap_main_c(u32 slot);
void ap_main_c(u32 slot)
{
	idt_load();
	if (ap_x2apic)
		apic_enable(); /* x2APIC mode is per CPU: each AP sets its own */
	if (ap_callback)
		ap_callback(slot);
	guest_idle();
}

void ap_prepare(ap_fn fn, bool enable_x2apic)
{
	memcpy((void *)TRAMPOLINE_BASE, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	ap_callback = fn;
	ap_x2apic = enable_x2apic;
	__asm__ volatile("" ::: "memory");
}

void ap_start(const u32 *ids, u32 n, ap_fn fn)
{
	/* The waits of SDM 9.4.4.1 (10 ms after INIT, 200 us between the
	 * SIPIs) are hardware settling times; the TSC rate is unknown, so
	 * assume <= 4 GHz. Under Tessera INIT and SIPI are emulated, and
	 * every cycle spent here is slow under Bochs: wait much less. */
	bool hv = hv_present();
	u64 init_wait = hv ? 1000000 : 40000000, sipi_wait = hv ? 100000 : 800000;

	ap_prepare(fn, true);
	for (u32 i = 0; i < n; i++)
		apic_send_ipi(ids[i], ICR_INIT);
	delay_cycles(init_wait);
	for (int round = 0; round < 2; round++) {
		for (u32 i = 0; i < n; i++)
			apic_send_ipi(ids[i], ICR_SIPI | TRAMPOLINE_VECTOR);
		delay_cycles(sipi_wait);
	}
}
