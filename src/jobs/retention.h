/* retention.h - which finished jobs to delete (pure logic, no I/O).
 *
 * Users expect old jobs to go away on their own (the seed FAQ's cleanup loop),
 * but a job that is queued or running must never lose its directory, and
 * deletion must be predictable: oldest finished first.  store_gc() does the
 * deleting; this module only decides, so the choice is unit-tested alone.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define RETENTION_DEFAULT_TTL_USEC (7ull * 24 * 3600 * 1000000)

struct retention_entry {
        enum job_status status;
        uint64_t finished_at; /* realtime usec; 0 for unfinished */
        uint64_t created_at;  /* tie-break, and the age of a finished job without finished_at */
        uint64_t disk_bytes;
};

struct retention_policy {
        uint64_t ttl_usec;          /* delete finished jobs older than this; 0 = never by age */
        uint64_t disk_budget_bytes; /* keep total usage of all jobs under this; 0 = no budget */
};

/* Picks entries to delete: every terminal one finished more than ttl ago,
 * then, while the total of ALL entries (running ones count too) is over the
 * budget, further terminal ones oldest first.  Never a non-terminal entry.
 * Returns the number chosen (>= 0), their indexes in *ret_idx (malloc'd, in
 * deletion order; NULL when none), or -ENOMEM. */
int retention_select(const struct retention_entry *e, size_t n, const struct retention_policy *p,
                     uint64_t now_usec, size_t **ret_idx);
