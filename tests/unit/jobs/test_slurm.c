/* Unit tests for the Slurm executor's pure parts: parsing what Slurm's
 * commands print (captured from Debian's slurm-wlm 22.05 on this machine
 * kind), the outcome rules (slurm-outcome.h) and the store's executor
 * settings (executor.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"
#include "slurm-cli.h"
#include "slurm-outcome.h"

static const char scontrol_job[] =
    "JobId=2 JobName=b.sh UserId=root(0) GroupId=root(0) MCS_label=N/A Priority=4294901759 "
    "Nice=0 Account=(null) QOS=(null) JobState=OUT_OF_MEMORY Reason=OutOfMemory "
    "Dependency=(null) Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:125 "
    "RunTime=00:00:00 TimeLimit=UNLIMITED Partition=debug NodeList=vm NumNodes=1 "
    "Command=/tmp/h15-slurm/b.sh sh -c python3 -c \"x=bytearray(500*1024*1024)\"; exit 0 "
    "WorkDir=/tmp StdErr=/dev/null StdIn=/dev/null StdOut=/dev/null Power= \n";

static const char scontrol_node[] =
    "NodeName=vm Arch=x86_64 CoresPerSocket=1  CPUAlloc=1 CPUEfctv=2 CPUTot=2 CPULoad=7.47 "
    "NodeAddr=127.0.0.1 NodeHostName=vm Version=22.05.8 RealMemory=4096 AllocMem=356 "
    "FreeMem=20828 Sockets=2 Boards=1 State=MIXED ThreadsPerCore=1 Partitions=debug\n"
    "NodeName=vm2 CPUAlloc=0 CPUTot=4 RealMemory=8192 AllocMem=0 State=DOWN+NOT_RESPONDING\n";

static void parses_sbatch_parsable(void **state)
{
        char id[32];
        assert_int_equal(slurm_parse_sbatch("123\n", id, sizeof(id)), 0);
        assert_string_equal(id, "123");
        assert_int_equal(slurm_parse_sbatch("77;cluster\n", id, sizeof(id)), 0);
        assert_string_equal(id, "77");
        assert_int_equal(slurm_parse_sbatch("", id, sizeof(id)), -EINVAL);
        assert_int_equal(slurm_parse_sbatch("Submitted batch job 5\n", id, sizeof(id)), -EINVAL);
        assert_int_equal(slurm_parse_sbatch("12x\n", id, sizeof(id)), -EINVAL);
}

static void parses_squeue_lines(void **state)
{
        struct slurm_queue_line q;
        const char *out = "11|RUNNING|None|vm\n12|PENDING|Resources|\n";
        assert_int_equal(slurm_parse_squeue(out, "12", &q), 0);
        assert_string_equal(q.state, "PENDING");
        assert_string_equal(q.reason, "Resources");
        assert_string_equal(q.nodes, "");
        assert_int_equal(slurm_parse_squeue(out, "11", &q), 0);
        assert_string_equal(q.nodes, "vm");
        /* "1" is not a prefix match of "11" or "12". */
        assert_int_equal(slurm_parse_squeue(out, "1", &q), -ENOENT);
        assert_int_equal(slurm_queue_position("40\n12\n41\n", "12"), 2);
        assert_int_equal(slurm_queue_position("40\n41\n", "12"), 0);
}

static void reads_scontrol_records(void **state)
{
        char v[64];
        int code, sig;
        assert_int_equal(slurm_scontrol_value(scontrol_job, "JobState", v, sizeof(v)), 0);
        assert_string_equal(v, "OUT_OF_MEMORY");
        assert_int_equal(slurm_scontrol_value(scontrol_job, "ExitCode", v, sizeof(v)), 0);
        assert_int_equal(slurm_parse_exit_code(v, &code, &sig), 0);
        assert_int_equal(code, 0);
        assert_int_equal(sig, 125);
        /* "State" is not matched inside "JobState". */
        assert_int_equal(slurm_scontrol_value(scontrol_job, "State", v, sizeof(v)), -ENOENT);
        assert_int_equal(slurm_scontrol_value(scontrol_job, "NodeList", v, sizeof(v)), 0);
        assert_string_equal(v, "vm");
        assert_int_equal(slurm_parse_exit_code("3", &code, &sig), -EINVAL);
}

