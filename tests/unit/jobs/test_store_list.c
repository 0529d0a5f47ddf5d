/* Unit tests for listing through the index (store-list.c), the active set
 * (store-active.c) and the index's reconciliation (store-index.c): pages by
 * cursor across inserts and finishes, newest-first pages back in time, records
 * written behind the index's back, the once-a-boot walk, gc from the index
 * (by age, and with a disk budget: the scan's choice, from the rows' usage),
 * a damaged index rebuilt by the query that meets it, and a schema-3 index
 * rebuilt with every row's usage. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <sqlite3.h>

#include "retention.h"
#include "store-active.h"
#include "store-index.h"
#include "store-list.h"
#include "store.h"
#include "store-test-util.h"
#include "store-test-fixture.h"

#define T0 1700000000000000ull

/* A job created at T0 + i ms: queued/running ones stay live, others as a
 * supervisor leaves them (created running, then the final save). */
static void make_job(struct store *s, const char *id, int i, enum job_status st)
{
        struct job *j = test_job(NULL);
        j->created_at = T0 + (uint64_t)i * 1000;
        j->status = JOB_RUNNING;
        int lock;
        assert_int_equal(store_job_create(s, j, id, NULL, 0, &lock, NULL), 0);
        if (st != JOB_RUNNING) {
                j->status = st;
                j->finished_at = j->created_at + 500;
                assert_int_equal(store_job_save(s, j), 0);
        }
        close(lock);
        job_free(j);
}

