/*
 * Time from the TSC.
 *
 * The loader measured the TSC rate against the firmware's Stall() service
 * (boot/main.c), which works the same on real machines, nested KVM and
 * emulators. Without it we fall back to CPUID leaf 0x15 (TSC/crystal ratio,
 * SDM Vol. 2A CPUID) and finally to a conservative 1 GHz guess; delays are
 * then only approximate, which the AP start-up tolerates.
 */
#include <tessera/arch.h>
#include <arch/cpu.h>

static u64 tsc_hz = 1000000000ull;
static u64 tsc_at_init;

static u64 tsc_hz_from_cpuid(void)
{
	struct cpuid_regs r;

	if (cpuid(0, 0).eax < 0x15)
		return 0;
	r = cpuid(0x15, 0);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (u64)r.ecx * r.ebx / r.eax;
}

void arch_time_init(u64 measured_hz)
{
	u64 hz = measured_hz ? measured_hz : tsc_hz_from_cpuid();

	if (hz)
		tsc_hz = hz;
	tsc_at_init = rdtsc();
}

u64 arch_time_ns(void)
{
	u64 t = rdtsc() - tsc_at_init;

	/* Split to avoid overflowing t * 1e9 after ~18 s at 1 GHz. */
	return (t / tsc_hz) * 1000000000ull + (t % tsc_hz) * 1000000000ull / tsc_hz;
}

void arch_delay_us(u64 us)
{
	u64 end = rdtsc() + us * (tsc_hz / 1000000ull);

	while ((s64)(rdtsc() - end) < 0)
		cpu_relax();
}

u64 x86_tsc_hz(void)
{
	return tsc_hz;
}
