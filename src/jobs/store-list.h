/* store-list.h - listing the store through its index: a page of jobs costs
 * the records on the page, not the history (docs/decisions/store-index.md).
 * Finished jobs come from the index (store-index.h), live ones from the active
 * set (store-active.h), merged in (created_at, id) order.  store_list_jobs()
 * (store.h) is the oldest-first form of store_list_query().
 * All functions return >= 0 or -errno and do not log. */
#pragma once

#include "store-index.h"
#include "store.h"

/* The jobs q selects (status, time, command, after/before position, limit;
 * newest N or oldest N), loaded, oldest first in ret->jobs.  ret->next_cursor
 * is set when more jobs lie beyond the page in q's direction: the position
 * after the last job (oldest_first), or before the first (newest N).
 * A damaged index is rebuilt from the records. */
int store_list_query(struct store *s, const struct store_index_query *q, struct store_list *ret);

/* store_list_jobs (store.h), with finished jobs as the index holds them
 * (store_index_query_brief: what a listing shows, no record read; live jobs
 * are read).  What list_jobs and `corral list` page through. */
int store_list_brief(struct store *s, const struct store_filter *filter, const char *cursor,
                     size_t limit, struct store_list *ret);

/* Only the ids of store_list_query's page (no record read for finished jobs),
 * oldest first, NULL-terminated (store_ids_free); *ret_more as next_cursor. */
int store_list_ids(struct store *s, const struct store_index_query *q, char ***ret_ids,
                   bool *ret_more);

/* A tenant's jobs counted by status, its live jobs read, and its newest
 * finished ones as the index holds them: what `corral top` and `corral
 * metrics` show of a store, at the cost of the live jobs and not of the
 * history (finished jobs are counted in the index, never read).  When the
 * index cannot be used at all, every record is read, as store_list_jobs does. */
struct store_census {
        size_t by_status[_JOB_STATUS_MAX];
        struct job **live; /* queued and running, oldest first (created_at, id) */
        size_t n_live;
        struct job **finished; /* the newest n_finished asked for, oldest first */
        size_t n_finished;
        size_t n_unreadable; /* records that did not parse */
};
int store_census(struct store *s, size_t n_finished, struct store_census *ret);
void store_census_done(struct store_census *c);

/* Cursors: "1.<created_at>.<id>", opaque to clients. */
int store_cursor_parse(const char *cursor, uint64_t *ret_created, const char **ret_id);
int store_cursor_format(uint64_t created, const char *id, char **ret);
