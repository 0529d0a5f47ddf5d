/* child.c - the job process's road from clone to execve.
 *
 * Theory of operation.  The parent (a supervisor or `corral run`) prepares
 * everything that allocates or can fail slowly: the resolved executable,
 * argv/envp, the compiled seccomp program, and on cgroup v2 the cgroup and
 * its fds.  It then clones.  On v2 clone3(CLONE_INTO_CGROUP) starts the child
 * inside its group, so not one instruction of the job runs uncharged.  On v1
 * the child joins its groups itself (a thread moving itself is cheap there:
 * cgroup-v1.c), so the parent makes them while the child builds its
 * namespaces and mounts (spec->make_group: two CPUs at once) and sends their
 * fds over a socket; the job's process joins first thing, before anything of
 * the job runs, and the init (which only waits) stays in corral's groups.
 * The child runs a short fixed pipeline, each step only async-signal-safe
 * calls:
 *
 *   [cgroup, when made before the clone] -> session -> [with a subordinate
 *          id: wait until the parent has mapped it] -> namespaces
 *          (hostview_apply_root)
 *          [as root: the process is PID 1 of the job's new PID and IPC
 *           namespaces; it forks the job and stays as its init, init_run()]
 *   job:   [cgroup, when made meanwhile: its fds come over a socket]
 *          -> stdio -> fds -> rlimits -> capabilities (bounding, ambient)
 *          -> credentials (groups, gid, uid) -> capabilities (E/P/I)
 *          -> no_new_privs -> cwd (hostview_apply_user) -> seccomp -> exec
 *
 * The working directory is entered after the privilege drop: what the job may
 * reach depends on who it is, never on where corral happened to start it.
 * The privilege order is the brief's (privs.h says why); seccomp comes last
 * because the filter may deny the very calls the earlier steps make, and the
 * pre-built program only needs to be installed, not compiled, here.
 *
 * Any failing step writes {step, errno} to a close-on-exec pipe and _exits.
 * The parent reads that pipe: EOF without data means execve succeeded.
 *
 * seccomp in notify mode (spec->policy; docs/decisions/seccomp-denials.md)
 * adds one exchange on that pipe: the child announces the fd number its
 * listener will get, installs the filter, and blocks in a marker syscall; the
 * parent copies the listener out of the child (pidfd_getfd), answers the
 * marker, and only then lets the child exec.  The caller keeps the listener
 * and must answer it while the job runs (runner.c).
 */
#include "child.h"
#include "cgroup.h"
#include "cleanup.h"
#include "fdpass.h"
#include "hostview.h"
#include "policy.h"
#include "privs.h"
#include "procfs.h"
#include "subid.h"
#include "vclone.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const step_names[_CHILD_STEP_MAX] = {
    [CHILD_STEP_NONE] = "none",
    [CHILD_STEP_CGROUP] = "join the job's cgroup",
    [CHILD_STEP_SESSION] = "start a new session",
    [CHILD_STEP_STDIO] = "set up stdin/stdout/stderr",
    [CHILD_STEP_FDS] = "close inherited file descriptors",
    [CHILD_STEP_CWD] = "change to the working directory",
    [CHILD_STEP_RLIMITS] = "set resource limits",
    [CHILD_STEP_CREDENTIALS] = "switch to the job's user and group",
    [CHILD_STEP_CAPABILITIES] = "drop capabilities",
    [CHILD_STEP_NO_NEW_PRIVS] = "set no_new_privs",
    [CHILD_STEP_SECCOMP] = "install the seccomp filter",
    [CHILD_STEP_EXEC] = "execute the command",
    [CHILD_STEP_LISTENER] = "hand the seccomp listener to corral",
    [CHILD_STEP_NAMESPACES] = "set up the job's namespaces",
    [CHILD_STEP_INIT] = "start the job under its init",
    [CHILD_STEP_SUBID] = "map the job's subordinate id with newuidmap/newgidmap",
    /* Parenthesized: one string split over two lines, not two elements. */
    [CHILD_STEP_SUBID_ACCESS] =
        ("grant the job's subordinate id its work directory, --writable and --expose paths "
         "(POSIX ACLs: each must be your own, on a file system with ACLs)"),
};

const char *child_step_to_string(enum child_step s)
{
        return s < _CHILD_STEP_MAX ? step_names[s] : "unknown step";
}

struct step_report {
        int step;
        int err;
};

static _Noreturn void fail(int report_fd, enum child_step step, int err)
{
        struct step_report rep = {.step = step, .err = err > 0 ? err : EIO};
        ssize_t n = write(report_fd, &rep, sizeof(rep));
        (void)n;
        _exit(127);
}

