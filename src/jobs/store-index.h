/* store-index.h - an index of a tenant's finished jobs, for filtered listing
 * and accounting (docs/store.md "The index"; docs/decisions/store-index.md).
 *
 *   <state-dir>/tenants/<tenant>/index.sqlite   SQLite, WAL mode
 *
 * job.json stays the source of truth: the index is a cache of the terminal
 * records, one row each.  store_job_save() adds a row when it writes a
 * terminal record (the supervisor's final write, recovery's "lost"); the index
 * is rebuilt from the records when it is missing, of another schema version or
 * damaged (open fails, a read or PRAGMA quick_check fails), and
 * store_index_sync() reconciles it with the store: the jobs of the active set
 * (store-active.h) on every call, and every name in jobs/ once per boot (the
 * boot id is kept in the index), so a crash between a final write and its row,
 * a gc, or a power loss never leaves it wrong, and no command reads the whole
 * jobs/ directory in the usual case.  All functions return >= 0 or -errno and
 * do not log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cleanup.h"
#include "job.h"
#include "store.h"

#define STORE_INDEX_SCHEMA 5

struct store_index;

/* Opens (creating or rebuilding as above) the index of s's tenant.
 * *ret_rebuilt (optional) tells whether it was (re)created from scratch. */
int store_index_open(struct store *s, struct store_index **ret, bool *ret_rebuilt);
/* Replaces *ix (freed) by a new empty index file, for a caller whose query
 * found the index damaged (-EBADMSG); store_index_sync then fills it. */
int store_index_rebuild(struct store *s, struct store_index **ix);
/* store_index_open + store_index_sync, rebuilding a damaged index. */
int store_index_open_synced(struct store *s, struct store_index **ret, char ***ret_live_ids);
void store_index_free(struct store_index *ix);
DEFINE_FREE_FUNC(struct store_index, store_index_free);

/* Adds or replaces the row of terminal record j (-EINVAL when j is not
 * terminal), with disk_bytes as store_job_disk_usage measured its directory
 * (the caller measures: store_index_record and the syncs just before, storegen
 * after writing the files). */
int store_index_put(struct store_index *ix, const struct job *j, uint64_t disk_bytes);

/* store_index_open + put + free, for a writer that has only the store; the
 * usage is measured now (the terminal record is written). */
int store_index_record(struct store *s, const struct job *j);

/* Measures jobs/<id> again and updates its row's disk_bytes, if it has a row
 * (never adds one): for writers into a finished job's directory after its
 * terminal record (the state patch's record, supervisor.log, the MCP task
 * marker; docs/decisions/store-index.md "gc with a disk budget"). */
int store_index_refresh_usage(struct store *s, const char *id);

/* Reconciles the index with the store (above): indexes the finished jobs of
 * the active set and drops the rows of removed ones; once per boot, or for a
 * new index, also every name in jobs/ against every row (after a
 * quick_check: -EBADMSG when damaged).  Returns the ids of the non-terminal
 * (live) jobs as a NULL-terminated array (store_ids_free). */
int store_index_sync(struct store_index *ix, struct store *s, char ***ret_live_ids);

/* Records of the active set that did not parse at the last sync. */
size_t store_index_unreadable(struct store_index *ix);

/* Drops the row of id (store_job_remove, after the directory is gone). */
int store_index_forget(struct store *s, const char *id);

/* Hidden names (interrupted creations and removals) the last full
 * reconciliation saw in jobs/, for store_gc; and what gc leaves of them. */
int store_index_leftovers(struct store_index *ix, size_t *ret);
int store_index_set_leftovers(struct store_index *ix, size_t n);

