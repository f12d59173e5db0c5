/*
 * The exit handlers both backends share (arch/guest.h): the policy for
 * CPUID, I/O, hypercalls, XSETBV, HLT, emulated MMIO and memory
 * violations, written once. A backend reads its exit information, calls
 * one of these with the facts, and carries out the answer.
 */
#include <tessera/arch.h>
#include <tessera/guest_walk.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/platform.h>
#include <tessera/string.h>
#include <tessera/timers.h>
#include <arch/apic_access.h>
#include <arch/cpu.h>
#include <arch/guest.h>
#include <arch/insn_decode.h>
#include <arch/lapic.h>
#include <arch/mmio_emul.h>
#include <arch/msr.h>
#include <arch/virt.h>
#include <arch/x86.h>

struct x86_partition x86_partitions[MAX_PARTITIONS];
struct x86_vcpu x86_vcpus[MAX_CPUS];

#define RFLAGS_IF (1ull << 9)

void guest_run_start(struct vcpu *v)
{
	struct x86_vcpu *xv = &x86_vcpus[v->pcpu];

	xv->ntemp = 0;
	xv->mtrr_def_type = rdmsr(MSR_IA32_MTRR_DEF_TYPE);
	apic_vcpu_start(v);
	virt->apic_mode_changed(v);
	irq_queue_clear(&v->irqs);
}

/* ------------------------------------------------------------ reports */

void guest_dump(struct vcpu *v, unsigned reason, u64 qualification)
{
	struct guest_regs *r = &v->regs;
	struct vcpu_snapshot s;

	virt->vcpu_snapshot(v, &s);
	log_printf("tessera: partition %s vcpu %u: %s exit 0x%x (%s), qualification 0x%llx\n",
		   v->part->name, v->index, virt->name, reason, virt->reason_name(reason),
		   (unsigned long long)qualification);
	log_printf("    rip=%016llx rsp=%016llx rflags=%016llx cr0=%08llx cr3=%08llx "
		   "cr4=%08llx\n",
		   (unsigned long long)s.rip, (unsigned long long)s.rsp,
		   (unsigned long long)s.rflags, (unsigned long long)s.cr0,
		   (unsigned long long)s.cr3, (unsigned long long)s.cr4);
	log_printf("    rax=%016llx rbx=%016llx rcx=%016llx rdx=%016llx\n",
		   (unsigned long long)r->rax, (unsigned long long)r->rbx,
		   (unsigned long long)r->rcx, (unsigned long long)r->rdx);
	log_printf("    rsi=%016llx rdi=%016llx rbp=%016llx\n", (unsigned long long)r->rsi,
		   (unsigned long long)r->rdi, (unsigned long long)r->rbp);
}

enum guest_action guest_fail(struct vcpu *v, unsigned reason, const char *what)
{
	struct vcpu_snapshot s;

	guest_dump(v, reason, 0);
	virt->vcpu_snapshot(v, &s);
	partition_fail(v->part, "%s at rip 0x%llx", what, (unsigned long long)s.rip);
	return GUEST_STOP;
}

/* --------------------------------------------------------------- CPUID */

/* Bits needed to hold the partition's largest APIC ID: the shift that
 * takes an x2APIC ID to a package ID (SDM Vol. 3A 9.9.1). */
static u32 apic_id_shift(const struct partition *p)
{
	u32 max = 0, shift = 0;

	for (unsigned i = 0; i < p->nvcpus; i++)
		max = MAX(max, p->vcpus[i].apic_id);
	while ((1u << shift) <= max)
		shift++;
	return shift;
}

/*
 * The TSC rate (leaves 15H "TSC and core crystal clock" and 16H "processor
 * frequency", SDM Vol. 2A CPUID): Linux takes it from there and then needs
 * no timer to calibrate against. The hardware's answer is kept when it
 * agrees within 1% with the rate the loader measured; an emulator's may
 * not (Bochs reports 3.5 GHz from a TSC that counts instructions), and then
 * the measured rate is reported as a crystal of that frequency with a 1:1
 * ratio.
 */
