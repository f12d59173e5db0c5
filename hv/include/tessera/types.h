/*
 * Basic types for freestanding code.
 *
 * Only the compiler's freestanding headers are used (C11 §4: stdint, stddef,
 * stdbool, stdarg are required of a freestanding implementation), so every
 * portable file in hv/ also compiles unchanged in the host unit tests.
 *
 * Addresses carry their address space in their type, as in KVM and Bao:
 *   hpa_t  host-physical address (what the CPU puts on the bus)
 *   hva_t  hypervisor virtual address (a pointer the hypervisor can use)
 *   gpa_t  guest-physical address (what a partition believes is physical)
 * Tessera maps all host memory 1:1, so hva == hpa numerically, but a function
 * signature still says which one it means.
 */
#ifndef TESSERA_TYPES_H
#define TESSERA_TYPES_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;

typedef u64 hpa_t;
typedef u64 gpa_t;
typedef uintptr_t hva_t;

#define KiB (1024ull)
#define MiB (1024ull * KiB)
#define GiB (1024ull * MiB)

#define PAGE_SIZE 4096ull
#define PAGE_SHIFT 12
#define LARGE_PAGE_SIZE (2ull * MiB)

#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~((u64)(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((u64)(a) - 1))
#define IS_ALIGNED(x, a) (((x) & ((u64)(a) - 1)) == 0)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#define __packed __attribute__((packed))
#define __noreturn __attribute__((noreturn))
#define __printf(f, a) __attribute__((format(printf, f, a)))
#define __aligned(n) __attribute__((aligned(n)))
#define __unused __attribute__((unused))

#define STATIC_ASSERT(c, msg) _Static_assert(c, msg)

#endif

#ifndef TESSERA_TYPES_PTR_H
#define TESSERA_TYPES_PTR_H
/*
 * The hypervisor maps all host memory 1:1 (arch/x86_64/paging.c), so a
 * host-physical address is also a usable pointer. This is the one place that
 * assumption is written down; code converts through these two helpers.
 */
static inline void *hpa_to_ptr(hpa_t a)
{
	return (void *)(uintptr_t)a;
}

static inline hpa_t ptr_to_hpa(const void *p)
{
	return (hpa_t)(uintptr_t)p;
}
#endif