/* StartTime is local time; a job that never started has none. */
static void parses_start_times(void **state)
{
        uint64_t t = 0;
        struct tm tm = {.tm_year = 126,
                        .tm_mon = 11,
                        .tm_mday = 7,
                        .tm_hour = 4,
                        .tm_min = 52,
                        .tm_sec = 1,
                        .tm_isdst = -1};
        assert_int_equal(slurm_parse_time("2026-12-07T04:52:01", &t), 0);
        assert_true(t == (uint64_t)mktime(&tm) * 1000000u);
        assert_int_equal(slurm_parse_time("Unknown", &t), -EINVAL);
        assert_int_equal(slurm_parse_time("None", &t), -EINVAL);
        assert_int_equal(slurm_parse_time("2026-12-07T04:52:01x", &t), -EINVAL);
}

static void sums_the_cluster(void **state)
{
        struct slurm_cluster c = {0};
        slurm_parse_nodes(scontrol_node, &c);
        slurm_count_states("PENDING\nRUNNING\nPENDING\nCOMPLETED\n", &c);
        assert_int_equal(c.nodes, 2);
        assert_int_equal(c.nodes_up, 1);
        assert_int_equal(c.cpus_total, 6);
        assert_int_equal(c.cpus_alloc, 1);
        assert_int_equal(c.memory_total_mb, 12288);
        assert_int_equal(c.memory_alloc_mb, 356);
        assert_int_equal(c.jobs_pending, 2);
        assert_int_equal(c.jobs_running, 1);
}

static void tells_transient_errors(void **state)
{
        assert_true(slurm_error_unreachable(
            "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n"));
        assert_false(slurm_error_unreachable("slurm_load_jobs error: Invalid job id specified\n"));
        assert_true(slurm_error_invalid_job("slurm_load_jobs error: Invalid job id specified\n"));
        assert_false(slurm_error_unreachable("sbatch: error: invalid partition specified: gpu\n"));
}

static struct slurm_verdict decide(struct slurm_final f)
{
        struct slurm_verdict v;
        slurm_decide(&f, &v);
        return v;
}

static void oom_wins_over_everything(void **state)
{
        /* Slurm's OUT_OF_MEMORY with the shell's exit 0 and no node outcome. */
        struct slurm_verdict v = decide((struct slurm_final){
            .state = "OUT_OF_MEMORY", .exit_code = 0, .signal = 125, .node = "vm"});
        assert_int_equal(v.status, JOB_OOM_KILLED);
        assert_non_null(strstr(v.reason, "OUT_OF_MEMORY on vm"));
        /* A step's OOM while the job itself COMPLETED. */
        v = decide(
            (struct slurm_final){.state = "COMPLETED", .exit_code = 0, .any_step_oom = true});
        assert_int_equal(v.status, JOB_OOM_KILLED);
        /* corral's outcome on the node says oom_killed. */
        v = decide((struct slurm_final){.state = "FAILED",
                                        .exit_code = 137,
                                        .has_node_outcome = true,
                                        .node_status = JOB_OOM_KILLED});
        assert_int_equal(v.status, JOB_OOM_KILLED);
        assert_true(v.use_node_outcome);
}

static void node_outcome_is_the_truth(void **state)
{
        struct slurm_verdict v = decide((struct slurm_final){.state = "FAILED",
                                                             .exit_code = 124,
                                                             .has_node_outcome = true,
                                                             .node_status = JOB_TIMED_OUT});
        assert_int_equal(v.status, JOB_TIMED_OUT);
        v = decide((struct slurm_final){.state = "COMPLETED",
                                        .exit_code = 0,
                                        .has_node_outcome = true,
                                        .node_status = JOB_COMPLETED});
        assert_int_equal(v.status, JOB_COMPLETED);
        assert_string_equal(v.reason, "");
}

static void slurm_states_without_an_outcome(void **state)
{
        struct slurm_verdict v;
        v = decide((struct slurm_final){.state = "CANCELLED", .cancel_requested = true});
        assert_int_equal(v.status, JOB_CANCELLED);
        assert_non_null(strstr(v.reason, "scancel by corral"));
        v = decide((struct slurm_final){.state = "CANCELLED"});
        assert_non_null(strstr(v.reason, "someone other than corral"));
        /* --kill-on-invalid-dep: a failed dependency cancels the job in Slurm. */
        v = decide(
            (struct slurm_final){.state = "CANCELLED", .reason = "DependencyNeverSatisfied"});
        assert_int_equal(v.status, JOB_DEPENDENCY_FAILED);
        v = decide((struct slurm_final){.state = "TIMEOUT"});
        assert_int_equal(v.status, JOB_TIMED_OUT);
        v = decide((struct slurm_final){.state = "NODE_FAIL", .node = "n3", .reason = "NodeDown"});
        assert_int_equal(v.status, JOB_LOST);
        assert_string_equal(v.reason, "Slurm: NODE_FAIL on n3: NodeDown");
        v = decide((struct slurm_final){.state = "BOOT_FAIL"});
        assert_int_equal(v.status, JOB_LOST);
        v = decide((struct slurm_final){.state = "FAILED", .exit_code = 3});
        assert_int_equal(v.status, JOB_FAILED);
        assert_int_equal(v.exit_code, 3);
        v = decide((struct slurm_final){.state = "FAILED", .exit_code = 0, .signal = 11});
        assert_int_equal(v.status, JOB_KILLED);
        assert_int_equal(v.signal, SIGSEGV);
}

