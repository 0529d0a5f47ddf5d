/* Unit tests for gov-ledger.c with real processes: admissions, the queue,
 * release, self-healing when an owner dies, the shared policy file, and N
 * processes racing to admit against max-concurrent 3 (exactly 3 get in). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fileio.h"
#include "gov-ledger.h"
#include "procfs.h"

#define GIB (1024ull * 1024 * 1024)

struct ctx {
        char dir[96];
        struct gov_ledger *l;
        struct gov_measurements m;
};

static int setup(void **state)
{
        struct ctx *c = calloc(1, sizeof(*c));
        strcpy(c->dir, "/tmp/corral-gov-ledger.XXXXXX");
        if (!mkdtemp(c->dir))
                return -1;
        /* The state directory and its parent do not exist yet. */
        char state_dir[128];
        snprintf(state_dir, sizeof(state_dir), "%s/a/state", c->dir);
        if (gov_ledger_open(state_dir, &c->l) < 0)
                return -1;
        strcat(c->dir, "/a/state");
        /* A calm 16 GiB, 4-core host: only the ledger decides. */
        c->m.memory = (struct gov_memory){.known = true,
                                          .source = GOV_SOURCE_HOST,
                                          .total_bytes = 16 * GIB,
                                          .available_bytes = 12 * GIB,
                                          .used_bytes = 4 * GIB,
                                          .used_percent = 25.0};
        c->m.cpu =
            (struct gov_cpu){.known = true, .used_percent = 5.0, .cores = 4, .host_cores = 4};
        *state = c;
        return 0;
}

static int teardown(void **state)
{
        struct ctx *c = *state;
        gov_ledger_free(c->l);
        char cmd[128];
        *strstr(c->dir, "/a/state") = 0;
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", c->dir);
        int r = system(cmd);
        free(c);
        return r == 0 ? 0 : -1;
}

static struct gov_policy max_concurrent(unsigned n)
{
        struct gov_policy p;
        gov_policy_init(&p);
        p.max_concurrent = n;
        return p;
}

static int admit(struct ctx *c, const struct gov_policy *p, const char *job, const char *tenant,
                 uint64_t mem, struct gov_decision *d)
{
        struct gov_candidate cand = {job, tenant, mem};
        return gov_ledger_admit(c->l, &cand, &c->m, p, 0, 0, d);
}

