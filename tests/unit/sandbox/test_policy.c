/* Unit tests for policy.c: the shipped policies compile and, installed in a real child, filter
 * what they claim; the parser reports each error with file:line.
 *
 * A filtered call is told apart from an allowed call that failed by running the same call,
 * with the same harmless bad arguments, under `none` (tests/progs/try-syscall.c): allowed
 * means "the same answer as unfiltered", filtered means the policy's errno or SIGSYS. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "policy.h"

static char try_syscall[PATH_MAX];

/* Runs argv (argv[0] a path) in a child under policy p; returns its output and wait status. */
static void run_under(const struct policy *p, char *const argv[], char *out, size_t outlen,
                      int *ret_status)
{
        int fds[2];
        assert_int_equal(pipe2(fds, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fds[1], STDOUT_FILENO);
                int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
                dup2(devnull, STDERR_FILENO);
                if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                        _exit(120);
                if (policy_install(policy_bpf(p), 0) < 0)
                        _exit(121);
                execv(argv[0], argv);
                _exit(122);
        }
        close(fds[1]);
        size_t len = 0;
        ssize_t n;
        while ((n = read(fds[0], out + len, outlen - 1 - len)) > 0)
                len += (size_t)n;
        out[len] = '\0';
        close(fds[0]);
        assert_int_equal(waitpid(pid, ret_status, 0), pid);
}

static struct policy *load(const char *name)
{
        char err[512];
        struct policy *p = NULL;
        int r = policy_load(name, NULL, &p, err, sizeof(err));
        if (r < 0)
                fail_msg("policy_load(%s): %s (%s)", name, strerror(-r), err);
        return p;
}

/* What `try-syscall name` prints under p, or "SIGSYS" when it was killed by SIGSYS. */
static void try_under(const struct policy *p, const char *name, char *out, size_t outlen)
{
        char *argv[] = {try_syscall, (char *)name, NULL};
        char buf[256];
        int st;
        run_under(p, argv, buf, sizeof(buf), &st);
        if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS) {
                snprintf(out, outlen, "SIGSYS");
                return;
        }
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                fail_msg("try-syscall %s: status 0x%x", name, st);
        buf[strcspn(buf, "\n")] = '\0';
        const char *sp = strchr(buf, ' ');
        snprintf(out, outlen, "%s", sp ? sp + 1 : buf);
}

static struct policy *none;

/* expect: "SIGSYS", "errno=EPERM"... or "allowed" (same answer as under none). */
static void expect(const struct policy *p, const char *name, const char *expected)
{
        char got[128], base[128];
        try_under(p, name, got, sizeof(got));
        if (strcmp(expected, "allowed") == 0) {
                try_under(none, name, base, sizeof(base));
                if (strcmp(got, base) != 0)
                        fail_msg("%s under %s: %s, unfiltered: %s", name, policy_name(p), got,
                                 base);
                return;
        }
        try_under(none, name, base, sizeof(base));
        if (strcmp(got, base) == 0)
                fail_msg("%s under %s: %s, the same as unfiltered: the test cannot tell", name,
                         policy_name(p), got);
        if (strcmp(got, expected) != 0)
                fail_msg("%s under %s: got %s, expected %s", name, policy_name(p), got, expected);
}

static const char *const eperm_everywhere[] = {
    "ptrace",
    "mount",
    "umount2",
    "pivot_root",
    "setns",
    "clone-newuser",
    "unshare-newuser",
    "bpf",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "userfaultfd",
    "swapon",
    "swapoff",
    "settimeofday",
    "clock_settime",
    "adjtimex",
    "acct",
    "quotactl",
    "process_vm_readv",
    "process_vm_writev",
    "io_uring_setup",
    "ioctl-tiocsti",
    "sethostname",
    "chroot",
};
static const char *const killed_everywhere[] = {
    "kexec_load", "kexec_file_load", "init_module",       "finit_module", "delete_module", "iopl",
    "ioperm",     "reboot",          "open_by_handle_at", "x32",          "int80",
};

static void check_common(const struct policy *p)
{
        for (size_t i = 0; i < ELEMENTSOF(eperm_everywhere); i++)
                expect(p, eperm_everywhere[i], "errno=EPERM");
        for (size_t i = 0; i < ELEMENTSOF(killed_everywhere); i++)
                expect(p, killed_everywhere[i], "SIGSYS");
        expect(p, "clone3", "errno=ENOSYS");
        expect(p, "read", "allowed");
        expect(p, "write", "allowed");
        expect(p, "getpid", "allowed");
        expect(p, "socket-unix", "allowed");
        expect(p, "socket-inet", "allowed");
        expect(p, "socket-inet6", "allowed");
        expect(p, "ioctl-tcgets", "allowed");
}

