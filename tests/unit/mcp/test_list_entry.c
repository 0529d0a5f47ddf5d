/* Unit tests for list_jobs' entries (mcp-jobs-view.c jobview_list_entry) built
 * from index rows (store_list_brief, store_index_query_brief): for a store with
 * a job in every terminal status, with and without the fields their summaries
 * show, and live ones, every page reads byte for byte as the same page built
 * from the records (store_list_jobs: store_job_load of each job.json), in both
 * directions and across cursors; an interrupted removal's row is not listed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <sqlite3.h>

#include "mcp-jobs-internal.h"
#include "store-index.h"
#include "store-list.h"
#include "store.h"
#include "../jobs/store-test-util.h"
#include "../jobs/store-test-fixture.h"

#define T0 1700000000000000ull

struct spec {
        const char *id;
        enum job_status status;
        int exit_code, signal;
        uint64_t limit, peak, wall_ms, timeout_ms;
        const char *reason, *lost_reason, *syscall;
};

/* Every terminal status, the summaries' every branch, and live jobs. */
static const struct spec SPECS[] = {
    {.id = "completed", .status = JOB_COMPLETED, .exit_code = 0},
    {.id = "completed-reason",
     .status = JOB_COMPLETED,
     .exit_code = 0,
     .reason = "result.json is not JSON"},
    {.id = "failed", .status = JOB_FAILED, .exit_code = 3},
    {.id = "failed-reason",
     .status = JOB_FAILED,
     .exit_code = 1,
     .reason = "exit code 1: could not open input"},
    {.id = "failed-empty-reason", .status = JOB_FAILED, .exit_code = 2, .reason = ""},
    {.id = "killed", .status = JOB_KILLED, .exit_code = -1, .signal = SIGKILL},
    {.id = "killed-reason",
     .status = JOB_KILLED,
     .exit_code = -1,
     .signal = SIGTERM,
     .reason = "stopped by the host"},
    {.id = "oom-limit",
     .status = JOB_OOM_KILLED,
     .exit_code = -1,
     .signal = SIGKILL,
     .limit = 32u << 20,
     .peak = (32u << 20) + 4096},
    {.id = "oom-host",
     .status = JOB_OOM_KILLED,
     .exit_code = -1,
     .signal = SIGKILL,
     .limit = 0,
     .peak = 1u << 30,
     .reason = "the host ran out of memory"},
    {.id = "timed-out",
     .status = JOB_TIMED_OUT,
     .exit_code = -1,
     .signal = SIGKILL,
     .wall_ms = 1502,
     .timeout_ms = 1500},
    {.id = "timed-out-nolimit",
     .status = JOB_TIMED_OUT,
     .exit_code = -1,
     .signal = SIGKILL,
     .wall_ms = 7},
    {.id = "cancelled",
     .status = JOB_CANCELLED,
     .exit_code = -1,
     .signal = SIGTERM,
     .wall_ms = 812},
    {.id = "cancelled-reason",
     .status = JOB_CANCELLED,
     .exit_code = -1,
     .signal = SIGTERM,
     .reason = "cancelled by ops"},
    {.id = "lost",
     .status = JOB_LOST,
     .exit_code = -1,
     .lost_reason = "supervisor 4242 gone, no cgroup"},
    {.id = "lost-bare", .status = JOB_LOST, .exit_code = -1},
    {.id = "dep-failed",
     .status = JOB_DEPENDENCY_FAILED,
     .exit_code = -1,
     .reason = "dependency 'completed' failed"},
    {.id = "seccomp",
     .status = JOB_SECCOMP_VIOLATION,
     .exit_code = -1,
     .signal = SIGSYS,
     .syscall = "ptrace"},
    {.id = "seccomp-unknown", .status = JOB_SECCOMP_VIOLATION, .exit_code = -1, .signal = SIGSYS},
    {.id = "queued", .status = JOB_QUEUED, .exit_code = -1, .reason = "waiting for memory"},
    {.id = "running", .status = JOB_RUNNING, .exit_code = -1},
};
#define N_SPECS (sizeof(SPECS) / sizeof(SPECS[0]))

/* A command that a space-joined line could not give back. */
static const char *ARGV[] = {"/bin/sh",  "-c", "echo 'a  b' \"$1\"\n", "", " lead",
                             "ünï\ttab", NULL};

static void make_job(struct store *s, const struct spec *sp, int i)
{
        struct job *j = job_new();
        size_t n = sizeof(ARGV) / sizeof(ARGV[0]);
        j->command = calloc(n, sizeof(char *));
        for (size_t k = 0; ARGV[k]; k++)
                j->command[k] = strdup(i % 2 ? ARGV[k] : k == 0 ? "/bin/true" : ARGV[k]);
        j->created_at = T0 + (uint64_t)(i / 3) * 1000; /* ties: ordered by id */
        j->status = sp->status == JOB_QUEUED ? JOB_QUEUED : JOB_RUNNING;
        if (sp->status == JOB_QUEUED) {
                j->queue_position = 2;
                j->reason = strdup(sp->reason);
        }
        j->limits.timeout_ms = sp->timeout_ms;
        j->memory_limit_bytes = sp->limit;
        int lock;
        assert_int_equal(store_job_create(s, j, sp->id, NULL, 0, &lock, NULL), 0);
        if (sp->status == JOB_RUNNING) {
                j->progress.percent = 40;
                j->progress.message = strdup("step 2 of 5");
                assert_int_equal(store_job_save(s, j), 0);
        } else if (sp->status != JOB_QUEUED) {
                j->status = sp->status;
                j->started_at = j->created_at + 100;
                j->finished_at = j->created_at + 900;
                j->exit_code = sp->exit_code;
                j->signal = sp->signal;
                j->memory_peak_bytes = sp->peak;
                j->oom_kills = sp->status == JOB_OOM_KILLED;
                j->oom_cause = sp->status == JOB_OOM_KILLED ? strdup("job_limit") : NULL;
                j->wall_ms = sp->wall_ms;
                j->cpu_usage_usec = 12345;
                j->reason = sp->reason ? strdup(sp->reason) : NULL;
                j->lost_reason = sp->lost_reason ? strdup(sp->lost_reason) : NULL;
                j->seccomp_syscall = sp->syscall ? strdup(sp->syscall) : NULL;
                assert_int_equal(store_job_save(s, j), 0);
        }
        close(lock);
        job_free(j);
}