static void admit_queue_release(void **state)
{
        struct ctx *c = *state;
        struct gov_policy p = max_concurrent(1);
        struct gov_decision d;
        assert_int_equal(admit(c, &p, "j1", "alice", 1 * GIB, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        assert_int_equal(admit(c, &p, "j2", "bob", 0, &d), 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "1/1 jobs running");
        assert_int_equal(d.queue_position, 1);
        assert_int_equal(admit(c, &p, "j3", "bob", 0, &d), 0);
        assert_int_equal(d.queue_position, 2);
        /* Asking again keeps the place (no duplicate entry). */
        assert_int_equal(admit(c, &p, "j2", "bob", 0, &d), 0);
        assert_int_equal(d.queue_position, 1);
        /* Admitting a running job again is a no-op that says ADMIT. */
        assert_int_equal(admit(c, &p, "j1", "alice", 1 * GIB, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);

        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_running, 1);
        assert_string_equal(s.running[0].job_id, "j1");
        assert_string_equal(s.running[0].tenant, "alice");
        assert_int_equal(s.running[0].memory_bytes, 1 * GIB);
        assert_int_equal(s.running[0].pid, getpid());
        assert_int_equal(s.n_queued, 2);
        assert_string_equal(s.queued[0].job_id, "j2");
        assert_string_equal(s.queued[1].job_id, "j3");
        gov_snapshot_done(&s);

        /* j3 cannot jump the queue when j1 ends; j2 can. */
        assert_int_equal(gov_ledger_release(c->l, "j1"), 1);
        assert_int_equal(gov_ledger_release(c->l, "j1"), 0);
        assert_int_equal(admit(c, &p, "j3", "bob", 0, &d), 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "1 job queued ahead");
        assert_int_equal(admit(c, &p, "j2", "bob", 0, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        /* Cancelling a queued job is a release too. */
        assert_int_equal(gov_ledger_release(c->l, "j3"), 1);
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_running, 1);
        assert_string_equal(s.running[0].job_id, "j2");
        assert_int_equal(s.n_queued, 0);
        gov_snapshot_done(&s);
}

static void refusals_change_nothing(void **state)
{
        struct ctx *c = *state;
        struct gov_policy p = max_concurrent(1);
        p.queue_limit = 1;
        struct gov_decision d;
        assert_int_equal(admit(c, &p, "big", NULL, 15 * GIB, &d), 0);
        assert_int_equal(d.verdict, GOV_REFUSE_NEVER_FITS);
        assert_int_equal(admit(c, &p, "a", NULL, 0, &d), 0);
        assert_int_equal(admit(c, &p, "b", NULL, 0, &d), 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_int_equal(admit(c, &p, "c", NULL, 0, &d), 0);
        assert_int_equal(d.verdict, GOV_REFUSE_QUEUE_FULL);
        assert_string_equal(d.reason, "queue full: 1/1 jobs queued (1 job queued ahead)");
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_running, 1);
        assert_int_equal(s.n_queued, 1);
        assert_string_equal(s.queued[0].tenant, GOV_DEFAULT_TENANT);
        gov_snapshot_done(&s);
        /* Names that would break the line format are rejected before the lock. */
        struct gov_candidate bad = {"a b", NULL, 0};
        assert_int_equal(gov_ledger_admit(c->l, &bad, &c->m, &p, 0, 0, &d), -EINVAL);
        struct gov_candidate bad_tenant = {"ok", "x\ny", 0};
        assert_int_equal(gov_ledger_admit(c->l, &bad_tenant, &c->m, &p, 0, 0, &d), -EINVAL);
}

static pid_t spawn_exiting_child(void)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                pause(); /* killed by the parent */
                _exit(0);
        }
        return pid;
}

static void dead_owners_release_their_reservations(void **state)
{
        struct ctx *c = *state;
        struct gov_policy p = max_concurrent(2);
        struct gov_decision d;

        /* A child admits a job as its own owner and dies. */
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct gov_candidate cand = {"orphan", "t", 1 * GIB};
                int r = gov_ledger_admit(c->l, &cand, &c->m, &p, 0, 0, &d);
                _exit(r == 0 && d.verdict == GOV_ADMIT ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* A job handed to a "supervisor" that is then killed. */
        assert_int_equal(admit(c, &p, "handed", "t", 0, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        pid_t sup = spawn_exiting_child();
        uint64_t st;
        assert_int_equal(proc_starttime(sup, &st), 0);
        assert_int_equal(gov_ledger_set_owner(c->l, "handed", sup, st), 0);
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_running, 1); /* the orphan is already gone */
        assert_int_equal(s.running[0].pid, sup);
        gov_snapshot_done(&s);
        kill(sup, SIGKILL);
        assert_int_equal(waitpid(sup, &status, 0), sup);

        /* A live owner with a different start time is a reused pid: dead too. */
        char text[256];
        snprintf(text, sizeof(text), "run reused t 0 %d %llu\nrun torn-line\n", (int)getpid(),
                 0ull);
        char path[128];
        snprintf(path, sizeof(path), "%s/governor", c->dir);
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        /* Keep what is there and add the stale lines.  Owners are checked at most
         * once a second (the ledger's "# pruned-at" line): drop that line, as a
         * second later, so the next look checks them. */
        char *cur = NULL;
        assert_int_equal(read_file_at(dfd, "ledger", 1 << 20, &cur, NULL), 0);
        char *pl = strstr(cur, "# pruned-at ");
        assert_non_null(pl);
        char *eol = strchr(pl, '\n');
        memmove(pl, eol + 1, strlen(eol + 1) + 1);
        char *both = NULL;
        assert_true(asprintf(&both, "%s%s", cur, text) > 0);
        assert_int_equal(write_file_atomic_at(dfd, "ledger", both, strlen(both), 0600), 0);
        free(cur);
        free(both);
        close(dfd);

        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_running, 0);
        gov_snapshot_done(&s);
        /* Both slots are free again. */
        assert_int_equal(admit(c, &p, "n1", "t", 0, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        assert_int_equal(admit(c, &p, "n2", "t", 0, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        assert_int_equal(gov_ledger_set_owner(c->l, "nope", 1, 1), -ENOENT);
}

/* Writes the ledger as `text` and counts the running entries a snapshot sees. */
static size_t running_after_writing(struct ctx *c, const char *text)
{
        char path[128];
        snprintf(path, sizeof(path), "%s/governor", c->dir);
        int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);
        assert_int_equal(write_file_atomic_at(dfd, "ledger", text, strlen(text), 0600), 0);
        close(dfd);
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        size_t n = s.n_running;
        gov_snapshot_done(&s);
        return n;
}

/* Lines are parsed by hand (not sscanf): well-formed ones are kept whatever
 * the spacing, malformed ones dropped, a number that does not fit refused. */
static void malformed_lines_are_dropped(void **state)
{
        struct ctx *c = *state;
        uint64_t st;
        assert_int_equal(proc_starttime(getpid(), &st), 0);
        int me = (int)getpid();
        unsigned long long t = (unsigned long long)st;
        char text[1024];
        snprintf(text, sizeof(text),
                 "run ok1 t 0 %d %llu\n"
                 "run  ok2\tt 0 %d %llu w\n"
                 "queue ok3 t 5 %d %llu w\n"
                 "run bad1 t x %d %llu\n"
                 "run bad2 t 0 -5 %llu\n"
                 "run bad3 t 0 %d\n"
                 "walk bad4 t 0 %d %llu\n"
                 "run bad/5 t 0 %d %llu\n"
                 "run bad6 t 99999999999999999999999 %d %llu\n"
                 "run bad7 t 0 99999999999 %llu\n",
                 me, t, me, t, me, t, me, t, t, me, me, t, me, t, me, t, t);
        assert_int_equal(running_after_writing(c, text), 2);
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_queued, 1);
        assert_string_equal(s.queued[0].job_id, "ok3");
        assert_int_equal(s.queued[0].memory_bytes, 5);
        assert_string_equal(s.running[1].job_id, "ok2");
        assert_int_equal(s.running[1].pid, me);
        gov_snapshot_done(&s);
}

/* A ledger that survived a reboot names owners by pid and start time of
 * another boot, which a new process may match: its entries are dropped.  The
 * owner here is this (live) process, so only the boot line can drop it. */
static void another_boots_entries_are_dropped(void **state)
{
        struct ctx *c = *state;
        uint64_t st;
        assert_int_equal(proc_starttime(getpid(), &st), 0);
        char *boot = NULL;
        assert_int_equal(read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 64, &boot, NULL),
                         0);
        *strchrnul(boot, '\n') = 0;
        char text[512];
        snprintf(text, sizeof(text), "# boot %s\nrun live t 0 %d %llu\n", boot, (int)getpid(),
                 (unsigned long long)st);
        assert_int_equal(running_after_writing(c, text), 1);
        snprintf(text, sizeof(text),
                 "# boot 00000000-0000-0000-0000-000000000000\nrun live t 0 %d %llu\n",
                 (int)getpid(), (unsigned long long)st);
        assert_int_equal(running_after_writing(c, text), 0);
        /* The next write says this boot, and the slot is free. */
        struct gov_policy p = max_concurrent(1);
        struct gov_decision d;
        assert_int_equal(admit(c, &p, "next", "t", 0, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        char path[128], *cur = NULL;
        snprintf(path, sizeof(path), "%s/governor/ledger", c->dir);
        assert_int_equal(read_file_at(AT_FDCWD, path, 1 << 20, &cur, NULL), 0);
        char want[64];
        snprintf(want, sizeof(want), "# boot %s\n", boot);
        assert_non_null(strstr(cur, want));
        free(cur);
        free(boot);
}

static void shared_policy_file(void **state)
{
        struct ctx *c = *state;
        struct gov_policy p, flags1, flags2;
        char err[200];
        assert_int_equal(gov_ledger_load_policy(c->l, &p, err, sizeof(err)), 0);
        assert_int_equal(p.set, 0);
        assert_float_equal(p.memory_threshold, 85.0, 1e-9);

        /* Process A was started with --max-concurrent 3, process B with
         * --memory-threshold 70: both persist, both apply to everyone. */
        gov_policy_init(&flags1);
        assert_int_equal(gov_policy_parse_option(&flags1, "--max-concurrent", "3", err, 200), 1);
        assert_int_equal(gov_ledger_store_policy(c->l, &flags1), 0);
        gov_policy_init(&flags2);
        assert_int_equal(gov_policy_parse_option(&flags2, "--memory-threshold", "70", err, 200), 1);
        assert_int_equal(gov_ledger_store_policy(c->l, &flags2), 0);
        assert_int_equal(gov_ledger_load_policy(c->l, &p, err, sizeof(err)), 0);
        assert_int_equal(p.max_concurrent, 3);
        assert_float_equal(p.memory_threshold, 70.0, 1e-9);

        /* Admission with policy NULL uses that file. */
        struct gov_decision d;
        for (int i = 0; i < 3; i++) {
                char job[8];
                snprintf(job, sizeof(job), "j%d", i);
                assert_int_equal(admit(c, NULL, job, NULL, 0, &d), 0);
                assert_int_equal(d.verdict, GOV_ADMIT);
        }
        assert_int_equal(admit(c, NULL, "j3", NULL, 0, &d), 0);
        assert_string_equal(d.reason, "3/3 jobs running");
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.policy.max_concurrent, 3);
        gov_snapshot_done(&s);

        /* A broken file is reported with its line, and refuses admissions rather
         * than silently using other limits. */
        char path[128];
        snprintf(path, sizeof(path), "%s/governor/governor.conf", c->dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("max-concurrent = many\n", f);
        fclose(f);
        assert_int_equal(gov_ledger_load_policy(c->l, &p, err, sizeof(err)), -EINVAL);
        assert_string_equal(err,
                            "line 1: --max-concurrent: 'many' is not a number from 1 to 100000");
        assert_int_equal(admit(c, NULL, "j9", NULL, 0, &d), -EINVAL);
        /* Explicit flags repair it. */
        assert_int_equal(gov_ledger_store_policy(c->l, &flags1), 0);
        assert_int_equal(gov_ledger_load_policy(c->l, &p, err, sizeof(err)), 0);
        assert_int_equal(p.max_concurrent, 3);
}

/* N processes, released at once through a pipe, each admit one job against the
 * shared max-concurrent 3.  Each reports its verdict and queue position in its
 * exit status.  The owner of every entry is this (living) test process. */
static void racing_processes_admit_exactly_three(void **state)
{
        struct ctx *c = *state;
        enum { N = 12 };
        struct gov_policy flags;
        char err[100];
        gov_policy_init(&flags);
        gov_policy_parse_option(&flags, "--max-concurrent", "3", err, sizeof(err));
        assert_int_equal(gov_ledger_store_policy(c->l, &flags), 0);
        uint64_t st;
        assert_int_equal(proc_starttime(getpid(), &st), 0);
        pid_t owner = getpid();

        int go[2];
        assert_int_equal(pipe(go), 0);
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0) {
                        close(go[1]);
                        char b;
                        (void)!read(go[0], &b, 1); /* EOF when the parent closes: all start */
                        struct gov_ledger *l = NULL;
                        if (gov_ledger_open(c->dir, &l) < 0)
                                _exit(99);
                        char job[16];
                        snprintf(job, sizeof(job), "race%d", i);
                        struct gov_candidate cand = {job, NULL, 0};
                        struct gov_decision d;
                        int r = gov_ledger_admit(l, &cand, &c->m, NULL, owner, st, &d);
                        gov_ledger_free(l);
                        if (r < 0)
                                _exit(98);
                        _exit(d.verdict == GOV_ADMIT  ? 0
                              : d.verdict == GOV_WAIT ? 10 + (int)d.queue_position
                                                      : 97);
                }
        }
        close(go[0]);
        close(go[1]);
        int admitted = 0;
        unsigned positions = 0;
        for (int i = 0; i < N; i++) {
                int status;
                assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
                assert_true(WIFEXITED(status));
                int code = WEXITSTATUS(status);
                if (code == 0)
                        admitted++;
                else {
                        assert_true(code > 10 && code <= 10 + N - 3);
                        positions |= 1u << (code - 10);
                }
        }
        assert_int_equal(admitted, 3);
        /* The other nine were queued at positions 1..9, each exactly once. */
        assert_int_equal(positions, ((1u << (N - 3)) - 1) << 1);
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_running, 3);
        assert_int_equal(s.n_queued, N - 3);
        gov_snapshot_done(&s);
}

/* A waiter that must wait: a child that blocks the wake signal and reads it
 * from a signalfd, as the supervisor does.  Reports on `up` whether it is its
 * tenant's head, then waits for a byte on `go` and exits 0 when it was woken
 * (want_wake) or was not (!want_wake) by then. */
static pid_t spawn_waiter(struct ctx *c, const char *job, int up, int go, bool want_wake)
{
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid != 0)
                return pid;
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, GOV_LEDGER_WAKE_SIGNAL);
        sigprocmask(SIG_BLOCK, &set, NULL);
        int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        struct gov_policy p = max_concurrent(1);
        struct gov_candidate cand = {job, "t", 0};
        struct gov_decision d;
        bool head = false;
        if (sfd < 0 || gov_ledger_wait_admit(c->l, &cand, &c->m, &p, &d, &head) < 0 ||
            d.verdict != GOV_WAIT)
                _exit(3);
        char h = head ? 'h' : 'b';
        if (write(up, &h, 1) != 1)
                _exit(3);
        char b;
        if (read(go, &b, 1) != 1)
                _exit(3);
        /* The waker signals before gov_ledger_release returns. */
        struct pollfd pfd = {.fd = sfd, .events = POLLIN};
        bool woken = poll(&pfd, 1, 0) == 1;
        _exit(woken == want_wake ? 0 : 2);
}

