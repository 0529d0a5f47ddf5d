/* cmd-doctor.c - `corral doctor`: the cgroup layout, each controller's state,
 * whether limits can be enforced, whether a sandbox without root can be built
 * (user namespaces, a delegated scope from systemd), and what to do when not. */
#include "cleanup.h"
#include "commands.h"
#include "log.h"

#include "cgroup.h"
#include "sandbox-setup.h"
#include "subid.h"
#include "systemd-scope.h"
#include "userns-check.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
        enum cg_controller c;
        const char *limit;
        const char *fix_v1;
        const char *fix_v2;
} needs[] = {
    {CG_MEMORY, "--memory", "mount the v1 memory controller",
     "enable +memory in the parent group's cgroup.subtree_control"},
    {CG_CPU, "--cpus", "mount the v1 cpu controller",
     "enable +cpu in the parent group's cgroup.subtree_control"},
    {CG_CPUACCT, "CPU usage figures", "mount the v1 cpuacct controller", "(always on v2)"},
    {CG_PIDS, "--pids", "mount the v1 pids controller",
     "enable +pids in the parent group's cgroup.subtree_control"},
    {CG_FREEZER, "race-free group kill", "mount the v1 freezer controller", "(always on v2)"},
};

/* The user namespace a sandbox without root is built in.  Root needs none, so
 * for root a refusal is reported but is not a problem. */
static int report_userns(void)
{
        struct userns_report u;
        int r = userns_check(NULL, true, &u);
        if (r < 0) {
                printf("user namespaces: not probed (%s)\n", strerror(-r));
                return getuid() != 0;
        }
        const char *fix = NULL;
        const char *verdict = userns_verdict(&u, &fix);
        printf("user namespaces (the sandbox without root), as uid %d: %s\n", (int)getuid(),
               verdict);
        if (fix)
                printf("  fix: %s\n", fix);
        if (!fix)
                return 0;
        if (getuid() == 0) {
                printf("  (root builds its sandbox without them)\n");
                return 0;
        }
        printf("  corral refuses the default sandbox (--mounts private) rather than run jobs "
               "without it\n");
        return 1;
}

/* Subordinate ids: informational, never a problem; the last line says who
 * rootless jobs run as, and what they share when it is the user's uid. */
static void report_subids(void)
{
        if (getuid() == 0)
                return; /* root's jobs get uids of their own from its pool */
        struct subid_report s;
        subid_check(&s);
        bool usable = false;
        if (s.uid_err < 0 || s.gid_err < 0) {
                printf("subordinate ids: none for uid %d (%s: %s, %s: %s)\n", (int)getuid(),
                       SUBID_UID_FILE, s.uid_err < 0 ? strerror(-s.uid_err) : "listed",
                       SUBID_GID_FILE, s.gid_err < 0 ? strerror(-s.gid_err) : "listed");
        } else {
                printf("subordinate ids: uids %lu-%lu, gids %lu-%lu\n", s.uid.first,
                       s.uid.first + s.uid.count - 1, s.gid.first, s.gid.first + s.gid.count - 1);
                if (s.probe_err < 0)
                        printf("  newuidmap/newgidmap cannot map them: %s (install Debian's "
                               "uidmap package)\n",
                               strerror(-s.probe_err));
                else {
                        printf("  newuidmap/newgidmap map them: a probe ran as host uid %lu, "
                               "gid %lu\n",
                               s.host_uid, s.host_gid);
                        usable = true;
                }
        }
        if (usable) {
                unsigned long n = s.uid.count < s.gid.count ? s.uid.count : s.gid.count;
                printf("  rootless jobs each run as a subordinate id of their own (up to %lu at "
                       "once): they cannot signal, ptrace or read each other, nor write uid %d's "
                       "files but their own directories (docs/rootless.md)\n",
                       n < 65536 ? n : 65536, (int)getuid());
        } else {
                printf("  rootless jobs all run as uid %d: they cannot write its files outside "
                       "their directories, but can read what it can read and reach each "
                       "other's files (docs/rootless.md)\n",
                       (int)getuid());
        }
}

