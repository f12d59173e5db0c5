/*
 * The exit handlers both backends share: one policy, called with the
 * facts each backend read from its own exit information (SDM Vol. 3C
 * ch. 28 for VMX, APM Vol. 2 15.6-15.13 for SVM). Each returns what
 * happens next, so the backend does not read the partition's state again:
 *
 *   GUEST_NEXT    done; step past the instruction and re-enter
 *   GUEST_RESUME  re-enter the guest as it is (RIP already right)
 *   GUEST_STOP    the vCPU stops: its partition stopped or failed
 *   GUEST_GP      raise #GP(0) in the guest, as the CPU would have
 *   GUEST_UD      raise #UD in the guest
 *
 * Also here: the per-partition and per-vCPU state that is not a
 * vendor's (the guest-physical map, the single-step over a violation,
 * the guest's MTRR enable bits).
 */
#ifndef ARCH_GUEST_H
#define ARCH_GUEST_H

#include <tessera/partition.h>
#include <tessera/spinlock.h>
#include <arch/cpu.h>
#include <arch/gmap.h>

enum guest_action { GUEST_NEXT, GUEST_RESUME, GUEST_STOP, GUEST_GP, GUEST_UD };

#define MAX_TEMP_MAPS 4 /* pages mapped for one single-stepped instruction */

struct x86_partition {
	struct gmap map;     /* guest-physical -> host-physical (EPT or NPT) */
	spinlock_t map_lock; /* its vCPUs change it while stepping over violations */
	hpa_t scratch;       /* stands in for unmapped memory in report mode */
};

struct x86_vcpu {
	/* violations = report: pages mapped while one instruction single-steps */
	unsigned ntemp;
	gpa_t temp[MAX_TEMP_MAPS];
	u64 mtrr_def_type; /* the guest's own IA32_MTRR_DEF_TYPE (guest_msr.c) */
};

extern struct x86_partition x86_partitions[MAX_PARTITIONS];
extern struct x86_vcpu x86_vcpus[MAX_CPUS]; /* by physical CPU */

/* The guest's state a handler may need, read by the backend. */
struct guest_state {
	unsigned reason;  /* the vendor's exit reason, for reports */
	u64 qualification; /* and its detail (exit qualification, EXITINFO1) */
	u64 rip, rsp, rflags, cr0, cr3, cr4, efer, cs_base;
	unsigned cpl;
	unsigned code_bits; /* 16, 32 or 64: the default operand size (SDM Vol. 1 3.6) */
};

/* At the start of each run of v (after the backend set up its state). */
void guest_run_start(struct vcpu *v);
/* At its end: nothing of a stepped instruction stays mapped. */
void guest_run_end(struct vcpu *v);

/* The handlers on the paths that run most (CPUID, I/O, HLT, hypercalls)
 * take the one or two facts they need as arguments rather than a whole
 * struct guest_state: filling one costs more than the CPUID exit itself. */

/* CPUID leaf v->regs.rax, subleaf rcx: the result in rax..rdx. The
 * guest's CR4, which two leaves report bits of, is asked of the backend
 * only for them (virt->guest_cr4). */
enum guest_action guest_cpuid(struct vcpu *v);
/* RDMSR / WRMSR of v->regs.rcx (value in edx:eax). */
enum guest_action guest_rdmsr(struct vcpu *v);
enum guest_action guest_wrmsr(struct vcpu *v);
/* IN or OUT of size bytes at port, with AL/AX/EAX; string forms fail
 * (reason: the backend's exit reason, for the report). */
enum guest_action guest_io(struct vcpu *v, u16 port, unsigned size, bool in, bool string,
			   unsigned reason);
/* VMCALL / VMMCALL at this CPL, in code of code_bits (16, 32, 64): the
 * hypercall ABI (tessera/hypercall.h). */
enum guest_action guest_hypercall(struct vcpu *v, unsigned cpl, unsigned code_bits);
/* May the guest load this into CR4? False: #GP (reserved, or VMXE/SMXE). */
bool guest_cr4_valid(u64 value);
/* XSETBV of ecx with edx:eax. */
enum guest_action guest_xsetbv(struct vcpu *v);
/* HLT, already stepped past, with the guest's RFLAGS: wait here until
 * something is for the guest. */
enum guest_action guest_hlt(struct vcpu *v, u64 guest_rflags);
/* A guest-physical access the map lacks: an emulated device (decoded and
 * carried out; *rsp and *rflags may change, *len is the instruction's
 * length), or the partition's violation policy. fetch: an instruction
 * fetch; write: a write. */
enum guest_action guest_memory(struct vcpu *v, gpa_t gpa, bool write, bool fetch,
			       const struct guest_state *g, const u8 *insn, unsigned insn_len,
			       u64 *rsp, u64 *rflags, unsigned *len);
/* General register n (0-15, ModRM order) in v->regs; NULL for rSP (4),
 * which the backend's control structure holds. */
u64 *guest_gpr(struct vcpu *v, unsigned n);
/* Up to n bytes of the guest's code at CS.base + RIP, through its page
 * tables: how many could be read. */
size_t guest_fetch(struct vcpu *v, const struct guest_state *g, u8 *bytes, size_t n);
/* The #DB after a single-stepped instruction: true if it was ours. */
bool guest_step_done(struct vcpu *v);
/* Is an instruction being stepped over a violation (no injection now)? */
static inline bool guest_stepping(const struct vcpu *v)
{
	return x86_vcpus[v->pcpu].ntemp != 0;
}

/* A guest's interrupt taken through the hypervisor's IDT (idt.c). */
void guest_irq_taken(u8 vector);

/* The partition fails on this exit, with a dump of the vCPU. */
enum guest_action guest_fail(struct vcpu *v, unsigned reason, const char *what);
void guest_dump(struct vcpu *v, unsigned reason, u64 qualification);

/* The MSRs passed through to the guest (guest_msr.c), for the backends'
 * bitmaps: range i, [first, last], false past the end. */
enum msr_pass { MSR_PASS_RW, MSR_PASS_READ };
bool guest_msr_passthrough(unsigned i, u32 *first, u32 *last, enum msr_pass *how);
/* x2APIC register reg (MSR 0x800 + reg): does a read / a write exit? */
bool guest_x2apic_read_exits(unsigned reg);
bool guest_x2apic_write_exits(unsigned reg);

#endif
