/* outcome.c - classification and rendering of a job's outcome; see outcome.h. */
#include "outcome.h"
#include "units.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

const char *oom_cause_to_string(enum oom_cause c)
{
        switch (c) {
        case OOM_CAUSE_OWN_LIMIT:
                return "own_limit";
        case OOM_CAUSE_ANCESTOR_OR_HOST:
                return "ancestor_or_host";
        case OOM_CAUSE_UNKNOWN:
                return "unknown";
        default:
                return NULL;
        }
}

const char *signal_to_name(int sig)
{
        static char buf[16];
        if (sig <= 0)
                return NULL;
        const char *abbrev = sigabbrev_np(sig);
        if (abbrev) {
                snprintf(buf, sizeof(buf), "SIG%s", abbrev);
                return buf;
        }
        snprintf(buf, sizeof(buf), "SIG%d", sig);
        return buf;
}

int outcome_exit_status(enum job_status status, int exit_code, int signal)
{
        switch (status) {
        case JOB_COMPLETED:
                return 0;
        case JOB_FAILED:
                return exit_code > 0 ? exit_code : 1;
        case JOB_TIMED_OUT:
                return 124; /* as timeout(1) */
        case JOB_OOM_KILLED:
                return 128 + SIGKILL;
        case JOB_SECCOMP_VIOLATION:
                return 128 + SIGSYS;
        case JOB_CANCELLED:
                return 128 + SIGTERM;
        case JOB_KILLED:
                return 128 + (signal ? signal : SIGKILL);
        default:
                return 1; /* lost, dependency_failed: no exit of the job's own */
        }
}

int signal_from_name(const char *name)
{
        for (int sig = 1; sig < 65; sig++) {
                const char *n = signal_to_name(sig);
                if (n && strcmp(n, name) == 0)
                        return sig;
        }
        return -1;
}

void outcome_classify(struct outcome *o, int wait_status)
{
        o->exit_code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
        o->signal = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;

        o->oom_cause = OOM_CAUSE_NONE;
        if (o->stats.oom_kills > 0) {
                if (!o->stats.oom_own_known)
                        o->oom_cause = OOM_CAUSE_UNKNOWN;
                else if (o->stats.oom_own_limit > 0)
                        o->oom_cause = OOM_CAUSE_OWN_LIMIT;
                else
                        o->oom_cause = OOM_CAUSE_ANCESTOR_OR_HOST;
        }

        if (o->cancelled)
                o->status = JOB_CANCELLED;
        else if (o->timed_out)
                o->status = JOB_TIMED_OUT;
        else if (o->stats.oom_kills > 0)
                o->status = JOB_OOM_KILLED;
        else if (o->seccomp_killed)
                o->status = JOB_SECCOMP_VIOLATION;
        else if (o->signal)
                o->status = JOB_KILLED;
        else if (o->exit_code != 0)
                o->status = JOB_FAILED;
        else
                o->status = JOB_COMPLETED;
}

void outcome_add_denial(struct outcome *o, const char *name)
{
        for (size_t i = 0; i < o->n_denied; i++)
                if (strcmp(o->denied[i].name, name) == 0) {
                        o->denied[i].count++;
                        return;
                }
        /* The last slot is "(other)": a job that probes hundreds of syscalls still
         * gets every denial counted. */
        if (o->n_denied == OUTCOME_MAX_DENIALS) {
                o->denied[OUTCOME_MAX_DENIALS - 1].count++;
                return;
        }
        if (o->n_denied == OUTCOME_MAX_DENIALS - 1)
                name = "(other)";
        struct outcome_denial *d = &o->denied[o->n_denied++];
        snprintf(d->name, sizeof(d->name), "%s", name);
        d->count = 1;
}

