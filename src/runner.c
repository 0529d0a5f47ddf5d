/* runner.c - see runner.h. */
#include "corral/runner.h"
#include "corral/cleanup.h"
#include "corral/procfs.h"
#include "corral/units.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

DEFINE_FREE_FUNC(struct cg_group, cg_group_free)

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
};

/* Waits for the main process, enforcing the timeout and handling cancellation. */
static int wait_for_job(struct cg_group *g, const struct runner_spec *spec, pid_t pid, int pidfd,
                        int sigfd, struct wait_state *st)
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
                struct pollfd fds[3] = {
                    {.fd = pidfd, .events = POLLIN},
                    {.fd = sigfd, .events = POLLIN},
                    {.fd = tfd, .events = POLLIN},
                };
                int timeout_ms = spec->on_tick && spec->tick_usec
                                         ? (int)(spec->tick_usec / 1000) : -1;
                int n = poll(fds, 3, timeout_ms);
                if (n == 0) {
                        spec->on_tick(spec->userdata);
                        continue;
                }
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return NEG_ERRNO();
                }
                if (fds[0].revents) {
                        int status;
                        if (waitpid(pid, &status, 0) < 0)
                                return NEG_ERRNO();
                        st->wait_status = status;
                        return 0;
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
        r = cg_group_create(m, spec->label, &spec->limits, &g);
        if (r < 0)
                goto out;

        struct child_spec child = spec->child;
        child.group = g;
        uint64_t t0 = now_monotonic_usec();
        pid_t pid;
        r = child_spawn(&child, &pid, &pidfd, ret_failure);
        if (r < 0) {
                cg_group_destroy(g);
                goto out;
        }
        cg_group_baseline(g);
        if (spec->on_started) {
                uint64_t start = 0;
                proc_starttime(pid, &start);
                spec->on_started(spec->userdata, pid, start);
        }

        struct wait_state st = {.phase = PHASE_RUNNING};
        r = wait_for_job(g, spec, pid, pidfd, sigfd, &st);
        uint64_t t1 = now_monotonic_usec();

        struct outcome o = {
            .timed_out = st.timed_out,
            .cancelled = st.cancelled,
            .memory_limit_bytes = spec->limits.memory_max,
            .wall_usec = t1 - t0,
        };
        /* The counters are read before teardown: removing the group loses them. */
        cg_group_stats(g, &o.stats);
        cg_group_relpath(g, o.cgroup, sizeof(o.cgroup));
        int d = cg_group_destroy(g);
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
        sigprocmask(SIG_SETMASK, &old_set, NULL);
        return r;
}
