/*
 * Partitions and their virtual CPUs: the architecture-neutral model.
 *
 * A partition is a name, a block of host memory, a set of dedicated
 * physical CPUs (one vCPU each) and a kernel image to boot. Its memory is
 * one contiguous, 2 MiB aligned host block that appears to the guest at
 * guest-physical 0; the arch code maps the RAM regions of its layout
 * (p->layout, tessera/guest_layout.h) onto it and nothing
 * else.
 *
 * Its states and their transitions are in tessera/lifecycle.h; p->state
 * changes only in partition_transition() (partition.c).
 *
 * A vCPU is driven by requests (VCPU_REQ_*): any CPU sets bits in
 * v->requests, and the vCPU's own physical CPU acts on them, in two
 * places only: vcpu_check_requests(), which the arch run loop calls
 * before every VM entry and in every wait (the one point a running vCPU
 * looks), and vcpu_loop() between two runs. What the vCPU is doing is
 * v->run, written only by its own CPU, under p->lock:
 *
 *            START                   (APs)  RELOAD: a SIPI came
 *   IDLE  -----------> WAIT_SIPI ---------------------------+
 *    ^  |                  |                                v
 *    |  +------ START (vCPU 0) ----------------------->  RUNNING
 *    |                     |                            |     ^
 *    +------- STOP or START (a new run) ----------------+     |
 *    |                                                  PAUSE | PAUSE
 *    +------- STOP or START ------------------------ PAUSED --+ cleared
 *
 * Everything vendor-specific (control structures, page tables, bitmaps)
 * lives in arch code, found by partition id and vCPU; hv/ never sees it.
 *
 * Lock map. Each field says who may write it and what a reader needs:
 *   [C]  set when the partition is created; constant after.
 *   [L]  p->lock.
 *   [D]  p->dev_lock: the interrupt path: the vUART, the vPIC and the
 *        I/O APIC, and the router between them (irq_set_level, hv/irq.c,
 *        which delivers under it). Each other device model has a lock of
 *        its own ([PM], [PIT], [RTC]), so a busy device does not hold up
 *        the others; when one raises a line, it takes p->dev_lock after
 *        letting its own go.
 *   [O]  p->out.lock (struct gout): guest output.
 *   [E]  p->events.lock: event counters and rate limits.
 *   [M]  management: only the console CPU writes (commands, supervisor);
 *        others may read a stale value.
 *   [V]  its vCPU's own physical CPU; others read it only while the vCPU
 *        is PAUSED (snapshot, registers) or for statistics (counters).
 *   [A]  atomic builtins only.
 * Locks nest in this order and never the other way: p->lock, p->dev_lock,
 * p->out.lock, the console's queue locks, p->events.lock, the log lock.
 * The device locks ([PM], [PIT], [RTC]) are leaves: nothing is taken
 * while one is held.
 */
#ifndef TESSERA_PARTITION_H
#define TESSERA_PARTITION_H

#include <tessera/types.h>
#include <tessera/limits.h>
#include <tessera/config.h>
#include <tessera/events.h>
#include <tessera/exit_kind.h>
#include <tessera/guest_layout.h>
#include <tessera/guest_out.h>
#include <tessera/hypercall.h>
#include <tessera/lifecycle.h>
#include <tessera/spinlock.h>
#include <tessera/acpi_pm.h>
#include <tessera/devbus.h>
#include <tessera/ioapic.h>
#include <tessera/pit.h>
#include <tessera/platform.h>
#include <tessera/rtc.h>
#include <tessera/irq_queue.h>
#include <tessera/vlapic.h>
#include <tessera/vpic.h>
#include <tessera/vuart.h>

#define SCROLLBACK_BYTES 8192

/* What a vCPU is doing (the diagram above). */
enum vcpu_run_state {
	VCPU_IDLE = 0,  /* not running its guest: the pCPU waits for a start */
	VCPU_WAIT_SIPI, /* an AP of a running partition, before its SIPI */
	VCPU_RUNNING,   /* in guest mode or handling an exit */
	VCPU_PAUSED,    /* held in the hypervisor between two exits; snap valid */
};

