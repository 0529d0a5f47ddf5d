/* store-index.c - the SQLite index of a tenant's finished jobs (store-index.h). */
#include "store-index.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "jobid.h"
#include "store-active.h"

struct store_index {
        sqlite3 *db;
        size_t n_unreadable; /* marked records that did not parse, at the last sync */
};

#define INDEX_NAME "index.sqlite"
#define WAL_MAX    (1024 * 1024)
/* A finished job's age for retention (retention.c's finished_key). */
#define AGE_KEY "(CASE WHEN finished_at<>0 THEN finished_at ELSE created_at END)"

static const char SCHEMA[] = "CREATE TABLE IF NOT EXISTS jobs ("
                             " id TEXT NOT NULL,"
                             " tenant TEXT NOT NULL,"
                             " status TEXT NOT NULL,"
                             " created_at INTEGER NOT NULL,"
                             " started_at INTEGER NOT NULL,"
                             " finished_at INTEGER NOT NULL,"
                             " exit_code INTEGER NOT NULL,"
                             " oom_kills INTEGER NOT NULL,"
                             " cpu_usage_usec INTEGER NOT NULL,"
                             " memory_peak_bytes INTEGER NOT NULL,"
                             " command TEXT NOT NULL,"
                             /* What a listing shows of a finished job, so a
                              * page needs no record (store_index_query_brief):
                              * argv is the arguments, each ended by a NUL. */
                             " signal INTEGER NOT NULL,"
                             " memory_limit_bytes INTEGER NOT NULL,"
                             " wall_ms INTEGER NOT NULL,"
                             " timeout_ms INTEGER NOT NULL,"
                             " reason TEXT,"
                             " lost_reason TEXT,"
                             " seccomp_syscall TEXT,"
                             " argv BLOB NOT NULL,"
                             /* store_job_disk_usage of the job's directory,
                              * for gc with a disk budget (store_gc). */
                             " disk_bytes INTEGER NOT NULL,"
                             /* Rows kept in listing order, so a page is one
                              * range of the table, not a lookup per row (the
                              * seeks were a quarter of a list_jobs page). */
                             " PRIMARY KEY(created_at, id)) WITHOUT ROWID;"
                             "CREATE UNIQUE INDEX IF NOT EXISTS jobs_id ON jobs(id);"
                             "CREATE INDEX IF NOT EXISTS jobs_finished ON jobs(finished_at);"
                             /* retention_select's order (retention.c), with
                              * what it needs: the budget's oldest rows are
                              * one range of it. */
                             "CREATE INDEX IF NOT EXISTS jobs_age ON jobs(" AGE_KEY ","
                             " created_at, id, finished_at, status, disk_bytes);"
                             /* The rows counted by status, kept by the triggers
                              * below in the writer's transaction: a census
                              * (store_index_count) and gc's budget
                              * (store_index_disk_total) read a few rows, not
                              * the table.  A REPLACE deletes the row it
                              * replaces: open_db turns recursive_triggers on
                              * so that its delete counts too. */
                             "CREATE TABLE IF NOT EXISTS totals ("
                             " status TEXT PRIMARY KEY NOT NULL,"
                             " jobs INTEGER NOT NULL,"
                             " disk_bytes INTEGER NOT NULL) WITHOUT ROWID;"
                             "CREATE TRIGGER IF NOT EXISTS totals_insert AFTER INSERT ON jobs BEGIN"
                             " INSERT INTO totals(status, jobs, disk_bytes)"
                             " VALUES(NEW.status, 1, NEW.disk_bytes) ON CONFLICT(status) DO UPDATE"
                             " SET jobs=jobs+1, disk_bytes=disk_bytes+excluded.disk_bytes;"
                             " END;"
                             "CREATE TRIGGER IF NOT EXISTS totals_delete AFTER DELETE ON jobs BEGIN"
                             " UPDATE totals SET jobs=jobs-1, disk_bytes=disk_bytes-OLD.disk_bytes"
                             " WHERE status=OLD.status;"
                             " END;"
                             "CREATE TRIGGER IF NOT EXISTS totals_update"
                             " AFTER UPDATE OF status, disk_bytes ON jobs BEGIN"
                             " UPDATE totals SET jobs=jobs-1, disk_bytes=disk_bytes-OLD.disk_bytes"
                             " WHERE status=OLD.status;"
                             " INSERT INTO totals(status, jobs, disk_bytes)"
                             " VALUES(NEW.status, 1, NEW.disk_bytes) ON CONFLICT(status) DO UPDATE"
                             " SET jobs=jobs+1, disk_bytes=disk_bytes+excluded.disk_bytes;"
                             " END;"
                             /* boot_id: the boot of the last full reconciliation;
                              * leftovers: hidden names it saw in jobs/. */
                             "CREATE TABLE IF NOT EXISTS meta ("
                             " key TEXT PRIMARY KEY NOT NULL, value TEXT) WITHOUT ROWID;";

/* SQLite's result codes as -errno, for callers that speak errno. */
static int sql_errno(int rc)
{
        switch (rc & 0xff) {
        case SQLITE_OK:
        case SQLITE_DONE:
        case SQLITE_ROW:
                return 0;
        case SQLITE_NOMEM:
                return -ENOMEM;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
                return -EBUSY;
        case SQLITE_PERM:
        case SQLITE_AUTH:
        case SQLITE_READONLY:
                return -EACCES;
        case SQLITE_FULL:
                return -ENOSPC;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
                return -EBADMSG;
        case SQLITE_CANTOPEN:
                return -ENOENT;
        default:
                return -EIO;
        }
}

