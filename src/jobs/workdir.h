/* workdir.h - a finished job's work directory, handed back to corral.
 *
 * Threat: job uids are reused (the pool hands out the lowest free one), so
 * files a job leaves in its work/ would be readable by the next job that
 * happens to get the same uid, whatever tenant it belongs to.  When a job
 * ends (outcome recorded, result copied next to job.json) and before its uid
 * goes back to the pool, everything below work/ is chowned to the store's
 * owner and work/ itself becomes 0700: its results and logs stay readable
 * through corral (they live beside job.json), nothing of it through a uid.
 */
#pragma once

/* Hands jobs/<id>/work back to the calling user, never following a link.
 * job_dirfd: the job's directory.  0 (also when there is no work/), or
 * -errno. */
int workdir_reclaim(int job_dirfd);