static void default_policy_filters(void **state)
{
        struct policy *p = load("default");
        assert_non_null(policy_bpf(p));
        assert_string_equal(policy_name(p), "default");
        check_common(p);
        expect(p, "unshare", "errno=EPERM"); /* every flag bit, namespaces among them */
        expect(p, "socket-vsock", "errno=EAFNOSUPPORT");
        /* The request is an unsigned int: a high bit must not slip past the filter. */
        expect(p, "ioctl-tiocsti-hi", "errno=EPERM");
        expect(p, "socket-netlink", "allowed");
        expect(p, "personality-norandom", "errno=EPERM");
        policy_free(p);
}

static void strict_policy_filters(void **state)
{
        struct policy *p = load("strict");
        assert_non_null(policy_bpf(p));
        check_common(p);
        expect(p, "unshare", "errno=EPERM");
        expect(p, "socket-packet", "errno=ENOSYS");
        expect(p, "ioctl-tiocsti-hi", "errno=ENOSYS"); /* matches no allowed request */
        expect(p, "socket-netlink", "errno=ENOSYS");
        expect(p, "personality-norandom", "errno=ENOSYS");
        policy_free(p);
}

static void none_policy_is_unfiltered(void **state)
{
        char got[128];
        assert_null(policy_bpf(none));
        assert_int_equal(policy_install(policy_bpf(none), 0), 0);
        /* Other ABIs are not killed: x32 and int 0x80 return (a pid or ENOSYS when the kernel
         * lacks them), and clone3 reaches the kernel (EINVAL for size 0). */
        try_under(none, "x32", got, sizeof(got));
        assert_string_not_equal(got, "SIGSYS");
        try_under(none, "int80", got, sizeof(got));
        assert_string_not_equal(got, "SIGSYS");
        try_under(none, "clone3", got, sizeof(got));
        assert_string_equal(got, "errno=EINVAL");
}

static void strict_runs_shell_and_python(void **state)
{
        struct policy *p = load("strict");
        char out[4096];
        int st;

        char *sh[] = {"/bin/sh", "-c",
                      "x=$(echo a b | wc -w); ls / >/dev/null && cd /tmp && echo \"sh $x $(pwd)\"",
                      NULL};
        run_under(p, sh, out, sizeof(out), &st);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_string_equal(out, "sh 2 /tmp\n");

        char *py[] = {
            "/usr/bin/python3", "-c",
            "import json,math; print(json.dumps(sum(math.sqrt(i) for i in range(100000)) > 2e7))",
            NULL};
        run_under(p, py, out, sizeof(out), &st);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        assert_string_equal(out, "true\n");
        policy_free(p);
}

/* ---- parser errors ---- */

static char tmpdir[] = "/tmp/corral-test-policy-XXXXXX";
static bool tmpdir_made;

