/*
 * The VMX MSR bitmap (SDM Vol. 3C 25.6.9), built from the shared MSR
 * policy (arch/x86_64/guest_msr.c): every bit set (every RDMSR/WRMSR
 * exits), then cleared for the MSRs the policy passes through.
 */
#include <tessera/partition.h>
#include <tessera/string.h>
#include <tessera/vlapic.h>
#include <arch/guest.h>
#include <arch/msr.h>
#include <arch/vmcs.h>
#include "vmx_internal.h"

/* Bitmap layout (25.6.9): read-low, read-high, write-low, write-high,
 * 1 KiB each; "low" covers 0..0x1fff, "high" 0xc0000000..0xc0001fff. */
#define BITMAP_READ 0
#define BITMAP_WRITE 2048
#define HIGH_BASE 0xc0000000u

static void allow(u8 *bitmap, u32 msr, unsigned half)
{
	unsigned base = half;
	u32 bit;

	if (msr >= HIGH_BASE) {
		base += 1024;
		msr -= HIGH_BASE;
	}
	bit = msr & 0x1fff;
	bitmap[base + bit / 8] &= (u8)~(1u << (bit % 8));
}

void vmx_msr_bitmap_init(hpa_t page, bool x2apic_guest)
{
	u8 *bitmap = hpa_to_ptr(page);
	u32 first, last;
	enum msr_pass how;

	memset(bitmap, 0xff, PAGE_SIZE);
	for (unsigned i = 0; guest_msr_passthrough(i, &first, &last, &how); i++)
		for (u32 msr = first; msr <= last; msr++) {
			allow(bitmap, msr, BITMAP_READ);
			if (how == MSR_PASS_RW)
				allow(bitmap, msr, BITMAP_WRITE);
		}
	if (!x2apic_guest)
		return; /* every x2APIC MSR exits, and #GPs (apic_msr_read) */
	for (unsigned reg = 0; reg < 0x100; reg++) {
		if (!guest_x2apic_read_exits(reg))
			allow(bitmap, MSR_X2APIC_BASE + reg, BITMAP_READ);
		if (!guest_x2apic_write_exits(reg))
			allow(bitmap, MSR_X2APIC_BASE + reg, BITMAP_WRITE);
	}
}

/* The guest's APIC changed mode (apic_base_write): its x2APIC MSRs are
 * passed through only in x2APIC mode; in any other they all exit, to #GP
 * as the SDM says (11.12.1.2). The bitmap is a VMCS field (25.6.9). */
void vmx_apic_mode_changed(struct vcpu *v)
{
	struct vmx_partition *vp = &vmx_partitions[v->part->id];

	vmcs_write64(MSR_BITMAP, vlapic_mode(&v->lapic) == VLAPIC_X2APIC ? vp->msr_bitmap_x2apic :
									   vp->msr_bitmap);
}
