/*
 * The partition state table (tessera/lifecycle.h). Portable: the host
 * tests check every pair of states against it.
 */
#include <tessera/lifecycle.h>

#define TO(s) PART_SET(s)

/* legal[from]: the states a partition may go to from there. */
static const u32 legal[PART_NSTATES] = {
	[PART_STOPPED] = TO(PART_RUNNING) | TO(PART_FAILED),
	[PART_RUNNING] = TO(PART_PAUSED) | TO(PART_STOPPING) | TO(PART_FAILED),
	[PART_PAUSED] = TO(PART_RUNNING) | TO(PART_STOPPING) | TO(PART_FAILED),
	[PART_STOPPING] = TO(PART_STOPPED) | TO(PART_FAILED),
	[PART_FAILED] = TO(PART_STOPPED) | TO(PART_RUNNING),
};

bool partition_state_legal(enum partition_state from, enum partition_state to)
{
	if ((unsigned)from >= PART_NSTATES || (unsigned)to >= PART_NSTATES)
		return false;
	return legal[from] & TO(to);
}

const char *partition_state_name(enum partition_state s)
{
	static const char *const names[PART_NSTATES] = {
		[PART_STOPPED] = "STOPPED", [PART_RUNNING] = "RUNNING",
		[PART_PAUSED] = "PAUSED",   [PART_STOPPING] = "STOPPING",
		[PART_FAILED] = "FAILED",
	};

	return (unsigned)s < PART_NSTATES ? names[s] : "?";
}
