/*
 * Thin wrappers around single x86 instructions. Nothing here has logic;
 * each function is the instruction (SDM Vol. 2 for each mnemonic).
 */
#ifndef ARCH_CPU_H
#define ARCH_CPU_H

#include <tessera/types.h>

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

#define DEFINE_CR_ACCESSORS(n)                                                    \
	static inline u64 read_cr##n(void)                                        \
	{                                                                         \
		u64 v;                                                            \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));                 \
		return v;                                                         \
	}                                                                         \
	static inline void write_cr##n(u64 v)                                     \
	{                                                                         \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory");        \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline u64 read_rflags(void)
{
	u64 v;
	__asm__ volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

/* Take interrupts until one arrives, then disable them again. STI delays
 * interrupts by one instruction (SDM Vol. 2B, STI), so an interrupt that is
 * already pending is taken in the HLT and wakes it: nothing is lost between
 * the caller's last check and the halt. An NMI between the STI and the HLT
 * would undo that (its IRET ends the STI shadow, the pending interrupt is
 * taken before the HLT, which then sleeps with nothing left to wake it):
 * the NMI stub steps the HLT then (isr.S nmi_entry). Out of line, so that
 * its HLT has one address (isr.S). */
void cpu_wait_for_irq(void);

/* Take the interrupts already pending, without waiting for one: they are
 * delivered after the NOP, before the CLI. */
static inline void cpu_irq_window(void)
{
	__asm__ volatile("sti; nop; cli" ::: "memory");
}

/* The TSC rate in Hz the time code uses (arch/x86_64/time.c). */
u64 x86_tsc_hz(void);

#endif
