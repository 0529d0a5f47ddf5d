/* cgroup-usage.c - the memory a job's group uses now, found from one of its
 * processes (see cgroup-usage.h). */
#include "cgroup-usage.h"
#include "cleanup.h"
#include "fileio.h"
#include "procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The group path of pid in the memory hierarchy: "N:memory,...:/path" on v1,
 * "0::/path" on v2. */
static int memory_group_of(const struct cg_layout *l, pid_t pid, char *buf, size_t len)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
        _cleanup_free_ char *text = NULL;
        size_t n;
        int r = read_file_at(AT_FDCWD, path, 64 * 1024, &text, &n);
        if (r < 0)
                return r == -EACCES ? r : -ENOENT;
        for (char *line = text, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                char *c1 = strchr(line, ':');
                char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
                if (!c2)
                        continue;
                *c2 = 0;
                const char *ctrls = c1 + 1, *group = c2 + 1;
                bool match = false;
                if (l->version == CG_V2)
                        match = *ctrls == 0;
                else
                        for (char *save = NULL, *t = strtok_r((char *)ctrls, ",", &save); t;
                             t = strtok_r(NULL, ",", &save))
                                match |= strcmp(t, "memory") == 0;
                if (!match)
                        continue;
                if (strcmp(group, "/") == 0)
                        return -EPERM;
                if (snprintf(buf, len, "%s", group) >= (int)len)
                        return -ENAMETOOLONG;
                return 0;
        }
        return -ENOENT;
}

/* The process whose group is the job's.  A job's recorded pid is its init
 * where it has one, and on v1 the init stays out of the job's group
 * (child.h): the group is then its children's (the job's main process, and
 * what was left to the init).  An init without a child has no job left to
 * measure. */
static int job_process_of(pid_t pid, pid_t *ret)
{
        if (!proc_is_namespace_init(pid)) {
                *ret = pid;
                return 0;
        }
        return proc_first_child(pid, ret);
}

int cg_pid_memory_current(const struct cg_layout *l, pid_t pid, uint64_t *ret)
{
        if (pid <= 0 || job_process_of(pid, &pid) < 0)
                return -ENOENT;
        const char *mount = l->version == CG_V2 ? l->v2_mount : l->v1_mount[CG_MEMORY];
        if (!mount)
                return -ENOENT;
        char group[2048], dir[4096];
        int r = memory_group_of(l, pid, group, sizeof(group));
        if (r < 0)
                return r;
        if (snprintf(dir, sizeof(dir), "%s%s", mount, group) >= (int)sizeof(dir))
                return -ENAMETOOLONG;
        _cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd < 0)
                return -errno;
        return read_u64_at(dfd, l->version == CG_V2 ? "memory.current" : "memory.usage_in_bytes",
                           ret);
}
