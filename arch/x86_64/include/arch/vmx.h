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

static inline enum vmx_result vmxon(hpa_t region)
{
	u8 cf, zf;

	__asm__ volatile("vmxon %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf)
			 : "m"(region)
			 : "cc", "memory");
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_OK;
}

#endif