static int exec(sqlite3 *db, const char *sql)
{
        return sql_errno(sqlite3_exec(db, sql, NULL, NULL, NULL));
}

static int single_int(sqlite3 *db, const char *sql, int64_t *ret)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (rc == SQLITE_OK) {
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW)
                        *ret = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -EBADMSG : sql_errno(rc);
}

/* "ok" from quick_check, else the index is damaged. */
static int check_ok(sqlite3 *db)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &st, NULL);
        int r = -EBADMSG;
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
                const unsigned char *t = sqlite3_column_text(st, 0);
                if (t && strcmp((const char *)t, "ok") == 0)
                        r = 0;
        } else if (rc != SQLITE_OK)
                r = sql_errno(rc) == -ENOMEM ? -ENOMEM : -EBADMSG;
        sqlite3_finalize(st);
        return r;
}

static int open_db(int tenant_fd, sqlite3 **ret)
{
        /* SQLite takes a path; the tenant directory was opened (without
         * following symlinks) by store_open, so name it through its fd. */
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d/" INDEX_NAME, tenant_fd);
        sqlite3 *db = NULL;
        int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
        if (rc != SQLITE_OK) {
                sqlite3_close(db);
                return sql_errno(rc) ?: -EIO;
        }
        sqlite3_busy_timeout(db, 5000);
        /* The totals' triggers must see the delete a REPLACE makes (SCHEMA). */
        rc = sqlite3_exec(db, "PRAGMA recursive_triggers=ON", NULL, NULL, NULL);
        if (rc != SQLITE_OK) {
                sqlite3_close(db);
                return sql_errno(rc) ?: -EIO;
        }
        /* Closing the last connection would checkpoint the WAL (fsyncs) on
         * every final write; let the automatic checkpoint do it in batches. */
        sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
        *ret = db;
        return 0;
}

/* Opens and validates an existing or new index: WAL, schema version, quick_check. */
static int open_checked(int tenant_fd, bool check, sqlite3 **ret, bool *ret_new)
{
        sqlite3 *db = NULL;
        int r = open_db(tenant_fd, &db);
        if (r < 0)
                return r;
        int64_t version = -1, tables = 0;
        if ((r = exec(db, "PRAGMA journal_mode=WAL")) < 0 ||
            (r = exec(db, "PRAGMA synchronous=NORMAL")) < 0 ||
            (r = single_int(db, "PRAGMA user_version", &version)) < 0 ||
            (r = single_int(db, "SELECT count(*) FROM sqlite_master", &tables)) < 0)
                goto fail;
        if (tables == 0) {
                /* A new file: create the schema and stamp its version. */
                char sql[sizeof(SCHEMA) + 64];
                snprintf(sql, sizeof(sql), "BEGIN IMMEDIATE;%sPRAGMA user_version=%d;COMMIT;",
                         SCHEMA, STORE_INDEX_SCHEMA);
                if ((r = exec(db, sql)) < 0)
                        goto fail;
                *ret_new = true;
        } else if (version != STORE_INDEX_SCHEMA) {
                r = -EPROTO;
                goto fail;
        } else if (check && (r = check_ok(db)) < 0)
                goto fail;
        *ret = db;
        return 0;
fail:
        sqlite3_close(db);
        return r;
}

static void unlink_index(int tenant_fd)
{
        (void)unlinkat(tenant_fd, INDEX_NAME, 0);
        (void)unlinkat(tenant_fd, INDEX_NAME "-wal", 0);
        (void)unlinkat(tenant_fd, INDEX_NAME "-shm", 0);
}

static struct store_index *index_new(sqlite3 *db)
{
        struct store_index *ix = calloc(1, sizeof(*ix));
        if (ix)
                ix->db = db;
        else
                sqlite3_close(db);
        return ix;
}

