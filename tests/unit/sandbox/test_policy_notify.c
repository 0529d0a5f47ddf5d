/* Unit tests for policy-notify.c: denials reach the supervisor, are answered with the policy's
 * errno and named; kills are named before the job is killed; the job cannot take over the
 * listener; the notify-mode program agrees with the enforcing one on every syscall.
 * Real children, real seccomp listeners (tests/progs/try-syscall.c as the job). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/sched.h>

#include "cleanup.h"
#include "policy.h"

static char try_syscall[PATH_MAX];

static struct policy *load(const char *name)
{
        char err[512];
        struct policy *p = NULL;
        int r = policy_load(name, NULL, &p, err, sizeof(err));
        if (r < 0)
                fail_msg("policy_load(%s): %s (%s)", name, strerror(-r), err);
        return p;
}

struct job {
        pid_t pid;
        int out;      /* the job's stdout */
        int listener; /* in the supervisor (this process) */
};

/* The child side, in the order the lead's child.c will use (see policy.h). */
static void start_job(const struct policy *p, char *const argv[], struct job *ret)
{
        int out[2], ctl[2];
        assert_int_equal(pipe2(out, O_CLOEXEC), 0);
        assert_int_equal(pipe2(ctl, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(out[1], STDOUT_FILENO);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(120);
                int probe = dup(2); /* the lowest free fd: the listener's number */
                close(probe);
                if (write(ctl[1], &probe, sizeof(probe)) != sizeof(probe))
                        _exit(121);
                int fd = policy_install(policy_bpf_notify(p), SECCOMP_FILTER_FLAG_NEW_LISTENER);
                if (fd != probe)
                        _exit(122);
                if (policy_notify_marker() < 0)
                        _exit(123);
                execv(argv[0], argv);
                _exit(124);
        }
        close(out[1]);
        close(ctl[1]);
        int probe;
        assert_int_equal(read(ctl[0], &probe, sizeof(probe)), sizeof(probe));
        close(ctl[0]);

        /* The supervisor side: fetch the listener once the child has installed it. */
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        assert_true(pidfd >= 0);
        int listener = -1;
        for (int i = 0; i < 20000 && listener < 0; i++) {
                listener = (int)syscall(SYS_pidfd_getfd, pidfd, probe, 0);
                if (listener < 0) {
                        assert_int_equal(errno, EBADF); /* not installed yet */
                        usleep(50);
                }
        }
        assert_true(listener >= 0);
        close(pidfd);
        char path[64], link[128];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", listener);
        ssize_t n = readlink(path, link, sizeof(link) - 1);
        assert_true(n > 0);
        link[n] = '\0';
        assert_string_equal(link, "anon_inode:seccomp notify");
        *ret = (struct job){.pid = pid, .out = out[0], .listener = listener};
}

struct record {
        int ndenied;
        char denied[16][80];
        char killed[64];
        int nmarkers;
};

/* Serves the listener until the job is gone; kills the job on a kill verdict. */
static void supervise(const struct policy *p, struct job *job, struct record *rec)
{
        memset(rec, 0, sizeof(*rec));
        for (;;) {
                struct pollfd pfd = {.fd = job->listener, .events = POLLIN};
                int r = poll(&pfd, 1, 10000);
                assert_true(r > 0);
                if (pfd.revents & POLLIN) {
                        struct policy_event ev;
                        r = policy_notify_receive(p, job->listener, &ev);
                        if (r == -ENOENT)
                                continue;
                        assert_int_equal(r, 0);
                        char name[64];
                        policy_event_name(&ev, name, sizeof(name));
                        if (ev.marker)
                                rec->nmarkers++;
                        else if (!ev.answered) {
                                snprintf(rec->killed, sizeof(rec->killed), "%s", name);
                                kill(job->pid, SIGKILL); /* a real supervisor: cgroup.kill */
                        } else if (rec->ndenied < 16)
                                snprintf(rec->denied[rec->ndenied++], sizeof(rec->denied[0]),
                                         "%s=%u", name, ev.action & SECCOMP_RET_DATA);
                        continue;
                }
                if (pfd.revents & (POLLHUP | POLLERR))
                        break; /* every task using the filter is gone */
        }
        close(job->listener);
}

static void finish_job(struct job *job, char *out, size_t outlen, int *status)
{
        size_t len = 0;
        ssize_t n;
        while ((n = read(job->out, out + len, outlen - 1 - len)) > 0)
                len += (size_t)n;
        out[len] = '\0';
        close(job->out);
        assert_int_equal(waitpid(job->pid, status, 0), job->pid);
}

static void denials_are_answered_counted_and_named(void **state)
{
        struct policy *p = load("default");
        char *argv[] = {try_syscall, "ptrace",     "read",  "mount", "clone3",
                        "getpid",    "kexec_load", "write", NULL};
        struct job job;
        struct record rec;
        char out[1024];
        int st;

        start_job(p, argv, &job);
        supervise(p, &job, &rec);
        finish_job(&job, out, sizeof(out), &st);

        /* The job saw the policy's errnos and ran on until the kill. */
        assert_true(strncmp(out,
                            "ptrace errno=EPERM\nread errno=EBADF\nmount errno=EPERM\n"
                            "clone3 errno=ENOSYS\ngetpid ok\n",
                            84) == 0);
        assert_null(strstr(out, "kexec_load"));
        assert_null(strstr(out, "write"));
        assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        /* The supervisor knows what was denied and which syscall was a violation. */
        assert_int_equal(rec.nmarkers, 1);
        assert_int_equal(rec.ndenied, 3);
        assert_string_equal(rec.denied[0], "ptrace=1");
        assert_string_equal(rec.denied[1], "mount=1");
        assert_string_equal(rec.denied[2], "clone3=38");
        assert_string_equal(rec.killed, "kexec_load");
        policy_free(p);
}

/* In notify mode other ABIs are named and killed by the supervisor too, so the kernel never
 * sends SIGSYS itself. */
static void other_abis_are_named_and_killed(void **state)
{
        static const struct {
                const char *arg, *name;
        } cases[] = {{"x32", "x32:getpid"}, {"int80", "i386:20"}};
        struct policy *p = load("strict");
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *argv[] = {try_syscall, "getpid", (char *)cases[i].arg, NULL};
                struct job job;
                struct record rec;
                char out[256];
                int st;

                start_job(p, argv, &job);
                supervise(p, &job, &rec);
                finish_job(&job, out, sizeof(out), &st);
                assert_string_equal(out, "getpid ok\n");
                assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
                assert_string_equal(rec.killed, cases[i].name);
        }
        policy_free(p);
}

