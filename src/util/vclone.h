/* vclone.h - start a child the way posix_spawn does.
 *
 * fork() copies the caller's page tables and the child's exec tears the copy
 * down again: 0.3 ms of a 1 ms fork and exec on this project's build machine
 * (docs/performance.md).  A child that only prepares an exec (or exits) can
 * share the caller's memory instead, as posix_spawn's does, on a stack of its
 * own, the caller suspended until the child has exec'd or exited.
 */
#pragma once

#include <sys/types.h>

/* Runs fn(arg) in a child sharing the caller's memory (CLONE_VM|CLONE_VFORK)
 * and returns its pid once it has exec'd or exited, or -errno.  fn ends in
 * execve() or _exit(), or returns the child's exit status, and must only
 * change what is the child's own: credentials, file descriptors, signal mask,
 * session, working directory, filters (not memory the caller relies on, nor
 * locks).  The child starts with the caller's signal mask and none of its
 * handlers (each reset to the default: it would run on the caller's memory).
 * Under AddressSanitizer, whose bookkeeping assumes one stack per thread, it
 * is a fork(), with the same signal rules. */
pid_t vclone(int (*fn)(void *arg), void *arg);
