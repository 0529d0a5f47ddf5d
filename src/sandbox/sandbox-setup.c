/* sandbox-setup.c - see sandbox-setup.h. */
#include "sandbox-setup.h"
#include "cgroup-internal.h"
#include "cleanup.h"
#include "log.h"
#include "systemd-scope.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static const char *remedy(int err)
{
        switch (err) {
        case -EACCES:
        case -EPERM:
        case -EROFS:
                return getuid() == 0 ? "the cgroup filesystem is read-only here; mount it "
                                       "read-write or run corral on the host"
                                     : "run corral as root, or in a cgroup delegated to your "
                                       "user (e.g. systemd-run --user --scope -p Delegate=yes "
                                       "corral ...); see docs/rootless.md";
        case -EBUSY:
                return "other processes share corral's cgroup; start corral in a group of its "
                       "own (systemd: Delegate=yes on a dedicated unit)";
        case -ENODEV:
                return "the memory controller is not available: on v1 mount it, on v2 enable it "
                       "in the parent's cgroup.subtree_control";
        default:
                return "see `corral doctor`";
        }
}

static bool needs_delegation(int r)
{
        return r == -EACCES || r == -EPERM || r == -EROFS || r == -EBUSY;
}

int sandbox_delegation_possible(const struct cg_layout *l, const char **ret_why)
{
        if (getuid() == 0) {
                *ret_why = "root writes the cgroup tree itself";
                return -EOPNOTSUPP;
        }
        if (l->version != CG_V2) {
                /* systemd delegates no v1 controller to a user's manager: the
                 * memory, cpu and pids hierarchies stay root's. */
                *ret_why = "this host uses cgroup v1/hybrid, where systemd delegates no "
                           "controller to users; run corral as root, or have root create a "
                           "group for your uid in the memory, cpu, cpuacct, pids and freezer "
                           "hierarchies (chown it) and start corral in it, or boot with "
                           "systemd.unified_cgroup_hierarchy=1 (pure cgroup v2; docs/rootless.md)";
                return -EOPNOTSUPP;
        }
        *ret_why = NULL;
        return 0;
}

/* Asks the user's systemd manager for a delegated scope, then detects the
 * layout again from inside it.  Logs once on failure. */
static int open_in_user_scope(const char *parent, struct cg_layout **layout, int first_error)
{
        char detail[256];
        enum scope_failure why;
        _cleanup_free_ char *unit = NULL;
        int r = systemd_scope_enter("corral", &unit, &why, detail, sizeof(detail));
        if (r < 0)
                return log_error_errno(
                    r,
                    "Failed to set up corral's cgroup '%s': corral's own group is not writable "
                    "(%s), and asking the systemd user manager for a delegated scope failed: %s "
                    "(%s); fix: start corral from a login session of this user (or `loginctl "
                    "enable-linger %d` so that user@%d.service runs), or run it under "
                    "`systemd-run --user --scope -p Delegate=yes`; see `corral doctor` and "
                    "docs/rootless.md",
                    parent, strerror(-first_error), scope_failure_to_string(why), detail,
                    (int)getuid(), (int)getuid());
        log_notice("Moved into the delegated systemd scope %s", unit);
        /* The first attempt may have moved us into a leaf (SELF_LEAF) of the
         * group we could not use (EBUSY: it is shared): empty now, remove it. */
        const struct cg_layout *l = *layout;
        if (l->version == CG_V2) {
                _cleanup_free_ char *home = path_join(l->v2_mount, l->v2_self);
                _cleanup_free_ char *leaf = home ? path_join(home, SELF_LEAF) : NULL;
                if (leaf)
                        (void)rmdir(leaf);
        }
        cg_layout_free(*layout);
        *layout = NULL;
        r = cg_layout_detect(NULL, layout);
        if (r < 0)
                return log_error_errno(r, "Failed to detect the cgroup layout in scope %s: %s",
                                       unit, strerror(-r));
        return 0;
}

int sandbox_open_cgroups(const struct corral_options *o, struct cg_manager **ret)
{
        struct cg_manager *m = NULL;
        int r = sandbox_open_cgroups_unswept(o, &m);
        if (r < 0)
                return r;
        sandbox_clean_stale_groups(m);
        *ret = m;
        return 0;
}

void sandbox_clean_stale_groups(struct cg_manager *m)
{
        int n = cg_manager_clean_stale(m);
        if (n > 0)
                log_notice("Removed %d stale job group(s) left by a corral process that died", n);
}

int sandbox_open_cgroups_unswept(const struct corral_options *o, struct cg_manager **ret)
{
        _cleanup_(cg_layout_freep) struct cg_layout *layout = NULL;
        int r = cg_layout_detect(NULL, &layout);
        if (r < 0)
                return log_error_errno(r,
                                       "Failed to detect the cgroup layout under "
                                       "/sys/fs/cgroup: %s; %s",
                                       strerror(-r), remedy(r));
        const char *parent = o->cgroup_parent ? o->cgroup_parent : "corral";
        struct cg_manager *m = NULL;
        r = cg_manager_open(layout, parent, &m);
        if (r == -EINVAL)
                return log_error_errno(r,
                                       "Invalid cgroup parent name '%s': allowed are 1-64 "
                                       "characters of A-Z a-z 0-9 _ . -",
                                       parent);
        const char *why = NULL;
        if (needs_delegation(r) && sandbox_delegation_possible(layout, &why) == 0) {
                int first = r;
                r = open_in_user_scope(parent, &layout, first);
                if (r < 0)
                        return r;
                r = cg_manager_open(layout, parent, &m);
        }
        if (r < 0)
                return log_error_errno(r, "Failed to set up corral's cgroup '%s' (%s): %s; %s",
                                       parent,
                                       layout->version == CG_V2      ? layout->v2_mount
                                       : layout->v1_mount[CG_MEMORY] ? layout->v1_mount[CG_MEMORY]
                                                                     : layout->root,
                                       strerror(-r), needs_delegation(r) && why ? why : remedy(r));
        layout = NULL; /* owned by m */
        *ret = m;
        return 0;
}
