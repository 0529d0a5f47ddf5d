/* daemon-client.h - running a job command through `corral daemon`.
 *
 * The client sends its command line and its own stdin, stdout, stderr and
 * working directory; the daemon's worker writes the command's output straight
 * to them.  The client only waits for the exit status.
 */
#pragma once

#include "options.h"

#include <stdbool.h>

/* The socket a command should go through, or NULL for the direct path: the
 * --socket option, else $CORRAL_SOCKET, else DAEMON_SOCKET_PATH when the
 * caller is not root, cannot create cgroups, and that socket exists. */
const char *daemon_client_socket(const struct corral_options *o);

/* Runs argv (argv[0] the command) through the daemon at path, acting for
 * tenant (NULL: the caller's own).  On success (the daemon answered) returns
 * 0 with the command's exit status in *ret_exit and the daemon's error (the
 * request was refused), if any, in *ret_error (malloc'ed).  -errno when the
 * daemon cannot be reached (-ENOENT, -ECONNREFUSED, -EACCES) or the
 * connection ended without a reply (-ECONNRESET). */
int daemon_client_call(const char *path, char *const *argv, const char *tenant, int *ret_exit,
                       char **ret_error);
