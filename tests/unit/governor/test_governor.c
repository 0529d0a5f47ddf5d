/* Unit tests for governor.c: every branch of the admission decision, with the
 * exact reason a person reads, over fixture measurements; and the policy's
 * option parser and config file. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "governor.h"
#include "gov-test-util.h"

/* host-normal: 16 GiB, 25% used, 4 cores, CPU known at 10%. */
static struct gov_measurements calm(void)
{
        struct gov_measurements m = gov_test_measure("host-normal");
        m.cpu.known = true;
        m.cpu.used_percent = 10.0;
        return m;
}

static struct gov_entry entry(const char *job, const char *tenant, uint64_t mem)
{
        struct gov_entry e = {.memory_bytes = mem, .pid = 1, .starttime = 1};
        snprintf(e.job_id, sizeof(e.job_id), "%s", job);
        snprintf(e.tenant, sizeof(e.tenant), "%s", tenant);
        return e;
}

static struct gov_policy policy(void)
{
        struct gov_policy p;
        gov_policy_init(&p);
        return p;
}

static struct gov_decision decide(const struct gov_measurements *m, const struct gov_policy *p,
                                  const struct gov_entry *run, size_t nrun,
                                  const struct gov_entry *queue, size_t nqueue, const char *job,
                                  const char *tenant, uint64_t mem)
{
        struct gov_view v = {run, nrun, queue, nqueue};
        struct gov_candidate c = {job, tenant, mem};
        struct gov_decision d;
        gov_decide(m, p, &v, &c, &d);
        return d;
}

static void admits_on_a_calm_host(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        struct gov_decision d = decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 1 * GIB);
        assert_int_equal(d.verdict, GOV_ADMIT);
        assert_string_equal(d.reason, "");
        assert_int_equal(d.queue_position, 0);
}

static void waits_for_host_memory(void **state)
{
        struct gov_measurements m = gov_test_measure("host-memory-91");
        struct gov_policy p = policy();
        struct gov_decision d = decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "host memory 91% >= 85%");
        assert_int_equal(d.queue_position, 1);
}

static void waits_for_cgroup_memory(void **state)
{
        struct gov_measurements m = gov_test_measure("cgroup-v1-limited"); /* 75% of its 4 GiB */
        struct gov_policy p = policy();
        assert_int_equal(decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0).verdict, GOV_ADMIT);
        char err[128];
        assert_int_equal(gov_policy_parse_option(&p, "--memory-threshold", "70", err, sizeof(err)),
                         1);
        struct gov_decision d = decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "cgroup memory 75% >= 70%");
}

static void waits_for_cpu(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        m.cpu.used_percent = 95.04;
        struct gov_decision d = decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "host CPU 95% >= 90%");
        m.cpu.used_percent = 89.9;
        assert_int_equal(decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0).verdict, GOV_ADMIT);
        /* No samples yet: the CPU figure does not hold a job back. */
        m.cpu.used_percent = 100.0;
        m.cpu.known = false;
        assert_int_equal(decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0).verdict, GOV_ADMIT);
}

static void waits_for_pressure_only_when_a_threshold_is_set(void **state)
{
        struct gov_measurements m = gov_test_measure("psi-high"); /* memory some avg10 23.5 */
        struct gov_policy p = policy();
        assert_int_equal(decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0).verdict, GOV_ADMIT);
        char err[128];
        assert_int_equal(gov_policy_parse_option(&p, "--psi-threshold", "20", err, sizeof(err)), 1);
        struct gov_decision d = decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "memory pressure 23.5% >= 20%");
        /* A kernel without PSI: not available, not a reason to wait. */
        struct gov_measurements none = gov_test_measure("no-psi");
        assert_int_equal(decide(&none, &p, NULL, 0, NULL, 0, "j1", NULL, 0).verdict, GOV_ADMIT);
}

