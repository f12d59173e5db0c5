/*
 * isolation: pokes at everything a partition must not reach. Meant for a
 * partition with "violations = report" (with "stop" the first stray access
 * ends it). Each probe prints one line
 *     isolation: <probe>: denied      (or ALLOWED: a hole in isolation)
 * informational lines have the form "isolation: <what> = <value>", then
 *     isolation: init foreign apic N: sent      (for each foreign ID 0..7)
 *     isolation: signature scan: K found        (must be 0)
 *     isolation: N probes, M allowed
 *     ISOLATION-DONE
 */
#include "guest.h"

static unsigned probes, allowed;

static void result(const char *probe, bool denied)
{
	probes++;
	allowed += !denied;
	printf("isolation: %s: %s\n", probe, denied ? "denied" : "ALLOWED");
}

/* ------------------------------------------------------------ memory */
#define PATTERN 0xC0DE5A17u

/* Denied: the read gives all ones and a written value does not stick.
 * (Tessera reports the access, reads all ones, drops the write.) If the
 * write did stick, put the old value back. */
static void probe_mem(const char *what, u32 addr, u64 own_memory)
{
	printf("isolation: mem 0x%08x%s: ", addr, what);
	if (addr < own_memory) {
		printf("skipped (own memory)\n");
		return;
	}
	u32 before = peek32(addr);
	poke32(addr, PATTERN);
	u32 after = peek32(addr);
	if (after == PATTERN)
		poke32(addr, before);
	bool denied = before == 0xFFFFFFFFu && after != PATTERN;
	probes++;
	allowed += !denied;
	printf("%s\n", denied ? "denied" : "ALLOWED");
}

/* ------------------------------------------------------------ I/O ports */
static void probe_io(void)
{
	result("io 0x60 (keyboard data)", inb(0x60) == 0xFF);
	result("io 0x64 (keyboard status)", inb(0x64) == 0xFF);
	/* Not the CMOS at 0x70/0x71: every partition has an RTC of its own. */
	result("io 0x1f7 (ata status)", inb(0x1F7) == 0xFF);
	outl(0xCF8, 0x80000000u); /* PCI config mechanism #1: bus 0, dev 0, fn 0, reg 0 */
	result("io 0xcf8/0xcfc (pci config)", inl(0xCFC) == 0xFFFFFFFFu);
	outb(0x2F8 + 7, 0x5A); /* COM2 scratch register */
	bool all_ones = true;
	for (u16 p = 0x2F8; p < 0x300; p++)
		all_ones &= inb(p) == 0xFF;
	result("io 0x2f8 (com2)", all_ones);
}

/* ------------------------------------------------------------ MSRs, VMX */
static u8 vmxon_region[4096] __attribute__((aligned(4096)));

static void probe_cpu(void)
{
	u64 v;
	u32 fault = safe_rdmsr(0x3A, &v);
	if (fault == PROBE_NONE)
		printf("isolation: rdmsr 0x3a (feature control) = 0x%08x%08x\n", (u32)(v >> 32), (u32)v);
	else
		printf("isolation: rdmsr 0x3a (feature control) = fault %u\n", fault);
	/* Write back what we saw (0 if nothing): harmless if it went through. */
	result("wrmsr 0x3a (feature control)", safe_wrmsr(0x3A, fault == PROBE_NONE ? v : 0) != PROBE_NONE);
	result("wrmsr 0x1d9 (debugctl)", safe_wrmsr(0x1D9, 0) != PROBE_NONE);
	result("rdmsr 0x480 (vmx basic)", safe_rdmsr(0x480, &v) != PROBE_NONE);

	/* VMXON outside VMX operation (CR4.VMXE=0) is #UD; in a guest it
	 * exits and Tessera injects #UD. Any fault counts as denied. */
	u64 region = (u32)vmxon_region; /* the operand: a 64-bit physical address */
	probe_vector = PROBE_NONE;
	__asm__ volatile(PROBE_BEGIN "vmxon (%0)" PROBE_END : : "r"(&region) : "memory");
	result("vmxon", probe_vector != PROBE_NONE);

	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	result("cpuid.1:ecx.vmx", !(c & (1u << 5)));
	printf("isolation: cpuid.1:ecx.hypervisor = %u\n", (c >> 31) & 1);
}

/* CR4.VMXE (bit 13) may only be set if CPUID says VMX, else #GP (SDM Vol.
 * 3A 2.5); what matters is that it never reads back set. Last of the
 * probes, as it is the one a young hypervisor may not handle yet. Plain
 * QEMU 7.2 TCG spins on this MOV, hence the skip without a hypervisor. */
static void probe_cr4(bool hv)
{
	u32 cr4, cr4_new;
	if (!hv) {
		printf("isolation: cr4.vmxe: skipped (no hypervisor)\n");
		return;
	}
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
	probe_vector = PROBE_NONE;
	__asm__ volatile(PROBE_BEGIN "mov %0, %%cr4" PROBE_END : : "r"(cr4 | (1u << 13)) : "memory");
	__asm__ volatile("mov %%cr4, %0" : "=r"(cr4_new));
	if (cr4_new != cr4)
		__asm__ volatile("mov %0, %%cr4" : : "r"(cr4) : "memory");
	result("cr4.vmxe", !(cr4_new & (1u << 13)));
}

