/*
 * Starting the application processors (APs).
 *
 * The BSP copies trampoline.S to the page below 1 MiB the loader kept, and
 * for each AP in turn fills in the trampoline's parameter block (stack,
 * struct pcpu, entry point), sends INIT-SIPI-SIPI (SDM Vol. 3A 9.4.4.1,
 * with the delays of the MP spec, B.4) and waits for the AP to say it no
 * longer needs the page. APs are started one at a time because they share
 * that one page.
 */
#include <tessera/arch.h>
#include <tessera/format.h>
#include <tessera/log.h>
#include <tessera/pcpu.h>
#include <tessera/pmm.h>
#include <tessera/string.h>
#include <arch/cpu.h>
#include <arch/lapic.h>
#include <arch/paging.h>

extern const u8 trampoline_start[], trampoline_end[];
extern u8 tr_gdt[], tr_gdtr[], tr_far32[], tr_far64[], tr_cr3[], tr_started[];
extern u8 tr_stack[], tr_pcpu[], tr_entry[];
extern const u8 tr_pm32[], tr_lm64[];
extern void ap_entry(void);

void ap_main(struct pcpu *c) __noreturn;

#define INIT_DELAY_US 10000 /* INIT -> SIPI: 10 ms */
#define SIPI_DELAY_US 200   /* SIPI -> SIPI: 200 us */
/* How long an AP may take to leave the trampoline. Generous: under a
 * full-system emulator one "microsecond" may be many host instructions. */
#define START_TIMEOUT_US 1000000

static hpa_t tramp;

/* Where the trampoline's copy of a symbol lives in the low page. */
static void *tr_slot(const u8 *sym)
{
	return hpa_to_ptr(tramp + (hpa_t)(sym - trampoline_start));
}

static u32 tr_linear(const u8 *sym)
{
	return (u32)(tramp + (hpa_t)(sym - trampoline_start));
}

bool arch_smp_prepare(hpa_t trampoline, char *why, size_t n)
{
	size_t size = (size_t)(trampoline_end - trampoline_start);

	if (!trampoline || trampoline >= 1 * MiB || !IS_ALIGNED(trampoline, PAGE_SIZE)) {
		strfmt(why, n, "no usable page below 1 MiB for AP start-up (loader gave 0x%llx)",
		       (unsigned long long)trampoline);
		return false;
	}
	if (size > PAGE_SIZE) {
		strfmt(why, n, "AP trampoline is %zu bytes, more than a page", size);
		return false;
	}
	if (paging_root() >= 4 * GiB) {
		strfmt(why, n, "page tables above 4 GiB, unreachable from 32-bit mode");
		return false;
	}
	lapic_init();
	tramp = trampoline;
	memcpy(hpa_to_ptr(tramp), trampoline_start, size);

	/* Patch the linear addresses that depend on where the page is. */
	u8 *gdtr = tr_slot(tr_gdtr);
	u32 v = tr_linear(tr_gdt);
	memcpy(gdtr + 2, &v, 4);
	v = tr_linear(tr_pm32);
	memcpy(tr_slot(tr_far32), &v, 4);
	v = tr_linear(tr_lm64);
	memcpy(tr_slot(tr_far64), &v, 4);
	v = (u32)paging_root();
	memcpy(tr_slot(tr_cr3), &v, 4);
	return true;
}

bool arch_cpu_prepare(struct pcpu *c, struct pmm *p)
{
	struct pcpu_arch *a = &c->arch;

	/* The boot CPU keeps the stack entry.S gave it and the IST stacks
	 * gdt.c gave it; only what is missing is allocated. */
	if (!a->stack && c != &pcpus[0])
		a->stack = pmm_alloc(p, CPU_STACK_SIZE, PAGE_SIZE, PMM_NO_LIMIT);
	for (int i = 0; i < IST_COUNT; i++)
		if (!a->ist[i])
			a->ist[i] = pmm_alloc(p, IST_STACK_SIZE, PAGE_SIZE, PMM_NO_LIMIT);
	if (!a->virt_region)
		a->virt_region = pmm_alloc_page(p, PMM_NO_LIMIT);
	if (!a->virt_host_state)
		a->virt_host_state = pmm_alloc_page(p, PMM_NO_LIMIT);
	if ((!a->stack && c != &pcpus[0]) || !a->ist[0] || !a->ist[1] || !a->ist[2] ||
	    !a->virt_region || !a->virt_host_state) {
		str_copy(c->fail_reason, "out of memory for its stacks", sizeof(c->fail_reason));
		return false;
	}
	return true;
}

