/*
 * apic: the local APIC as a bare-metal kernel uses it, built twice from
 * this file (guests.mk):
 *   apic_xapic.elf   xAPIC mode: the registers through the MMIO page at
 *                    0xFEE00000 (SDM Vol. 3A 11.4.1, Table 11-1), with
 *                    plain 32-bit MOVs (peek32/poke32).
 *   apic_x2apic.elf  -DUSE_X2APIC: each CPU switches its APIC from xAPIC
 *                    to x2APIC mode (11.12.5) and uses MSR 0x800 + offset/16
 *                    (11.12.1.2, Table 11-6).
 * Both start in xAPIC mode, as a PC does at reset (11.12.5.1), and make the
 * same checks on 2 vCPUs, one line each:
 *   1. IA32_APIC_BASE (11.4.4): enabled, base 0xFEE00000, BSP flag on
 *      vCPU 0 only, EXTD clear; the x2APIC build checks CPUID.1:ECX[21]
 *      and writes EN|EXTD (the legal xAPIC -> x2APIC transition).
 *   2. the Spurious-Interrupt Vector Register: APIC enable (bit 8) and
 *      spurious vector 0xFF (11.9).
 *   3. the APIC ID against HC_PARTITION_INFO's apic_id[].
 *   4. the AP started with INIT, SIPI, SIPI (9.4.4.1) through the ICR
 *      (11.6.1; x2APIC 11.12.9), running lib/trampoline.S; it makes checks
 *      1-3 on its own APIC and takes a fixed IPI (vector 0x40).
 *   5. the LAPIC timer (11.5.4): periodic, one-shot and, if CPUID.1:ECX[24]
 *      says so, TSC-deadline (11.5.4.1), each on its own vector.
 *   6. the TSC calibrated with PIT channel 2 (lib/pc.c), and the LAPIC
 *      timer's clock measured twice: against the PIT and from the periodic
 *      ticks' TSC spacing. (The PIT measurement is made right after step
 *      3, so that every later wait has a time base; it is printed here.)
 *   7. the RTC date.
 *   8. a fixed IPI (vector 0x41) to an APIC ID that is no CPU of this
 *      partition: nothing may arrive (Tessera drops and reports it).
 * then, on the BSP only, the partition's I/O APIC (82093AA DS 3.2: IOREGSEL
 * at 0xFEC00000, IOWIN at +0x10), its version register read first:
 *   9. the PIT's IRQ 0 (the MADT's override: GSI 2, pin 2), channel 0 in
 *      mode 2 at ~1 kHz, routed to the BSP (fixed, physical, edge, active
 *      high, vector 0x60): 20 interrupts, their TSC spacing against the
 *      PIT's period (within 5 %); in mode 0, exactly one more (its
 *      terminal count); none through the masked entry.
 *  10. the RTC's IRQ 8 (pin 8): the periodic interrupt at 1024 Hz
 *      (register A 0x26, register B PIE), vector 0x61, register C read in
 *      the handler: 16 interrupts, spacing within 5 % of 1/1024 s; none
 *      once PIE is cleared.
 * and end with "APIC-DONE <mode> ok" or "APIC-FAIL <first failure>".
 * tests/guests/README.md lists the lines.
 *
 * Interrupts: vectors 0x40, 0x41, 0x50-0x52, 0x60, 0x61 have handlers (GCC's
 * interrupt attribute, lib idt_set_handler) that count, take the TSC and
 * EOI. The CPUs wait for them spinning with IF=1, never with HLT: a
 * Multiboot guest's HLT under Tessera waits for good.
 */
#include "guest.h"

#ifdef USE_X2APIC
#define MODE "x2apic"
#define REGS(mmio, msr) msr
#else
#define MODE "xapic"
#define REGS(mmio, msr) mmio
#endif

/* IA32_APIC_BASE, SDM Vol. 3A 11.4.4, Figure 11-5. */
#define BASE_BSP (1u << 8)
#define BASE_EXTD (1u << 10)
#define BASE_EN (1u << 11)
#define APIC_DEFAULT_BASE 0xFEE00000u

/* Register offsets in the xAPIC page (Table 11-1). */
#define R_ID 0x020
#define R_EOI 0x0B0
#define R_TPR 0x080
#define R_SVR 0x0F0
#define R_ICR_LO 0x300
#define R_ICR_HI 0x310
#define R_LVT_TIMER 0x320
#define R_LVT_LINT0 0x350
#define R_LVT_LINT1 0x360
#define R_TIMER_INIT 0x380
#define R_TIMER_CUR 0x390
#define R_TIMER_DIV 0x3E0
#define MSR_X2APIC_FIRST 0x800
#define MSR_TSC_DEADLINE 0x6E0

#define SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define TIMER_ONESHOT (0u << 17) /* LVT timer mode, bits 18:17 (Figure 11-8) */
#define TIMER_PERIODIC (1u << 17)
#define TIMER_DEADLINE (2u << 17)
#define DIV_16 0x3 /* divide configuration 0011b (Figure 11-10) */
#define DIVIDE 16
#define ICR_FIXED 0x4000 /* delivery mode 000b, physical, level assert | vector */
#define ICR_PENDING (1u << 12) /* delivery status, xAPIC only */

#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_EDX_SSE2 (1u << 26)

#define VEC_IPI 0x40
#define VEC_STRAY 0x41
#define VEC_PERIODIC 0x50
#define VEC_ONESHOT 0x51
#define VEC_DEADLINE 0x52
#define VEC_PIT 0x60 /* I/O APIC pin 2 */
#define VEC_RTC 0x61 /* I/O APIC pin 8 */
#define VEC_SPURIOUS 0xFF

#define NTICKS 10     /* periodic interrupts counted */
#define PERIOD_HZ 500 /* the periodic timer's aimed rate: every 2 ms */

