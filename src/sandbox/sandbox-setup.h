/* sandbox-setup.h - opening corral's cgroup parent with messages a person can act on.
 *
 * Shared by every command that runs jobs: detects the layout, opens (creates)
 * the parent group, cleans stale groups, and on failure logs one line that
 * names the path and the fix.
 */
#pragma once

#include "cgroup.h"
#include "options.h"

/* Returns 0 with *ret, or -errno after logging the reason and the remedy. */
int sandbox_open_cgroups(const struct corral_options *o, struct cg_manager **ret);
