/* runner.h - run one job to its end inside a fresh cgroup and classify it.
 *
 * Used by `corral run` in the foreground and by each job's supervisor.  The
 * runner owns the job's group from creation to removal: create with limits
 * and the counter baseline (before the job exists: its OOM kill can come
 * ~50 ms after exec, before a loaded parent runs again), spawn, wait (pidfd)
 * while enforcing the wall-clock timeout and reacting to cancellation
 * signals, read the statistics BEFORE teardown, kill whatever is left of the
 * group, remove it, classify.
 *
 * While runner_run() waits, SIGTERM, SIGINT, SIGHUP and SIGQUIT sent to the
 * calling process mean "cancel the job": the group gets SIGTERM, and SIGKILL
 * after the grace period.  The signal mask is restored on return.
 */
#pragma once

#include "cgroup.h"
#include "child.h"
#include "netpolicy.h"
#include "outcome.h"

#include <stdint.h>
#include <sys/types.h>

struct runner_spec {
        struct child_spec child; /* .group is filled in by the runner */
        struct cg_limits limits;
        uint64_t timeout_usec;      /* 0: no wall-clock limit */
        uint64_t cancel_grace_usec; /* SIGTERM -> SIGKILL delay on cancel */
        const char *label;          /* names the group: [A-Za-z0-9_-]{1,64} */
        /* NULL: the network child.mounts says.  Mode NET_ALLOW: an empty network
         * namespace plus corral's proxy (netproxy.h), its counts in the outcome.
         * The caller announces NETPROXY_URL in the job's environment. */
        const struct net_policy *network;
        /* Called once the job's process exists, before it may exec: it waits
         * until this returns, so a record written here says "running" before
         * the job's first instruction (child_spec.before_exec).  Keep it short:
         * the job's start waits on it. */
        void (*on_spawned)(void *userdata, pid_t pid, uint64_t starttime);
        /* Called once the job runs (after exec succeeded): for work the start
         * should not wait for. */
        void (*on_started)(void *userdata);
        /* Called every tick_usec while the job runs (progress, for instance). */
        void (*on_tick)(void *userdata);
        uint64_t tick_usec;
        void *userdata;
        /* Called on each tick with the group's statistics and the time since
         * the job started (the supervisor's usage series). */
        void (*on_sample)(void *sample_data, const struct cg_stats *st, uint64_t elapsed_usec);
        void *sample_data;
};

/* Returns 0 when the job ran (whatever its outcome, in *ret), or -errno when
 * it could not be started: then *ret_failure tells the step when the child
 * itself failed (step CHILD_STEP_NONE: the group could not be created). */
int runner_run(struct cg_manager *m, const struct runner_spec *spec, struct outcome *ret,
               struct child_failure *ret_failure);
