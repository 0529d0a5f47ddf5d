/* store-list.c - listing through the index (store-list.h). */
#include "store-list.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "jobid.h"

#define TERMINAL_MASK                                                                              \
        (~(STORE_STATUS_BIT(JOB_QUEUED) | STORE_STATUS_BIT(JOB_RUNNING)) &                         \
         ((1u << _JOB_STATUS_MAX) - 1))

struct entry {
        uint64_t created;
        char *id;        /* borrowed from ids[] or job */
        struct job *job; /* live jobs: already read; brief: from the index row */
        bool from_row;
};

struct page {
        struct entry *e;
        size_t n;
        size_t n_unreadable;
        char **ids; /* the index's ids, owning */
        bool more;
};

static void page_done(struct page *p)
{
        for (size_t i = 0; i < p->n; i++)
                job_free(p->e[i].job);
        free(p->e);
        store_ids_free(p->ids);
        *p = (struct page){0};
}

static int entry_cmp(const void *a, const void *b)
{
        const struct entry *x = a, *y = b;
        if (x->created != y->created)
                return x->created < y->created ? -1 : 1;
        return strcmp(x->id, y->id);
}

static int pos_cmp(uint64_t created, const char *id, uint64_t c2, const char *id2)
{
        if (created != c2)
                return created < c2 ? -1 : 1;
        return strcmp(id, id2);
}

static bool command_contains(const struct job *j, const char *sub)
{
        /* As the index keeps it: the arguments joined by spaces. */
        size_t len = 1;
        for (char **a = j->command; a && *a; a++)
                len += strlen(*a) + 1;
        _cleanup_free_ char *t = malloc(len);
        if (!t)
                return false;
        char *p = t;
        *p = 0;
        for (char **a = j->command; a && *a; a++)
                p += sprintf(p, "%s%s", p == t ? "" : " ", *a);
        return strstr(t, sub) != NULL;
}

static bool live_matches(const struct job *j, const struct store_index_query *q)
{
        return (!q->status_mask || (q->status_mask & STORE_STATUS_BIT(j->status))) &&
               j->created_at >= q->since && (!q->until || j->created_at < q->until) &&
               (!q->command || command_contains(j, q->command)) &&
               (!q->after_id || pos_cmp(j->created_at, j->id, q->after_created, q->after_id) > 0) &&
               (!q->before_id ||
                pos_cmp(j->created_at, j->id, q->before_created, q->before_id) < 0);
}

static int bsearch_cmp(const void *key, const void *elem)
{
        return strcmp(key, *(char *const *)elem);
}

static int page_push(struct page *p, size_t *cap, struct entry e)
{
        if (p->n == *cap) {
                size_t nc = *cap ? *cap * 2 : 64;
                struct entry *ne = realloc(p->e, nc * sizeof(*ne));
                if (!ne)
                        return -ENOMEM;
                p->e = ne;
                *cap = nc;
        }
        p->e[p->n++] = e;
        return 0;
}

