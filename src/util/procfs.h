/* procfs.h - facts about processes from /proc.
 *
 * A pid alone does not name a process (pids are reused); a pid plus its start
 * time (field 22 of /proc/PID/stat, clock ticks since boot) does.  Every record
 * that names a process stores both, and every liveness check compares both.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* Start time of pid in clock ticks since boot; -ESRCH when there is no such process. */
int proc_starttime(pid_t pid, uint64_t *ret);

/* True when pid exists, is not a zombie, and started at starttime. */
bool proc_alive(pid_t pid, uint64_t starttime);

/* The first child of pid (/proc/PID/task/PID/children: pid's own thread,
 * which is the whole process when it has one); -ESRCH when it has none. */
int proc_first_child(pid_t pid, pid_t *ret);

/* True when pid is PID 1 of a PID namespace of its own (a job's init). */
bool proc_is_namespace_init(pid_t pid);

/* Number of online CPUs (at least 1). */
unsigned proc_ncpus(void);
