/* sysstatus.h - the governor's view as one object: what `corral status
 * --system` prints and what the MCP tool system_status returns, built in one
 * place so both say the same thing.
 *
 * Call sysstatus_collect() with measurements already taken (a one-shot
 * command samples twice with gov_measure_oneshot(); the server keeps a sliding
 * window with gov_measure_sample()), then sysstatus_to_json() or read the
 * fields; sysstatus_done() frees.
 */
#pragma once

#include "corral/gov-ledger.h"
#include "corral/gov-measure.h"
#include "corral/governor.h"

#include <stdbool.h>
#include <stdint.h>

struct cJSON;

struct system_status {
        struct gov_measurements m;
        struct gov_snapshot snap; /* empty when the state dir has no ledger yet */
        unsigned max_concurrent;
        uint64_t reserved, reservable;
        bool have_head;
        struct gov_decision head;
        const char *state_dir;
};

/* Reads the shared ledger of state_dir (without creating a store: no ledger
 * means nothing runs and the default policy) and decides for the head of the
 * queue.  m is copied.  Returns 0 or -errno (the ledger could not be read). */
int sysstatus_collect(const char *state_dir, const struct gov_measurements *m,
                      struct system_status *ret);
void sysstatus_done(struct system_status *s);

/* The object `corral status --system --json` prints (docs/governor.md).
 * NULL on ENOMEM. */
struct cJSON *sysstatus_to_json(const struct system_status *s);
