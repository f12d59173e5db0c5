/*
 * bench: what a VM exit costs, in the guest's own TSC cycles, for
 * `make bench` (tools/bench.py). Each figure is the average over
 * BENCH_ROUNDS iterations of a loop, after a short warm-up:
 *
 *   bench: cpuid cycles=N     CPUID leaf 0: one CPUID exit round trip
 *                             (SDM Vol. 3C 26.1.2: CPUID always exits)
 *   bench: vmcall cycles=N    VMCALL HC_VERSION: one hypercall round trip
 *   bench: loop cycles=N      the same loop with an empty body (baseline)
 * and, with a hypervisor, what the guest's local APIC costs (issue 11):
 *   bench: xapic_eoi cycles=N   a write of the xAPIC EOI register (MMIO:
 *                               an EPT violation, decoded and emulated)
 *   bench: xapic_read cycles=N  a read of the xAPIC TPR (the same path)
 *   bench: xapic_icr cycles=N   an xAPIC ICR write: INIT to itself, which
 *                               Tessera's ICR filter drops without a word
 *                               (the cost of the filter, not of an IPI)
 *   bench: x2apic_eoi cycles=N  the x2APIC EOI MSR: passed through, no exit
 *   bench: x2apic_icr cycles=N  the x2APIC ICR MSR: a WRMSR exit, filtered
 *   BENCH-DONE
 * then HC_EXIT(0). The figures include the loop itself: subtract the
 * baseline for the exit alone. Under Bochs the TSC counts instructions,
 * so these are stable counts; on hardware they are real cycles.
 * Without a hypervisor (no VMCALL) the vmcall line says so.
 */
#include "guest.h"

#define BENCH_ROUNDS 1000u
#define BENCH_WARMUP 10u

static u64 time_cpuid(u32 rounds)
{
	u64 t0 = rdtsc();
	for (u32 i = 0; i < rounds; i++) {
		u32 a = 0, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
	}
	return rdtsc() - t0;
}

/* A bare VMCALL (VMMCALL on AMD), without the probe of hc_call(): only
 * run after hv_present() said a hypervisor answers. */
static u64 time_vmcall(u32 rounds)
{
	bool amd = cpu_is_amd();
	u64 t0 = rdtsc();
	for (u32 i = 0; i < rounds; i++) {
		u32 a = HC_VERSION;
		if (amd)
			__asm__ volatile("vmmcall" : "+a"(a) : "b"(0), "c"(0), "d"(0) : "memory");
		else
			__asm__ volatile("vmcall" : "+a"(a) : "b"(0), "c"(0), "d"(0) : "memory");
	}
	return rdtsc() - t0;
}

static u64 time_loop(u32 rounds)
{
	u64 t0 = rdtsc();
	for (u32 i = 0; i < rounds; i++)
		__asm__ volatile("" ::: "memory"); /* keep the loop */
	return rdtsc() - t0;
}

/* The local APIC: xAPIC page at its reset address, x2APIC MSRs (SDM Vol.
 * 3A 11.4.1, Table 11-6). */
#define XAPIC_EOI 0xfee000b0u
#define XAPIC_TPR 0xfee00080u
#define XAPIC_ICR_LO 0xfee00300u
#define XAPIC_ICR_HI 0xfee00310u
#define XAPIC_ID 0xfee00020u
#define MSR_X2APIC_EOI 0x80bu
#define ICR_INIT_ASSERT 0x4500u

static u64 time_mmio_write(u32 addr, u32 value, u32 rounds)
{
	u64 t0 = rdtsc();
	for (u32 i = 0; i < rounds; i++)
		poke32(addr, value);
	return rdtsc() - t0;
}

static u64 time_mmio_read(u32 addr, u32 rounds)
{
	u64 t0 = rdtsc();
	for (u32 i = 0; i < rounds; i++)
		(void)peek32(addr);
	return rdtsc() - t0;
}

static u64 time_wrmsr(u32 msr, u64 value, u32 rounds)
{
	u64 t0 = rdtsc();
	for (u32 i = 0; i < rounds; i++)
		wrmsr(msr, value);
	return rdtsc() - t0;
}

/* u64 / u32 without libgcc: the loops are short enough for 32 bits. */
static u32 per_round(u64 total)
{
	return total > 0xFFFFFFFFull ? 0xFFFFFFFFu : (u32)total / BENCH_ROUNDS;
}

/* Only under a hypervisor: on bare metal the INIT to itself would reset
 * this CPU. The partition starts in xAPIC mode (the PC's reset state). */
static void bench_apic(void)
{
	u32 a, b, c, d;
	u32 id = peek32(XAPIC_ID) >> 24;

	poke32(XAPIC_ICR_HI, id << 24);
	time_mmio_write(XAPIC_EOI, 0, BENCH_WARMUP);
	printf("bench: xapic_eoi cycles=%u\n", per_round(time_mmio_write(XAPIC_EOI, 0, BENCH_ROUNDS)));
	printf("bench: xapic_read cycles=%u\n", per_round(time_mmio_read(XAPIC_TPR, BENCH_ROUNDS)));
	printf("bench: xapic_icr cycles=%u\n",
	       per_round(time_mmio_write(XAPIC_ICR_LO, ICR_INIT_ASSERT, BENCH_ROUNDS)));
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 21))) {
		printf("bench: x2apic: not offered\n");
		return;
	}
	/* xAPIC -> x2APIC, a legal transition (11.12.5). */
	wrmsr(MSR_APIC_BASE, rdmsr(MSR_APIC_BASE) | (1u << 10));
	id = (u32)rdmsr(MSR_X2APIC_ID);
	printf("bench: x2apic_eoi cycles=%u\n",
	       per_round(time_wrmsr(MSR_X2APIC_EOI, 0, BENCH_ROUNDS)));
	printf("bench: x2apic_icr cycles=%u\n",
	       per_round(time_wrmsr(MSR_X2APIC_ICR, (u64)id << 32 | ICR_INIT_ASSERT, BENCH_ROUNDS)));
}

void guest_main(u32 magic, u32 mbi)
{
	(void)magic;
	(void)mbi;
	bool hv = hv_present();

	time_cpuid(BENCH_WARMUP);
	printf("bench: cpuid cycles=%u\n", per_round(time_cpuid(BENCH_ROUNDS)));
	if (hv) {
		time_vmcall(BENCH_WARMUP);
		printf("bench: vmcall cycles=%u\n", per_round(time_vmcall(BENCH_ROUNDS)));
	} else {
		printf("bench: vmcall: no hypervisor\n");
	}
	time_loop(BENCH_WARMUP);
	printf("bench: loop cycles=%u\n", per_round(time_loop(BENCH_ROUNDS)));
	if (hv)
		bench_apic();
	printf("BENCH-DONE\n");
	if (hc_exit(0) == HC_NOT_PRESENT)
		printf("bench: no hypervisor, halting\n");
}
