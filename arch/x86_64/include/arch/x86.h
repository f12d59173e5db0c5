/*
 * Architectural bits of the control registers, RFLAGS and page-table
 * entries. SDM Vol. 3A 2.5 (control registers), 2.3 (RFLAGS), 4.5 (4-level
 * paging).
 */
#ifndef ARCH_X86_H
#define ARCH_X86_H

#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_AM (1ull << 18)
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)

#define CR4_VME (1ull << 0)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_MCE (1ull << 6)
#define CR4_PGE (1ull << 7)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_VMXE (1ull << 13)
#define CR4_SMXE (1ull << 14)
#define CR4_FSGSBASE (1ull << 16)
#define CR4_PCIDE (1ull << 17)
#define CR4_OSXSAVE (1ull << 18)
#define CR4_PKE (1ull << 22)

#define RFLAGS_CF (1ull << 0)
#define RFLAGS_FIXED (1ull << 1) /* always 1 */
#define RFLAGS_ZF (1ull << 6)
#define RFLAGS_IF (1ull << 9)

/* Page-table entry bits (4-level paging), SDM Vol. 3A 4.5, Tables 4-15..4-20. */
#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_A (1ull << 5)
#define PTE_D (1ull << 6)
#define PTE_PS (1ull << 7) /* in a PDPTE or PDE: maps a 1 GiB / 2 MiB page */
#define PTE_G (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* CPUID leaf 1 ECX/EDX feature bits, SDM Vol. 2A, CPUID, Table 3-10/3-11. */
#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_X2APIC (1u << 21)
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_ECX_OSXSAVE (1u << 27) /* mirrors CR4.OSXSAVE */
/* CPUID leaf 7 ECX bit 4: OSPKE, mirrors CR4.PKE. */
#define CPUID7_ECX_OSPKE (1u << 4)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
/* Thermal and power control a partition does not get: ECX 7 EST, 8 TM2;
 * EDX 22 ACPI (thermal monitor and clock control MSRs), 29 TM. */
#define CPUID1_ECX_POWER ((1u << 7) | (1u << 8))
#define CPUID1_EDX_APIC (1u << 9) /* on-chip APIC, enabled in IA32_APIC_BASE */
#define CPUID1_EDX_POWER ((1u << 22) | (1u << 29))
/* CPUID leaf 06H EAX bit 2: APIC timer always running (ARAT). */
#define CPUID6_EAX_ARAT (1u << 2)
/* CPUID 0x80000001 ECX bit 2: AMD SVM (AMD APM Vol. 3, E.4.2). */
#define CPUID80000001_ECX_SVM (1u << 2)

/* Exception vectors, SDM Vol. 3A 6.3.1, Table 6-1. */
#define EXC_DE 0
#define EXC_DB 1
#define EXC_NMI 2
#define EXC_BP 3
#define EXC_OF 4
#define EXC_BR 5
#define EXC_UD 6
#define EXC_NM 7
#define EXC_DF 8
#define EXC_TS 10
#define EXC_NP 11
#define EXC_SS 12
#define EXC_GP 13
#define EXC_PF 14
#define EXC_MF 16
#define EXC_AC 17
#define EXC_MC 18
#define EXC_XM 19
#define EXC_VE 20
#define EXC_CP 21

#endif
