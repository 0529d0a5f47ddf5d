/* subid-access.h - what a job running as a subordinate uid may reach of the
 * user's files, granted for the job's lifetime with POSIX ACL entries.
 *
 * Threat: the user's files and other jobs' files.  A job lent a subordinate
 * id (subid.h) is nobody to the user's files: it may write only what corral
 * grants it, and read only what any user may.  corral stays the owner of
 * everything (an unprivileged user cannot chown to another uid, and a chown
 * from inside the job's namespace would leave the user's own directory,
 * `corral run`'s cwd, owned by the job whenever corral did not see the end),
 * so the grants are ACL entries naming the job's uid, taken back after it:
 *
 *   the work directory and each --writable path   user:SUB:rwx
 *   each --expose path                            user:SUB:r-x (a file: r--)
 *   each directory above one of them that the     user:SUB:--x
 *   user owns and others may not pass (the
 *   store's 0700 job directories), up to the
 *   hidden home that covers it (the job's view
 *   then passes a 0755 tmpfs there instead)
 *
 * No entry is inherited (no default ACL): what the job creates is its own.
 * After the job, subid_access_revoke() hands what it created in its work
 * directory and --writable paths back to the user (chown from a user
 * namespace mapping both ids, the job gone) and removes every entry.
 *
 * Does not log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct hostview;
struct subid_access;

/* Grants v->sub_uid its paths (v->subid set).  0 and *ret, or -errno with
 * nothing left granted; *ret_path names the path that failed (static
 * storage inside *ret is not used: a caller's buffer of len bytes). */
int subid_access_grant(const struct hostview *v, struct subid_access **ret, char *ret_path,
                       size_t len);

/* Hands back (when the job ran) and revokes (see above); frees a.  NULL:
 * nothing.  0 or the first -errno (every entry is still attempted). */
int subid_access_revoke(struct subid_access *a, bool ran);

/* A job whose supervisor died (recovery marks it lost): its grants were
 * never taken back.  For each entry on job_dirfd's work/ naming an id of the
 * calling user's subordinate range, what that id left in work/ is handed
 * back and its entries on work/ and the job's directory removed.  Entries
 * it got on the store's shared directories above stay (execute only).
 * 0, or the first -errno. */
int subid_access_recover(int job_dirfd);