/* Requests to a vCPU, bits of v->requests. */
#define VCPU_REQ_STOP (1u << 0)   /* leave guest mode and go idle */
#define VCPU_REQ_START (1u << 1)  /* run anew from v->boot (after leaving the old run) */
#define VCPU_REQ_PAUSE (1u << 2)  /* hold in the hypervisor while set */
#define VCPU_REQ_KICK (1u << 3)   /* look again: a virtual interrupt may wait */
#define VCPU_REQ_RELOAD (1u << 4) /* an AP's SIPI: load v->boot from sipi_vector and run */
#define VCPU_REQ_LEAVE (VCPU_REQ_STOP | VCPU_REQ_START) /* end the current run */

/* General registers the exit stub saves; RSP and RIP live in the
 * backend's control structure. */
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
	struct partition *part;   /* [C] */
	unsigned index;           /* [C] within the partition */
	unsigned pcpu;            /* [C] the physical CPU it runs on */
	u32 apic_id;              /* [C] */
	bool shares_console;      /* [C] its CPU also runs the console (console_cpu = none) */
	u32 requests;             /* [A] VCPU_REQ_* */
	enum vcpu_run_state run;  /* [V] under [L]; read by others with an atomic load */
	/* Written by partition_start() while the vCPU is IDLE, handed over by
	 * VCPU_REQ_START; the vCPU's own after that [V]. */
	struct vcpu_boot boot;
	struct guest_regs regs;   /* [V] */
	struct vlapic lapic;      /* [V] its local APIC's virtual part (tessera/vlapic.h);
	                           * LDR/DFR read by others for logical IPIs */
	struct irq_queue irqs;    /* [V] local APIC vectors waiting for injection */
	bool started;             /* [L] has started this run: vCPU 0 at once, an AP at its SIPI */
	u8 sipi_vector;           /* [L] the SIPI's vector, with VCPU_REQ_RELOAD */
	u64 exits;                /* [V] counters; the console reads and resets */
	u64 exit_count[EXIT_KINDS]; /* by enum exit_kind */
	struct vcpu_snapshot snap; /* [V] valid while PAUSED */
};

/* Why a partition is STOPPING: what to do when the last vCPU is out. */
enum stop_reason {
	STOP_CONSOLE,  /* `stop`, `restart`: say "stopped" */
	STOP_EXIT,     /* HC_EXIT */
	STOP_POWEROFF, /* ACPI S5 */
	STOP_REBOOT,   /* ACPI reset: the supervisor starts it again */
};

struct partition_events {
	spinlock_t lock;
	u64 count[EV_NKINDS];           /* [E] since the last start */
	struct ratelimit rl[EV_NKINDS]; /* [E] */
};

struct partition {
	unsigned id;                   /* [C] */
	char name[NAME_MAX_LEN];       /* [C] */
	const struct cfg_partition *cfg; /* [C] */
	hpa_t mem;                     /* [C] host block, 2 MiB aligned; 0 if none */
	u64 mem_size;                  /* [C] */
	struct guest_layout layout;    /* [C] its guest-physical regions, from its format and
	                                * mem_size (tessera/guest_layout.h): what the arch maps */
	unsigned nvcpus;               /* [C] */
	struct vcpu vcpus[HC_MAX_VCPUS];

	spinlock_t lock;
	enum partition_state state;    /* [L] written only by partition_transition() */
	enum stop_reason stop_reason;  /* [L] while STOPPING */
	bool reboot_pending;           /* [L] the guest reset itself: start again */
	int exit_code;                 /* [L] */
	char last_fault[256];          /* [L] */
	u64 started_ns;                /* [L] */
	unsigned starts;               /* [L] times started since boot */

	/* Its PC (tessera/platform.h): the devices, on one bus. */
	const struct platform_desc *platform; /* [C] what its format gets */
	struct devbus bus;             /* [C] built at creation; lookups take no lock */
	spinlock_t dev_lock;
	struct vuart uart;             /* [D] the console device at 0x3f8 */
	struct vpic pic;               /* [D] Linux: the legacy PIC IRQ 4 goes through */
	bool virq;                     /* [D] the PIC has an interrupt for vCPU 0 (read atomically) */
	struct ioapic ioapic;          /* [D] every format: GSIs 0-23 at 0xfec00000 (tessera/irq.h) */
	spinlock_t pm_lock;
	struct acpi_pm pm;             /* [PM] Linux: its ACPI fixed hardware */
	spinlock_t pit_lock;
	struct pit pit;                /* [PIT] the 8254 timer */
	spinlock_t rtc_lock;
	struct rtc rtc;                /* [RTC] the CMOS clock, from the machine's date */
	u64 timer_next_ns;             /* [A] when the PIT's or RTC's next interrupt is due,
	                                * 0 = none (tessera/timers.h) */
	u64 timer_kicked_ns;           /* [M] the deadline timers_watch last kicked for */

