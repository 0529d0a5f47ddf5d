/* store-active.h - the store's set of jobs that recovery must look at, so that
 * recovery, `corral list` and serve's start-up never read every record
 * (docs/decisions/store-index.md "The active set").
 *
 *   <state-dir>/tenants/<tenant>/active/<id>   an empty file, 0600
 *
 * A job has a marker while it is queued or running (made before its directory
 * appears in jobs/, removed after its terminal record is indexed), while it
 * completed with a state patch not yet applied, and while it is being
 * removed.  So after any crash a job whose record or index row may be out of
 * step still has its marker; the one case a marker itself may be lost (a
 * power loss: markers are not fsynced) is covered by the index's full
 * reconciliation once per boot (store-index.h).  A marker without a job
 * directory is a creation in progress, or an interrupted creation or removal.
 * All functions return >= 0 or -errno and do not log. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* Adds (idempotent) or removes (absent is fine) the marker of id. */
int store_active_add(struct store *s, const char *id);
int store_active_remove(struct store *s, const char *id);

/* The marked ids, sorted, as a NULL-terminated array (store_ids_free). */
int store_active_list(struct store *s, char ***ret_ids);

/* The marker's age in usec at now_usec (-ENOENT without one). */
int store_active_age(struct store *s, const char *id, uint64_t now_usec, uint64_t *ret);

/* Whether record j keeps its marker: not finished, or completed with a state
 * patch to replay. */
static inline bool store_active_wanted(const struct job *j)
{
        return !job_status_is_terminal(j->status) ||
               (j->status == JOB_COMPLETED && j->state_patch_field && !j->state_applied);
}
