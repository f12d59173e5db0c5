/*
 * Setting up a VMCS for one vCPU: execution controls, host state, and the
 * guest state a Multiboot kernel or a started AP expects.
 * SDM Vol. 3C, Chapter 25 "Virtual Machine Control Structures" and 27.3
 * (the guest-state checks that VM entry makes).
 */
#include <tessera/arch.h>
#include <tessera/log.h>
#include <tessera/pcpu.h>
#include <tessera/string.h>
#include <arch/cpu.h>
#include <arch/gdt.h>
#include <arch/msr.h>
#include <arch/vmcs.h>
#include <arch/vmx.h>
#include <arch/x86.h>
#include "vmx_internal.h"

#define VMX_BASIC_TRUE_CTLS (1ull << 55) /* A.1: TRUE_* capability MSRs exist */
#define PAT_POWER_ON 0x0007040600070406ull /* SDM Vol. 3A 13.12.4 */
#define DR7_INIT 0x400ull

void vmx_fatal(const char *what)
{
	u64 err = 0;

	vmread_raw(VM_INSTRUCTION_ERROR, &err);
	log_emergency("!!! VMX: %s failed, VM-instruction error %llu (SDM Vol. 3C 31.4)\n", what,
		      (unsigned long long)err);
	arch_cpu_stop();
}

u64 vmcs_read_checked(u64 field)
{
	u64 v = 0;

	if (vmread_raw(field, &v) != VMX_OK)
		vmx_fatal("VMREAD");
	return v;
}

void vmcs_write_checked(u64 field, u64 value)
{
	if (vmwrite_raw(field, value) != VMX_OK) {
		log_emergency("!!! VMX: VMWRITE of field 0x%llx\n", (unsigned long long)field);
		vmx_fatal("VMWRITE");
	}
}

/*
 * A control field's value: the bits we want, plus those the CPU requires
 * (allowed-0 = low 32 bits of the capability MSR), minus those it does not
 * allow (allowed-1 = high 32 bits). SDM Vol. 3D A.3-A.5. Wanted bits the CPU
 * cannot set are a fatal mismatch: arch_virt_supported() checked for them.
 */
static u32 adjust_controls(u32 msr, u32 want, const char *name)
{
	u64 cap = rdmsr(msr);
	u32 v = (want | (u32)cap) & (u32)(cap >> 32);

	if ((v & want) != want) {
		log_emergency("!!! VMX: %s control bits 0x%x not supported by this CPU\n", name,
			      want & ~v);
		arch_cpu_stop();
	}
	return v;
}

static u32 true_msr(u32 plain, u32 true_one)
{
	return (rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_TRUE_CTLS) ? true_one : plain;
}

static u32 optional_secondary(u32 bit)
{
	return (u32)(rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2) >> 32) & bit;
}

/* The timer counts down by 1 each time TSC bit X changes, X being
 * IA32_VMX_MISC bits 4:0 (A.6); VM entry reloads it from the VMCS each
 * time, as "save VMX-preemption timer value" stays off (26.7.4). */
#define SHARED_CONSOLE_TICK_MS 10
static u32 preemption_timer_ticks(void)
{
	unsigned shift = (unsigned)(rdmsr(MSR_IA32_VMX_MISC) & 0x1f);
	u64 ticks = (x86_tsc_hz() / 1000 * SHARED_CONSOLE_TICK_MS) >> shift;

	return ticks > 0xffffffffull ? 0xffffffffu : (u32)MAX(ticks, 1ull);
}

/*
 * The VMX-preemption timer (SDM Vol. 3C 26.5.1) as this vCPU normally has
 * it. On the CPU the console shares (console_cpu = none) it makes the
 * guest exit at least every SHARED_CONSOLE_TICK_MS, so the console gets
 * its turn even while the guest spins without exits; elsewhere it is off.
 * Called at set-up and after each timer exit, which may also have been
 * the immediate one an NMI asked for (vmx_preemption_timer_expire_now).
 */
void vmx_preemption_timer_reset(const struct vcpu *v)
{
	u32 pin = vmcs_read32(PIN_BASED_VM_EXEC_CONTROL);

	if (v->shares_console) {
		vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, preemption_timer_ticks());
		pin |= PIN_BASED_VMX_PREEMPTION_TIMER;
	} else {
		pin &= ~PIN_BASED_VMX_PREEMPTION_TIMER;
	}
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, pin);
}

