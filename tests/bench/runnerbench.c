/* runnerbench: the launch measurement without corral's own process start.
 *
 *   runnerbench [-n RUNS] [-w WARMUPS] [--mounts host] [--uid 0]
 *
 * What a supervisor (or a future in-process server) pays per job: runner_run()
 * of /bin/true with the sandbox `corral run` builds by default (a job group in
 * every controller, a uid of its own, capabilities dropped, private mounts),
 * against posix_spawn + waitpid of /bin/true in the same process, alternating
 * run by run.  Prints "spawn NS" and "runner NS" per run.  The cgroup parent
 * comes from CORRAL_CGROUP_PARENT and is removed at the end. */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "options.h"
#include "hostview.h"
#include "privs.h"
#include "runner.h"
#include "sandbox-setup.h"
#include "uidpool.h"

extern char **environ;

static long long now_ns(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int spawn_true(void)
{
        char *argv[] = {"/bin/true", NULL};
        pid_t pid;
        if (posix_spawn(&pid, argv[0], NULL, NULL, argv, environ) != 0)
                return -1;
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                ;
        return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
        long runs = 200, warmups = 10;
        bool host_mounts = false, uid0 = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
                        runs = strtol(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "-w") == 0 && i + 1 < argc)
                        warmups = strtol(argv[++i], NULL, 10);
                else if (strcmp(argv[i], "--mounts") == 0 && i + 1 < argc)
                        host_mounts = strcmp(argv[++i], "host") == 0;
                else if (strcmp(argv[i], "--uid") == 0 && i + 1 < argc)
                        uid0 = strcmp(argv[++i], "0") == 0;
                else {
                        fprintf(stderr, "usage: runnerbench [-n RUNS] [-w WARMUPS] [--mounts host] "
                                        "[--uid 0]\n");
                        return 2;
                }
        }
        struct corral_options o = {.cgroup_parent = getenv("CORRAL_CGROUP_PARENT")};
        struct cg_manager *m = NULL;
        if (sandbox_open_cgroups(&o, &m) < 0)
                return 1;
        char cwd[4096];
        if (!getcwd(cwd, sizeof(cwd)))
                return 1;
        struct privs_spec privs = {.cap_last = privs_cap_last(), .switch_user = true};
        int uid_lock = -1;
        if (!uid0 && uidpool_acquire(UIDPOOL_DEFAULT_DIR, UIDPOOL_DEFAULT_FIRST,
                                     UIDPOOL_DEFAULT_COUNT, &privs.uid, &uid_lock) < 0) {
                fprintf(stderr, "runnerbench: no free job uid\n");
                return 1;
        }
        privs.gid = (gid_t)privs.uid;
        struct hostview view = {.private_mounts = !host_mounts, .workdir = cwd};
        hostview_decide(&view, true);
        char *targv[] = {"/bin/true", NULL};
        char *envp[] = {"PATH=/usr/bin:/bin", NULL};
        long long *ts = calloc((size_t)runs, sizeof(*ts)), *tr = calloc((size_t)runs, sizeof(*tr));
        if (!ts || !tr)
                return 1;
        int status = 0;
        for (long i = -warmups; i < runs && status == 0; i++) {
                char label[32];
                snprintf(label, sizeof(label), "bench-%ld", i + warmups);
                struct runner_spec spec = {
                    .child = {.path = "/bin/true",
                              .argv = targv,
                              .envp = envp,
                              .stdin_fd = -1,
                              .stdout_fd = -1,
                              .stderr_fd = -1,
                              .view = &view,
                              .privs = &privs},
                    .cancel_grace_usec = 5000000,
                    .label = label,
                };
                long long a = now_ns();
                if (spawn_true() < 0)
                        status = 1;
                long long b = now_ns();
                struct outcome out;
                struct child_failure fail;
                int r = runner_run(m, &spec, &out, &fail);
                long long c = now_ns();
                if (r < 0) {
                        fprintf(stderr, "runnerbench: runner_run: %s\n", strerror(-r));
                        status = 1;
                }
                if (i >= 0) {
                        ts[i] = b - a;
                        tr[i] = c - b;
                }
        }
        if (status == 0)
                for (long i = 0; i < runs; i++)
                        printf("spawn %lld\nrunner %lld\n", ts[i], tr[i]);
        cg_manager_remove_parent(m);
        cg_manager_free(m);
        if (uid_lock >= 0)
                close(uid_lock);
        free(ts);
        free(tr);
        return status;
}
