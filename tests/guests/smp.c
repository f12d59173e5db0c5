/*
 * smp: starts every other CPU of the partition (x2APIC INIT-SIPI-SIPI,
 * SDM Vol. 3A 9.4.4) and checks they all arrive.
 *
 * Prints:
 *   smp: N of M cpus up          (N counts the BSP; M = ncpus)
 *   smp: cpuid topology L/C      (CPUID leaf 1 and leaf 0BH processor counts)
 *   smp: apic ids a,b,c          (ascending)
 *   SMP-OK                       (only if N == M)
 * Without a hypervisor, M and the APIC IDs 0..M-1 come from "cpus=M" on the
 * command line (QEMU: -smp M -append cpus=M).
 */
#include "guest.h"

static volatile u32 ap_done;
static volatile u32 ap_ids[AP_MAX];

static void ap_main(u32 slot)
{
	ap_ids[slot] = apic_id();
	/* The ID store is ordered before this locked add (x86 TSO; the
	 * builtin is also a compiler barrier). */
	__atomic_fetch_add(&ap_done, 1, __ATOMIC_SEQ_CST); /* lock xadd */
}

void guest_main(u32 magic, u32 mbi)
{
	struct guest_info gi;
	u32 others[HC_MAX_VCPUS], n = 0;

	guest_info(&gi, magic == MB_BOOT_MAGIC ? mb_get(mbi) : NULL);
	if (!gi.hv)
		printf("smp: no hypervisor\n");
	apic_enable();
	u32 self = apic_id();
	for (u32 i = 0; i < gi.ncpus; i++)
		if (i != gi.vcpu && gi.apic_id[i] != self)
			others[n++] = gi.apic_id[i];

	ap_start(others, n, ap_main);
	/* Bounded wait: a CPU that never comes must not hang the test. */
	for (u32 i = 0; i < 50000000 && ap_done < n; i++)
		cpu_pause();

	u32 up = ap_done < AP_MAX ? ap_done : AP_MAX;
	u32 ids[AP_MAX + 1];
	ids[0] = self;
	for (u32 i = 0; i < up; i++)
		ids[i + 1] = ap_ids[i];
	for (u32 i = 1; i <= up; i++) /* insertion sort: deterministic output */
		for (u32 j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
			u32 t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}

	printf("smp: %u of %u cpus up\n", up + 1, gi.ncpus);
	{
		/* What CPUID says about the topology: leaf 1 EBX[23:16]
		 * (logical processors per package) and leaf 0BH sub-leaf 1 EBX
		 * (processors at the core level). */
		u32 a, b, c, d, b1;

		cpuid(1, 0, &a, &b1, &c, &d);
		cpuid(0xb, 1, &a, &b, &c, &d);
		printf("smp: cpuid topology %u/%u\n", (b1 >> 16) & 0xff, b & 0xffff);
	}
	printf("smp: apic ids ");
	for (u32 i = 0; i <= up; i++)
		printf(i ? ",%u" : "%u", ids[i]);
	printf("\n");
	if (up + 1 == gi.ncpus)
		printf("SMP-OK\n");
}
