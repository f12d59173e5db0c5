/*
 * The hypercall ABI: how a guest asks Tessera for something.
 *
 * Shared by the hypervisor and guests (tests/guests include it), so it
 * uses only fixed-width types and no pointers. Documented for guest
 * authors in docs/partitions.md.
 *
 * A guest executes VMCALL on an Intel CPU (SDM Vol. 2B, VMCALL; the VM
 * exit is reason 18) or VMMCALL on an AMD one (APM Vol. 3, VMMCALL; exit
 * code 0x81), as the CPUID vendor string says; on AMD, Tessera also takes
 * VMCALL (it raises #UD there, which the hypervisor intercepts and
 * recognises), so a guest that knows only VMCALL still works, at the cost
 * of a fetch of its bytes. With:
 *
 *   RAX/EAX  hypercall number (HC_*)
 *   RBX/EBX  first argument
 *   RCX/ECX  second argument
 *   RDX/EDX  third argument
 *
 * and gets the result in RAX/EAX (a signed value: >= 0 success, < 0 one of
 * HC_E*). Other registers are preserved. A guest in 32-bit mode gets the
 * low 32 bits. Addresses are guest-physical and must lie wholly inside the
 * partition's memory.
 */
#ifndef TESSERA_HYPERCALL_H
#define TESSERA_HYPERCALL_H

#include <stdint.h>

#define HC_VERSION 0        /* () -> (major << 16) | minor */
#define HC_CONSOLE_WRITE 1  /* (gpa, len) -> bytes written, at most 4096 per call */
#define HC_PARTITION_INFO 2 /* (gpa, size) -> bytes of struct hc_partition_info written */
#define HC_EXIT 3           /* (code) -> does not return; partition stops */
/* Test builds only (TESSERA_TEST_HOOKS; HC_ENOSYS otherwise): hold the
 * calling vCPU in the hypervisor, deaf to stop and pause requests, for
 * (ms) milliseconds: a stop that cannot complete, for the tests. */
#define HC_TEST_HOLD 0x7e57

#define HC_ABI_MAJOR 1
#define HC_ABI_MINOR 0

#define HC_ENOSYS (-1) /* no such hypercall */
#define HC_EINVAL (-2) /* an argument is out of range or outside the partition */

#define HC_MAX_VCPUS 16

/* What HC_PARTITION_INFO fills in (truncated to the size the guest gives). */
struct hc_partition_info {
	uint32_t size;       /* sizeof(struct hc_partition_info) */
	uint32_t id;         /* partition index, 0-based */
	char name[32];       /* NUL-terminated */
	uint64_t memory;     /* bytes of RAM at guest-physical 0 */
	uint32_t ncpus;      /* vCPUs in the partition */
	uint32_t vcpu;       /* index of the vCPU that made the call */
	uint32_t apic_id[HC_MAX_VCPUS]; /* APIC ID of each vCPU (what INIT/SIPI target) */
};

#endif
