/*
 * The states of a partition and the transitions between them: one table,
 * portable and host-tested (tests/unit/test_lifecycle.c). partition.c
 * changes p->state only through partition_transition(), which consults
 * this table; a transition the table does not allow is a hypervisor bug.
 *
 *               start: kernel loaded, every vCPU asked to start
 *     +------------------------------------------------------+
 *     |                                                      v
 *  STOPPED <-- last vCPU --- STOPPING <-- stop, exit, --- RUNNING
 *   ^  |        left            |          poweroff,       |   ^
 *   |  |   (after a reboot the  |          reboot     pause|   |resume
 *   |  |    supervisor starts   |             ^            v   |
 *   |  |    it again)           |             +-------- PAUSED
 *   |  | start                  | did not stop               |
 *   |  | failed                 | in time                    |
 *   |  v                        v                            |
 *   +- FAILED <------------------------- fault (RUNNING, PAUSED, STOPPING)
 * stop    |
 * (ack)   +---- start, restart, on_crash = restart ----> RUNNING
 *
 * In words:
 *   STOPPED  -> RUNNING   start: the kernel is loaded, every vCPU asked
 *                         to start (vCPU 0 boots, APs wait for a SIPI)
 *   STOPPED  -> FAILED    the start failed (kernel missing or malformed)
 *   RUNNING  -> PAUSED    pause: every vCPU held in the hypervisor
 *   PAUSED   -> RUNNING   resume
 *   RUNNING,
 *   PAUSED   -> STOPPING  stop (console), exit (HC_EXIT), poweroff (ACPI
 *                         S5), reboot (ACPI reset): every vCPU asked to
 *                         leave guest mode
 *   STOPPING -> STOPPED   the last vCPU left guest mode; a reboot then
 *                         starts it again (console_supervise)
 *   RUNNING,
 *   PAUSED,
 *   STOPPING -> FAILED    the guest faulted (triple fault, violation with
 *                         violations = stop, failed VM entry), or a stop
 *                         did not complete in time ("vcpu N did not stop
 *                         within T ms")
 *   FAILED   -> STOPPED   console stop of a failed partition (no restart)
 *   FAILED   -> RUNNING   start, restart, on_crash = restart
 * restart is stop (if running) then start. Nothing else is allowed, not
 * even a state to itself: callers say which states they act on.
 */
#ifndef TESSERA_LIFECYCLE_H
#define TESSERA_LIFECYCLE_H

#include <tessera/types.h>

enum partition_state {
	PART_STOPPED = 0, /* no vCPU runs; ready to start */
	PART_RUNNING,     /* its vCPUs run its guest */
	PART_PAUSED,      /* every vCPU that ran is held in the hypervisor */
	PART_STOPPING,    /* its vCPUs were asked to leave guest mode */
	PART_FAILED,      /* stopped because of a fault; p->last_fault says why */
	PART_NSTATES
};

/* A set of states, for "act only if the partition is in one of these". */
#define PART_SET(s) (1u << (s))
#define PART_SET_ACTIVE (PART_SET(PART_RUNNING) | PART_SET(PART_PAUSED))

/* Is from -> to one of the transitions above? */
bool partition_state_legal(enum partition_state from, enum partition_state to);
const char *partition_state_name(enum partition_state s);

#endif