static int open_or_rebuild(struct store *s, bool rebuild, struct store_index **ret,
                           bool *ret_rebuilt)
{
        int tfd = store_tenant_fd(s);
        bool fresh = false;
        sqlite3 *db = NULL;
        /* No quick_check here: it reads every page, O(history) on every
         * command.  A damaged page is found by the query that reads it
         * (-EBADMSG: the caller rebuilds, store_index_rebuild) and by the
         * full reconciliation, which checks first. */
        int r = rebuild ? -EBADMSG : open_checked(tfd, false, &db, &fresh);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Damaged or of another version: the records are the truth,
                 * so start again from them.  Under an exclusive lock so two
                 * rebuilders do not remove each other's new file. */
                _cleanup_close_ int lk =
                    openat(tfd, "index.lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
                if (lk < 0)
                        return NEG_ERRNO();
                if (flock(lk, LOCK_EX) < 0)
                        return NEG_ERRNO();
                /* Someone may have rebuilt it while we waited (a rebuild
                 * asked for by a failed query always starts again). */
                fresh = false;
                r = rebuild ? -EBADMSG : open_checked(tfd, true, &db, &fresh);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        unlink_index(tfd);
                        fresh = false;
                        r = open_checked(tfd, true, &db, &fresh);
                        if (r < 0)
                                return r;
                }
                fresh = true;
        }
        struct stat st;
        if (fstatat(tfd, INDEX_NAME "-wal", &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_size > WAL_MAX)
                (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        struct store_index *ix = index_new(db);
        if (!ix)
                return -ENOMEM;
        if (ret_rebuilt)
                *ret_rebuilt = fresh;
        *ret = ix;
        return 0;
}

int store_index_open(struct store *s, struct store_index **ret, bool *ret_rebuilt)
{
        return open_or_rebuild(s, false, ret, ret_rebuilt);
}

int store_index_rebuild(struct store *s, struct store_index **ix)
{
        store_index_free(*ix);
        *ix = NULL;
        return open_or_rebuild(s, true, ix, NULL);
}

void store_index_free(struct store_index *ix)
{
        if (!ix)
                return;
        sqlite3_close(ix->db);
        free(ix);
}

sqlite3 *store_index_db(struct store_index *ix)
{
        return ix->db;
}

/* The arguments, each ended by a NUL (none holds one): argv back exactly. */
static char *command_argv(const struct job *j, size_t *ret_len)
{
        size_t len = 0;
        for (char **a = j->command; a && *a; a++)
                len += strlen(*a) + 1;
        char *t = malloc(len ? len : 1), *p = t;
        if (!t)
                return NULL;
        for (char **a = j->command; a && *a; a++)
                p = stpcpy(p, *a) + 1;
        *ret_len = len;
        return t;
}

static char *command_line(const struct job *j)
{
        size_t len = 1;
        for (char **a = j->command; a && *a; a++)
                len += strlen(*a) + 1;
        char *t = malloc(len), *p = t;
        if (!t)
                return NULL;
        *p = 0;
        for (char **a = j->command; a && *a; a++)
                p += sprintf(p, "%s%s", p == t ? "" : " ", *a);
        return t;
}

int store_index_put(struct store_index *ix, const struct job *j, uint64_t disk_bytes)
{
        if (!job_status_is_terminal(j->status))
                return -EINVAL;
        size_t argv_len = 0;
        _cleanup_free_ char *cmd = command_line(j), *argv = command_argv(j, &argv_len);
        if (!cmd || !argv)
                return -ENOMEM;
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(
            ix->db,
            "INSERT OR REPLACE INTO jobs(id,tenant,status,created_at,started_at,finished_at,"
            "exit_code,oom_kills,cpu_usage_usec,memory_peak_bytes,command,signal,"
            "memory_limit_bytes,wall_ms,timeout_ms,reason,lost_reason,seccomp_syscall,argv,"
            "disk_bytes) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, j->id, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, j->tenant, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 3, job_status_to_string(j->status), -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 4, (int64_t)j->created_at);
                sqlite3_bind_int64(st, 5, (int64_t)j->started_at);
                sqlite3_bind_int64(st, 6, (int64_t)j->finished_at);
                sqlite3_bind_int64(st, 7, j->exit_code);
                sqlite3_bind_int64(st, 8, (int64_t)j->oom_kills);
                sqlite3_bind_int64(st, 9, (int64_t)j->cpu_usage_usec);
                sqlite3_bind_int64(st, 10, (int64_t)j->memory_peak_bytes);
                sqlite3_bind_text(st, 11, cmd, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 12, j->signal);
                sqlite3_bind_int64(st, 13, (int64_t)j->memory_limit_bytes);
                sqlite3_bind_int64(st, 14, (int64_t)j->wall_ms);
                sqlite3_bind_int64(st, 15, (int64_t)j->limits.timeout_ms);
                /* NULL binds NULL: "no reason" stays apart from "". */
                sqlite3_bind_text(st, 16, j->reason, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 17, j->lost_reason, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 18, j->seccomp_syscall, -1, SQLITE_STATIC);
                sqlite3_bind_blob(st, 19, argv, (int)argv_len, SQLITE_STATIC);
                sqlite3_bind_int64(st, 20, (int64_t)disk_bytes);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_errno(rc) ?: -EIO;
}

/* The row of j with its directory's usage measured now: -ENOENT when the
 * directory is gone (removed meanwhile). */
static int put_measured(struct store_index *ix, struct store *s, const struct job *j)
{
        uint64_t bytes = 0;
        int r = store_job_disk_usage(s, j->id, &bytes);
        if (r < 0)
                return r;
        return store_index_put(ix, j, bytes);
}

int store_index_record(struct store *s, const struct job *j)
{
        /* The writer's path (every final write): no quick_check, which reads
         * the whole file, and no rebuild; a damaged index is the next
         * reader's to rebuild, and this row its sync's to add. */
        sqlite3 *db = NULL;
        bool fresh = false;
        int r = open_checked(store_tenant_fd(s), false, &db, &fresh);
        if (r < 0)
                return r;
        _cleanup_(store_index_freep) struct store_index *ix = index_new(db);
        if (!ix)
                return -ENOMEM;
        r = put_measured(ix, s, j);
        /* Connections here are short-lived and closing them does not
         * checkpoint (open_db), and SQLite's automatic checkpoint was not seen
         * to run for them (the WAL grew to 79 MB for 7,000 rows, and every
         * first opener re-reads all of it).  Checkpoint and truncate once the
         * WAL passes WAL_MAX: one fsync every few hundred final writes. */
        struct stat st;
        if (r >= 0 &&
            fstatat(store_tenant_fd(s), INDEX_NAME "-wal", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            st.st_size > WAL_MAX)
                (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
        return r;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

struct strv {
        char **v;
        size_t n, cap;
};

static int strv_push(struct strv *sv, const char *s)
{
        if (sv->n + 2 > sv->cap) {
                size_t cap = sv->cap ? sv->cap * 2 : 64;
                char **v = realloc(sv->v, cap * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                sv->v = v;
                sv->cap = cap;
        }
        if (!(sv->v[sv->n] = strdup(s)))
                return -ENOMEM;
        sv->v[++sv->n] = NULL;
        return 0;
}

static void strv_done(struct strv *sv)
{
        for (size_t i = 0; i < sv->n; i++)
                free(sv->v[i]);
        free(sv->v);
        *sv = (struct strv){0};
}

static int delete_row(sqlite3 *db, const char *id)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "DELETE FROM jobs WHERE id=?", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_errno(rc) ?: -EIO;
}

static int meta_get(sqlite3 *db, const char *key, char *buf, size_t size)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &st, NULL);
        int r = -ENOENT;
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
                if (rc == SQLITE_ROW) {
                        const unsigned char *t = sqlite3_column_text(st, 0);
                        snprintf(buf, size, "%s", t ? (const char *)t : "");
                        r = 0;
                } else if (rc != SQLITE_DONE)
                        r = sql_errno(rc) ?: -EIO;
        } else
                r = sql_errno(rc) ?: -EIO;
        sqlite3_finalize(st);
        return r;
}

static int meta_set(sqlite3 *db, const char *key, const char *value)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO meta(key,value) VALUES(?,?)", -1,
                                    &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_errno(rc) ?: -EIO;
}

/* This boot's id: an index last reconciled in another boot may have lost its
 * last commits, and the store its unsynced markers, with the power. */
static int boot_id(char buf[64])
{
        _cleanup_close_ int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return NEG_ERRNO();
        ssize_t n = read(fd, buf, 63);
        if (n <= 0)
                return n < 0 ? NEG_ERRNO() : -EIO;
        buf[n] = 0;
        buf[strcspn(buf, "\n")] = 0;
        return 0;
}

/* The full reconciliation: every name in jobs/ against every row.  A row
 * without a directory was removed (gc); a directory without a row is live,
 * or finished without its row (a crash between the final write and the
 * index): its record is read, and a live one gets its marker back. */
static int sync_full(struct store_index *ix, struct store *s)
{
        struct strv dir = {0}, rows = {0};
        size_t hidden = 0;
        /* Reads through a mapping, not one pread per page: quick_check and
         * this walk read every page of the index.  Only here: a page of a
         * listing reads a few pages, and mapping then unmapping the file
         * cost more than the preads (the faults and the munmap were ~40% of
         * a list_jobs page at 100,000 jobs, docs/performance.md). */
        int r = exec(ix->db, "PRAGMA mmap_size=268435456");
        if (r >= 0)
                r = check_ok(ix->db);
        if (r < 0)
                return r;
        DIR *d;
        r = opendir_fd(store_jobs_fd(s), &d);
        if (r < 0)
                return r;
        for (struct dirent *de; (de = readdir(d));) {
                if (strncmp(de->d_name, ".new-", 5) == 0 || strncmp(de->d_name, ".trash-", 7) == 0)
                        hidden++;
                else if (jobid_is_valid(de->d_name) && (r = strv_push(&dir, de->d_name)) < 0)
                        break;
        }
        closedir(d);
        if (r < 0)
                goto out;
        if (dir.n)
                qsort(dir.v, dir.n, sizeof(char *), cmp_str);

        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(ix->db, "SELECT id FROM jobs ORDER BY id", -1, &st, NULL);
        if (rc == SQLITE_OK)
                while ((rc = sqlite3_step(st)) == SQLITE_ROW)
                        if ((r = strv_push(&rows, (const char *)sqlite3_column_text(st, 0))) < 0)
                                break;
        sqlite3_finalize(st);
        if (r < 0)
                goto out;
        if (rc != SQLITE_DONE) {
                r = sql_errno(rc) ?: -EIO;
                goto out;
        }
        if (rows.n)
                qsort(rows.v, rows.n, sizeof(char *),
                      cmp_str); /* SQLite's collation is memcmp too */

        if ((r = exec(ix->db, "BEGIN IMMEDIATE")) < 0)
                goto out;
        size_t i = 0, k = 0;
        while (i < dir.n || k < rows.n) {
                int c = i >= dir.n ? 1 : k >= rows.n ? -1 : strcmp(dir.v[i], rows.v[k]);
                if (c == 0) {
                        i++, k++;
                } else if (c > 0) {
                        if ((r = delete_row(ix->db, rows.v[k++])) < 0)
                                break;
                } else {
                        const char *id = dir.v[i++];
                        _cleanup_(job_freep) struct job *j = NULL;
                        int lr = store_job_load(s, id, &j, NULL);
                        if (lr == -ENOMEM) {
                                r = lr;
                                break;
                        }
                        if (lr == -EBADMSG)
                                /* Unreadable: marked, so listings keep counting
                                 * it without this walk (store_index_unreadable). */
                                r = store_active_add(s, id);
                        if (lr < 0) {
                                if (r < 0)
                                        break;
                                continue; /* being created, or removed meanwhile */
                        }
                        if (job_status_is_terminal(j->status) &&
                            (r = put_measured(ix, s, j)) == -ENOENT) {
                                r = 0;
                                continue; /* removed meanwhile */
                        }
                        if (r >= 0 && store_active_wanted(j))
                                r = store_active_add(s, id);
                        if (r < 0)
                                break;
                }
        }
        char bid[64], n_hidden[32];
        snprintf(n_hidden, sizeof(n_hidden), "%zu", hidden);
        if (r >= 0 && boot_id(bid) == 0)
                r = meta_set(ix->db, "boot_id", bid);
        if (r >= 0)
                r = meta_set(ix->db, "leftovers", n_hidden);
        int cr = exec(ix->db, r < 0 ? "ROLLBACK" : "COMMIT");
        if (r >= 0)
                r = cr;
out:
        strv_done(&dir);
        strv_done(&rows);
        return r;
}

/* The status of id's row in *ret; -ENOENT without a row. */
static int row_status(sqlite3 *db, const char *id, enum job_status *ret)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "SELECT status FROM jobs WHERE id=?", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_errno(rc) ?: -EIO;
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        rc = sqlite3_step(st);
        int r = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : (sql_errno(rc) ?: -EIO);
        if (r == 0)
                *ret = job_status_from_string((const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return r;
}

/* The usual reconciliation: the active set only.  A marked job that finished
 * gets its row (a crash between its final write and the index) and loses its
 * marker; a marker without a directory is a creation under way or an
 * interrupted creation or removal: a row of that id is dropped. */
static bool has_row(sqlite3 *db, const char *id)
{
        enum job_status st;
        return row_status(db, id, &st) != -ENOENT; /* an error: assume so, delete */
}

static int sync_active(struct store_index *ix, struct store *s, struct strv *live)
{
        char **ids = NULL;
        int r = store_active_list(s, &ids);
        if (r < 0)
                return r;
        r = 0;
        struct strv done = {0};
        bool writing = false;
        ix->n_unreadable = 0;
        for (char **id = ids; r >= 0 && *id; id++) {
                _cleanup_(job_freep) struct job *j = NULL;
                int lr = store_job_load(s, *id, &j, NULL);
                if (lr == -ENOMEM) {
                        r = lr;
                        break;
                }
                _cleanup_close_ int dfd = -EBADF;
                bool gone = lr == -ENOENT && store_job_open_dir(s, *id, &dfd) == -ENOENT;
                if (lr < 0 && !gone) {
                        if (lr != -ENOENT)          /* ENOENT: another tenant's record */
                                ix->n_unreadable++; /* kept marked until it reads again */
                        continue;
                }
                if (!gone && !job_status_is_terminal(j->status)) {
                        r = strv_push(live, *id);
                        continue;
                }
                if (gone && !has_row(ix->db, *id))
                        continue; /* a creation under way, or nothing left to drop */
                /* Something to write: one transaction, taken only then (serve
                 * syncs every 2 s and live jobs need no write). */
                if (!writing && (r = exec(ix->db, "BEGIN IMMEDIATE")) < 0)
                        break;
                writing = true;
                if (gone)
                        r = delete_row(ix->db, *id);
                else if ((r = put_measured(ix, s, j)) >= 0 && !store_active_wanted(j))
                        r = strv_push(&done, *id);
                else if (r == -ENOENT)
                        r = 0; /* removed meanwhile: the next sync drops what is left */
        }
        if (writing) {
                int cr = exec(ix->db, r < 0 ? "ROLLBACK" : "COMMIT");
                if (r >= 0)
                        r = cr;
        }
        /* Only once the rows are committed. */
        for (size_t i = 0; r >= 0 && i < done.n; i++)
                (void)store_active_remove(s, done.v[i]);
        strv_done(&done);
        store_ids_free(ids);
        return r;
}

int store_index_sync(struct store_index *ix, struct store *s, char ***ret_live_ids)
{
        /* The full walk once per boot (and for a new or rebuilt index); the
         * active set the rest of the time (docs/decisions/store-index.md). */
        char have[64] = "", now[64];
        int r = meta_get(ix->db, "boot_id", have, sizeof(have));
        if (r < 0 && r != -ENOENT)
                return r;
        if (r == -ENOENT || boot_id(now) < 0 || strcmp(have, now) != 0)
                if ((r = sync_full(ix, s)) < 0)
                        return r;
        struct strv live = {0};
        r = sync_active(ix, s, &live);
        if (r >= 0 && !live.v && !(live.v = calloc(1, sizeof(char *))))
                r = -ENOMEM;
        if (r < 0) {
                strv_done(&live);
                return r;
        }
        *ret_live_ids = live.v;
        return 0;
}

int store_index_open_synced(struct store *s, struct store_index **ret, char ***ret_live_ids)
{
        _cleanup_(store_index_freep) struct store_index *ix = NULL;
        int r = store_index_open(s, &ix, NULL);
        if (r < 0)
                return r;
        r = store_index_sync(ix, s, ret_live_ids);
        if (r == -EBADMSG) {
                /* Damaged (quick_check or a read failed): from the records. */
                if ((r = store_index_rebuild(s, &ix)) < 0)
                        return r;
                r = store_index_sync(ix, s, ret_live_ids);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(ix);
        return 0;
}

size_t store_index_unreadable(struct store_index *ix)
{
        return ix->n_unreadable;
}

int store_index_forget(struct store *s, const char *id)
{
        sqlite3 *db = NULL;
        bool fresh = false;
        int r = open_checked(store_tenant_fd(s), false, &db, &fresh);
        if (r < 0)
                return r;
        r = delete_row(db, id);
        sqlite3_close(db);
        return r;
}

int store_index_leftovers(struct store_index *ix, size_t *ret)
{
        char buf[32] = "";
        int r = meta_get(ix->db, "leftovers", buf, sizeof(buf));
        if (r < 0 && r != -ENOENT)
                return r;
        *ret = (size_t)strtoull(buf, NULL, 10);
        return 0;
}

int store_index_set_leftovers(struct store_index *ix, size_t n)
{
        char buf[32];
        snprintf(buf, sizeof(buf), "%zu", n);
        return meta_set(ix->db, "leftovers", buf);
}

/* The statement selecting q's rows, columns first (id, created_at, ...). */
static int query_prepare(struct store_index *ix, const struct store_index_query *q,
                         const char *columns, sqlite3_stmt **ret)
{
        char sql[1024];
        int n = snprintf(sql, sizeof(sql),
                         "SELECT %s FROM jobs WHERE created_at >= ?1 AND created_at <= ?2"
                         " AND (?3 IS NULL OR instr(command, ?3) > 0)",
                         columns);
        if (q->status_mask) {
                n += snprintf(sql + n, sizeof(sql) - n, " AND status IN (");
                bool first = true;
                for (int s = 0; s < _JOB_STATUS_MAX; s++)
                        if (q->status_mask & STORE_STATUS_BIT(s)) {
                                n += snprintf(sql + n, sizeof(sql) - n, "%s'%s'", first ? "" : ",",
                                              job_status_to_string(s));
                                first = false;
                        }
                n += snprintf(sql + n, sizeof(sql) - n, ")");
        }
        /* A cursor narrows ?1..?2, the range SQLite scans the table in (a
         * row value comparison is only a filter to it: measured, a page deep
         * in 100,000 rows walked half of them); the id breaks the tie. */
        if (q->after_id)
                n += snprintf(sql + n, sizeof(sql) - n, " AND (created_at > ?5 OR id > ?6)");
        if (q->before_id)
                n += snprintf(sql + n, sizeof(sql) - n, " AND (created_at < ?7 OR id < ?8)");
        /* The oldest N, or the newest N handed back oldest first. */
        snprintf(sql + n, sizeof(sql) - n,
                 q->oldest_first ? " ORDER BY created_at, id LIMIT ?4"
                                 : " ORDER BY created_at DESC, id DESC LIMIT ?4");
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_errno(rc) ?: -EIO;
        int64_t lo = (int64_t)q->since, hi = q->until ? (int64_t)q->until - 1 : INT64_MAX;
        if (q->after_id && (int64_t)q->after_created > lo)
                lo = (int64_t)q->after_created;
        if (q->before_id && (int64_t)q->before_created < hi)
                hi = (int64_t)q->before_created;
        sqlite3_bind_int64(st, 1, lo);
        sqlite3_bind_int64(st, 2, hi);
        if (q->command)
                sqlite3_bind_text(st, 3, q->command, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, q->limit ? (int64_t)q->limit : -1);
        if (q->after_id) {
                sqlite3_bind_int64(st, 5, (int64_t)q->after_created);
                sqlite3_bind_text(st, 6, q->after_id, -1, SQLITE_STATIC);
        }
        if (q->before_id) {
                sqlite3_bind_int64(st, 7, (int64_t)q->before_created);
                sqlite3_bind_text(st, 8, q->before_id, -1, SQLITE_STATIC);
        }
        *ret = st;
        return 0;
}

int store_index_query(struct store_index *ix, const struct store_index_query *q, char ***ret_ids,
                      uint64_t **ret_created, size_t *ret_n)
{
        sqlite3_stmt *st = NULL;
        int rc, r = query_prepare(ix, q, "id, created_at", &st);
        if (r < 0)
                return r;
        struct strv ids = {0};
        uint64_t *created = NULL;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if ((r = strv_push(&ids, (const char *)sqlite3_column_text(st, 0))) < 0)
                        break;
                uint64_t *c = realloc(created, ids.n * sizeof(uint64_t));
                if (!c) {
                        r = -ENOMEM;
                        break;
                }
                created = c;
                created[ids.n - 1] = (uint64_t)sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
        if (r >= 0 && rc != SQLITE_DONE)
                r = sql_errno(rc) ?: -EIO;
        if (r < 0) {
                strv_done(&ids);
                free(created);
                return r;
        }
        /* Reverse into oldest first. */
        for (size_t a = 0, b = ids.n ? ids.n - 1 : 0; !q->oldest_first && a < b; a++, b--) {
                char *t = ids.v[a];
                ids.v[a] = ids.v[b];
                ids.v[b] = t;
                uint64_t u = created[a];
                created[a] = created[b];
                created[b] = u;
        }
        if (!ids.v && !(ids.v = calloc(1, sizeof(char *))))
                return -ENOMEM;
        *ret_ids = ids.v;
        *ret_created = created;
        *ret_n = ids.n;
        return 0;
}

static int column_strdup(sqlite3_stmt *st, int i, char **ret)
{
        const unsigned char *t = sqlite3_column_text(st, i);
        if (!t)
                return 0; /* NULL stays NULL */
        return (*ret = strdup((const char *)t)) ? 0 : -ENOMEM;
}

/* argv from its NUL-ended arguments (command_argv). */
static int column_argv(sqlite3_stmt *st, int i, char ***ret)
{
        const char *b = sqlite3_column_blob(st, i);
        size_t len = (size_t)sqlite3_column_bytes(st, i), n = 0;
        if (!b || len == 0 || b[len - 1] != 0)
                return -EBADMSG;
        for (size_t k = 0; k < len; k++)
                n += b[k] == 0;
        char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t k = 0, off = 0; k < n; k++) {
                if (!(v[k] = strdup(b + off))) {
                        for (size_t m = 0; m < k; m++)
                                free(v[m]);
                        free(v);
                        return -ENOMEM;
                }
                off += strlen(b + off) + 1;
        }
        *ret = v;
        return 0;
}

static int brief_from_row(sqlite3_stmt *st, struct job **ret)
{
        _cleanup_(job_freep) struct job *j = job_new();
        if (!j)
                return -ENOMEM;
        int status = job_status_from_string((const char *)sqlite3_column_text(st, 2));
        if (status < 0)
                return 0; /* a newer writer's status: counted as unreadable, as its record */
        j->status = status;
        j->created_at = (uint64_t)sqlite3_column_int64(st, 3);
        j->started_at = (uint64_t)sqlite3_column_int64(st, 4);
        j->finished_at = (uint64_t)sqlite3_column_int64(st, 5);
        j->exit_code = sqlite3_column_int(st, 6);
        j->oom_kills = (uint64_t)sqlite3_column_int64(st, 7);
        j->cpu_usage_usec = (uint64_t)sqlite3_column_int64(st, 8);
        j->memory_peak_bytes = (uint64_t)sqlite3_column_int64(st, 9);
        j->signal = sqlite3_column_int(st, 10);
        j->memory_limit_bytes = (uint64_t)sqlite3_column_int64(st, 11);
        j->wall_ms = (uint64_t)sqlite3_column_int64(st, 12);
        j->limits.timeout_ms = (uint64_t)sqlite3_column_int64(st, 13);
        int r;
        if ((r = column_strdup(st, 0, &j->id)) < 0 || (r = column_strdup(st, 1, &j->tenant)) < 0 ||
            (r = column_strdup(st, 14, &j->reason)) < 0 ||
            (r = column_strdup(st, 15, &j->lost_reason)) < 0 ||
            (r = column_strdup(st, 16, &j->seccomp_syscall)) < 0 ||
            (r = column_argv(st, 17, &j->command)) < 0)
                return r;
        if (!j->id || !j->tenant)
                return -EBADMSG;
        *ret = TAKE_PTR(j);
        return 0;
}

int store_index_query_brief(struct store_index *ix, const struct store_index_query *q,
                            struct job ***ret_jobs, size_t *ret_n)
{
        sqlite3_stmt *st = NULL;
        int rc, r = query_prepare(ix, q,
                                  "id, tenant, status, created_at, started_at, finished_at,"
                                  " exit_code, oom_kills, cpu_usage_usec, memory_peak_bytes,"
                                  " signal, memory_limit_bytes, wall_ms, timeout_ms, reason,"
                                  " lost_reason, seccomp_syscall, argv",
                                  &st);
        if (r < 0)
                return r;
        struct job **v = NULL;
        size_t n = 0, cap = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                if (n == cap) {
                        size_t nc = cap ? cap * 2 : 64;
                        struct job **nv = realloc(v, nc * sizeof(*nv));
                        if (!nv) {
                                r = -ENOMEM;
                                break;
                        }
                        v = nv;
                        cap = nc;
                }
                v[n] = NULL;
                if ((r = brief_from_row(st, &v[n])) < 0)
                        break;
                if (v[n])
                        n++;
                else
                        ix->n_unreadable++;
        }
        sqlite3_finalize(st);
        if (r >= 0 && rc != SQLITE_DONE)
                r = sql_errno(rc) ?: -EIO;
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        job_free(v[i]);
                free(v);
                return r;
        }
        /* Reverse into oldest first. */
        for (size_t a = 0, b = n ? n - 1 : 0; !q->oldest_first && a < b; a++, b--) {
                struct job *t = v[a];
                v[a] = v[b];
                v[b] = t;
        }
        *ret_jobs = v;
        *ret_n = n;
        return 0;
}

