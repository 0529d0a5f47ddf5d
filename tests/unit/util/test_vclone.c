/* Unit tests for vclone.c: the child's exit status and exec reach the
 * caller's waitpid, a handler of the caller's never runs in the child (it
 * would run on the caller's memory), and the child starts with the caller's
 * signal mask, which the caller has back afterwards. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vclone.h"

extern char **environ;

static int wait_status(pid_t pid)
{
        int st;
        assert_true(pid > 0);
        assert_int_equal(waitpid(pid, &st, 0), pid);
        return st;
}

static int returns_seven(void *unused)
{
        (void)unused;
        return 7;
}

static int execs_shell(void *unused)
{
        (void)unused;
        char *argv[] = {"/bin/sh", "-c", "exit 5", NULL};
        execve(argv[0], argv, environ);
        _exit(127);
}

static void status_and_exec(void **state)
{
        int st = wait_status(vclone(returns_seven, NULL));
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 7);
        st = wait_status(vclone(execs_shell, NULL));
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 5);
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
        (void)sig;
        handled = 1;
}

static int raises_usr1(void *unused)
{
        (void)unused;
        raise(SIGUSR1);
        return 0; /* reached only if the signal was handled */
}

static void handlers_do_not_run_in_the_child(void **state)
{
        struct sigaction sa = {.sa_handler = on_usr1}, old;
        assert_int_equal(sigaction(SIGUSR1, &sa, &old), 0);
        int st = wait_status(vclone(raises_usr1, NULL));
        /* The default action, not the caller's handler. */
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGUSR1);
        assert_int_equal(handled, 0);
        /* The caller's own handler is untouched. */
        raise(SIGUSR1);
        assert_int_equal(handled, 1);
        sigaction(SIGUSR1, &old, NULL);
}

static int mask_is_usr2_only(void *unused)
{
        (void)unused;
        sigset_t cur;
        sigprocmask(SIG_SETMASK, NULL, &cur);
        return sigismember(&cur, SIGUSR2) == 1 && sigismember(&cur, SIGTERM) == 0 ? 0 : 1;
}

static void mask_is_the_callers(void **state)
{
        sigset_t usr2, before, after;
        sigemptyset(&usr2);
        sigaddset(&usr2, SIGUSR2);
        assert_int_equal(sigprocmask(SIG_BLOCK, &usr2, &before), 0);
        int st = wait_status(vclone(mask_is_usr2_only, NULL));
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        sigprocmask(SIG_SETMASK, NULL, &after);
        assert_int_equal(sigismember(&after, SIGUSR2), 1);
        assert_int_equal(sigismember(&after, SIGTERM), 0);
        sigprocmask(SIG_SETMASK, &before, NULL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(status_and_exec),
            cmocka_unit_test(handlers_do_not_run_in_the_child),
            cmocka_unit_test(mask_is_the_callers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
