/*
 * The virtual machine control block (AMD APM Vol. 2, Appendix B "Layout of
 * VMCB"): 4 KiB, a control area at offset 0 and the guest's state save area
 * at 0x400. Unlike the VMCS it is ordinary memory, read and written with
 * plain loads and stores; VMRUN reads it, #VMEXIT writes it back.
 *
 * The one place for VMCB offsets, intercept bits and event-injection bits;
 * the exit codes are in arch/svm_exit.h.
 */
#ifndef ARCH_VMCB_H
#define ARCH_VMCB_H

#include <tessera/types.h>

/* A segment in the state save area (B.2): selector, attributes, limit,
 * base. The attributes are the descriptor's access byte (type, S, DPL, P)
 * in bits 7:0 and AVL, L, D/B, G in bits 11:8 (15.5.1). */
struct vmcb_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

/* Table B-1: the control area. */
struct vmcb_control {
	u16 intercept_cr_read;   /* 0x000: bit n = CR n */
	u16 intercept_cr_write;  /* 0x002 */
	u16 intercept_dr_read;   /* 0x004 */
	u16 intercept_dr_write;  /* 0x006 */
	u32 intercept_exceptions; /* 0x008: bit n = exception vector n */
	u32 intercept_misc1;     /* 0x00c: VMCB_I1_* */
	u32 intercept_misc2;     /* 0x010: VMCB_I2_* */
	u32 intercept_misc3;     /* 0x014 */
	u8 reserved_018[0x03c - 0x018];
	u16 pause_filter_threshold; /* 0x03c */
	u16 pause_filter_count;  /* 0x03e */
	u64 iopm_base_pa;        /* 0x040: 12 KiB I/O permission map (15.10.1) */
	u64 msrpm_base_pa;       /* 0x048: 8 KiB MSR permission map (15.11) */
	u64 tsc_offset;          /* 0x050 */
	u32 guest_asid;          /* 0x058: never 0, the host's (15.16) */
	u8 tlb_control;          /* 0x05c: VMCB_TLB_* */
	u8 reserved_05d[3];
	u64 vintr;               /* 0x060: VMCB_VINTR_* (15.21) */
	u64 interrupt_shadow;    /* 0x068: bit 0 the guest is in an STI/MOV SS shadow */
	u64 exit_code;           /* 0x070: arch/svm_exit.h */
	u64 exit_info1;          /* 0x078 */
	u64 exit_info2;          /* 0x080 */
	u64 exit_int_info;       /* 0x088: an event whose delivery the exit interrupted */
	u64 np_enable;           /* 0x090: bit 0 nested paging (15.25.3) */
	u64 avic_apic_bar;       /* 0x098 */
	u64 ghcb_pa;             /* 0x0a0 */
	u64 event_inj;           /* 0x0a8: VMCB_EVENT_* (15.20) */
	u64 n_cr3;               /* 0x0b0: the nested page table's PML4 */
	u64 virt_ext;            /* 0x0b8: LBR virtualization, virtual VMLOAD/VMSAVE */
	u32 clean;               /* 0x0c0: VMCB clean bits (15.15.3) */
	u32 reserved_0c4;
	u64 next_rip;            /* 0x0c8: with NRIPS, the next instruction (15.7.1) */
	u8 insn_len;             /* 0x0d0: with decode assists, bytes fetched (15.8.4) */
	u8 insn_bytes[15];       /* 0x0d1 */
	u8 reserved_0e0[0x400 - 0x0e0];
} __packed;

/* Table B-2: the state save area. */
struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x000-0x09f */
	u8 reserved_0a0[0x0cb - 0x0a0];
	u8 cpl;                  /* 0x0cb */
	u32 reserved_0cc;
	u64 efer;                /* 0x0d0 */
	u8 reserved_0d8[0x148 - 0x0d8];
	u64 cr4;                 /* 0x148 */
	u64 cr3;                 /* 0x150 */
	u64 cr0;                 /* 0x158 */
	u64 dr7;                 /* 0x160 */
	u64 dr6;                 /* 0x168 */
	u64 rflags;              /* 0x170 */
	u64 rip;                 /* 0x178 */
	u8 reserved_180[0x1d8 - 0x180];
	u64 rsp;                 /* 0x1d8 */
	u64 s_cet, ssp, isst_addr; /* 0x1e0 */
	u64 rax;                 /* 0x1f8 */
	u64 star, lstar, cstar, sfmask, kernel_gs_base; /* 0x200 */
	u64 sysenter_cs, sysenter_esp, sysenter_eip;     /* 0x228 */
	u64 cr2;                 /* 0x240 */
	u8 reserved_248[0x268 - 0x248];
	u64 g_pat;               /* 0x268: the guest's PAT under nested paging (15.25.8) */
	u64 dbgctl;              /* 0x270 */
	u64 br_from, br_to, last_excp_from, last_excp_to; /* 0x278 */
} __packed;

