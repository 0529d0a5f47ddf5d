/* Unit tests for listing through the index (store-list.c), the active set
 * (store-active.c) and the index's reconciliation (store-index.c): pages by
 * cursor across inserts and finishes, newest-first pages back in time, records
 * written behind the index's back, the once-a-boot walk, gc from the index,
 * and a damaged index rebuilt by the query that meets it. */
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

static char tmpdir[64];
static char statedir[128];

#define T0 1700000000000000ull

static int setup(void **state)
{
        strcpy(tmpdir, "/tmp/corral-test-store-list.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(statedir, sizeof(statedir), "%s/state", tmpdir);
        return 0;
}

static int teardown(void **state)
{
        return test_rm_rf(tmpdir);
}

static struct store *open_store(void)
{
        struct store *s = NULL;
        assert_int_equal(store_open(statedir, NULL, &s), 0);
        return s;
}

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
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
