/* mcp-jobs-view.c - how a job reads in MCP: the structuredContent of
 * job_status / job_result and their text.  Each outcome reads differently and
 * carries its figures (limit, peak, exit code, signal name), in the words of
 * outcome_summary() ("oom_killed: 32 MiB limit, peak 32 MiB, ..."). */
#include "mcp-jobs-internal.h"
#include "outcome.h"
#include "usage.h"
#include "units.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the stderr tail in a failed job's result holds at most. */
#define STDERR_TAIL_MAX 2048
/* What a client that reads only the text of run_job / job_result gets of the
 * job's output: the end of stdout.log (job_logs has the rest). */
#define STDOUT_TAIL_MAX 4096

void jobview_summary(const struct job *j, char *buf, size_t len)
{
        const char *st = job_status_to_string(j->status);
        char a[32], b[32];
        switch (j->status) {
        case JOB_QUEUED:
                if (j->queue_position > 0)
                        snprintf(buf, len, "%s: position %lld in the queue%s%s", st,
                                 (long long)j->queue_position, j->reason ? ", " : "",
                                 j->reason ? j->reason : "");
                else
                        snprintf(buf, len, "%s%s%s", st, j->reason ? ": " : "",
                                 j->reason ? j->reason : "");
                return;
        case JOB_RUNNING:
                if (j->progress.percent >= 0)
                        snprintf(buf, len, "%s: %.0f%%%s%s", st, j->progress.percent,
                                 j->progress.message ? ", " : "",
                                 j->progress.message ? j->progress.message : "");
                else
                        snprintf(buf, len, "%s%s%s", st, j->progress.message ? ": " : "",
                                 j->progress.message ? j->progress.message : "");
                return;
        case JOB_LOST:
                snprintf(buf, len, "%s: %s", st,
                         j->lost_reason ? j->lost_reason : "its supervisor ended without a record");
                return;
        case JOB_OOM_KILLED:
                if (!j->reason && j->memory_limit_bytes) {
                        snprintf(buf, len, "%s: %s limit, peak %s", st,
                                 format_bytes(a, sizeof(a), j->memory_limit_bytes),
                                 format_bytes(b, sizeof(b), j->memory_peak_bytes));
                        return;
                }
                break;
        case JOB_FAILED:
                if (!j->reason) {
                        snprintf(buf, len, "%s: exit code %d", st, j->exit_code);
                        return;
                }
                break;
        case JOB_KILLED:
                if (!j->reason) {
                        snprintf(buf, len, "%s: signal %s", st, signal_to_name(j->signal));
                        return;
                }
                break;
        case JOB_SECCOMP_VIOLATION:
                if (!j->reason) {
                        snprintf(buf, len, "%s: system call %s denied", st,
                                 j->seccomp_syscall ? j->seccomp_syscall : "(unknown)");
                        return;
                }
                break;
        case JOB_TIMED_OUT:
                if (!j->reason && j->limits.timeout_ms) {
                        snprintf(buf, len, "%s: after %.1f s (limit %.1f s)", st,
                                 (double)j->wall_ms / 1e3, (double)j->limits.timeout_ms / 1e3);
                        return;
                }
                break;
        case JOB_CANCELLED:
                if (!j->reason) {
                        snprintf(buf, len, "%s: stopped on request after %.1f s", st,
                                 (double)j->wall_ms / 1e3);
                        return;
                }
                break;
        case JOB_COMPLETED:
                /* A result file that is missing or unusable is told by
                 * job_result (result_error); many jobs write none. */
                if (!j->reason) {
                        snprintf(buf, len, "%s: exit code 0", st);
                        return;
                }
                break;
        default:
                break;
        }
        snprintf(buf, len, "%s%s%s", st, j->reason ? ": " : "", j->reason ? j->reason : "");
}

cJSON *jobview_list_entry(const struct job *j, char *line, size_t len)
{
        /* Only what store_index_query_brief keeps of a finished job (the
         * summary's fields, id, status, created_at, command): list_jobs pages
         * are built from index rows (test_list_entry checks they read the same). */
        char summary[512], when[64];
        jobview_summary(j, summary, sizeof(summary));
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "job_id", j->id);
        cJSON_AddStringToObject(o, "status", job_status_to_string(j->status));
        cJSON_AddStringToObject(o, "summary", summary);
        cJSON_AddStringToObject(o, "created_at", format_iso8601(when, sizeof(when), j->created_at));
        cJSON *cmd = cJSON_AddArrayToObject(o, "command");
        for (char **a = j->command; a && *a; a++)
                cJSON_AddItemToArray(cmd, cJSON_CreateString(*a));
        snprintf(line, len, "%s  %s", j->id, summary);
        return o;
}

static void add_string_or_null(cJSON *o, const char *key, const char *s)
{
        if (s)
                cJSON_AddStringToObject(o, key, s);
        else
                cJSON_AddNullToObject(o, key);
}

