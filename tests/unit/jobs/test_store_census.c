/* Unit tests for the store's census (store_census in store-list.c and
 * store_index_count in store-index.c), what `corral top` and `corral metrics`
 * show: finished jobs counted by status in the index without reading their
 * records, live jobs read and in order, the newest finished ones, a live job
 * that finishes between the sync and the count counted once, a damaged index
 * rebuilt, and an index that cannot be opened at all replaced by a scan that
 * gives the same answer. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store-active.h"
#include "store-index.h"
#include "store-list.h"
#include "store.h"
#include "store-test-util.h"
#include "store-test-fixture.h"

#define T0 1700000000000000ull

/* A job created at T0 + i ms with status st, written as a supervisor does:
 * created running (queued: created so), then the final save. */
static void make_job(struct store *s, const char *id, int i, enum job_status st)
{
        struct job *j = test_job(NULL);
        j->created_at = T0 + (uint64_t)i * 1000;
        j->status = st == JOB_QUEUED ? JOB_QUEUED : JOB_RUNNING;
        int lock;
        assert_int_equal(store_job_create(s, j, id, NULL, 0, &lock, NULL), 0);
        if (job_status_is_terminal(st)) {
                j->status = st;
                j->finished_at = j->created_at + 500;
                if (st == JOB_FAILED)
                        j->exit_code = 3;
                assert_int_equal(store_job_save(s, j), 0);
        }
        close(lock);
        job_free(j);
}

/* Finishes a live job as its supervisor would (record, then row). */
static void finish(struct store *s, const char *id, enum job_status st)
{
        struct job *j = NULL;
        assert_int_equal(store_job_load(s, id, &j, NULL), 0);
        j->status = st;
        j->finished_at = j->created_at + 900;
        assert_int_equal(store_job_save(s, j), 0);
        job_free(j);
}

/* 30 finished (22 completed, 5 failed, 3 oom_killed), 2 running, 1 queued,
 * created in an order the ids do not follow. */
static void fill(struct store *s)
{
        char id[32];
        for (int i = 0; i < 33; i++) {
                snprintf(id, sizeof(id), "c%02d", 40 - i);
                enum job_status st = i == 5 || i == 21 ? JOB_RUNNING
                                     : i == 30         ? JOB_QUEUED
                                     : i % 11 == 2     ? JOB_OOM_KILLED
                                     : i % 4 == 1      ? JOB_FAILED
                                                       : JOB_COMPLETED;
                make_job(s, id, i, st);
        }
}

static void counts_live_and_newest(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        fill(s);
        struct store_census c;
        assert_int_equal(store_census(s, 4, &c), 0);
        assert_int_equal(c.by_status[JOB_COMPLETED], 22);
        assert_int_equal(c.by_status[JOB_FAILED], 5);
        assert_int_equal(c.by_status[JOB_OOM_KILLED], 3);
        assert_int_equal(c.by_status[JOB_RUNNING], 2);
        assert_int_equal(c.by_status[JOB_QUEUED], 1);
        assert_int_equal(c.by_status[JOB_LOST], 0);
        /* The live ones, read, oldest first. */
        assert_int_equal(c.n_live, 3);
        assert_string_equal(c.live[0]->id, "c35"); /* i = 5 */
        assert_string_equal(c.live[1]->id, "c19"); /* i = 21 */
        assert_string_equal(c.live[2]->id, "c10"); /* i = 30 */
        assert_int_equal(c.live[2]->status, JOB_QUEUED);
        /* The newest four finished (i = 32, 31, 29, 28), oldest first, with
         * what a view shows of them. */
        assert_int_equal(c.n_finished, 4);
        assert_string_equal(c.finished[0]->id, "c12");
        assert_string_equal(c.finished[1]->id, "c11");
        assert_string_equal(c.finished[2]->id, "c09");
        assert_string_equal(c.finished[3]->id, "c08");
        assert_int_equal(c.finished[1]->status, JOB_FAILED); /* i = 29 */
        assert_int_equal(c.finished[1]->exit_code, 3);
        assert_int_equal(c.n_unreadable, 0);
        store_census_done(&c);
}