static void states_and_reasons(void **state)
{
        char buf[256];
        assert_true(slurm_state_is_terminal("OUT_OF_MEMORY"));
        assert_false(slurm_state_is_terminal("COMPLETING"));
        assert_false(slurm_state_is_terminal("RUNNING"));
        assert_true(slurm_state_is_pending("PENDING"));
        slurm_reason_words("Resources", buf, sizeof(buf));
        assert_string_equal(
            buf, "Slurm: waiting for resources: the nodes it fits on are busy (Resources)");
        slurm_reason_words("QOSMaxJobsPerUserLimit", buf, sizeof(buf));
        assert_non_null(strstr(buf, "per user"));
        slurm_reason_words("QOSGrpGRES", buf, sizeof(buf));
        assert_non_null(strstr(buf, "a limit of its QOS"));
        slurm_reason_words("SomethingNew", buf, sizeof(buf));
        assert_string_equal(buf, "Slurm: waiting (SomethingNew)");
}

static void executor_settings_round_trip(void **state)
{
        char dir[] = "/tmp/corral-unit-exec.XXXXXX";
        assert_non_null(mkdtemp(dir));
        char err[256];
        struct executor_settings s, got;
        executor_settings_init(&s);
        assert_int_equal(executor_load(dir, &got, err, sizeof(err)), 0);
        assert_int_equal(got.kind, EXECUTOR_LOCAL);
        assert_int_equal(executor_parse_option(&s, "--executor", "slurm", err, sizeof(err)), 1);
        assert_int_equal(
            executor_parse_option(&s, "--slurm-partition=debug", NULL, err, sizeof(err)), 1);
        assert_int_equal(executor_parse_option(&s, "--memory", "1G", err, sizeof(err)), 0);
        assert_int_equal(executor_parse_option(&s, "--executor", "pbs", err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "local or slurm"));
        assert_int_equal(executor_parse_option(&s, "--slurm-qos", "a b", err, sizeof(err)),
                         -EINVAL);
        assert_int_equal(executor_store(dir, &s), 0);
        assert_int_equal(executor_load(dir, &got, err, sizeof(err)), 0);
        assert_int_equal(got.kind, EXECUTOR_SLURM);
        assert_string_equal(got.partition, "debug");
        assert_false(got.per_job);
        /* A later store of one field keeps the others. */
        executor_settings_init(&s);
        assert_int_equal(executor_parse_option(&s, "--executor-per-job", "yes", err, sizeof(err)),
                         1);
        assert_int_equal(executor_store(dir, &s), 0);
        assert_int_equal(executor_load(dir, &got, err, sizeof(err)), 0);
        assert_int_equal(got.kind, EXECUTOR_SLURM);
        assert_true(got.per_job);
        assert_string_equal(got.partition, "debug");
        char path[512];
        snprintf(path, sizeof(path), "%s/governor/executor.conf", dir);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fputs("executor = slurm\nbogus = 1\n", f);
        fclose(f);
        assert_int_equal(executor_load(dir, &got, err, sizeof(err)), -EINVAL);
        assert_non_null(strstr(err, "line 2"));
        unlink(path);
        snprintf(path, sizeof(path), "%s/governor", dir);
        rmdir(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(parses_sbatch_parsable),
            cmocka_unit_test(parses_squeue_lines),
            cmocka_unit_test(reads_scontrol_records),
            cmocka_unit_test(parses_start_times),
            cmocka_unit_test(sums_the_cluster),
            cmocka_unit_test(tells_transient_errors),
            cmocka_unit_test(oom_wins_over_everything),
            cmocka_unit_test(node_outcome_is_the_truth),
            cmocka_unit_test(slurm_states_without_an_outcome),
            cmocka_unit_test(states_and_reasons),
            cmocka_unit_test(executor_settings_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