/* cmdline "slow=K" (1, 2, 4, ... 32) makes every timer K times slower:
 * the APIC timer's period, the PIT's count and the RTC's rate. Under an
 * emulator whose clocks follow the host's (QEMU's TCG) an interrupt can
 * be a few ms late when the host is busy, which a 2 ms period cannot
 * absorb; the same jitter over periods 32 times longer stays inside the
 * bounds (a busy 2-core host, another emulator beside it, measured 15 ms). Bochs' clocks count instructions and need none. */
static u32 slow = 1;

/* The I/O APIC (82093AA datasheet 3.0-3.2; tessera/ioapic.h). */
#define IOAPIC_BASE 0xFEC00000u
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN 0x10
#define IOAPIC_REG_VER 0x01
#define IOAPIC_REDTBL_LO(n) (0x10 + 2 * (n))
#define IOAPIC_REDTBL_HI(n) (0x11 + 2 * (n))
#define RTE_MASKED (1u << 16) /* low dword; 0 in bits 15:8 = fixed, physical, edge, high */
#define PIT_GSI 2             /* ISA IRQ 0, by the MADT's interrupt source override */
#define RTC_GSI 8             /* ISA IRQ 8 */

#define PIT_CH0 0x40
#define PIT_CTRL 0x43
#define PIT_CH0_COUNT (1193 * slow) /* mode 2: one IRQ 0 edge every 1193 clocks, ~1 kHz */
#define PIT_NIRQ 20
#define RTC_REG_A 0x0A
#define RTC_REG_B 0x0B
#define RTC_REG_C 0x0C
#define RTC_A_1024HZ 0x26 /* divider 010 (32.768 kHz), rate 6: 32768 >> 5 */
/* Register A for 1024 / slow Hz: each rate step halves it (MC146818). */
#define RTC_A_RATE (RTC_A_1024HZ + (u8)__builtin_ctz(slow))
#define RTC_B_PIE 0x40
#define RTC_HZ (1024 / slow)
#define RTC_NIRQ 16

/* ------------------------------------------------------------ helpers */

/* u64 / u64 by shift and subtract: the guests link no libgcc. */
static u64 udiv64(u64 n, u64 d)
{
	u64 q = 0, r = 0;

	if (!d)
		return 0;
	for (int i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ull << i;
		}
	}
	return q;
}

/* Unprobed MSR access for the APIC's own registers: the probe state of
 * safe_rdmsr/safe_wrmsr is one global, and interrupt handlers on two CPUs
 * use these. A fault here is a bug worth the fatal report. */
