/* cgroup-usage.h - what a running job's group uses now, read from outside the
 * job (status displays, `corral metrics`, the progress bar): found from a
 * process of the job through /proc/PID/cgroup, so no group is opened or
 * created.  Returns >= 0 or -errno; does not log.
 */
#pragma once

#include "cgroup.h"

#include <stdint.h>
#include <sys/types.h>

/* Memory in use (v1 memory.usage_in_bytes, v2 memory.current) of the memory
 * group of the job whose recorded pid is pid (its main process, or its init:
 * then the group of the init's children), under the hierarchy layout l
 * describes.  -ENOENT when the job is gone or has no memory group; -EPERM when
 * that group is a hierarchy's root (the figure would be the whole host's). */
int cg_pid_memory_current(const struct cg_layout *l, pid_t pid, uint64_t *ret);