/*
 * The partition's timer devices have an interrupt due at deadline_ns
 * (tessera/timers.h, vCPU 0 only): the guest must leave guest mode by
 * then, so that the edge is raised on time even if the guest spins
 * without exits. The timer counts TSC / 2^shift (IA32_VMX_MISC bits 4:0,
 * SDM Vol. 3C 26.5.1); a far deadline is cut to 1 s (the exit then just
 * arms it again), which keeps the product below 2^64. On a CPU the console
 * shares, the console's bound still holds.
 */
void vmx_preemption_timer_arm(const struct vcpu *v, u64 deadline_ns, u64 now_ns)
{
	unsigned shift = (unsigned)(rdmsr(MSR_IA32_VMX_MISC) & 0x1f);
	u64 delta = deadline_ns > now_ns ? MIN(deadline_ns - now_ns, 1000000000ull) : 0;
	u64 ticks = (delta * (x86_tsc_hz() / 1000) / 1000000) >> shift;

	if (v->shares_console)
		ticks = MIN(ticks, (u64)preemption_timer_ticks());
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, (u32)ticks);
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL,
		     vmcs_read32(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_VMX_PREEMPTION_TIMER);
}

/* A timer value of 0 makes the next VM entry exit before the guest runs a
 * single instruction (SDM Vol. 3C 27.7.4): how an NMI that finds the CPU
 * in the hypervisor, perhaps just after its last look at the vCPU's
 * requests, still gets the vCPU to look again (cf. Jailhouse's
 * vcpu_nmi_handler). */
void vmx_preemption_timer_expire_now(void)
{
	vmcs_write32(VMX_PREEMPTION_TIMER_VALUE, 0);
	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL,
		     vmcs_read32(PIN_BASED_VM_EXEC_CONTROL) | PIN_BASED_VMX_PREEMPTION_TIMER);
}