static inline u64 msr_read(u32 msr)
{
	u32 lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void msr_write(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static u32 lapic_read(u32 reg)
{
#ifdef USE_X2APIC
	return (u32)msr_read(MSR_X2APIC_FIRST + (reg >> 4));
#else
	return peek32(APIC_DEFAULT_BASE + reg);
#endif
}

static void lapic_write(u32 reg, u32 v)
{
#ifdef USE_X2APIC
	msr_write(MSR_X2APIC_FIRST + (reg >> 4), v);
#else
	poke32(APIC_DEFAULT_BASE + reg, v);
#endif
}

static u32 lapic_id(void)
{
#ifdef USE_X2APIC
	return lapic_read(R_ID); /* 11.12.5.1: all 32 bits */
#else
	return lapic_read(R_ID) >> 24;
#endif
}

static inline void lapic_eoi(void)
{
	lapic_write(R_EOI, 0);
}

static volatile u32 icr_stuck; /* xAPIC: delivery status never went idle */

/* 11.6.1: the write of the low half sends; x2APIC (11.12.9): one 64-bit
 * write with the destination in bits 63:32. */
static void icr_send(u32 dest, u32 low)
{
#ifdef USE_X2APIC
	msr_write(MSR_X2APIC_FIRST + (R_ICR_LO >> 4), ((u64)dest << 32) | low);
#else
	lapic_write(R_ICR_HI, dest << 24);
	lapic_write(R_ICR_LO, low);
	for (u32 i = 0; lapic_read(R_ICR_LO) & ICR_PENDING; i++) {
		if (i == 10000) { /* each read may be a VM exit: keep it short */
			icr_stuck++;
			break;
		}
		cpu_pause();
	}
#endif
}

static const char *volatile failure; /* the first check that failed */

static void fail(const char *why)
{
	if (!failure)
		failure = why;
}

static u64 tsc_hz = 1000000000; /* replaced by the PIT's measurement */

static u64 ms(u32 n)
{
	return udiv64(tsc_hz, 1000) * n;
}

static void spin_cycles(u64 cycles)
{
	u64 t0 = rdtsc();
	while (rdtsc() - t0 < cycles)
		cpu_pause();
}

/* Spin (interrupts as they are) until *v >= want or timeout cycles. */
static bool wait_count(volatile u32 *v, u32 want, u64 timeout)
{
	u64 t0 = rdtsc();
	while (*v < want)
		if (rdtsc() - t0 >= timeout)
			return *v >= want;
		else
			cpu_pause();
	return true;
}

/* --------------------------------------------------------- interrupts */

static volatile u32 ipi_count, ipi_receiver;
static volatile u64 ipi_sent_tsc, ipi_taken_tsc;
static volatile u32 stray_count, stray_receiver;
static volatile u32 periodic_count, oneshot_count, deadline_count;
static volatile u64 periodic_tsc[NTICKS], oneshot_tsc, deadline_tsc;
static volatile u32 pit_count, pit_receiver, rtc_count, rtc_receiver;
static volatile u64 pit_irq_tsc[PIT_NIRQ], pit_last_tsc, rtc_irq_tsc[RTC_NIRQ];

__attribute__((interrupt)) static void isr_ipi(struct interrupt_frame *f)
{
	(void)f;
	ipi_taken_tsc = rdtsc();
	ipi_receiver = lapic_id();
	ipi_count++;
	lapic_eoi();
}

__attribute__((interrupt)) static void isr_stray(struct interrupt_frame *f)
{
	(void)f;
	stray_receiver = lapic_id();
	stray_count++;
	lapic_eoi();
}

__attribute__((interrupt)) static void isr_periodic(struct interrupt_frame *f)
{
	u32 n = periodic_count;

	(void)f;
	if (n < NTICKS)
		periodic_tsc[n] = rdtsc();
	periodic_count = n + 1;
	lapic_eoi();
}

__attribute__((interrupt)) static void isr_oneshot(struct interrupt_frame *f)
{
	(void)f;
	if (!oneshot_count)
		oneshot_tsc = rdtsc();
	oneshot_count++;
	lapic_eoi();
}

__attribute__((interrupt)) static void isr_deadline(struct interrupt_frame *f)
{
	(void)f;
	if (!deadline_count)
		deadline_tsc = rdtsc();
	deadline_count++;
	lapic_eoi();
}

__attribute__((interrupt)) static void isr_pit(struct interrupt_frame *f)
{
	u32 n = pit_count;

	(void)f;
	pit_last_tsc = rdtsc();
	if (n < PIT_NIRQ)
		pit_irq_tsc[n] = pit_last_tsc;
	pit_receiver = lapic_id();
	pit_count = n + 1;
	lapic_eoi();
}

/* Register C's read acknowledges the RTC's interrupt (MC146818: IRQF and
 * the flags clear): without it IRQ 8 stays high and no new edge comes.
 * The main code touches the CMOS ports only with interrupts off while
 * this can run, so the index it set cannot be changed under it. */
__attribute__((interrupt)) static void isr_rtc(struct interrupt_frame *f)
{
	u32 n = rtc_count;

	(void)f;
	if (n < RTC_NIRQ)
		rtc_irq_tsc[n] = rdtsc();
	(void)cmos_read(RTC_REG_C);
	rtc_receiver = lapic_id();
	rtc_count = n + 1;
	lapic_eoi();
}

/* ------------------------------------------------- checks 1 to 3 */

static void print_base(const char *who, const char *when, u64 base, bool bsp_expected)
{
	bool en = base & BASE_EN, bsp = base & BASE_BSP, extd = base & BASE_EXTD;
	u64 addr = base & ~0xFFFull;

	printf("apic: %sapic_base %s 0x%llx: %s, base 0x%llx, %s, %s mode\n", who, when, base,
	       en ? "enabled" : "DISABLED", addr, bsp ? "bsp" : "not bsp",
	       extd ? "x2apic" : "xapic");
	if (!en)
		fail("apic_base: apic disabled");
	if (addr != APIC_DEFAULT_BASE)
		fail("apic_base: base is not 0xfee00000");
	if (bsp != bsp_expected)
		fail(bsp_expected ? "apic_base: bsp flag clear on vcpu 0" : "apic_base: bsp flag set on an ap");
}

/* Check 1 on this CPU. Returns false if its APIC cannot be used. */
static bool check_apic_base(const char *who, bool bsp_expected)
{
	u64 base;
	u32 vec = safe_rdmsr(MSR_APIC_BASE, &base);

	if (vec != PROBE_NONE) {
		printf("apic: %srdmsr 0x1b (apic_base): fault %u\n", who, vec);
		fail("rdmsr 0x1b faulted");
		return false;
	}
	/* EXTD at start: the SDM's reset state is xAPIC mode (11.12.5.1),
	 * and that is what a PC gives. It is printed, not failed here: the
	 * integration test holds the strict expectation. */
	print_base(who, "at start", base, bsp_expected);
#ifdef USE_X2APIC
	{
		u32 a, b, c, d;
		u64 want = (base & ~(u64)BASE_EXTD) | BASE_EN | BASE_EXTD, now;

		cpuid(1, 0, &a, &b, &c, &d);
		printf("apic: %scpuid.1:ecx.x2apic = %u\n", who, (c & CPUID1_ECX_X2APIC) ? 1 : 0);
		if (!(c & CPUID1_ECX_X2APIC)) {
			fail("cpuid.1:ecx.x2apic is clear");
			return false;
		}
		/* 11.12.5, Figure 11-27: xAPIC (EN=1, EXTD=0) -> x2APIC (EN=1,
		 * EXTD=1) is a legal transition; BSP and base are kept. */
		vec = safe_wrmsr(MSR_APIC_BASE, want);
		if (vec != PROBE_NONE) {
			printf("apic: %swrmsr 0x1b 0x%llx (en|extd): fault %u\n", who, want, vec);
			fail("wrmsr 0x1b en|extd faulted");
			return false;
		}
		if (safe_rdmsr(MSR_APIC_BASE, &now) != PROBE_NONE) {
			fail("rdmsr 0x1b faulted");
			return false;
		}
		print_base(who, "after wrmsr en|extd", now, bsp_expected);
		if (!(now & BASE_EXTD)) {
			fail("apic_base: extd did not stick");
			return false;
		}
	}
#endif
	return (base & BASE_EN) && (base & ~0xFFFull) == APIC_DEFAULT_BASE;
}

/* Check 2: software-enable the APIC with spurious vector 0xFF. */
static bool check_svr(const char *who)
{
	u32 before = lapic_read(R_SVR), after;

	lapic_write(R_SVR, (before & ~0x1FFu) | SVR_ENABLE | VEC_SPURIOUS);
	after = lapic_read(R_SVR);
	printf("apic: %ssvr 0x%x -> 0x%x (" REGS("mmio 0xf0", "msr 0x80f") "): apic %s, spurious vector 0x%x\n",
	       who, before, after, (after & SVR_ENABLE) ? "enabled" : "NOT enabled", after & 0xFF);
	if ((after & 0x1FF) != (SVR_ENABLE | VEC_SPURIOUS)) {
		fail("svr did not read back enabled with vector 0xff");
		return false;
	}
	return true;
}

/* Check 3. expect: HC_PARTITION_INFO's apic_id[] of this vCPU. */
static void check_id(const char *who, u32 expect)
{
	u32 id = lapic_id();

	printf("apic: %sapic id %u (" REGS("mmio 0x20 bits 31:24", "msr 0x802")
	       "), partition info says %u: %s\n",
	       who, id, expect, id == expect ? "match" : "MISMATCH");
	if (id != expect)
		fail("apic id differs from partition info");
}

/*
 * Check 3b: CR8 is the TPR's other door (SDM Vol. 3A 11.8.6: CR8[3:0] =
 * TPR[7:4]). A 32-bit kernel reaches it only on AMD, as LOCK MOV CR0
 * (APM Vol. 3, MOV CRn; CPUID 80000001H:ECX[4] AltMovCr8): a CR8 write
 * must read back in the TPR register, and a TPR write through CR8. Under
 * SVM both ways exit to the one TPR (svm/exit.c handle_cr_access).
 */
static void check_cr8(void)
{
	u32 a, b, c = 0, d, tpr, cr8;

	cpuid(0x80000000u, 0, &a, &b, &c, &d);
	if (a >= 0x80000001u)
		cpuid(0x80000001u, 0, &a, &b, &c, &d);
	else
		c = 0;
	if (!(c & (1u << 4))) {
		printf("apic: cr8: no 32-bit alias (cpuid.80000001h:ecx[4] clear)\n");
		return;
	}
	__asm__ volatile(".byte 0xf0\n\tmovl %0, %%cr0" : : "a"(3u) : "memory");
	tpr = lapic_read(R_TPR);
	lapic_write(R_TPR, 0x50);
	__asm__ volatile(".byte 0xf0\n\tmovl %%cr0, %0" : "=a"(cr8) : : "memory");
	lapic_write(R_TPR, 0);
	printf("apic: cr8 (lock mov cr0): 3 -> tpr 0x%x; tpr 0x50 -> cr8 %u: %s\n", tpr, cr8,
	       tpr == 0x30 && cr8 == 5 ? "match" : "MISMATCH");
	if (tpr != 0x30 || cr8 != 5)
		fail("cr8 and the tpr disagree");
}

/* ------------------------------------------------------------ the AP */

enum { AP_NONE, AP_UP, AP_GOT_IPI, AP_NO_IPI };
static volatile u32 ap_state = AP_NONE;
static volatile u32 ap_expected_id; /* its apic_id[] as the BSP read it */
static volatile bool bsp_done;

static void ap_main(u32 slot)
{
	struct hc_partition_info pi;
	u32 expect = ap_expected_id;
	bool usable;

	/* Its own vCPU index, if there is a hypervisor to ask. */
	if (hc_partition_info(&pi) >= (int32_t)sizeof(pi) && pi.vcpu < HC_MAX_VCPUS)
		expect = pi.apic_id[pi.vcpu];
	printf("apic: ap up in the trampoline (slot %u)\n", slot);
	usable = check_apic_base("ap ", false) && check_svr("ap ");
	if (usable)
		check_id("ap ", expect);
	__atomic_store_n(&ap_state, AP_UP, __ATOMIC_SEQ_CST);
	if (!usable)
		return; /* the BSP sees no IPI taken */

	__asm__ volatile("sti");
	if (wait_count(&ipi_count, 1, ms(2000))) {
		printf("apic: ap ipi received, vector 0x%x, on apic %u, %llu tsc cycles after it was sent\n",
		       VEC_IPI, ipi_receiver, ipi_taken_tsc - ipi_sent_tsc);
		if (ipi_receiver != expect)
			fail("ipi taken on the wrong apic");
		__atomic_store_n(&ap_state, AP_GOT_IPI, __ATOMIC_SEQ_CST);
	} else {
		printf("apic: ap ipi NOT received in 2 s\n");
		fail("the ap took no ipi");
		__atomic_store_n(&ap_state, AP_NO_IPI, __ATOMIC_SEQ_CST);
	}
	/* Interrupts stay open until the BSP is done: check 8 watches for
	 * an IPI arriving here too. */
	while (!bsp_done)
		cpu_pause();
}

/* Check 4. Returns the AP's APIC ID, or ~0u. */
static u32 start_ap(const struct guest_info *gi)
{
	u32 ap = ~0u, id;
	bool hv = hv_present();
	/* SDM 9.4.4.1: 10 ms after INIT, 200 us after each SIPI. Under
	 * Tessera INIT and SIPI are emulated and the waits only cost time. */
	u64 init_wait = hv ? ms(1) : ms(10), sipi_wait = hv ? ms(1) / 5 : ms(1);

	for (u32 i = 0; i < gi->ncpus; i++)
		if (i != gi->vcpu) {
			ap = gi->apic_id[i];
			break;
		}
	if (ap == ~0u) {
		printf("apic: %u cpu: no ap to start\n", gi->ncpus);
		fail("no second cpu");
		return ~0u;
	}
	id = ap;
	ap_expected_id = id;
	ap_prepare(ap_main, false); /* the AP sets its APIC up itself */
	printf("apic: starting the ap, apic %u: init, sipi 0x%x, sipi 0x%x through the icr ("
	       REGS("mmio 0x310, 0x300", "msr 0x830") ")\n", id, TRAMPOLINE_VECTOR, TRAMPOLINE_VECTOR);
	icr_send(id, ICR_INIT);
	spin_cycles(init_wait);
	for (int round = 0; round < 2; round++) {
		icr_send(id, ICR_SIPI | TRAMPOLINE_VECTOR);
		spin_cycles(sipi_wait);
	}
	if (!wait_count(&ap_state, AP_UP, ms(3000))) {
		printf("apic: the ap, apic %u, did not come up in 3 s\n", id);
		fail("the ap did not come up");
		return ~0u;
	}
	/* Its lines are out; now the IPI, which it reports. */
	ipi_sent_tsc = rdtsc();
	icr_send(id, ICR_FIXED | VEC_IPI);
	wait_count(&ap_state, AP_GOT_IPI, ms(3000));
	if (icr_stuck) {
		printf("apic: icr delivery status stayed pending (%u times)\n", icr_stuck);
		fail("icr delivery status stays pending");
	}
	return id;
}

/* ------------------------------------------------ checks 5 and 6 */

static u64 pit_tsc;        /* TSC cycles in 65536 PIT clocks */
static bool pit_ok;
static u64 lapic_hz_pit;   /* the LAPIC timer's input clock, against the PIT */

/* The PIT window of lib/pc.c, with the LAPIC timer counting down masked
 * from 0xFFFFFFFF across it. */
static void measure_with_pit(void)
{
	u32 c0, c1, a, b, c, d;
	u64 t0, t1;

	lapic_write(R_TIMER_DIV, DIV_16);
	lapic_write(R_LVT_TIMER, LVT_MASKED | TIMER_ONESHOT | VEC_ONESHOT);
	lapic_write(R_TIMER_INIT, 0xFFFFFFFFu);
	pit_ch2_arm();
	c0 = lapic_read(R_TIMER_CUR);
	t0 = rdtsc();
	pit_ch2_start();
	pit_ok = pit_ch2_wait();
	t1 = rdtsc();
	c1 = lapic_read(R_TIMER_CUR);
	lapic_write(R_TIMER_INIT, 0); /* stops it (11.5.4) */
	pit_tsc = t1 - t0;
	if (pit_ok && pit_tsc) {
		tsc_hz = (pit_tsc * PIT_HZ) >> 16;
		lapic_hz_pit = ((u64)(c0 - c1) * DIVIDE * PIT_HZ) >> 16;
		return;
	}
	cpuid(0x15, 0, &a, &b, &c, &d); /* a time base for the waits */
	if (a && b && c)
		tsc_hz = (u64)(c / a) * b;
}

static u32 timer_count;   /* the initial count used */
static u64 period_tsc;    /* measured TSC cycles per periodic tick */

static void timer_stop(void)
{
	lapic_write(R_LVT_TIMER, LVT_MASKED | VEC_PERIODIC);
	lapic_write(R_TIMER_INIT, 0);
}

static void check_periodic(void)
{
	u64 expect, timeout, lo = ~0ull, hi = 0;
	u32 n;

	timer_count = lapic_hz_pit ? (u32)udiv64(lapic_hz_pit * slow, DIVIDE * PERIOD_HZ) : 0x10000;
	if (timer_count < 256)
		timer_count = 256;
	if (timer_count > 0x1000000)
		timer_count = 0x1000000;
	expect = lapic_hz_pit ? udiv64((u64)timer_count * DIVIDE * tsc_hz, lapic_hz_pit) : 0;
	timeout = ms(2000) + expect * NTICKS * 20;

	periodic_count = 0;
	lapic_write(R_TIMER_DIV, DIV_16);
	lapic_write(R_LVT_TIMER, TIMER_PERIODIC | VEC_PERIODIC);
	lapic_write(R_TIMER_INIT, timer_count);
	wait_count(&periodic_count, NTICKS, timeout);
	timer_stop();
	n = periodic_count;
	if (n < NTICKS) {
		printf("apic: timer periodic only %u of %u ticks (count %u, divide %u)\n", n, NTICKS,
		       timer_count, DIVIDE);
		fail("periodic timer: too few ticks");
		return;
	}
	for (u32 i = 1; i < NTICKS; i++) {
		u64 gap = periodic_tsc[i] - periodic_tsc[i - 1];
		lo = gap < lo ? gap : lo;
		hi = gap > hi ? gap : hi;
	}
	period_tsc = udiv64(periodic_tsc[NTICKS - 1] - periodic_tsc[0], NTICKS - 1);
	printf("apic: timer periodic %u ticks, every ~%llu tsc cycles (count %u, divide %u; gaps %llu..%llu)\n",
	       NTICKS, period_tsc, timer_count, DIVIDE, lo, hi);
	if (!period_tsc)
		fail("periodic timer: no time between ticks");
}

static u64 period_or_guess(void)
{
	return period_tsc ? period_tsc : ms(2);
}

static void check_oneshot(void)
{
	u64 p = period_or_guess(), t_arm, after;
	u32 n, cur;

	oneshot_count = 0;
	lapic_write(R_TIMER_DIV, DIV_16);
	lapic_write(R_LVT_TIMER, TIMER_ONESHOT | VEC_ONESHOT);
	t_arm = rdtsc();
	lapic_write(R_TIMER_INIT, timer_count);
	wait_count(&oneshot_count, 1, ms(2000) + 20 * p);
	while (rdtsc() - t_arm < 4 * p) /* then 4 periods in all: no second one */
		cpu_pause();
	n = oneshot_count;
	cur = lapic_read(R_TIMER_CUR);
	timer_stop();
	if (!n) {
		printf("apic: timer one-shot: NO interrupt (count %u)\n", timer_count);
		fail("one-shot timer: no interrupt");
		return;
	}
	after = oneshot_tsc - t_arm;
	printf("apic: timer one-shot %u interrupt in 4 periods after one arm, ~%llu tsc cycles after it (current count now %u)\n",
	       n, after, cur);
	if (n != 1)
		fail("one-shot timer: more than one interrupt");
	else if (cur != 0)
		fail("one-shot timer: current count not 0 after it fired");
	else if (after < p / 2 || after > 3 * p)
		fail("one-shot timer: fired far from one period after the arm");
}

static void check_deadline(void)
{
	u32 a, b, c, d, n;
	u64 p = period_or_guess(), deadline, left;
	int64_t late;

	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & CPUID1_ECX_TSC_DEADLINE)) {
		printf("apic: timer tsc-deadline not offered (cpuid.1:ecx[24] clear)\n");
		return;
	}
	deadline_count = 0;
	lapic_write(R_LVT_TIMER, TIMER_DEADLINE | VEC_DEADLINE);
	/* 11.5.4.1: the LVT write that selects TSC-deadline mode must be
	 * ordered before the WRMSR to IA32_TSC_DEADLINE (MFENCE in xAPIC mode). */
	if (d & CPUID1_EDX_SSE2)
		__asm__ volatile("mfence" ::: "memory");
	else
		cpuid(0, 0, &a, &b, &c, &d); /* serializing */
	deadline = rdtsc() + p;
	msr_write(MSR_TSC_DEADLINE, deadline);
	wait_count(&deadline_count, 1, ms(2000) + 20 * p);
	while ((int64_t)(rdtsc() - deadline) < (int64_t)(3 * p)) /* 3 periods past it: no second one */
		cpu_pause();
	n = deadline_count;
	left = msr_read(MSR_TSC_DEADLINE);
	timer_stop();
	msr_write(MSR_TSC_DEADLINE, 0);
	if (!n) {
		printf("apic: timer tsc-deadline: NO interrupt (msr 0x6e0 still 0x%llx)\n", left);
		fail("tsc-deadline timer: no interrupt");
		return;
	}
	late = (int64_t)(deadline_tsc - deadline);
	if (late >= 0)
		printf("apic: timer tsc-deadline %u interrupt, %llu tsc cycles after the deadline (msr 0x6e0 now 0x%llx)\n",
		       n, (u64)late, left);
	else
		printf("apic: timer tsc-deadline %u interrupt, %llu tsc cycles BEFORE the deadline\n", n,
		       (u64)-late);
	if (n != 1)
		fail("tsc-deadline timer: more than one interrupt");
	else if (late < 0)
		fail("tsc-deadline timer: fired before the deadline");
}

