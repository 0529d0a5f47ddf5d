/* daemon-server.h - `corral daemon`: the root service on a Unix socket.
 *
 * Theory of operation (docs/daemon.md).  One thread, one event loop.  Each
 * connection carries one request: the command line of a job command and,
 * as SCM_RIGHTS, the client's stdin, stdout, stderr and working directory.
 * The daemon identifies the peer by SO_PEERCRED, checks the request, and
 * starts a worker: this same binary, exec'ed with the daemon's state
 * directory and the peer's tenant, its stdio the client's own fds.  The
 * worker is the ordinary job command, so outputs and exit statuses are those
 * of the direct path; the daemon never reads or writes a byte of them.  When
 * the worker ends, its exit status is the reply.  The daemon keeps nothing
 * but its connections: every fact is in the store, so a daemon killed and
 * restarted loses nothing.
 *
 * Bounds: a request payload of DAEMON_PAYLOAD_MAX bytes that must arrive
 * within request_timeout_ms; max_connections in all and max_per_uid per uid
 * (a running worker holds its connection); one request per connection.  The
 * daemon writes to a client only its short reply, without blocking, so a
 * client that never reads stalls nobody.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct daemon_config {
        const char *state_dir;     /* absolute; the workers' --state-dir */
        const char *cgroup_parent; /* NULL: corral's default */
        const char *policy_dir;    /* NULL: the default */
        gid_t operator_gid;        /* (gid_t)-1: no operator group */
        unsigned max_connections;
        unsigned max_per_uid;
        unsigned request_timeout_ms;
        bool verbose; /* workers get -v */
};

#define DAEMON_DEFAULT_MAX_CONNECTIONS 1024
#define DAEMON_DEFAULT_MAX_PER_UID     64
#define DAEMON_DEFAULT_REQUEST_TIMEOUT 10000 /* ms */

/* Serves listen_fd (owned by the caller) until SIGTERM or SIGINT: returns 0
 * then, -errno when the loop fails.  Logs what it does. */
int daemon_serve(const struct daemon_config *c, int listen_fd);
