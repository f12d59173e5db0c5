/*
 * VMX instructions as inline functions. Each returns whether it succeeded
 * according to the VMX conventions (SDM Vol. 3C 31.2): CF=1 is
 * VMfailInvalid (no current VMCS), ZF=1 is VMfailValid (the reason is in
 * the VM-instruction error field).
 */
#ifndef ARCH_VMX_H
#define ARCH_VMX_H

#include <tessera/types.h>

enum vmx_result { VMX_OK = 0, VMX_FAIL_INVALID = 1, VMX_FAIL_VALID = 2 };

/* End NMI blocking after a VM exit caused by an NMI (isr.S). */
void nmi_unblock(void);

static inline enum vmx_result vmxon(hpa_t region)
{
	u8 cf, zf;

	__asm__ volatile("vmxon %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(region)
			 : "cc", "memory");
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}


static inline enum vmx_result vmx_result_of(u8 cf, u8 zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

/* Make region the current VMCS (SDM Vol. 3C 31.3, VMPTRLD). */
static inline enum vmx_result vmptrld(hpa_t region)
{
	u8 cf, zf;

	__asm__ volatile("vmptrld %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(region)
			 : "cc", "memory");
	return vmx_result_of(cf, zf);
}

/* Initialise a VMCS region and mark it clear (31.3, VMCLEAR). */
static inline enum vmx_result vmclear(hpa_t region)
{
	u8 cf, zf;

	__asm__ volatile("vmclear %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(region)
			 : "cc", "memory");
	return vmx_result_of(cf, zf);
}

static inline enum vmx_result vmread_raw(u64 field, u64 *value)
{
	u8 cf, zf;

	__asm__ volatile("vmread %3, %0; setc %1; setz %2"
			 : "=rm"(*value), "=qm"(cf), "=qm"(zf)
			 : "r"(field)
			 : "cc");
	return vmx_result_of(cf, zf);
}

static inline enum vmx_result vmwrite_raw(u64 field, u64 value)
{
	u8 cf, zf;

	__asm__ volatile("vmwrite %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "rm"(value), "r"(field)
			 : "cc");
	return vmx_result_of(cf, zf);
}

/* INVEPT single-context (type 1): drop cached translations of one EPT
 * (31.3, INVEPT; descriptor: EPTP, reserved). */
static inline enum vmx_result invept_single(u64 eptp)
{
	struct {
		u64 eptp, reserved;
	} desc = { eptp, 0 };
	u8 cf, zf;

	__asm__ volatile("invept %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(desc), "r"(1ull)
			 : "cc", "memory");
	return vmx_result_of(cf, zf);
}

/* INVVPID single-context (type 1) for one VPID (31.3, INVVPID). */
static inline enum vmx_result invvpid_single(u16 vpid)
{
	struct {
		u64 vpid, linear;
	} desc = { vpid, 0 };
	u8 cf, zf;

	__asm__ volatile("invvpid %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(desc), "r"(1ull)
			 : "cc", "memory");
	return vmx_result_of(cf, zf);
}

#endif
