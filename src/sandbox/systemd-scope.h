/* systemd-scope.h - a delegated cgroup from the user's systemd manager.
 *
 * A non-root corral on a cgroup v2 host usually starts in a group it may not
 * write (a desktop client's app-*.scope, or session-N.scope).  Like
 * `systemd-run --user --scope -p Delegate=yes`, corral then asks the user's
 * systemd manager over D-Bus (StartTransientUnit) for a transient scope of
 * its own with Delegate=yes, holding this process; the manager moves us into
 * it and hands us the subtree (docs/rootless.md, systemd's
 * docs/CGROUP_DELEGATION.md).  cgroup.c then works there as in any delegated
 * group.
 *
 * Call once at start-up, before cg_layout_detect; does not log.
 */
#pragma once

#include <stddef.h>

/* Why the request failed, for a message a person can act on. */
enum scope_failure {
        SCOPE_NO_BUS,     /* no user bus: no systemd user manager for this user */
        SCOPE_NO_MANAGER, /* a bus, but org.freedesktop.systemd1 not on it */
        SCOPE_REFUSED,    /* the manager refused the unit (error name in detail) */
        SCOPE_JOB_FAILED, /* the unit's start job ended other than "done" */
        SCOPE_NOT_MOVED,  /* the job said done, but we are not in the scope */
};

const char *scope_failure_to_string(enum scope_failure f);

/* Moves the calling process into a new transient scope "<prefix>-<pid>.scope"
 * with Delegate=yes under the user manager reached through
 * DBUS_SESSION_BUS_ADDRESS or $XDG_RUNTIME_DIR/bus.  Returns 0 with the unit
 * name in *ret_unit, or -errno with *ret_failure and a detail (the D-Bus error
 * name or the job result) in detail. */
int systemd_scope_enter(const char *prefix, char **ret_unit, enum scope_failure *ret_failure,
                        char *detail, size_t detail_len);