static bool wait_started(volatile u32 *started, u64 us)
{
	u64 deadline = arch_time_ns() + us * 1000;

	while (arch_time_ns() < deadline) {
		if (*started)
			return true;
		cpu_relax();
	}
	return *started != 0;
}

bool arch_cpu_start(struct pcpu *c)
{
	volatile u32 *started = tr_slot(tr_started);
	u64 stack_top = c->arch.stack + CPU_STACK_SIZE;
	u64 pcpu_addr = (u64)(uintptr_t)c;
	u64 entry = (u64)(uintptr_t)ap_entry;
	u8 vector = (u8)(tramp >> PAGE_SHIFT);

	memcpy(tr_slot(tr_stack), &stack_top, 8);
	memcpy(tr_slot(tr_pcpu), &pcpu_addr, 8);
	memcpy(tr_slot(tr_entry), &entry, 8);
	*started = 0;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	c->state = PCPU_STARTING;
	lapic_send_init(c->apic_id);
	arch_delay_us(INIT_DELAY_US);
	lapic_send_sipi(c->apic_id, vector);
	arch_delay_us(SIPI_DELAY_US);
	if (!*started) {
		/* The second SIPI is for CPUs that missed the first; one that
		 * already started ignores it (SDM 9.4.4.1 note). */
		lapic_send_sipi(c->apic_id, vector);
	}
	if (!wait_started(started, START_TIMEOUT_US)) {
		/* Park it in wait-for-SIPI, so that it cannot wake up late and
		 * run with the next AP's stack from the shared page. */
		lapic_send_init(c->apic_id);
		c->state = PCPU_FAILED;
		str_copy(c->fail_reason, "did not answer INIT-SIPI-SIPI", sizeof(c->fail_reason));
		return false;
	}
	return true;
}

void arch_cpu_kick(unsigned pcpu)
{
	if (pcpu < pcpu_count)
		lapic_send_fixed(pcpus[pcpu].apic_id, KICK_VECTOR);
}

/*
 * An NMI cannot be held off by the guest: with "NMI exiting" (vmcs.c) it
 * makes a CPU in guest mode exit whatever the guest's RFLAGS.IF, TPR or
 * in-service vectors (SDM Vol. 3C 26.2), which an interrupt does not (and
 * Bochs 2.7 never delivers an external-interrupt exit to a guest running
 * with IF = 0). An NMI that finds the CPU in the hypervisor arms an
 * immediate exit after its next VM entry instead (vmx_nmi_taken; under
 * SVM the NMI is held while GIF is clear, so the next VMRUN exits). The
 * kick goes too: unlike an NMI it stays pending while the CPU has
 * interrupts off, so a CPU about to wait in cpu_wait_for_irq() (which an
 * NMI would wake only if it came after the HLT) still wakes up.
 */
void arch_cpu_preempt(unsigned pcpu)
{
	if (pcpu >= pcpu_count)
		return;
	lapic_send_fixed(pcpus[pcpu].apic_id, KICK_VECTOR);
	lapic_send_nmi(pcpus[pcpu].apic_id);
}

void arch_cpu_send_vector(unsigned pcpu, u8 vector)
{
	if (pcpu < pcpu_count)
		lapic_send_fixed(pcpus[pcpu].apic_id, vector);
}

/* First C code on an AP: own page tables (already loaded by the
 * trampoline), own descriptor tables, then the core takes over. */
void ap_main(struct pcpu *c)
{
	arch_cpu_init(c);
	c->state = PCPU_ALIVE;
	hv_ap_main(c);
}

bool arch_cpu_tick_start(unsigned hz)
{
	return lapic_tick_start(arch_this_cpu()->index, hz);
}

void arch_cpu_idle(void)
{
	cpu_wait_for_irq();
}
