/*
 * The interrupt descriptor table, shared by all CPUs, and the exception
 * report.
 *
 * The hypervisor runs with interrupts disabled, except while a CPU waits
 * for its guest's next interrupt (cpu_wait_for_irq in guest_exit.c
 * guest_hlt): interrupts arrive at irq_dispatch() then; NMIs, which other
 * CPUs send to preempt this one, at nmi_dispatch() at any time; exceptions
 * (machine check included) at any time. An exception in the hypervisor is a bug:
 * the report names the CPU, the vector, the error code and every register,
 * then that CPU stops. It never returns to the faulting code.
 */
#include <tessera/arch.h>
#include <tessera/log.h>
#include <tessera/pcpu.h>
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/lapic.h>
#include <arch/msr.h>
#include <arch/trapframe.h>
#include <arch/guest.h>
#include <arch/virt.h>
#include <arch/x86.h>

/* 64-bit interrupt gate, SDM Vol. 3A 6.14.1, Figure 6-8. */
struct idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
} __packed;

#define GATE_INTERRUPT 0x8e /* P=1, DPL=0, type 0xE: 64-bit interrupt gate */

extern const u64 isr_stubs[32];
extern const u64 irq_stubs[256 - 32];
extern const char nmi_entry[];

static struct idt_gate idt[256] __aligned(16);
static bool idt_built;

void idt_load(void);
void exception_dispatch(struct trap_frame *f);
void irq_dispatch(u64 vector);
void nmi_dispatch(void);

static void set_gate(unsigned v, u64 handler, u8 ist)
{
	idt[v] = (struct idt_gate){
		.offset_lo = handler & 0xffff,
		.selector = SEL_CODE64,
		.ist = ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_hi = handler >> 32,
	};
}

static void idt_build(void)
{
	for (unsigned v = 0; v < 256; v++)
		set_gate(v, v < 32 ? isr_stubs[v] : irq_stubs[v - 32], 0);
	/* NMIs are preemption requests (arch_cpu_preempt), not faults. */
	set_gate(EXC_NMI, (u64)(uintptr_t)nmi_entry, 0);
	/* These three can hit when the current stack is unusable. */
	idt[EXC_DF].ist = IST_DOUBLE_FAULT;
	idt[EXC_NMI].ist = IST_NMI;
	idt[EXC_MC].ist = IST_MACHINE_CHECK;
	idt_built = true;
}

void idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	if (!idt_built)
		idt_build(); /* first on the BSP, before any AP exists */
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static const char *const exception_names[32] = {
	[EXC_DE] = "#DE divide error",
	[EXC_DB] = "#DB debug",
	[EXC_NMI] = "NMI",
	[EXC_BP] = "#BP breakpoint",
	[EXC_OF] = "#OF overflow",
	[EXC_BR] = "#BR bound range",
	[EXC_UD] = "#UD invalid opcode",
	[EXC_NM] = "#NM device not available",
	[EXC_DF] = "#DF double fault",
	[EXC_TS] = "#TS invalid TSS",
	[EXC_NP] = "#NP segment not present",
	[EXC_SS] = "#SS stack fault",
	[EXC_GP] = "#GP general protection",
	[EXC_PF] = "#PF page fault",
	[EXC_MF] = "#MF x87 error",
	[EXC_AC] = "#AC alignment check",
	[EXC_MC] = "#MC machine check",
	[EXC_XM] = "#XM SIMD error",
	[EXC_VE] = "#VE virtualization exception",
	[EXC_CP] = "#CP control protection",
};

/*
 * An interrupt, taken only while a CPU waits for its guest's next
 * interrupt with interrupts enabled (guest_hlt in guest_exit.c, or the window an
 * SVM exit opens for a physical interrupt). The kick
 * is the hypervisor's: end it; the waiting loop then sees why it came.
 * Any other vector is the guest's: this delivery acknowledged it in the
 * local APIC, as a VM exit with "acknowledge interrupt on exit" would have,
 * so it is queued for the guest, whose EOI ends it.
 */
