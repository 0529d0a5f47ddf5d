/* sandbox-setup.c - see sandbox-setup.h. */
#include "sandbox-setup.h"
#include "cleanup.h"
#include "log.h"

#include <errno.h>
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
                                       "user (e.g. systemd-run --user -p Delegate=yes --shell)";
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

int sandbox_open_cgroups(const struct corral_options *o, struct cg_manager **ret)
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
        if (r < 0)
                return log_error_errno(r, "Failed to set up corral's cgroup '%s' (%s): %s; %s",
                                       parent,
                                       layout->version == CG_V2      ? layout->v2_mount
                                       : layout->v1_mount[CG_MEMORY] ? layout->v1_mount[CG_MEMORY]
                                                                     : layout->root,
                                       strerror(-r), remedy(r));
        layout = NULL; /* owned by m */
        int n = cg_manager_clean_stale(m);
        if (n > 0)
                log_notice("Removed %d stale job group(s) left by a corral process that died", n);
        *ret = m;
        return 0;
}
