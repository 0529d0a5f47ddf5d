/* mounthide.h - hiding directories from the job's view (the user's home).
 *
 * Threat: a job started by an ordinary user reading that user's secrets
 * (~/.ssh, ~/.aws, browser profiles, tokens of other MCP servers).  The
 * read-only view stops writes, not reads.  A hidden directory is covered by
 * an empty read-only tmpfs; the job's work directory, its --writable paths
 * and its --expose paths that lie below it are carried over first (as
 * detached copies of their mounts: open_tree(OPEN_TREE_CLONE)) and put back
 * at the same path on top of the tmpfs, so they stay what they were.
 *
 * Runs in the child inside mountns_apply(), after the view went read-only
 * and before the work directory is made writable.  Async-signal-safe.
 */
#pragma once

/* hide, keep: NULL-terminated lists of absolute paths (either may be NULL);
 * workdir: kept too when below a hidden directory.  A hidden directory that
 * is the work directory or lies below it, or does not exist, is left alone.
 * Returns 0 or -errno. */
int mounthide_apply(const char *const *hide, const char *workdir, const char *const *keep_a,
                    const char *const *keep_b);
