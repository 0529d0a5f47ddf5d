/* Unit tests for child.c: command resolution, failure reporting from the child, and the
 * seccomp listener hand-over of notify mode. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "hostview.h"
#include "policy.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>

static void resolve_through_path(void **state)
{
        char *envp[] = {"PATH=/nonexistent:/bin:/usr/bin", NULL};
        char *p = NULL;
        assert_int_equal(child_resolve("sh", envp, &p), 0);
        assert_true(strcmp(p, "/bin/sh") == 0 || strcmp(p, "/usr/bin/sh") == 0);
        free(p);
        assert_int_equal(child_resolve("no-such-command-anywhere", envp, &p), -ENOENT);
        char tmp[] = "/tmp/corral-test-child.XXXXXX";
        int fd = mkstemp(tmp); /* mode 0600: not executable, even for root */
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(child_resolve(tmp, envp, &p), -EACCES);
        unlink(tmp);
        assert_int_equal(child_resolve("/etc", envp, &p), -EISDIR);
        assert_int_equal(child_resolve("", envp, &p), -ENOENT);
}

/* A view whose working directory does not exist. */
static const struct hostview nowhere = {.cwd = "/nonexistent-dir"};

static void failing_step_is_reported(void **state)
{
        char *argv[] = {"true", NULL};
        char *envp[] = {NULL};
        struct child_spec spec = {.path = "/bin/true",
                                  .argv = argv,
                                  .envp = envp,
                                  .view = &nowhere,
                                  .stdin_fd = -1,
                                  .stdout_fd = -1,
                                  .stderr_fd = -1};
        pid_t pid = 0;
        int pidfd = -1;
        struct child_failure f = {0};
        assert_int_equal(child_spawn(&spec, &pid, &pidfd, NULL, NULL, &f), -ENOENT);
        assert_int_equal(f.step, CHILD_STEP_CWD);
        assert_int_equal(f.err, ENOENT);
        assert_string_equal(child_step_to_string(f.step), "change to the working directory");
}

static void exec_success_gives_a_pidfd(void **state)
{
        char *argv[] = {"sh", "-c", "exit 7", NULL};
        char *envp[] = {NULL};
        struct child_spec spec = {.path = "/bin/sh",
                                  .argv = argv,
                                  .envp = envp,
                                  .stdin_fd = -1,
                                  .stdout_fd = -1,
                                  .stderr_fd = -1,
                                  .new_session = true};
        pid_t pid = 0;
        int pidfd = -1;
        assert_int_equal(child_spawn(&spec, &pid, &pidfd, NULL, NULL, NULL), 0);
        assert_true(pidfd >= 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 7);
        close(pidfd);
}

/* Notify mode: child_spawn returns the listener only after the child installed its
 * filter, and the job's denied syscalls wait for the answer of whoever holds it. */
