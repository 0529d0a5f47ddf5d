/* caller.h - opening a file the way the user who asked would.
 *
 * Threat: a job command run for an unprivileged client by `corral daemon`
 * (docs/daemon.md) runs as root, and some options name a file to read
 * (submit --input).  Opened as root, any client could read any file.  The
 * daemon puts the client's uid and gid in CORRAL_CALLER_UID/GID; such files
 * are opened with the filesystem uid and gid switched to them and no
 * supplementary groups, so the kernel checks the client's permissions.
 * Without those variables (the direct path) files open as usual.
 */
#pragma once

#include <stddef.h>

/* read_file() (fileio.h) with the caller's permissions when there is one. */
int read_file_as_caller(const char *path, size_t max, char **ret, size_t *ret_len);
