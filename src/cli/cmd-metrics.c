/* cmd-metrics.c - `corral metrics`: the store's and the host's figures in the
 * Prometheus text format on stdout (docs/metrics.md), for a scraper, a cron
 * job writing node_exporter's textfile directory, or a person. */
#include "commands.h"
#include "cleanup.h"
#include "gov-measure.h"
#include "log.h"
#include "metrics.h"
#include "statedir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void metrics_usage(FILE *f)
{
        fprintf(f, "usage: corral metrics\n"
                   "\n"
                   "Prints jobs by status and tenant, the queue, admissions and refusals,\n"
                   "OOM kills, seccomp violations, memory and CPU in use and reserved, and\n"
                   "host pressure in the Prometheus text format (docs/metrics.md).\n");
}

int cmd_metrics(const struct corral_options *o, int argc, char **argv)
{
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        metrics_usage(stdout);
                        return 0;
                }
                log_error("Unexpected argument '%s': usage: corral metrics", argv[i]);
                return EXIT_USAGE;
        }
        _cleanup_free_ char *state_dir = NULL;
        int r = state_dir_resolve(o->state_dir, &state_dir);
        if (r < 0)
                return log_error_errno(r, "Failed to find the state directory: %s", strerror(-r)),
                       1;
        _cleanup_(gov_measure_freep) struct gov_measure *meas = NULL;
        struct gov_measurements m;
        r = gov_measure_new(NULL, &meas);
        if (r >= 0)
                r = gov_measure_oneshot(meas, GOV_ONESHOT_GAP_USEC, &m);
        if (r < 0)
                return log_error_errno(r, "Failed to measure memory and CPU: %s", strerror(-r)), 1;
        _cleanup_free_ char *text = NULL;
        size_t len;
        r = metrics_render(state_dir, &m, &text, &len);
        if (r < 0)
                return log_error_errno(r, "Failed to collect the metrics of '%s': %s", state_dir,
                                       strerror(-r)),
                       1;
        return fwrite(text, 1, len, stdout) == len ? 0 : 1;
}
