/*
 * A fixed, deterministic integer workload: the same checksum on any
 * compiler, word size or machine (only uint32_t arithmetic). Used by the
 * compute guest, and compilable on its own (it needs only <stdint.h>) so
 * the same work can be timed bare-metal or on the host for comparison.
 */
#ifndef COMPUTE_WORK_H
#define COMPUTE_WORK_H

#include <stdint.h>

#define COMPUTE_ITERATIONS 2000000u
/* compute_work(COMPUTE_ITERATIONS); checked by tests/guests/qemu_smoke.py. */
#define COMPUTE_CHECKSUM 0xf77981a6u

uint32_t compute_work(uint32_t iterations);

#endif
