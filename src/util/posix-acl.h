/* posix-acl.h - one named user's entry in a file's POSIX access ACL,
 * added and removed without libacl.
 *
 * An unprivileged owner cannot chown a directory to another uid, but may
 * grant that uid access with an ACL entry (user:UID:PERMS) and take it back
 * later while staying the owner throughout.  Rootless jobs running as a
 * subordinate uid get their work directory this way (docs/rootless.md).
 *
 * The ACL is the xattr system.posix_acl_access (the kernel's format,
 * <linux/posix_acl_xattr.h>): a read-modify-write of it races with another
 * writer doing the same (two jobs sharing a --writable directory), so each
 * change holds an flock on the file for its duration.  Only the named entry
 * is added or removed; the mask is recomputed as setfacl does; when the last
 * named entry goes, the extended ACL is removed and the mode's group bits
 * are the group entry's again (the file is as it was before).
 *
 * Does not log.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#define POSIX_ACL_R 4u
#define POSIX_ACL_W 2u
#define POSIX_ACL_X 1u

/* Adds (or replaces) user:uid:perms on the file open as fd (not O_PATH).
 * 0 or -errno (-EPERM: not the owner; -EOPNOTSUPP: no ACLs on this file
 * system). */
int posix_acl_grant(int fd, uid_t uid, unsigned perms);

/* Removes the user:uid entry; 0 when there was none.  0 or -errno. */
int posix_acl_revoke(int fd, uid_t uid);

/* The perms of user:uid in fd's access ACL: >= 0, -ENODATA when it has no
 * such entry, or -errno. */
int posix_acl_get(int fd, uid_t uid);

/* The uids of fd's named user entries: how many (at most max stored in
 * ret), or -errno. */
int posix_acl_users(int fd, uid_t *ret, size_t max);