void irq_dispatch(u64 vector)
{
	if (vector == KICK_VECTOR || lapic_is_tick(arch_this_cpu()->index, (u8)vector)) {
		lapic_eoi();
		return;
	}
	guest_irq_taken((u8)vector);
}

/*
 * An NMI taken in the hypervisor: another CPU wants this one to look at
 * its vCPU's requests (arch_cpu_preempt). It may have come just after
 * the last look before a VM entry, so the entry must not run the guest
 * for long: the backend makes it exit at once (arch_nmi_taken). Nothing else happens
 * here; the NMI may have interrupted any code, locks held included.
 */
void nmi_dispatch(void)
{
	arch_nmi_taken();
}

/* The faulting CPU's index, or -1 if GS does not point at a pcpu yet
 * (a fault before arch_cpu_init, when GS is still the firmware's). */
static int faulting_cpu(void)
{
	u64 gs = rdmsr(MSR_GS_BASE);

	for (unsigned i = 0; i < MAX_CPUS; i++)
		if (gs == (u64)(uintptr_t)&pcpus[i])
			return (int)i;
	return -1;
}

void exception_dispatch(struct trap_frame *f)
{
	const char *name = f->vector < 32 ? exception_names[f->vector] : NULL;
	int cpu = faulting_cpu();

	log_emergency("\n!!! EXCEPTION %s (vector %llu) on cpu %d, error code 0x%llx\n",
		      name ? name : "reserved/unexpected", (unsigned long long)f->vector, cpu,
		      (unsigned long long)f->error_code);
	log_emergency("    rip=%016llx cs=%04llx rflags=%016llx rsp=%016llx ss=%04llx\n",
		      (unsigned long long)f->rip, (unsigned long long)f->cs,
		      (unsigned long long)f->rflags, (unsigned long long)f->rsp,
		      (unsigned long long)f->ss);
	log_emergency("    rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
		      (unsigned long long)f->rax, (unsigned long long)f->rbx,
		      (unsigned long long)f->rcx, (unsigned long long)f->rdx);
	log_emergency("    rsi=%016llx rdi=%016llx rbp=%016llx r8 =%016llx\n",
		      (unsigned long long)f->rsi, (unsigned long long)f->rdi,
		      (unsigned long long)f->rbp, (unsigned long long)f->r8);
	log_emergency("    r9 =%016llx r10=%016llx r11=%016llx r12=%016llx\n",
		      (unsigned long long)f->r9, (unsigned long long)f->r10,
		      (unsigned long long)f->r11, (unsigned long long)f->r12);
	log_emergency("    r13=%016llx r14=%016llx r15=%016llx\n", (unsigned long long)f->r13,
		      (unsigned long long)f->r14, (unsigned long long)f->r15);
	log_emergency("    cr0=%016llx cr2=%016llx cr3=%016llx cr4=%016llx\n",
		      (unsigned long long)read_cr0(), (unsigned long long)read_cr2(),
		      (unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	if (cpu >= 0)
		pcpus[cpu].state = PCPU_FAILED;
	log_emergency("!!! cpu %d stopped\n", cpu);
	arch_cpu_stop();
}

/*
 * Reset: the PCI reset control register (0xcf9: bit 1 system reset, bit 2
 * do it), then the keyboard controller's pulse-reset command (0xfe to
 * 0x64), then a triple fault as the last resort, since some machines have
 * only one of the first two.
 */
void arch_reboot(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed null_idt = { 0, 0 };

	outb(0xcf9, 0x02);
	outb(0xcf9, 0x06);
	for (volatile int i = 0; i < 1000000; i++)
		;
	outb(0x64, 0xfe);
	for (volatile int i = 0; i < 1000000; i++)
		;
	__asm__ volatile("lidt %0; int3" : : "m"(null_idt));
	arch_cpu_stop();
}

void arch_cpu_stop(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}
