/*
 * The PIT's and the RTC's interrupts, raised on time (tessera/timers.h).
 */
#include <tessera/arch.h>
#include <tessera/irq.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/timers.h>

#define PIT_IRQ 0
#define RTC_IRQ 8

static u64 earliest(u64 a, u64 b)
{
	return !a ? b : !b ? a : MIN(a, b);
}

/* One edge on an edge-triggered ISA line: high, then low again. The PIC
 * (edge mode) and the I/O APIC (edge entries) take the rising edge; the
 * model may have counted several (a guest that was away): they merge
 * into one, as an edge-triggered input does. */
static void pulse(struct partition *p, unsigned isa_irq)
{
	unsigned gsi = (unsigned)irq_isa_gsi(isa_irq);

	irq_set_level(p, gsi, true);
	irq_set_level(p, gsi, false);
}

u64 timers_poll(struct partition *p, u64 now)
{
	unsigned pit_edges, rtc_edges;
	u64 next;

	spin_lock(&p->pit_lock);
	pit_edges = pit_irq0_edges(&p->pit, now);
	next = pit_irq0_next_ns(&p->pit);
	spin_unlock(&p->pit_lock);
	spin_lock(&p->rtc_lock);
	rtc_edges = rtc_irq_edges(&p->rtc, now);
	next = earliest(next, rtc_irq_next_ns(&p->rtc));
	spin_unlock(&p->rtc_lock);
	if (pit_edges || rtc_edges) {
		spin_lock(&p->dev_lock);
		if (pit_edges)
			pulse(p, PIT_IRQ);
		if (rtc_edges)
			pulse(p, RTC_IRQ);
		spin_unlock(&p->dev_lock);
	}
	__atomic_store_n(&p->timer_next_ns, next, __ATOMIC_RELEASE);
	return next;
}

void timers_changed(struct partition *p, u64 now)
{
	struct vcpu *v0 = &p->vcpus[0];

	timers_poll(p, now);
	if (v0->pcpu != arch_this_cpu()->index)
		vcpu_request(v0, VCPU_REQ_KICK);
}

u64 vcpu_timer_deadline(struct vcpu *v)
{
	struct partition *p = v->part;
	u64 next, now;

	if (v->index != 0)
		return 0;
	next = __atomic_load_n(&p->timer_next_ns, __ATOMIC_ACQUIRE);
	if (!next)
		return 0;
	now = arch_time_ns();
	return now >= next ? timers_poll(p, now) : next;
}

/*
 * Where the backend cannot make a guest leave guest mode at a deadline of
 * its own (arch_guest_deadline_exits() false: some CPUs have no such
 * timer), the console's CPU watches the deadlines instead and kicks
 * vCPU 0 when one has passed, once per deadline; vCPU 0 then raises the
 * edge before its next entry. The resolution is the console loop's.
 */
void timers_watch(u64 now)
{
	for (unsigned i = 0; i < npartitions; i++) {
		struct partition *p = &partitions[i];
		struct vcpu *v0 = &p->vcpus[0];
		u64 next = __atomic_load_n(&p->timer_next_ns, __ATOMIC_ACQUIRE);

		if (!next || next > now || p->timer_kicked_ns == next ||
		    __atomic_load_n(&v0->run, __ATOMIC_ACQUIRE) != VCPU_RUNNING)
			continue;
		p->timer_kicked_ns = next;
		vcpu_request(v0, VCPU_REQ_KICK);
	}
}