static void write_policy(const char *name, const char *text)
{
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s.policy", tmpdir, name);
        FILE *f = fopen(path, "we");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* Loads tmpdir/name.policy; asserts failure r and that the message is exactly want
 * (with "@" standing for tmpdir). */
static void expect_error(const char *name, int r, const char *want)
{
        char err[512], expected[512];
        struct policy *p = NULL;
        snprintf(expected, sizeof(expected), "%s", want);
        char *at;
        while ((at = strchr(expected, '@'))) {
                char rest[512];
                snprintf(rest, sizeof(rest), "%s", at + 1);
                snprintf(at, sizeof(expected) - (size_t)(at - expected), "%s%s", tmpdir, rest);
        }
        assert_int_equal(policy_load(name, tmpdir, &p, err, sizeof(err)), r);
        assert_null(p);
        assert_string_equal(err, expected);
}

static void parser_reports_file_and_line(void **state)
{
        assert_non_null(mkdtemp(tmpdir));
        tmpdir_made = true;

        write_policy("unknown-syscall", "default allow\n\n# a comment\nkill ptrace, frobnicate\n");
        expect_error("unknown-syscall", -EINVAL,
                     "@/unknown-syscall.policy:4: unknown syscall 'frobnicate'");

        write_policy("bad-action", "default allow\nexplode ptrace\n");
        expect_error(
            "bad-action", -EINVAL,
            "@/bad-action.policy:2: unknown action 'explode' (allow, errno(E), kill, log)");

        write_policy("bad-errno", "default errno(EWHATEVER)\n");
        expect_error("bad-errno", -EINVAL, "@/bad-errno.policy:1: unknown errno 'EWHATEVER'");

        write_policy("bad-cond", "default allow\nkill socket if arg7 == 1\n");
        expect_error("bad-cond", -EINVAL, "@/bad-cond.policy:2: expected arg0..arg5, not 'arg7'");

        write_policy("bad-const", "default allow\nkill socket if arg0 in {AF_UNIX, AF_MARS}\n");
        expect_error("bad-const", -EINVAL, "@/bad-const.policy:2: unknown constant 'AF_MARS'");

        write_policy("bad-mask", "default allow\nkill clone if arg0 & CLONE_NEWNS != 4\n");
        expect_error("bad-mask", -EINVAL,
                     "@/bad-mask.policy:2: value has bits outside the mask: never matches");

        write_policy("mixed", "default allow\nkill ioctl\nerrno(EPERM) ioctl if arg1 == TIOCSTI\n");
        expect_error("mixed", -EINVAL,
                     "@/mixed.policy:3: 'ioctl' already has a rule without conditions: this "
                     "conditional rule would be ignored");

        write_policy("two-on-one-arg", "default allow\nkill mmap if arg2 > 1 && arg2 < 7\n");
        expect_error("two-on-one-arg", -EINVAL,
                     "@/two-on-one-arg.policy:2: two conditions on arg2 in one rule");

        write_policy("no-default", "allow read\n");
        expect_error("no-default", -EINVAL, "@/no-default.policy:1: a rule before 'default'");

        write_policy("clone3", "default allow\nallow clone3\n");
        expect_error("clone3", -EINVAL,
                     "@/clone3.policy:2: clone3 is always denied with ENOSYS (its flags are out "
                     "of seccomp's reach); write rules for clone");

        write_policy("cycle-a", "default allow\ninclude cycle-b\n");
        write_policy("cycle-b", "kill ptrace\ninclude cycle-c\n");
        write_policy("cycle-c", "\ninclude cycle-b\n");
        expect_error("cycle-a", -ELOOP,
                     "@/cycle-c.policy:2: include cycle: '@/cycle-b.policy' includes itself");

        write_policy("inc-default", "default allow\ninclude has-default\n");
        write_policy("has-default", "# x\ndefault kill\n");
        expect_error("inc-default", -EINVAL,
                     "@/has-default.policy:2: 'default' in an included file");

        write_policy("inc-missing", "default allow\ninclude nowhere\n");
        expect_error("inc-missing", -ENOENT,
                     "@/inc-missing.policy:2: cannot include '@/nowhere.policy': No such file "
                     "or directory");

        write_policy("inc-path", "default allow\ninclude ../etc/passwd\n");
        expect_error("inc-path", -EINVAL,
                     "@/inc-path.policy:2: include takes a policy name [a-z0-9_-]+, not "
                     "'../etc/passwd'");

        /* A good policy in the same directory loads, by name and by path. */
        write_policy("good", "default allow\ninclude good-part\n");
        write_policy("good-part", "errno(EPERM) ptrace  # trailing comment\n"
                                  "kill socket if arg0 in {AF_PACKET, 17} && arg1 >= 3\n");
        char err[256], path[PATH_MAX];
        struct policy *p = NULL;
        assert_int_equal(policy_load("good", tmpdir, &p, err, sizeof(err)), 0);
        policy_free(p);
        snprintf(path, sizeof(path), "%s/good.policy", tmpdir);
        assert_int_equal(policy_load(path, NULL, &p, err, sizeof(err)), 0);
        assert_string_equal(policy_name(p), path);
        policy_free(p);

        assert_int_equal(policy_load("Bad Name", tmpdir, &p, err, sizeof(err)), -EINVAL);
        assert_int_equal(policy_load("absent", tmpdir, &p, err, sizeof(err)), -ENOENT);
}

static void buffer_parse(void **state)
{
        char err[256];
        struct policy *p = NULL;
        const char ok[] = "default errno(1)\nallow read,write ,exit_group\n";
        assert_int_equal(policy_parse_buffer("buf", ok, strlen(ok), NULL, &p, err, sizeof(err)), 0);
        assert_non_null(policy_bpf(p));
        policy_free(p);
        const char inc[] = "default allow\ninclude default\n";
        assert_int_equal(policy_parse_buffer("buf", inc, strlen(inc), NULL, &p, err, sizeof(err)),
                         -EINVAL);
        assert_string_equal(err, "buf:2: include is not available here");
        const char nul[] = "default allow\0\n";
        assert_int_equal(
            policy_parse_buffer("buf", nul, sizeof(nul) - 1, NULL, &p, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "buf:0: contains a NUL byte");
}

static void syscall_names(void **state)
{
        assert_string_equal(policy_syscall_name(101), "ptrace");
        assert_string_equal(policy_syscall_name(0), "read");
        assert_null(policy_syscall_name(-1));
        assert_null(policy_syscall_name(0x40000000 | 39));
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

int main(int argc, char **argv)
{
        char self[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        if (n < 0)
                return 1;
        self[n] = '\0';
        /* Unit tests live in build/tests/, helper programs in build/tests/progs/. */
        snprintf(try_syscall, sizeof(try_syscall), "%s/progs/try-syscall", dirname(self));
        if (access(try_syscall, X_OK) < 0) {
                fprintf(stderr, "missing %s\n", try_syscall);
                return 1;
        }
        none = load("none");

        const struct CMUnitTest tests[] = {
            cmocka_unit_test(none_policy_is_unfiltered),
            cmocka_unit_test(default_policy_filters),
            cmocka_unit_test(strict_policy_filters),
            cmocka_unit_test(strict_runs_shell_and_python),
            cmocka_unit_test(parser_reports_file_and_line),
            cmocka_unit_test(buffer_parse),
            cmocka_unit_test(syscall_names),
        };
        int r = cmocka_run_group_tests(tests, NULL, NULL);
        if (tmpdir_made)
                nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
        policy_free(none);
        return r;
}
