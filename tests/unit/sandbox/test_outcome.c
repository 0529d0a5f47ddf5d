/* Unit tests for outcome.c: the classification rules and the JSON keys. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "outcome.h"

#define EXITED(code)  ((code) << 8)
#define SIGNALED(sig) (sig)

static struct outcome classify(int wait_status, uint64_t oom_kills, uint64_t own, bool timed_out,
                               bool cancelled)
{
        struct outcome o = {.timed_out = timed_out, .cancelled = cancelled};
        o.stats.oom_kills = oom_kills;
        o.stats.oom_own_limit = own;
        o.stats.oom_own_known = true;
        outcome_classify(&o, wait_status);
        return o;
}

static void exit_codes(void **state)
{
        struct outcome o = classify(EXITED(0), 0, 0, false, false);
        assert_int_equal(o.status, JOB_COMPLETED);
        assert_int_equal(o.exit_code, 0);
        o = classify(EXITED(3), 0, 0, false, false);
        assert_int_equal(o.status, JOB_FAILED);
        assert_int_equal(o.exit_code, 3);
        assert_int_equal(o.signal, 0);
}

static void oom_wins_over_exit_status(void **state)
{
        /* sh -c 'hog; exit 0': exit 0 but the counter rose. */
        struct outcome o = classify(EXITED(0), 1, 1, false, false);
        assert_int_equal(o.status, JOB_OOM_KILLED);
        assert_int_equal(o.oom_cause, OOM_CAUSE_OWN_LIMIT);
        o = classify(SIGNALED(SIGKILL), 1, 0, false, false);
        assert_int_equal(o.status, JOB_OOM_KILLED);
        assert_int_equal(o.oom_cause, OOM_CAUSE_ANCESTOR_OR_HOST);
        assert_int_equal(o.exit_code, -1);
        assert_int_equal(o.signal, SIGKILL);
}

static void corral_kills_are_named_for_why(void **state)
{
        struct outcome o = classify(SIGNALED(SIGKILL), 0, 0, true, false);
        assert_int_equal(o.status, JOB_TIMED_OUT);
        o = classify(SIGNALED(SIGTERM), 0, 0, false, true);
        assert_int_equal(o.status, JOB_CANCELLED);
        /* A cancel that found the job already over its time stays a cancel. */
        o = classify(SIGNALED(SIGKILL), 0, 0, true, true);
        assert_int_equal(o.status, JOB_CANCELLED);
}

static void signals(void **state)
{
        struct outcome o = classify(SIGNALED(SIGSEGV), 0, 0, false, false);
        assert_int_equal(o.status, JOB_KILLED);
        assert_string_equal(signal_to_name(o.signal), "SIGSEGV");
        /* SIGSYS is evidence, not proof: a job can raise it itself. */
        o = classify(SIGNALED(SIGSYS), 0, 0, false, false);
        assert_int_equal(o.status, JOB_KILLED);
        assert_string_equal(signal_to_name(o.signal), "SIGSYS");
}

static void seccomp_needs_the_supervisors_proof(void **state)
{
        /* The supervisor saw a kill-action syscall and killed the group. */
        struct outcome o = {.seccomp_killed = true};
        snprintf(o.seccomp_syscall, sizeof(o.seccomp_syscall), "init_module");
        outcome_classify(&o, SIGNALED(SIGKILL));
        assert_int_equal(o.status, JOB_SECCOMP_VIOLATION);
        char buf[128];
        outcome_summary(&o, buf, sizeof(buf));
        assert_string_equal(buf, "seccomp_violation: system call init_module denied");
        cJSON *j = outcome_to_json(&o);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "seccomp_syscall")->valuestring,
                            "init_module");
        cJSON_Delete(j);
}

static void denials_are_counted_by_name(void **state)
{
        struct outcome o = {0};
        outcome_add_denial(&o, "ptrace");
        outcome_add_denial(&o, "bpf");
        outcome_add_denial(&o, "ptrace");
        outcome_classify(&o, EXITED(0));
        assert_int_equal(o.status, JOB_COMPLETED);
        cJSON *j = outcome_to_json(&o);
        cJSON *a = cJSON_GetObjectItemCaseSensitive(j, "denied_syscalls");
        assert_int_equal(cJSON_GetArraySize(a), 2);
        cJSON *first = cJSON_GetArrayItem(a, 0);
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(first, "name")->valuestring, "ptrace");
        assert_int_equal(cJSON_GetObjectItemCaseSensitive(first, "count")->valueint, 2);
        cJSON_Delete(j);

        /* Past the table's size every denial is still counted, under "(other)". */
        struct outcome many = {0};
        char name[16];
        for (int i = 0; i < OUTCOME_MAX_DENIALS + 5; i++) {
                snprintf(name, sizeof(name), "s%d", i);
                outcome_add_denial(&many, name);
        }
        assert_int_equal(many.n_denied, OUTCOME_MAX_DENIALS);
        assert_string_equal(many.denied[OUTCOME_MAX_DENIALS - 1].name, "(other)");
        assert_int_equal(many.denied[OUTCOME_MAX_DENIALS - 1].count, 6);
        assert_string_equal(many.denied[OUTCOME_MAX_DENIALS - 2].name, "s30");
}

static void json_has_the_documented_keys(void **state)
{
        struct outcome o = classify(EXITED(0), 1, 1, false, false);
        o.memory_limit_bytes = 32 << 20;
        o.stats.memory_peak_bytes = 32 << 20;
        cJSON *j = outcome_to_json(&o);
        assert_non_null(j);
        const char *keys[] = {"status",
                              "exit_code",
                              "signal",
                              "oom_kills",
                              "oom_cause",
                              "memory_peak_bytes",
                              "cpu_usage_usec",
                              "wall_ms",
                              "memory_limit_bytes",
                              "cpu_throttled_usec",
                              "denied_syscalls"};
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                assert_non_null(cJSON_GetObjectItemCaseSensitive(j, keys[i]));
        assert_string_equal(cJSON_GetObjectItemCaseSensitive(j, "status")->valuestring,
                            "oom_killed");
        assert_true(cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(j, "signal")));
        cJSON_Delete(j);
        char buf[128];
        outcome_summary(&o, buf, sizeof(buf));
        assert_string_equal(buf, "oom_killed: 32 MiB limit, peak 32 MiB, the job's own limit");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(exit_codes),
            cmocka_unit_test(oom_wins_over_exit_status),
            cmocka_unit_test(corral_kills_are_named_for_why),
            cmocka_unit_test(signals),
            cmocka_unit_test(seccomp_needs_the_supervisors_proof),
            cmocka_unit_test(denials_are_counted_by_name),
            cmocka_unit_test(json_has_the_documented_keys),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