static void notify_mode_hands_over_the_listener(void **state)
{
        const char *text = "default allow\nerrno(EACCES) getppid\n";
        struct policy *p = NULL;
        char err[256];
        assert_int_equal(policy_parse_buffer("t", text, strlen(text), NULL, &p, err, sizeof(err)),
                         0);
        /* sh reads $PPID with getppid() at start-up: a denial. */
        char *argv[] = {"sh", "-c", "exit 7", NULL};
        char *envp[] = {NULL};
        struct child_spec spec = {.path = "/bin/sh",
                                  .argv = argv,
                                  .envp = envp,
                                  .stdin_fd = -1,
                                  .stdout_fd = -1,
                                  .stderr_fd = -1,
                                  .policy = p};
        pid_t pid = 0;
        int pidfd = -1, listener = -1;
        assert_int_equal(child_spawn(&spec, &pid, &pidfd, &listener, NULL, NULL), 0);
        assert_true(listener >= 0);
        char path[64], target[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", listener);
        ssize_t n = readlink(path, target, sizeof(target) - 1);
        assert_true(n > 0);
        target[n] = 0;
        assert_string_equal(target, "anon_inode:seccomp notify");

        int denials = 0;
        for (;;) {
                struct pollfd pf[2] = {{.fd = listener, .events = POLLIN},
                                       {.fd = pidfd, .events = POLLIN}};
                assert_true(poll(pf, 2, 10000) > 0);
                if (pf[0].revents & POLLIN) {
                        struct policy_event ev;
                        if (policy_notify_receive(p, listener, &ev) == 0 && ev.answered &&
                            !ev.marker)
                                denials++;
                        continue;
                }
                if (pf[1].revents)
                        break;
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 7);
        assert_true(denials >= 1);
        close(listener);
        close(pidfd);
        policy_free(p);
}

/* A step failing before the install is reported as usual; no listener leaks. */
static void notify_mode_failure_before_install(void **state)
{
        const char *text = "default allow\nerrno(EPERM) ptrace\n";
        struct policy *p = NULL;
        char err[256];
        assert_int_equal(policy_parse_buffer("t", text, strlen(text), NULL, &p, err, sizeof(err)),
                         0);
        char *argv[] = {"true", NULL};
        char *envp[] = {NULL};
        struct child_spec spec = {.path = "/bin/true",
                                  .argv = argv,
                                  .envp = envp,
                                  .view = &nowhere,
                                  .stdin_fd = -1,
                                  .stdout_fd = -1,
                                  .stderr_fd = -1,
                                  .policy = p};
        pid_t pid = 0;
        int pidfd = -1, listener = -1;
        struct child_failure f = {0};
        assert_int_equal(child_spawn(&spec, &pid, &pidfd, &listener, NULL, &f), -ENOENT);
        assert_int_equal(f.step, CHILD_STEP_CWD);
        assert_int_equal(listener, -1);
        policy_free(p);
}

/* A PID namespace: the job runs under an init (PID 1 there) that relays its
 * exit code or signal; the job sees itself as PID 2, and its /proc shows only
 * its namespace. */
static void init_relays_the_status(void **state)
{
        struct hostview view = {.private_mounts = false};
        hostview_decide(&view, true);
        const char *scripts[] = {"test $$ = 2 && test ! -e /proc/3 && exit 7", "kill -SEGV $$"};
        for (size_t i = 0; i < 2; i++) {
                char *argv[] = {"sh", "-c", (char *)scripts[i], NULL};
                char *envp[] = {NULL};
                struct child_spec spec = {.path = "/bin/sh",
                                          .argv = argv,
                                          .envp = envp,
                                          .stdin_fd = -1,
                                          .stdout_fd = -1,
                                          .stderr_fd = -1,
                                          .view = &view};
                pid_t pid = 0;
                int pidfd = -1, status_fd = -1;
                assert_int_equal(child_spawn(&spec, &pid, &pidfd, NULL, &status_fd, NULL), 0);
                assert_true(status_fd >= 0);
                int init_status;
                assert_int_equal(waitpid(pid, &init_status, 0), pid);
                int status = child_read_status(status_fd, init_status);
                if (i == 0) {
                        assert_true(WIFEXITED(status));
                        assert_int_equal(WEXITSTATUS(status), 7);
                } else {
                        assert_true(WIFSIGNALED(status));
                        assert_int_equal(WTERMSIG(status), SIGSEGV);
                }
                close(status_fd);
                close(pidfd);
        }
}

/* Without privileges (delegated mode) the private view is built in a user
 * namespace mapping only our own uid: tested here as root, whose uid 0 maps
 * to itself; the job's cgroupfs is read-only (the touch fails) and it has
 * its own PID namespace. */
static void user_namespace_view(void **state)
{
        struct hostview view = {.private_mounts = true};
        hostview_decide(&view, false);
        assert_true(view.own_user && view.own_pids && view.own_ipc);
        char *argv[] = {
            "sh", "-c",
            "read a b c </proc/self/uid_map; test \"$a $b $c\" = \"0 0 1\" || exit 3; "
            "test $$ = 2 || exit 4; touch /sys/fs/cgroup/corral-x 2>/dev/null && exit 5; "
            "exit 7",
            NULL};
        char *envp[] = {"PATH=/usr/bin:/bin", NULL};
        struct child_spec spec = {.path = "/bin/sh",
                                  .argv = argv,
                                  .envp = envp,
                                  .stdin_fd = -1,
                                  .stdout_fd = -1,
                                  .stderr_fd = -1,
                                  .view = &view};
        pid_t pid = 0;
        int pidfd = -1, status_fd = -1;
        struct child_failure f = {0};
        assert_int_equal(child_spawn(&spec, &pid, &pidfd, NULL, &status_fd, &f), 0);
        int init_status;
        assert_int_equal(waitpid(pid, &init_status, 0), pid);
        int status = child_read_status(status_fd, init_status);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 7);
        close(status_fd);
        close(pidfd);
}

static int group_refused(void *data, const struct cg_group **ret)
{
        (void)ret;
        ++*(int *)data;
        return -ENOSPC; /* as mkdir when the kernel's memory cgroup ids run out */
}

/* A group made after the clone (make_group) that cannot be made: the child,
 * waiting for it, is ended and reaped, nothing runs, and the error is the
 * caller's. */
static void group_made_meanwhile_refused(void **state)
{
        char *argv[] = {"sh", "-c", "echo ran > /dev/tty", NULL};
        char *envp[] = {NULL};
        int calls = 0;
        struct child_spec spec = {.path = "/bin/sh",
                                  .argv = argv,
                                  .envp = envp,
                                  .stdin_fd = -1,
                                  .stdout_fd = -1,
                                  .stderr_fd = -1,
                                  .make_group = group_refused,
                                  .make_group_data = &calls};
        pid_t pid = 0;
        int pidfd = -1;
        struct child_failure f = {.step = CHILD_STEP_EXEC};
        assert_int_equal(child_spawn(&spec, &pid, &pidfd, NULL, NULL, &f), -ENOSPC);
        assert_int_equal(calls, 1);
        assert_int_equal(pidfd, -1);
        /* Reaped: no child of ours is left, not even a zombie. */
        assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(resolve_through_path),
            cmocka_unit_test(failing_step_is_reported),
            cmocka_unit_test(exec_success_gives_a_pidfd),
            cmocka_unit_test(notify_mode_hands_over_the_listener),
            cmocka_unit_test(notify_mode_failure_before_install),
            cmocka_unit_test(init_relays_the_status),
            cmocka_unit_test(user_namespace_view),
            cmocka_unit_test(group_made_meanwhile_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
