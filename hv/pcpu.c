/*
 * The table of physical CPUs (see tessera/pcpu.h).
 */
#include <tessera/pcpu.h>

struct pcpu pcpus[MAX_CPUS];
unsigned pcpu_count;

const char *pcpu_state_name(enum pcpu_state s)
{
	switch (s) {
	case PCPU_ABSENT:
		return "absent";
	case PCPU_OFFLINE:
		return "offline";
	case PCPU_STARTING:
		return "starting";
	case PCPU_ALIVE:
		return "alive";
	case PCPU_ONLINE:
		return "online";
	case PCPU_FAILED:
		return "failed";
	}
	return "?";
}