static void report_pit(void)
{
	u64 by_ticks, diff, permille;

	if (!pit_ok) {
		printf("apic: pit: OUT2 never rose (65536 ticks not counted)\n");
		fail("pit channel 2 did not count");
		return;
	}
	printf("apic: pit 65536 ticks = %llu tsc cycles: tsc %llu Hz\n", pit_tsc, tsc_hz);
	if (!period_tsc || !lapic_hz_pit) {
		printf("apic: lapic timer clock %llu Hz by the pit, none by its ticks\n", lapic_hz_pit);
		fail("lapic timer clock not measured");
		return;
	}
	by_ticks = udiv64((u64)timer_count * DIVIDE * tsc_hz, period_tsc);
	diff = by_ticks > lapic_hz_pit ? by_ticks - lapic_hz_pit : lapic_hz_pit - by_ticks;
	permille = udiv64(diff * 1000, lapic_hz_pit);
	printf("apic: lapic timer clock %llu Hz by the pit, %llu Hz by its periodic ticks: %s (%llu.%llu%%)\n",
	       lapic_hz_pit, by_ticks, permille <= 20 ? "agree" : "DIFFER", udiv64(permille, 10),
	       permille - udiv64(permille, 10) * 10);
	if (permille > 20)
		fail("lapic timer: pit and tsc measurements differ by more than 2%");
}

