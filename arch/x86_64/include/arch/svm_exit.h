/*
 * SVM exit codes, the VMCB's EXITCODE (AMD APM Vol. 2, Appendix C "SVM
 * Intercept Exit Codes"): the one place they are defined. They go up to
 * 0x403; VMEXIT_INVALID is -1 (a VMRUN whose consistency checks failed,
 * 15.5.1).
 */
#ifndef ARCH_SVM_EXIT_H
#define ARCH_SVM_EXIT_H

#define SVM_EXIT_CR0_READ 0x000    /* 0x000-0x00f: read of CR0-CR15 */
#define SVM_EXIT_CR0_WRITE 0x010   /* 0x010-0x01f: write of CR0-CR15 */
#define SVM_EXIT_EXCP_BASE 0x040   /* 0x040-0x05f: exception vector n */
#define SVM_EXIT_DB (SVM_EXIT_EXCP_BASE + 1)
#define SVM_EXIT_UD (SVM_EXIT_EXCP_BASE + 6)
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_MWAIT_ARMED 0x08c
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffu /* compare the low 32 bits (QEMU reads back 2^32 - 1) */

#endif