/* The race the snapshot closes: a job live at the sync whose row is
 * committed before the count is counted once, by its record. */
static void finished_after_the_sync_counted_once(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        fill(s);
        struct store_index *ix = NULL;
        char **live = NULL;
        assert_int_equal(store_index_open_synced(s, &ix, &live), 0);
        assert_string_equal(live[0], "c10"); /* queued */
        assert_string_equal(live[1], "c19");
        assert_string_equal(live[2], "c35");
        finish(s, "c35", JOB_TIMED_OUT);
        size_t n[_JOB_STATUS_MAX] = {0};
        assert_int_equal(store_index_count(ix, live, n), 0);
        assert_int_equal(n[JOB_TIMED_OUT], 0); /* its record counts it, not its row */
        assert_int_equal(n[JOB_COMPLETED] + n[JOB_FAILED] + n[JOB_OOM_KILLED], 30);
        store_ids_free(live);
        store_index_free(ix);

        struct store_census c;
        assert_int_equal(store_census(s, 1, &c), 0);
        assert_int_equal(c.by_status[JOB_TIMED_OUT], 1);
        assert_int_equal(c.by_status[JOB_RUNNING], 1);
        assert_int_equal(c.n_live, 2);
        store_census_done(&c);
}

static void census_equal(const struct store_census *a, const struct store_census *b)
{
        assert_memory_equal(a->by_status, b->by_status, sizeof(a->by_status));
        assert_int_equal(a->n_live, b->n_live);
        for (size_t i = 0; i < a->n_live; i++)
                assert_string_equal(a->live[i]->id, b->live[i]->id);
        assert_int_equal(a->n_finished, b->n_finished);
        for (size_t i = 0; i < a->n_finished; i++) {
                assert_string_equal(a->finished[i]->id, b->finished[i]->id);
                assert_int_equal(a->finished[i]->status, b->finished[i]->status);
        }
}

/* Garbage over the index's pages: the count meets it, rebuilds, answers the
 * same.  Then an index that cannot be opened at all (a directory where the
 * file should be): every record is read, same answer again. */
static void damaged_or_unusable_index(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        fill(s);
        struct store_census want;
        assert_int_equal(store_census(s, 5, &want), 0);

        struct store_index *ix = NULL;
        assert_int_equal(store_index_open(s, &ix, NULL), 0);
        assert_int_equal(
            sqlite3_exec(store_index_db(ix), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL),
            0);
        store_index_free(ix);
        int tfd = store_tenant_fd(s);
        int fd = openat(tfd, "index.sqlite", O_RDWR | O_CLOEXEC);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        char junk[4096];
        memset(junk, 0x5a, sizeof(junk));
        for (off_t o = 4096; o < st.st_size; o += 4096)
                assert_int_equal(pwrite(fd, junk, sizeof(junk), o), (ssize_t)sizeof(junk));
        close(fd);
        struct store_census got;
        assert_int_equal(store_census(s, 5, &got), 0);
        census_equal(&want, &got);
        store_census_done(&got);

        assert_int_equal(unlinkat(tfd, "index.sqlite", 0), 0);
        (void)unlinkat(tfd, "index.sqlite-wal", 0);
        (void)unlinkat(tfd, "index.sqlite-shm", 0);
        assert_int_equal(mkdirat(tfd, "index.sqlite", 0700), 0);
        struct store_index *none = NULL;
        assert_true(store_index_open(s, &none, NULL) < 0); /* really unusable */
        assert_int_equal(store_census(s, 5, &got), 0);
        census_equal(&want, &got);
        store_census_done(&got);
        assert_int_equal(unlinkat(tfd, "index.sqlite", AT_REMOVEDIR), 0);
        store_census_done(&want);
}

/* "status jobs bytes;" per status from the totals the triggers keep, and the
 * same counted over the rows: they must agree after any write. */