static int move_fd(int from, int to)
{
        if (from < 0 || from == to)
                return 0;
        return dup2(from, to) < 0 ? -errno : 0;
}

/* Notify mode, in the child (docs/decisions/seccomp-denials.md).  The parent
 * learns the listener's fd number BEFORE the install: after it, writing to the
 * report pipe is itself filtered.  The number is the lowest free one (what
 * dup() returns), and nothing allocates an fd between the probe and the
 * install, so the listener gets exactly that number.  The marker then blocks
 * until the parent holds its copy; only then is exec (and the job) allowed to
 * run, so no denied syscall of the job can happen while nobody listens. */
static void install_notify(const struct sock_fprog *prog, int report_fd)
{
        int probe = dup(2);
        if (probe < 0)
                fail(report_fd, CHILD_STEP_SECCOMP, errno);
        close(probe);
        struct step_report rep = {.step = CHILD_STEP_LISTENER, .err = probe};
        if (write(report_fd, &rep, sizeof(rep)) != (ssize_t)sizeof(rep))
                fail(report_fd, CHILD_STEP_LISTENER, errno ? errno : EIO);
        int fd = policy_install(prog, SECCOMP_FILTER_FLAG_NEW_LISTENER);
        if (fd < 0)
                fail(report_fd, CHILD_STEP_SECCOMP, -fd);
        if (fd != probe)
                fail(report_fd, CHILD_STEP_LISTENER, EBADFD);
        int r = policy_notify_marker();
        if (r < 0)
                fail(report_fd, CHILD_STEP_LISTENER, -r);
        /* The listener is O_CLOEXEC (the kernel's choice): the job never holds it. */
}

/* Blocks until the parent writes its one byte on fd (see child_run); its
 * failure or death (EOF) ends the child: the parent reports and reaps. */
static void wait_for_parent(int fd)
{
        char go = 0;
        ssize_t n;
        do
                n = read(fd, &go, 1);
        while (n < 0 && errno == EINTR);
        if (n != 1 || go != 1)
                _exit(127);
        close(fd);
}

/* The job dies with corral, as bubblewrap's --die-with-parent: a corral
 * killed with SIGKILL takes its job along (the init's death ends its whole
 * PID namespace) instead of leaving it running until another corral's sweep,
 * and, under Slurm, outside the step's tracking.  The parent may be gone
 * already: its pidfd, readable once it has exited, says so.  A change of
 * credentials clears the setting: the caller arms it again after one. */
static void die_with_parent(int parent_pidfd)
{
        if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
                _exit(127);
        struct pollfd pf = {.fd = parent_pidfd, .events = POLLIN};
        if (parent_pidfd >= 0 && poll(&pf, 1, 0) != 0)
                _exit(127);
}

_Static_assert(_CG_CONTROLLER_MAX <= FDPASS_MAX, "a group's join fds fit one message");

/* Joins the group the parent made while this process built its namespaces
 * (spec->make_group): its fds come on sock.  EOF: the parent gave up. */
static int join_group_made_meanwhile(int sock)
{
        int fds[FDPASS_MAX];
        char tag;
        int n = fdpass_recv(sock, &tag, fds, FDPASS_MAX);
        close(sock);
        if (n < 0)
                return n;
        int r = cg_join_fds(fds, (size_t)n);
        for (int i = 0; i < n; i++)
                close(fds[i]);
        return r;
}

/* The job's process: from its stdio to execve.  Never returns.  Every step
 * that depends on who the job is (its working directory) comes after the
 * privilege drop: a directory its uid cannot pass stays closed, whatever path
 * leads there (bubblewrap and isolate do the same). */