static void tsc_leaves(u32 leaf, struct cpuid_regs *r)
{
	u64 measured = x86_tsc_hz();
	struct cpuid_regs hw = cpuid(0x15, 0);
	u64 claimed = hw.eax && hw.ebx && hw.ecx ? (u64)hw.ecx * hw.ebx / hw.eax : 0;

	if (claimed && claimed / 100 * 99 <= measured && measured <= claimed / 100 * 101)
		return;
	if (leaf == 0x15)
		*r = (struct cpuid_regs){ 1, 1, (u32)MIN(measured, 0xffffffffull), 0 };
	else /* MHz: base, maximum, bus */
		*r = (struct cpuid_regs){ (u32)(measured / 1000000), (u32)(measured / 1000000), 100,
					  0 };
}

/* CPUID: the real CPU, with what a guest must not believe (SDM Vol. 2A
 * CPUID, APM Vol. 3 Appendix E): no VMX and no SVM (the hypervisor offers
 * no nested virtualization), no MONITOR/MWAIT, no thermal or power
 * control, and a hypervisor present. */
#define CPUID_HV_LEAF 0x40000000u
#define CPUID_SVM_LEAF 0x8000000au
enum guest_action guest_cpuid(struct vcpu *v)
{
	u32 leaf = (u32)v->regs.rax, sub = (u32)v->regs.rcx;
	struct cpuid_regs r = cpuid(leaf, sub);

	switch (leaf) {
	case 1:
		r.ecx &= ~(CPUID1_ECX_VMX | (1u << 3) /* MONITOR */ | CPUID1_ECX_POWER);
		r.ecx |= CPUID1_ECX_HYPERVISOR;
		r.edx &= ~CPUID1_EDX_POWER;
		/* EDX[9] APIC: clear while the guest has its APIC globally
		 * disabled in IA32_APIC_BASE (SDM Vol. 3A 11.4.3). ECX[24]
		 * TSC-deadline is the hardware's, and so is ECX[21] x2APIC where
		 * the hypervisor runs the hardware in x2APIC mode: the guest's
		 * APIC is the hardware one. */
		if (vlapic_mode(&v->lapic) == VLAPIC_DISABLED)
			r.edx &= ~CPUID1_EDX_APIC;
		if (!apic_cpu_has_x2apic())
			r.ecx &= ~CPUID1_ECX_X2APIC;
		/* OSXSAVE reports CR4.OSXSAVE: the guest's, not the hypervisor's
		 * (user code runs XGETBV only when it is set). */
		r.ecx &= ~CPUID1_ECX_OSXSAVE;
		if (virt->guest_cr4(v) & CR4_OSXSAVE)
			r.ecx |= CPUID1_ECX_OSXSAVE;
		/* EBX[23:16]: logical processors per package, as the partition sees it. */
		r.ebx = (r.ebx & ~0x00ff0000u) | (v->part->nvcpus << 16);
		break;
	case 4:
		/* EAX[31:26]: cores per package - 1, here the partition's CPUs. */
		if (r.eax & 0x1f)
			r.eax = (r.eax & ~0xfc000000u) | ((MIN(v->part->nvcpus, 64u) - 1) << 26);
		break;
	case 0xb:
	case 0x1f:
		/* Extended topology (SDM Vol. 2A CPUID leaf 0BH): the partition
		 * is one package of nvcpus single-thread cores. The x2APIC ID in
		 * EDX stays the real one, which is what the guest's APIC reports. */
		r.ebx = sub == 0 ? 1 : sub == 1 ? v->part->nvcpus : 0;
		r.eax = sub == 0 ? 0 : sub == 1 ? apic_id_shift(v->part) : 0;
		r.ecx = sub > 1 ? sub : (sub == 0 ? (1u << 8) : (2u << 8)) | sub;
		break;
	case 7:
		if (sub == 0) { /* OSPKE reports the guest's CR4.PKE */
			r.ecx &= ~CPUID7_ECX_OSPKE;
			if (virt->guest_cr4(v) & CR4_PKE)
				r.ecx |= CPUID7_ECX_OSPKE;
		}
		break;
	case 6:
		/* Thermal and power management (leaf 06H): package-wide MSRs a
		 * partition must not drive. Only ARAT stays: the APIC timer
		 * keeps running in deep C-states, so Linux needs no broadcast
		 * timer (which a partition does not have). */
		r = (struct cpuid_regs){ r.eax & CPUID6_EAX_ARAT, 0, 0, 0 };
		break;
	case 0x15:
	case 0x16:
		tsc_leaves(leaf, &r);
		break;
	case 0x80000001u:
		/* ECX[2] SVM (APM Vol. 3 E.4.2), hidden as VMX is; and
		 * ECX[1] CmpLegacy / the core count of 80000008H are left. */
		r.ecx &= ~CPUID80000001_ECX_SVM;
		break;
	case CPUID_SVM_LEAF: /* SVM revision and features (APM Vol. 3 E.4.9) */
		r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	case CPUID_HV_LEAF:
		/* Hypervisor vendor leaf: "TesseraHV   " (cf. KVM's "KVMKVMKVM"). */
		r.eax = CPUID_HV_LEAF;
		r.ebx = 0x73736554; /* "Tess" */
		r.ecx = 0x48617265; /* "eraH" */
		r.edx = 0x20202056; /* "V   " */
		break;
	default:
		if (leaf > CPUID_HV_LEAF && leaf < 0x40000100u)
			r = (struct cpuid_regs){ 0, 0, 0, 0 };
		break;
	}
	v->regs.rax = r.eax;
	v->regs.rbx = r.ebx;
	v->regs.rcx = r.ecx;
	v->regs.rdx = r.edx;
	return GUEST_NEXT;
}

