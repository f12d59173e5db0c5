/*
 * The interrupts of a partition's timer devices: the PIT's IRQ 0 and the
 * RTC's IRQ 8. The models (tessera/pit.h, tessera/rtc.h) only say when
 * their next edge is due and how many came; something has to look at
 * the clock and raise them. That is vCPU 0, the partition's boot CPU:
 *   - before every VM entry and in every wait (vcpu_timer_deadline), it
 *     raises what is due through the interrupt router (tessera/irq.h);
 *   - the arch code makes the guest leave guest mode by the next
 *     deadline where the CPU has a timer for it, and a halted vCPU 0
 *     polls instead of sleeping while one is pending; where it has none,
 *     the console's CPU watches the deadlines and kicks (timers_watch).
 * A port write that changes a schedule (the guest programs the PIT or the
 * RTC's rate) recomputes the deadline and kicks vCPU 0, which may be
 * halted on another CPU.
 *
 * No timer ticks for a guest that arms none: a Linux guest with the
 * TSC-deadline timer leaves the PIT and RTC quiet, and costs nothing here.
 */
#ifndef TESSERA_TIMERS_H
#define TESSERA_TIMERS_H

#include <tessera/types.h>

struct partition;
struct vcpu;

/* Raise the edges due by now_ns; returns the next deadline (0: none) and
 * records it for vcpu_timer_deadline. Any CPU; takes the PIT's, the RTC's
 * and the device lock (one after the other, never nested). */
u64 timers_poll(struct partition *p, u64 now_ns);

/* A schedule changed (a port write the model answered with
 * PIT_IRQ0_CHANGED or RTC_IRQ_CHANGED): recompute, and kick vCPU 0 if it
 * is another CPU's so that it looks. */
void timers_changed(struct partition *p, u64 now_ns);

/* On vCPU v's own CPU, before each entry and in waits: for vCPU 0, raise
 * what is due and return the next deadline in arch_time_ns() time (0: no
 * timer armed); 0 for every other vCPU. */
u64 vcpu_timer_deadline(struct vcpu *v);

/* On the console's own CPU, in its loop, where the backend has no
 * deadline exit of its own: kick the vCPU 0 of every partition whose
 * next edge is due by now_ns. */
void timers_watch(u64 now_ns);

#endif
