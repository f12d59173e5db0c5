/*
 * bench: what a VM exit costs, in the guest's own TSC cycles, for
 * `make bench` (tools/bench.py). Each figure is the average over
 * BENCH_ROUNDS iterations of a loop, after a short warm-up:
 *
 *   bench: cpuid cycles=N     CPUID leaf 0: one CPUID exit round trip
 *                             (SDM Vol. 3C 26.1.2: CPUID always exits)
 *   bench: vmcall cycles=N    VMCALL HC_VERSION: one hypercall round trip
 *   bench: loop cycles=N      the same loop with an empty body (baseline)
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

/* A bare VMCALL, without the probe of hc_call(): only run after
 * hv_present() said a hypervisor answers. */
static u64 time_vmcall(u32 rounds)
{
	u64 t0 = rdtsc();
	for (u32 i = 0; i < rounds; i++) {
		u32 a = HC_VERSION;
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

/* u64 / u32 without libgcc: the loops are short enough for 32 bits. */
static u32 per_round(u64 total)
{
	return total > 0xFFFFFFFFull ? 0xFFFFFFFFu : (u32)total / BENCH_ROUNDS;
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
	printf("BENCH-DONE\n");
	if (hc_exit(0) == HC_NOT_PRESENT)
		printf("bench: no hypervisor, halting\n");
}