/* ------------------------------------------------------------------ CR4 */

/*
 * The CR4 bits a guest may set (SDM Vol. 3A 2.5, APM Vol. 2 3.1.3): the
 * ones this CPU has, by CPUID, less VMXE and SMXE (no nested VMX, no
 * SMX). A reserved bit is #GP on a real CPU; an emulator may let it
 * through, and then the next VM entry would fail, so the backends check.
 */
bool guest_cr4_valid(u64 value)
{
	struct cpuid_regs l1 = cpuid(1, 0), l7 = cpuid(7, 0);
	u64 ok = 0x7ff; /* VME ... OSXMMEXCPT: every x86-64 CPU */

	if (l7.ecx & (1u << 2))
		ok |= 1ull << 11; /* UMIP */
	if (l7.ecx & (1u << 16))
		ok |= 1ull << 12; /* LA57 */
	if (l7.ebx & (1u << 0))
		ok |= CR4_FSGSBASE;
	if (l1.ecx & (1u << 17))
		ok |= CR4_PCIDE;
	if (l1.ecx & CPUID1_ECX_XSAVE)
		ok |= CR4_OSXSAVE;
	if (l7.ebx & (1u << 7))
		ok |= 1ull << 20; /* SMEP */
	if (l7.ebx & (1u << 20))
		ok |= 1ull << 21; /* SMAP */
	if (l7.ecx & (1u << 3))
		ok |= CR4_PKE;
	return !(value & ~ok);
}

/* ----------------------------------------------------- I/O, XSETBV, VMCALL */

enum guest_action guest_io(struct vcpu *v, u16 port, unsigned size, bool in, bool string,
			   unsigned reason)
{
	u32 value, mask = size == 4 ? 0xffffffffu : (1u << (size * 8)) - 1;

	if (string)
		return guest_fail(v, reason, "string I/O (INS/OUTS) is not supported");
	value = in ? 0 : (u32)v->regs.rax & mask;
	vcpu_io(v, port, size, !in, &value);
	if (in && size == 4)
		v->regs.rax = value; /* a 32-bit result zero-extends (SDM Vol. 1 3.4.1.1) */
	else if (in)
		v->regs.rax = (v->regs.rax & ~(u64)mask) | (value & mask);
	return GUEST_NEXT;
}

/* XSETBV always exits (SDM Vol. 3C 25.1.2; APM Vol. 2 15.9 with the
 * intercept set). The guest's XCR0 becomes the real one on its own CPU;
 * only values the CPU supports are accepted, else #GP as the instruction
 * itself would raise (SDM Vol. 2C XSETBV). */
