/* The compute workload (compute_work.h): xorshift32 (Marsaglia, "Xorshift
 * RNGs", 2003) driving multiply/rotate mixing through a 1 KiB table, so
 * both the ALU and the data cache do some work. */
#include "compute_work.h"

static uint32_t rotl32(uint32_t v, unsigned r)
{
	r &= 31;
	return r ? (v << r) | (v >> (32 - r)) : v;
}

uint32_t compute_work(uint32_t iterations)
{
	uint32_t table[256];
	uint32_t x = 0x2545F491u, acc = 0x9E3779B9u;

	for (uint32_t i = 0; i < 256; i++)
		table[i] = i * 0x9E3779B9u ^ 0x85EBCA6Bu;
	for (uint32_t i = 0; i < iterations; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		uint32_t idx = (x ^ acc) & 255;
		uint32_t t = table[idx] * 0xC2B2AE35u + x;
		t = rotl32(t, x >> 27) ^ (t >> 15);
		table[idx] = t + i;
		acc = rotl32(acc, 5) ^ t;
	}
	for (uint32_t i = 0; i < 256; i++)
		acc = rotl32(acc ^ table[i], 7) * 0x01000193u;
	return acc;
}
