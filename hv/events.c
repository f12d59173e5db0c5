/*
 * Event kinds and the report rate limiter (tessera/events.h). Portable.
 */
#include <tessera/events.h>

const char *event_kind_name(enum event_kind k)
{
	static const char *const names[EV_NKINDS] = {
		[EV_MEMORY] = "memory", [EV_PORT] = "port",     [EV_MSR] = "msr",
		[EV_IPI] = "ipi",       [EV_ABSENT] = "absent", [EV_UNSUPPORTED] = "unsupported",
	};

	return (unsigned)k < EV_NKINDS ? names[k] : "?";
}

bool ratelimit_allow(struct ratelimit *r, u64 now, u64 *suppressed)
{
	*suppressed = 0;
	/* A new window: the first report, or the interval has passed (now
	 * before the window's start would be a clock going back: start one). */
	if (!r->started || now < r->window_start || now - r->window_start >= RATELIMIT_INTERVAL_NS) {
		r->started = true;
		r->window_start = now;
		r->printed = 0;
		*suppressed = r->suppressed;
		r->suppressed = 0;
	}
	if (r->printed < RATELIMIT_BURST) {
		r->printed++;
		return true;
	}
	r->suppressed++;
	return false;
}

u64 ratelimit_take_suppressed(struct ratelimit *r)
{
	u64 n = r->suppressed;

	r->suppressed = 0;
	return n;
}
