/*
 * The architecture interface: every arch_* function the core (hv/) calls,
 * in one place (cf. Jailhouse's include/jailhouse/control.h). The x86-64
 * implementation is in arch/x86_64/, with a backend per vendor's
 * virtualization extensions behind these functions (arch/virt.h).
 */
#ifndef TESSERA_ARCH_H
#define TESSERA_ARCH_H

#include <tessera/types.h>

struct pcpu;
struct pmm;

/* --- CPU bring-up ---------------------------------------------------- */

/* Load this CPU's own descriptor tables (GDT, TSS, IDT) and make
 * arch_this_cpu() return c. Called first thing on every CPU. */
void arch_cpu_init(struct pcpu *c);

/* This CPU's struct pcpu (valid after arch_cpu_init). */
struct pcpu *arch_this_cpu(void);

/* This CPU's local APIC ID, read from the hardware. */
u32 arch_cpu_apic_id(void);

/* Allocate what CPU c needs before it starts (stacks, virtualization
 * regions); runs on the BSP, which owns the allocator at boot. */
bool arch_cpu_prepare(struct pcpu *c, struct pmm *p);

/* Copy the AP start-up code into the page below 1 MiB the loader kept. */
bool arch_smp_prepare(hpa_t trampoline, char *why, size_t n);

/* Wake AP c (INIT-SIPI-SIPI) and wait until it runs our code or a timeout
 * passes. The AP continues in hv_ap_main(). */
bool arch_cpu_start(struct pcpu *c);

/* A periodic tick of hz on this CPU, which runs no guest (the console's
 * own): arch_cpu_idle() then returns at least that often. False if this
 * CPU cannot have one. */
bool arch_cpu_tick_start(unsigned hz);

/* A periodic interrupt of hz to CPU cpu from a timer no partition owns
 * (the machine's PIT): for a CPU shared by the console and a partition,
 * where the backend has no deadline exit (arch_guest_deadline_exits).
 * False if the machine does not say how to route it (no MADT). */
bool arch_cpu_external_tick(unsigned cpu, unsigned hz);

/* Sleep until the next interrupt (a tick, a kick) reaches this CPU. */
void arch_cpu_idle(void);

/* Reset the whole machine. */
void arch_reboot(void) __noreturn;

/* Stop this CPU for good: interrupts off, halt forever. */
void arch_cpu_stop(void) __noreturn;

/* --- memory ------------------------------------------------------------ */

/* Build the hypervisor's own 1:1 page tables covering [0, top) and at
 * least the low 4 GiB (MMIO), and switch this CPU to them. The tables come
 * from p, below 4 GiB so APs can load them from 32-bit mode. */
void arch_paging_init(struct pmm *p, hpa_t top);

/* --- time --------------------------------------------------------------- */

void arch_time_init(u64 tsc_hz);
u64 arch_time_ns(void);
void arch_delay_us(u64 us);

/* --- virtualization ------------------------------------------------------ */

/* Short name of the backend that runs, for messages. */
const char *arch_virt_name(void);
/* Does this CPU have what Tessera needs (hardware virtualization with a
 * second-level page table)?
 * If not, write one clear sentence into why. */
bool arch_virt_supported(char *why, size_t n);
/* Turn hardware virtualization on, on this CPU. */
bool arch_virt_enable(struct pcpu *c, char *why, size_t n);
/* One line of capabilities for the boot log. */
void arch_virt_describe(char *buf, size_t n);

/* --- partitions (arch keeps its own per-partition and per-vCPU data,
 *     found by partition id and vCPU) ----------------------------------- */

struct partition;
struct vcpu;

/* Map the partition's RAM for the guest: the RAM runs of its layout
 * (p->layout.ram[], tessera/guest_layout.h) onto its host block at the
 * same offsets, and nothing else. Also builds the MSR and I/O permission
 * bitmaps. */
bool arch_partition_create(struct partition *p, struct pmm *pmm, char *why, size_t n);

/* Run v on this CPU until its partition stops or fails, or until it
 * must leave (vcpu_check_requests() says so). Starts from v->boot. */
void arch_vcpu_run(struct vcpu *v);

/* Make physical CPU pcpu look at its vCPU's requests soon: an interrupt,
 * which also wakes it from a wait in the hypervisor. A guest that cannot
 * take interrupts just now (interrupts off, a higher-priority vector in
 * service) holds it off until it can; that is right for a virtual
 * interrupt, which it could not take either. Harmless anywhere else. */
void arch_cpu_kick(unsigned pcpu);

/* The same, and out of guest mode now, whatever the guest does: for the
 * requests that must not wait for the guest (stop, pause). */
void arch_cpu_preempt(unsigned pcpu);

/* Send physical CPU pcpu an interrupt with this vector, for the vCPU that
 * runs there (an IPI one vCPU of a partition sends another). The arch
 * code hands it to the guest when it arrives. */
void arch_cpu_send_vector(unsigned pcpu, u8 vector);
/* The one vector a guest may not send: the hypervisor's own kick. */
#define ARCH_RESERVED_VECTOR 0xf2

/* Can the backend make a guest leave guest mode at a deadline by itself
 * (a timer of the CPU's own)? If not, the console's CPU watches the timer
 * devices' deadlines (tessera/timers.h). */
bool arch_guest_deadline_exits(void);

/* Copy the current vCPU's architectural state (on its own CPU). */
struct vcpu_snapshot;
void arch_vcpu_snapshot(struct vcpu *v, struct vcpu_snapshot *s);

/* A one-line name for the backend's own exit reason (for `trace`). */
const char *arch_exit_reason_name(unsigned reason);

/* --- called by arch code ------------------------------------------------- */

/* Where a started AP lands after arch set up its stack. */
void hv_ap_main(struct pcpu *c) __noreturn;

#endif
