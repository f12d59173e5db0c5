/*
 * Segment selectors of the hypervisor's GDT (the same layout on every CPU).
 * In 64-bit mode segmentation is mostly off (SDM Vol. 3A 3.2.4), but CS
 * must name a 64-bit code descriptor and TR a TSS.
 */
#ifndef ARCH_GDT_H
#define ARCH_GDT_H

#define SEL_NULL 0x00
#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_TSS 0x18

#endif