/* The merged page: live jobs read, finished ones named. */
static int page_build(struct store *s, const struct store_index_query *q, struct page *ret)
{
        _cleanup_(store_index_freep) struct store_index *ix = NULL;
        char **live = NULL;
        int r = store_index_open_synced(s, &ix, &live);
        if (r < 0)
                return r;
        struct page p = {0};
        size_t cap = 0, n_live = 0;
        for (char **id = live; *id; id++, n_live++) {
                struct job *j = NULL;
                int lr = store_job_load(s, *id, &j, NULL);
                if (lr == -ENOMEM) {
                        r = lr;
                        goto fail;
                }
                if (lr < 0)
                        continue; /* removed since */
                if (!live_matches(j, q) ||
                    (r = page_push(&p, &cap, (struct entry){j->created_at, j->id, j, false})) < 0) {
                        job_free(j);
                        if (r < 0)
                                goto fail;
                }
        }
        /* One more than the page: whether there is more. */
        struct store_index_query iq = *q;
        iq.limit = q->limit ? q->limit + 1 : 0;
        iq.status_mask = q->status_mask & TERMINAL_MASK;
        uint64_t *created = NULL;
        struct job **brief = NULL;
        size_t n = 0;
        if (!q->status_mask || iq.status_mask) {
                r = q->brief ? store_index_query_brief(ix, &iq, &brief, &n)
                             : store_index_query(ix, &iq, &p.ids, &created, &n);
                if (r == -EBADMSG) {
                        /* A damaged page: from the records, then again. */
                        store_ids_free(live);
                        live = NULL;
                        if ((r = store_index_rebuild(s, &ix)) >= 0 &&
                            (r = store_index_sync(ix, s, &live)) >= 0)
                                r = q->brief ? store_index_query_brief(ix, &iq, &brief, &n)
                                             : store_index_query(ix, &iq, &p.ids, &created, &n);
                }
                if (r < 0)
                        goto fail;
        }
        n_live = 0;
        while (live && live[n_live])
                n_live++;
        for (size_t i = 0; r >= 0 && i < n; i++) {
                const char *id = brief ? brief[i]->id : p.ids[i];
                /* A job that finished since the sync is in both: keep one. */
                if (live && bsearch(id, live, n_live, sizeof(char *), bsearch_cmp))
                        continue;
                struct entry e =
                    brief ? (struct entry){brief[i]->created_at, brief[i]->id, brief[i], true}
                          : (struct entry){created[i], p.ids[i], NULL, false};
                if ((r = page_push(&p, &cap, e)) >= 0 && brief)
                        brief[i] = NULL; /* the page's now */
        }
        for (size_t i = 0; brief && i < n; i++)
                job_free(brief[i]);
        free(brief);
        free(created);
        if (r < 0)
                goto fail;
        if (p.n > 1)
                qsort(p.e, p.n, sizeof(*p.e), entry_cmp);
        if (q->limit && p.n > q->limit) {
                /* Keep the page's end: the oldest N, or the newest N. */
                size_t drop = p.n - q->limit, from = q->oldest_first ? q->limit : 0;
                for (size_t i = from; i < from + drop; i++)
                        job_free(p.e[i].job);
                if (!q->oldest_first)
                        memmove(p.e, p.e + drop, q->limit * sizeof(*p.e));
                p.n = q->limit;
                p.more = true;
        }
        p.n_unreadable = store_index_unreadable(ix);
        store_ids_free(live);
        *ret = p;
        return 0;
fail:
        store_ids_free(live);
        page_done(&p);
        return r;
}

int store_cursor_parse(const char *c, uint64_t *ret_created, const char **ret_id)
{
        uint64_t created;
        int n = 0;
        if (!c || sscanf(c, "1.%" SCNu64 ".%n", &created, &n) != 1 || n == 0 ||
            !name_is_valid(c + n))
                return -EINVAL;
        *ret_created = created;
        *ret_id = c + n;
        return 0;
}

int store_cursor_format(uint64_t created, const char *id, char **ret)
{
        return asprintf(ret, "1.%" PRIu64 ".%s", created, id) < 0 ? -ENOMEM : 0;
}

