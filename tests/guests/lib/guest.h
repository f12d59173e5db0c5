/*
 * The test guests' tiny library: everything a guest kernel running in a
 * Tessera partition needs (tests/guests/README.md describes the contract).
 * 32-bit protected mode, flat segments, no paging, no interrupts.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tessera/hypercall.h>

#include "layout.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* ------------------------------------------------------------ entry */
/* Called by start.S with EAX and EBX as the loader left them. */
void guest_main(u32 magic, u32 mbi);
void lib_init(void);
void idt_load(void); /* lib_init did it for the BSP; each AP does it too */
/* Point vector (32-255) at h, a function declared
 *     __attribute__((interrupt)) void h(struct interrupt_frame *f);
 * (GCC's x86 interrupt attribute: it saves every register it uses and
 * returns with IRET). One IDT serves every CPU, so this takes effect on
 * all of them at once. A handler that an APIC interrupt reaches ends it
 * with its EOI itself. Without one, a vector is an IRET (no EOI). */
struct interrupt_frame;
typedef void (*irq_handler)(struct interrupt_frame *);
void idt_set_handler(unsigned vector, irq_handler h);
/* Stop for good: "sti; hlt" forever under Tessera (a halt with interrupts
 * off counts as a crash there, see README), "cli; hlt" otherwise. */
void guest_idle(void) __attribute__((noreturn));
/* A real stop after something went wrong: cli; hlt forever. */
void guest_halt(void) __attribute__((noreturn));

/* ------------------------------------------------------------ CPU */
static inline u8 inb(u16 port)
{
	u8 v;
	__asm__ volatile("inb %w1, %b0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline u32 inl(u16 port)
{
	u32 v;
	__asm__ volatile("inl %w1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %b0, %w1" : : "a"(v), "Nd"(port));
}
static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(port));
}
static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline void cpu_pause(void)
{
	__asm__ volatile("pause" ::: "memory");
}
/* Plain 32-bit MOVs with a register base (8B /r, 89 /r): the simplest
 * forms for a hypervisor that emulates a faulting access. Also keeps the
 * compiler from reasoning about constant addresses. */
static inline u32 peek32(u32 addr)
{
	u32 v;
	__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(addr) : "memory");
	return v;
}
static inline void poke32(u32 addr, u32 v)
{
	__asm__ volatile("movl %0, (%1)" : : "r"(v), "r"(addr) : "memory");
}

/* -------------------------------------------- faults and probes
 * A probed instruction runs with probe_fixup = the address just after it.
 * If it faults, the exception handler (exceptions.S) records the vector in
 * probe_vector, clears probe_fixup and resumes at the fixup address (the
 * idea of Linux's exception tables): no state is lost but the faulting
 * instruction's own effect. Without a fixup an exception is fatal: it is
 * printed and the guest halts. */
extern volatile u32 probe_fixup;
extern volatile u32 probe_vector;
#define PROBE_NONE 0xFFFFFFFFu
#define VEC_UD 6
#define VEC_GP 13

#define PROBE_BEGIN "movl $1f, probe_fixup\n\t"
#define PROBE_END "\n\tmovl $0, probe_fixup\n1:\n\t"

/* Each returns the vector of the fault it caught, or PROBE_NONE. */
static inline u32 safe_rdmsr(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	probe_vector = PROBE_NONE;
	__asm__ volatile(PROBE_BEGIN "rdmsr" PROBE_END : "+a"(lo), "+d"(hi) : "c"(msr) : "memory");
	*val = ((u64)hi << 32) | lo;
	return probe_vector;
}
static inline u32 safe_wrmsr(u32 msr, u64 val)
{
	probe_vector = PROBE_NONE;
	__asm__ volatile(PROBE_BEGIN "wrmsr" PROBE_END
			 : : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32)) : "memory");
	return probe_vector;
}
static inline u64 rdmsr(u32 msr)
{
	u64 v;
	safe_rdmsr(msr, &v);
	return v;
}
static inline void wrmsr(u32 msr, u64 val)
{
	safe_wrmsr(msr, val);
}

/* ------------------------------------------------------------ console */
/* The (virtual) 16550 at 0x3F8: PC16550D data sheet, Table II. */
#define COM1 0x3F8
#define UART_LSR 5
#define LSR_DR 0x01   /* a received byte waits in RBR */
#define LSR_THRE 0x20 /* THR can take a byte */

void serial_putc(char c); /* '\n' goes out as "\r\n" */
bool serial_poll(u8 *byte); /* a received byte, if one waits */
void puts_raw(const char *s); /* no newline added */
/* %s %c %d %u %x %p %%, width and '0' flag (%08x), 'll' for u64. */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------ strings */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/* ------------------------------------------------------------ multiboot
 * The boot information structure, Multiboot spec 3.3. */
#define MB_BOOT_MAGIC 0x2BADB002u
#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)
#define MBI_LOADER (1u << 9)