int store_index_expired(struct store_index *ix, uint64_t finished_before,
                        int (*f)(const char *id, const struct store_index_row *row, void *userdata),
                        void *userdata)
{
        sqlite3_stmt *st = NULL;
        /* jobs_finished: the rows past the retention, not the whole table. */
        int rc = sqlite3_prepare_v2(ix->db,
                                    "SELECT id, status, created_at, finished_at FROM jobs"
                                    " WHERE finished_at < ?1 ORDER BY finished_at",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_errno(rc) ?: -EIO;
        sqlite3_bind_int64(st, 1, (int64_t)finished_before);
        int r = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(st, 0);
                struct store_index_row row = {
                    .status = job_status_from_string((const char *)sqlite3_column_text(st, 1)),
                    .created_at = (uint64_t)sqlite3_column_int64(st, 2),
                    .finished_at = (uint64_t)sqlite3_column_int64(st, 3),
                };
                if (!id || row.status < 0)
                        continue;
                if ((r = f(id, &row, userdata)) < 0)
                        break;
        }
        sqlite3_finalize(st);
        if (r >= 0 && rc != SQLITE_DONE)
                r = sql_errno(rc) ?: -EIO;
        return r;
}

int store_index_foreach(struct store_index *ix, uint64_t since, uint64_t until,
                        int (*f)(const struct store_index_row *row, void *userdata), void *userdata)
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(ix->db,
                                    "SELECT tenant, status, created_at, started_at, finished_at,"
                                    " oom_kills, cpu_usage_usec, memory_peak_bytes FROM jobs"
                                    " WHERE created_at >= ?1 AND created_at < ?2"
                                    " ORDER BY created_at, id",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_errno(rc) ?: -EIO;
        sqlite3_bind_int64(st, 1, (int64_t)since);
        sqlite3_bind_int64(st, 2, until ? (int64_t)until : INT64_MAX);
        int r = 0;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                struct store_index_row row = {
                    .tenant = (const char *)sqlite3_column_text(st, 0),
                    .status = job_status_from_string((const char *)sqlite3_column_text(st, 1)),
                    .created_at = (uint64_t)sqlite3_column_int64(st, 2),
                    .started_at = (uint64_t)sqlite3_column_int64(st, 3),
                    .finished_at = (uint64_t)sqlite3_column_int64(st, 4),
                    .oom_kills = (uint64_t)sqlite3_column_int64(st, 5),
                    .cpu_usage_usec = (uint64_t)sqlite3_column_int64(st, 6),
                    .memory_peak_bytes = (uint64_t)sqlite3_column_int64(st, 7),
                };
                if (!row.tenant || row.status < 0)
                        continue; /* a row from a newer writer's status set: not counted */
                if ((r = f(&row, userdata)) < 0)
                        break;
        }
        sqlite3_finalize(st);
        if (r >= 0 && rc != SQLITE_DONE)
                r = sql_errno(rc) ?: -EIO;
        return r;
}