static void add_time(cJSON *o, const char *key, uint64_t usec)
{
        char buf[64];
        add_string_or_null(o, key, usec ? format_iso8601(buf, sizeof(buf), usec) : NULL);
}

cJSON *jobview_progress(const struct job *j)
{
        cJSON *p = cJSON_CreateObject();
        if (j->progress.percent >= 0)
                cJSON_AddNumberToObject(p, "percent", j->progress.percent);
        if (j->progress.message)
                cJSON_AddStringToObject(p, "message", j->progress.message);
        return p;
}

cJSON *jobview_status(const struct job *j)
{
        char summary[512];
        jobview_summary(j, summary, sizeof(summary));
        bool terminal = job_status_is_terminal(j->status);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "job_id", j->id);
        cJSON_AddStringToObject(o, "status", job_status_to_string(j->status));
        cJSON_AddBoolToObject(o, "terminal", terminal);
        cJSON_AddStringToObject(o, "summary", summary);
        if (j->exit_code >= 0)
                cJSON_AddNumberToObject(o, "exit_code", j->exit_code);
        else
                cJSON_AddNullToObject(o, "exit_code");
        add_string_or_null(o, "signal", j->signal ? signal_to_name(j->signal) : NULL);
        cJSON_AddNumberToObject(o, "oom_kills", (double)j->oom_kills);
        add_string_or_null(o, "oom_cause", j->oom_kills ? j->oom_cause : NULL);
        cJSON_AddNumberToObject(o, "pids_max_hits", (double)j->pids_max_hits);
        cJSON_AddItemToObject(o, "progress", jobview_progress(j));
        add_string_or_null(o, "reason", j->status == JOB_LOST ? j->lost_reason : j->reason);
        if (j->memory_limit_bytes || j->limits.memory_bytes)
                cJSON_AddNumberToObject(o, "memory_limit_bytes",
                                        (double)(j->memory_limit_bytes ? j->memory_limit_bytes
                                                                       : j->limits.memory_bytes));
        else
                cJSON_AddNullToObject(o, "memory_limit_bytes");
        cJSON_AddNumberToObject(o, "memory_peak_bytes", (double)j->memory_peak_bytes);
        if (j->limits.timeout_ms)
                cJSON_AddNumberToObject(o, "timeout_seconds", (double)j->limits.timeout_ms / 1e3);
        else
                cJSON_AddNullToObject(o, "timeout_seconds");
        cJSON_AddNumberToObject(o, "cpu_seconds", (double)j->cpu_usage_usec / 1e6);
        cJSON_AddNumberToObject(o, "wall_seconds", (double)j->wall_ms / 1e3);
        add_string_or_null(o, "seccomp_syscall", j->seccomp_syscall);
        if (j->status == JOB_QUEUED && j->queue_position > 0)
                cJSON_AddNumberToObject(o, "queue_position", (double)j->queue_position);
        else
                cJSON_AddNullToObject(o, "queue_position");
        add_time(o, "created_at", j->created_at);
        add_time(o, "started_at", j->started_at);
        add_time(o, "finished_at", j->finished_at);
        cJSON *cmd = cJSON_AddArrayToObject(o, "command");
        for (char **a = j->command; a && *a; a++)
                cJSON_AddItemToArray(cmd, cJSON_CreateString(*a));
        add_string_or_null(o, "retry_of", j->retry_of);
        return o;
}

char *jobview_status_text(const struct job *j)
{
        char summary[512], a[32], b[32];
        jobview_summary(j, summary, sizeof(summary));
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return NULL;
        fprintf(f, "Job %s %s", j->id, summary);
        if (job_status_is_terminal(j->status) && j->status != JOB_LOST &&
            j->status != JOB_DEPENDENCY_FAILED) {
                if (j->exit_code >= 0)
                        fprintf(f, "\nexit code: %d", j->exit_code);
                if (j->signal)
                        fprintf(f, "\nsignal: %s (%d)", signal_to_name(j->signal), j->signal);
                fprintf(f, "\nmemory: peak %s", format_bytes(a, sizeof(a), j->memory_peak_bytes));
                if (j->memory_limit_bytes)
                        fprintf(f, " of a %s limit",
                                format_bytes(b, sizeof(b), j->memory_limit_bytes));
                fprintf(f, "; OOM kills: %llu", (unsigned long long)j->oom_kills);
                if (j->oom_kills && j->oom_cause)
                        fprintf(f, " (%s)", j->oom_cause);
                fprintf(f, "\ncpu: %.3f s; wall: %.3f s", (double)j->cpu_usage_usec / 1e6,
                        (double)j->wall_ms / 1e3);
                if (j->limits.timeout_ms)
                        fprintf(f, " of a %.1f s timeout", (double)j->limits.timeout_ms / 1e3);
                if (j->seccomp_syscall)
                        fprintf(f, "\ndenied system call: %s", j->seccomp_syscall);
                char hit[128];
                if (outcome_limits_hit(j->limits.pids, j->pids_max_hits, hit, sizeof(hit)) > 0)
                        fprintf(f, "\nprocesses: %s", hit);
        } else if (!job_status_is_terminal(j->status) && j->progress.percent >= 0) {
                fprintf(f, "\nprogress: %.1f%%", j->progress.percent);
        }
        fclose(f);
        return text;
}

