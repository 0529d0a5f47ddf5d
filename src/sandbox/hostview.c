/* hostview.c - see hostview.h. */
#include "hostview.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

/* "/" is no home to hide, and /tmp or /dev/shm as a home (a test account's,
 * or a service's) is the shared temporary directory, fresh for the job
 * anyway: covering it would only make it read-only. */
static bool hideable(const char *dir)
{
        return dir && dir[0] == '/' && strcmp(dir, "/") != 0 && strcmp(dir, "/tmp") != 0 &&
               strcmp(dir, "/dev/shm") != 0;
}

/* Threat: a job of an ordinary user reading that user's secrets (~/.ssh,
 * tokens, browser profiles): the read-only view stops writes, not reads.
 * Without root the user's home is not the job's: the job's $HOME is its
 * work directory, and --expose brings back what it needs.  Root's jobs run
 * as uids of their own, which /root (0700) already keeps out. */
static void decide_hidden_home(struct hostview *v, bool privileged)
{
        size_t n = 0;
        memset(v->hide, 0, sizeof(v->hide));
        if (privileged || !v->private_mounts)
                return;
        const char *env = getenv("HOME");
        if (hideable(env))
                v->hide[n++] = env;
        struct passwd *pw = getpwuid(getuid());
        if (pw && hideable(pw->pw_dir) && (!env || strcmp(env, pw->pw_dir) != 0) &&
            strlen(pw->pw_dir) < sizeof(v->home_pw)) {
                memcpy(v->home_pw, pw->pw_dir, strlen(pw->pw_dir) + 1);
                v->hide[n++] = v->home_pw;
        }
}

void hostview_decide(struct hostview *v, bool privileged)
{
        /* Namespaces need CAP_SYS_ADMIN: as root every job gets its own PID and
         * IPC namespace, whatever its mounts.  Without root, a private view is
         * built in a user namespace of the job's own (where the kernel allows
         * one); with the host's mounts it shares corral's namespaces. */
        v->own_user = !privileged && v->private_mounts;
        v->own_pids = privileged || v->own_user;
        v->own_ipc = privileged || v->own_user;
        v->outer_uid = geteuid();
        v->outer_gid = getegid();
        decide_hidden_home(v, privileged);
        v->mounts = (struct mountns_spec){
            .hide = v->hide,
            .expose = v->expose,
            .enabled = v->private_mounts,
            .minimal = v->private_mounts && v->minimal_mounts,
            .tmp_noexec = v->tmp_noexec,
            .network_off = v->network == HOSTVIEW_NETWORK_NONE,
            .workdir = v->workdir,
            .writable = v->writable,
        };
}

void hostview_use_subid(struct hostview *v, uid_t sub_uid, gid_t sub_gid, const char *lockdir)
{
        v->subid = v->own_user;
        v->sub_uid = sub_uid;
        v->sub_gid = sub_gid;
        v->subid_lockdir = lockdir;
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
        /* CLONE_NEWUSER first in effect: the other namespaces are then owned
         * by the new user namespace, where the child holds every capability.
         * Only what must exist at clone: the IPC namespace is the child's to
         * make (hostview_apply_root), while its parent makes its cgroup. */
        return (v->own_user ? CLONE_NEWUSER : 0) | (v->own_pids ? CLONE_NEWPID : 0);
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

/* Writes text to a /proc/self file; async-signal-safe. */
static int write_proc(const char *path, const char *text)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        size_t n = strlen(text);
        ssize_t w = write(fd, text, n);
        int e = errno;
        close(fd);
        return w == (ssize_t)n ? 0 : -(w < 0 ? e : EIO);
}

/* "ID ID 1\n" without snprintf (async-signal-safe). */
static void id_map_line(unsigned id, char buf[40])
{
        char digits[12];
        int n = 0;
        do
                digits[n++] = (char)('0' + id % 10);
        while ((id /= 10) && n < (int)sizeof(digits));
        size_t k = 0;
        for (int rep = 0; rep < 2; rep++) {
                for (int i = n - 1; i >= 0; i--)
                        buf[k++] = digits[i];
                buf[k++] = ' ';
        }
        buf[k++] = '1';
        buf[k++] = '\n';
        buf[k] = 0;
}

/* Delegated mode: the new user namespace maps corral's own uid and gid to
 * themselves and nothing else (setgroups denied first, as an unprivileged
 * gid_map requires): files keep their owners, and nobody else's uid exists
 * there. */
static int map_own_ids(const struct hostview *v)
{
        char line[40];
        int r = write_proc("/proc/self/setgroups", "deny");
        if (r < 0 && r != -ENOENT)
                return r;
        id_map_line((unsigned)v->outer_gid, line);
        if ((r = write_proc("/proc/self/gid_map", line)) < 0)
                return r;
        id_map_line((unsigned)v->outer_uid, line);
        return write_proc("/proc/self/uid_map", line);
}

int hostview_apply_root(const struct hostview *v)
{
        int r;
        /* With a subordinate id, the maps were written from outside before
         * this child went on (child.c): an unprivileged process may map
         * only its own ids itself. */
        if (v->own_user && !v->subid && (r = map_own_ids(v)) < 0)
                return r;
        /* SysV IPC objects and POSIX message queues of the job's own, owned
         * by its user namespace where it has one.  Made here rather than at
         * clone: 0.06 ms off the launch's path (docs/performance.md). */
        if (v->own_ipc && unshare(CLONE_NEWIPC) < 0)
                return -errno;
        r = mountns_apply(&v->mounts);
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