static int count_rows(sqlite3 *db, char *const *live_ids, size_t by_status[_JOB_STATUS_MAX])
{
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(db, "SELECT status, jobs FROM totals", -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_errno(rc) ?: -EIO;
        size_t n[_JOB_STATUS_MAX] = {0};
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                enum job_status s =
                    job_status_from_string((const char *)sqlite3_column_text(st, 0));
                if (s >= 0 && s < _JOB_STATUS_MAX)
                        n[s] += (size_t)sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE)
                return sql_errno(rc) ?: -EIO;
        /* A live job with a row finished after the sync: its record counts it. */
        for (char *const *id = live_ids; id && *id; id++) {
                enum job_status s = _JOB_STATUS_MAX;
                int r = row_status(db, *id, &s);
                if (r == -ENOENT)
                        continue;
                if (r < 0)
                        return r;
                if (s >= 0 && s < _JOB_STATUS_MAX && n[s] > 0)
                        n[s]--;
        }
        for (int s = 0; s < _JOB_STATUS_MAX; s++)
                by_status[s] += n[s];
        return 0;
}

int store_index_count(struct store_index *ix, char *const *live_ids,
                      size_t by_status[_JOB_STATUS_MAX])
{
        /* The snapshot starts at the first read after BEGIN. */
        int r = store_index_read_begin(ix);
        if (r < 0)
                return r;
        r = count_rows(ix->db, live_ids, by_status);
        int cr = store_index_read_end(ix);
        return r < 0 ? r : cr;
}