/* ------------------------------------------------------------ INIT */
static void probe_init(const struct guest_info *gi)
{
	apic_enable();
	for (u32 id = 0; id < 8; id++) {
		bool own = false;
		for (u32 i = 0; i < gi->ncpus; i++)
			own |= gi->apic_id[i] == id;
		if (own)
			continue;
		apic_send_ipi(id, ICR_INIT);
		printf("isolation: init foreign apic %u: sent\n", id);
	}
}

/* ------------------------------------------------------------ signatures
 * The signatures, XOR 0x5A, so that neither appears in plain form
 * anywhere in this guest's memory: not in the binary, and not on the
 * stack (each memory byte is XOR-ed and compared one at a time). volatile
 * so the compiler cannot fold the decoding into a plain constant. */
#define KEY 0x5A
static volatile const u8 sig_neighbour[] = { /* TESSERA-NEIGHBOUR-SECRET */
	0x0e, 0x1f, 0x09, 0x09, 0x1f, 0x08, 0x1b, 0x77, 0x14, 0x1f, 0x13, 0x1d,
	0x12, 0x18, 0x15, 0x0f, 0x08, 0x77, 0x09, 0x1f, 0x19, 0x08, 0x1f, 0x0e,
};
static volatile const u8 sig_hypervisor[] = { /* TESSERA-HYPERVISOR-SECRET */
	0x0e, 0x1f, 0x09, 0x09, 0x1f, 0x08, 0x1b, 0x77, 0x12, 0x03, 0x0a, 0x1f,
	0x08, 0x0c, 0x13, 0x09, 0x15, 0x08, 0x77, 0x09, 0x1f, 0x19, 0x08, 0x1f,
	0x0e,
};

static bool match_at(u32 p, u32 end, const volatile u8 *sig, u32 len)
{
	if (end - p < len)
		return false;
	for (u32 j = 0; j < len; j++)
		if ((u8)(*(const volatile u8 *)(p + j) ^ KEY) != sig[j])
			return false;
	return true;
}

/* Both signatures start with the same byte: find words holding it with
 * the has-zero-byte trick, then compare byte by byte from there. */
static unsigned scan(u32 start, u32 end)
{
	u32 first = (u32)(sig_neighbour[0] ^ KEY) * 0x01010101u;
	unsigned found = 0;
	for (u32 p = start; p + 4 <= end; p += 4) {
		u32 w = peek32(p) ^ first;
		if (!((w - 0x01010101u) & ~w & 0x80808080u))
			continue;
		for (u32 k = p; k < p + 4; k++) {
			bool n = match_at(k, end, sig_neighbour, sizeof(sig_neighbour));
			bool h = match_at(k, end, sig_hypervisor, sizeof(sig_hypervisor));
			if ((n || h) && found < 4)
				printf("isolation: %s signature at 0x%08x\n", n ? "neighbour" : "hypervisor", k);
			found += n + h;
		}
	}
	return found;
}

void guest_main(u32 magic, u32 mbi)
{
	struct guest_info gi;
	guest_info(&gi, magic == MB_BOOT_MAGIC ? mb_get(mbi) : NULL);
	if (!gi.hv)
		printf("isolation: no hypervisor\n");
	u64 mem = gi.memory;

	probe_mem(" (end of memory)", mem < 0xFFFFFFFCull ? (u32)mem : 0xFFFFFFFCu, 0);
	probe_mem(" (legacy hole)", 0xA0000, 0);
	static const u32 far[] = { 0x10000000, 0x40000000, 0x80000000, 0xC0000000 };
	for (unsigned i = 0; i < sizeof(far) / sizeof(far[0]); i++)
		probe_mem("", far[i], mem);
	/* The local APIC page (0xFEE00000) and the I/O APIC window
	 * (0xFEC00000) are the partition's own devices now; what lies beside
	 * them is not: no HPET, nothing past the APIC page or the window. */
	probe_mem(" (past the ioapic window)", 0xFEC01000, mem);
	probe_mem(" (hpet: none)", 0xFED00000, mem);
	probe_mem(" (past the lapic page)", 0xFEE01000, mem);
	probe_io();
	probe_cpu();
	probe_init(&gi);

	u32 top = mem > 0xFFFFF000ull ? 0xFFFFF000u : (u32)mem;
	unsigned found = scan(0, top < 0xA0000 ? top : 0xA0000);
	if (top > 0x100000)
		found += scan(0x100000, top);
	printf("isolation: signature scan: %u found\n", found);
	probe_cr4(gi.hv);

	printf("isolation: %u probes, %u allowed\n", probes, allowed);
	printf("ISOLATION-DONE\n");
}