struct mb_info {
	u32 flags;
	u32 mem_lower, mem_upper; /* KiB below 1 MiB / from 1 MiB to the first hole */
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr;
	u32 config_table;
	u32 boot_loader_name;
} __attribute__((packed));

struct mb_mmap_entry { /* 3.3: "size" does not count itself */
	u32 size;
	u64 addr, len;
	u32 type; /* 1 = available RAM */
} __attribute__((packed));

const struct mb_info *mb_get(u32 mbi);
const char *mb_cmdline(const struct mb_info *mb);   /* "" if none */
const char *mb_loader(const struct mb_info *mb);    /* "" if none */
/* End of the highest available RAM below 4 GiB (mmap, else mem_upper). */
u64 mb_memory_end(const struct mb_info *mb);
/* Value of "key=N" in a command line, or def. */
u32 cmdline_uint(const char *cmdline, const char *key, u32 def);

/* ------------------------------------------------------------ hypercalls
 * tessera/hypercall.h: VMCALL, EAX = number, EBX/ECX/EDX = arguments. */
#define HC_NOT_PRESENT (-100) /* the VMCALL faulted: no hypervisor */

int32_t hc_call(u32 nr, u32 a, u32 b, u32 c);
int32_t hc_version(void);
int32_t hc_console_write(const void *buf, u32 len);
int32_t hc_partition_info(struct hc_partition_info *info);
int32_t hc_exit(u32 code); /* returns only if there is no hypervisor */
bool hv_present(void); /* HC_VERSION answered (cached) */
bool cpu_is_amd(void); /* CPUID vendor: VMMCALL, not VMCALL */

/* What a guest knows about its partition: from HC_PARTITION_INFO or,
 * without a hypervisor (plain QEMU), from the multiboot info plus an
 * optional "cpus=N" in the command line (APIC IDs 0..N-1). hv is false
 * only when the VMCALL faulted (no hypervisor at all). */
struct guest_info {
	bool hv;
	char name[32];
	u64 memory;
	u32 ncpus, vcpu;
	u32 apic_id[HC_MAX_VCPUS];
};
void guest_info(struct guest_info *gi, const struct mb_info *mb);

/* ------------------------------------------------------------ APIC
 * x2APIC (SDM Vol. 3A 11.12) as Tessera offers it. If enabling it
 * faults (plain QEMU TCG has no x2APIC), the xAPIC MMIO page is used. */
#define MSR_APIC_BASE 0x1B
#define MSR_X2APIC_ID 0x802
#define MSR_X2APIC_ICR 0x830
#define ICR_INIT 0x4500 /* delivery mode 101b, level assert (SDM Vol. 3A 11.6.1) */
#define ICR_SIPI 0x4600 /* delivery mode 110b, level assert, | vector */

bool apic_enable(void);          /* true: x2APIC mode */
u32 apic_id(void);               /* this CPU's APIC ID */
void apic_send_ipi(u32 apic_id, u32 icr_low);
void delay_cycles(u64 cycles);

/* Start the given CPUs (INIT-SIPI-SIPI, SDM Vol. 3A 9.4.4.1) in the
 * real-mode trampoline; each enables x2APIC (apic_enable), then runs
 * fn(slot) on its own stack with this IDT, slot = 0, 1, ... in arrival
 * order, then idles. */
typedef void (*ap_fn)(u32 slot);
void ap_start(const u32 *apic_ids, u32 n, ap_fn fn);
/* The first half of ap_start for a guest that sends INIT and SIPI itself
 * (SIPI vector TRAMPOLINE_VECTOR): copies the trampoline and sets what
 * each AP runs. With enable_x2apic false an AP leaves its APIC as it
 * found it and fn does what it wants with it. */
void ap_prepare(ap_fn fn, bool enable_x2apic);

/* ------------------------------------------------------------ PC devices
 * pc.c: the RTC/CMOS (MC146818 at 0x70/0x71) and PIT channel 2 (8254 at
 * 0x42/0x43, gated and read through port 0x61), used as a bare-metal
 * kernel uses them at boot. */
#define PIT_HZ 1193182u /* the PIT's input clock */

u8 cmos_read(u8 reg);
void cmos_write(u8 reg, u8 v);
struct rtc_time {
	u32 year, mon, day, hour, min, sec; /* year with its century (reg 0x32) */
};
/* Waits (bounded) for the update-in-progress bit to clear, then reads the
 * date and time in the encoding register B says (BCD or binary, 12 or 24
 * hours). */
void rtc_read(struct rtc_time *t);
/* Channel 2 in mode 0 with count 0 (= 65536), in two steps so that the
 * caller can take its timestamps around the start: pit_ch2_arm() opens
 * the gate (speaker off) and writes the control word and the count's low
 * byte; pit_ch2_start() writes the high byte, which starts the count;
 * pit_ch2_wait() polls OUT2 (port 0x61 bit 5), which rises 65536 PIT
 * clocks later, and returns false if it never did (spin bound). */
void pit_ch2_arm(void);
void pit_ch2_start(void);
bool pit_ch2_wait(void);

#endif