cJSON *jobview_tool_result(const char *text, cJSON *structured, bool is_error)
{
        /* The first block is the one-line summary: a task's statusMessage is
         * the first block, and some clients show only that. */
        const char *nl = strchr(text, '\n');
        if (!nl)
                return mcp_tool_result(text, structured, is_error);
        _cleanup_free_ char *first = strndup(text, (size_t)(nl - text));
        cJSON *r = mcp_tool_result(first ? first : text, structured, is_error);
        cJSON *block = cJSON_CreateObject();
        cJSON_AddStringToObject(block, "type", "text");
        cJSON_AddStringToObject(block, "text", nl + 1);
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(r, "content"), block);
        return r;
}

/* The end of a finished job's stdout.log, made printable; NULL when empty or
 * unreadable (a log the job replaced is never followed: progress.h). */
static void read_stdout_tail(int job_dirfd, char **ret)
{
        _cleanup_free_ char *raw = NULL;
        size_t len = 0;
        bool partial;
        *ret = NULL;
        if (progress_read_tail_at(job_dirfd, "stdout.log", STDOUT_TAIL_MAX, &raw, &len, &partial,
                                  NULL) < 0 ||
            len == 0)
                return;
        if (progress_sanitize_text(raw, len, STDOUT_TAIL_MAX, true, true, ret) < 0 ||
            (*ret && !**ret)) {
                free(*ret);
                *ret = NULL;
        }
}

cJSON *jobview_result(struct jobctl *c, const struct job *j)
{
        cJSON *o = jobview_status(j);
        bool terminal = job_status_is_terminal(j->status);
        _cleanup_close_ int dfd = -EBADF;
        cJSON *results = NULL;
        _cleanup_free_ char *result_error = NULL;
        if (terminal && store_job_open_dir(c->store, j->id, &dfd) == 0)
                store_result_read_at(dfd, j, 0, &results, &result_error);
        cJSON_AddItemToObject(o, "results", results ? results : cJSON_CreateNull());
        const char *rerr = j->result_error ? j->result_error : results ? NULL : result_error;
        add_string_or_null(o, "result_error", terminal ? rerr : NULL);
        _cleanup_free_ char *tail = NULL;
        if (terminal && j->status != JOB_COMPLETED && j->error)
                progress_sanitize_text(j->error, strlen(j->error), STDERR_TAIL_MAX, true, true,
                                       &tail);
        add_string_or_null(o, "stderr_tail", tail);
        _cleanup_free_ char *out_tail = NULL;
        if (dfd >= 0)
                read_stdout_tail(dfd, &out_tail);
        add_string_or_null(o, "stdout_tail", out_tail);

        _cleanup_free_ char *text = jobview_status_text(j);
        char *full = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&full, &size);
        if (!f) {
                cJSON_Delete(o);
                return NULL;
        }
        fputs(text ? text : j->id, f);
        if (!terminal)
                fputs("\nThe job has not ended yet: no result.", f);
        else if (results) {
                char *r = cJSON_PrintUnformatted(results);
                if (r && strlen(r) <= 8192)
                        fprintf(f, "\nresults: %s", r);
                else if (r)
                        fprintf(f, "\nresults: %zu bytes of JSON (in structuredContent)",
                                strlen(r));
                cJSON_free(r);
        } else if (rerr && j->status == JOB_COMPLETED)
                fprintf(f, "\nresults: %s", rerr);
        if (out_tail)
                fprintf(f, "\nstdout (end):\n%s", out_tail);
        if (tail)
                fprintf(f, "\nstderr (end):\n%s", tail);
        fclose(f);
        cJSON *res = jobview_tool_result(full, o, terminal && j->status != JOB_COMPLETED);
        free(full);
        return res;
}

void jobview_add_usage(struct jobctl *c, const struct job *j, cJSON *o)
{
        _cleanup_free_ struct usage_series *u = malloc(sizeof(*u));
        _cleanup_close_ int dfd = -EBADF;
        if (u && store_job_open_dir(c->store, j->id, &dfd) == 0 && usage_load_at(dfd, u) == 0)
                cJSON_AddItemToObject(o, "usage", usage_to_json(u));
        else
                cJSON_AddNullToObject(o, "usage");
}