static _Noreturn void job_run(const struct child_spec *spec, int report_fd, int go_fd, int join_fd,
                              pid_t parent)
{
        int r;
        /* The job's own process joins the group, not its init: the init then
         * never counts in the group, and the group is empty the moment the
         * job's last process has gone, while the init is still tearing its
         * namespaces down (runner.c removes the group meanwhile). */
        if (join_fd >= 0 && (r = join_group_made_meanwhile(join_fd)) < 0)
                fail(report_fd, CHILD_STEP_CGROUP, -r);
        if ((r = move_fd(spec->stdin_fd, 0)) < 0 || (r = move_fd(spec->stdout_fd, 1)) < 0 ||
            (r = move_fd(spec->stderr_fd, 2)) < 0)
                fail(report_fd, CHILD_STEP_STDIO, -r);
        /* The gate (child_run) goes just above the report pipe, the one other
         * fd kept below. */
        if (go_fd >= 0 && go_fd != report_fd + 1) {
                if (dup3(go_fd, report_fd + 1, O_CLOEXEC) < 0)
                        fail(report_fd, CHILD_STEP_FDS, errno);
                go_fd = report_fd + 1;
        }

        /* Nothing of corral's leaks into the job: every fd above 2 but the
         * report pipe (close-on-exec) and the gate is closed, the init's
         * status pipe too. */
        if (report_fd > 3 && syscall(SYS_close_range, 3, report_fd - 1, 0) < 0)
                fail(report_fd, CHILD_STEP_FDS, errno);
        if (syscall(SYS_close_range, report_fd + (go_fd >= 0 ? 2 : 1), ~0U, 0) < 0)
                fail(report_fd, CHILD_STEP_FDS, errno);

        static const struct job_rlimits no_limits;
        r = rlimits_apply(spec->rlimits ? spec->rlimits : &no_limits);
        if (r < 0)
                fail(report_fd, CHILD_STEP_RLIMITS, -r);

        if (spec->privs) {
                int step;
                r = privs_drop(spec->privs, &step);
                if (r < 0)
                        fail(report_fd, (enum child_step)step, -r);
        }
        /* Corral's own child (no init between, no PID namespace: getppid()
         * is corral's pid here): the drop cleared die_with_parent(). */
        if (parent && (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != parent))
                _exit(127);
        /* Switching to a subordinate id cleared the dumpable flag, and until
         * exec this process still has corral's memory, whose owner namespace
         * is the host's: corral could not take the seccomp listener
         * (pidfd_getfd is a ptrace check).  Only corral (the owner of the
         * job's user namespace) and the job's own id could use it, and exec
         * decides the flag anew. */
        if (spec->view && spec->view->subid && prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
                fail(report_fd, CHILD_STEP_CREDENTIALS, errno);

        if (spec->view && (r = hostview_apply_user(spec->view)) < 0)
                fail(report_fd, CHILD_STEP_CWD, -r);
        /* Last before the filter and exec: the parent records the job as
         * running meanwhile, and nothing of the job's own runs before. */
        if (go_fd >= 0)
                wait_for_parent(go_fd);

        const struct sock_fprog *notify = spec->policy ? policy_bpf_notify(spec->policy) : NULL;
        const struct sock_fprog *plain = spec->policy ? NULL : spec->seccomp;
        if (notify || plain) {
                /* seccomp(2) needs no_new_privs or CAP_SYS_ADMIN; set it here too
                 * for the privs == NULL case. */
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        fail(report_fd, CHILD_STEP_NO_NEW_PRIVS, errno);
        }
        if (notify)
                install_notify(notify, report_fd);
        else if (plain && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, plain) < 0)
                fail(report_fd, CHILD_STEP_SECCOMP, errno);

        execve(spec->path, spec->argv, spec->envp);
        fail(report_fd, CHILD_STEP_EXEC, errno);
}

/* The init's command line would be its parent's (a supervisor's names the
 * store, the tenant and the job): the job sees "corral-init" instead.  The
 * argument area is this process's own copy (fork), overwritten in place, as
 * setproctitle does; PR_SET_MM would need CAP_SYS_RESOURCE, which some hosts'
 * root lacks (this build machine's, for one). */
static void hide_cmdline(void)
{
        static const char name[] = "corral-init";
        prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
        char buf[1024];
        int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return;
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return;
        buf[n] = 0;
        /* Fields 48 and 49 (arg_start, arg_end) count from the one after the
         * command name, which may itself hold spaces: start after its ')'. */
        char *p = strrchr(buf, ')');
        unsigned long start = 0, end = 0;
        for (int field = 2; p && *p; p++) {
                if (*p != ' ')
                        continue;
                field++;
                if (field == 48)
                        start = strtoul(p + 1, NULL, 10);
                else if (field == 49) {
                        end = strtoul(p + 1, NULL, 10);
                        break;
                }
        }
        if (!start || end <= start + sizeof(name))
                return;
        memset((void *)start, 0, end - start);
        memcpy((void *)start, name, sizeof(name));
}

/* PID 1 of the job's PID namespace: never runs job code, keeps nothing open
 * but its status pipe, reaps every orphan, and when the job's main process
 * ends relays its wait status and exits, which makes the kernel kill what is
 * left of the namespace.  It stays root in a uid the job does not have, so
 * the job can neither signal nor ptrace it (and as a namespace's init it
 * ignores every signal it has no handler for), and nobody but it holds the
 * pipe's write end: the relayed status cannot be forged by the job. */