static void totals_text(struct store *s, const char *sql, char *buf, size_t len)
{
        struct store_index *ix = NULL;
        assert_int_equal(store_index_open(s, &ix, NULL), 0);
        sqlite3_stmt *st = NULL;
        assert_int_equal(sqlite3_prepare_v2(store_index_db(ix), sql, -1, &st, NULL), SQLITE_OK);
        size_t o = 0;
        buf[0] = 0;
        while (sqlite3_step(st) == SQLITE_ROW && o < len)
                o += (size_t)snprintf(buf + o, len - o, "%s %lld %lld;", sqlite3_column_text(st, 0),
                                      (long long)sqlite3_column_int64(st, 1),
                                      (long long)sqlite3_column_int64(st, 2));
        sqlite3_finalize(st);
        store_index_free(ix);
}

static void assert_totals_right(struct store *s)
{
        char kept[512], counted[512];
        totals_text(s,
                    "SELECT status, jobs, disk_bytes FROM totals WHERE jobs<>0 OR disk_bytes<>0"
                    " ORDER BY status",
                    kept, sizeof(kept));
        totals_text(s,
                    "SELECT status, COUNT(*), SUM(disk_bytes) FROM jobs GROUP BY status"
                    " ORDER BY status",
                    counted, sizeof(counted));
        assert_string_equal(kept, counted);
}

/* The totals follow every kind of write: a row added, replaced with another
 * status (REPLACE deletes and inserts), its usage refreshed, removed with its
 * job, dropped by a reconciliation, and a whole rebuild. */
static void totals_follow_every_write(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store();
        fill(s);
        assert_totals_right(s);
        finish(s, "c35", JOB_TIMED_OUT); /* a new row */
        assert_totals_right(s);

        /* The same row again with another status and size: REPLACE. */
        struct job *j = NULL;
        assert_int_equal(store_job_load(s, "c12", &j, NULL), 0);
        j->status = JOB_KILLED;
        struct store_index *ix = NULL;
        assert_int_equal(store_index_open(s, &ix, NULL), 0);
        assert_int_equal(store_index_put(ix, j, 123456), 0);
        store_index_free(ix);
        job_free(j);
        assert_totals_right(s);

        /* A finished job's directory grows: its row's usage is refreshed. */
        int dfd = -1;
        assert_int_equal(store_job_open_dir(s, "c08", &dfd), 0);
        int fd = openat(dfd, "extra.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        char block[65536];
        memset(block, 'x', sizeof(block));
        assert_int_equal(write(fd, block, sizeof(block)), (ssize_t)sizeof(block));
        close(fd);
        close(dfd);
        assert_int_equal(store_index_refresh_usage(s, "c08"), 0);
        assert_totals_right(s);

        /* Removed with its job; and a row whose directory went behind the
         * store's back, dropped by the reconciliation. */
        assert_int_equal(store_job_remove(s, "c09"), 0);
        assert_totals_right(s);
        char path[256];
        snprintf(path, sizeof(path), "%s/tenants/default/jobs/c11", statedir);
        assert_int_equal(test_rm_rf(path), 0);
        assert_int_equal(store_active_add(s, "c11"), 0); /* as an interrupted removal leaves it */
        struct store_census c;
        assert_int_equal(store_census(s, 0, &c), 0);
        store_census_done(&c);
        assert_totals_right(s);

        /* Rebuilt from the records: the totals are the rows' again. */
        assert_int_equal(store_index_open(s, &ix, NULL), 0);
        assert_int_equal(store_index_rebuild(s, &ix), 0);
        char **live = NULL;
        assert_int_equal(store_index_sync(ix, s, &live), 0);
        store_ids_free(live);
        store_index_free(ix);
        assert_totals_right(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(counts_live_and_newest, setup, teardown),
            cmocka_unit_test_setup_teardown(finished_after_the_sync_counted_once, setup, teardown),
            cmocka_unit_test_setup_teardown(damaged_or_unusable_index, setup, teardown),
            cmocka_unit_test_setup_teardown(totals_follow_every_write, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
