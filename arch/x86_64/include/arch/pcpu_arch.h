/*
 * The x86-64 part of struct pcpu: per-CPU descriptor tables and the
 * memory each CPU needs of its own.
 */
#ifndef ARCH_PCPU_ARCH_H
#define ARCH_PCPU_ARCH_H

#include <tessera/types.h>

/* 64-bit TSS, SDM Vol. 3A 8.7, Figure 8-11. */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

/* GDT slots: null, code64, data, TSS (a 16-byte system descriptor). */
#define GDT_ENTRIES 5

/* Interrupt stack table slots (1-based as the IDT encodes them) for the
 * exceptions that must not run on a possibly broken stack. */
#define IST_DOUBLE_FAULT 1
#define IST_NMI 2
#define IST_MACHINE_CHECK 3
#define IST_COUNT 3

#define CPU_STACK_SIZE (16 * 1024)
#define IST_STACK_SIZE (4 * 1024)

struct pcpu_arch {
	u64 gdt[GDT_ENTRIES] __aligned(16);
	struct tss64 tss __aligned(16);
	hpa_t stack;            /* CPU_STACK_SIZE bytes */
	hpa_t ist[IST_COUNT];   /* IST_STACK_SIZE bytes each */
	/* 4 KiB each, for the virtualization backend: VMX's VMXON region (SDM
	 * Vol. 3C 25.11.5); SVM's host save area (VM_HSAVE_PA, APM Vol. 2
	 * 15.30.4) and the page VMSAVE/VMLOAD keep the host's other state in
	 * (15.5.2). */
	hpa_t virt_region;
	hpa_t virt_host_state;
	bool virt_on;
};

#endif