int store_list_query(struct store *s, const struct store_index_query *q, struct store_list *ret)
{
        struct page p = {0};
        int r = page_build(s, q, &p);
        if (r < 0)
                return r;
        struct store_list l = {.n_unreadable = p.n_unreadable};
        l.jobs = calloc(p.n ? p.n : 1, sizeof(struct job *));
        if (!l.jobs) {
                page_done(&p);
                return -ENOMEM;
        }
        for (size_t i = 0; i < p.n; i++) {
                struct stat st;
                if (p.e[i].from_row &&
                    fstatat(store_jobs_fd(s), p.e[i].id, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
                    errno == ENOENT) {
                        /* As below: the row of an interrupted removal.  One
                         * lookup, not the record: the row has what is shown. */
                        (void)store_index_forget(s, p.e[i].id);
                        continue;
                }
                struct job *j = TAKE_PTR(p.e[i].job);
                if (!j) {
                        int lr = store_job_load(s, p.e[i].id, &j, NULL);
                        if (lr == -ENOMEM) {
                                r = lr;
                                break;
                        }
                        if (lr == -ENOENT) {
                                /* Its directory is gone and its row was not:
                                 * an interrupted removal. */
                                (void)store_index_forget(s, p.e[i].id);
                                continue;
                        }
                        if (lr < 0) {
                                l.n_unreadable++;
                                continue;
                        }
                }
                l.jobs[l.n++] = j;
        }
        if (r >= 0 && p.more && p.n) {
                const struct entry *e = &p.e[q->oldest_first ? p.n - 1 : 0];
                r = store_cursor_format(e->created, e->id, &l.next_cursor);
        }
        page_done(&p);
        if (r < 0) {
                store_list_done(&l);
                return r;
        }
        *ret = l;
        return 0;
}

int store_list_ids(struct store *s, const struct store_index_query *q, char ***ret_ids,
                   bool *ret_more)
{
        struct page p = {0};
        int r = page_build(s, q, &p);
        if (r < 0)
                return r;
        char **ids = calloc(p.n + 1, sizeof(char *));
        for (size_t i = 0; ids && i < p.n; i++)
                if (!(ids[i] = strdup(p.e[i].id))) {
                        store_ids_free(ids);
                        ids = NULL;
                }
        bool more = p.more;
        page_done(&p);
        if (!ids)
                return -ENOMEM;
        *ret_ids = ids;
        if (ret_more)
                *ret_more = more;
        return 0;
}

static int list_jobs(struct store *s, const struct store_filter *filter, const char *cursor,
                     size_t limit, bool brief, struct store_list *ret)
{
        struct store_index_query q = {
            .status_mask = filter ? filter->status_mask : 0,
            .oldest_first = true,
            .limit = limit,
            .brief = brief,
        };
        if (cursor && store_cursor_parse(cursor, &q.after_created, &q.after_id) < 0)
                return -EINVAL;
        int r = store_list_query(s, &q, ret);
        /* An index that cannot be opened or written at all (a read-only
         * state directory, a full disk): every record, as before the index. */
        if (r < 0 && r != -ENOMEM)
                r = store_list_scan(s, filter, cursor, limit, ret);
        return r;
}

int store_list_jobs(struct store *s, const struct store_filter *filter, const char *cursor,
                    size_t limit, struct store_list *ret)
{
        return list_jobs(s, filter, cursor, limit, false, ret);
}

int store_list_brief(struct store *s, const struct store_filter *filter, const char *cursor,
                     size_t limit, struct store_list *ret)
{
        return list_jobs(s, filter, cursor, limit, true, ret);
}

/* ---- census: counts by status, live jobs, the newest finished ----------- */

static int job_ptr_cmp(const void *a, const void *b)
{
        const struct job *x = *(struct job *const *)a, *y = *(struct job *const *)b;
        return pos_cmp(x->created_at, x->id, y->created_at, y->id);
}

static int jobs_push(struct job ***v, size_t *n, size_t *cap, struct job *j)
{
        if (*n == *cap) {
                size_t nc = *cap ? *cap * 2 : 16;
                struct job **nv = realloc(*v, nc * sizeof(*nv));
                if (!nv)
                        return -ENOMEM;
                *v = nv;
                *cap = nc;
        }
        (*v)[(*n)++] = j;
        return 0;
}

/* Counts j and keeps it when live; takes it either way. */
static int census_add(struct store_census *c, size_t *cap, struct job *j)
{
        if (j->status >= 0 && j->status < _JOB_STATUS_MAX)
                c->by_status[j->status]++;
        if (job_status_is_terminal(j->status)) {
                job_free(j);
                return 0;
        }
        int r = jobs_push(&c->live, &c->n_live, cap, j);
        if (r < 0)
                job_free(j);
        return r;
}

/* The newest n finished rows, less those whose directory is gone (an
 * interrupted removal: their row goes, as store_list_query does). */
static int census_finished(struct store *s, struct store_index *ix, size_t n,
                           struct store_census *c)
{
        struct store_index_query q = {.status_mask = TERMINAL_MASK, .limit = n, .brief = true};
        struct job **v = NULL;
        size_t nv = 0;
        int r = store_index_query_brief(ix, &q, &v, &nv);
        if (r < 0)
                return r;
        size_t kept = 0;
        for (size_t i = 0; i < nv; i++) {
                struct stat st;
                if (fstatat(store_jobs_fd(s), v[i]->id, &st, AT_SYMLINK_NOFOLLOW) < 0 &&
                    errno == ENOENT) {
                        (void)store_index_forget(s, v[i]->id);
                        job_free(v[i]);
                        continue;
                }
                v[kept++] = v[i];
        }
        c->finished = v;
        c->n_finished = kept;
        return 0;
}

static int census_indexed(struct store *s, size_t n_finished, struct store_census *c)
{
        _cleanup_(store_index_freep) struct store_index *ix = NULL;
        char **live = NULL;
        int r = store_index_open_synced(s, &ix, &live);
        if (r < 0)
                return r;
        r = store_index_count(ix, live, c->by_status);
        if (r == -EBADMSG) {
                /* Damaged: from the records, then again (as page_build). */
                store_ids_free(live);
                live = NULL;
                memset(c->by_status, 0, sizeof(c->by_status));
                if ((r = store_index_rebuild(s, &ix)) >= 0 &&
                    (r = store_index_sync(ix, s, &live)) >= 0)
                        r = store_index_count(ix, live, c->by_status);
        }
        size_t cap = 0;
        for (char **id = live; r >= 0 && *id; id++) {
                struct job *j = NULL;
                int lr = store_job_load(s, *id, &j, NULL);
                if (lr == -ENOMEM)
                        r = lr;
                else if (lr == 0)
                        r = census_add(c, &cap, j);
                /* else removed since the sync: neither live nor counted */
        }
        if (r >= 0 && n_finished)
                r = census_finished(s, ix, n_finished, c);
        c->n_unreadable = store_index_unreadable(ix);
        store_ids_free(live);
        return r;
}

/* Every record, for a store whose index cannot be used. */
static int census_scan(struct store *s, size_t n_finished, struct store_census *c)
{
        struct store_list l = {0};
        int r = store_list_scan(s, NULL, NULL, 0, &l);
        if (r < 0)
                return r;
        c->n_unreadable = l.n_unreadable;
        size_t cap = 0, done = 0, fcap = 0;
        for (size_t i = 0; i < l.n; i++)
                done += job_status_is_terminal(l.jobs[i]->status);
        /* l is oldest first: the finished ones past the first done - n are kept. */
        for (size_t i = 0; r >= 0 && i < l.n; i++) {
                struct job *j = TAKE_PTR(l.jobs[i]);
                if (job_status_is_terminal(j->status) && done-- <= n_finished) {
                        c->by_status[j->status]++;
                        r = jobs_push(&c->finished, &c->n_finished, &fcap, j);
                        if (r < 0)
                                job_free(j);
                } else
                        r = census_add(c, &cap, j);
        }
        store_list_done(&l);
        return r;
}

int store_census(struct store *s, size_t n_finished, struct store_census *ret)
{
        struct store_census c = {0};
        int r = census_indexed(s, n_finished, &c);
        if (r < 0 && r != -ENOMEM) {
                /* An index that cannot be opened or written at all (a read-only
                 * state directory, a full disk), as store_list_jobs. */
                store_census_done(&c);
                r = census_scan(s, n_finished, &c);
        }
        if (r < 0) {
                store_census_done(&c);
                return r;
        }
        if (c.n_live > 1)
                qsort(c.live, c.n_live, sizeof(*c.live), job_ptr_cmp);
        *ret = c;
        return 0;
}

void store_census_done(struct store_census *c)
{
        for (size_t i = 0; i < c->n_live; i++)
                job_free(c->live[i]);
        free(c->live);
        for (size_t i = 0; i < c->n_finished; i++)
                job_free(c->finished[i]);
        free(c->finished);
        *c = (struct store_census){0};
}