static _Noreturn void init_run(pid_t job, int status_fd)
{
        if (status_fd > 0)
                syscall(SYS_close_range, 0, status_fd - 1, 0);
        syscall(SYS_close_range, status_fd + 1, ~0U, 0);
        /* Again: the job's change of credentials, made while it shared this
         * memory (job_clone), set the flag to fs.suid_dumpable's value. */
        prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
        for (;;) {
                int status;
                pid_t p = waitpid(-1, &status, __WALL);
                if (p == job) {
                        ssize_t n = write(status_fd, &status, sizeof(status));
                        _exit(n == (ssize_t)sizeof(status) ? 0 : 1);
                }
                if (p < 0 && errno != EINTR)
                        _exit(1);
        }
}

static char **copy_strv(char *const *v)
{
        size_t n = 0;
        while (v && v[n])
                n++;
        char **c = calloc(n + 1, sizeof(char *));
        for (size_t i = 0; c && i < n; i++)
                if (!(c[i] = strdup(v[i])))
                        return NULL; /* the init fails and exits: nothing to free */
        return c;
}

/* The strings the job's process uses after the init hides its command line
 * (hide_cmdline() overwrites the argument area, where `corral run`'s job
 * arguments live), copied onto the heap: the path, arguments, environment and
 * working directory. */
static int own_strings(struct child_spec *spec, struct hostview *view)
{
        if (!(spec->path = strdup(spec->path)) || !(spec->argv = copy_strv(spec->argv)) ||
            (spec->envp && !(spec->envp = copy_strv(spec->envp))))
                return -ENOMEM;
        if (spec->view && ((view->cwd && !(view->cwd = strdup(view->cwd))) ||
                           (view->workdir && !(view->workdir = strdup(view->workdir)))))
                return -ENOMEM;
        return 0;
}

struct job_args {
        const struct child_spec *spec;
        int report_fd, go_fd, join_fd;
};

static int job_main(void *data)
{
        const struct job_args *a = data;
        job_run(a->spec, a->report_fd, a->go_fd, a->join_fd, 0);
}

/* The init starts the job as posix_spawn starts a program (vclone.h): no
 * page tables copied, none torn down by the exec.  Nothing the job does before
 * its exec can touch the init: credentials, filters, file descriptors and the
 * working directory are per task, and the init, which only waits afterwards,
 * makes itself undumpable again once it resumes. */
static pid_t job_clone(const struct child_spec *spec, int report_fd, int go_fd, int join_fd)
{
        struct job_args a = {spec, report_fd, go_fd, join_fd};
        return vclone(job_main, &a);
}

/* Runs in the child (the job's init when it has a PID namespace); never
 * returns.  status_fd < 0: no init, this process becomes the job.  map_fd
 * >= 0 (a subordinate id): the parent writes one byte there once it has
 * written the namespace's maps; nothing that depends on them runs before.
 * go_fd >= 0 (spec->before_exec): the job's process waits there, just before
 * its filter and exec, until the parent has recorded the job as started.
 * join_fd >= 0 (spec->make_group): the group's fds come there, for the
 * job's process to join (job_run). */
