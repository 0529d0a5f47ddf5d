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

#include "jobid.h"

struct store_index {
        sqlite3 *db;
};

#define INDEX_NAME "index.sqlite"
#define WAL_MAX    (1024 * 1024)

static const char SCHEMA[] = "CREATE TABLE IF NOT EXISTS jobs ("
                             " id TEXT PRIMARY KEY NOT NULL,"
                             " tenant TEXT NOT NULL,"
                             " status TEXT NOT NULL,"
                             " created_at INTEGER NOT NULL,"
                             " started_at INTEGER NOT NULL,"
                             " finished_at INTEGER NOT NULL,"
                             " exit_code INTEGER NOT NULL,"
                             " oom_kills INTEGER NOT NULL,"
                             " cpu_usage_usec INTEGER NOT NULL,"
                             " memory_peak_bytes INTEGER NOT NULL,"
                             " command TEXT NOT NULL) WITHOUT ROWID;"
                             "CREATE INDEX IF NOT EXISTS jobs_created ON jobs(created_at, id);";

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
            /* Reads through a mapping, not one pread per page (quick_check
             * and the sync read every page of the index). */
            (r = exec(db, "PRAGMA mmap_size=268435456")) < 0 ||
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

int store_index_open(struct store *s, struct store_index **ret, bool *ret_rebuilt)
{
        int tfd = store_tenant_fd(s);
        bool fresh = false;
        sqlite3 *db = NULL;
        int r = open_checked(tfd, true, &db, &fresh);
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
                /* Someone may have rebuilt it while we waited. */
                fresh = false;
                r = open_checked(tfd, true, &db, &fresh);
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

int store_index_put(struct store_index *ix, const struct job *j)
{
        if (!job_status_is_terminal(j->status))
                return -EINVAL;
        _cleanup_free_ char *cmd = command_line(j);
        if (!cmd)
                return -ENOMEM;
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(
            ix->db,
            "INSERT OR REPLACE INTO jobs(id,tenant,status,created_at,started_at,finished_at,"
            "exit_code,oom_kills,cpu_usage_usec,memory_peak_bytes,command)"
            " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
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
                rc = sqlite3_step(st);
        }
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_errno(rc) ?: -EIO;
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
        r = store_index_put(ix, j);
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

int store_index_sync(struct store_index *ix, struct store *s, char ***ret_live_ids)
{
        struct strv dir = {0}, rows = {0}, live = {0};
        int r = 0;
        /* The job directories' names: a readdir, no record read. */
        int dfd = fcntl(store_jobs_fd(s), F_DUPFD_CLOEXEC, 3);
        if (dfd < 0)
                return NEG_ERRNO();
        DIR *d = fdopendir(dfd);
        if (!d) {
                r = NEG_ERRNO();
                close(dfd);
                return r;
        }
        rewinddir(d);
        for (struct dirent *de; (de = readdir(d));)
                if (jobid_is_valid(de->d_name) && (r = strv_push(&dir, de->d_name)) < 0)
                        break;
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

        /* Merge the two sorted lists: a row without a directory was removed
         * (gc); a directory without a row is live, or finished without its
         * row (a crash between the final write and the index): read it. */
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
                        if (lr < 0)
                                continue; /* being created, removed meanwhile, or unreadable */
                        if (job_status_is_terminal(j->status))
                                r = store_index_put(ix, j);
                        else
                                r = strv_push(&live, id);
                        if (r < 0)
                                break;
                }
        }
        int cr = exec(ix->db, r < 0 ? "ROLLBACK" : "COMMIT");
        if (r >= 0)
                r = cr;
        if (r >= 0) {
                if (!live.v && !(live.v = calloc(1, sizeof(char *)))) {
                        r = -ENOMEM;
                        goto out;
                }
                *ret_live_ids = live.v;
                live = (struct strv){0};
        }
out:
        strv_done(&dir);
        strv_done(&rows);
        strv_done(&live);
        return r;
}

int store_index_query(struct store_index *ix, const struct store_index_query *q, char ***ret_ids,
                      uint64_t **ret_created, size_t *ret_n)
{
        char sql[1024];
        int n =
            snprintf(sql, sizeof(sql),
                     "SELECT id, created_at FROM jobs WHERE created_at >= ?1 AND created_at < ?2"
                     " AND (?3 IS NULL OR instr(command, ?3) > 0)");
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
        /* The newest N, handed back oldest first. */
        snprintf(sql + n, sizeof(sql) - n, " ORDER BY created_at DESC, id DESC LIMIT ?4");
        sqlite3_stmt *st = NULL;
        int rc = sqlite3_prepare_v2(ix->db, sql, -1, &st, NULL);
        if (rc != SQLITE_OK)
                return sql_errno(rc) ?: -EIO;
        sqlite3_bind_int64(st, 1, (int64_t)q->since);
        sqlite3_bind_int64(st, 2, q->until ? (int64_t)q->until : INT64_MAX);
        if (q->command)
                sqlite3_bind_text(st, 3, q->command, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, 3);
        sqlite3_bind_int64(st, 4, q->limit ? (int64_t)q->limit : -1);
        struct strv ids = {0};
        uint64_t *created = NULL;
        int r = 0;
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
        for (size_t a = 0, b = ids.n ? ids.n - 1 : 0; a < b; a++, b--) {
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