cJSON *outcome_to_json(const struct outcome *o)
{
        cJSON *j = cJSON_CreateObject();
        if (!j)
                return NULL;
        cJSON_AddStringToObject(j, "status", job_status_to_string(o->status));
        if (o->exit_code >= 0)
                cJSON_AddNumberToObject(j, "exit_code", o->exit_code);
        else
                cJSON_AddNullToObject(j, "exit_code");
        const char *sig = signal_to_name(o->signal);
        if (sig)
                cJSON_AddStringToObject(j, "signal", sig);
        else
                cJSON_AddNullToObject(j, "signal");
        cJSON_AddNumberToObject(j, "oom_kills", (double)o->stats.oom_kills);
        const char *cause = oom_cause_to_string(o->oom_cause);
        if (cause)
                cJSON_AddStringToObject(j, "oom_cause", cause);
        else
                cJSON_AddNullToObject(j, "oom_cause");
        if (o->seccomp_syscall[0])
                cJSON_AddStringToObject(j, "seccomp_syscall", o->seccomp_syscall);
        else
                cJSON_AddNullToObject(j, "seccomp_syscall");
        cJSON *denied = cJSON_AddArrayToObject(j, "denied_syscalls");
        for (size_t i = 0; denied && i < o->n_denied; i++) {
                cJSON *d = cJSON_CreateObject();
                if (!d)
                        break;
                cJSON_AddStringToObject(d, "name", o->denied[i].name);
                cJSON_AddNumberToObject(d, "count", (double)o->denied[i].count);
                cJSON_AddItemToArray(denied, d);
        }
        if (o->memory_limit_bytes)
                cJSON_AddNumberToObject(j, "memory_limit_bytes", (double)o->memory_limit_bytes);
        else
                cJSON_AddNullToObject(j, "memory_limit_bytes");
        cJSON_AddNumberToObject(j, "memory_peak_bytes", (double)o->stats.memory_peak_bytes);
        cJSON_AddNumberToObject(j, "cpu_usage_usec", (double)o->stats.cpu_usage_usec);
        cJSON_AddNumberToObject(j, "cpu_user_usec", (double)o->stats.cpu_user_usec);
        cJSON_AddNumberToObject(j, "cpu_system_usec", (double)o->stats.cpu_system_usec);
        cJSON_AddNumberToObject(j, "cpu_throttled_usec", (double)o->stats.cpu_throttled_usec);
        cJSON_AddNumberToObject(j, "cpu_nr_throttled", (double)o->stats.cpu_nr_throttled);
        cJSON_AddNumberToObject(j, "pids_max_hits", (double)o->stats.pids_max_hits);
        if (o->pids_limit)
                cJSON_AddNumberToObject(j, "pids_limit", (double)o->pids_limit);
        else
                cJSON_AddNullToObject(j, "pids_limit");
        if (o->net_proxied)
                cJSON_AddNumberToObject(j, "connections_allowed", (double)o->net.allowed);
        else
                cJSON_AddNullToObject(j, "connections_allowed");
        cJSON *conns = cJSON_AddArrayToObject(j, "denied_connections");
        for (uint32_t i = 0; conns && o->net_proxied && i < o->net.n_denied; i++) {
                cJSON *d = cJSON_CreateObject();
                if (!d)
                        break;
                cJSON_AddStringToObject(d, "destination", o->net.list[i].destination);
                cJSON_AddNumberToObject(d, "count", (double)o->net.list[i].count);
                cJSON_AddItemToArray(conns, d);
        }
        cJSON_AddNumberToObject(j, "wall_ms", (double)(o->wall_usec / 1000));
        cJSON_AddStringToObject(j, "cgroup", o->cgroup);
        return j;
}

/* The status and its main reason, without the other limits the job hit. */
static int summary_main(const struct outcome *o, char *buf, size_t len)
{
        char a[32], b[32];
        const char *st = job_status_to_string(o->status);
        switch (o->status) {
        case JOB_OOM_KILLED:
                if (o->memory_limit_bytes)
                        return snprintf(buf, len, "%s: %s limit, peak %s, %s", st,
                                        format_bytes(a, sizeof(a), o->memory_limit_bytes),
                                        format_bytes(b, sizeof(b), o->stats.memory_peak_bytes),
                                        o->oom_cause == OOM_CAUSE_OWN_LIMIT ? "the job's own limit"
                                        : o->oom_cause == OOM_CAUSE_ANCESTOR_OR_HOST
                                            ? "a parent group's limit or host memory"
                                            : "cause not reported by the kernel");
                return snprintf(buf, len, "%s: peak %s (no job limit: host or parent OOM)", st,
                                format_bytes(b, sizeof(b), o->stats.memory_peak_bytes));
        case JOB_FAILED:
                return snprintf(buf, len, "%s: exit code %d", st, o->exit_code);
        case JOB_KILLED:
                return snprintf(buf, len, "%s: signal %s", st, signal_to_name(o->signal));
        case JOB_SECCOMP_VIOLATION:
                return snprintf(buf, len, "%s: system call %s denied", st,
                                o->seccomp_syscall[0] ? o->seccomp_syscall : "(unknown)");
        case JOB_TIMED_OUT:
                return snprintf(buf, len, "%s: after %.1f s", st, (double)o->wall_usec / 1e6);
        default:
                return snprintf(buf, len, "%s", st);
        }
}

int outcome_limits_hit(uint64_t pids_limit, uint64_t pids_max_hits, char *buf, size_t len)
{
        if (len)
                buf[0] = 0;
        if (!pids_max_hits)
                return 0;
        if (pids_limit)
                return snprintf(buf, len,
                                "hit its limit of %" PRIu64 " processes %" PRIu64 " time%s",
                                pids_limit, pids_max_hits, pids_max_hits == 1 ? "" : "s");
        return snprintf(buf, len, "hit a process limit %" PRIu64 " time%s", pids_max_hits,
                        pids_max_hits == 1 ? "" : "s");
}

int outcome_summary(const struct outcome *o, char *buf, size_t len)
{
        int n = summary_main(o, buf, len);
        char hit[160];
        if (n < 0)
                return n;
        int k = outcome_limits_hit(o->pids_limit, o->stats.pids_max_hits, hit, sizeof(hit));
        if (o->net_proxied && o->net.denied) {
                size_t used = k > 0 ? (size_t)k : 0;
                if (used < sizeof(hit))
                        k = (int)used + snprintf(hit + used, sizeof(hit) - used,
                                                 "%s%" PRIu64 " network connection%s denied",
                                                 used ? "; " : "", o->net.denied,
                                                 o->net.denied == 1 ? "" : "s");
        }
        if (k <= 0)
                return n;
        size_t used = strlen(buf);
        /* "completed" alone has no detail yet: give the exit code the rest joins. */
        if (o->status == JOB_COMPLETED && !strchr(buf, ':'))
                return snprintf(buf + used, len - used, ": exit code 0; %s", hit) + (int)used;
        return snprintf(buf + used, len - used, "%s%s", strchr(buf, ':') ? "; " : ": ", hit) +
               (int)used;
}
