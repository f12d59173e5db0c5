/*
 * Partitions and their virtual CPUs: the architecture-neutral model.
 *
 * A partition is a name, a block of host memory, a set of dedicated
 * physical CPUs (one vCPU each) and a kernel image to boot. Its memory is
 * one contiguous, 2 MiB aligned host block that appears to the guest at
 * guest-physical 0; the arch code maps it (EPT on VMX) and nothing else.
 *
 * States:
 *                 start                      guest exit hypercall /
 *   STOPPED  ----------------->  RUNNING  --- stop request --------> STOPPED
 *      ^                           |
 *      +---- restart --------------+--- guest fault, triple fault,
 *                                       violation (violations=stop) --> FAILED
 *
 * Everything VMX-specific (VMCS, EPT, bitmaps) lives in arch code, found
 * by partition id and vCPU; hv/ never sees it.
 */
#ifndef TESSERA_PARTITION_H
#define TESSERA_PARTITION_H

#include <tessera/types.h>
#include <tessera/limits.h>
#include <tessera/config.h>
#include <tessera/hypercall.h>
#include <tessera/lineout.h>
#include <tessera/ring.h>
#include <tessera/spinlock.h>
#include <tessera/vuart.h>

#define SCROLLBACK_BYTES 8192
#define VCPU_EXIT_REASONS 80 /* per-reason counters; arch reasons fit below this */

enum partition_state { PART_STOPPED = 0, PART_RUNNING, PART_FAILED };

/* What a vCPU is doing, as its physical CPU sees it. */
enum vcpu_run_state {
	VCPU_IDLE = 0,   /* nothing to run: the pCPU waits */
	VCPU_WAIT_SIPI,  /* an AP of a running partition, before its SIPI */
	VCPU_RUNNABLE,   /* ready: the pCPU should enter it */
	VCPU_RUNNING,    /* in guest mode or handling an exit */
};

/* General registers the exit stub saves; RSP and RIP live in the VMCS. */
struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

/* How a vCPU starts (the arch code turns this into CPU state). */
enum vcpu_boot_mode {
	VCPU_BOOT_PROTECTED32, /* flat 32-bit protected mode, paging off (Multiboot) */
	VCPU_BOOT_REAL_SIPI,   /* real mode at vector << 12 (an AP after SIPI) */
};

struct vcpu_boot {
	enum vcpu_boot_mode mode;
	u64 rip;
	u32 eax, ebx, esi;
	u8 sipi_vector;
};

struct partition;

struct vcpu {
	struct partition *part;
	unsigned index; /* within the partition */
	unsigned pcpu;  /* the physical CPU it runs on */
	u32 apic_id;
	struct guest_regs regs;
	volatile enum vcpu_run_state run;
	volatile bool stop_request;
	struct vcpu_boot boot;
	volatile bool sipi_pending;
	volatile u8 sipi_vector;
	u64 exits;
	u64 exit_count[VCPU_EXIT_REASONS];
};

struct partition {
	unsigned id;
	char name[NAME_MAX_LEN];
	const struct cfg_partition *cfg;
	volatile enum partition_state state;
	hpa_t mem; /* host block, 2 MiB aligned; 0 if none */
	u64 mem_size;
	unsigned nvcpus;
	struct vcpu vcpus[HC_MAX_VCPUS];
	struct vuart uart;
	struct lineout out;
	struct ring scrollback;
	u8 scrollback_buf[SCROLLBACK_BYTES];
	spinlock_t lock;
	u64 started_ns;
	u64 violations;
	int exit_code;
	char last_fault[256];
};

extern struct partition partitions[MAX_PARTITIONS];
extern unsigned npartitions;

const char *partition_state_name(enum partition_state s);

/* Boot-time set-up from the config (BSP only). */
struct boot_info;
struct pmm;
void partitions_init(const struct config *cfg, const struct boot_info *bi, struct pmm *p);
bool partition_start(struct partition *p);

/* The guest misbehaved: report, mark FAILED, stop all its vCPUs. */
void partition_fail(struct partition *p, const char *fmt, ...) __printf(2, 3);
/* The guest asked to stop (HC_EXIT). */
void partition_exit(struct partition *p, int code);
/* A violation the partition survives in `violations = report` mode. */
void partition_report(struct partition *p, const char *fmt, ...) __printf(2, 3);

/* vCPU side, called on the vCPU's own physical CPU by arch exit code.
 * Return values: true = handled, the guest continues. */
void vcpu_loop(unsigned pcpu) __noreturn;
/* Let the vCPU loops look at their assignments (after partitions_init). */
void vcpu_loop_release(void);
s64 vcpu_hypercall(struct vcpu *v, u64 nr, u64 a1, u64 a2, u64 a3);
/* Port I/O the guest does not own the hardware for. size is 1, 2 or 4. */
void vcpu_io(struct vcpu *v, u16 port, unsigned size, bool write, u32 *value);
/* An IPI the guest sent through its ICR: deliver within the partition or
 * drop and report. */
void vcpu_send_ipi(struct vcpu *v, u32 dest_apic, u32 icr_low);
/* The vCPU for this physical CPU, or NULL. */
struct vcpu *vcpu_of_pcpu(unsigned pcpu);

#endif
