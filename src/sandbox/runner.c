/* runner.c - see runner.h. */
#include "runner.h"
#include "cleanup.h"
#include "hostview.h"
#include "netproxy.h"
#include "policy.h"
#include "procfs.h"
#include "subid-access.h"
#include "units.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

static int arm_timer(int tfd, uint64_t usec)
{
        struct itimerspec its = {
            .it_value = {.tv_sec = (time_t)(usec / 1000000u),
                         .tv_nsec = (long)(usec % 1000000u) * 1000},
        };
        if (usec == 0)
                its.it_value.tv_nsec = 1; /* 0 would disarm: fire at once instead */
        return timerfd_settime(tfd, 0, &its, NULL) < 0 ? NEG_ERRNO() : 0;
}

enum phase { PHASE_RUNNING, PHASE_GRACE, PHASE_KILLED };

struct wait_state {
        enum phase phase;
        bool timed_out;
        bool cancelled;
        int wait_status;
        bool status_known; /* wait_status relayed while the init still ran */
        bool init_reaped;
        struct outcome *out; /* seccomp_killed, seccomp_syscall, denied */
};

/* Handles one seccomp notification (policy-notify.c has decided and answered it).
 * Errno denials are counted; a kill action is proof of a violation: the syscall
 * never ran (its caller still waits for an answer) and the whole group dies. */
static void on_notification(struct cg_group *g, const struct policy *p, int listener,
                            struct wait_state *st)
{
        struct policy_event ev;
        int r = policy_notify_receive(p, listener, &ev);
        if (r < 0 || ev.marker)
                return; /* -ENOENT: the caller died meanwhile */
        char name[48];
        policy_event_name(&ev, name, sizeof(name));
        if (!ev.answered) {
                if (!st->out->seccomp_killed) {
                        st->out->seccomp_killed = true;
                        snprintf(st->out->seccomp_syscall, sizeof(st->out->seccomp_syscall), "%s",
                                 name);
                }
                st->phase = PHASE_KILLED;
                cg_group_kill(g, SIGKILL);
                return;
        }
        /* clone3's ENOSYS makes glibc fall back to clone: an ABI downgrade every
         * threaded program hits, not a denial worth reporting. */
        if (strcmp(name, "clone3") == 0)
                return;
        if ((ev.action & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_ERRNO)
                outcome_add_denial(st->out, name);
}

/* Answers whatever notifications are already pending (after the main process
 * ended: a neighbour process of the job may still be waiting). */
static void drain_notifications(struct cg_group *g, const struct policy *p, int listener,
                                struct wait_state *st)
{
        for (int i = 0; listener >= 0 && i < 1024; i++) {
                struct pollfd pf = {.fd = listener, .events = POLLIN};
                if (poll(&pf, 1, 0) <= 0 || !(pf.revents & POLLIN))
                        return;
                on_notification(g, p, listener, st);
        }
}

/* Each tick: the caller's progress hook, and the group's statistics for its
 * usage series. */
static void tick(struct cg_group *g, const struct runner_spec *spec, uint64_t t0)
{
        if (spec->on_tick)
                spec->on_tick(spec->userdata);
        struct cg_stats stats;
        if (spec->on_sample && cg_group_stats(g, &stats) == 0)
                spec->on_sample(spec->sample_data, &stats, now_monotonic_usec() - t0);
}

/* Waits for the main process, enforcing the timeout and handling cancellation.
 * early_fd (the status pipe, or -1): the init is not in the job's group, so the
 * job is over once its init has relayed its status and nothing is left in the
 * group; the init may still be tearing its namespaces down (0.2-0.3 ms here,
 * most of it an RCU grace period for the mount namespace), and the caller
 * reads the statistics and removes the group meanwhile, then reaps it. */
static int wait_for_job(struct cg_group *g, const struct runner_spec *spec, pid_t pid, int pidfd,
                        int status_fd, int early_fd, int sigfd, int listener, struct wait_state *st,
                        uint64_t t0)
{
        _cleanup_close_ int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (tfd < 0)
                return NEG_ERRNO();
        if (spec->timeout_usec) {
                int r = arm_timer(tfd, spec->timeout_usec);
                if (r < 0)
                        return r;
        }

        for (;;) {
                struct pollfd fds[5] = {
                    {.fd = pidfd, .events = POLLIN},
                    {.fd = sigfd, .events = POLLIN},
                    {.fd = tfd, .events = POLLIN},
                    {.fd = listener, .events = POLLIN}, /* fd -1: ignored by poll */
                    {.fd = early_fd, .events = POLLIN},
                };
                int timeout_ms = (spec->on_tick || spec->on_sample) && spec->tick_usec
                                     ? (int)(spec->tick_usec / 1000)
                                     : -1;
                int n = poll(fds, 5, timeout_ms);
                if (n == 0) {
                        tick(g, spec, t0);
                        continue;
                }
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return NEG_ERRNO();
                }
                /* Notifications first: a kill notification and the main process's
                 * exit can arrive together, and the violation must not be lost. */
                if (fds[3].revents & POLLIN)
                        on_notification(g, spec->child.policy, listener, st);
                else if (fds[3].revents)
                        listener = -1; /* POLLHUP: no task uses the filter any more */
                if (fds[0].revents) {
                        int status;
                        if (waitpid(pid, &status, 0) < 0)
                                return NEG_ERRNO();
                        st->init_reaped = true;
                        /* Under an init, the job's own status as the init relayed it. */
                        if (!st->status_known)
                                st->wait_status = child_read_status(status_fd, status);
                        drain_notifications(g, spec->child.policy, listener, st);
                        return 0;
                }
                if (fds[4].revents) {
                        early_fd = -1;
                        /* EOF: the init ended without relaying; its exit comes on the pidfd. */
                        if (child_take_status(status_fd, &st->wait_status)) {
                                st->status_known = true;
                                /* Anything left (the job's orphans) dies with the init's
                                 * namespace: wait for that, so the statistics are final. */
                                if (cg_group_is_empty(g) == 1) {
                                        drain_notifications(g, spec->child.policy, listener, st);
                                        return 0;
                                }
                        }
                }
                if (fds[1].revents) {
                        struct signalfd_siginfo si;
                        if (read(sigfd, &si, sizeof(si)) == sizeof(si) &&
                            st->phase == PHASE_RUNNING) {
                                /* Cancel: ask politely, then insist after the grace. */
                                st->cancelled = true;
                                st->phase = PHASE_GRACE;
                                cg_group_kill(g, SIGTERM);
                                arm_timer(tfd, spec->cancel_grace_usec);
                        }
                }
                if (fds[2].revents) {
                        uint64_t ticks;
                        if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
                                return NEG_ERRNO();
                        if (st->phase == PHASE_RUNNING)
                                st->timed_out = true;
                        st->phase = PHASE_KILLED;
                        cg_group_kill(g, SIGKILL);
                }
        }
}