/* ------------------------------------------------- checks 7 and 8 */

static void check_rtc(void)
{
	struct rtc_time t;

	rtc_read(&t);
	printf("apic: rtc %u-%02u-%02u\n", t.year, t.mon, t.day);
	if (t.year < 2000 || t.mon < 1 || t.mon > 12 || t.day < 1 || t.day > 31)
		fail("rtc date out of range");
}

/*
 * Check 8. The destination is one above the highest APIC ID the
 * partition has (HC_PARTITION_INFO): larger than every one of its IDs, so
 * no CPU of this partition, whatever the machine's numbering. On the test
 * machine that is the neighbour partition's first CPU for one partition
 * and no CPU at all for the other. In xAPIC mode 0xFF would be the
 * broadcast (11.6.2.1), so there the lowest free ID below it is taken.
 */
static void check_foreign_ipi(const struct guest_info *gi, u32 ap)
{
	u32 dest = 0, i;
	u64 wait;

	for (i = 0; i < gi->ncpus; i++)
		if (gi->apic_id[i] + 1 > dest)
			dest = gi->apic_id[i] + 1;
#ifndef USE_X2APIC
	if (dest >= 0xFF)
		for (dest = 0; dest < 0xFF; dest++) {
			for (i = 0; i < gi->ncpus && gi->apic_id[i] != dest; i++)
				;
			if (i == gi->ncpus)
				break;
		}
#endif
	/* Long enough for a delivered IPI many times over: 20 ms, or 50
	 * times what the IPI to the AP took. */
	wait = ms(20);
	if (ap != ~0u && ipi_count && (ipi_taken_tsc - ipi_sent_tsc) * 50 > wait)
		wait = (ipi_taken_tsc - ipi_sent_tsc) * 50;
	stray_count = 0;
	icr_send(dest, ICR_FIXED | VEC_STRAY);
	spin_cycles(wait);
	if (!stray_count)
		printf("apic: ipi 0x%x to apic %u (not a cpu of this partition): nothing arrived in %llu tsc cycles\n",
		       VEC_STRAY, dest, wait);
	else {
		printf("apic: ipi 0x%x to apic %u (not a cpu of this partition): ARRIVED %u times, on apic %u\n",
		       VEC_STRAY, dest, stray_count, stray_receiver);
		fail("an ipi to a foreign apic arrived here");
	}
}