/* A release wakes the next in line, not every waiter, and nobody polls. */
static void a_release_wakes_the_head_only(void **state)
{
        struct ctx *c = *state;
        struct gov_policy p = max_concurrent(1);
        struct gov_decision d;
        assert_int_equal(admit(c, &p, "held", NULL, 0, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        int up[2], go[2];
        assert_int_equal(pipe(up), 0);
        assert_int_equal(pipe(go), 0);
        char h;
        pid_t first = spawn_waiter(c, "first", up[1], go[0], true);
        assert_int_equal(read(up[0], &h, 1), 1);
        assert_int_equal(h, 'h'); /* its tenant's first queued job */
        pid_t second = spawn_waiter(c, "second", up[1], go[0], false);
        assert_int_equal(read(up[0], &h, 1), 1);
        assert_int_equal(h, 'b'); /* behind it */

        assert_int_equal(gov_ledger_release(c->l, "held"), 1);
        assert_int_equal(write(go[1], "gg", 2), 2);
        int status;
        assert_int_equal(waitpid(first, &status, 0), first);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0); /* woken */
        assert_int_equal(waitpid(second, &status, 0), second);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0); /* not woken */
        close(up[0]);
        close(up[1]);
        close(go[0]);
        close(go[1]);
}

/* A deep queue: past the id set's first size (512 ids), places stay exact and
 * asking again adds no duplicate. */
