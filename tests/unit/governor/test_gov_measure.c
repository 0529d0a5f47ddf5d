/* Unit tests for gov-measure.c against fixture roots (tests/fixtures/gov/<scenario>):
 * host states this machine cannot be put in on demand, and the cgroup layouts of
 * limited containers (v1 as on this host, v2 with a tighter ancestor, v2 seen
 * through a subtree mount).  CPU tests copy a fixture and rewrite its counters
 * between two samples with an injected clock. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gov-measure.h"
#include "gov-test-util.h"

static void host_at_rest(void **state)
{
        struct gov_measurements r = gov_test_measure("host-normal");
        assert_true(r.memory.known);
        assert_int_equal(r.memory.source, GOV_SOURCE_HOST);
        assert_string_equal(r.memory.source_path, "/proc/meminfo");
        assert_int_equal(r.memory.total_bytes, 16 * GIB);
        assert_int_equal(r.memory.available_bytes, 12 * GIB);
        assert_int_equal(r.memory.used_bytes, 4 * GIB);
        assert_float_equal(r.memory.used_percent, 25.0, 1e-9);
        /* One read, no samples: CPU is not known yet, capacity is. */
        assert_false(r.cpu.known);
        assert_int_equal(r.cpu.host_cores, 4);
        assert_float_equal(r.cpu.cores, 4.0, 1e-9);
        assert_int_equal(r.cpu.source, GOV_SOURCE_HOST);
        assert_true(r.pressure[GOV_PSI_CPU].known);
        assert_float_equal(r.pressure[GOV_PSI_CPU].some_avg10, 1.2, 1e-9);
        assert_float_equal(r.pressure[GOV_PSI_IO].some_avg10, 0.5, 1e-9);
}

static void host_memory_91(void **state)
{
        struct gov_measurements r = gov_test_measure("host-memory-91");
        assert_int_equal(r.memory.source, GOV_SOURCE_HOST);
        assert_true(r.memory.used_percent > 90.99 && r.memory.used_percent < 91.01);
}

static void no_psi_is_not_an_error(void **state)
{
        struct gov_measurements r = gov_test_measure("no-psi");
        for (int i = 0; i < _GOV_PSI_MAX; i++)
                assert_false(r.pressure[i].known);
        assert_true(r.memory.known);
}

static void psi_high(void **state)
{
        struct gov_measurements r = gov_test_measure("psi-high");
        assert_true(r.pressure[GOV_PSI_MEMORY].known);
        assert_float_equal(r.pressure[GOV_PSI_MEMORY].some_avg10, 23.5, 1e-9);
        assert_true(r.pressure[GOV_PSI_MEMORY].full_known);
        assert_float_equal(r.pressure[GOV_PSI_MEMORY].full_avg10, 10.25, 1e-9);
        /* Kernels before 5.13 print no "full" line for cpu. */
        assert_true(r.pressure[GOV_PSI_CPU].known);
        assert_false(r.pressure[GOV_PSI_CPU].full_known);
}

static void cgroup_v1_limited(void **state)
{
        struct gov_measurements r = gov_test_measure("cgroup-v1-limited");
        /* The group's 4 GiB (not its parent's 8 GiB, not the host's 16 GiB). */
        assert_int_equal(r.memory.source, GOV_SOURCE_CGROUP_V1);
        assert_string_equal(r.memory.source_path, "/sys/fs/cgroup/memory/process_api/abc123");
        assert_int_equal(r.memory.total_bytes, 4 * GIB);
        /* usage 3.1 GiB minus 100 MiB of inactive file cache. */
        assert_int_equal(r.memory.used_bytes, 3 * GIB);
        assert_int_equal(r.memory.available_bytes, 1 * GIB);
        assert_float_equal(r.memory.used_percent, 75.0, 1e-9);
        assert_int_equal(r.memory.host_total_bytes, 16 * GIB);
        assert_int_equal(r.cpu.source, GOV_SOURCE_CGROUP_V1);
        assert_string_equal(r.cpu.source_path, "/sys/fs/cgroup/cpu/process_api/abc123");
        assert_float_equal(r.cpu.cores, 1.5, 1e-9);
        assert_int_equal(r.cpu.host_cores, 4);
}

static void cgroup_v1_unlimited_is_the_host(void **state)
{
        struct gov_measurements r = gov_test_measure("cgroup-v1-unlimited");
        assert_int_equal(r.memory.source, GOV_SOURCE_HOST);
        assert_int_equal(r.memory.total_bytes, 24684084ull * 1024);
        assert_int_equal(r.cpu.source, GOV_SOURCE_HOST);
        assert_float_equal(r.cpu.cores, 4.0, 1e-9);
}