static void setup_controls(struct vcpu *v)
{
	struct vmx_partition *vp = &vmx_partitions[v->part->id];
	u32 pin, cpu, sec, exit_ctl, entry;

	/* External interrupts exit to us (26.2): the hypervisor must see any
	 * interrupt that reaches a partition CPU, including its own kick.
	 * NMIs exit too: they are how other CPUs preempt this one
	 * (arch_cpu_preempt), and the guest cannot block them. Guests get
	 * no NMIs ("virtual NMIs" stays off). The preemption timer is
	 * allowed here and set by vmx_preemption_timer_reset(). */
	pin = PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING;
	pin = adjust_controls(true_msr(MSR_IA32_VMX_PINBASED_CTLS,
				       MSR_IA32_VMX_TRUE_PINBASED_CTLS),
			      pin, "pin-based");

	cpu = CPU_BASED_HLT_EXITING |     /* a halt is ours to decide on (exit.c, handle_hlt) */
	      CPU_BASED_MWAIT_EXITING |   /* hidden in CPUID; #UD like a CPU without it */
	      CPU_BASED_MONITOR_EXITING | /* likewise */
	      CPU_BASED_USE_IO_BITMAPS |  /* only the virtual UART's ports are ours (25.6.4) */
	      CPU_BASED_USE_MSR_BITMAPS | /* pass through only the guest's own MSRs (25.6.9) */
	      /* MOV to CR8 writes the TPR (SDM Vol. 3A 11.8.6): it goes
	       * through the same cap as a TPR write (tessera/vlapic.h). */
	      CPU_BASED_CR8_LOAD_EXITING |
	      CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
	cpu = adjust_controls(true_msr(MSR_IA32_VMX_PROCBASED_CTLS,
				       MSR_IA32_VMX_TRUE_PROCBASED_CTLS),
			      cpu, "processor-based");
	/* CR3 loads and stores are not asked for: with EPT the guest owns CR3
	 * (29.3). The TRUE capability MSR lets them be 0 (A.3.2). */

	sec = SECONDARY_EXEC_ENABLE_EPT |         /* the partition's memory map (29.3) */
	      SECONDARY_EXEC_UNRESTRICTED_GUEST | /* guests start unpaged or in real mode (26.6) */
	      optional_secondary(SECONDARY_EXEC_ENABLE_VPID |    /* keep TLBs across exits (29.1) */
				 SECONDARY_EXEC_ENABLE_RDTSCP |  /* else RDTSCP is #UD */
				 SECONDARY_EXEC_ENABLE_INVPCID | /* else INVPCID is #UD */
				 SECONDARY_EXEC_XSAVES);         /* else XSAVES is #UD */
	sec = adjust_controls(MSR_IA32_VMX_PROCBASED_CTLS2, sec, "secondary");

	exit_ctl = VM_EXIT_HOST_ADDR_SPACE_SIZE | /* the host runs in 64-bit mode (25.7.1) */
		   VM_EXIT_ACK_INTR_ON_EXIT |     /* the exit reports which interrupt */
		   VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |   /* guest and host own */
		   VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER; /* PAT and EFER */
	exit_ctl = adjust_controls(true_msr(MSR_IA32_VMX_EXIT_CTLS, MSR_IA32_VMX_TRUE_EXIT_CTLS),
				   exit_ctl, "VM-exit");

	/* The guest's PAT and EFER come from the VMCS on entry (25.8.1). */
	entry = VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER;
	entry = adjust_controls(true_msr(MSR_IA32_VMX_ENTRY_CTLS, MSR_IA32_VMX_TRUE_ENTRY_CTLS),
				entry, "VM-entry");

	vmcs_write32(PIN_BASED_VM_EXEC_CONTROL, pin);
	vmx_preemption_timer_reset(v);
	vmcs_write32(CPU_BASED_VM_EXEC_CONTROL, cpu);
	vmcs_write32(SECONDARY_VM_EXEC_CONTROL, sec);
	vmcs_write32(VM_EXIT_CONTROLS, exit_ctl);
	vmcs_write32(VM_ENTRY_CONTROLS, entry);
	vmcs_write32(EXCEPTION_BITMAP, 0); /* the guest handles its own exceptions */
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MASK, 0);
	vmcs_write32(PAGE_FAULT_ERROR_CODE_MATCH, 0);
	vmcs_write32(CR3_TARGET_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_STORE_COUNT, 0);
	vmcs_write32(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_write32(VM_ENTRY_INTR_INFO_FIELD, 0);

	vmcs_write64(IO_BITMAP_A, vp->io_bitmap_a);
	vmcs_write64(IO_BITMAP_B, vp->io_bitmap_b);
	vmcs_write64(MSR_BITMAP, vp->msr_bitmap);
	vmcs_write64(EPT_POINTER, vmx_ept_pointer(v->part));
	if (sec & SECONDARY_EXEC_ENABLE_VPID)
		vmcs_write16(VIRTUAL_PROCESSOR_ID, vp->vpid);
	vmcs_write64(TSC_OFFSET, 0); /* guests see the real TSC */

	/* CR0/CR4 bits VMX requires (fixed bits, A.7/A.8) are owned by us: the
	 * guest sees its own values through the read shadows (25.6.6). PE and
	 * PG are free with unrestricted guest. CR4.VMXE stays hidden. */
	vmcs_writel(CR0_GUEST_HOST_MASK,
		    (rdmsr(MSR_IA32_VMX_CR0_FIXED0) | ~rdmsr(MSR_IA32_VMX_CR0_FIXED1)) &
			    ~(CR0_PE | CR0_PG));
	vmcs_writel(CR4_GUEST_HOST_MASK,
		    rdmsr(MSR_IA32_VMX_CR4_FIXED0) | ~rdmsr(MSR_IA32_VMX_CR4_FIXED1) | CR4_VMXE);
}

struct desc_ptr64 {
	u16 limit;
	u64 base;
} __packed;

/* Host state: what the CPU loads on every exit (25.5, 28.5). The same as
 * the hypervisor's own state on this CPU, with RIP at the exit stub. */