	struct gout out;               /* [O] every byte the guest writes */
	u8 scrollback_buf[SCROLLBACK_BYTES]; /* [O] */

	struct partition_events events;

	bool muted;                    /* [M] console: do not show its lines */
	unsigned restarts;             /* [M] automatic restarts (on_crash = restart) in a row */
	u64 restart_at_ns;             /* [M] when the next automatic restart is due, 0 = none */
	bool stop_timed_out;           /* [M] FAILED because a stop did not complete: a user
	                                * asked for a stop, so no automatic restart */
	int trace_left;                /* [A] console `trace`: exits still to print */
};

extern struct partition partitions[MAX_PARTITIONS];
extern unsigned npartitions;

/* Boot-time set-up from the config (BSP only). */
struct boot_info;
struct pmm;
void partitions_init(const struct config *cfg, const struct boot_info *bi, struct pmm *p);
struct partition *partition_by_name(const char *name);

/*
 * The lifecycle (tessera/lifecycle.h). The only writer of p->state: if
 * the partition is in one of the states in from (PART_SET bits), it goes
 * to `to` and true is returned; else nothing changes and false is. A
 * from-state the table does not allow to go to `to` is a hypervisor bug,
 * reported with a dump of the partition. Takes p->lock unless the caller
 * holds it (partition_transition_locked).
 */
bool partition_transition(struct partition *p, u32 from, enum partition_state to);
bool partition_transition_locked(struct partition *p, u32 from, enum partition_state to);

/* Console operations (on the console CPU). Each returns false with one
 * line of why in why[n] when it does not do what it says. */
/* Load the kernel from its pristine image and start: STOPPED or FAILED
 * -> RUNNING, once every vCPU is out of guest mode. */
bool partition_start(struct partition *p, char *why, size_t n);
/* Every vCPU leaves guest mode: RUNNING or PAUSED -> STOPPING -> STOPPED.
 * If one does not within the stop timeout, the partition is FAILED ("vcpu
 * N did not stop within T ms") and nothing it might still touch is freed. */
bool partition_stop(struct partition *p, char *why, size_t n);
/* Stop if running, then start. */
bool partition_restart(struct partition *p, char *why, size_t n);
/* Hold every vCPU in the hypervisor: RUNNING -> PAUSED. */
bool partition_pause(struct partition *p, char *why, size_t n);
/* PAUSED -> RUNNING; false if it was not paused. */
bool partition_resume(struct partition *p);
/* The supervisor: did the guest reset itself and is it STOPPED now? Then
 * true, once, and it is for the caller to start it. */
bool partition_take_reboot(struct partition *p);

/* From the guest's side, on a vCPU's CPU (or any CPU). */
/* The guest misbehaved: report, FAILED, every vCPU leaves. */
void partition_fail(struct partition *p, const char *fmt, ...) __printf(2, 3);
/* The guest asked to stop (HC_EXIT). */
void partition_exit(struct partition *p, int code);
/* The guest powered itself off (ACPI S5): it stops. */
void partition_poweroff(struct partition *p);
/* The guest reset itself (ACPI reset register): it stops, and the
 * console's supervisor starts it again. */
void partition_reboot(struct partition *p);
/* Something the partition survives: counted by kind, printed at a
 * bounded rate ("N more ... suppressed"). The kinds its format probes as
 * a matter of course (platform_desc.quiet_events: Linux's absent ports
 * and well-known MSRs) are only counted, unless the log level is
 * verbose. */
void partition_event(struct partition *p, enum event_kind kind, const char *fmt, ...)
	__printf(3, 4);
/* The console's `log level`: verbose prints quiet events too. [M] */
void partition_set_verbose(bool on);
bool partition_verbose(void);

/* Guest output through the hypervisor (HC_CONSOLE_WRITE), and console
 * input for its UART. */
void partition_console_input(struct partition *p, u8 byte);