static void cgroup_v2_tighter_ancestor(void **state)
{
        struct gov_measurements r = gov_test_measure("cgroup-v2-limited");
        /* box.scope allows 2 GiB but machine.slice above it only 1 GiB. */
        assert_int_equal(r.memory.source, GOV_SOURCE_CGROUP_V2);
        assert_string_equal(r.memory.source_path, "/sys/fs/cgroup/machine.slice");
        assert_int_equal(r.memory.total_bytes, 1 * GIB);
        assert_int_equal(r.memory.used_bytes, 850 * MIB);
        assert_int_equal(r.cpu.source, GOV_SOURCE_CGROUP_V2);
        assert_string_equal(r.cpu.source_path, "/sys/fs/cgroup/machine.slice/box.scope");
        assert_float_equal(r.cpu.cores, 0.5, 1e-9);
}

static void cgroup_v2_subtree_mount(void **state)
{
        struct gov_measurements r = gov_test_measure("cgroup-v2-subtree");
        assert_int_equal(r.memory.source, GOV_SOURCE_CGROUP_V2);
        assert_string_equal(r.memory.source_path, "/sys/fs/cgroup");
        assert_int_equal(r.memory.total_bytes, 512 * MIB);
        assert_float_equal(r.memory.used_percent, 50.0, 1e-9);
        /* cpu.max "max": not limited. */
        assert_int_equal(r.cpu.source, GOV_SOURCE_HOST);
}

static void missing_root_and_meminfo(void **state)
{
        struct gov_measure *m = NULL;
        assert_int_equal(gov_measure_new("/nonexistent/corral-root", &m), -ENOENT);
        char tmp[] = "/tmp/corral-gov-empty.XXXXXX";
        assert_non_null(mkdtemp(tmp));
        assert_int_equal(gov_measure_new(tmp, &m), 0);
        struct gov_measurements r;
        assert_int_equal(gov_measure_read(m, &r), -ENOENT);
        assert_int_equal(gov_measure_sample(m, 1), -ENOENT);
        gov_measure_free(m);
        rmdir(tmp);
}

/* A private copy of a fixture whose counters a test may rewrite. */
static char *copy_fixture(const char *scenario)
{
        char *tmp = strdup("/tmp/corral-gov-root.XXXXXX");
        assert_non_null(mkdtemp(tmp));
        char cmd[1024];
        char src[512];
        snprintf(cmd, sizeof(cmd), "cp -a '%s/.' '%s/'",
                 gov_test_fixture_root(src, sizeof(src), scenario), tmp);
        assert_int_equal(system(cmd), 0);
        return tmp;
}

static void remove_tree(char *dir)
{
        char cmd[600];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        free(dir);
}

static void write_at(const char *root, const char *path, const char *text)
{
        char p[1024];
        snprintf(p, sizeof(p), "%s/%s", root, path);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
}

/* user nice system idle iowait irq softirq steal */
static void write_stat(const char *root, unsigned long long busy, unsigned long long idle)
{
        char buf[256];
        snprintf(buf, sizeof(buf),
                 "cpu  %llu 0 0 %llu 0 0 0 0 0 0\ncpu0 0 0 0 0 0 0 0 0 0 0\n"
                 "cpu1 0 0 0 0 0 0 0 0 0 0\n",
                 busy, idle);
        write_at(root, "proc/stat", buf);
}

static void cpu_from_stat_deltas(void **state)
{
        char *root = copy_fixture("host-normal");
        struct gov_measure *m = NULL;
        struct gov_measurements r;
        assert_int_equal(gov_measure_new(root, &m), 0);
        write_stat(root, 1000, 1000);
        assert_int_equal(gov_measure_sample(m, 1000000), 0);
        assert_int_equal(gov_measure_read(m, &r), 0);
        assert_false(r.cpu.known);    /* one sample is not a rate */
        write_stat(root, 1300, 1100); /* +300 busy of +400 */
        assert_int_equal(gov_measure_sample(m, 2000000), 0);
        assert_int_equal(gov_measure_read(m, &r), 0);
        assert_true(r.cpu.known);
        assert_float_equal(r.cpu.used_percent, 75.0, 1e-9);
        assert_int_equal(r.cpu.window_usec, 1000000);
        assert_int_equal(r.cpu.host_cores, 2);
        gov_measure_free(m);
        remove_tree(root);
}

static void cpu_window_slides(void **state)
{
        char *root = copy_fixture("host-normal");
        struct gov_measure *m = NULL;
        struct gov_measurements r;
        assert_int_equal(gov_measure_new(root, &m), 0);
        /* 20 s fully busy, then 10 s idle: a 10 s window sees only the idle part
         * (plus the one sample kept from just before it). */
        unsigned long long busy = 0, idle = 0;
        for (int t = 1; t <= 30; t++) {
                if (t <= 20)
                        busy += 100;
                else
                        idle += 100;
                write_stat(root, busy, idle);
                assert_int_equal(gov_measure_sample(m, (uint64_t)t * 1000000), 0);
        }
        assert_int_equal(gov_measure_read(m, &r), 0);
        assert_true(r.cpu.known);
        assert_int_equal(r.cpu.window_usec, 10000000);
        assert_float_equal(r.cpu.used_percent, 0.0, 1e-9);
        /* Now busy again for 5 s: half the window. */
        for (int t = 31; t <= 35; t++) {
                busy += 100;
                write_stat(root, busy, idle);
                assert_int_equal(gov_measure_sample(m, (uint64_t)t * 1000000), 0);
        }
        assert_int_equal(gov_measure_read(m, &r), 0);
        assert_float_equal(r.cpu.used_percent, 50.0, 1e-9);
        gov_measure_free(m);
        remove_tree(root);
}

