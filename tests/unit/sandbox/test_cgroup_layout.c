/* Unit tests for the v1 layout detection of cgroup.c: the usual layout (each
 * hierarchy at /sys/fs/cgroup/<its controllers>) is found from
 * /proc/self/cgroup without the mount table, anything else from
 * /proc/self/mountinfo.  On this host's real hierarchies, bound in a private
 * mount namespace (a child process's) under a directory passed as the root:
 * under the usual names with the mount table hidden (found all the same:
 * the mount table was not needed), under other names (found through the
 * mount table; with it hidden, none), and a hierarchy under another
 * controller's name (refused by its files, found where it really is).
 * cpu and cpuacct mounted together cannot be made here (this host mounts
 * them apart): the VM lane's vm-hybrid/hybrid covers that layout. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"

static const char *const names[] = {"memory", "cpu", "cpuacct", "pids", "freezer"};

/* This host's v1 mount of each controller, as corral finds it. */
static struct cg_layout *host;

static int setup(void **state)
{
        (void)state;
        if (cg_layout_detect(NULL, &host) < 0)
                return -1;
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        cg_layout_free(host);
        return 0;
}

static void need_v1(void)
{
        if (host->version != CG_V1)
                skip(); /* a pure v2 host has no v1 layout; the VM lanes cover both */
}

/* The host's mount of controller c: found in /proc/self/mountinfo by the test
 * itself, the reference the detection is held to. */
static void mount_table_entry(const char *controller, char *buf, size_t len)
{
        FILE *f = fopen("/proc/self/mountinfo", "re");
        assert_non_null(f);
        char line[4096];
        buf[0] = 0;
        while (!buf[0] && fgets(line, sizeof(line), f)) {
                char mnt[1024], fstype[64], opts[1024];
                char *dash = strstr(line, " - ");
                if (!dash || sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
                    sscanf(dash + 3, "%63s %*s %1023s", fstype, opts) != 2 ||
                    strcmp(fstype, "cgroup") != 0)
                        continue;
                for (char *save = NULL, *t = strtok_r(opts, ",", &save); t;
                     t = strtok_r(NULL, ",", &save))
                        if (strcmp(t, controller) == 0)
                                snprintf(buf, len, "%s", mnt);
        }
        fclose(f);
}

static void host_layout_is_the_mount_tables(void **state)
{
        (void)state;
        need_v1();
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++) {
                char want[1024];
                mount_table_entry(names[c], want, sizeof(want));
                if (!want[0]) {
                        assert_false(host->available[c]);
                        continue;
                }
                assert_true(host->available[c]);
                assert_string_equal(host->v1_mount[c], want);
                assert_non_null(host->v1_self[c]);
        }
}

/* In a child with a mount namespace of its own: a tmpfs on root, each named
 * directory a bind of the host hierarchy of the controller given (NULL: none),
 * /proc/self/mountinfo hidden under /dev/null when hide_table; then the
 * detection under root must give want[c] for each controller (NULL: not
 * found).  The child's exit status says which check failed. */
struct bind {
        const char *dir;        /* under root */
        enum cg_controller src; /* whose host hierarchy is bound there */
};

static int child_detect(const char *root, const struct bind *binds, size_t n, bool hide_table,
                        const char *const want[_CG_CONTROLLER_MAX])
{
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("tmpfs", root, "tmpfs", 0, "mode=0755") < 0)
                return 100;
        char path[1024];
        for (size_t i = 0; i < n; i++) {
                snprintf(path, sizeof(path), "%s/%s", root, binds[i].dir);
                if (mkdir(path, 0755) < 0 ||
                    mount(host->v1_mount[binds[i].src], path, NULL, MS_BIND, NULL) < 0)
                        return 101;
        }
        if (hide_table) {
                snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)getpid());
                if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0)
                        return 102;
        }
        struct cg_layout *l = NULL;
        if (cg_layout_detect(root, &l) < 0)
                return 103;
        int bad = 0;
        for (int c = 0; c < _CG_CONTROLLER_MAX && !bad; c++) {
                if (!want[c]) {
                        if (l->available[c])
                                bad = 110 + c;
                        continue;
                }
                snprintf(path, sizeof(path), "%s/%s", root, want[c]);
                if (!l->available[c] || !l->v1_mount[c] || strcmp(l->v1_mount[c], path) != 0)
                        bad = 120 + c;
        }
        if (bad)
                fprintf(stderr, "controller %d: found %s\n", bad % 10,
                        l->v1_mount[bad % 10] ? l->v1_mount[bad % 10] : "(none)");
        cg_layout_free(l);
        return bad;
}

