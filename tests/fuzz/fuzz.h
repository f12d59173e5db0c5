/*
 * What every libFuzzer harness in tests/fuzz shares: the entry point's
 * prototype, a check that aborts (so libFuzzer records the input as a
 * crash), and a reader that takes little-endian values off the front of
 * the input, giving zeros once it runs out (so every input is valid and
 * short ones mean "the rest is zero").
 */
#ifndef TESSERA_FUZZ_H
#define TESSERA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tessera/types.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: a failure is a finding. */
#define FUZZ_CHECK(c)                                                                      \
	do {                                                                               \
		if (!(c)) {                                                                \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,         \
				__LINE__, #c);                                             \
			abort();                                                           \
		}                                                                          \
	} while (0)

struct fuzz_in {
	const u8 *p;
	size_t n;
};

static inline struct fuzz_in fuzz_in(const u8 *data, size_t size)
{
	return (struct fuzz_in){ data, size };
}

static inline bool fuzz_more(const struct fuzz_in *in)
{
	return in->n > 0;
}

static inline u8 fuzz_u8(struct fuzz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline u64 fuzz_bytes_le(struct fuzz_in *in, unsigned n)
{
	u64 v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (u64)fuzz_u8(in) << (8 * i);
	return v;
}

static inline u16 fuzz_u16(struct fuzz_in *in)
{
	return (u16)fuzz_bytes_le(in, 2);
}

static inline u32 fuzz_u32(struct fuzz_in *in)
{
	return (u32)fuzz_bytes_le(in, 4);
}

static inline u64 fuzz_u64(struct fuzz_in *in)
{
	return fuzz_bytes_le(in, 8);
}

/*
 * A time step for the device models that take now_ns: one byte picks the
 * unit (nanoseconds up to seconds), two more the count, so that a short
 * input can cover microsecond polls and hour-long gaps alike.
 */
static inline u64 fuzz_time_step(struct fuzz_in *in)
{
	static const u64 unit[4] = { 1, 1000, 1000000, 1000000000 };
	u8 u = fuzz_u8(in);

	return (u64)fuzz_u16(in) * unit[u & 3];
}

/* An access size of 1, 2 or 4 bytes, or (rarely) a bad one, from 3 bits. */
static inline unsigned fuzz_io_size(u8 b)
{
	static const unsigned size[8] = { 1, 2, 4, 1, 2, 4, 3, 8 };

	return size[b & 7];
}

#endif