struct vmcb {
	struct vmcb_control control;
	struct vmcb_save save;
	u8 reserved[4096 - 0x400 - sizeof(struct vmcb_save)];
} __packed;

_Static_assert(sizeof(struct vmcb_control) == 0x400, "VMCB control area");
_Static_assert(__builtin_offsetof(struct vmcb_control, next_rip) == 0xc8, "VMCB nRIP");
_Static_assert(__builtin_offsetof(struct vmcb_save, cpl) == 0xcb, "VMCB CPL");
_Static_assert(__builtin_offsetof(struct vmcb_save, rip) == 0x178, "VMCB RIP");
_Static_assert(__builtin_offsetof(struct vmcb_save, rax) == 0x1f8, "VMCB RAX");
_Static_assert(__builtin_offsetof(struct vmcb_save, g_pat) == 0x268, "VMCB G_PAT");
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB size");

/* Intercept vector 1, control offset 0x00c (Table B-1). */
#define VMCB_I1_INTR (1u << 0)
#define VMCB_I1_NMI (1u << 1)
#define VMCB_I1_SMI (1u << 2)
#define VMCB_I1_INIT (1u << 3)
#define VMCB_I1_VINTR (1u << 4)
#define VMCB_I1_CPUID (1u << 18)
#define VMCB_I1_INVD (1u << 22)
#define VMCB_I1_HLT (1u << 24)
#define VMCB_I1_IOIO_PROT (1u << 27)
#define VMCB_I1_MSR_PROT (1u << 28)
#define VMCB_I1_TASK_SWITCH (1u << 29)
#define VMCB_I1_SHUTDOWN (1u << 31)

/* Intercept vector 2, control offset 0x010. */
#define VMCB_I2_VMRUN (1u << 0)
#define VMCB_I2_VMMCALL (1u << 1)
#define VMCB_I2_VMLOAD (1u << 2)
#define VMCB_I2_VMSAVE (1u << 3)
#define VMCB_I2_STGI (1u << 4)
#define VMCB_I2_CLGI (1u << 5)
#define VMCB_I2_SKINIT (1u << 6)
#define VMCB_I2_MONITOR (1u << 10)
#define VMCB_I2_MWAIT (1u << 11)
#define VMCB_I2_MWAIT_ARMED (1u << 12)
#define VMCB_I2_XSETBV (1u << 13)

/* TLB_CONTROL (15.16.2). */
#define VMCB_TLB_NOTHING 0
#define VMCB_TLB_FLUSH_ALL 1 /* every ASID's entries; works on every SVM CPU */

/* V_INTR fields at 0x060 (15.21.1, 15.21.4). */
#define VMCB_VINTR_TPR_MASK 0xffull
#define VMCB_VINTR_IRQ (1ull << 8)         /* a virtual interrupt is pending */
#define VMCB_VINTR_IGN_TPR (1ull << 20)    /* ... whatever the guest's TPR */
#define VMCB_VINTR_MASKING (1ull << 24)    /* the host's IF masks physical interrupts */

/* EVENTINJ and EXITINTINFO (15.20): vector 7:0, type 10:8, error code
 * valid 11, valid 31, error code 63:32. */
#define VMCB_EVENT_VALID (1ull << 31)
#define VMCB_EVENT_HAS_ERROR (1ull << 11)
#define VMCB_EVENT_TYPE_INTR (0ull << 8)
#define VMCB_EVENT_TYPE_NMI (2ull << 8)
#define VMCB_EVENT_TYPE_EXCEPTION (3ull << 8)
#define VMCB_EVENT_TYPE_SOFT_INT (4ull << 8)

/* The NPF error code in EXITINFO1 (15.25.6): the #PF error-code bits
 * (P 0, write 1, user 2, reserved 3, fetch 4) and bit 32 "final GPA",
 * bit 33 "while walking the guest's page tables". */
#define NPF_WRITE (1ull << 1)
#define NPF_FETCH (1ull << 4)

/* IOIO EXITINFO1 (15.10.2): bit 0 IN, 2 string, 3 REP, 4-6 operand size
 * 8/16/32, 31:16 the port. EXITINFO2 is the next RIP. */
#define IOIO_IN (1ull << 0)
#define IOIO_STRING (1ull << 2)
#define IOIO_SZ_SHIFT 4

/* CPUID 8000000AH EDX (APM Vol. 3 E.4.9): what this SVM implementation has. */
#define SVM_FEATURE_NPT (1u << 0)
#define SVM_FEATURE_NRIPS (1u << 3)
#define SVM_FEATURE_VMCB_CLEAN (1u << 5)
#define SVM_FEATURE_FLUSH_BY_ASID (1u << 6)
#define SVM_FEATURE_DECODE_ASSISTS (1u << 7)
#define SVM_FEATURE_VGIF (1u << 16)

#endif
