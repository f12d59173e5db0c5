/*
 * A test-and-set spinlock on the compiler's atomic builtins (GCC manual,
 * "__atomic Builtins"): acquire on lock, release on unlock. Portable, so the
 * code that uses it also compiles on the host.
 */
#ifndef TESSERA_SPINLOCK_H
#define TESSERA_SPINLOCK_H

#include <tessera/types.h>

typedef struct {
	volatile bool locked;
} spinlock_t;

#define SPINLOCK_INIT { false }

static inline bool spin_trylock(spinlock_t *l)
{
	return !__atomic_test_and_set(&l->locked, __ATOMIC_ACQUIRE);
}

static inline void spin_lock(spinlock_t *l)
{
	while (!spin_trylock(l))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__builtin_ia32_pause();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_clear(&l->locked, __ATOMIC_RELEASE);
}

#endif
