/* uidpool.h - one unprivileged uid per running job, as isolate gives one per box.
 *
 * Threat: jobs sharing a uid can signal, ptrace and read each other.  Each
 * running job therefore gets a uid of its own from a configurable range
 * (default 60000-60999, gid = uid).  A uid is taken by holding an flock on
 * <lockdir>/<uid>.lock for the job's lifetime; the lock dies with its holder,
 * so a crashed supervisor never leaks a uid.  Lock files are never unlinked:
 * unlinking a lock file lets a second process lock a fresh inode under the
 * same name while the first still holds the old one.
 */
#pragma once

#include <sys/types.h>

#define UIDPOOL_DEFAULT_FIRST 60000u
#define UIDPOOL_DEFAULT_COUNT 1000u
#define UIDPOOL_DEFAULT_DIR   "/run/corral/uids"

/* Takes a free uid in [first, first+count), searching from the one the last
 * caller took (<lockdir>/hint) and wrapping around; returns 0 with the uid and
 * the lock fd (O_CLOEXEC: the job never inherits it), -EAGAIN when all are
 * taken. */
int uidpool_acquire(const char *lockdir, uid_t first, unsigned count, uid_t *ret_uid,
                    int *ret_lockfd);

/* The default pool (UIDPOOL_DEFAULT_*), as `corral run` and every supervisor
 * take it: uidpool_acquire() on the default directory and range. */
int uidpool_acquire_default(uid_t *ret_uid, int *ret_lockfd);

/* Names the default pool for messages: "60000-60999". */
void uidpool_default_range(char *buf, size_t len);
