/* Unit tests for the compiled-program cache of policy.c: the same text gives
 * the same program from the cache, a changed text is compiled anew, and a
 * damaged cache entry is never used. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <linux/filter.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy.h"

static char dir[] = "/tmp/corral-test-policy-cache.XXXXXX";
static char cache[256], file[256];

static int count_entries(void)
{
        int n = 0;
        DIR *d = opendir(cache);
        struct dirent *de;
        while (d && (de = readdir(d)))
                if (strstr(de->d_name, ".bpf") && de->d_name[0] != '.')
                        n++;
        if (d)
                closedir(d);
        return n;
}

static void write_policy(const char *text)
{
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static bool same_program(const struct sock_fprog *a, const struct sock_fprog *b)
{
        return a->len == b->len && memcmp(a->filter, b->filter, a->len * sizeof(*a->filter)) == 0;
}

static void cache_hits_and_misses(void **state)
{
        char err[256];
        struct policy *compiled = NULL, *cached = NULL, *plain = NULL, *other = NULL;
        write_policy("default allow\nerrno(EPERM) ptrace\nkill kexec_load\n");
        assert_int_equal(policy_load(file, NULL, &plain, err, sizeof(err)), 0);
        assert_int_equal(policy_load_cached(file, NULL, cache, &compiled, err, sizeof(err)), 0);
        assert_int_equal(count_entries(), 1);
        assert_int_equal(policy_load_cached(file, NULL, cache, &cached, err, sizeof(err)), 0);
        assert_int_equal(count_entries(), 1);
        /* From the cache: exactly what compiling gives. */
        assert_true(same_program(policy_bpf(cached), policy_bpf(plain)));
        assert_true(same_program(policy_bpf_notify(cached), policy_bpf_notify(plain)));
        assert_true(same_program(policy_bpf(cached), policy_bpf(compiled)));

        /* An edited policy is a new entry, and a different program. */
        write_policy("default allow\nerrno(EPERM) ptrace, bpf\nkill kexec_load\n");
        assert_int_equal(policy_load_cached(file, NULL, cache, &other, err, sizeof(err)), 0);
        assert_int_equal(count_entries(), 2);
        assert_false(same_program(policy_bpf(other), policy_bpf(plain)));

        /* Errors are still found: a text that fails is never cached. */
        struct policy *bad = NULL;
        write_policy("default allow\nerrno(EPERM) no_such_syscall\n");
        assert_true(policy_load_cached(file, NULL, cache, &bad, err, sizeof(err)) < 0);
        assert_non_null(strstr(err, ":2:"));
        policy_free(compiled);
        policy_free(cached);
        policy_free(plain);
        policy_free(other);
}

/* The lookup follows includes: an edited included file is a new program,
 * even though the including file did not change. */
static void edited_include_is_recompiled(void **state)
{
        char err[256], inc[300];
        struct policy *a = NULL, *b = NULL, *c = NULL;
        snprintf(inc, sizeof(inc), "%s/extra.policy", dir);
        FILE *f = fopen(inc, "w");
        assert_non_null(f);
        fputs("errno(EPERM) ptrace\n", f);
        fclose(f);
        write_policy("default allow\ninclude extra\n");
        assert_int_equal(policy_load_cached(file, NULL, cache, &a, err, sizeof(err)), 0);
        f = fopen(inc, "w");
        assert_non_null(f);
        fputs("errno(EPERM) ptrace, bpf\n", f);
        fclose(f);
        assert_int_equal(policy_load_cached(file, NULL, cache, &b, err, sizeof(err)), 0);
        assert_false(same_program(policy_bpf(a), policy_bpf(b)));
        /* ... and the same texts again come back as the same program. */
        assert_int_equal(policy_load_cached(file, NULL, cache, &c, err, sizeof(err)), 0);
        assert_true(same_program(policy_bpf(b), policy_bpf(c)));
        /* An include that disappears is an error, not a stale hit. */
        struct policy *gone = NULL;
        assert_int_equal(unlink(inc), 0);
        assert_true(policy_load_cached(file, NULL, cache, &gone, err, sizeof(err)) < 0);
        assert_non_null(strstr(err, "extra"));
        policy_free(a);
        policy_free(b);
        policy_free(c);
}

static void damaged_entry_is_recompiled(void **state)
{
        char err[256], path[512];
        struct policy *a = NULL, *b = NULL;
        write_policy("default allow\nerrno(EPERM) ptrace\n");
        assert_int_equal(policy_load_cached(file, NULL, cache, &a, err, sizeof(err)), 0);
        /* Truncate every entry: the next load must compile again, not trust it. */
        DIR *d = opendir(cache);
        struct dirent *de;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.') {
                        snprintf(path, sizeof(path), "%s/%s", cache, de->d_name);
                        FILE *f = fopen(path, "w");
                        fputs("junk", f);
                        fclose(f);
                }
        closedir(d);
        assert_int_equal(policy_load_cached(file, NULL, cache, &b, err, sizeof(err)), 0);
        assert_true(same_program(policy_bpf(a), policy_bpf(b)));
        policy_free(a);
        policy_free(b);
}

static int setup(void **state)
{
        if (!mkdtemp(dir))
                return -1;
        snprintf(cache, sizeof(cache), "%s/cache", dir);
        snprintf(file, sizeof(file), "%s/test.policy", dir);
        return 0;
}

static int teardown(void **state)
{
        char cmd[512];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(cache_hits_and_misses),
            cmocka_unit_test(edited_include_is_recompiled),
            cmocka_unit_test(damaged_entry_is_recompiled),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