static void a_deep_queue_keeps_places(void **state)
{
        struct ctx *c = *state;
        struct gov_policy p = max_concurrent(1);
        p.queue_limit = 5000;
        struct gov_decision d;
        assert_int_equal(admit(c, &p, "held", NULL, 0, &d), 0);
        char job[16];
        for (int i = 0; i < 700; i++) {
                snprintf(job, sizeof(job), "q%d", i);
                assert_int_equal(admit(c, &p, job, NULL, 0, &d), 0);
                assert_int_equal(d.verdict, GOV_WAIT);
                assert_int_equal(d.queue_position, (unsigned)i + 1);
        }
        assert_int_equal(admit(c, &p, "q650", NULL, 0, &d), 0);
        assert_int_equal(d.queue_position, 651);
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_queued, 700);
        assert_int_equal(s.n_running, 1);
        gov_snapshot_done(&s);
}

/* A supervisor asks first without measuring the host (supervisor.c): its
 * submitter's reservation admits it; a job with none gets -ENODATA, the
 * ledger untouched, and is decided once measurements are given. */
static void unmeasured_admits_only_a_reservation(void **state)
{
        struct ctx *c = *state;
        struct gov_policy p = max_concurrent(1);
        struct gov_decision d;
        bool head = false;
        assert_int_equal(admit(c, &p, "j1", "alice", 1 * GIB, &d), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);
        struct gov_candidate j1 = {"j1", "alice", 1 * GIB}, j2 = {"j2", "bob", 0};
        d.verdict = GOV_WAIT;
        assert_int_equal(gov_ledger_wait_admit(c->l, &j1, NULL, NULL, &d, &head), 0);
        assert_int_equal(d.verdict, GOV_ADMIT);

        uint64_t before, after;
        assert_int_equal(gov_ledger_stamp(c->l, &before), 0);
        assert_int_equal(gov_ledger_wait_admit(c->l, &j2, NULL, NULL, &d, &head), -ENODATA);
        assert_int_equal(gov_ledger_stamp(c->l, &after), 0);
        assert_true(before == after);
        struct gov_snapshot s;
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_running, 1);
        assert_int_equal(s.n_queued, 0);
        gov_snapshot_done(&s);

        /* Measured, it is decided as always: j1 holds the only slot. */
        assert_int_equal(gov_ledger_wait_admit(c->l, &j2, &c->m, &p, &d, &head), 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_int_equal(gov_ledger_snapshot(c->l, &s), 0);
        assert_int_equal(s.n_queued, 1);
        assert_string_equal(s.queued[0].job_id, "j2");
        gov_snapshot_done(&s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(admit_queue_release, setup, teardown),
            cmocka_unit_test_setup_teardown(refusals_change_nothing, setup, teardown),
            cmocka_unit_test_setup_teardown(dead_owners_release_their_reservations, setup,
                                            teardown),
            cmocka_unit_test_setup_teardown(another_boots_entries_are_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(malformed_lines_are_dropped, setup, teardown),
            cmocka_unit_test_setup_teardown(shared_policy_file, setup, teardown),
            cmocka_unit_test_setup_teardown(racing_processes_admit_exactly_three, setup, teardown),
            cmocka_unit_test_setup_teardown(a_release_wakes_the_head_only, setup, teardown),
            cmocka_unit_test_setup_teardown(a_deep_queue_keeps_places, setup, teardown),
            cmocka_unit_test_setup_teardown(unmeasured_admits_only_a_reservation, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
