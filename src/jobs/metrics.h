/* metrics.h - corral's figures in the Prometheus text exposition format
 * (version 0.0.4, what node_exporter's textfile collector and promtool read):
 * jobs by status and tenant, the queue, admissions and refusals, outcomes
 * (OOM kills, seccomp violations), memory and CPU in use and reserved, and
 * the host's memory, CPU and pressure.  docs/metrics.md lists every metric.
 *
 * Used by `corral metrics` and the MCP resource corral://metrics: both give
 * the same text.  Returns >= 0 or -errno; does not log.
 */
#pragma once

#include "gov-measure.h"

#include <stddef.h>

/* Renders the metrics of the store at state_dir (every tenant) with the
 * host measurements m.  *ret is malloc'ed text ending in a newline. */
int metrics_render(const char *state_dir, const struct gov_measurements *m, char **ret,
                   size_t *ret_len);
