/*
 * The hypervisor's own 1:1 page tables (paging.c), as the AP start-up
 * code needs them: the root the trampoline loads into CR3.
 */
#ifndef ARCH_PAGING_H
#define ARCH_PAGING_H

#include <tessera/types.h>

/* Physical address of the PML4 (below 4 GiB: APs load it in 32-bit mode). */
hpa_t paging_root(void);

#endif
