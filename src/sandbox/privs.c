/* privs.c - privilege drop and resource limits for the job's child; see privs.h. */
#include "privs.h"
#include "child.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int privs_cap_last(void)
{
        uint64_t v;
        if (read_u64_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &v) < 0 || v > 63)
                return 40;
        return (int)v;
}

int privs_drop(const struct privs_spec *p, int *ret_step)
{
        /* Bounding set first: once gone, no exec can bring a capability back. */
        *ret_step = CHILD_STEP_CAPABILITIES;
        for (int cap = 0; cap <= p->cap_last; cap++)
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) {
                        /* EPERM: we are not privileged, so there is nothing to drop. */
                        if (errno == EPERM && !p->switch_user)
                                break;
                        return -errno;
                }
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                return -errno;

        if (p->switch_user) {
                *ret_step = CHILD_STEP_CREDENTIALS;
                /* Supplementary groups first: they need CAP_SETGID, gone after setresuid. */
                if (setgroups(0, NULL) < 0)
                        return -errno;
                if (setresgid(p->gid, p->gid, p->gid) < 0)
                        return -errno;
                if (setresuid(p->uid, p->uid, p->uid) < 0)
                        return -errno;
        }

        /* Effective, permitted, inheritable: all empty (setresuid away from 0
         * already cleared them; explicit for the uid-0 and non-root cases). */
        *ret_step = CHILD_STEP_CAPABILITIES;
        struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
        struct __user_cap_data_struct data[2] = {{0}};
        if (syscall(SYS_capset, &hdr, data) < 0)
                return -errno;

        /* no_new_privs: setuid binaries and file capabilities stop working. */
        *ret_step = CHILD_STEP_NO_NEW_PRIVS;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                return -errno;
        return 0;
}

static int set_limit(int resource, rlim_t v)
{
        struct rlimit rl = {.rlim_cur = v, .rlim_max = v};
        return setrlimit(resource, &rl) < 0 ? -errno : 0;
}

int rlimits_apply(const struct job_rlimits *r)
{
        /* No core dumps: a crashing job must not write its memory to disk. */
        int e = set_limit(RLIMIT_CORE, 0);
        if (e < 0)
                return e;
        const struct {
                int resource;
                rlim_t value;
        } limits[] = {
            {RLIMIT_NOFILE, r->nofile}, {RLIMIT_FSIZE, r->fsize}, {RLIMIT_AS, r->as},
            {RLIMIT_STACK, r->stack},   {RLIMIT_CPU, r->cpu},
        };
        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                if (!limits[i].value)
                        continue;
                e = set_limit(limits[i].resource, limits[i].value);
                if (e < 0)
                        return e;
        }
        return 0;
}