static void setup_host(void)
{
	struct pcpu *c = arch_this_cpu();
	struct desc_ptr64 gdtr, idtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	__asm__ volatile("sidt %0" : "=m"(idtr));
	vmcs_writel(HOST_CR0, read_cr0());
	vmcs_writel(HOST_CR3, read_cr3());
	vmcs_writel(HOST_CR4, read_cr4());
	vmcs_write16(HOST_CS_SELECTOR, SEL_CODE64);
	vmcs_write16(HOST_SS_SELECTOR, SEL_DATA);
	vmcs_write16(HOST_DS_SELECTOR, SEL_DATA);
	vmcs_write16(HOST_ES_SELECTOR, SEL_DATA);
	vmcs_write16(HOST_FS_SELECTOR, 0);
	vmcs_write16(HOST_GS_SELECTOR, 0);
	vmcs_write16(HOST_TR_SELECTOR, SEL_TSS);
	vmcs_writel(HOST_FS_BASE, 0);
	vmcs_writel(HOST_GS_BASE, (u64)(uintptr_t)c); /* arch_this_cpu() after an exit */
	vmcs_writel(HOST_TR_BASE, (u64)(uintptr_t)&c->arch.tss);
	vmcs_writel(HOST_GDTR_BASE, gdtr.base);
	vmcs_writel(HOST_IDTR_BASE, idtr.base);
	vmcs_write32(HOST_IA32_SYSENTER_CS, 0);
	vmcs_writel(HOST_IA32_SYSENTER_ESP, 0);
	vmcs_writel(HOST_IA32_SYSENTER_EIP, 0);
	vmcs_write64(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmcs_write64(HOST_IA32_EFER, rdmsr(MSR_EFER));
	vmcs_writel(HOST_RIP, (u64)(uintptr_t)vmx_exit_stub);
}

u64 vmx_cr0_real(u64 guest_value)
{
	u64 fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0) & ~(CR0_PE | CR0_PG);

	return (guest_value | fixed0) & rdmsr(MSR_IA32_VMX_CR0_FIXED1);
}

u64 vmx_cr4_real(u64 guest_value)
{
	return (guest_value | rdmsr(MSR_IA32_VMX_CR4_FIXED0)) & rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}

/* Access rights (25.4.1, Table 25-2): type | S | DPL | P | ... */
#define AR_CODE32 0xc09b   /* execute/read, accessed, present, D=1, G=1 */
#define AR_DATA32 0xc093   /* read/write, accessed, present, B=1, G=1 */
#define AR_CODE16 0x009b   /* real mode: 64 KiB segments */
#define AR_DATA16 0x0093
#define AR_TSS_BUSY 0x008b /* 32-bit busy TSS, present */
#define AR_UNUSABLE 0x10000

static void set_segment(u64 sel_f, u64 base_f, u64 limit_f, u64 ar_f, u16 sel, u64 base,
			u32 limit, u32 ar)
{
	vmcs_write_checked(sel_f, sel);
	vmcs_write_checked(base_f, base);
	vmcs_write_checked(limit_f, limit);
	vmcs_write_checked(ar_f, ar);
}

#define SEG(name) GUEST_##name##_SELECTOR, GUEST_##name##_BASE, GUEST_##name##_LIMIT, \
		  GUEST_##name##_AR_BYTES

/*
 * Guest state at the first instruction (25.4, checked by 27.3.1):
 *  - Multiboot (spec 3.2): 32-bit protected mode, flat 4 GiB segments,
 *    paging off, EAX = magic, EBX = info address.
 *  - Linux (boot.rst "32-bit Boot Protocol"): the same, with selectors
 *    0x10/0x18 and ESI = boot_params.
 *  - an AP after SIPI (SDM Vol. 3A 9.4.4.1): real mode, CS = vector << 8,
 *    IP = 0.
 */