static _Noreturn void child_run(const struct child_spec *spec, int report_fd, int status_fd,
                                int map_fd, int go_fd, int join_fd, const cpu_set_t *affinity,
                                int parent_pidfd, pid_t parent, bool in_cgroup, bool parent_root)
{
        int r;

        die_with_parent(parent_pidfd);
        close(parent_pidfd);

        if (!in_cgroup && spec->group) {
                r = cg_group_enter_self(spec->group);
                if (r < 0)
                        fail(report_fd, CHILD_STEP_CGROUP, -r);
        }
        if (spec->oom_score_adj) {
                /* Raising it needs no privilege; a job that would keep
                 * corral's score could make corral the victim. */
                int fd = open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
                if (fd < 0)
                        fail(report_fd, CHILD_STEP_CGROUP, errno);
                size_t n = strlen(spec->oom_score_adj);
                if (write(fd, spec->oom_score_adj, n) != (ssize_t)n)
                        fail(report_fd, CHILD_STEP_CGROUP, EIO);
                close(fd);
        }

        /* Default signal dispositions: the parent may ignore or block some. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int sig = 1; sig < _NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        signal(sig, SIG_DFL);

        if (spec->new_session && setsid() < 0)
                fail(report_fd, CHILD_STEP_SESSION, errno);

        /* The pipes must survive until exec; lift them above 2 first so the
         * stdio dup2s cannot overwrite them. */
        if (report_fd < 3) {
                int moved = fcntl(report_fd, F_DUPFD_CLOEXEC, 3);
                if (moved < 0)
                        _exit(127);
                report_fd = moved;
        }
        if (status_fd >= 0 && status_fd < 3) {
                int moved = fcntl(status_fd, F_DUPFD_CLOEXEC, 3);
                if (moved < 0)
                        fail(report_fd, CHILD_STEP_FDS, errno);
                status_fd = moved;
        }
        if (go_fd >= 0 && go_fd < 3) {
                int moved = fcntl(go_fd, F_DUPFD_CLOEXEC, 3);
                if (moved < 0)
                        fail(report_fd, CHILD_STEP_FDS, errno);
                go_fd = moved;
        }

        if (map_fd >= 0)
                wait_for_parent(map_fd);

        if (spec->view && (r = hostview_apply_root(spec->view)) < 0)
                fail(report_fd, CHILD_STEP_NAMESPACES, -r);
        /* Back to the CPUs corral had (spread_cpus): the job's own. */
        if (affinity && sched_setaffinity(0, sizeof(*affinity), affinity) < 0)
                fail(report_fd, CHILD_STEP_CGROUP, errno);

        if (status_fd < 0)
                job_run(spec, report_fd, go_fd, join_fd, parent);
        pid_t job;
        if (parent_root) {
                /* The init's command line goes before the job can read
                 * /proc/1: the job shares the init's memory until its exec
                 * (job_clone), so what it still needs from that memory is
                 * copied out of it first. */
                struct child_spec own = *spec;
                struct hostview view;
                if (spec->view) {
                        view = *spec->view;
                        own.view = &view;
                }
                if (own_strings(&own, &view) < 0)
                        fail(report_fd, CHILD_STEP_INIT, ENOMEM);
                prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
                hide_cmdline();
                job = job_clone(&own, report_fd, go_fd, join_fd);
        } else {
                /* Without root, corral takes the job's listener as its
                 * owner, which needs the job's memory dumpable: the job gets
                 * a copy of its own, and the init's stays undumpable.  A
                 * bare clone, not fork(): no atfork handlers or locks. */
                job = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
                if (job == 0)
                        job_run(spec, report_fd, go_fd, join_fd, 0);
                if (job < 0)
                        job = -errno;
                prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
                hide_cmdline();
        }
        if (job < 0)
                fail(report_fd, CHILD_STEP_INIT, -job);
        init_run(job, status_fd);
}

/* True when fd is a seccomp listener (and not whatever else the child might
 * have had at that number). */