static void waits_for_max_concurrent(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        p.max_concurrent = 3;
        struct gov_entry run[] = {entry("a", "t", 0), entry("b", "t", 0), entry("c", "t", 0)};
        struct gov_decision d = decide(&m, &p, run, 3, NULL, 0, "j1", NULL, 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "3/3 jobs running");
        assert_int_equal(decide(&m, &p, run, 2, NULL, 0, "j1", NULL, 0).verdict, GOV_ADMIT);
        /* The default follows the cores: 4 on host-normal. */
        p.max_concurrent = 0;
        struct gov_entry four[] = {run[0], run[1], run[2], entry("d", "t", 0)};
        d = decide(&m, &p, four, 4, NULL, 0, "j1", NULL, 0);
        assert_string_equal(d.reason, "4/4 jobs running");
}

static void default_max_concurrent(void **state)
{
        assert_int_equal(gov_default_max_concurrent(1.0), 2);
        assert_int_equal(gov_default_max_concurrent(0.5), 2);
        assert_int_equal(gov_default_max_concurrent(1.5), 2);
        assert_int_equal(gov_default_max_concurrent(2.5), 3);
        assert_int_equal(gov_default_max_concurrent(16.0), 16);
        struct gov_policy p = policy();
        assert_int_equal(gov_policy_max_concurrent(&p, 8.0), 8);
        p.max_concurrent = 3;
        assert_int_equal(gov_policy_max_concurrent(&p, 8.0), 3);
}

static void waits_for_unreserved_memory(void **state)
{
        struct gov_measurements m = calm(); /* 16 GiB: 13.6 GiB reservable at 85% */
        struct gov_policy p = policy();
        assert_int_equal(gov_reservable_bytes(&m, &p), (uint64_t)(16.0 * GIB * 0.85));
        struct gov_entry run[] = {entry("a", "t", 8 * GIB), entry("b", "t", 4 * GIB + 400 * MIB)};
        struct gov_decision d = decide(&m, &p, run, 2, NULL, 0, "j1", NULL, 4 * GIB);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "needs 4 GiB, 1.2 GiB unreserved");
        assert_int_equal(decide(&m, &p, run, 2, NULL, 0, "j1", NULL, 1 * GIB).verdict, GOV_ADMIT);
        /* A job without a limit reserves nothing and waits for nothing here. */
        assert_int_equal(decide(&m, &p, run, 2, NULL, 0, "j1", NULL, 0).verdict, GOV_ADMIT);
}

static void refuses_what_never_fits_the_host(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        struct gov_decision d = decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 14 * GIB);
        assert_int_equal(d.verdict, GOV_REFUSE_NEVER_FITS);
        assert_string_equal(
            d.reason, "needs 14 GiB, more than the 13.6 GiB jobs may reserve (85% of 16 GiB)");
        assert_int_equal(d.queue_position, 0);
        /* Never-fits comes first, even when the host is busy too. */
        m.memory.used_percent = 99.0;
        assert_int_equal(decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 14 * GIB).verdict,
                         GOV_REFUSE_NEVER_FITS);
}

static void refuses_what_never_fits_the_cgroup(void **state)
{
        struct gov_measurements m = gov_test_measure("cgroup-v2-limited"); /* 1 GiB capacity */
        struct gov_policy p = policy();
        struct gov_decision d = decide(&m, &p, NULL, 0, NULL, 0, "j1", NULL, 1 * GIB);
        assert_int_equal(d.verdict, GOV_REFUSE_NEVER_FITS);
        assert_string_equal(d.reason,
                            "needs 1 GiB, more than the 870.4 MiB jobs may reserve (85% of 1 GiB)");
}