int cmd_doctor(const struct corral_options *o, int argc, char **argv)
{
        if (argc > 1) {
                printf("usage: corral doctor\n");
                return strcmp(argv[1], "--help") == 0 ? 0 : EXIT_USAGE;
        }
        _cleanup_(cg_layout_freep) struct cg_layout *l = NULL;
        int r = cg_layout_detect(NULL, &l);
        if (r < 0) {
                printf("cgroup layout: not detected under /sys/fs/cgroup (%s)\n", strerror(-r));
                printf("  fix: mount cgroup2 on /sys/fs/cgroup (or the v1 hierarchies)\n");
                return 1;
        }
        printf("cgroup layout: %s\n",
               l->version == CG_V2 ? "unified (cgroup v2)" : "v1/hybrid (a hierarchy per mount)");
        if (l->version == CG_V2)
                printf("  mount %s, corral's own group %s\n", l->v2_mount, l->v2_self);
        int problems = 0;
        printf("controllers:\n");
        for (size_t i = 0; i < ELEMENTSOF(needs); i++) {
                enum cg_controller c = needs[i].c;
                const char *name = cg_controller_to_string(c);
                if (l->available[c]) {
                        if (l->version == CG_V1)
                                printf("  %-8s ok       mount %s, our group %s\n", name,
                                       l->v1_mount[c], l->v1_self[c] ? l->v1_self[c] : "?");
                        else
                                printf("  %-8s ok\n", name);
                } else {
                        problems++;
                        printf("  %-8s MISSING  %s cannot be enforced; fix: %s\n", name,
                               needs[i].limit,
                               l->version == CG_V1 ? needs[i].fix_v1 : needs[i].fix_v2);
                }
        }

        const char *parent = o->cgroup_parent ? o->cgroup_parent : "corral";
        _cleanup_(cg_manager_freep) struct cg_manager *m = NULL;
        r = cg_manager_open(l, parent, &m);
        const char *why = NULL;
        bool said = false; /* the failure and its fix are printed already */
        bool delegable = r == -EACCES || r == -EPERM || r == -EROFS || r == -EBUSY;
        if (r < 0 && delegable && sandbox_delegation_possible(l, &why) == 0) {
                /* What serve and run would do: ask the user's systemd manager. */
                char detail[256];
                enum scope_failure f;
                _cleanup_free_ char *unit = NULL;
                int k = systemd_scope_enter("corral", &unit, &f, detail, sizeof(detail));
                if (k < 0) {
                        printf("parent group '%s': own group not writable (%s), and no delegated "
                               "scope from systemd: %s (%s)\n",
                               parent, strerror(-r), scope_failure_to_string(f), detail);
                        printf("  fix: start corral from a login session of uid %d (or `loginctl "
                               "enable-linger`), or under `systemd-run --user --scope -p "
                               "Delegate=yes`; docs/rootless.md\n",
                               (int)getuid());
                        said = true;
                } else {
                        printf("systemd user manager: delegated scope %s obtained\n", unit);
                        cg_layout_free(l);
                        l = NULL;
                        r = cg_layout_detect(NULL, &l);
                        if (r >= 0)
                                r = cg_manager_open(l, parent, &m);
                }
        } else if (r < 0 && delegable && why && getuid() != 0) {
                printf("parent group '%s': cannot be set up: %s\n  fix: %s\n", parent, strerror(-r),
                       why);
                said = true;
        }
        if (r < 0) {
                problems++;
                if (!said) {
                        printf("parent group '%s': cannot be set up: %s\n", parent, strerror(-r));
                        if (r == -EACCES || r == -EPERM || r == -EROFS)
                                printf("  fix: run as root, or start corral in a cgroup delegated "
                                       "to uid %d (systemd: Delegate=yes)\n",
                                       (int)getuid());
                        else if (r == -EBUSY)
                                printf("  fix: start corral in a cgroup of its own; other "
                                       "processes share this one\n");
                }
        } else {
                l = NULL; /* now owned by m */
                printf("parent group '%s': ok at %s\n", parent, cg_manager_path(m, CG_MEMORY));
                int n = cg_manager_clean_stale(m);
                if (n > 0)
                        printf("  removed %d stale job group(s) of corral processes that died\n",
                               n);
                cg_manager_remove_parent(m);
        }
        problems += report_userns();
        report_subids();
        printf("running as uid %d%s\n", (int)getuid(),
               getuid() == 0 ? " (root: every limit can be written)" : "");
        printf(problems ? "verdict: %d problem(s); each fix is named above\n"
                        : "verdict: every limit can be enforced%.0d\n",
               problems);
        return problems ? 1 : 0;
}
