/* store.h - the job store on disk: directories, records, locks, listing,
 * results and state patches.  docs/store.md describes the layout.
 *
 *   <state-dir>/                         0700
 *     tenants/<tenant>/                  0700, one per tenant
 *       lock                             store-wide lock of this tenant
 *       jobs/<id>/                       0700, one per job
 *         lock                           the job's lock (flock), never unlinked
 *         job.json                       the record (job.h), replaced atomically
 *         input.json stdout.log stderr.log results.json progress.json
 *       state/<field>.json               applied state patches
 *
 * Every file is opened with openat() relative to directory fds opened once by
 * store_open(); every name that comes from outside (id, tenant, field) is
 * validated first (jobid.h).  A store handle sees one tenant: a job of another
 * tenant is "no such job" (-ENOENT), never "not yours".
 *
 * Who may write a job.json: the holder of the job's lock (store_job_lock).
 * Readers (store_job_load, store_list) take no lock and never write.
 * All functions return >= 0 or -errno and do not log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "job.h"

struct cJSON;
struct store;

/* Largest results.json accepted by default. */
#define STORE_RESULT_MAX     (16u * 1024u * 1024u)
#define STORE_DEFAULT_TENANT "default"

/* The default state directory (statedir.h): /var/lib/corral for root, else
 * $XDG_STATE_HOME/corral, else $HOME/.local/state/corral (relative
 * XDG_STATE_HOME values are ignored, as the XDG spec says).  -ENOENT when
 * neither variable gives an absolute path. */
int store_default_dir(char **ret);

/* Opens (creating, mode 0700, when missing) the store at dir for tenant (NULL:
 * "default").  -EINVAL for an invalid tenant name; -ENOTDIR, -EACCES, -ELOOP
 * (a symlink where a store directory should be) as the system says. */
int store_open(const char *dir, const char *tenant, struct store **ret);
void store_free(struct store *s);
DEFINE_FREE_FUNC(struct store, store_free);

const char *store_tenant(const struct store *s);
/* The tenant's jobs/ directory fd (owned by the store; do not close). */
int store_jobs_fd(const struct store *s);
/* The tenant's directory fd (owned by the store; do not close). */
int store_tenant_fd(const struct store *s);
/* The tenant's active/ directory fd (store-active.h; owned by the store). */
int store_active_fd(const struct store *s);

/* ---- locks ---------------------------------------------------------------
 * store_job_lock: exclusive flock on jobs/<id>/lock.  wait=false returns
 * -EWOULDBLOCK when another process holds it.  -ENOENT when there is no such
 * job (or it was removed while we waited).  *ret_fd is the lock; closing it
 * releases it (and a process that dies releases it too, which is what makes
 * adopt/finish/clean exactly-once across corral processes).
 * store_lock: the tenant-wide lock, for start-up recovery scans. */
int store_job_lock(struct store *s, const char *id, bool wait, int *ret_fd);
int store_lock(struct store *s, bool wait, int *ret_fd);

/* ---- records ------------------------------------------------------------- */

/* Creates a job: fills j->id (requested_id when not NULL, else a generated
 * one) and j->tenant, sets created_at when 0, builds the job directory
 * under a hidden staging name (lock file, locked; input.json when input is not
 * NULL: input_len bytes, must be JSON; job.json) and renames it to jobs/<id>
 * with RENAME_NOREPLACE (after marking the id in the active set,
 * store-active.h): an existing jobs/<id> is -EEXIST, "id in use",
 * decided atomically, and no one ever sees a half-made job.  Returns 0 with the held lock in
 * *ret_lock_fd (or released when ret_lock_fd is NULL).  -EINVAL for an invalid requested id or
 * record (*ret_reason says why), -EEXIST for an id in use, -EBADMSG for input
 * that is not JSON.  On failure nothing is left behind. */
int store_job_create(struct store *s, struct job *j, const char *requested_id, const char *input,
                     size_t input_len, int *ret_lock_fd, const char **ret_reason);

/* Reads jobs/<id>/job.json.  -ENOENT: no such job for this tenant (also for an
 * invalid id or another tenant's record); -EBADMSG: unreadable record
 * (*ret_error, optional, says why).  Never writes anything. */
int store_job_load(struct store *s, const char *id, struct job **ret, char **ret_error);

/* Writes j as jobs/<j->id>/job.json atomically (temp, fsync, rename, fsync
 * dir).  The caller holds the job's lock.  A recorded terminal outcome is
 * never replaced by another: when the stored status is terminal and j->status
 * differs, -ESTALE and nothing is written (fields such as state_applied may
 * still change).  -ENOSPC etc. leave the previous job.json intact. */
int store_job_save(struct store *s, const struct job *j);

/* store_job_save for a record that recovery would recompute anyway (queue position, reason,
 * progress): its contents are synced but not its directory entry, so a power loss may bring
 * the previous record back, never an empty or torn one (one fsync instead of two). */
int store_job_save_interim(struct store *s, const struct job *j);

/* Opens jobs/<id>/ as a directory fd (O_NOFOLLOW), e.g. for the supervisor to
 * open logs and to fchdir into.  -ENOENT as store_job_load. */
