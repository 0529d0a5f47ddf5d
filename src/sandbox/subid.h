/* subid.h - the subordinate ids an ordinary user may map into a user
 * namespace (/etc/subuid, /etc/subgid), and shadow's setuid helpers
 * (newuidmap, newgidmap, Debian's uidmap package) that write such maps.
 *
 * Threat: every rootless job runs as the user's own uid, so jobs share that
 * uid's rights over each other's processes and files.  A subordinate id is a
 * host id of its own that the user may map without root; this file finds the
 * user's range and proves that a map with one of them can be written onto a
 * child (`corral doctor`).  Giving each running job such an id is the next
 * step (docs/rootless.md: "Subordinate ids").
 *
 * Does not log.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#define SUBID_UID_FILE "/etc/subuid"
#define SUBID_GID_FILE "/etc/subgid"

struct subid_range {
        unsigned long first;
        unsigned long count;
};

/* The first range in path (lines "NAME_OR_ID:FIRST:COUNT", as shadow reads
 * them) for the user named name (may be NULL) or numbered id.  0 and *ret;
 * -ENOENT when none is listed (or the file does not exist); -errno. */
int subid_find(const char *path, const char *name, unsigned long id, struct subid_range *ret);

/* Runs tool ("newuidmap" or "newgidmap", from /usr/bin or /bin, no PATH, no
 * shell) on pid with the map "0 OUTER 1 1 SUB 1": the namespace's 0 is the
 * user's own id, its 1 the subordinate id.  0 or -errno (-ENOENT: no tool;
 * -EPERM: the tool refused the map). */
int subid_write_map(const char *tool, pid_t pid, unsigned long outer, unsigned long sub);

struct subid_report {
        int uid_err; /* subid_find() on /etc/subuid for the caller */
        int gid_err;
        struct subid_range uid;
        struct subid_range gid;
        /* The probe (run only with both ranges): a child in a new user
         * namespace, mapped by newuidmap/newgidmap from here, switches to the
         * namespace's 1; probe_err 0 and the host uid and gid it then has. */
        int probe_err;
        unsigned long host_uid;
        unsigned long host_gid;
};

/* Finds the calling user's ranges and, with both, runs the probe. */
int subid_check(struct subid_report *ret);
