/*
 * The life of a physical CPU given to a partition, and what a guest may
 * ask of the hypervisor: hypercalls, port I/O, IPIs to its own CPUs.
 * Arch exit handlers translate hardware exits into these neutral calls.
 */
#include <tessera/arch.h>
#include <tessera/log.h>
#include <tessera/partition.h>
#include <tessera/pcpu.h>
#include <tessera/string.h>

#define VUART_BASE 0x3f8
#define HC_CONSOLE_WRITE_MAX 4096

/* ICR delivery modes, SDM Vol. 3A 11.6.1. */
#define ICR_DELIVERY_MODE(icr) (((icr) >> 8) & 7)
#define ICR_MODE_INIT 5
#define ICR_MODE_STARTUP 6
#define ICR_DEST_SHORTHAND(icr) (((icr) >> 18) & 3)

/*
 * A physical CPU with a vCPU waits here until the vCPU has something to
 * run, runs it until it stops, and waits again. An AP of a running
 * partition waits for the SIPI its BSP sends (vcpu_send_ipi).
 */
static volatile bool vcpus_assigned;

void vcpu_loop_release(void)
{
	__atomic_store_n(&vcpus_assigned, true, __ATOMIC_RELEASE);
}

void vcpu_loop(unsigned pcpu)
{
	/* APs get here as soon as they are online, before the BSP has read
	 * the config and given CPUs to partitions. */
	while (!__atomic_load_n(&vcpus_assigned, __ATOMIC_ACQUIRE))
		__builtin_ia32_pause();
	for (;;) {
		struct vcpu *v = vcpu_of_pcpu(pcpu);

		if (!v)
			arch_cpu_stop(); /* a spare CPU: nothing will ever run here */
		if (v->run == VCPU_WAIT_SIPI && v->sipi_pending && !v->stop_request) {
			v->boot = (struct vcpu_boot){ .mode = VCPU_BOOT_REAL_SIPI,
						      .sipi_vector = v->sipi_vector };
			v->sipi_pending = false;
			v->run = VCPU_RUNNABLE;
		}
		if (v->run != VCPU_RUNNABLE || v->stop_request) {
			if (v->stop_request)
				v->run = VCPU_IDLE;
			__builtin_ia32_pause();
			continue;
		}
		v->run = VCPU_RUNNING;
		arch_vcpu_run(v);
		v->run = VCPU_IDLE;
	}
}

/* Guest-physical [gpa, gpa + len) inside the partition's RAM: a host
 * pointer, or NULL. */
static void *guest_range(struct partition *p, u64 gpa, u64 len)
{
	if (len > p->mem_size || gpa > p->mem_size - len)
		return NULL;
	return hpa_to_ptr(p->mem + gpa);
}

static s64 hc_partition_info(struct vcpu *v, u64 gpa, u64 size)
{
	struct partition *p = v->part;
	struct hc_partition_info info;
	void *dst;

	memset(&info, 0, sizeof(info));
	info.size = sizeof(info);
	info.id = p->id;
	str_copy(info.name, p->name, sizeof(info.name));
	info.memory = p->mem_size;
	info.ncpus = p->nvcpus;
	info.vcpu = v->index;
	for (unsigned i = 0; i < p->nvcpus; i++)
		info.apic_id[i] = p->vcpus[i].apic_id;
	size = MIN(size, sizeof(info));
	dst = guest_range(p, gpa, size);
	if (!dst)
		return HC_EINVAL;
	memcpy(dst, &info, size);
	return (s64)size;
}

s64 vcpu_hypercall(struct vcpu *v, u64 nr, u64 a1, u64 a2, u64 a3)
{
	struct partition *p = v->part;
	const u8 *s;

	(void)a3;
	switch (nr) {
	case HC_VERSION:
		return (HC_ABI_MAJOR << 16) | HC_ABI_MINOR;
	case HC_CONSOLE_WRITE:
		if (a2 > HC_CONSOLE_WRITE_MAX || !(s = guest_range(p, a1, a2)))
			return HC_EINVAL;
		for (u64 i = 0; i < a2; i++)
			p->uart.tx(p, s[i]);
		return (s64)a2;
	case HC_PARTITION_INFO:
		return hc_partition_info(v, a1, a2);
	case HC_EXIT:
		partition_exit(p, (int)a1);
		return 0;
	}
	return HC_ENOSYS;
}

void vcpu_io(struct vcpu *v, u16 port, unsigned size, bool write, u32 *value)
{
	struct partition *p = v->part;

	if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS && size == 1) {
		if (write)
			vuart_write(&p->uart, port - VUART_BASE, (u8)*value);
		else
			*value = vuart_read(&p->uart, port - VUART_BASE);
		return;
	}
	/* Not the guest's: as if nothing answered on the bus. */
	if (!write)
		*value = 0xffffffffu;
	if (p->cfg->violations == VIOLATION_STOP)
		partition_fail(p, "denied I/O %s of port 0x%x (size %u)", write ? "write" : "read",
			       port, size);
	else
		partition_report(p, "denied I/O %s of port 0x%x (size %u)",
				 write ? "write" : "read", port, size);
}

static struct vcpu *vcpu_by_apic(struct partition *p, u32 apic)
{
	for (unsigned i = 0; i < p->nvcpus; i++)
		if (p->vcpus[i].apic_id == apic)
			return &p->vcpus[i];
	return NULL;
}

void vcpu_send_ipi(struct vcpu *v, u32 dest_apic, u32 icr_low)
{
	struct partition *p = v->part;
	unsigned mode = ICR_DELIVERY_MODE(icr_low);
	struct vcpu *t;

	if (ICR_DEST_SHORTHAND(icr_low) != 0) {
		partition_report(p, "dropped IPI with destination shorthand (icr 0x%x)", icr_low);
		return;
	}
	t = vcpu_by_apic(p, dest_apic);
	if (!t) {
		partition_report(p, "dropped IPI to apic %u: not a CPU of this partition",
				 dest_apic);
		return;
	}
	if (mode == ICR_MODE_INIT) {
		/* INIT puts the AP back to waiting for SIPI (SDM 9.4.4.1). Only
		 * an AP that has not started yet is affected here. */
		if (t != v && t->run == VCPU_WAIT_SIPI)
			t->sipi_pending = false;
		return;
	}
	if (mode == ICR_MODE_STARTUP) {
		if (t->run == VCPU_WAIT_SIPI && !t->sipi_pending) {
			t->sipi_vector = (u8)icr_low;
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			t->sipi_pending = true;
		}
		return; /* a second SIPI to a started AP is ignored, as on hardware */
	}
	partition_report(p, "dropped IPI with delivery mode %u to apic %u (not supported yet)",
			 mode, dest_apic);
}
