/*
 * Why a vCPU left guest mode, in neutral words. Each backend (arch/x86_64/)
 * turns its own exit reason into one of these kinds; statistics
 * (`stats`, the exit summary, `make bench`) count kinds, so they read the
 * same on every engine. `trace` shows the vendor's reason beside it.
 */
#ifndef TESSERA_EXIT_KIND_H
#define TESSERA_EXIT_KIND_H

enum exit_kind {
	EXIT_KIND_OTHER = 0,
	EXIT_KIND_CPUID,
	EXIT_KIND_IO,          /* IN/OUT on an intercepted port */
	EXIT_KIND_RDMSR,
	EXIT_KIND_WRMSR,
	EXIT_KIND_HLT,
	EXIT_KIND_HYPERCALL,   /* the hypercall instruction (tessera/hypercall.h) */
	EXIT_KIND_MEMORY,      /* a guest-physical address the partition's map lacks */
	EXIT_KIND_INTERRUPT,   /* a physical interrupt reached the CPU */
	EXIT_KIND_NMI,         /* an NMI: another CPU's preemption request */
	EXIT_KIND_IRQ_WINDOW,  /* the guest can take an interrupt again */
	EXIT_KIND_TIMER,       /* the hypervisor's own deadline */
	EXIT_KIND_CR,          /* a control-register access */
	EXIT_KIND_XSETBV,
	EXIT_KIND_EXCEPTION,   /* an intercepted guest exception */
	EXIT_KIND_TRIPLE_FAULT,
	EXIT_KIND_INIT,        /* an INIT signal */
	EXIT_KIND_VIRT_INSN,   /* the guest tried a virtualization instruction */
	EXIT_KIND_ENTRY_FAILED,
	EXIT_KINDS
};

/* "CPUID", "I/O instruction", ... (hv/vcpu.c). */
const char *exit_kind_name(unsigned kind);

#endif
