/* gov-status.h - the governor's whole view as one record and as JSON, for
 * `corral status --system --json` and the MCP system_status tool (same shape).
 *
 * The caller measures (a server from its sampling gov_measure, a one-shot
 * command with gov_measure_oneshot); this adds the shared ledger and policy and
 * why the head of the queue waits.  Returns >= 0 or -errno; does not log.
 */
#pragma once

#include "gov-ledger.h"
#include "gov-measure.h"
#include "governor.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct gov_status {
        struct gov_measurements m;
        struct gov_snapshot snap; /* running, queued, policy; empty without a ledger */
        unsigned max_concurrent;
        uint64_t reserved, reservable;
        bool have_head;
        struct gov_decision head; /* for snap.queued[0], when have_head */
        bool head_hidden;         /* the head is another tenant's: no id, tenant, reason */
};

/* Reads <state_dir>/governor when it exists (never creates it: reading the
 * status must not make a store); without it nothing runs and the policy is the
 * default.  -EINVAL when governor.conf is malformed. */
int gov_status_collect(const struct gov_measurements *m, const char *state_dir,
                       struct gov_status *ret);
void gov_status_done(struct gov_status *s);

/* The JSON object (docs/governor.md lists its fields); NULL on allocation failure. */
cJSON *gov_status_to_json(const struct gov_status *s, const char *state_dir);