static bool marked(struct store *s, const char *id)
{
        return faccessat(store_active_fd(s), id, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static int64_t sql_int(struct store *s, const char *sql)
{
        struct store_index *ix = NULL;
        assert_int_equal(store_index_open(s, &ix, NULL), 0);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(store_index_db(ix), sql, -1, &st, NULL), SQLITE_OK);
        int64_t v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        sqlite3_finalize(st);
        store_index_free(ix);
        return v;
}

static void sql_exec(struct store *s, const char *sql)
{
        struct store_index *ix = NULL;
        assert_int_equal(store_index_open(s, &ix, NULL), 0);
        assert_int_equal(sqlite3_exec(store_index_db(ix), sql, NULL, NULL, NULL), SQLITE_OK);
        store_index_free(ix);
}

static void pages_across_inserts_and_finishes(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        char id[32];
        for (int i = 0; i < 40; i++) {
                snprintf(id, sizeof(id), "a%02d", 40 - i); /* ids against time order */
                make_job(s, id, i, i % 10 == 3 ? JOB_RUNNING : JOB_COMPLETED);
        }
        assert_true(marked(s, "a37"));  /* i = 3: running */
        assert_false(marked(s, "a40")); /* i = 0: finished and indexed */
        assert_int_equal(sql_int(s, "SELECT count(*) FROM jobs"), 36);

        char *cursor = NULL;
        char seen[64][32];
        size_t n = 0;
        uint64_t last = 0;
        for (int page = 0; page < 20; page++) {
                struct store_list l;
                assert_int_equal(store_list_jobs(s, NULL, cursor, 7, &l), 0);
                assert_true(l.n <= 7);
                for (size_t i = 0; i < l.n; i++) {
                        assert_true(l.jobs[i]->created_at > last); /* in order, never twice */
                        last = l.jobs[i]->created_at;
                        snprintf(seen[n++], sizeof(seen[0]), "%s", l.jobs[i]->id);
                }
                free(cursor);
                cursor = l.next_cursor ? strdup(l.next_cursor) : NULL;
                store_list_done(&l);
                if (page == 1) {
                        /* Between pages: a running job behind the cursor
                         * finishes, one ahead finishes, and new jobs come. */
                        struct job *j;
                        int lock;
                        assert_int_equal(store_job_lock(s, "a37", true, &lock), 0);
                        assert_int_equal(store_job_load(s, "a37", &j, NULL), 0);
                        j->status = JOB_FAILED;
                        assert_int_equal(store_job_save(s, j), 0);
                        job_free(j);
                        close(lock);
                        assert_int_equal(store_job_lock(s, "a27", true, &lock), 0);
                        assert_int_equal(store_job_load(s, "a27", &j, NULL), 0);
                        j->status = JOB_COMPLETED;
                        assert_int_equal(store_job_save(s, j), 0);
                        job_free(j);
                        close(lock);
                        make_job(s, "new-done", 100, JOB_COMPLETED);
                        make_job(s, "new-live", 101, JOB_RUNNING);
                }
                if (!cursor)
                        break;
        }
        assert_int_equal(n, 42);
        assert_string_equal(seen[0], "a40");
        assert_string_equal(seen[40], "new-done");
        assert_string_equal(seen[41], "new-live");
        assert_false(marked(s, "a27"));
        assert_true(marked(s, "new-live"));

        /* Live ones only: from the active set. */
        struct store_filter f = {.status_mask = STORE_STATUS_BIT(JOB_RUNNING)};
        struct store_list l;
        assert_int_equal(store_list_jobs(s, &f, NULL, 0, &l), 0);
        assert_int_equal(l.n, 3); /* a17, a07, new-live */
        assert_string_equal(l.jobs[2]->id, "new-live");
        store_list_done(&l);
        f.status_mask = STORE_STATUS_BIT(JOB_FAILED);
        assert_int_equal(store_list_jobs(s, &f, NULL, 0, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.jobs[0]->id, "a37");
        store_list_done(&l);
}

static void newest_pages_back(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        char id[32];
        for (int i = 0; i < 23; i++) {
                snprintf(id, sizeof(id), "b%02d", i);
                make_job(s, id, i, i == 20 ? JOB_RUNNING : JOB_COMPLETED);
        }
        struct store_index_query q = {.limit = 5};
        int64_t prev = INT64_MAX;
        size_t total = 0;
        for (int page = 0; page < 10; page++) {
                struct store_list l;
                assert_int_equal(store_list_query(s, &q, &l), 0);
                assert_true(l.n <= 5);
                /* Each page oldest first, and older than the one before. */
                for (size_t i = 0; i < l.n; i++) {
                        if (i)
                                assert_true(l.jobs[i - 1]->created_at < l.jobs[i]->created_at);
                        assert_true((int64_t)l.jobs[i]->created_at < prev);
                }
                if (page == 0)
                        assert_string_equal(l.jobs[4]->id, "b22");
                total += l.n;
                bool more = l.next_cursor != NULL;
                if (more) {
                        static char before[32];
                        snprintf(before, sizeof(before), "%s", l.jobs[0]->id);
                        q.before_id = before;
                        q.before_created = l.jobs[0]->created_at;
                        prev = (int64_t)l.jobs[0]->created_at;
                }
                store_list_done(&l);
                if (!more)
                        break;
        }
        assert_int_equal(total, 23);
        /* Filters on live jobs too (command, time). */
        q = (struct store_index_query){
            .command = "hello", .since = T0 + 20 * 1000, .until = T0 + 21 * 1000};
        char **ids = NULL;
        bool more = true;
        assert_int_equal(store_list_ids(s, &q, &ids, &more), 0);
        assert_string_equal(ids[0], "b20");
        assert_null(ids[1]);
        assert_false(more);
        store_ids_free(ids);
        uint64_t c;
        const char *cid;
        assert_int_equal(store_cursor_parse("1.5./etc", &c, &cid), -EINVAL);
        assert_int_equal(store_cursor_parse("1.42.b01", &c, &cid), 0);
        assert_int_equal(c, 42);
        assert_string_equal(cid, "b01");
}

static void written_behind_the_index(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        make_job(s, "c1", 1, JOB_COMPLETED);
        make_job(s, "c2", 2, JOB_RUNNING);
        struct store_list l;
        assert_int_equal(store_list_jobs(s, NULL, NULL, 0, &l), 0);
        assert_int_equal(l.n, 2);
        store_list_done(&l);

        /* The supervisor of c2 wrote its final record and died before the
         * index: the marker is still there, so the next listing sees it. */
        int dfd;
        assert_int_equal(store_job_open_dir(s, "c2", &dfd), 0);
        struct job *j;
        assert_int_equal(store_job_load(s, "c2", &j, NULL), 0);
        j->status = JOB_OOM_KILLED;
        j->finished_at = j->created_at + 1;
        char *text;
        size_t len;
        assert_int_equal(job_to_json(j, &text, &len), 0);
        assert_int_equal(test_write_at(dfd, "job.json", text), 0);
        free(text);
        job_free(j);
        close(dfd);
        struct store_filter f = {.status_mask = STORE_STATUS_BIT(JOB_OOM_KILLED)};
        assert_int_equal(store_list_jobs(s, &f, NULL, 0, &l), 0);
        assert_int_equal(l.n, 1);
        assert_string_equal(l.jobs[0]->id, "c2");
        store_list_done(&l);
        assert_int_equal(
            sql_int(s, "SELECT count(*) FROM jobs WHERE id='c2' AND status='oom_killed'"), 1);
        assert_false(marked(s, "c2"));

        /* A completed job with a state patch keeps its marker until the
         * patch is applied: the replay at start-up finds it there. */
        struct job *p = test_job(NULL);
        int lock;
        assert_int_equal(store_job_create(s, p, "c3", NULL, 0, &lock, NULL), 0);
        assert_int_equal(store_job_open_dir(s, "c3", &dfd), 0);
        assert_int_equal(test_write_at(dfd, "results.json", "{\"v\": 1}"), 0);
        close(dfd);
        p->status = JOB_COMPLETED;
        assert_int_equal(job_set_string(&p->state_patch_field, "f"), 0);
        assert_int_equal(store_job_save(s, p), 0);
        assert_true(marked(s, "c3"));
        char **ids;
        assert_int_equal(store_state_pending(s, &ids), 1);
        store_ids_free(ids);
        assert_int_equal(store_state_apply(s, p, NULL), 1);
        assert_false(marked(s, "c3"));
        assert_int_equal(store_state_pending(s, &ids), 0);
        store_ids_free(ids);
        close(lock);
        job_free(p);
}

static void walk_once_a_boot(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        make_job(s, "d1", 1, JOB_COMPLETED);
        make_job(s, "d2", 2, JOB_RUNNING);
        struct store_list l;
        assert_int_equal(store_list_jobs(s, NULL, NULL, 0, &l), 0);
        store_list_done(&l);
        /* A power loss took d2's marker (markers are not synced) and d1's
         * row (synchronous=NORMAL): within this boot they are not seen ... */
        assert_int_equal(store_active_remove(s, "d2"), 0);
        sql_exec(s, "DELETE FROM jobs WHERE id='d1'");
        assert_int_equal(store_list_jobs(s, NULL, NULL, 0, &l), 0);
        assert_int_equal(l.n, 0);
        store_list_done(&l);
        /* ... but the next boot's first reader walks jobs/ and finds both. */
        sql_exec(s, "UPDATE meta SET value='another boot' WHERE key='boot_id'");
        assert_int_equal(store_list_jobs(s, NULL, NULL, 0, &l), 0);
        assert_int_equal(l.n, 2);
        store_list_done(&l);
        assert_true(marked(s, "d2"));
        assert_int_equal(sql_int(s, "SELECT count(*) FROM jobs WHERE id='d1'"), 1);
}

static void gc_from_the_index(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        uint64_t day = 24ull * 3600 * 1000000, now = T0 + 30 * day;
        make_job(s, "old", 0, JOB_COMPLETED);    /* finished T0 + 0.5 ms */
        make_job(s, "old-live", 1, JOB_RUNNING); /* never removed */
        struct job *j = test_job(NULL);
        j->created_at = now - day;
        j->status = JOB_COMPLETED;
        j->finished_at = now - day;
        assert_int_equal(store_job_create(s, j, "young", NULL, 0, NULL, NULL), 0);
        job_free(j);
        size_t removed = 0;
        assert_int_equal(store_gc(s, RETENTION_DEFAULT_TTL_USEC, 0, now, &removed), 0);
        assert_int_equal(removed, 1);
        struct job *k;
        assert_int_equal(store_job_load(s, "old", &k, NULL), -ENOENT);
        assert_int_equal(store_job_load(s, "old-live", &k, NULL), 0);
        job_free(k);
        assert_int_equal(store_job_load(s, "young", &k, NULL), 0);
        job_free(k);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM jobs WHERE id='old'"), 0);
        assert_false(marked(s, "old"));
        /* Nothing more to remove: a second pass removes nothing. */
        assert_int_equal(store_gc(s, RETENTION_DEFAULT_TTL_USEC, 0, now, &removed), 0);
        assert_int_equal(removed, 0);

        /* An interrupted removal: its marker and a trash directory stay;
         * gc walks jobs/ for it, and the row goes. */
        int jobs = store_jobs_fd(s);
        assert_int_equal(renameat(jobs, "young", jobs, ".trash-young-0123456789abcdef"), 0);
        assert_int_equal(store_active_add(s, "young"), 0);
        assert_int_equal(store_gc(s, RETENTION_DEFAULT_TTL_USEC, 0, now, &removed), 0);
        assert_int_equal(
            faccessat(jobs, ".trash-young-0123456789abcdef", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM jobs WHERE id='young'"), 0);
}

/* ---- gc with a disk budget, from the index ------------------------------------ */

/* A job with bytes of output in stdout.log, written before its final record
 * as a job's are; finished (unless st is JOB_RUNNING) at finished (0: none). */
static void make_sized(struct store *s, const char *id, uint64_t created, uint64_t finished,
                       size_t bytes, enum job_status st)
{
        struct job *j = test_job(NULL);
        j->created_at = created;
        j->status = JOB_RUNNING;
        int lock, dfd, fd;
        assert_int_equal(store_job_create(s, j, id, NULL, 0, &lock, NULL), 0);
        assert_int_equal(store_job_open_dir(s, id, &dfd), 0);
        assert_int_equal(store_job_open_log(dfd, 1, &fd), 0);
        char buf[4096];
        memset(buf, 'x', sizeof(buf));
        for (size_t done = 0; done < bytes;) {
                size_t n = bytes - done < sizeof(buf) ? bytes - done : sizeof(buf);
                assert_int_equal(write(fd, buf, n), (ssize_t)n);
                done += n;
        }
        close(fd);
        close(dfd);
        if (st != JOB_RUNNING) {
                j->status = st;
                j->finished_at = finished;
                assert_int_equal(store_job_save(s, j), 0);
        }
        close(lock);
        job_free(j);
}

static int cmp_id(const void *a, const void *b)
{
        return strcmp((const char *)a, (const char *)b);
}

/* What the scan chooses, by hand: every job listed, every directory measured,
 * retention_select over all of them.  The ids, sorted, in ids; how many. */
static size_t chosen_by_scan(struct store *s, uint64_t ttl, uint64_t budget, uint64_t now,
                             char ids[][32])
{
        struct store_list l;
        assert_int_equal(store_list_jobs(s, NULL, NULL, 0, &l), 0);
        struct retention_entry *e = calloc(l.n + 1, sizeof(*e));
        assert_non_null(e);
        for (size_t i = 0; i < l.n; i++) {
                e[i] = (struct retention_entry){.status = l.jobs[i]->status,
                                                .finished_at = l.jobs[i]->finished_at,
                                                .created_at = l.jobs[i]->created_at};
                assert_int_equal(store_job_disk_usage(s, l.jobs[i]->id, &e[i].disk_bytes), 0);
        }
        struct retention_policy p = {.ttl_usec = ttl, .disk_budget_bytes = budget};
        size_t *pick = NULL;
        int n = retention_select(e, l.n, &p, now, &pick);
        assert_true(n >= 0);
        for (int i = 0; i < n; i++)
                snprintf(ids[i], 32, "%s", l.jobs[pick[i]]->id);
        if (n > 1)
                qsort(ids, (size_t)n, 32, cmp_id);
        free(pick);
        free(e);
        store_list_done(&l);
        return (size_t)n;
}

/* The ids of names[] that are gone, sorted. */
static size_t gone(struct store *s, const char *const *names, size_t n, char ids[][32])
{
        size_t k = 0;
        for (size_t i = 0; i < n; i++) {
                int dfd;
                if (store_job_open_dir(s, names[i], &dfd) == -ENOENT)
                        snprintf(ids[k++], 32, "%s", names[i]);
                else
                        close(dfd);
        }
        return k; /* names[] is sorted */
}

static uint64_t usage(struct store *s, const char *id)
{
        uint64_t b = 0;
        assert_int_equal(store_job_disk_usage(s, id, &b), 0);
        return b;
}

static int64_t row_bytes(struct store *s, const char *id)
{
        char sql[128];
        snprintf(sql, sizeof(sql), "SELECT disk_bytes FROM jobs WHERE id='%s'", id);
        return sql_int(s, sql);
}

#define MS 1000ull

/* Finished jobs of different sizes, their finishes out of creation order, a
 * tie on finished_at, one without finished_at, and a big live job. */
static const char *const sized_ids[] = {"f01", "f02", "f03", "f04", "f05", "f06",
                                        "f07", "f08", "f09", "f10", "f11", "live"};
#define N_SIZED (sizeof(sized_ids) / sizeof(sized_ids[0]))

/* gc with budget removes exactly the sized jobs the scan would choose, in its
 * order; returns how many. */
static size_t gc_removes_as_scan(struct store *s, uint64_t budget, uint64_t now)
{
        char want[N_SIZED][32], got[N_SIZED][32];
        size_t n_want = chosen_by_scan(s, 0, budget, now, want), removed = 0;
        assert_int_equal(store_gc(s, 0, budget, now, &removed), 0);
        assert_int_equal(removed, n_want);
        assert_int_equal(gone(s, sized_ids, N_SIZED, got), n_want);
        for (size_t i = 0; i < n_want; i++)
                assert_string_equal(got[i], want[i]);
        return n_want;
}

static void make_sized_store(struct store *s)
{
        for (int i = 0; i < 11; i++) {
                uint64_t created = T0 + (uint64_t)i * MS;
                /* Finished in a shuffled order; f03 and f07 at the same time. */
                uint64_t finished = T0 + 100 * MS + (uint64_t)((i * 7) % 11) * MS;
                if (i == 6)
                        finished = T0 + 100 * MS + 3 * MS; /* as f03 */
                if (i == 9)
                        finished = 0; /* aged by created_at: the oldest */
                make_sized(s, sized_ids[i], created, finished, (size_t)(i % 4) * 9000 + 100,
                           i % 3 ? JOB_COMPLETED : JOB_FAILED);
        }
        make_sized(s, "live", T0, 0, 64 * 1024, JOB_RUNNING);
}

static void gc_budget_from_the_index(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        make_sized_store(s);
        uint64_t now = T0 + 24ull * 3600 * 1000000, total = 0;
        for (size_t i = 0; i < N_SIZED; i++)
                total += usage(s, sized_ids[i]);
        assert_true(usage(s, "live") >= 64 * 1024);

        char want[N_SIZED][32], got[N_SIZED][32];
        /* Budgets that remove nothing, some, and every finished job (the live
         * job's bytes alone exceed the last): each the scan's choice. */
        uint64_t budgets[] = {total, total - 1, total * 7 / 10, total / 2, 4096};
        size_t last = 0;
        for (size_t b = 0; b < sizeof(budgets) / sizeof(budgets[0]); b++) {
                size_t n_want = chosen_by_scan(s, 0, budgets[b], now, want);
                size_t removed = 0;
                assert_int_equal(store_gc(s, 0, budgets[b], now, &removed), 0);
                size_t n_got = gone(s, sized_ids, N_SIZED, got);
                assert_int_equal(removed, n_got - last);
                /* Cumulative: what went before plus this pass's choice. */
                assert_true(n_got >= n_want);
                for (size_t i = 0; i < n_want; i++)
                        assert_non_null(bsearch(want[i], got, n_got, 32, cmp_id));
                assert_int_equal(n_got, last + n_want);
                last = n_got;
                int64_t rows = sql_int(s, "SELECT count(*) FROM jobs");
                assert_int_equal(rows, 11 - (int64_t)n_got);
        }
        assert_int_equal(last, 11); /* the live job's 64 KiB are over 4096 */
        struct job *k;
        assert_int_equal(store_job_load(s, "live", &k, NULL), 0);
        job_free(k);
}

static void gc_budget_oldest_first(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        make_sized_store(s);
        uint64_t now = T0 + 24ull * 3600 * 1000000, total = 0;
        for (size_t i = 0; i < N_SIZED; i++)
                total += usage(s, sized_ids[i]);
        /* Oldest: f10 (no finished_at: created T0 + 9 ms), then by finish
         * f01 (+0), f09 (+1: (8*7)%11), f06 (+2), f03 (+3), f07 (+3, the
         * tie: created later than f03). */
        uint64_t excess = usage(s, "f10") + usage(s, "f01") + usage(s, "f09") + usage(s, "f06") +
                          usage(s, "f03") + 1;
        size_t removed = 0;
        assert_int_equal(store_gc(s, 0, total - excess, now, &removed), 0);
        assert_int_equal(removed, 6);
        char got[N_SIZED][32];
        assert_int_equal(gone(s, sized_ids, N_SIZED, got), 6);
        const char *const expect[] = {"f01", "f03", "f06", "f07", "f09", "f10"};
        for (size_t i = 0; i < 6; i++)
                assert_string_equal(got[i], expect[i]);

        /* With a TTL too: the expired ones go whatever the budget. */
        char want[N_SIZED][32];
        uint64_t ttl = now - (T0 + 100 * MS + 6 * MS); /* finished before +6 ms */
        size_t n_want = chosen_by_scan(s, ttl, 1ull << 40, now, want);
        assert_true(n_want > 0);
        assert_int_equal(store_gc(s, ttl, 1ull << 40, now, &removed), 0);
        assert_int_equal(removed, n_want);

        /* The figures are the index's: a row that claims a terabyte puts the
         * store over a budget its directories are far under. */
        sql_exec(s, "UPDATE jobs SET disk_bytes=1099511627776 WHERE id='f04'");
        int64_t left = sql_int(s, "SELECT count(*) FROM jobs");
        assert_true(left > 0);
        assert_int_equal(store_gc(s, 0, 1ull << 30, now, &removed), 0);
        assert_int_equal(removed, (size_t)left);
}

static void gc_budget_without_an_index(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        make_sized_store(s);
        uint64_t now = T0 + 24ull * 3600 * 1000000, total = 0;
        for (size_t i = 0; i < N_SIZED; i++)
                total += usage(s, sized_ids[i]);
        /* A directory where the index should be: it cannot be opened,
         * removed or created, and gc falls back to the scan. */
        int tfd = store_tenant_fd(s);
        assert_int_equal(unlinkat(tfd, "index.sqlite", 0), 0);
        (void)unlinkat(tfd, "index.sqlite-wal", 0);
        (void)unlinkat(tfd, "index.sqlite-shm", 0);
        assert_int_equal(mkdirat(tfd, "index.sqlite", 0700), 0);
        struct store_index *ix = NULL;
        assert_true(store_index_open(s, &ix, NULL) < 0);

        size_t n = gc_removes_as_scan(s, total / 2, now);
        assert_true(n > 0 && n < 11);
}

static void row_carries_usage(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        make_sized(s, "u1", T0, T0 + MS, 20000, JOB_COMPLETED);
        assert_true(usage(s, "u1") >= 20000);
        assert_int_equal(row_bytes(s, "u1"), (int64_t)usage(s, "u1"));

        /* Written after the final record (supervisor.log, the MCP task
         * marker): the writer refreshes the row. */
        int dfd;
        assert_int_equal(store_job_open_dir(s, "u1", &dfd), 0);
        char big[10000];
        memset(big, 'y', sizeof(big) - 1);
        big[sizeof(big) - 1] = 0;
        assert_int_equal(test_write_at(dfd, "supervisor.log", big), 0);
        close(dfd);
        assert_true((int64_t)usage(s, "u1") > row_bytes(s, "u1"));
        assert_int_equal(store_index_refresh_usage(s, "u1"), 0);
        assert_int_equal(row_bytes(s, "u1"), (int64_t)usage(s, "u1"));

        /* A live job has no row, and a refresh does not make one. */
        make_sized(s, "u2", T0 + MS, 0, 100, JOB_RUNNING);
        assert_int_equal(store_index_refresh_usage(s, "u2"), 0);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM jobs WHERE id='u2'"), 0);

        /* The state patch rewrites the record after the final one. */
        struct job *p = test_job(NULL);
        p->created_at = T0 + 2 * MS;
        int lock;
        assert_int_equal(store_job_create(s, p, "u3", NULL, 0, &lock, NULL), 0);
        assert_int_equal(store_job_open_dir(s, "u3", &dfd), 0);
        assert_int_equal(test_write_at(dfd, "results.json", "{\"v\": 1}"), 0);
        close(dfd);
        p->status = JOB_COMPLETED;
        p->finished_at = T0 + 3 * MS;
        assert_int_equal(job_set_string(&p->state_patch_field, "f"), 0);
        assert_int_equal(store_job_save(s, p), 0);
        assert_int_equal(store_state_apply(s, p, NULL), 1);
        assert_int_equal(row_bytes(s, "u3"), (int64_t)usage(s, "u3"));
        close(lock);
        job_free(p);

        /* The syncs measure too: a row lost (a crash before it) comes back
         * with the usage. */
        sql_exec(s, "DELETE FROM jobs WHERE id='u1'");
        sql_exec(s, "UPDATE meta SET value='another boot' WHERE key='boot_id'");
        char **live = NULL;
        struct store_index *ix = NULL;
        assert_int_equal(store_index_open_synced(s, &ix, &live), 0);
        store_ids_free(live);
        store_index_free(ix);
        assert_int_equal(row_bytes(s, "u1"), (int64_t)usage(s, "u1"));
}

/* Schema 3, as the previous version left it: no disk_bytes. */
static const char SCHEMA_3[] =
    "CREATE TABLE jobs (id TEXT NOT NULL, tenant TEXT NOT NULL, status TEXT NOT NULL,"
    " created_at INTEGER NOT NULL, started_at INTEGER NOT NULL, finished_at INTEGER NOT NULL,"
    " exit_code INTEGER NOT NULL, oom_kills INTEGER NOT NULL, cpu_usage_usec INTEGER NOT NULL,"
    " memory_peak_bytes INTEGER NOT NULL, command TEXT NOT NULL, signal INTEGER NOT NULL,"
    " memory_limit_bytes INTEGER NOT NULL, wall_ms INTEGER NOT NULL, timeout_ms INTEGER NOT NULL,"
    " reason TEXT, lost_reason TEXT, seccomp_syscall TEXT, argv BLOB NOT NULL,"
    " PRIMARY KEY(created_at, id)) WITHOUT ROWID;"
    "CREATE UNIQUE INDEX jobs_id ON jobs(id);"
    "CREATE INDEX jobs_finished ON jobs(finished_at);"
    "CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT) WITHOUT ROWID;"
    "INSERT INTO jobs VALUES('f01','default','completed',1,1,1,0,0,0,0,'x',0,0,0,0,"
    " NULL,NULL,NULL,x'7800');"
    "INSERT INTO meta VALUES('boot_id','x');"
    "PRAGMA user_version=3;";

static void schema_3_rebuilt_with_usage(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        make_sized_store(s);
        int tfd = store_tenant_fd(s);
        assert_int_equal(unlinkat(tfd, "index.sqlite", 0), 0);
        (void)unlinkat(tfd, "index.sqlite-wal", 0);
        (void)unlinkat(tfd, "index.sqlite-shm", 0);
        char path[256];
        snprintf(path, sizeof(path), "%s/tenants/default/index.sqlite", statedir);
        sqlite3 *db = NULL;
        assert_int_equal(
            sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
            SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, SCHEMA_3, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);

        /* The first reader of this version rebuilds it from the records. */
        char **live = NULL;
        struct store_index *ix = NULL;
        assert_int_equal(store_index_open_synced(s, &ix, &live), 0);
        assert_string_equal(live[0], "live");
        assert_null(live[1]);
        store_ids_free(live);
        store_index_free(ix);
        assert_int_equal(sql_int(s, "PRAGMA user_version"), STORE_INDEX_SCHEMA);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM jobs"), 11);
        for (size_t i = 0; i < 11; i++)
                assert_int_equal(row_bytes(s, sized_ids[i]), (int64_t)usage(s, sized_ids[i]));

        /* And gc with a budget answers from it as the scan would. */
        uint64_t now = T0 + 24ull * 3600 * 1000000, total = 0;
        for (size_t i = 0; i < N_SIZED; i++)
                total += usage(s, sized_ids[i]);
        assert_true(gc_removes_as_scan(s, total * 6 / 10, now) > 0);
}

static void damaged_index_rebuilt_by_a_query(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        char id[32];
        for (int i = 0; i < 300; i++) {
                snprintf(id, sizeof(id), "e%03d", i);
                make_job(s, id, i, JOB_COMPLETED);
        }
        sql_exec(s, "PRAGMA wal_checkpoint(TRUNCATE)");
        /* Garbage over every page but the first (the schema): opening works,
         * the query fails, the listing rebuilds and answers right. */
        int tfd = store_tenant_fd(s);
        int fd = openat(tfd, "index.sqlite", O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_true(st.st_size > 8192);
        char junk[4096];
        memset(junk, 0x5a, sizeof(junk));
        for (off_t o = 4096; o < st.st_size; o += 4096)
                assert_int_equal(pwrite(fd, junk, sizeof(junk), o), (ssize_t)sizeof(junk));
        close(fd);
        struct store_index_query q = {.limit = 50};
        struct store_list l;
        assert_int_equal(store_list_query(s, &q, &l), 0);
        assert_int_equal(l.n, 50);
        assert_string_equal(l.jobs[49]->id, "e299");
        store_list_done(&l);
        assert_int_equal(sql_int(s, "SELECT count(*) FROM jobs"), 300);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(pages_across_inserts_and_finishes, setup, teardown),
            cmocka_unit_test_setup_teardown(newest_pages_back, setup, teardown),
            cmocka_unit_test_setup_teardown(written_behind_the_index, setup, teardown),
            cmocka_unit_test_setup_teardown(walk_once_a_boot, setup, teardown),
            cmocka_unit_test_setup_teardown(gc_from_the_index, setup, teardown),
            cmocka_unit_test_setup_teardown(damaged_index_rebuilt_by_a_query, setup, teardown),
            cmocka_unit_test_setup_teardown(gc_budget_from_the_index, setup, teardown),
            cmocka_unit_test_setup_teardown(gc_budget_oldest_first, setup, teardown),
            cmocka_unit_test_setup_teardown(gc_budget_without_an_index, setup, teardown),
            cmocka_unit_test_setup_teardown(row_carries_usage, setup, teardown),
            cmocka_unit_test_setup_teardown(schema_3_rebuilt_with_usage, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
