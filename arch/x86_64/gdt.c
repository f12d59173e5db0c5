/*
 * Per-CPU GDT and TSS, and finding this CPU's struct pcpu.
 *
 * Every CPU gets its own GDT because the TSS descriptor's busy bit is
 * per-CPU state (SDM Vol. 3A 8.2.2) and each TSS names that CPU's own
 * interrupt stacks. GS base points at the CPU's struct pcpu so any code
 * can find "this CPU" with one load (cf. Linux's per-CPU area).
 */
#include <tessera/arch.h>
#include <tessera/pcpu.h>
#include <tessera/string.h>
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/lapic.h>
#include <arch/msr.h>

/* Descriptor encodings, SDM Vol. 3A 3.4.5 (Figure 3-8) and 8.2.3
 * (Figure 8-4, 16-byte TSS descriptor in IA-32e mode). */
#define DESC_CODE64 0x00209a0000000000ull /* P=1 DPL=0 S=1 type=exec/read, L=1 */
#define DESC_DATA 0x00cf92000000ffffull   /* P=1 DPL=0 S=1 type=read/write, 4 GiB */
#define DESC_TSS_TYPE 0x89ull             /* P=1, type 9 = available 64-bit TSS */

void idt_load(void);

/* The boot CPU's interrupt stacks exist before the allocator does, so a
 * double fault, NMI or machine check is reported from its very first
 * instruction in the core; the APs get theirs from arch_cpu_prepare(). */
static u8 bsp_ist[IST_COUNT][IST_STACK_SIZE] __aligned(16);

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

static void tss_descriptor(u64 *slot, const struct tss64 *tss)
{
	u64 base = (u64)(uintptr_t)tss;
	u64 limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (DESC_TSS_TYPE << 40) |
		  (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

static void gdt_load(struct pcpu_arch *a)
{
	struct desc_ptr gdtr = { sizeof(a->gdt) - 1, (u64)(uintptr_t)a->gdt };

	__asm__ volatile("lgdt %0\n\t"
			 /* Reload CS with a far return: push selector and target. */
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %w2, %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movw %%ax, %%fs\n\t"
			 "movw %%ax, %%gs\n\t"
			 "movw %w3, %%ax\n\t"
			 "ltr %%ax"
			 :
			 : "m"(gdtr), "i"(SEL_CODE64), "i"(SEL_DATA), "i"(SEL_TSS)
			 : "rax", "memory");
}

void arch_cpu_init(struct pcpu *c)
{
	struct pcpu_arch *a = &c->arch;

	c->self = c;
	if (c == &pcpus[0])
		for (int i = 0; i < IST_COUNT; i++)
			a->ist[i] = ptr_to_hpa(bsp_ist[i]);
	memset(&a->tss, 0, sizeof(a->tss));
	for (int i = 0; i < IST_COUNT; i++)
		if (a->ist[i])
			a->tss.ist[i] = a->ist[i] + IST_STACK_SIZE;
	/* No I/O permission bitmap: the hypervisor runs at CPL 0 only. */
	a->tss.iomap_base = sizeof(a->tss);

	a->gdt[0] = 0;
	a->gdt[SEL_CODE64 / 8] = DESC_CODE64;
	a->gdt[SEL_DATA / 8] = DESC_DATA;
	tss_descriptor(&a->gdt[SEL_TSS / 8], &a->tss);

	gdt_load(a);
	idt_load();
	/* After the segment loads: loading GS would overwrite the base. */
	wrmsr(MSR_GS_BASE, (u64)(uintptr_t)c);
	lapic_enable_x2apic();
}

struct pcpu *arch_this_cpu(void)
{
	struct pcpu *c;

	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

u32 arch_cpu_apic_id(void)
{
	/* x2APIC mode exposes the full 32-bit ID as an MSR; otherwise CPUID
	 * leaf 1 EBX[31:24] holds the 8-bit xAPIC ID (SDM Vol. 3A 11.4.6). */
	if (rdmsr(MSR_IA32_APIC_BASE) & APIC_BASE_X2APIC)
		return (u32)rdmsr(MSR_X2APIC_ID);
	return cpuid(1, 0).ebx >> 24;
}