/* The job must not answer its own notifications with a listener of its own. */
static void job_cannot_add_a_listener(void **state)
{
        struct policy *p = load("default");
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                int fd = policy_install(policy_bpf_notify(p), SECCOMP_FILTER_FLAG_NEW_LISTENER);
                if (fd < 0)
                        _exit(1);
                /* Not waiting for a supervisor: nothing below is a notified syscall. */
                struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
                struct sock_fprog prog = {.len = 1, .filter = &allow};
                int r = policy_install(&prog, SECCOMP_FILTER_FLAG_NEW_LISTENER);
                _exit(r == -EBUSY ? 0 : 2);
        }
        int st;
        assert_int_equal(waitpid(pid, &st, 0), pid);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
        policy_free(p);
}

static struct seccomp_data data(int nr, uint64_t a0, uint64_t a1)
{
        return (struct seccomp_data){
            .nr = nr, .arch = AUDIT_ARCH_X86_64, .args = {a0, a1, 0, 0, 0, 0}};
}

/* The notify program must send exactly what the enforcing program does not allow. */
static void notify_program_matches_enforcing(void **state)
{
        static const uint64_t args[] = {0,
                                        1,
                                        2,
                                        3,
                                        10,
                                        16,
                                        17,
                                        40,
                                        0x5412,
                                        0x541c,
                                        0x100005412ull,
                                        CLONE_NEWUSER | 17,
                                        CLONE_NEWNS,
                                        CLONE_VM | CLONE_THREAD,
                                        0xffffffffull,
                                        ~0ull};
        const char *names[] = {"default", "strict"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                struct policy *p = load(names[i]);
                for (int nr = 0; nr < 460; nr++)
                        for (size_t a = 0; a < ELEMENTSOF(args); a++)
                                for (size_t b = 0; b < ELEMENTSOF(args); b++) {
                                        struct seccomp_data d = data(nr, args[a], args[b]);
                                        uint32_t e = policy_evaluate(p, &d);
                                        uint32_t n = policy_bpf_run(policy_bpf_notify(p), &d);
                                        bool denied = e != SECCOMP_RET_ALLOW;
                                        if (denied != (n == SECCOMP_RET_USER_NOTIF))
                                                fail_msg("%s nr %d args %llx %llx: enforcing "
                                                         "%x, notify %x",
                                                         names[i], nr, (unsigned long long)args[a],
                                                         (unsigned long long)args[b], e, n);
                                }
                /* The interpreter agrees with what the kernel did in test_policy.c. */
                struct seccomp_data d = data(101, 0, 0);
                assert_int_equal(policy_evaluate(p, &d), SECCOMP_RET_ERRNO | EPERM);
                d = data(246, 0, 0); /* kexec_load */
                assert_int_equal(policy_evaluate(p, &d), SECCOMP_RET_KILL_PROCESS);
                d = data(0, 0, 0);
                assert_int_equal(policy_evaluate(p, &d), SECCOMP_RET_ALLOW);
                d = data(0x40000000 | 39, 0, 0);
                assert_int_equal(policy_evaluate(p, &d), SECCOMP_RET_KILL_PROCESS);
                assert_int_equal(policy_bpf_run(policy_bpf_notify(p), &d), SECCOMP_RET_USER_NOTIF);
                d.arch = AUDIT_ARCH_I386;
                d.nr = 20;
                assert_int_equal(policy_evaluate(p, &d), SECCOMP_RET_KILL_PROCESS);
                assert_int_equal(policy_bpf_run(policy_bpf_notify(p), &d), SECCOMP_RET_USER_NOTIF);
                policy_free(p);
        }
}