static struct store *make_store(void)
{
        struct store *s = NULL;
        assert_int_equal(store_open(statedir, NULL, &s), 0);
        for (size_t i = 0; i < N_SPECS; i++)
                make_job(s, &SPECS[i], (int)i);
        return s;
}

/* The page's list_jobs entries, as one text: the JSON of each, its line. */
static char *render(const struct store_list *l)
{
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        assert_non_null(f);
        for (size_t i = 0; i < l->n; i++) {
                char line[640];
                cJSON *o = jobview_list_entry(l->jobs[i], line, sizeof(line));
                char *js = cJSON_PrintUnformatted(o);
                fprintf(f, "%s\n%s\n", js, line);
                free(js);
                cJSON_Delete(o);
        }
        fprintf(f, "next_cursor %s\n", l->next_cursor ? l->next_cursor : "(null)");
        fclose(f);
        return text;
}

/* Pages of limit, from the rows and from the records, until the end. */
static size_t compare_pages(struct store *s, size_t limit)
{
        _cleanup_free_ char *cursor = NULL;
        size_t total = 0;
        for (;;) {
                struct store_list brief = {0}, full = {0};
                assert_int_equal(store_list_brief(s, NULL, cursor, limit, &brief), 0);
                assert_int_equal(store_list_jobs(s, NULL, cursor, limit, &full), 0);
                _cleanup_free_ char *a = render(&brief), *b = render(&full);
                assert_string_equal(a, b);
                total += brief.n;
                free(cursor);
                cursor = brief.next_cursor ? strdup(brief.next_cursor) : NULL;
                store_list_done(&brief);
                store_list_done(&full);
                if (!cursor)
                        return total;
        }
}

static void entries_from_rows_read_as_records(void **state)
{
        _cleanup_(store_freep) struct store *s = make_store();
        /* The rows hold the finished jobs: 18 rows, 2 live. */
        struct store_index *ix = NULL;
        assert_int_equal(store_index_open(s, &ix, NULL), 0);
        sqlite3_stmt *st = NULL;
        assert_int_equal(
            sqlite3_prepare_v2(store_index_db(ix), "SELECT count(*) FROM jobs", -1, &st, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(st, 0), (int)N_SPECS - 2);
        sqlite3_finalize(st);
        store_index_free(ix);

        assert_int_equal(compare_pages(s, 50), N_SPECS);
        assert_int_equal(compare_pages(s, 3), N_SPECS);
        assert_int_equal(compare_pages(s, 1), N_SPECS);

        /* The summaries carry their figures (not only the status name). */
        struct store_list l = {0};
        assert_int_equal(store_list_brief(s, NULL, NULL, 50, &l), 0);
        _cleanup_free_ char *text = render(&l);
        store_list_done(&l);
        assert_non_null(strstr(text, "oom-limit  oom_killed: 32"));
        assert_non_null(strstr(text, "killed  killed: signal SIGKILL"));
        assert_non_null(strstr(text, "seccomp  seccomp_violation: system call ptrace denied"));
        assert_non_null(strstr(text, "timed-out  timed_out: after 1.5 s (limit 1.5 s)"));
        assert_non_null(strstr(text, "lost  lost: supervisor 4242 gone"));
        assert_non_null(strstr(text, "failed-empty-reason  failed: \n"));
        assert_non_null(strstr(text, "\"\",\" lead\",\"ünï\\ttab\"]"));

        /* Newest first, as `corral list` pages (store_list_query). */
        for (size_t limit = 1; limit <= N_SPECS + 1; limit += 4) {
                struct store_index_query q = {.limit = limit, .brief = true};
                struct store_list a = {0}, b = {0};
                assert_int_equal(store_list_query(s, &q, &a), 0);
                q.brief = false;
                assert_int_equal(store_list_query(s, &q, &b), 0);
                _cleanup_free_ char *ta = render(&a), *tb = render(&b);
                assert_string_equal(ta, tb);
                store_list_done(&a);
                store_list_done(&b);
        }
}

static void row_of_removed_job_not_listed(void **state)
{
        _cleanup_(store_freep) struct store *s = make_store();
        /* An interrupted removal: the directory gone (renamed away), its row left. */
        assert_int_equal(renameat(store_jobs_fd(s), "failed", store_jobs_fd(s), ".trash-failed"),
                         0);
        struct store_list l = {0};
        assert_int_equal(store_list_brief(s, NULL, NULL, 50, &l), 0);
        assert_int_equal(l.n, N_SPECS - 1);
        for (size_t i = 0; i < l.n; i++)
                assert_string_not_equal(l.jobs[i]->id, "failed");
        store_list_done(&l);
        /* And its row is dropped: the listing from the records agrees. */
        assert_int_equal(compare_pages(s, 4), N_SPECS - 1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(entries_from_rows_read_as_records, setup, teardown),
            cmocka_unit_test_setup_teardown(row_of_removed_job_not_listed, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
