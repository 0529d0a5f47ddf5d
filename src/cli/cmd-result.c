/* cmd-result.c - `corral result ID`: the job's results JSON on stdout, as MCP
 * job_result gives it, or one line on stderr saying why there is none (the job
 * has not ended, it ended without writing one, what it wrote is not JSON or too
 * large, or the job did not complete). */
#include "commands.h"
#include "jobctl.h"
#include "log.h"
#include "store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void result_usage(FILE *f)
{
        fprintf(f, "usage: corral result ID\n"
                   "\n"
                   "Prints the job's results JSON (its result file, default results.json) on\n"
                   "stdout.  Exit status 0 when printed; 1 with the reason on stderr when the\n"
                   "job has no result (not ended, ended without one, invalid JSON, too large);\n"
                   "2 for an unknown job.\n");
}

int cmd_result(const struct corral_options *o, int argc, char **argv)
{
        const char *id = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        result_usage(stdout);
                        return 0;
                }
                if (id || argv[i][0] == '-') {
                        log_error("Unexpected argument '%s': usage: corral result ID", argv[i]);
                        return EXIT_USAGE;
                }
                id = argv[i];
        }
        if (!id) {
                log_error("No job given: usage: corral result ID");
                return EXIT_USAGE;
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        jobctl_recover_one(c, id);
        _cleanup_(job_freep) struct job *j = NULL;
        if (jobctl_load(c, id, &j) < 0) {
                log_error("No such job: '%s'", id);
                return EXIT_USAGE;
        }
        const char *status = job_status_to_string(j->status);
        if (!job_status_is_terminal(j->status)) {
                log_error("Job '%s' is %s: it has no result until it ends (corral wait %s)", id,
                          status, id);
                return 1;
        }
        _cleanup_close_ int dfd = -EBADF;
        int r = store_job_open_dir(c->store, id, &dfd);
        if (r < 0) {
                log_error("Failed to open the directory of job '%s': %s", id, strerror(-r));
                return 1;
        }
        cJSON *results = NULL;
        _cleanup_free_ char *why = NULL;
        r = store_result_read_at(dfd, j, 0, &results, &why);
        if (r < 0 || !results) {
                /* The finisher's verdict first: it is what job_result reports too. */
                const char *reason = j->result_error ? j->result_error : why;
                if (j->status == JOB_COMPLETED)
                        log_error("Job '%s' completed without a usable result: %s", id,
                                  reason ? reason : strerror(-r));
                else
                        log_error("Job '%s' ended %s%s%s: no result (%s)", id, status,
                                  j->reason ? ", " : "", j->reason ? j->reason : "",
                                  reason ? reason : strerror(-r));
                return 1;
        }
        char *text = cJSON_PrintUnformatted(results);
        cJSON_Delete(results);
        if (!text)
                return log_error("Out of memory"), 1;
        int ok = puts(text) >= 0;
        cJSON_free(text);
        /* A result of a job that did not complete is printed, but is not success. */
        if (j->status != JOB_COMPLETED)
                log_error("Note: job '%s' ended %s; its result file is printed as it was left", id,
                          status);
        return ok && j->status == JOB_COMPLETED ? 0 : 1;
}
