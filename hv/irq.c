/*
 * The interrupt router (tessera/irq.h): a device's line into the 8259
 * pair and the I/O APIC, and the I/O APIC's messages to the vCPUs. The
 * wiring and the routing decision are pure (hv/irq_route.c); this is the
 * glue that calls the models under p->dev_lock and delivers.
 *
 * Delivery happens under p->dev_lock, on purpose. A fixed interrupt is
 * arch_cpu_send_vector(): on x86-64 one write of the ICR of this CPU's
 * local APIC (arch/x86_64/smp.c, lapic.c). It takes no lock, and waits
 * for nothing the target CPU does: in x2APIC mode not at all, in xAPIC
 * mode at most a bounded spin on the delivery status, which the local
 * APIC clears once the message has left; the target's local APIC accepts
 * it into its IRR whether that CPU is in the guest, in the hypervisor or
 * spinning on this very lock with interrupts off. So it cannot deadlock,
 * and delivering in place keeps the messages in the model's order and
 * lets a level-triggered message nobody takes be forgotten
 * (ioapic_not_accepted) in the same critical section that sent it.
 * partition_irq_update() kicked vCPU 0 under this lock before, for the
 * same reason. Reports (partition_event) take p->events.lock and the log
 * lock, which come after p->dev_lock in the lock order (partition.h).
 */
#include <tessera/arch.h>
#include <tessera/irq.h>
#include <tessera/partition.h>
#include <tessera/vlapic.h>

STATIC_ASSERT(HC_MAX_VCPUS <= 32, "irq_decision.targets is a u32 of vCPUs");

/*
 * The PIC's output is wired to vCPU 0 (the PC's virtual wire mode A: the
 * 8259's INTR to the BSP's LINT0). It has an interrupt or not; vCPU 0
 * looks before each entry (vcpu_virq_waiting), and if it runs elsewhere a
 * kick makes it exit and look (a halted guest wakes up this way).
 */
static void pic_update(struct partition *p)
{
	bool was = p->virq, now;

	now = vpic_pending(&p->pic) >= 0;
	__atomic_store_n(&p->virq, now, __ATOMIC_RELEASE);
	if (now && !was)
		vcpu_request(&p->vcpus[0], VCPU_REQ_KICK);
}

/* A vCPU that is not running its guest (idle: its partition stopped; an
 * AP before its SIPI) does not take it: the vector would wait in its
 * CPU's local APIC and reach the guest's next run. */
static bool takes_interrupts(const struct vcpu *t)
{
	enum vcpu_run_state s = vcpu_run_state(t);

	return s == VCPU_RUNNING || s == VCPU_PAUSED;
}

/*
 * The vCPUs whose local APIC takes logical destination dest: in xAPIC
 * mode, by the LDR and DFR the guest wrote (vlapic_logical_match(), flat
 * and cluster models). In x2APIC mode the logical ID is 32 bits (cluster
 * and bit, SDM 11.12.10), which the I/O APIC's 8-bit destination cannot
 * name without interrupt remapping: no match. The LDR and DFR are the
 * vCPU's own ([V]); another CPU reads them here as vcpu_send_ipi() does
 * for a logical IPI: a guest that changes them while its interrupt is in
 * flight gets the old or the new routing, as on hardware.
 */
static u32 logical_match(const struct partition *p, u8 dest)
{
	u32 m = 0;

	for (unsigned i = 0; i < p->nvcpus; i++) {
		const struct vlapic *l = &p->vcpus[i].lapic;

		if (vlapic_mode(l) == VLAPIC_XAPIC && vlapic_logical_match(l, dest))
			m |= 1u << i;
	}
	return m;
}