enum guest_action guest_xsetbv(struct vcpu *v)
{
	u32 index = (u32)v->regs.rcx;
	u64 value = ((v->regs.rdx & 0xffffffffu) << 32) | (v->regs.rax & 0xffffffffu);
	struct cpuid_regs xs = cpuid(0xd, 0);
	u64 supported = ((u64)xs.edx << 32) | xs.eax;

	if (index != 0 || !(value & 1) || (value & ~supported) ||
	    ((value & 4) && !(value & 2))) /* AVX needs SSE state */
		return GUEST_GP;
	__asm__ volatile("xsetbv" : : "c"(index), "a"((u32)value), "d"((u32)(value >> 32)));
	return GUEST_NEXT;
}

enum guest_action guest_hypercall(struct vcpu *v, unsigned cpl, unsigned code_bits)
{
	s64 r;

	if (cpl != 0) /* hypercalls are for the guest kernel only */
		return GUEST_UD;
	if (code_bits == 64)
		r = vcpu_hypercall(v, v->regs.rax, v->regs.rbx, v->regs.rcx, v->regs.rdx);
	else /* outside 64-bit mode a guest only has the low halves */
		r = vcpu_hypercall(v, (u32)v->regs.rax, (u32)v->regs.rbx, (u32)v->regs.rcx,
				   (u32)v->regs.rdx);
	v->regs.rax = (u64)r;
	return GUEST_NEXT;
}

/* ------------------------------------------------------------------ HLT */

/* A guest's interrupt taken through the hypervisor's IDT while this CPU
 * waited in guest_hlt or opened a window for one (idt.c irq_dispatch):
 * queue it like one an exit acknowledged. */
void guest_irq_taken(u8 vector)
{
	struct vcpu *v = vcpu_of_pcpu(arch_this_cpu()->index);

	if (v)
		irq_queue_add(&v->irqs, vector);
}

/*
 * HLT (always exits). The CPU then waits here, where a stop, a pause
 * (`regs`) and a console sharing this CPU still reach it.
 *
 * A guest with interrupts enabled is idle: if an interrupt already waits
 * for it, it does not halt at all (the entry injects it); else the wait
 * has interrupts enabled, so its next interrupt (its APIC timer, an IPI
 * from its other vCPUs, one its I/O APIC routes) is taken through the
 * hypervisor's IDT (irq_dispatch queues it) instead of by a second exit:
 * an idle wake-up costs this one exit. A CPU the console shares does not
 * halt there: it keeps doing the console's steps and only opens a window
 * for interrupts between them.
 *
 * A halt with interrupts disabled lasts until the partition is stopped or
 * restarted (Linux halts so on the CPUs it stops for reboot or power off;
 * left in guest mode, a CPU halted with RFLAGS.IF = 0 does not reliably
 * leave it for an external interrupt on every implementation). The CPU
 * sleeps all the same: a stop or a pause comes with the kick IPI
 * (arch_cpu_preempt), and the guest's own interrupts are only queued.
 * Spinning would take a host core from the other vCPUs under an emulator.
 */
enum guest_action guest_hlt(struct vcpu *v, u64 guest_rflags)
{
	bool idle = guest_rflags & RFLAGS_IF, timer;

	for (;;) {
		if (idle && vcpu_irq_waiting(v))
			return GUEST_RESUME;
		if (vcpu_check_requests(v))
			return GUEST_STOP;
		vcpu_host_work(v);
		/* A timer device's interrupt is due at some point: poll for it
		 * (raising it sends this CPU the vector, taken in the window),
		 * unless the console's CPU watches the deadlines and kicks
		 * (tessera/timers.h). */
		timer = vcpu_timer_deadline(v) != 0 && arch_guest_deadline_exits();
		if (v->shares_console || (idle && timer))
			cpu_irq_window();
		else
			cpu_wait_for_irq();
	}
}

/* ------------------------------------------------------ emulated MMIO */

/* General register n in ModRM order (SDM Vol. 2A Table 2-2, and the
 * numbering of exit qualifications, Table 28-3): where it lives in struct
 * guest_regs. A constant table: the MMIO path reads all sixteen. */