/* Not a test of speed (no timing asserts): prints the cost of a denial in each mode, for
 * docs/decisions/seccomp-denials.md. */
static void measure_denial_cost(void **state)
{
        if (!getenv("CORRAL_MEASURE"))
                skip();
        struct policy *p = load("default");
        const int n = 20000;
        for (int mode = 0; mode < 2; mode++) {
                int ctl[2];
                assert_int_equal(pipe2(ctl, O_CLOEXEC), 0);
                struct timespec t0, t1;
                pid_t pid = fork();
                if (pid == 0) {
                        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                        int probe = dup(2);
                        close(probe);
                        (void)!write(ctl[1], &probe, sizeof(probe));
                        if (mode == 0)
                                policy_install(policy_bpf(p), 0);
                        else {
                                policy_install(policy_bpf_notify(p),
                                               SECCOMP_FILTER_FLAG_NEW_LISTENER);
                                policy_notify_marker();
                        }
                        for (int i = 0; i < n; i++)
                                syscall(SYS_ptrace, 2L, 0, 0, 0);
                        _exit(0);
                }
                close(ctl[1]);
                int probe;
                assert_int_equal(read(ctl[0], &probe, sizeof(probe)), sizeof(probe));
                close(ctl[0]);
                clock_gettime(CLOCK_MONOTONIC, &t0);
                if (mode == 1) {
                        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
                        int l = -1;
                        while (l < 0)
                                l = (int)syscall(SYS_pidfd_getfd, pidfd, probe, 0);
                        close(pidfd);
                        struct job job = {.pid = pid, .listener = l};
                        struct record rec;
                        supervise(p, &job, &rec);
                }
                int st;
                waitpid(pid, &st, 0);
                clock_gettime(CLOCK_MONOTONIC, &t1);
                double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3;
                fprintf(stderr, "%s: %d denied ptrace calls in %.0f us: %.2f us each\n",
                        mode ? "notify" : "enforcing", n, us, us / n);
        }

        /* Launch cost: fork + install + exec /bin/true + reap, enforcing vs notify. */
        const int jobs = 200;
        for (int mode = 0; mode < 2; mode++) {
                struct timespec t0, t1;
                clock_gettime(CLOCK_MONOTONIC, &t0);
                for (int i = 0; i < jobs; i++) {
                        char *argv[] = {"/bin/true", NULL};
                        int st;
                        if (mode == 1) {
                                struct job job;
                                struct record rec;
                                char out[16];
                                start_job(p, argv, &job);
                                supervise(p, &job, &rec);
                                finish_job(&job, out, sizeof(out), &st);
                                continue;
                        }
                        pid_t pid = fork();
                        if (pid == 0) {
                                prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
                                policy_install(policy_bpf(p), 0);
                                execv(argv[0], argv);
                                _exit(127);
                        }
                        waitpid(pid, &st, 0);
                }
                clock_gettime(CLOCK_MONOTONIC, &t1);
                double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3;
                fprintf(stderr, "%s: %d launches of /bin/true: %.0f us each\n",
                        mode ? "notify" : "enforcing", jobs, us / jobs);
        }
        policy_free(p);
}

int main(int argc, char **argv)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0)
                return 1;
        self[n] = '\0';
        snprintf(try_syscall, sizeof(try_syscall), "%s/progs/try-syscall", dirname(self));

        const struct CMUnitTest tests[] = {
            cmocka_unit_test(denials_are_answered_counted_and_named),
            cmocka_unit_test(other_abis_are_named_and_killed),
            cmocka_unit_test(job_cannot_add_a_listener),
            cmocka_unit_test(notify_program_matches_enforcing),
            cmocka_unit_test(measure_denial_cost),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
