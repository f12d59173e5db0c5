/*
 * Little-endian reads of fields that may lie at any byte offset (a
 * Multiboot header in a kernel file, an ACPI table entry): memcpy, which
 * the compiler turns into one load, and never an unaligned pointer cast,
 * which C does not allow. x86 is little-endian, as both formats are.
 */
#ifndef TESSERA_UNALIGNED_H
#define TESSERA_UNALIGNED_H

#include <tessera/string.h>
#include <tessera/types.h>

static inline u16 rd16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u32 rd32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline u64 rd64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

#endif