struct store_index_query {
        uint32_t status_mask;  /* STORE_STATUS_BIT(); 0 = every status */
        uint64_t since, until; /* created_at bounds, realtime usec; 0 = none */
        const char *command;   /* substring of the command line; NULL = any */
        size_t limit;          /* the newest N (oldest N with oldest_first); 0 = all */
        bool oldest_first;
        /* Only jobs after / before this (created_at, id) position; NULL id = no bound. */
        const char *after_id, *before_id;
        uint64_t after_created, before_created;
        /* store_list_query: finished jobs as the index holds them
         * (store_index_query_brief), not read from their records. */
        bool brief;
};

/* Ids of the indexed jobs matching q, oldest first (by created_at, then id),
 * with their created_at in *ret_created (same order). */
int store_index_query(struct store_index *ix, const struct store_index_query *q, char ***ret_ids,
                      uint64_t **ret_created, size_t *ret_n);

/* As store_index_query, but each job as its row holds it: a record with only
 * id, tenant, status, created_at, started_at, finished_at, exit_code, signal,
 * oom_kills, cpu_usage_usec, memory_peak_bytes, memory_limit_bytes, wall_ms,
 * limits.timeout_ms, reason, lost_reason, seccomp_syscall and command set
 * (the rest as job_new leaves it): what a listing shows, without reading a
 * record.  *ret_jobs is an array of n (free each with job_free, then it);
 * -EBADMSG for a row that does not read back (the caller rebuilds); a row of
 * a status this build does not know is left out and counted in
 * store_index_unreadable(), as its record would be. */
int store_index_query_brief(struct store_index *ix, const struct store_index_query *q,
                            struct job ***ret_jobs, size_t *ret_n);

/* The indexed jobs counted by status into by_status[] (added to what it
 * holds), leaving out the rows of live_ids (NULL-terminated, from
 * store_index_sync): the caller counts those from their records, whatever
 * they say by then.  One read snapshot, so a live job that finishes meanwhile
 * is counted once, by its record.  Rows of a status this build does not know
 * are left out. */
int store_index_count(struct store_index *ix, char *const *live_ids,
                      size_t by_status[_JOB_STATUS_MAX]);

/* One finished job's accounting figures, as the index holds them. */
struct store_index_row {
        const char *tenant;
        enum job_status status;
        uint64_t created_at, started_at, finished_at;
        uint64_t oom_kills, cpu_usage_usec, memory_peak_bytes;
        uint64_t disk_bytes; /* store_index_oldest only */
};

/* Calls f for every indexed job submitted in [since, until) (0: unbounded),
 * oldest first; a negative return from f stops and is returned. */
int store_index_foreach(struct store_index *ix, uint64_t since, uint64_t until,
                        int (*f)(const struct store_index_row *row, void *userdata),
                        void *userdata);

/* Calls f for every indexed job with finished_at < finished_before (jobs
 * without finished_at too), oldest finish first; row has status, created_at
 * and finished_at only.  A negative return from f stops and is returned. */
int store_index_expired(struct store_index *ix, uint64_t finished_before,
                        int (*f)(const char *id, const struct store_index_row *row, void *userdata),
                        void *userdata);

/* One read transaction around several reads, so they see the same rows
 * (store_gc with a budget: the total, which live jobs have rows, the oldest). */
int store_index_read_begin(struct store_index *ix);
int store_index_read_end(struct store_index *ix);

/* The sum of every row's disk_bytes (from the totals the writes keep). */
int store_index_disk_total(struct store_index *ix, uint64_t *ret);

/* 1 when id has a row, 0 when not. */
int store_index_has(struct store_index *ix, const char *id);

/* Calls f for the indexed jobs in retention_select's order (finished_at, else
 * created_at; then created_at, then id), oldest first; row has status,
 * created_at, finished_at and disk_bytes.  f returns > 0 for the next row, 0
 * to stop, < 0 an error, which is returned. */
int store_index_oldest(struct store_index *ix,
                       int (*f)(const char *id, const struct store_index_row *row, void *userdata),
                       void *userdata);

/* The SQLite handle (tests, diagnostics). */
struct sqlite3 *store_index_db(struct store_index *ix);