/* ---------------------------------------------- checks 9 and 10 */

static u32 ioapic_read(u32 reg)
{
	poke32(IOAPIC_BASE + IOAPIC_IOREGSEL, reg);
	return peek32(IOAPIC_BASE + IOAPIC_IOWIN);
}

static void ioapic_write(u32 reg, u32 v)
{
	poke32(IOAPIC_BASE + IOAPIC_IOREGSEL, reg);
	poke32(IOAPIC_BASE + IOAPIC_IOWIN, v);
}

/* Entry pin: fixed, physical destination dest (bits 63:56), edge, active
 * high, vector, unmasked; the destination written while it is masked. */
static void ioapic_route(u32 pin, u32 dest, u32 vector)
{
	ioapic_write(IOAPIC_REDTBL_LO(pin), RTE_MASKED | vector);
	ioapic_write(IOAPIC_REDTBL_HI(pin), dest << 24);
	ioapic_write(IOAPIC_REDTBL_LO(pin), vector);
}

/* Mask entry pin; true if it reads back masked. The read-back is also a
 * barrier: an interrupt sent before the mask has come by its end. */
static bool ioapic_mask(u32 pin)
{
	ioapic_write(IOAPIC_REDTBL_LO(pin), ioapic_read(IOAPIC_REDTBL_LO(pin)) | RTE_MASKED);
	return ioapic_read(IOAPIC_REDTBL_LO(pin)) & RTE_MASKED;
}