#define REG_AT(r) ((u8)(offsetof(struct guest_regs, r) / sizeof(u64)))
#define REG_RSP 0xff
static const u8 gpr_slot[16] = {
	REG_AT(rax), REG_AT(rcx), REG_AT(rdx), REG_AT(rbx), REG_RSP,	     REG_AT(rbp),
	REG_AT(rsi), REG_AT(rdi), REG_AT(r8),  REG_AT(r9),  REG_AT(r10), REG_AT(r11),
	REG_AT(r12), REG_AT(r13), REG_AT(r14), REG_AT(r15),
};

u64 *guest_gpr(struct vcpu *v, unsigned n)
{
	u8 slot = gpr_slot[n & 15];

	return slot == REG_RSP ? NULL : (u64 *)&v->regs + slot;
}

static bool read_guest_phys(void *ctx, u64 gpa, void *out, unsigned size)
{
	const void *src = partition_guest_ptr(ctx, gpa, size);

	if (!src)
		return false;
	memcpy(out, src, size);
	return true;
}

size_t guest_fetch(struct vcpu *v, const struct guest_state *g, u8 *bytes, size_t n)
{
	struct guest_mmu m = { g->cr0, g->cr3, g->cr4, g->efer };
	u64 linear = g->cs_base + g->rip;

	if (g->code_bits != 64)
		linear &= 0xffffffffu;
	return guest_read_linear(&m, linear, bytes, n, read_guest_phys, v->part);
}

static bool device_access(void *ctx, u64 gpa, unsigned size, bool write, u64 *value)
{
	struct vcpu *v = ctx;

	return apic_mmio_access(v, gpa, size, write, value) ||
	       platform_mmio(v, gpa, size, write, value);
}


/*
 * An access to an emulated device's page (the guest's xAPIC page, the I/O
 * APIC, what the bus holds): the map leaves those pages out, so the access
 * exits here. The exit gives the address, not the instruction (an EPT
 * violation reports no instruction length, SDM Vol. 3C 28.2.5; a nested
 * page fault gives the bytes only with decode assists, APM Vol. 2
 * 15.8.4): use the bytes the backend has, else fetch them at CS.base + RIP
 * through the guest's page tables; decode (arch/insn_decode.h), carry out
 * against the device (arch/mmio_emul.h), and report the length. What
 * cannot be decoded or carried out fails the partition with the
 * instruction's bytes: better than a guess.
 */
static enum guest_action emulate_mmio(struct vcpu *v, gpa_t gpa, const struct guest_state *g,
				      const u8 *given, unsigned given_len, u64 *rsp, u64 *rflags,
				      unsigned *len)
{
	u8 bytes[INSN_MAX_LEN];
	struct insn in;
	struct mmio_cpu c, before;
	const char *why = "its bytes could not be read";
	size_t n;

	if (given_len) {
		n = MIN((size_t)given_len, sizeof(bytes));
		memcpy(bytes, given, n);
	} else {
		n = guest_fetch(v, g, bytes, sizeof(bytes));
	}
	if (n && insn_decode(bytes, n, g->code_bits, &in, &why)) {
		for (unsigned i = 0; i < 16; i++)
			c.gpr[i] = i == 4 ? *rsp : ((u64 *)&v->regs)[gpr_slot[i]];
		c.rflags = *rflags;
		before = c;
		if (mmio_emulate(&in, &c, gpa, device_access, v, &why)) {
			/* Written back only where the instruction changed them. */
			for (unsigned i = 0; i < 16; i++)
				if (c.gpr[i] != before.gpr[i]) {
					if (i == 4)
						*rsp = c.gpr[i];
					else
						((u64 *)&v->regs)[gpr_slot[i]] = c.gpr[i];
				}
			*rflags = c.rflags;
			*len = in.len;
			return GUEST_NEXT;
		}
	}
	guest_dump(v, g->reason, g->qualification);
	partition_fail(v->part,
		       "cannot emulate the access to device memory at guest-physical 0x%llx by the "
		       "instruction at rip 0x%llx (%02x %02x %02x %02x ...): %s",
		       (unsigned long long)gpa, (unsigned long long)g->rip, n > 0 ? bytes[0] : 0,
		       n > 1 ? bytes[1] : 0, n > 2 ? bytes[2] : 0, n > 3 ? bytes[3] : 0, why);
	return GUEST_STOP;
}

