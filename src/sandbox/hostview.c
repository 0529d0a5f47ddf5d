/* hostview.c - see hostview.h. */
#include "hostview.h"

#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

void hostview_decide(struct hostview *v, bool privileged)
{
        /* Namespaces need CAP_SYS_ADMIN: as root every job gets its own PID and
         * IPC namespace, whatever its mounts; without root there is none to
         * make (the private mount view is then refused by mountns_apply). */
        v->own_pids = privileged;
        v->own_ipc = privileged;
        v->mounts = (struct mountns_spec){
            .enabled = v->private_mounts,
            .network_off = v->network == HOSTVIEW_NETWORK_NONE,
            .workdir = v->workdir,
            .writable = v->writable,
        };
}

int hostview_parse_network(const char *s, enum hostview_network *ret)
{
        if (strcmp(s, "host") == 0)
                *ret = HOSTVIEW_NETWORK_HOST;
        else if (strcmp(s, "none") == 0)
                *ret = HOSTVIEW_NETWORK_NONE;
        else
                return -EINVAL;
        return 0;
}

const char *hostview_network_to_string(enum hostview_network n)
{
        return n == HOSTVIEW_NETWORK_NONE ? "none" : "host";
}

unsigned long long hostview_clone_flags(const struct hostview *v)
{
        return (v->own_pids ? CLONE_NEWPID : 0) | (v->own_ipc ? CLONE_NEWIPC : 0);
}

/* The job's /proc shows its own PID namespace only: other jobs, their
 * supervisors (whose command lines name tenants and ids) and corral are not
 * there.  The host's /proc is detached first, submounts and all. */
static int fresh_proc(void)
{
        if (umount2("/proc", MNT_DETACH) < 0 && errno != EINVAL)
                return -errno;
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
                return -errno;
        return 0;
}

int hostview_apply_root(const struct hostview *v)
{
        int r = mountns_apply(&v->mounts);
        if (r < 0)
                return r;
        if (!v->own_pids)
                return 0;
        if (!v->mounts.enabled) {
                /* --mounts host: the host's mounts as they are, but /proc must be
                 * the job's, and replacing it must not reach the host. */
                if (unshare(CLONE_NEWNS) < 0)
                        return -errno;
                if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
                        return -errno;
        }
        return fresh_proc();
}

int hostview_apply_user(const struct hostview *v)
{
        const char *cwd = v->cwd ? v->cwd : v->workdir;
        if (cwd && chdir(cwd) < 0)
                return -errno;
        return 0;
}