static void cpu_of_a_limited_v1_group(void **state)
{
        char *root = copy_fixture("cgroup-v1-limited");
        struct gov_measure *m = NULL;
        struct gov_measurements r;
        assert_int_equal(gov_measure_new(root, &m), 0);
        const char *acct = "sys/fs/cgroup/cpuacct/process_api/abc123/cpuacct.usage";
        write_at(root, acct, "5000000000\n");
        assert_int_equal(gov_measure_sample(m, 1000000), 0);
        /* 1.2 s of CPU in 1 s under a 1.5-core quota: 80%, whatever the host does. */
        write_at(root, acct, "6200000000\n");
        assert_int_equal(gov_measure_sample(m, 2000000), 0);
        assert_int_equal(gov_measure_read(m, &r), 0);
        assert_true(r.cpu.known);
        assert_int_equal(r.cpu.source, GOV_SOURCE_CGROUP_V1);
        assert_float_equal(r.cpu.used_percent, 80.0, 1e-6);
        gov_measure_free(m);
        remove_tree(root);
}

static void cpu_of_a_limited_v2_group(void **state)
{
        char *root = copy_fixture("cgroup-v2-limited");
        struct gov_measure *m = NULL;
        struct gov_measurements r;
        const char *stat = "sys/fs/cgroup/machine.slice/box.scope/cpu.stat";
        assert_int_equal(gov_measure_new(root, &m), 0);
        assert_int_equal(gov_measure_sample(m, 1000000), 0);
        write_at(root, stat, "usage_usec 7450000\nuser_usec 5000000\n");
        assert_int_equal(gov_measure_sample(m, 2000000), 0);
        assert_int_equal(gov_measure_read(m, &r), 0);
        assert_true(r.cpu.known);
        assert_int_equal(r.cpu.source, GOV_SOURCE_CGROUP_V2);
        assert_float_equal(r.cpu.used_percent, 90.0, 1e-6);
        gov_measure_free(m);
        remove_tree(root);
}

static void a_full_host_bounds_a_limited_group(void **state)
{
        /* The group has 1 GiB of its 4 GiB left, but the host only 512 MiB. */
        char *root = copy_fixture("cgroup-v1-limited");
        write_at(root, "proc/meminfo", "MemTotal: 16777216 kB\nMemAvailable: 524288 kB\n");
        struct gov_measure *m = NULL;
        struct gov_measurements r;
        assert_int_equal(gov_measure_new(root, &m), 0);
        assert_int_equal(gov_measure_read(m, &r), 0);
        assert_int_equal(r.memory.source, GOV_SOURCE_CGROUP_V1);
        assert_int_equal(r.memory.total_bytes, 4 * GIB);
        assert_int_equal(r.memory.available_bytes, 512 * MIB);
        assert_float_equal(r.memory.used_percent, 87.5, 1e-9);
        gov_measure_free(m);
        remove_tree(root);
}

static void this_host(void **state)
{
        /* The real /: whatever the figures, they are consistent. */
        struct gov_measure *m = NULL;
        struct gov_measurements r;
        assert_int_equal(gov_measure_new(NULL, &m), 0);
        assert_int_equal(gov_measure_oneshot(m, 200000, &r), 0);
        assert_true(r.memory.known);
        assert_true(r.memory.used_percent >= 0.0 && r.memory.used_percent <= 100.0);
        assert_true(r.memory.total_bytes <= r.memory.host_total_bytes);
        assert_true(r.cpu.known);
        assert_true(r.cpu.used_percent >= 0.0 && r.cpu.used_percent <= 100.0);
        assert_true(r.cpu.cores > 0.0);
        gov_measure_free(m);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(host_at_rest),
            cmocka_unit_test(host_memory_91),
            cmocka_unit_test(no_psi_is_not_an_error),
            cmocka_unit_test(psi_high),
            cmocka_unit_test(cgroup_v1_limited),
            cmocka_unit_test(cgroup_v1_unlimited_is_the_host),
            cmocka_unit_test(cgroup_v2_tighter_ancestor),
            cmocka_unit_test(cgroup_v2_subtree_mount),
            cmocka_unit_test(missing_root_and_meminfo),
            cmocka_unit_test(cpu_from_stat_deltas),
            cmocka_unit_test(cpu_window_slides),
            cmocka_unit_test(cpu_of_a_limited_v1_group),
            cmocka_unit_test(cpu_of_a_limited_v2_group),
            cmocka_unit_test(a_full_host_bounds_a_limited_group),
            cmocka_unit_test(this_host),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