/* ------------------------------------------------------- violations */

/*
 * violations = report: let the instruction run once against a scratch
 * page filled with ones mapped at the faulting address, single-stepped
 * (the backend sets the trap flag and intercepts #DB); then unmap it
 * again. Reads see all ones, writes land in the scratch page and are
 * discarded. No instruction decoder needed.
 */
static enum guest_action step_over_violation(struct vcpu *v, gpa_t gpa,
					     const struct guest_state *g)
{
	struct x86_partition *xp = &x86_partitions[v->part->id];
	struct x86_vcpu *xv = &x86_vcpus[v->pcpu];
	gpa_t page = ALIGN_DOWN(gpa, PAGE_SIZE);
	hpa_t hpa;
	u64 flags, leaf;
	bool ok;

	if (xv->ntemp == MAX_TEMP_MAPS)
		return guest_fail(v, g->reason, "one instruction touched too many unmapped pages");
	/* Another vCPU of the partition may be stepping over the same page:
	 * the map is the partition's, so changes to it take its lock. */
	spin_lock(&xp->map_lock);
	ok = gmap_translate(&xp->map, page, &hpa, &flags, &leaf) ||
	     gmap_map(&xp->map, page, xp->scratch, PAGE_SIZE, GMAP_READ | GMAP_WRITE);
	spin_unlock(&xp->map_lock);
	if (!ok)
		return guest_fail(v, g->reason, "no memory to step over a violation");
	if (xv->ntemp++ == 0)
		virt->single_step(v, true);
	xv->temp[xv->ntemp - 1] = page;
	virt->flush_gmap(v);
	return GUEST_RESUME;
}

/* Take the scratch mappings of a stepped instruction away. */
static void drop_temp_maps(struct vcpu *v)
{
	struct x86_partition *xp = &x86_partitions[v->part->id];
	struct x86_vcpu *xv = &x86_vcpus[v->pcpu];

	spin_lock(&xp->map_lock);
	for (unsigned i = 0; i < xv->ntemp; i++)
		gmap_unmap(&xp->map, xv->temp[i], PAGE_SIZE);
	memset(hpa_to_ptr(xp->scratch), 0xff, PAGE_SIZE);
	spin_unlock(&xp->map_lock);
	xv->ntemp = 0;
	virt->flush_gmap(v);
}

bool guest_step_done(struct vcpu *v)
{
	if (!x86_vcpus[v->pcpu].ntemp)
		return false;
	drop_temp_maps(v);
	virt->single_step(v, false);
	return true;
}

void guest_run_end(struct vcpu *v)
{
	/* A run that ends while an instruction is being stepped over a
	 * violation leaves no scratch page mapped for the next. */
	if (x86_vcpus[v->pcpu].ntemp)
		drop_temp_maps(v);
}

enum guest_action guest_memory(struct vcpu *v, gpa_t gpa, bool write, bool fetch,
			       const struct guest_state *g, const u8 *insn, unsigned insn_len,
			       u64 *rsp, u64 *rflags, unsigned *len)
{
	const char *access = fetch ? "instruction fetch" : write ? "write" : "read";

	if (!fetch && (apic_mmio_hit(v, gpa) || devbus_find(&v->part->bus, BUS_MMIO, gpa, 1)))
		return emulate_mmio(v, gpa, g, insn, insn_len, rsp, rflags, len);
	if (v->part->cfg->violations == VIOLATION_REPORT && !fetch) {
		partition_event(v->part, EV_MEMORY,
				"memory violation: %s at guest-physical 0x%llx, rip 0x%llx", access,
				(unsigned long long)gpa, (unsigned long long)g->rip);
		return step_over_violation(v, gpa, g);
	}
	guest_dump(v, g->reason, g->qualification);
	partition_fail(v->part, "memory violation: %s at guest-physical 0x%llx, rip 0x%llx",
		       access, (unsigned long long)gpa, (unsigned long long)g->rip);
	return GUEST_STOP;
}
