/* Unit tests for loop.c: fds, timers, signals, pidfds, the before-sleep hook,
 * and freeing sources from inside callbacks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loop.h"

struct ctx {
        int reads, timers, signals, exits, hooks;
        struct loop_source *other;
        int last_signal;
};

static int on_read(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct ctx *c = userdata;
        char buf[16];
        (void)!read(fd, buf, sizeof(buf));
        c->reads++;
        /* Freeing another source whose event is in the same batch must be safe. */
        loop_source_free(c->other);
        c->other = NULL;
        loop_source_free(s);
        return 0;
}

static void io_sources_freed_inside_callbacks(void **state)
{
        struct loop *l;
        assert_int_equal(loop_new(&l), 0);
        int a[2], b[2];
        assert_int_equal(pipe2(a, O_CLOEXEC), 0);
        assert_int_equal(pipe2(b, O_CLOEXEC), 0);
        assert_int_equal(write(a[1], "x", 1), 1);
        assert_int_equal(write(b[1], "x", 1), 1);
        struct ctx c1 = {0}, c2 = {0};
        struct loop_source *s1, *s2;
        assert_int_equal(loop_add_io(l, a[0], EPOLLIN, on_read, &c1, &s1), 0);
        assert_int_equal(loop_add_io(l, b[0], EPOLLIN, on_read, &c2, &s2), 0);
        c1.other = s2;
        c2.other = s1;
        assert_int_equal(loop_run_once(l, 1000), 0);
        assert_int_equal(c1.reads + c2.reads, 1); /* the second was freed first */
        loop_free(l);
        close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

static int on_timer(struct loop_source *s, void *userdata)
{
        struct ctx *c = userdata;
        if (++c->timers < 3)
                return loop_timer_set(s, 1000); /* re-arm: 1 ms */
        loop_exit(loop_source_loop(s), 42);
        return 0;
}

static int hook(struct loop *l, void *userdata)
{
        ((struct ctx *)userdata)->hooks++;
        return 0;
}

static void timers_rearm_and_exit_code(void **state)
{
        struct loop *l;
        struct ctx c = {0};
        struct loop_source *t;
        assert_int_equal(loop_new(&l), 0);
        assert_int_equal(loop_add_timer(l, 1000, on_timer, &c, &t), 0);
        loop_set_before_sleep(l, hook, &c);
        assert_int_equal(loop_run(l), 42);
        assert_int_equal(c.timers, 3);
        assert_true(c.hooks >= 3);
        loop_free(l);
}

static int on_signal(struct loop_source *s, int signo, void *userdata)
{
        ((struct ctx *)userdata)->last_signal = signo;
        loop_exit(loop_source_loop(s), 0);
        return 0;
}

static void signals_arrive_through_signalfd(void **state)
{
        struct loop *l;
        struct ctx c = {0};
        struct loop_source *s;
        sigset_t mask, old;
        sigemptyset(&mask);
        sigaddset(&mask, SIGUSR1);
        sigprocmask(SIG_SETMASK, NULL, &old);
        assert_int_equal(loop_new(&l), 0);
        assert_int_equal(loop_add_signals(l, &mask, on_signal, &c, &s), 0);
        kill(getpid(), SIGUSR1);
        assert_int_equal(loop_run(l), 0);
        assert_int_equal(c.last_signal, SIGUSR1);
        loop_free(l);
        sigprocmask(SIG_SETMASK, &old, NULL);
}

static int on_pid(struct loop_source *s, pid_t pid, int pidfd, void *userdata)
{
        siginfo_t si = {0};
        assert_int_equal(waitid(P_PIDFD, (id_t)pidfd, &si, WEXITED), 0);
        assert_int_equal(si.si_pid, pid);
        loop_exit(loop_source_loop(s), si.si_status);
        return 0;
}

static void pidfd_reports_child_exit(void **state)
{
        struct loop *l;
        struct loop_source *s;
        assert_int_equal(loop_new(&l), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(7);
        assert_int_equal(loop_add_pid(l, pid, on_pid, NULL, &s), 0);
        assert_int_equal(loop_run(l), 7);
        loop_free(l);
}

static int failing(struct loop_source *s, void *userdata)
{
        return -EBADMSG;
}

static void callback_failure_stops_loop(void **state)
{
        struct loop *l;
        struct loop_source *t;
        assert_int_equal(loop_new(&l), 0);
        assert_int_equal(loop_add_timer(l, 1, failing, NULL, &t), 0);
        assert_int_equal(loop_run(l), -EBADMSG);
        loop_free(l);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(io_sources_freed_inside_callbacks),
            cmocka_unit_test(timers_rearm_and_exit_code),
            cmocka_unit_test(signals_arrive_through_signalfd),
            cmocka_unit_test(pidfd_reports_child_exit),
            cmocka_unit_test(callback_failure_stops_loop),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
