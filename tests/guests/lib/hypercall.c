/*
 * Hypercalls (hv/include/tessera/hypercall.h): VMCALL on Intel, VMMCALL on
 * AMD, with EAX = number, EBX/ECX/EDX = arguments, result in EAX. Outside
 * a hypervisor either raises #UD (SDM Vol. 2B, VMCALL: "#UD if executed
 * outside VMX operation"; APM Vol. 3, VMMCALL); the probe turns that into
 * HC_NOT_PRESENT, so the guests also boot under plain QEMU.
 */
#include "guest.h"

/* "AuthenticAMD" (CPUID leaf 0: EBX, EDX, ECX). */
bool cpu_is_amd(void)
{
	static int known = -1;

	if (known < 0) {
		u32 a = 0, b, c, d;

		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
		known = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;
	}
	return known;
}

int32_t hc_call(u32 nr, u32 a, u32 b, u32 c)
{
	u32 ret = nr;
	probe_vector = PROBE_NONE;
	if (cpu_is_amd())
		__asm__ volatile(PROBE_BEGIN "vmmcall" PROBE_END
				 : "+a"(ret) : "b"(a), "c"(b), "d"(c) : "memory");
	else
		__asm__ volatile(PROBE_BEGIN "vmcall" PROBE_END
				 : "+a"(ret) : "b"(a), "c"(b), "d"(c) : "memory");
	if (probe_vector != PROBE_NONE)
		return HC_NOT_PRESENT;
	return (int32_t)ret;
}

int32_t hc_version(void)
{
	return hc_call(HC_VERSION, 0, 0, 0);
}

int32_t hc_console_write(const void *buf, u32 len)
{
	return hc_call(HC_CONSOLE_WRITE, (u32)buf, len, 0);
}

int32_t hc_partition_info(struct hc_partition_info *info)
{
	memset(info, 0, sizeof(*info));
	return hc_call(HC_PARTITION_INFO, (u32)info, sizeof(*info), 0);
}

int32_t hc_exit(u32 code)
{
	return hc_call(HC_EXIT, code, 0, 0);
}

bool hv_present(void)
{
	static int known = -1; /* -1: not asked yet */
	if (known < 0)
		known = hc_version() >= 0;
	return known;
}

void guest_info(struct guest_info *gi, const struct mb_info *mb)
{
	struct hc_partition_info pi;
	memset(gi, 0, sizeof(*gi));
	int32_t n = hc_partition_info(&pi);
	gi->hv = n != HC_NOT_PRESENT;
	if (n >= (int32_t)sizeof(pi)) {
		memcpy(gi->name, pi.name, sizeof(gi->name));
		gi->name[sizeof(gi->name) - 1] = '\0';
		gi->memory = pi.memory;
		gi->ncpus = pi.ncpus > HC_MAX_VCPUS ? HC_MAX_VCPUS : pi.ncpus;
		gi->vcpu = pi.vcpu;
		memcpy(gi->apic_id, pi.apic_id, sizeof(gi->apic_id));
		return;
	}
	if (gi->hv)
		printf("guest: HC_PARTITION_INFO returned %d\n", (int)n);
	/* No hypervisor: what the loader told us. */
	memcpy(gi->name, "(none)", 7);
	gi->memory = mb_memory_end(mb);
	gi->ncpus = cmdline_uint(mb_cmdline(mb), "cpus=", 1);
	if (gi->ncpus < 1 || gi->ncpus > HC_MAX_VCPUS)
		gi->ncpus = 1;
	gi->vcpu = 0;
	for (u32 i = 0; i < gi->ncpus; i++)
		gi->apic_id[i] = i;
}