static bool is_listener(int fd)
{
        char path[64], target[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        if (n < 0)
                return false;
        target[n] = 0;
        return strcmp(target, "anon_inode:seccomp notify") == 0;
}

/* Parent side of the hand-over: copies the child's listener (number nr) as soon
 * as the child has installed its filter, and answers its marker.  Returns 0 and
 * *ret, -EPIPE when the child wrote a failure report instead (read it), or
 * -errno. */
static int take_listener(const struct policy *p, int pidfd, int rd, int nr, int *ret)
{
        if (!p || nr < 0)
                return -EPROTO;
        _cleanup_close_ int fd = -EBADF;
        for (;;) {
                fd = (int)syscall(SYS_pidfd_getfd, pidfd, nr, 0);
                if (fd >= 0)
                        break;
                if (errno != EBADF)
                        return NEG_ERRNO(); /* ESRCH: died; EPERM: not ours */
                /* Not installed yet: the install takes tens of microseconds, so
                 * look again after 20 us (a 1 ms poll cost ~1 ms per launch).  A
                 * failure report (or exit) ends the wait. */
                struct pollfd pf = {.fd = rd, .events = POLLIN};
                const struct timespec wait = {.tv_nsec = 20000};
                if (ppoll(&pf, 1, &wait, NULL) > 0)
                        return -EPIPE;
        }
        if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
                return NEG_ERRNO();
        if (!is_listener(fd))
                return -EBADFD;
        /* The child's next syscall is the marker; it blocks until answered. */
        for (;;) {
                struct pollfd pf[2] = {{.fd = fd, .events = POLLIN}, {.fd = rd, .events = POLLIN}};
                int k = poll(pf, 2, -1);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return NEG_ERRNO();
                if (pf[1].revents)
                        return -EPIPE; /* failed or exited without exec */
                if (pf[0].revents & (POLLHUP | POLLERR))
                        return -ECHILD;
                struct policy_event ev;
                int r = policy_notify_receive(p, fd, &ev);
                if (r < 0)
                        return r;
                if (ev.marker)
                        break;
                return -EPROTO; /* nothing but the marker may come before exec */
        }
        *ret = TAKE_FD(fd);
        return 0;
}

static pid_t clone3_into(int cgroup_fd, unsigned long long ns_flags, int *ret_pidfd)
{
        struct clone_args args = {
            .flags = CLONE_PIDFD | ns_flags | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0),
            .pidfd = (uint64_t)(uintptr_t)ret_pidfd,
            .exit_signal = SIGCHLD,
            .cgroup = cgroup_fd >= 0 ? (uint64_t)cgroup_fd : 0,
        };
        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* A pidfd for the process that reported: the child itself, or, under an init,
 * the init's one child (the job: the init has forked nothing else).  The
 * child is alive and unreaped (it waits for us), so its pid cannot be reused
 * before pidfd_open. */
static int reporter_pidfd(pid_t pid, int pidfd, bool has_init, int *ret)
{
        if (!has_init) {
                *ret = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
                return *ret < 0 ? NEG_ERRNO() : 0;
        }
        pid_t job;
        int r = proc_first_child(pid, &job);
        if (r < 0)
                return r;
        *ret = (int)syscall(SYS_pidfd_open, job, 0);
        return *ret < 0 ? NEG_ERRNO() : 0;
}

static void reap(pid_t pid)
{
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
}

/* The parent's half of a subordinate id: the setuid helpers write the
 * child's maps ("0 USER 1 1 SUB 1": subid.h), then the child may go on. */
static int map_subid(const struct hostview *v, pid_t pid, int map_wr)
{
        int r = subid_write_maps(pid, v->outer_uid, v->sub_uid, v->outer_gid, v->sub_gid);
        if (r < 0)
                return r;
        char go = 1;
        return write(map_wr, &go, 1) == 1 ? 0 : NEG_ERRNO();
}

/* A fresh child runs on its parent's CPU (the scheduler places it there):
 * while the parent makes its group, the two would share one CPU.  The child
 * is moved off ours for the time (any other CPU we may use) and goes back to
 * exactly the CPUs we had once its namespaces are built, before the job
 * exists.  Nothing to gain with a single CPU. */
static bool spread_cpus_prepare(cpu_set_t *ret_cpus, int *ret_here)
{
        if (sched_getaffinity(0, sizeof(*ret_cpus), ret_cpus) < 0 || CPU_COUNT(ret_cpus) < 2)
                return false;
        *ret_here = sched_getcpu();
        return *ret_here >= 0 && *ret_here < CPU_SETSIZE;
}

static void spread_cpus_apply(pid_t child, const cpu_set_t *cpus, int here)
{
        cpu_set_t others = *cpus;
        CPU_CLR(here, &others);
        if (CPU_COUNT(&others) > 0)
                (void)sched_setaffinity(child, sizeof(others), &others);
}

/* The parent's half of spec->make_group: the group, and its join fds to the
 * child.  A child that died already (EPIPE) reports why on its pipe. */
static int make_group_meanwhile(const struct child_spec *spec, int join_wr)
{
        const struct cg_group *g = NULL;
        int r = spec->make_group(spec->make_group_data, &g);
        if (r < 0)
                return r;
        int fds[_CG_CONTROLLER_MAX];
        size_t n = cg_group_join_fds(g, fds);
        if (n == 0)
                return -ENODEV;
        r = fdpass_send(join_wr, 'G', fds, n);
        return r == -EPIPE ? 0 : r;
}

/* A close-on-exec stream socket pair: the child's end, the parent's end. */
static int socket_pair(int *ret_child, int *ret_parent)
{
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return -1;
        *ret_child = sv[0];
        *ret_parent = sv[1];
        return 0;
}

int child_spawn(const struct child_spec *spec, pid_t *ret_pid, int *ret_pidfd, int *ret_listener,
                int *ret_status_fd, struct child_failure *ret_failure)
{
        int pipefd[2];
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return NEG_ERRNO();
        _cleanup_close_ int rd = pipefd[0];
        _cleanup_close_ int wr = pipefd[1];
        /* With a PID namespace, the job runs under an init that relays its
         * wait status on a pipe of its own. */
        bool has_init = spec->view && spec->view->own_pids;
        _cleanup_close_ int status_rd = -EBADF, status_wr = -EBADF;
        if (has_init) {
                if (pipe2(pipefd, O_CLOEXEC) < 0)
                        return NEG_ERRNO();
                status_rd = pipefd[0];
                status_wr = pipefd[1];
        }
        unsigned long long ns = spec->view ? hostview_clone_flags(spec->view) : 0;
        /* A subordinate id: the child waits for its maps on a pipe of its own. */
        bool subid = spec->view && spec->view->subid;
        _cleanup_close_ int map_rd = -EBADF, map_wr = -EBADF;
        if (subid) {
                if (pipe2(pipefd, O_CLOEXEC) < 0)
                        return NEG_ERRNO();
                map_rd = pipefd[0];
                map_wr = pipefd[1];
        }
        /* A caller to hear of the child before it execs: the same kind of
         * gate, a socket pair so that a child already dead costs no SIGPIPE
         * (send with MSG_NOSIGNAL) whatever the caller does with signals. */
        _cleanup_close_ int go_rd = -EBADF, go_wr = -EBADF;
        if (spec->before_exec && socket_pair(&go_rd, &go_wr) < 0)
                return NEG_ERRNO();

        /* make_group: the group's join fds after the clone, on a socket. */
        _cleanup_close_ int join_rd = -EBADF, join_wr = -EBADF;
        if (spec->make_group && socket_pair(&join_rd, &join_wr) < 0)
                return NEG_ERRNO();

        /* For the child to see whether we are gone (die_with_parent). */
        pid_t self = getpid();
        /* Root may take the listener of an undumpable job (CAP_SYS_PTRACE):
         * the init can then share its memory with the job (child_run). */
        bool parent_root = geteuid() == 0;
        _cleanup_close_ int self_pidfd = (int)syscall(SYS_pidfd_open, self, 0);
        if (self_pidfd < 0)
                return NEG_ERRNO();

        /* make_group: the child builds its namespaces on another CPU than
         * ours while we make its group (spread_cpus). */
        cpu_set_t cpus;
        int here = -1;
        bool spread = spec->make_group && spread_cpus_prepare(&cpus, &here);

        int cgfd = spec->group ? cg_group_clone_fd(spec->group) : -EBADF;
        int pidfd = -EBADF;
        bool in_cgroup = cgfd >= 0;
        pid_t pid = clone3_into(in_cgroup ? cgfd : -1, ns, &pidfd);
        if (pid < 0 && (errno == ENOSYS || errno == EPERM || errno == EINVAL)) {
                /* No clone3 (old kernel, or a seccomp filter around us): a bare
                 * clone, and the child joins its group itself. */
                in_cgroup = false;
                pid = (pid_t)syscall(SYS_clone, (unsigned long)ns | SIGCHLD, 0, 0, 0, 0);
                if (pid > 0) {
                        pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
                        if (pidfd < 0) {
                                int e = NEG_ERRNO();
                                reap(pid);
                                return e;
                        }
                }
        }
        if (pid < 0) {
                int e = NEG_ERRNO();
                /* With namespaces asked for, EPERM/EINVAL/ENOSPC is about them
                 * (no CAP_SYS_ADMIN, user namespaces refused, too many). */
                if (ns && ret_failure)
                        *ret_failure = (struct child_failure){CHILD_STEP_NAMESPACES, -e};
                return e;
        }
        if (pid == 0) {
                rd = -EBADF; /* not ours to close in the child */
                status_rd = -EBADF;
                /* The parent's death must reach us as EOF. */
                if (subid)
                        close(map_wr);
                if (spec->before_exec)
                        close(go_wr);
                if (spec->make_group)
                        close(join_wr);
                child_run(spec, wr, has_init ? status_wr : -1, subid ? map_rd : -1,
                          spec->before_exec ? go_rd : -1, spec->make_group ? join_rd : -1,
                          spread ? &cpus : NULL, self_pidfd, self, in_cgroup, parent_root);
        }
        _cleanup_close_ int owned_pidfd = pidfd;
        closep(&wr);
        wr = -EBADF;
        closep(&status_wr);
        status_wr = -EBADF;
        closep(&join_rd);
        join_rd = -EBADF;
        if (spread)
                spread_cpus_apply(pid, &cpus, here);
        if (subid) {
                int r = map_subid(spec->view, pid, map_wr);
                if (r < 0) {
                        reap(pid);
                        if (ret_failure)
                                *ret_failure = (struct child_failure){CHILD_STEP_SUBID, -r};
                        return r;
                }
        }
        if (spec->make_group) {
                int r = make_group_meanwhile(spec, join_wr);
                if (r < 0) {
                        reap(pid);
                        return r;
                }
                closep(&join_wr);
                join_wr = -EBADF;
        }
        if (spec->before_exec) {
                spec->before_exec(spec->before_exec_data, pid);
                char go = 1;
                /* A child that died already (EPIPE) reports below. */
                if (send(go_wr, &go, 1, MSG_NOSIGNAL) != 1 && errno != EPIPE) {
                        int e = NEG_ERRNO();
                        reap(pid);
                        return e;
                }
        }

        _cleanup_close_ int listener = -EBADF;
        struct step_report rep;
        ssize_t n;
        for (;;) {
                do
                        n = read(rd, &rep, sizeof(rep));
                while (n < 0 && errno == EINTR);
                if (n != (ssize_t)sizeof(rep) || rep.step != CHILD_STEP_LISTENER || listener >= 0)
                        break;
                _cleanup_close_ int job_pidfd = -EBADF;
                int r = reporter_pidfd(pid, owned_pidfd, has_init, &job_pidfd);
                if (r == 0)
                        r = take_listener(spec->policy, job_pidfd, rd, rep.err, &listener);
                if (r == -EPIPE)
                        continue; /* the child reported a failure: read it */
                if (r < 0) {
                        /* The child waits in its marker, or failed: it must not run on
                         * unheard.  Reaping it ends the filter and the listener (the
                         * init's death takes its whole namespace). */
                        reap(pid);
                        if (ret_failure)
                                *ret_failure = (struct child_failure){CHILD_STEP_LISTENER, -r};
                        return r;
                }
        }
        if (n == (ssize_t)sizeof(rep)) {
                if (rep.step == CHILD_STEP_LISTENER && rep.err >= 0)
                        rep.err = EPROTO; /* a second hand-over: never sent */
                reap(pid);                /* it has _exited already, unless confused */
                if (ret_failure) {
                        ret_failure->step = (enum child_step)rep.step;
                        ret_failure->err = rep.err;
                }
                return -rep.err;
        }
        if (spec->policy && policy_bpf_notify(spec->policy) && listener < 0) {
                /* exec succeeded without a filter: impossible unless the child was
                 * tampered with; never let a job run unfiltered by mistake. */
                reap(pid);
                if (ret_failure)
                        *ret_failure = (struct child_failure){CHILD_STEP_LISTENER, EPROTO};
                return -EPROTO;
        }
        *ret_pid = pid;
        *ret_pidfd = TAKE_FD(owned_pidfd);
        if (ret_listener)
                *ret_listener = listener >= 0 ? TAKE_FD(listener) : -1;
        if (ret_status_fd)
                *ret_status_fd = status_rd >= 0 ? TAKE_FD(status_rd) : -1;
        return 0;
}

int child_take_status(int status_fd, int *ret)
{
        ssize_t n;
        do
                n = read(status_fd, ret, sizeof(*ret));
        while (n < 0 && errno == EINTR);
        return n == (ssize_t)sizeof(*ret);
}

int child_read_status(int status_fd, int init_status)
{
        int status;
        return status_fd >= 0 && child_take_status(status_fd, &status) ? status : init_status;
}

static const char *env_lookup(char *const *envp, const char *key)
{
        size_t n = strlen(key);
        for (; envp && *envp; envp++)
                if (strncmp(*envp, key, n) == 0 && (*envp)[n] == '=')
                        return *envp + n + 1;
        return NULL;
}

static int check_executable(const char *path)
{
        struct stat st;
        if (stat(path, &st) < 0)
                return NEG_ERRNO();
        if (S_ISDIR(st.st_mode))
                return -EISDIR;
        if (access(path, X_OK) < 0)
                return NEG_ERRNO();
        return 0;
}

int child_resolve(const char *name, char *const *envp, char **ret)
{
        if (!name || !*name)
                return -ENOENT;
        if (strchr(name, '/')) {
                int r = check_executable(name);
                if (r < 0)
                        return r;
                *ret = strdup(name);
                return *ret ? 0 : -ENOMEM;
        }
        const char *path = env_lookup(envp, "PATH");
        if (!path)
                path = "/usr/local/bin:/usr/bin:/bin";
        int first_err = -ENOENT;
        for (const char *p = path; *p;) {
                const char *colon = strchrnul(p, ':');
                char cand[PATH_MAX];
                int len = snprintf(cand, sizeof(cand), "%.*s/%s", (int)(colon - p), p, name);
                if (colon > p && len > 0 && len < (int)sizeof(cand)) {
                        int r = check_executable(cand);
                        if (r == 0) {
                                *ret = strdup(cand);
                                return *ret ? 0 : -ENOMEM;
                        }
                        /* Found but not runnable beats not found, as execvp reports. */
                        if (r != -ENOENT && r != -ENOTDIR && first_err == -ENOENT)
                                first_err = r;
                }
                p = *colon ? colon + 1 : colon;
        }
        return first_err;
}