int store_job_open_dir(struct store *s, const char *id, int *ret_fd);

/* Opens stdout.log or stderr.log (which: 1 or 2) of a job for appending,
 * creating it 0600.  The fd is what the job's fd 1/2 should be. */
int store_job_open_log(int job_dirfd, int which, int *ret_fd);

/* Bytes on disk used by jobs/<id>/ (st_blocks of every file in it). */
int store_job_disk_usage(struct store *s, const char *id, uint64_t *ret);

/* Deletes jobs/<id>/ and its index row with its lock held (taken here, not waiting: -EWOULDBLOCK
 * when someone holds it).  Refuses a job that is not terminal (-EBUSY).  Only
 * ever removes inside jobs/, by validated id, never following symlinks. */
int store_job_remove(struct store *s, const char *id);

/* ---- listing -------------------------------------------------------------- */

struct store_filter {
        uint32_t status_mask; /* bit (1u << status); 0 = every status */
};
#define STORE_STATUS_BIT(s) (1u << (s))

struct store_list {
        struct job **jobs; /* sorted by created_at, then id */
        size_t n;
        char *next_cursor;   /* NULL when this is the last page */
        size_t n_unreadable; /* records skipped because they did not parse */
};
void store_list_done(struct store_list *l);

/* Lists this tenant's jobs matching filter (NULL: all), oldest first, at most
 * limit (0: no limit) after cursor (NULL: from the start; else a
 * next_cursor from an earlier call; -EINVAL for a malformed one).
 * Finished jobs come from the index and live ones from the active set
 * (store-list.c): a page reads the records it returns, not the store.
 * When the index cannot be used at all, falls back to store_list_scan. */
int store_list_jobs(struct store *s, const struct store_filter *filter, const char *cursor,
                    size_t limit, struct store_list *ret);

/* store_list_jobs by reading every record in jobs/ (the index's fallback).
 * Directories without a readable job.json (being created, or corrupt) are
 * skipped and counted. */
int store_list_scan(struct store *s, const struct store_filter *filter, const char *cursor,
                    size_t limit, struct store_list *ret);

/* ---- results and state patches ------------------------------------------- */

/* Reads and parses the job's result file (job_result_file(j)) from job_dirfd,
 * at most max bytes (0: STORE_RESULT_MAX).  Returns 0 and the document; on
 * failure *ret_error (malloc'd) is the sentence for j->result_error:
 * -ENOENT not written, -EFBIG too large, -EBADMSG not valid JSON. */
int store_result_read_at(int job_dirfd, const struct job *j, size_t max, struct cJSON **ret,
                         char **ret_error);

/* For the finisher of a completed job: checks the result and sets (or clears)
 * j->result_error without touching j->status.  Returns 0 (result usable),
 * 1 (no usable result, result_error set) or -ENOMEM. */
int store_job_check_result(int job_dirfd, struct job *j, size_t max);

/* Applies j's state patch: copies the result (or the part j->state_patch_pointer
 * selects) to state/<field>.json atomically, sets j->state_applied and saves
 * j.  The caller holds the job's lock.  Returns 1 when applied, 0 when there
 * is nothing to do (no patch, or already applied), -EPERM when the job did not
 * complete (it never patches state), or -ENOENT/-EFBIG/-EBADMSG (result) or a
 * jsonptr_get error (pointer), with *ret_error (optional, malloc'd) saying why. */
int store_state_apply(struct store *s, struct job *j, char **ret_error);

/* Ids of completed jobs with a state patch not yet applied (start-up replay),
 * oldest first, as a NULL-terminated array (free with store_ids_free). */
int store_state_pending(struct store *s, char ***ret_ids);

/* Reads state/<field>.json (at most STORE_RESULT_MAX).  -ENOENT when not set. */
int store_state_read(struct store *s, const char *field, char **ret, size_t *ret_len);

void store_ids_free(char **ids);

/* ---- retention (see retention.h for the choice) --------------------------
 * Removes the finished jobs retention_select() picks for this tenant: older
 * than ttl_usec, or beyond disk_budget_bytes (0: none), oldest first, never a
 * queued or running one, skipping jobs whose lock is held.  Also removes
 * leftovers of interrupted creations and removals.  *ret_removed (optional)
 * is the number of jobs removed.  Works from the index (store-index.h): by
 * age, the rows past the TTL; with a budget, the rows' disk_bytes and the
 * live jobs' usage measured now, then only the oldest rows that can go. */
int store_gc(struct store *s, uint64_t ttl_usec, uint64_t disk_budget_bytes, uint64_t now_usec,
             size_t *ret_removed);
/* store_gc without the index: every job listed and every directory measured
 * (its fallback when the index cannot be used; tests compare the two). */
int store_gc_scan(struct store *s, uint64_t ttl_usec, uint64_t disk_budget_bytes, uint64_t now_usec,
                  size_t *ret_removed);

/* Refreshes j->progress from the job's directory (progress.json, else the
 * tail of stdout.log), never decreasing (progress_update).  Reads only; the
 * caller decides whether to save.  -ENOENT when the job has no directory,
 * -EBADFD when the job planted a non-regular file. */
int store_job_refresh_progress(struct store *s, struct job *j);