static bool ioapic_ok;

static void check_ioapic_version(void)
{
	u32 v = ioapic_read(IOAPIC_REG_VER), ver = v & 0xFF, entries = ((v >> 16) & 0xFF) + 1;

	printf("apic: ioapic version 0x%x, %u entries\n", ver, entries);
	ioapic_ok = ver == 0x20 && entries == 24;
	if (!ioapic_ok)
		fail("ioapic version register is not 0x20 with 24 entries");
}

/* The spacing of n interrupt timestamps: mean, shortest and longest gap,
 * and the mean's difference from expect in tenths of a percent. */
struct spacing {
	u64 mean, lo, hi, permille;
};

static struct spacing spacing_of(const volatile u64 *t, u32 n, u64 expect)
{
	struct spacing s = { 0, ~0ull, 0, ~0ull };
	u64 diff;

	for (u32 i = 1; i < n; i++) {
		u64 gap = t[i] - t[i - 1];
		s.lo = gap < s.lo ? gap : s.lo;
		s.hi = gap > s.hi ? gap : s.hi;
	}
	s.mean = udiv64(t[n - 1] - t[0], n - 1);
	diff = s.mean > expect ? s.mean - expect : expect - s.mean;
	if (expect)
		s.permille = udiv64(diff * 1000, expect);
	return s;
}

/* Interrupts counted by *count in the next `wait` cycles. */
static u32 more_in(volatile u32 *count, u64 wait)
{
	u32 c0 = *count;

	spin_cycles(wait);
	return *count - c0;
}

/* Channel 0: the control word ctrl (channel 0, LSB then MSB, binary,
 * the mode in bits 3:1), then count: loading it starts the counter. */
static void pit_ch0(u8 ctrl, u16 count)
{
	outb(PIT_CTRL, ctrl);
	outb(PIT_CH0, count & 0xFF);
	outb(PIT_CH0, count >> 8);
}

/*
 * Check 9: the PIT's IRQ 0 through the I/O APIC's pin 2 to this CPU.
 * Then, the entry still open, channel 0 reprogrammed to mode 0 with the
 * same count: OUT drops at the control word and rises once at terminal
 * count, and stays high (8254 data sheet, mode 0), so exactly one more
 * interrupt comes, about one period after the load, and then none. Last,
 * the entry masked and channel 0 back in mode 2: none through the mask;
 * channel 0 is left in mode 0 behind the masked entry. (The masked part
 * comes last because QEMU's I/O APIC, unlike the 82093AA (DS 3.2.4 bit
 * 16), keeps an edge that comes while masked and sends it at the unmask.)
 */
static void check_pit_irq0(u32 bsp)
{
	u64 expect = udiv64(tsc_hz * PIT_CH0_COUNT, PIT_HZ), quiet = 10 * expect;
	u64 t_load = 0, tc_after = 0;
	u32 n, c0, mode0_more = 0, masked_more = 0;
	bool masked;
	struct spacing s;

	pit_count = 0;
	ioapic_route(PIT_GSI, bsp, VEC_PIT);
	pit_ch0(0x34, PIT_CH0_COUNT); /* mode 2, rate generator */
	wait_count(&pit_count, PIT_NIRQ, 100 * PIT_NIRQ * expect);
	n = pit_count;
	/* An interrupt sent before the port write has come by its end. */
	pit_ch0(0x30, PIT_CH0_COUNT); /* mode 0, one terminal count */
	t_load = rdtsc();
	c0 = pit_count;
	if (n >= PIT_NIRQ) {
		spin_cycles(quiet);
		mode0_more = pit_count - c0;
		tc_after = pit_last_tsc - t_load;
	}
	masked = ioapic_mask(PIT_GSI);
	if (n >= PIT_NIRQ) {
		pit_ch0(0x34, PIT_CH0_COUNT); /* running again, behind the mask */
		masked_more = more_in(&pit_count, quiet);
	}
	pit_ch0(0x30, PIT_CH0_COUNT); /* stopped after one terminal count */
	if (n < PIT_NIRQ) {
		printf("apic: pit irq0 through the ioapic: only %u of %u interrupts in %llu tsc cycles (expected one every ~%llu)\n",
		       n, PIT_NIRQ, 100 * PIT_NIRQ * expect, expect);
		fail(n ? "pit irq0: too few interrupts through the ioapic"
		       : "pit irq0: no interrupt through the ioapic");
		return;
	}
	s = spacing_of(pit_irq_tsc, PIT_NIRQ, expect);
	printf("apic: pit irq0 through the ioapic: %u interrupts, every ~%llu tsc cycles (expected ~%llu: %llu.%llu%%; gaps %llu..%llu) on apic %u; mode 0: %u more, ~%llu after the load; masked: %u more\n",
	       PIT_NIRQ, s.mean, expect, udiv64(s.permille, 10), s.permille - udiv64(s.permille, 10) * 10,
	       s.lo, s.hi, pit_receiver, mode0_more, mode0_more ? tc_after : 0, masked_more);
	if (pit_receiver != bsp)
		fail("pit irq0: taken on another apic than the one routed to");
	else if (s.permille > 50)
		fail("pit irq0: spacing differs from the pit's period by more than 5%");
	else if (mode0_more != 1)
		fail(mode0_more ? "pit irq0: more than one interrupt from a mode 0 count"
				: "pit irq0: no interrupt at a mode 0 terminal count");
	else if (tc_after < expect / 2 || tc_after > 2 * expect)
		fail("pit irq0: mode 0 terminal count far from one count after the load");
	else if (!masked)
		fail("pit irq0: the ioapic entry does not read back masked");
	else if (masked_more)
		fail("pit irq0: interrupts came through a masked ioapic entry");
}