static void tenant_limits(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        char err[128];
        assert_int_equal(gov_policy_parse_option(&p, "--tenant-max-concurrent", "2", err, 128), 1);
        assert_int_equal(gov_policy_parse_option(&p, "--tenant-max-memory", "4G", err, 128), 1);
        struct gov_entry run[] = {entry("a", "alice", 1 * GIB), entry("b", "alice", 2 * GIB),
                                  entry("c", "bob", 1 * GIB)};
        struct gov_decision d = decide(&m, &p, run, 3, NULL, 0, "j1", "alice", 1 * GIB);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "tenant alice: 2/2 jobs running");
        /* bob has room for 3 GiB but not 3.5. */
        d = decide(&m, &p, run, 3, NULL, 0, "j2", "bob", 3 * GIB + 512 * MIB);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "tenant bob: needs 3.5 GiB, 3 GiB of 4 GiB quota unreserved");
        assert_int_equal(decide(&m, &p, run, 3, NULL, 0, "j2", "bob", 3 * GIB).verdict, GOV_ADMIT);
        /* Over the quota on its own: refused at once. */
        d = decide(&m, &p, NULL, 0, NULL, 0, "j3", "carol", 5 * GIB);
        assert_int_equal(d.verdict, GOV_REFUSE_NEVER_FITS);
        assert_string_equal(d.reason, "tenant carol: needs 5 GiB, more than its 4 GiB quota");
        /* A quota'ed tenant must say how much memory it needs. */
        d = decide(&m, &p, NULL, 0, NULL, 0, "j3", "carol", 0);
        assert_int_equal(d.verdict, GOV_REFUSE_NEVER_FITS);
        assert_string_equal(
            d.reason, "tenant carol has a 4 GiB memory quota: the job must set a memory limit");
        /* No tenant given: the default tenant, limited like any other. */
        struct gov_entry dflt[] = {entry("x", "default", 1 * GIB), entry("y", "default", 1 * GIB)};
        d = decide(&m, &p, dflt, 2, NULL, 0, "j4", NULL, 1 * GIB);
        assert_string_equal(d.reason, "tenant default: 2/2 jobs running");
}

static void fifo_order(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        struct gov_entry q[] = {entry("q1", "t", 0), entry("q2", "t", 0)};
        /* A new job goes behind the queue even when it could start. */
        struct gov_decision d = decide(&m, &p, NULL, 0, q, 2, "new", "t", 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "2 jobs queued ahead");
        assert_int_equal(d.queue_position, 3);
        d = decide(&m, &p, NULL, 0, q, 2, "q2", NULL, 0);
        assert_string_equal(d.reason, "1 job queued ahead");
        assert_int_equal(d.queue_position, 2);
        /* The head may start. */
        assert_int_equal(decide(&m, &p, NULL, 0, q, 2, "q1", NULL, 0).verdict, GOV_ADMIT);
        /* The head waits for the host: its reason, its position. */
        p.max_concurrent = 1;
        struct gov_entry run[] = {entry("r", "t", 0)};
        d = decide(&m, &p, run, 1, q, 2, "q1", NULL, 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "1/1 jobs running");
        assert_int_equal(d.queue_position, 1);
}

static void a_tenant_at_its_limit_does_not_block_others(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        p.tenant_max_concurrent = 1;
        struct gov_entry run[] = {entry("a", "alice", 0)};
        struct gov_entry q[] = {entry("q1", "alice", 0), entry("q2", "bob", 0)};
        assert_int_equal(decide(&m, &p, run, 1, q, 2, "q2", "bob", 0).verdict, GOV_ADMIT);
        struct gov_decision d = decide(&m, &p, run, 1, q, 2, "q1", "alice", 0);
        assert_string_equal(d.reason, "tenant alice: 1/1 jobs running");
}