static void run_in_child(const struct bind *binds, size_t n, bool hide_table,
                         const char *const want[_CG_CONTROLLER_MAX])
{
        char root[] = "/tmp/corral-test-layout.XXXXXX";
        assert_non_null(mkdtemp(root));
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0)
                _exit(child_detect(root, binds, n, hide_table, want));
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        rmdir(root);
        assert_true(WIFEXITED(status));
        if (WEXITSTATUS(status) != 0)
                fail_msg("child check failed with %d (100-103: setup; 11x: found a controller "
                         "that is not there; 12x: controller x not found where bound)",
                         WEXITSTATUS(status));
}

static void need_all(void)
{
        need_v1();
        for (int c = 0; c < _CG_CONTROLLER_MAX; c++)
                if (!host->available[c] || strchr(host->v1_mount[c] + 1, ','))
                        fail_msg("this test needs every controller mounted alone (%s)", names[c]);
}

static void usual_names_need_no_mount_table(void **state)
{
        (void)state;
        need_all();
        const struct bind b[] = {{"memory", CG_MEMORY},
                                 {"cpu", CG_CPU},
                                 {"cpuacct", CG_CPUACCT},
                                 {"pids", CG_PIDS},
                                 {"freezer", CG_FREEZER}};
        const char *const want[_CG_CONTROLLER_MAX] = {"memory", "cpu", "cpuacct", "pids",
                                                      "freezer"};
        run_in_child(b, 5, true, want);  /* the table hidden: found all the same */
        run_in_child(b, 5, false, want); /* and with it, the same */
}

static void other_names_from_the_mount_table(void **state)
{
        (void)state;
        need_all();
        const struct bind b[] = {{"mem", CG_MEMORY},
                                 {"cpu", CG_CPU},
                                 {"acct", CG_CPUACCT},
                                 {"pids", CG_PIDS},
                                 {"frz", CG_FREEZER}};
        const char *const want[_CG_CONTROLLER_MAX] = {"mem", "cpu", "acct", "pids", "frz"};
        run_in_child(b, 5, false, want);
        /* With the table hidden nothing says where "mem" and the others are:
         * the usual layout is all or nothing, and nothing is found. */
        const char *const hidden[_CG_CONTROLLER_MAX] = {NULL};
        run_in_child(b, 5, true, hidden);
}

static void a_hierarchy_under_another_name_is_refused(void **state)
{
        (void)state;
        need_all();
        /* The pids hierarchy where memory's would be: its root lacks
         * memory.limit_in_bytes, so the mount table decides, and memory is
         * where it really is.  pids is bound at its own name first: the
         * table's first mount of a controller is the one taken. */
        const struct bind b[] = {
            {"pids", CG_PIDS}, {"memory", CG_PIDS},     {"real-memory", CG_MEMORY},
            {"cpu", CG_CPU},   {"cpuacct", CG_CPUACCT}, {"freezer", CG_FREEZER},
        };
        const char *const want[_CG_CONTROLLER_MAX] = {"real-memory", "cpu", "cpuacct", "pids",
                                                      "freezer"};
        run_in_child(b, 6, false, want);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(host_layout_is_the_mount_tables),
            cmocka_unit_test(usual_names_need_no_mount_table),
            cmocka_unit_test(other_names_from_the_mount_table),
            cmocka_unit_test(a_hierarchy_under_another_name_is_refused),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
