/*
 * Typed VMCS accessors. The width an accessor reads or writes is checked
 * at compile time against the field encoding's width bits (SDM Vol. 3D
 * B.1, bits 14:13), as KVM's vmx_ops.h does, so vmcs_write16(GUEST_RIP, x)
 * does not build. A failing VMREAD/VMWRITE is a hypervisor bug: it stops
 * the CPU with the VM-instruction error number (SDM Vol. 3C 31.4).
 */
#ifndef ARCH_VMCS_H
#define ARCH_VMCS_H

#include <tessera/types.h>
#include <arch/vmcs_fields.h>

#define VMCS_WIDTH(f) (((f) >> 13) & 3)
#define VMCS_W16 0
#define VMCS_W64 1
#define VMCS_W32 2
#define VMCS_WNAT 3

/* A compile error (negative array size) when c is false. */
#define VMCS_CHECK(c) ((void)sizeof(char[(c) ? 1 : -1]))

u64 vmcs_read_checked(u64 field);
void vmcs_write_checked(u64 field, u64 value);

#define vmcs_read16(f) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_W16), (u16)vmcs_read_checked(f))
#define vmcs_read32(f) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_W32), (u32)vmcs_read_checked(f))
#define vmcs_read64(f) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_W64), vmcs_read_checked(f))
#define vmcs_readl(f) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_WNAT), vmcs_read_checked(f))

#define vmcs_write16(f, v) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_W16), vmcs_write_checked(f, (u16)(v)))
#define vmcs_write32(f, v) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_W32), vmcs_write_checked(f, (u32)(v)))
#define vmcs_write64(f, v) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_W64), vmcs_write_checked(f, (u64)(v)))
#define vmcs_writel(f, v) (VMCS_CHECK(VMCS_WIDTH(f) == VMCS_WNAT), vmcs_write_checked(f, (u64)(v)))

#endif
