/*
 * What a partition tried that the hypervisor refused or could not serve,
 * counted by kind, and reported at a bounded rate so that a guest looping
 * on a denied port cannot flood the log (partition_event()). Reports that
 * change a partition's state (partition_fail) never go through here: they
 * are never suppressed. The rate limiter is portable and host-tested.
 */
#ifndef TESSERA_EVENTS_H
#define TESSERA_EVENTS_H

#include <tessera/types.h>

enum event_kind {
	EV_MEMORY,      /* access outside its memory (violations = report) */
	EV_PORT,        /* a denied I/O port */
	EV_MSR,         /* a denied RDMSR or WRMSR (#GP) */
	EV_IPI,         /* an IPI dropped: outside the partition, or not supported */
	EV_ABSENT,      /* a port with no device (Linux probing: not a violation) */
	EV_UNSUPPORTED, /* something Tessera does not offer (a sleep state, INIT) */
	EV_NKINDS
};

#define EV_BIT(k) (1u << (k)) /* a set of kinds */

/* "memory", "port", ...: the word info and stats print. */
const char *event_kind_name(enum event_kind k);

/* At most RATELIMIT_BURST reports of one kind per RATELIMIT_INTERVAL_NS;
 * the rest are counted, and said as one line when reports resume. */
#define RATELIMIT_BURST 32
#define RATELIMIT_INTERVAL_NS (5000ull * 1000 * 1000)

struct ratelimit {
	bool started;
	u64 window_start; /* ns */
	u32 printed;      /* in this window */
	u64 suppressed;   /* since the last report that printed */
};

/* May a report at time now print? *suppressed gets how many were held
 * back since the last one that did, when this one opens a new window
 * (the caller says so first), else 0. */
bool ratelimit_allow(struct ratelimit *r, u64 now, u64 *suppressed);
/* Reports held back and not yet said; forgets them. */
u64 ratelimit_take_suppressed(struct ratelimit *r);

#endif
