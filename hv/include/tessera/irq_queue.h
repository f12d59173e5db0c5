/*
 * The interrupts waiting for one vCPU, and which goes next: the part of
 * interrupt delivery that is the same for every backend.
 *
 * A vector arrives for the guest in two ways: its CPU's local APIC took it
 * while the guest ran (the exit acknowledged it) or while the CPU waited
 * in the hypervisor (the hypervisor's IDT took it), and the virtual 8259's
 * output for vCPU 0. Either way the hardware APIC (or the virtual PIC)
 * already has it in service; what is left is to inject it when the guest
 * can take it. Local APIC vectors go first, highest first (the APIC's own
 * priority order, SDM Vol. 3A 11.8.3), then the PIC's. Whether the guest
 * can take one now (RFLAGS.IF, no interrupt shadow, no event already being
 * injected) is the backend's to say, from its own state; so are the
 * injection itself and the interrupt-window exit.
 *
 * Portable and host-tested (tests/unit/test_irq_queue.c). Only the vCPU's
 * own CPU touches its queue ([V] in the lock map): no lock.
 */
#ifndef TESSERA_IRQ_QUEUE_H
#define TESSERA_IRQ_QUEUE_H

#include <tessera/types.h>

struct irq_queue {
	u64 pending[4]; /* one bit per vector */
};

static inline void irq_queue_clear(struct irq_queue *q)
{
	q->pending[0] = q->pending[1] = q->pending[2] = q->pending[3] = 0;
}

static inline void irq_queue_add(struct irq_queue *q, u8 vector)
{
	q->pending[vector / 64] |= 1ull << (vector % 64);
}

/* Nothing waiting: the test before every VM entry, kept inline. */
static inline bool irq_queue_empty(const struct irq_queue *q)
{
	return !(q->pending[0] | q->pending[1] | q->pending[2] | q->pending[3]);
}

/* The highest vector waiting, or -1. */
int irq_queue_highest(const struct irq_queue *q);

/* Take the highest vector waiting off the queue: it, or -1. */
int irq_queue_take(struct irq_queue *q);

#endif