int store_index_refresh_usage(struct store *s, const char *id)
{
        uint64_t bytes = 0;
        int r = store_job_disk_usage(s, id, &bytes);
        if (r < 0)
                return r;
        /* As store_index_record: the writer's open, no rebuild. */
        sqlite3 *db = NULL;
        bool fresh = false;
        r = open_checked(store_tenant_fd(s), false, &db, &fresh);
        if (r < 0)
                return r;
        /* An UPDATE, never an insert: a row is the terminal record's to add
         * (a job not finished yet has none), and one removed stays removed.
         * Unchanged, it writes nothing. */
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(
            db, "UPDATE jobs SET disk_bytes=?2 WHERE id=?1 AND disk_bytes<>?2", -1, &st, NULL);
        if (rc == SQLITE_OK) {
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (int64_t)bytes);
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        sqlite3_close(db);
        return rc == SQLITE_DONE ? 0 : sql_errno(rc) ?: -EIO;
}

int store_index_read_begin(struct store_index *ix)
{
        return exec(ix->db, "BEGIN");
}

int store_index_read_end(struct store_index *ix)
{
        return exec(ix->db, "COMMIT");
}

int store_index_disk_total(struct store_index *ix, uint64_t *ret)
{
        int64_t v = 0;
        /* total(), not sum(): 0.0 for no rows, never NULL. */
        int r = single_int(ix->db, "SELECT CAST(total(disk_bytes) AS INTEGER) FROM totals", &v);
        if (r < 0)
                return r;
        *ret = v > 0 ? (uint64_t)v : 0;
        return 0;
}