/* Check 10: the RTC's periodic interrupt, IRQ 8, through pin 8. */
static void check_rtc_irq8(u32 bsp)
{
	u64 expect = udiv64(tsc_hz, RTC_HZ), quiet = 10 * expect;
	u32 n, more;
	u8 a, b;
	bool masked;
	struct spacing s;

	__asm__ volatile("cli");
	a = cmos_read(RTC_REG_A);
	b = cmos_read(RTC_REG_B);
	cmos_write(RTC_REG_B, b & ~RTC_B_PIE);
	rtc_count = 0;
	ioapic_route(RTC_GSI, bsp, VEC_RTC);
	cmos_write(RTC_REG_A, RTC_A_RATE);
	/* Register C read right before PIE is set: a PF flag already up
	 * would raise IRQF at once, off the 1024 Hz grid, and shorten the
	 * first gap. */
	(void)cmos_read(RTC_REG_C);
	cmos_write(RTC_REG_B, b | RTC_B_PIE);
	__asm__ volatile("sti");
	wait_count(&rtc_count, RTC_NIRQ, 100 * RTC_NIRQ * expect);
	n = rtc_count;
	__asm__ volatile("cli");
	cmos_write(RTC_REG_B, b & ~RTC_B_PIE);
	(void)cmos_read(RTC_REG_C);
	__asm__ volatile("sti");
	/* Entry still open: with PIE clear nothing may come. */
	(void)ioapic_read(IOAPIC_REDTBL_LO(RTC_GSI)); /* a barrier, as in ioapic_mask */
	more = more_in(&rtc_count, quiet);
	masked = ioapic_mask(RTC_GSI);
	__asm__ volatile("cli");
	cmos_write(RTC_REG_A, a);
	cmos_write(RTC_REG_B, b);
	__asm__ volatile("sti");
	if (n < RTC_NIRQ) {
		printf("apic: rtc irq8 through the ioapic: only %u of %u interrupts in %llu tsc cycles (expected one every ~%llu)\n",
		       n, RTC_NIRQ, 100 * RTC_NIRQ * expect, expect);
		fail(n ? "rtc irq8: too few interrupts through the ioapic"
		       : "rtc irq8: no interrupt through the ioapic");
		return;
	}
	/* Without a hypervisor the spacing is printed, not checked: QEMU's
	 * RTC runs on host time (-rtc clock=host, its default), and under
	 * -icount, which apic_xapic needs there, the TSC does not. */
	s = spacing_of(rtc_irq_tsc, RTC_NIRQ, expect);
	printf("apic: rtc irq8 through the ioapic: %u interrupts, every ~%llu tsc cycles (expected ~%llu: %llu.%llu%%; gaps %llu..%llu) on apic %u; pie off %u more\n",
	       RTC_NIRQ, s.mean, expect, udiv64(s.permille, 10), s.permille - udiv64(s.permille, 10) * 10,
	       s.lo, s.hi, rtc_receiver, more);
	if (rtc_receiver != bsp)
		fail("rtc irq8: taken on another apic than the one routed to");
	else if (s.permille > 50 && hv_present())
		fail("rtc irq8: spacing differs from 1/1024 s by more than 5%");
	else if (!masked)
		fail("rtc irq8: the ioapic entry does not read back masked");
	else if (more)
		fail("rtc irq8: interrupts came after register b's pie was cleared");
}

/* ------------------------------------------------------------ main */

static void finish(void)
{
	timer_stop();
	bsp_done = true;
	if (failure)
		printf("APIC-FAIL %s\n", failure);
	else
		printf("APIC-DONE " MODE " ok\n");
}

void guest_main(u32 magic, u32 mbi)
{
	static struct guest_info gi;
	u32 ap;

	guest_info(&gi, magic == MB_BOOT_MAGIC ? mb_get(mbi) : NULL);
	if (magic == MB_BOOT_MAGIC)
		slow = cmdline_uint(mb_cmdline(mb_get(mbi)), "slow=", 1);
	if (!slow || slow > 32 || (slow & (slow - 1))) /* PIT count <= 65535 */
		slow = 1;
	printf("apic: " MODE " build, partition %s, %u cpus, apic ids", gi.name, gi.ncpus);
	for (u32 i = 0; i < gi.ncpus; i++)
		printf(i ? ",%u" : " %u", gi.apic_id[i]);
	printf("%s\n", gi.hv ? "" : " (no hypervisor)");

	idt_set_handler(VEC_IPI, isr_ipi);
	idt_set_handler(VEC_STRAY, isr_stray);
	idt_set_handler(VEC_PERIODIC, isr_periodic);
	idt_set_handler(VEC_ONESHOT, isr_oneshot);
	idt_set_handler(VEC_DEADLINE, isr_deadline);
	idt_set_handler(VEC_PIT, isr_pit);
	idt_set_handler(VEC_RTC, isr_rtc);

	if (!check_apic_base("", gi.vcpu == 0) || !check_svr("")) {
		finish();
		return;
	}
	check_id("", gi.apic_id[gi.vcpu]);
	check_cr8();
	/* The firmware may leave the 8259's ExtINT wired to the BSP's LINT0
	 * (virtual wire mode, MP spec 3.6.2.2; SeaBIOS under plain QEMU does,
	 * with IRQ 0 at vector 8): cut LINT0 and LINT1 off (11.5.1) before
	 * interrupts are opened, as a kernel that uses only its APIC does. */
	lapic_write(R_LVT_LINT0, LVT_MASKED);
	lapic_write(R_LVT_LINT1, LVT_MASKED);
	measure_with_pit();
	ap = start_ap(&gi);

	__asm__ volatile("sti");
	check_periodic();
	check_oneshot();
	check_deadline();
	report_pit();
	check_rtc();
	check_foreign_ipi(&gi, ap);
	check_ioapic_version();
	if (ioapic_ok) {
		check_pit_irq0(gi.apic_id[gi.vcpu]);
		check_rtc_irq8(gi.apic_id[gi.vcpu]);
	}
	finish();
}
