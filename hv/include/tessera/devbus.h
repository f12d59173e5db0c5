/*
 * A partition's device bus: every virtual device registers the I/O ports
 * or MMIO ranges it answers, and every I/O or MMIO exit of every backend
 * is dispatched through one lookup here, so the exit path has no chain of
 * "if this port and that format". What is not on the bus is not the
 * guest's: the caller reports it (a denied port, an absent device).
 *
 * Portable and host-tested (tests/unit/test_devbus.c). The bus is built
 * when the partition is created and never changes after, so lookups need
 * no lock; each device takes its own lock (tessera/partition.h, lock map).
 *
 * Cf. the `Bus` of Firecracker's and cloud-hypervisor's vm-device crate,
 * and Jailhouse's mmio_region_register(): a sorted table of ranges.
 */
#ifndef TESSERA_DEVBUS_H
#define TESSERA_DEVBUS_H

#include <tessera/types.h>

enum bus_space {
	BUS_PIO,  /* I/O ports: 0 .. 0xffff */
	BUS_MMIO, /* guest-physical addresses */
	BUS_SPACES
};

/* One access, as the backend decoded it from its exit. */
struct bus_access {
	u64 addr;      /* the port or guest-physical address */
	u64 offset;    /* from the start of the device's range */
	unsigned size; /* 1, 2, 4 or 8 bytes */
	bool write;
	u64 value;     /* in for a write; out for a read (the device fills it) */
};

/* A device's handler. ctx is what the device registered. The bus has
 * already checked that the whole access lies inside the range. */
typedef void (*bus_handler)(void *ctx, void *caller, struct bus_access *a);

struct bus_range {
	enum bus_space space;
	u64 base, len;
	bus_handler handler;
	void *ctx;
	const char *name; /* for `info` and the docs: "vuart", "vpic" ... */
};

#define DEVBUS_MAX_RANGES 24

struct devbus {
	/* Sorted by base within each space; no two ranges of a space overlap. */
	struct bus_range r[DEVBUS_MAX_RANGES];
	unsigned n;
};

void devbus_init(struct devbus *b);

/* Add a range. False, with why, if it is empty, wraps, overlaps a range
 * already there, or the table is full: a hypervisor bug at partition
 * creation, never a guest's doing. */
bool devbus_add(struct devbus *b, const struct bus_range *r, char *why, size_t n);

/* The range that holds the whole access [addr, addr + size), or NULL if
 * none does (an access that straddles two ranges, or hangs over the end
 * of one, belongs to neither). */
const struct bus_range *devbus_find(const struct devbus *b, enum bus_space space, u64 addr,
				    unsigned size);

/* Dispatch: find the range and call its handler with addr and offset
 * filled in. False if nothing is there; then a read's value is left as
 * it was. */
bool devbus_access(const struct devbus *b, enum bus_space space, u64 addr, void *caller,
		   struct bus_access *a);

#endif
