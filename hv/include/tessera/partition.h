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
#include <tessera/acpi_pm.h>
#include <tessera/vpic.h>
#include <tessera/vuart.h>

#define SCROLLBACK_BYTES 8192
#define VCPU_EXIT_REASONS 80 /* per-reason counters; arch reasons fit below this */

enum partition_state { PART_STOPPED = 0, PART_RUNNING, PART_FAILED };

/* What a vCPU is doing. Written only by its own physical CPU (vcpu_loop);
 * others ask through start_seq and stop_request. */
enum vcpu_run_state {
	VCPU_IDLE = 0,   /* nothing to run: the pCPU waits */
	VCPU_WAIT_SIPI,  /* an AP of a running partition, before its SIPI */
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
	VCPU_BOOT_LINUX32,     /* the same, as Linux's 32-bit boot protocol wants it */
	VCPU_BOOT_REAL_SIPI,   /* real mode at vector << 12 (an AP after SIPI) */
};

struct vcpu_boot {
	enum vcpu_boot_mode mode;
	u64 rip;
	u32 eax, ebx, esi;
	u8 sipi_vector;
};

struct partition;

/* A paused vCPU's state for the console's `regs` (filled by arch code). */
struct vcpu_snapshot {
	u64 rip, rsp, rflags, cr0, cr3, cr4, efer;
	u16 cs, ss;
	u32 mode_bits; /* 16, 32 or 64 */
};

struct vcpu {
	struct partition *part;
	unsigned index; /* within the partition */
	unsigned pcpu;  /* the physical CPU it runs on */
	u32 apic_id;
	struct guest_regs regs;
	volatile enum vcpu_run_state run;
	volatile u32 start_seq;   /* bumped by partition_start(): run from boot */
	u32 run_seq;              /* the start_seq the current run began with */
	bool shares_console;      /* its CPU also runs the console (console_cpu = none) */
	volatile bool stop_request; /* leave guest mode and go idle */
	struct vcpu_boot boot;
	volatile bool started;    /* has run since the last start (no SIPI then) */
	volatile bool sipi_pending;
	volatile u8 sipi_vector;
	u64 exits;
	u64 exit_count[VCPU_EXIT_REASONS];
	volatile bool pause_request; /* console: hold in the hypervisor */
	volatile bool paused;        /* holding; snapshot and regs are valid */
	struct vcpu_snapshot snap;
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
	bool muted;           /* console: do not show its lines (scrollback keeps them) */
	unsigned restarts;    /* automatic restarts (on_crash = restart) in a row */
	u64 restart_at_ns;    /* when the next automatic restart is due, 0 = none */
	unsigned starts;      /* times started since boot */
	volatile int trace_left; /* console `trace`: exits still to print */
	volatile bool reboot_pending; /* the guest reset itself: start again */
	struct vpic pic;      /* Linux: the legacy PIC its UART interrupt goes through */
	volatile bool virq;   /* pic has an interrupt for vCPU 0 (under lock) */
	struct acpi_pm pm;    /* Linux: its ACPI fixed hardware (under lock) */
	u64 absent_io;        /* Linux: accesses to ports with no device */
};

extern struct partition partitions[MAX_PARTITIONS];
extern unsigned npartitions;

const char *partition_state_name(enum partition_state s);

/* Boot-time set-up from the config (BSP only). */
struct boot_info;
struct pmm;
void partitions_init(const struct config *cfg, const struct boot_info *bi, struct pmm *p);
bool partition_start(struct partition *p);
/* Stop a running partition: every vCPU leaves guest mode and goes idle.
 * False if a vCPU did not stop in time (reported). */
bool partition_stop(struct partition *p);
/* Stop if running or failed, then start from pristine images. */
bool partition_restart(struct partition *p);
struct partition *partition_by_name(const char *name);

/* The guest misbehaved: report, mark FAILED, stop all its vCPUs. */
void partition_fail(struct partition *p, const char *fmt, ...) __printf(2, 3);
/* The guest asked to stop (HC_EXIT). */
void partition_exit(struct partition *p, int code);
/* The guest powered itself off (ACPI S5): it stops. */
void partition_poweroff(struct partition *p);
/* The guest reset itself (ACPI reset register): it stops, and the
 * console's supervisor starts it again (partition_supervise_reboot). */
void partition_reboot(struct partition *p);
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
/* The UART (or the PIC) changed state, on any CPU, under p->lock: move
 * the UART's interrupt line into the PIC and, if that makes an interrupt
 * pending, make vCPU 0 look at it. */
void partition_irq_update(struct partition *p);
/* Arch entry code of vCPU v, before each entry: is a virtual interrupt
 * (from the PIC) waiting, and take it (its vector, or -1). Only vCPU 0 of
 * a Linux partition gets them, as the PIC's output is wired to the BSP. */
static inline bool vcpu_virq_waiting(const struct vcpu *v)
{
	return v->index == 0 && v->part->virq;
}
int vcpu_virq_ack(struct vcpu *v);
/* The vCPU for this physical CPU, or NULL. */
struct vcpu *vcpu_of_pcpu(unsigned pcpu);
/* Arch exit loops call this for every exit: the console's `trace`. */
void vcpu_trace_exit(struct vcpu *v, unsigned reason, u64 rip, u64 qualification);
/* Arch exit loops call this before every entry: hold while paused. */
void vcpu_pause_point(struct vcpu *v);
/* Arch exit loops call this after each exit and in every wait (HLT): the
 * CPU's other duty, the console when it shares this CPU, gets its turn. */
void vcpu_host_work(struct vcpu *v);
/* Must v leave guest mode now? Asked to stop, or started anew (the console
 * sharing its CPU restarted the partition between two exits). Arch exit
 * loops ask before every entry and in every wait. */
static inline bool vcpu_must_leave(const struct vcpu *v)
{
	return v->stop_request || __atomic_load_n(&v->start_seq, __ATOMIC_ACQUIRE) != v->run_seq;
}
/* Console: pause every vCPU of p (true when all are held) / let them go. */
bool partition_pause(struct partition *p);
void partition_resume(struct partition *p);

#endif