struct group_request {
        struct cg_manager *m;
        const struct runner_spec *spec;
        struct cg_group **g;
};

/* child_spec.make_group: the job's group, made while the child builds its
 * namespaces. */
static int make_group(void *data, const struct cg_group **ret)
{
        struct group_request *q = data;
        int r = cg_group_create(q->m, q->spec->label, &q->spec->limits, q->g);
        if (r >= 0)
                *ret = *q->g;
        return r;
}

static void spawned(void *data, pid_t pid)
{
        const struct runner_spec *spec = data;
        uint64_t start = 0;
        proc_starttime(pid, &start);
        spec->on_spawned(spec->userdata, pid, start);
}

int runner_run(struct cg_manager *m, const struct runner_spec *spec, struct outcome *ret,
               struct child_failure *ret_failure)
{
        if (ret_failure)
                *ret_failure = (struct child_failure){.step = CHILD_STEP_NONE};

        sigset_t cancel_set, old_set;
        sigemptyset(&cancel_set);
        sigaddset(&cancel_set, SIGTERM);
        sigaddset(&cancel_set, SIGINT);
        sigaddset(&cancel_set, SIGHUP);
        sigaddset(&cancel_set, SIGQUIT);
        if (sigprocmask(SIG_BLOCK, &cancel_set, &old_set) < 0)
                return NEG_ERRNO();
        int r;
        _cleanup_close_ int sigfd = signalfd(-1, &cancel_set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (sigfd < 0) {
                r = NEG_ERRNO();
                sigprocmask(SIG_SETMASK, &old_set, NULL);
                return r;
        }

        _cleanup_(cg_group_freep) struct cg_group *g = NULL;
        _cleanup_close_ int pidfd = -EBADF; /* before the first goto: cleanup runs at out */
        _cleanup_close_ int listener = -EBADF;
        _cleanup_(netproxy_freep) struct netproxy *np = NULL;
        _cleanup_close_ int status_fd = -EBADF;
        struct subid_access *access = NULL; /* revoked at out: */
        bool ran = false;
        /* v2: the child starts inside its group, made first.  v1: it joins
         * by itself, so the group is made while it builds its namespaces
         * (child.h, make_group). */
        struct group_request greq = {m, spec, &g};
        struct child_spec child = spec->child;
        if (cg_manager_clone_into(m)) {
                r = cg_group_create(m, spec->label, &spec->limits, &g);
                if (r < 0)
                        goto out;
                child.group = g;
        } else {
                child.group = NULL;
                child.make_group = make_group;
                child.make_group_data = &greq;
        }
        if (spec->on_spawned) {
                child.before_exec = spawned;
                child.before_exec_data = (void *)spec;
        }
        struct hostview view = {0};
        /* A job lent a subordinate id runs as that id: it is granted its
         * directories for its lifetime (subid-access.h).  Its proxy keeps
         * corral's uid: the id exists only in the job's namespace. */
        bool subid = child.view && child.view->subid;
        if (subid) {
                char where[256];
                r = subid_access_grant(child.view, &access, where, sizeof(where));
                if (r < 0) {
                        if (ret_failure)
                                *ret_failure = (struct child_failure){CHILD_STEP_SUBID_ACCESS, -r};
                        cg_group_destroy(g);
                        goto out;
                }
        }
        if (spec->network && spec->network->mode == NET_ALLOW) {
                r = netproxy_start(spec->network, subid ? NULL : spec->child.privs, &np);
                if (r < 0) {
                        cg_group_destroy(g);
                        goto out;
                }
                if (child.view)
                        view = *child.view;
                view.mounts.network_off = true;
                view.mounts.network_proxy = true;
                view.mounts.netproxy_sock = netproxy_job_sock(np);
                child.view = &view;
        }
        uint64_t t0 = now_monotonic_usec();
        pid_t pid;
        int lfd = -1, sfd = -1;
        r = child_spawn(&child, &pid, &pidfd, &lfd, &sfd, ret_failure);
        listener = lfd;
        if (np)
                netproxy_job_started(np);
        status_fd = sfd;
        if (r < 0) {
                cg_group_destroy(g); /* NULL when make_group did not get that far */
                goto out;
        }
        ran = true;
        if (spec->on_started)
                spec->on_started(spec->userdata);
        /* The group's statistics files are opened now, while the job runs,
         * and kept open (cg_stat_read): its end then costs their reads only. */
        struct cg_stats opened;
        cg_group_stats(g, &opened);

        struct outcome o = {0};
        struct wait_state st = {.phase = PHASE_RUNNING, .out = &o};
        /* v1: the job's process joined the group, its init did not (child.h). */
        int early_fd = child.make_group ? status_fd : -1;
        r = wait_for_job(g, spec, pid, pidfd, status_fd, early_fd, sigfd, listener, &st, t0);
        uint64_t t1 = now_monotonic_usec();

        o.timed_out = st.timed_out;
        o.cancelled = st.cancelled;
        o.memory_limit_bytes = cg_group_memory_max(g);
        o.pids_limit = spec->limits.pids_max;
        o.wall_usec = t1 - t0;
        /* The counters are read before teardown: removing the group loses them. */
        cg_group_stats(g, &o.stats);
        cg_group_relpath(g, o.cgroup, sizeof(o.cgroup));
        int d = cg_group_destroy(g);
        /* The init relayed the status and may still be exiting (wait_for_job);
         * nothing of its job is left, so its exit is near. */
        if (st.status_known && !st.init_reaped)
                while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
                        ;
        if (np) {
                /* The job is gone: the proxy's counts are final. */
                /* A proxy that cannot answer (stuck in a name lookup for 5 s)
                 * costs its counts (null in the outcome: unknown, not 0),
                 * never the job's outcome. */
                o.net_proxied = netproxy_finish(TAKE_PTR(np), &o.net) >= 0;
        }
        if (r < 0)
                goto out;
        if (d < 0) {
                r = d;
                goto out;
        }
        outcome_classify(&o, st.wait_status);
        *ret = o;
        r = 0;
out:
        /* The job is gone (its group emptied and removed): what it left is
         * handed back and its grants taken back.  A failure leaves an entry
         * naming an id that goes back to the pool: the caller hears of it. */
        if (access) {
                int k = subid_access_revoke(access, ran);
                if (k < 0 && r == 0)
                        ret->subid_revoke_err = -k;
        }
        sigprocmask(SIG_SETMASK, &old_set, NULL);
        return r;
}