/* vcpu_loop's side of the lifecycle, on the vCPU's own CPU (partition.c):
 * begin a run if a start is asked for (true: run it); the run ended; an
 * AP takes its SIPI (true: run it). And from another vCPU: a SIPI or an
 * INIT for AP t. */
bool partition_vcpu_begin(struct vcpu *v);
void partition_vcpu_left(struct vcpu *v);
bool partition_vcpu_take_sipi(struct vcpu *v);
void partition_vcpu_sipi(struct vcpu *t, u8 vector);
void partition_vcpu_init(struct vcpu *t);

/* vCPU side, called on the vCPU's own physical CPU by arch exit code.
 * Return values: true = handled, the guest continues. */
void vcpu_loop(unsigned pcpu) __noreturn;
/* Let the vCPU loops look at their assignments (after partitions_init). */
void vcpu_loop_release(void);
/* Ask v for something (VCPU_REQ_* bits), from any CPU: the bits are set,
 * and v's CPU is kicked or preempted as they need (arch.h). */
void vcpu_request(struct vcpu *v, u32 req);
/*
 * The one point where a running vCPU looks at its requests: arch run
 * loops call it before every VM entry and in every wait. A pause is held
 * here; a kick is taken. True if the vCPU must leave its run now (stop,
 * or a new start).
 */
bool vcpu_check_requests(struct vcpu *v);
s64 vcpu_hypercall(struct vcpu *v, u64 nr, u64 a1, u64 a2, u64 a3);
/* Port I/O the guest does not own the hardware for. size is 1, 2 or 4. */
void vcpu_io(struct vcpu *v, u16 port, unsigned size, bool write, u32 *value);
/* An IPI the guest sent through its ICR: deliver within the partition or
 * drop and report. */
void vcpu_send_ipi(struct vcpu *v, u32 dest_apic, u32 icr_low);
/* [gpa, gpa + len) of the partition's RAM as a host pointer, or NULL if
 * any of it is not RAM the guest has. */
void *partition_guest_ptr(struct partition *p, u64 gpa, u64 len);
/* The UART (or the PIC) changed state, on any CPU, under p->dev_lock: the
 * UART's interrupt line (ISA IRQ 4) goes to the router (irq_set_level),
 * into the PIC, which makes vCPU 0 look if it has an interrupt pending now,
 * and into the I/O APIC, which may send a message to a vCPU. */
void partition_irq_update(struct partition *p);
/* Arch entry code of vCPU v, before each entry: is a virtual interrupt
 * (from the PIC) waiting, and take it (its vector, or -1). Only vCPU 0 of
 * a Linux partition gets them, as the PIC's output is wired to the BSP.
 * (I/O APIC interrupts arrive as physical IPIs instead: hv/irq.c.) */
static inline bool vcpu_virq_waiting(const struct vcpu *v)
{
	return v->index == 0 && __atomic_load_n(&v->part->virq, __ATOMIC_ACQUIRE);
}
int vcpu_virq_ack(struct vcpu *v);
/* Is any interrupt waiting for v (its queue, or the PIC's for vCPU 0)? */
static inline bool vcpu_irq_waiting(const struct vcpu *v)
{
	return !irq_queue_empty(&v->irqs) || vcpu_virq_waiting(v);
}
/* The next interrupt to inject into v, which the backend says can take
 * one now: the highest local APIC vector, else the PIC's (acknowledged at
 * the PIC); -1 if none. */
int vcpu_irq_next(struct vcpu *v);
/* The vCPU for this physical CPU, or NULL. */
struct vcpu *vcpu_of_pcpu(unsigned pcpu);
/* Arch exit loops call this for every exit: the console's `trace`. */
void vcpu_trace_exit(struct vcpu *v, enum exit_kind kind, unsigned reason, u64 rip,
		     u64 qualification);
/* Arch exit loops call this after each exit and in every wait (HLT): the
 * CPU's other duty, the console when it shares this CPU, gets its turn. */
void vcpu_host_work(struct vcpu *v);
/* A vCPU's run state, read from another CPU. */
static inline enum vcpu_run_state vcpu_run_state(const struct vcpu *v)
{
	return __atomic_load_n(&v->run, __ATOMIC_ACQUIRE);
}
const char *vcpu_run_state_name(enum vcpu_run_state s);

#endif