static void deliver_one(struct partition *p, const struct ioapic_msg *m, const u32 *ids)
{
	struct irq_decision d;
	bool taken = false;

	irq_decide(m, ids, p->nvcpus, m->logical ? logical_match(p, m->dest) : 0,
		   p->platform->legacy_pic, &d);
	switch (d.verdict) {
	case IRQ_DELIVER:
		/* As send_fixed() in vcpu.c: a physical IPI with the same
		 * vector to the vCPU's own CPU; the hardware local APIC then
		 * has it in service, and the guest's EOI at that APIC ends it. */
		for (unsigned i = 0; i < p->nvcpus; i++) {
			struct vcpu *t = &p->vcpus[i];

			if (!(d.targets & (1u << i)) || !takes_interrupts(t))
				continue;
			arch_cpu_send_vector(t->pcpu, m->vector);
			taken = true;
		}
		break;
	case IRQ_EXTINT_PIC:
		/* Nothing to send: vCPU 0 takes the PIC's vector already. */
		taken = true;
		break;
	case IRQ_DROP_NOT_OURS:
		partition_event(p, EV_IPI,
				"I/O APIC pin %u: dropped interrupt to apic %u: not a CPU of this partition",
				m->pin, m->dest);
		break;
	case IRQ_DROP_LOGICAL:
		partition_event(p, EV_IPI,
				"I/O APIC pin %u: dropped interrupt to logical destination 0x%x: "
				"no CPU of this partition (in xAPIC mode) has it",
				m->pin, m->dest);
		break;
	case IRQ_DROP_VECTOR:
		partition_event(p, EV_IPI, "I/O APIC pin %u: dropped interrupt with vector 0x%x",
				m->pin, m->vector);
		break;
	case IRQ_DROP_MODE:
		partition_event(p, EV_IPI,
				"I/O APIC pin %u: dropped %s interrupt to apic %u: not supported",
				m->pin, irq_delivery_mode_name(m->delivery_mode), m->dest);
		break;
	}
	/* A level-triggered message no local APIC took gets no EOI: forget
	 * its remote IRR rather than leave the pin stuck (tessera/ioapic.h). */
	if (m->level && !taken)
		ioapic_not_accepted(&p->ioapic, m->pin);
}

void irq_ioapic_deliver(struct partition *p, const struct ioapic_out *out)
{
	u32 ids[HC_MAX_VCPUS];

	if (!out->n && !out->dropped)
		return;
	for (unsigned i = 0; i < p->nvcpus; i++)
		ids[i] = p->vcpus[i].apic_id;
	for (unsigned i = 0; i < out->n; i++)
		deliver_one(p, &out->msg[i], ids);
	if (out->dropped)
		partition_event(p, EV_IPI,
				"I/O APIC: dropped %u interrupts with a reserved delivery mode",
				out->dropped);
}

void irq_set_level(struct partition *p, unsigned gsi, bool level)
{
	struct irq_gsi_route r = irq_gsi_route(gsi);

	if (p->platform->legacy_pic) {
		if (r.pic_input != IRQ_NONE)
			vpic_set_irq(&p->pic, (unsigned)r.pic_input, level);
		/* Always: callers also come here after a PIC port access (an
		 * EOI, an unmask), which can make an interrupt pending. */
		pic_update(p);
	}
	/*
	 * The I/O APIC sees changes only. Devices report their level at
	 * every access (the UART after every register access), and driving
	 * a level-triggered pin again, even to the same level, re-sends a
	 * message the router could not deliver (ioapic_not_accepted):
	 * reported again at every UART access. Edges are changes anyway; a
	 * level line still asserted is sent again at its EOI (irq_eoi) or
	 * when the guest rewrites its entry.
	 */
	if (r.ioapic_pin != IRQ_NONE) {
		unsigned pin = (unsigned)r.ioapic_pin;
		struct ioapic_out out;

		if (((p->ioapic.lines >> pin) & 1) == (u32)level)
			return;
		ioapic_set_level(&p->ioapic, pin, level, &out);
		irq_ioapic_deliver(p, &out);
	}
}

void irq_eoi(struct partition *p, u8 vector)
{
	struct ioapic_out out;

	spin_lock(&p->dev_lock);
	ioapic_eoi(&p->ioapic, vector, &out);
	irq_ioapic_deliver(p, &out);
	spin_unlock(&p->dev_lock);
}
