/* config-file.h - corral.conf, the operator's configuration (docs/config.md):
 * what each command otherwise takes as flags, read once at start-up by main.
 *
 * Precedence, highest first: a command-line flag; the environment
 * (CORRAL_CGROUP_PARENT); corral.conf; the built-in default.  For the
 * governor's keys, flags stored in the store's governor.conf rank above
 * corral.conf (docs/governor.md).
 *
 * The file is --config FILE, else $CORRAL_CONFIG, else CORRAL_CONFIG_FILE
 * (/etc/corral/corral.conf for a /usr install); only the default may be
 * absent.  Reading is strict: an unknown key or a bad value is an error that
 * names the file, the line and what is allowed, and corral does not start.
 */
#pragma once

#include "options.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct corral_config {
        char *path; /* the file read; NULL when there was none */
        char *state_dir, *cgroup_parent, *policy_dir;
        /* gc and serve's retention */
        bool has_gc_ttl, has_gc_disk_budget;
        uint64_t gc_ttl_usec, gc_disk_budget;
        /* serve */
        bool has_serve_max_line, has_serve_max_output;
        uint64_t serve_max_line, serve_max_output;
        int serve_on_exit;           /* -1 unset, 0 keep, 1 cancel */
        char *serve_client_policies; /* checked by serve, as its flag */
};

/* Reads the configuration (path NULL: $CORRAL_CONFIG or the default), applies
 * the governor and job-limit defaults to this process (gov_policy_set_defaults,
 * limits_set_defaults) and fills *ret.  -EINVAL with "FILE:LINE: ..." in err
 * for a bad file; -ENOENT when an explicitly named file is missing. */
int corral_config_load(const char *path, struct corral_config *ret, char *err, size_t errlen);
void corral_config_done(struct corral_config *c);

/* Fills the global options a flag or the environment left unset. */
void corral_config_apply(const struct corral_config *c, struct corral_options *o);