static void queue_limit(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        p.max_concurrent = 1;
        p.queue_limit = 2;
        struct gov_entry run[] = {entry("r", "t", 0)};
        struct gov_entry q[] = {entry("q1", "t", 0), entry("q2", "t", 0)};
        struct gov_decision d = decide(&m, &p, run, 1, q, 2, "new", "t", 0);
        assert_int_equal(d.verdict, GOV_REFUSE_QUEUE_FULL);
        assert_string_equal(d.reason, "queue full: 2/2 jobs queued (2 jobs queued ahead)");
        /* Already queued jobs keep their place. */
        d = decide(&m, &p, run, 1, q, 2, "q2", NULL, 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        /* A job that can start never meets the queue limit. */
        assert_int_equal(decide(&m, &p, NULL, 0, NULL, 0, "new", NULL, 0).verdict, GOV_ADMIT);
        /* queue-limit 0: whatever cannot start now is refused. */
        p.queue_limit = 0;
        d = decide(&m, &p, run, 1, NULL, 0, "new", NULL, 0);
        assert_int_equal(d.verdict, GOV_REFUSE_QUEUE_FULL);
        assert_string_equal(d.reason, "queue full: 0/0 jobs queued (1/1 jobs running)");
}

static void check_order(void **state)
{
        /* Concurrency is named before the load those jobs cause. */
        struct gov_measurements m = gov_test_measure("host-memory-91");
        struct gov_policy p = policy();
        p.max_concurrent = 1;
        struct gov_entry run[] = {entry("r", "t", 0)};
        assert_string_equal(decide(&m, &p, run, 1, NULL, 0, "j", NULL, 0).reason,
                            "1/1 jobs running");
}

static void options(void **state)
{
        struct gov_policy p = policy();
        char err[200] = "";
        assert_int_equal(gov_policy_parse_option(&p, "--memory-threshold", "80%", err, 200), 1);
        assert_float_equal(p.memory_threshold, 80.0, 1e-9);
        assert_int_equal(gov_policy_parse_option(&p, "--cpu-threshold", "95.5", err, 200), 1);
        assert_float_equal(p.cpu_threshold, 95.5, 1e-9);
        assert_int_equal(gov_policy_parse_option(&p, "--max-concurrent", "7", err, 200), 1);
        assert_int_equal(p.max_concurrent, 7);
        assert_int_equal(gov_policy_parse_option(&p, "--queue-limit", "0", err, 200), 1);
        assert_int_equal(p.queue_limit, 0);
        assert_int_equal(p.set, GOV_SET_MEMORY_THRESHOLD | GOV_SET_CPU_THRESHOLD |
                                    GOV_SET_MAX_CONCURRENT | GOV_SET_QUEUE_LIMIT);
        assert_int_equal(gov_policy_parse_option(&p, "--queue-limit=50", NULL, err, 200), 1);
        assert_int_equal(p.queue_limit, 50);
        assert_int_equal(gov_policy_parse_option(&p, "--queue-limit=", NULL, err, 200), -EINVAL);
        /* Not ours: left to the caller. */
        assert_int_equal(gov_policy_parse_option(&p, "--timeout", "3s", err, 200), 0);
        assert_int_equal(gov_policy_parse_option(&p, "memory-threshold", "3", err, 200), 0);
        /* Bad values name the flag and the value. */
        assert_int_equal(gov_policy_parse_option(&p, "--memory-threshold", "120", err, 200),
                         -EINVAL);
        assert_string_equal(
            err, "--memory-threshold: '120' is not a percentage above 0 and at most 100");
        assert_int_equal(gov_policy_parse_option(&p, "--cpu-threshold", "0", err, 200), -EINVAL);
        assert_int_equal(gov_policy_parse_option(&p, "--max-concurrent", "0", err, 200), -EINVAL);
        assert_string_equal(err, "--max-concurrent: '0' is not a number from 1 to 100000");
        assert_int_equal(gov_policy_parse_option(&p, "--tenant-max-memory", "lots", err, 200),
                         -EINVAL);
        assert_int_equal(gov_policy_parse_option(&p, "--psi-threshold", NULL, err, 200), -EINVAL);
        assert_string_equal(err, "--psi-threshold needs a value");
        assert_float_equal(p.memory_threshold, 80.0, 1e-9); /* unchanged by the failures */
}

static void config_file(void **state)
{
        struct gov_policy p = policy();
        char err[200] = "";
        const char *text = "# shared policy\n"
                           "memory-threshold = 70\n"
                           "  max-concurrent=3   # trailing comment\n"
                           "\n"
                           "tenant-max-memory = 2G\n";
        assert_int_equal(gov_policy_parse_config(&p, text, err, sizeof(err)), 0);
        assert_float_equal(p.memory_threshold, 70.0, 1e-9);
        assert_int_equal(p.max_concurrent, 3);
        assert_int_equal(p.tenant_max_memory, 2 * GIB);
        assert_float_equal(p.cpu_threshold, 90.0, 1e-9); /* default kept */

        /* Round trip: only the set fields are written. */
        char *out = NULL;
        assert_int_equal(gov_policy_format_config(&p, &out), 0);
        assert_non_null(strstr(out, "memory-threshold = 70\n"));
        assert_non_null(strstr(out, "max-concurrent = 3\n"));
        assert_null(strstr(out, "cpu-threshold"));
        struct gov_policy back = policy();
        assert_int_equal(gov_policy_parse_config(&back, out, err, sizeof(err)), 0);
        assert_int_equal(back.set, p.set);
        assert_int_equal(back.tenant_max_memory, 2 * GIB);
        free(out);

        /* Errors name the line, and leave the policy as it was. */
        struct gov_policy q = policy();
        assert_int_equal(gov_policy_parse_config(&q, "cpu-threshold = 50\nbogus = 1\n", err, 200),
                         -EINVAL);
        assert_string_equal(err, "line 2: unknown key 'bogus'");
        assert_float_equal(q.cpu_threshold, 90.0, 1e-9);
        assert_int_equal(gov_policy_parse_config(&q, "queue-limit\n", err, 200), -EINVAL);
        assert_string_equal(err, "line 1: expected 'key = value'");
        assert_int_equal(gov_policy_parse_config(&q, "\n\nqueue-limit = x\n", err, 200), -EINVAL);
        assert_string_equal(err, "line 3: --queue-limit: 'x' is not a number from 0 to 1000000");
}

static void merge(void **state)
{
        struct gov_policy file = policy(), flags = policy();
        char err[100];
        gov_policy_parse_option(&file, "--memory-threshold", "70", err, 100);
        gov_policy_parse_option(&file, "--max-concurrent", "3", err, 100);
        gov_policy_parse_option(&flags, "--max-concurrent", "5", err, 100);
        gov_policy_merge(&file, &flags);
        assert_int_equal(file.max_concurrent, 5);
        assert_float_equal(file.memory_threshold, 70.0, 1e-9);
        assert_int_equal(file.set, GOV_SET_MEMORY_THRESHOLD | GOV_SET_MAX_CONCURRENT);
}

static void small_helpers(void **state)
{
        char b[32];
        assert_string_equal(gov_format_percent(b, sizeof(b), 91.0), "91%");
        assert_string_equal(gov_format_percent(b, sizeof(b), 23.5), "23.5%");
        assert_string_equal(gov_format_percent(b, sizeof(b), 90.96), "91%");
        assert_string_equal(gov_format_percent(b, sizeof(b), 0.04), "0%");
        assert_true(gov_valid_id("job-1.a_B"));
        assert_false(gov_valid_id(""));
        assert_false(gov_valid_id(".."));
        assert_false(gov_valid_id("a b"));
        assert_false(gov_valid_id("a/b"));
        assert_false(gov_valid_id(NULL));
        /* Ledger keys are "<tenant>.<id>": 64 + 1 + 64 characters fit. */
        char long_id[160];
        memset(long_id, 'a', sizeof(long_id));
        long_id[GOV_ID_MAX + 1] = 0;
        assert_false(gov_valid_id(long_id));
        long_id[GOV_ID_MAX] = 0;
        assert_true(gov_valid_id(long_id));
        assert_int_equal(GOV_ID_MAX, 64 + 1 + 64);
        assert_string_equal(gov_verdict_to_string(GOV_REFUSE_QUEUE_FULL), "queue-full");
}

/* Fairness across tenants: A queued 19 jobs (one of its own runs), then B
 * queued one.  B's job is next, ahead of A's second; A's jobs keep FIFO among
 * themselves; positions say the fair order. */
static void tenants_take_turns(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        char err[128];
        assert_int_equal(gov_policy_parse_option(&p, "--max-concurrent", "1", err, sizeof(err)), 1);
        struct gov_entry run[1] = {entry("a0", "A", 0)};
        struct gov_entry q[20];
        for (int i = 0; i < 19; i++) {
                char id[16];
                snprintf(id, sizeof(id), "a%d", i + 1);
                q[i] = entry(id, "A", 0);
        }
        q[19] = entry("b0", "B", 0);
        /* While a0 runs, everyone waits for the host; b0 is first in line. */
        struct gov_decision d = decide(&m, &p, run, 1, q, 20, "b0", "B", 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_int_equal(d.queue_position, 1);
        assert_string_equal(d.reason, "1/1 jobs running");
        d = decide(&m, &p, run, 1, q, 20, "a1", "A", 0);
        assert_int_equal(d.queue_position, 2);
        assert_string_equal(d.reason, "1 job queued ahead");
        d = decide(&m, &p, run, 1, q, 20, "a2", "A", 0);
        assert_int_equal(d.queue_position, 3);
        /* a0 ended: a1 and b0 are in the same round; B's backlog is the smaller. */
        assert_int_equal(decide(&m, &p, NULL, 0, q, 20, "b0", "B", 0).verdict, GOV_ADMIT);
        d = decide(&m, &p, NULL, 0, q, 20, "a1", "A", 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "1 job queued ahead");
        /* A new job of a third tenant goes before A's backlog too. */
        d = decide(&m, &p, run, 1, q, 20, "c0", "C", 0);
        assert_int_equal(d.queue_position, 2);
        /* A tenant held by its own quota says so, and does not hold others. */
        p.tenant_max_concurrent = 1;
        d = decide(&m, &p, run, 1, q, 20, "a1", "A", 0);
        assert_string_equal(d.reason, "tenant A: 1/1 jobs running");
        p.tenant_max_concurrent = 0;
        /* One tenant alone: plain FIFO. */
        d = decide(&m, &p, run, 1, q, 19, "a5", "A", 0);
        assert_int_equal(d.queue_position, 5);
}

/* Per-tenant quotas: a default for all and a tenant's own, from governor.conf;
 * the queued quota refuses a new job with a reason naming the tenant; the
 * config round-trips through format and parse. */
static void per_tenant_quotas(void **state)
{
        struct gov_measurements m = calm();
        struct gov_policy p = policy();
        char err[200] = "";
        assert_int_equal(gov_policy_parse_config(&p,
                                                 "max-concurrent = 10\n"
                                                 "tenant-max-concurrent = 1\n"
                                                 "tenant-max-queued = 2\n"
                                                 "tenant.alice.max-concurrent = 3\n"
                                                 "tenant.bob.max-queued = 5\n"
                                                 "tenant.bob.max-memory = 1G\n",
                                                 err, sizeof(err)),
                         0);
        struct gov_entry run[] = {entry("a1", "alice", 0), entry("a2", "alice", 0),
                                  entry("c1", "carol", 0)};
        /* alice has her own 3; carol the default 1. */
        assert_int_equal(decide(&m, &p, run, 3, NULL, 0, "a3", "alice", 0).verdict, GOV_ADMIT);
        struct gov_decision d = decide(&m, &p, run, 3, NULL, 0, "c2", "carol", 0);
        assert_int_equal(d.verdict, GOV_WAIT);
        assert_string_equal(d.reason, "tenant carol: 1/1 jobs running");
        /* carol may queue 2 (the default), a third is refused; bob may queue 5. */
        struct gov_entry q[] = {entry("c2", "carol", 0), entry("c3", "carol", 0),
                                entry("b1", "bob", 1 * GIB), entry("b2", "bob", 1 * GIB)};
        d = decide(&m, &p, run, 3, q, 2, "c4", "carol", 0);
        assert_int_equal(d.verdict, GOV_REFUSE_QUEUE_FULL);
        assert_string_equal(d.reason, "queue full: tenant carol: 2/2 jobs queued");
        struct gov_entry runb[] = {entry("b0", "bob", 1 * GIB)};
        d = decide(&m, &p, runb, 1, q + 2, 2, "b3", "bob", 1 * GIB);
        assert_int_equal(d.verdict, GOV_WAIT);
        /* bob's own memory quota: 1G, and a job must name its limit. */
        d = decide(&m, &p, NULL, 0, NULL, 0, "b4", "bob", 2 * GIB);
        assert_int_equal(d.verdict, GOV_REFUSE_NEVER_FITS);
        assert_string_equal(d.reason, "tenant bob: needs 2 GiB, more than its 1 GiB quota");
        /* Round trip. */
        char *text = NULL;
        assert_int_equal(gov_policy_format_config(&p, &text), 0);
        assert_non_null(strstr(text, "tenant.alice.max-concurrent = 3\n"));
        assert_non_null(strstr(text, "tenant-max-queued = 2\n"));
        struct gov_policy p2 = policy();
        assert_int_equal(gov_policy_parse_config(&p2, text, err, sizeof(err)), 0);
        free(text);
        assert_int_equal(p2.n_tenant_quotas, 2);
        assert_int_equal(p2.tenant_quotas[1].max_memory, 1 * GIB);
        /* Bad lines name what is wrong. */
        assert_int_equal(
            gov_policy_parse_config(&p2, "tenant.a/b.max-queued = 1\n", err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "line 1: tenant.a/b.max-queued: 'a/b' is not a tenant name");
        assert_int_equal(gov_policy_parse_config(&p2, "tenant.x.max-cpus = 1\n", err, sizeof(err)),
                         -EINVAL);
        assert_string_equal(err, "line 1: tenant.x.max-cpus: 'max-cpus' is not max-concurrent, "
                                 "max-queued or max-memory");
        /* The flag form works as for the other governor options. */
        assert_int_equal(
            gov_policy_parse_option(&p2, "--tenant.dave.max-concurrent=4", NULL, err, sizeof(err)),
            1);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(admits_on_a_calm_host),
            cmocka_unit_test(waits_for_host_memory),
            cmocka_unit_test(waits_for_cgroup_memory),
            cmocka_unit_test(waits_for_cpu),
            cmocka_unit_test(waits_for_pressure_only_when_a_threshold_is_set),
            cmocka_unit_test(waits_for_max_concurrent),
            cmocka_unit_test(default_max_concurrent),
            cmocka_unit_test(waits_for_unreserved_memory),
            cmocka_unit_test(refuses_what_never_fits_the_host),
            cmocka_unit_test(refuses_what_never_fits_the_cgroup),
            cmocka_unit_test(tenant_limits),
            cmocka_unit_test(fifo_order),
            cmocka_unit_test(a_tenant_at_its_limit_does_not_block_others),
            cmocka_unit_test(queue_limit),
            cmocka_unit_test(check_order),
            cmocka_unit_test(tenants_take_turns),
            cmocka_unit_test(per_tenant_quotas),
            cmocka_unit_test(options),
            cmocka_unit_test(config_file),
            cmocka_unit_test(merge),
            cmocka_unit_test(small_helpers),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
