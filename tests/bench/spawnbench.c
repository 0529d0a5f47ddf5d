/* spawnbench: the launch measurement's timer.
 *
 *   spawnbench [-n RUNS] [-w WARMUPS] [-q] -- COMMAND [ARG...]
 *
 * Starts COMMAND with posix_spawn and waits for it, WARMUPS times unmeasured,
 * then RUNS times, printing each run's wall time (spawn to reaped) in
 * nanoseconds, one per line.  With COMMAND = /bin/true this is the physical
 * floor every sandbox is compared against; with COMMAND = `corral run -- /bin/true`
 * (or bwrap, firejail) it times the whole sandboxed launch the same way.
 * -q sends the command's stdout and stderr to /dev/null (corral run prints
 * its outcome on stderr).  A run that does not exit 0 stops the benchmark
 * (exit 1): a failing sandbox must not look fast. */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int run_once(char **argv, const posix_spawn_file_actions_t *fa, long long *ret_ns)
{
        long long t0 = now_ns();
        pid_t pid;
        int r = posix_spawn(&pid, argv[0], fa, NULL, argv, environ);
        if (r != 0) {
                fprintf(stderr, "spawnbench: Failed to spawn '%s': %s\n", argv[0], strerror(r));
                return -1;
        }
        int st;
        while (waitpid(pid, &st, 0) < 0)
                ;
        *ret_ns = now_ns() - t0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
                fprintf(stderr, "spawnbench: '%s' did not exit 0 (wait status 0x%x)\n", argv[0],
                        st);
                return -1;
        }
        return 0;
}

int main(int argc, char **argv)
{
        long runs = 100, warmups = 10;
        int quiet = 0, opt;
        while ((opt = getopt(argc, argv, "+n:w:q")) != -1) {
                switch (opt) {
                case 'n':
                        runs = strtol(optarg, NULL, 10);
                        break;
                case 'w':
                        warmups = strtol(optarg, NULL, 10);
                        break;
                case 'q':
                        quiet = 1;
                        break;
                default:
                        return 2;
                }
        }
        if (optind >= argc || runs <= 0 || warmups < 0) {
                fprintf(stderr,
                        "usage: spawnbench [-n RUNS] [-w WARMUPS] [-q] -- COMMAND [ARG...]\n");
                return 2;
        }
        char **cmd = argv + optind;
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        if (quiet) {
                posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
                posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        }
        long long *t = calloc((size_t)runs, sizeof(*t));
        if (!t)
                return 1;
        long long dummy;
        for (long i = 0; i < warmups; i++)
                if (run_once(cmd, &fa, &dummy) < 0)
                        return 1;
        for (long i = 0; i < runs; i++)
                if (run_once(cmd, &fa, &t[i]) < 0)
                        return 1;
        for (long i = 0; i < runs; i++)
                printf("%lld\n", t[i]);
        free(t);
        posix_spawn_file_actions_destroy(&fa);
        return 0;
}
