/*
 * Physical CPUs: one struct pcpu per CPU Tessera runs on, indexed like the
 * cpu_list (index 0 = the bootstrap processor).
 *
 * The architecture-neutral part is here; struct pcpu_arch (GDT, TSS,
 * stacks, virtualization regions...) is embedded, Bao-style, from <arch/pcpu_arch.h>.
 * A CPU finds its own struct through arch_this_cpu().
 */
#ifndef TESSERA_PCPU_H
#define TESSERA_PCPU_H

#include <tessera/types.h>
#include <tessera/limits.h>
#include <arch/pcpu_arch.h>

enum pcpu_state {
	PCPU_ABSENT = 0, /* not in the CPU list */
	PCPU_OFFLINE,    /* listed, not started yet */
	PCPU_STARTING,   /* INIT-SIPI-SIPI sent */
	PCPU_ALIVE,      /* running our code, setting itself up */
	PCPU_ONLINE,     /* virtualization on, waiting for work */
	PCPU_FAILED,     /* could not start or could not turn virtualization on */
};

struct pcpu {
	struct pcpu *self; /* first: arch_this_cpu() reads it through GS */
	unsigned index;
	u32 apic_id;
	volatile enum pcpu_state state;
	char fail_reason[96];
	struct pcpu_arch arch;
};

extern struct pcpu pcpus[MAX_CPUS];
extern unsigned pcpu_count;

const char *pcpu_state_name(enum pcpu_state s);

#endif
