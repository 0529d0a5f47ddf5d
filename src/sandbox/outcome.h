/* outcome.h - what happened to a job, decided from the kernel's evidence.
 *
 * The rules (docs/outcomes.md), first match wins:
 *   cancelled          a user cancelled it and corral killed the group
 *   timed_out          the wall-clock limit passed and corral killed the group
 *   oom_killed         the group's oom_kill counter rose, whatever the exit
 *                      status (a shell wrapper can turn a kill into exit 0)
 *   seccomp_violation  the supervisor saw a syscall the policy kills (notify
 *                      mode) and killed the job; SIGSYS alone is NOT proof (a
 *                      process can raise it) and counts as `killed`
 *   killed             the main process died by a signal
 *   failed             it exited non-zero
 *   completed          it exited 0
 */
#pragma once

#include "cgroup.h"
#include "netproxy.h"
#include "status.h"

#include <stdbool.h>
#include <stdint.h>

struct cJSON;

enum oom_cause {
        OOM_CAUSE_NONE,
        OOM_CAUSE_OWN_LIMIT,        /* the job's own memory limit */
        OOM_CAUSE_ANCESTOR_OR_HOST, /* a parent group's limit or host memory */
        OOM_CAUSE_UNKNOWN,          /* the kernel's counters do not tell */
};

const char *oom_cause_to_string(enum oom_cause c);

/* One syscall the policy denied with an errno while the job ran on. */
struct outcome_denial {
        char name[48]; /* "ptrace", "x32:getpid"; "(other)" collects overflow */
        uint64_t count;
};

#define OUTCOME_MAX_DENIALS 32

struct outcome {
        enum job_status status;
        int exit_code; /* -1: none (killed by a signal) */
        int signal;    /* 0: none */
        enum oom_cause oom_cause;
        bool timed_out;
        bool cancelled;
        bool seccomp_killed; /* proof (not just SIGSYS) that seccomp killed it */
        /* > 0 (an errno): a job run as a subordinate id left an ACL entry or a
         * file corral could not take back (subid-access.h); said, not recorded. */
        int subid_revoke_err;
        char seccomp_syscall[64];
        struct outcome_denial denied[OUTCOME_MAX_DENIALS]; /* in order of first denial */
        size_t n_denied;
        uint64_t memory_limit_bytes;
        uint64_t pids_limit; /* 0 = none */
        uint64_t wall_usec;
        struct cg_stats stats;
        bool net_proxied; /* allow-list network: net holds the proxy's counts */
        struct netproxy_stats net;
        char cgroup[256]; /* the job group, relative to the cgroup mount */
};

/* Sets o->status and o->oom_cause from the other fields.  wait_status is
 * waitpid's status word of the job's main process. */
void outcome_classify(struct outcome *o, int wait_status);

/* Counts one denial of syscall name; past OUTCOME_MAX_DENIALS distinct names the
 * rest is counted under "(other)". */
void outcome_add_denial(struct outcome *o, const char *name);

/* The outcome as a JSON object (the keys documented in docs/outcome-json.md). */
struct cJSON *outcome_to_json(const struct outcome *o);

/* "SIGKILL" for 9; NULL for 0; "SIG42" for unnamed numbers (static buffer). */
const char *signal_to_name(int sig);

/* The exit status `corral run` and `corral wait` give for an outcome
 * (docs/cli.md): the job's code, 128+signal, 124 timed out, 137 OOM, 159
 * seccomp, 143 cancelled; 1 for lost and dependency_failed. */
int outcome_exit_status(enum job_status status, int exit_code, int signal);

/* The signal number for a name signal_to_name() gives; -1 when unknown. */
int signal_from_name(const char *name);

/* A one-line human summary: "oom_killed: 32 MiB limit, peak 32 MiB", with every
 * other limit the job ran into appended: "failed: exit code 1; hit its limit of
 * 64 processes 12 times". */
int outcome_summary(const struct outcome *o, char *buf, size_t len);

/* "hit its limit of 64 processes 12 times" (empty when no limit was hit): the
 * limits other than memory a job ran into, for summaries of runs and jobs. */
int outcome_limits_hit(uint64_t pids_limit, uint64_t pids_max_hits, char *buf, size_t len);
