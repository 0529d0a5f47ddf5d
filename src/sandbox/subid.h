/* subid.h - the subordinate ids an ordinary user may map into a user
 * namespace (/etc/subuid, /etc/subgid), and shadow's setuid helpers
 * (newuidmap, newgidmap, Debian's uidmap package) that write such maps.
 *
 * Threat: rootless jobs running as the user's own uid share that uid's
 * rights over each other's files and the user's.  A subordinate id is a
 * host id of its own that the user may map without root; this file finds the
 * user's range, proves that a map with one of them can be written onto a
 * child (`corral doctor`), and lends each running job one id of the range
 * (subid_acquire): the job's process runs as that host id (child.c,
 * hostview.c; docs/rootless.md: "Subordinate ids").
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

/* Both maps of pid's user namespace ("0 UID 1 1 SUB 1" for uids, the same
 * for gids), the two helpers run at once.  0 or -errno as above. */
int subid_write_maps(pid_t pid, uid_t uid, uid_t sub_uid, gid_t gid, gid_t sub_gid);

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

/* The id a job's process has inside its user namespace when it runs as a
 * subordinate id: the namespace maps 0 to the user and this to the id. */
#define SUBID_NS_ID 1u

/* One subordinate uid and the gid at the same offset of the gid range, lent
 * to one running job: held while lockfd (an flock, O_CLOEXEC) is open. */
struct subid_lease {
        uid_t uid;
        gid_t gid;
        int lockfd;
        unsigned long first; /* the pool: uids first .. first+count-1 */
        unsigned long count; /* ids that may run at once */
        char lockdir[512];
};

/* Lends the calling user a free id of its range, as root's uidpool.c lends
 * uids: an flock on <lockdir>/<uid>.lock, where lockdir is the user's own
 * (/run/user/UID or $XDG_RUNTIME_DIR, else $XDG_STATE_HOME or
 * ~/.local/state, + /corral/subids; it must be the user's, mode 0700).  The
 * pool is the first min(uid count, gid count) ids.
 *   0 and *ret;
 *   -ENOENT: no range in /etc/subuid or /etc/subgid, or no newuidmap or
 *            newgidmap: jobs keep the user's uid (docs/rootless.md);
 *   -EAGAIN: every id of the pool is lent (ret->count says how many);
 *   -errno otherwise (the lock directory). */
int subid_acquire(struct subid_lease *ret);

/* The range as "FIRST-LAST" of the uids, for messages. */
void subid_lease_range(const struct subid_lease *l, char *buf, size_t len);

/* The remedy appended to a job's failure at CHILD_STEP_SUBID or
 * CHILD_STEP_SUBID_ACCESS (child.h), starting with "; ". */
const char *subid_refusal_hint(int step);
