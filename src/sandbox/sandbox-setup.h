/* sandbox-setup.h - opening corral's cgroup parent with messages a person can act on.
 *
 * Shared by every command that runs jobs: detects the layout, opens (creates)
 * the parent group, cleans stale groups, and on failure logs one line that
 * names the path and the fix.
 */
#pragma once

#include "cgroup.h"
#include "options.h"

/* 0 when a non-root corral may ask the user's systemd manager for a delegated
 * scope on this layout; else -EOPNOTSUPP and *ret_why says why not and what to
 * do (shared with `corral doctor`). */
int sandbox_delegation_possible(const struct cg_layout *l, const char **ret_why);

/* When corral's own group is not writable by a non-root user on cgroup v2,
 * asks the user's systemd manager for a delegated scope first (systemd-scope.h).
 * Returns 0 with *ret, or -errno after logging the reason and the remedy. */
int sandbox_open_cgroups(const struct corral_options *o, struct cg_manager **ret);
/* The same without the sweep of stale job groups (one /proc read per job group
 * under the parent): for a caller that sweeps later, off its launch path, with
 * sandbox_clean_stale_groups (a supervisor, once its job runs). */
int sandbox_open_cgroups_unswept(const struct corral_options *o, struct cg_manager **ret);
/* cg_manager_clean_stale, and a notice when it removed any. */
void sandbox_clean_stale_groups(struct cg_manager *m);
