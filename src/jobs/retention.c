/* retention.c - choosing which finished jobs to delete (retention.h). */
#include "retention.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

struct order {
        const struct retention_entry *e;
        size_t idx;
};

static uint64_t finished_key(const struct retention_entry *e)
{
        return e->finished_at ? e->finished_at : e->created_at;
}

static int order_cmp(const void *a, const void *b)
{
        const struct order *x = a, *y = b;
        uint64_t kx = finished_key(x->e), ky = finished_key(y->e);
        if (kx != ky)
                return kx < ky ? -1 : 1;
        if (x->e->created_at != y->e->created_at)
                return x->e->created_at < y->e->created_at ? -1 : 1;
        return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int retention_select(const struct retention_entry *e, size_t n, const struct retention_policy *p,
                     uint64_t now_usec, size_t **ret_idx)
{
        size_t n_done = 0;
        uint64_t total = 0;
        for (size_t i = 0; i < n; i++) {
                total += e[i].disk_bytes;
                if (job_status_is_terminal(e[i].status))
                        n_done++;
        }
        if (n_done == 0) {
                *ret_idx = NULL;
                return 0;
        }

        struct order *o = malloc(n_done * sizeof(*o));
        size_t *pick = malloc(n_done * sizeof(*pick));
        if (!o || !pick) {
                free(o);
                free(pick);
                return -ENOMEM;
        }
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
                if (job_status_is_terminal(e[i].status))
                        o[k++] = (struct order){&e[i], i};
        qsort(o, n_done, sizeof(*o), order_cmp);

        size_t n_pick = 0;
        for (size_t i = 0; i < n_done; i++) {
                uint64_t t = finished_key(o[i].e);
                bool expired = p->ttl_usec > 0 && now_usec > t && now_usec - t > p->ttl_usec;
                bool over = p->disk_budget_bytes > 0 && total > p->disk_budget_bytes;
                /* Sorted oldest first: once neither holds, no later one does. */
                if (!expired && !over)
                        break;
                pick[n_pick++] = o[i].idx;
                total -= o[i].e->disk_bytes;
        }
        free(o);
        if (n_pick == 0) {
                free(pick);
                pick = NULL;
        }
        *ret_idx = pick;
        return (int)n_pick;
}
