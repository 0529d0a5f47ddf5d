/* userns-check.c - see userns-check.h.
 *
 * The probe does what the job's set-up does first: a user and a mount
 * namespace, our uid mapped to itself, and one mount (which needs
 * CAP_SYS_ADMIN in the namespace).  AppArmor's restriction lets the unshare
 * succeed and fails only that last step, so a probe that stopped at unshare
 * would call an Ubuntu 24.04 host fine.
 */
#include "userns-check.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

static long read_setting(const char *proc_root, const char *rel)
{
        _cleanup_free_ char *path = NULL, *buf = NULL;
        if (asprintf(&path, "%s/%s", proc_root, rel) < 0)
                return -1;
        if (read_file(path, 64, &buf, NULL) < 0)
                return -1;
        char *end;
        long v = strtol(buf, &end, 10);
        return end == buf ? -1 : v;
}

static int write_all(const char *path, const char *s)
{
        int fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        ssize_t n = write(fd, s, strlen(s));
        int r = n == (ssize_t)strlen(s) ? 0 : n < 0 ? -errno : -EIO;
        close(fd);
        return r;
}

/* In the child: the failed step and its errno go up the pipe as {step, errno}. */
static void probe_child(int wfd)
{
        int msg[2] = {USERNS_STEP_NONE, 0};
        uid_t uid = getuid();
        gid_t gid = getgid();
        char map[64];
        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
                msg[0] = USERNS_STEP_UNSHARE;
                msg[1] = errno;
        } else {
                int r = write_all("/proc/self/setgroups", "deny");
                if (r == 0 || r == -ENOENT) {
                        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
                        r = write_all("/proc/self/uid_map", map);
                }
                if (r == 0) {
                        snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
                        r = write_all("/proc/self/gid_map", map);
                }
                if (r < 0) {
                        msg[0] = USERNS_STEP_MAP;
                        msg[1] = -r;
                } else if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
                        msg[0] = USERNS_STEP_MOUNT;
                        msg[1] = errno;
                }
        }
        (void)!write(wfd, msg, sizeof(msg));
        _exit(0);
}

static int probe(struct userns_report *r)
{
        int p[2];
        if (pipe2(p, O_CLOEXEC) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid < 0) {
                int e = errno;
                close(p[0]);
                close(p[1]);
                return -e;
        }
        if (pid == 0) {
                close(p[0]);
                probe_child(p[1]);
        }
        close(p[1]);
        int msg[2] = {0, 0};
        ssize_t n = read(p[0], msg, sizeof(msg));
        close(p[0]);
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                ;
        if (n != (ssize_t)sizeof(msg))
                return -EIO;
        r->failed_step = (enum userns_step)msg[0];
        r->probe_errno = msg[1];
        return 0;
}

int userns_check(const char *proc_root, bool run_probe, struct userns_report *ret)
{
        if (!proc_root)
                proc_root = "/proc";
        struct userns_report r = {
            .max_user_namespaces = read_setting(proc_root, "sys/user/max_user_namespaces"),
            .apparmor_restrict =
                read_setting(proc_root, "sys/kernel/apparmor_restrict_unprivileged_userns"),
            .unprivileged_userns_clone =
                read_setting(proc_root, "sys/kernel/unprivileged_userns_clone"),
        };
        if (run_probe) {
                int k = probe(&r);
                if (k < 0)
                        return k;
        }
        *ret = r;
        return 0;
}

const char *userns_verdict(const struct userns_report *r, const char **ret_fix)
{
        *ret_fix = NULL;
        if (r->max_user_namespaces == 0) {
                *ret_fix = "sysctl -w user.max_user_namespaces=15000 (and the same in "
                           "/etc/sysctl.d/ to keep it)";
                return "refused: user.max_user_namespaces is 0";
        }
        if (r->unprivileged_userns_clone == 0) {
                *ret_fix = "sysctl -w kernel.unprivileged_userns_clone=1 (and the same in "
                           "/etc/sysctl.d/ to keep it)";
                return "refused: kernel.unprivileged_userns_clone is 0";
        }
        if (r->failed_step == USERNS_STEP_MOUNT && r->apparmor_restrict == 1) {
                *ret_fix = "allow corral in AppArmor: a profile for the corral binary with "
                           "`userns,` (see docs/rootless.md), or sysctl -w "
                           "kernel.apparmor_restrict_unprivileged_userns=0 for the whole host";
                return "refused: AppArmor restricts unprivileged user namespaces "
                       "(kernel.apparmor_restrict_unprivileged_userns=1): a namespace can be "
                       "made but holds no capability";
        }
        switch (r->failed_step) {
        case USERNS_STEP_NONE:
                return "available";
        case USERNS_STEP_UNSHARE:
                if (r->probe_errno == ENOSPC || r->probe_errno == EUSERS) {
                        *ret_fix = "raise user.max_user_namespaces, or end processes holding "
                                   "user namespaces of this user";
                        return "refused: the user namespace limit is reached (ENOSPC)";
                }
                if (r->probe_errno == EPERM) {
                        *ret_fix = "in a container: let it create user namespaces (Docker/Podman: "
                                   "a seccomp profile allowing unshare/clone with CLONE_NEWUSER, "
                                   "e.g. --security-opt seccomp=unconfined; Kubernetes: "
                                   "hostUsers or a profile allowing it), or run corral as root";
                        return "refused: unshare(CLONE_NEWUSER) is not permitted (EPERM) with "
                               "every sysctl open: a seccomp filter or a security module of "
                               "the container or host refuses it";
                }
                *ret_fix = "see docs/rootless.md";
                return "refused: unshare(CLONE_NEWUSER) failed";
        case USERNS_STEP_MAP:
                *ret_fix = "see docs/rootless.md (a security module refuses writing uid_map)";
                return "refused: the namespace's uid map cannot be written";
        case USERNS_STEP_MOUNT:
                *ret_fix = "a security module (AppArmor, SELinux) denies capabilities in user "
                           "namespaces: allow them for corral (docs/rootless.md)";
                return "refused: a mount inside the new user namespace is denied";
        }
        return "unknown";
}

const char *userns_refusal_hint(void)
{
        return geteuid() == 0 ? ""
                              : "; this host refuses the user namespace the sandbox needs: "
                                "`corral doctor` names the cause and the fix (docs/rootless.md); "
                                "corral does not run the job in a weaker sandbox";
}
