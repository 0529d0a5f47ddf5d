/* cmd-slurm-exec.c - `corral __slurm-exec FILE`: what a Slurm batch script
 * runs on the node (src/jobs/executor-slurm.c writes both).
 *
 * FILE holds the `corral run` command line as NUL-separated strings.  The
 * batch script is constant text that passes FILE's path as an argument, so
 * no string of the user's is ever read by a shell: this execs corral itself
 * with exactly those strings. */
#include "cleanup.h"
#include "commands.h"
#include "fileio.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ARGV_MAX_BYTES (4u << 20)

int cmd_slurm_exec(const struct corral_options *o, int argc, char **argv)
{
        (void)o;
        if (argc != 2) {
                fprintf(stderr, "corral __slurm-exec is run by corral's Slurm batch script\n");
                return EXIT_USAGE;
        }
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        int r = read_file(argv[1], ARGV_MAX_BYTES, &buf, &len);
        if (r < 0) {
                log_error("Failed to read the job's command line '%s': %s (is the state "
                          "directory shared with this node? docs/slurm.md)",
                          argv[1], strerror(-r));
                return EXIT_CORRAL_FAILED;
        }
        if (len == 0 || buf[len - 1] != 0) {
                log_error("The job's command line '%s' is not NUL-terminated strings", argv[1]);
                return EXIT_CORRAL_FAILED;
        }
        size_t n = 0;
        for (size_t i = 0; i < len; i++)
                n += buf[i] == 0;
        _cleanup_free_ char **args = calloc(n + 1, sizeof(char *));
        if (!args)
                return EXIT_CORRAL_FAILED;
        size_t k = 0;
        for (size_t i = 0; i < len; i += strlen(buf + i) + 1)
                args[k++] = buf + i;
        execv("/proc/self/exe", args);
        log_error("Failed to start corral run: %s", strerror(errno));
        return EXIT_CORRAL_FAILED;
}