void vmcs_load_boot_state(const struct vcpu_boot *b)
{
	bool real = b->mode == VCPU_BOOT_REAL_SIPI;
	u64 cr0 = real ? CR0_ET : (CR0_PE | CR0_ET);

	if (real) {
		u16 cs = (u16)b->sipi_vector << 8;

		set_segment(SEG(CS), cs, (u64)cs << 4, 0xffff, AR_CODE16);
		set_segment(SEG(DS), 0, 0, 0xffff, AR_DATA16);
		set_segment(SEG(ES), 0, 0, 0xffff, AR_DATA16);
		set_segment(SEG(SS), 0, 0, 0xffff, AR_DATA16);
		set_segment(SEG(FS), 0, 0, 0xffff, AR_DATA16);
		set_segment(SEG(GS), 0, 0, 0xffff, AR_DATA16);
		vmcs_writel(GUEST_RIP, 0);
	} else {
		/* Linux's 32-bit boot protocol names __BOOT_CS 0x10 and
		 * __BOOT_DS 0x18; Multiboot leaves the selectors open. */
		u16 code = b->mode == VCPU_BOOT_LINUX32 ? 0x10 : 0x08;
		u16 data = code + 8;

		set_segment(SEG(CS), code, 0, 0xffffffff, AR_CODE32);
		set_segment(SEG(DS), data, 0, 0xffffffff, AR_DATA32);
		set_segment(SEG(ES), data, 0, 0xffffffff, AR_DATA32);
		set_segment(SEG(SS), data, 0, 0xffffffff, AR_DATA32);
		set_segment(SEG(FS), data, 0, 0xffffffff, AR_DATA32);
		set_segment(SEG(GS), data, 0, 0xffffffff, AR_DATA32);
		vmcs_writel(GUEST_RIP, b->rip);
	}
	set_segment(SEG(TR), 0, 0, 0x67, AR_TSS_BUSY);
	set_segment(SEG(LDTR), 0, 0, 0, AR_UNUSABLE);
	vmcs_writel(GUEST_GDTR_BASE, 0);
	vmcs_write32(GUEST_GDTR_LIMIT, 0xffff);
	vmcs_writel(GUEST_IDTR_BASE, 0);
	vmcs_write32(GUEST_IDTR_LIMIT, 0xffff);

	vmcs_writel(CR0_READ_SHADOW, cr0);
	vmcs_writel(GUEST_CR0, vmx_cr0_real(cr0));
	vmcs_writel(CR4_READ_SHADOW, 0);
	vmcs_writel(GUEST_CR4, vmx_cr4_real(0));
	vmcs_writel(GUEST_CR3, 0);
	vmcs_writel(GUEST_DR7, DR7_INIT);
	vmcs_writel(GUEST_RSP, 0);
	vmcs_writel(GUEST_RFLAGS, RFLAGS_FIXED);
	vmcs_writel(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmcs_write32(GUEST_INTERRUPTIBILITY_INFO, 0);
	vmcs_write32(GUEST_ACTIVITY_STATE, GUEST_ACTIVITY_ACTIVE);
	vmcs_write32(GUEST_SYSENTER_CS, 0);
	vmcs_writel(GUEST_SYSENTER_ESP, 0);
	vmcs_writel(GUEST_SYSENTER_EIP, 0);
	vmcs_write64(GUEST_IA32_DEBUGCTL, 0);
	vmcs_write64(GUEST_IA32_PAT, PAT_POWER_ON);
	vmcs_write64(GUEST_IA32_EFER, 0);
	vmcs_write64(VMCS_LINK_POINTER, ~0ull); /* no shadow VMCS (25.4.2) */
	vmcs_write32(VM_ENTRY_CONTROLS, vmcs_read32(VM_ENTRY_CONTROLS) & ~VM_ENTRY_IA32E_MODE);
}

void vmcs_setup(struct vcpu *v)
{
	struct vmx_vcpu *vv = &vmx_vcpus[v->pcpu];
	u32 revision = (u32)rdmsr(MSR_IA32_VMX_BASIC) & 0x7fffffff;

	/* A fresh VMCS for every start (restart = clean slate). The region
	 * begins with the revision identifier (25.2). */
	memset(hpa_to_ptr(vv->vmcs), 0, PAGE_SIZE);
	memcpy(hpa_to_ptr(vv->vmcs), &revision, sizeof(revision));
	if (vmclear(vv->vmcs) != VMX_OK)
		vmx_fatal("VMCLEAR");
	if (vmptrld(vv->vmcs) != VMX_OK)
		vmx_fatal("VMPTRLD");
	vv->launched = false;
	setup_controls(v);
	setup_host();
	vmcs_load_boot_state(&v->boot);
	v->regs.rax = v->boot.eax;
	v->regs.rbx = v->boot.ebx;
	v->regs.rsi = v->boot.esi;
}