int store_index_has(struct store_index *ix, const char *id)
{
        enum job_status st;
        int r = row_status(ix->db, id, &st);
        return r == -ENOENT ? 0 : r < 0 ? r : 1;
}

int store_index_oldest(struct store_index *ix,
                       int (*f)(const char *id, const struct store_index_row *row, void *userdata),
                       void *userdata)
{
        sqlite3_stmt *st = NULL;
        /* jobs_age: rows come in index order, so stopping early reads only
         * the rows taken. */
        int rc = sqlite3_prepare_v2(ix->db,
                                    "SELECT id, status, created_at, finished_at, disk_bytes"
                                    " FROM jobs ORDER BY " AGE_KEY ", created_at, id",
                                    -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_errno(rc) ?: -EIO;
        int r = 1;
        while (r > 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *id = (const char *)sqlite3_column_text(st, 0);
                struct store_index_row row = {
                    .status = job_status_from_string((const char *)sqlite3_column_text(st, 1)),
                    .created_at = (uint64_t)sqlite3_column_int64(st, 2),
                    .finished_at = (uint64_t)sqlite3_column_int64(st, 3),
                    .disk_bytes = (uint64_t)sqlite3_column_int64(st, 4),
                };
                if (!id || row.status < 0)
                        continue; /* a newer writer's status: not this build's to remove */
                r = f(id, &row, userdata);
        }
        sqlite3_finalize(st);
        if (r > 0 && rc != SQLITE_DONE)
                r = sql_errno(rc) ?: -EIO;
        return r < 0 ? r : 0;
}
