/* cmd-daemon.c - `corral daemon`, the root service (docs/daemon.md), and the
 * client side: a job command sent through it instead of run here. */
#include "commands.h"
#include "daemon-client.h"
#include "daemon-listen.h"
#include "daemon-proto.h"
#include "daemon-server.h"
#include "jobctl.h"
#include "sandbox-setup.h"
#include "log.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
        fprintf(f,
                "usage: corral [--socket PATH] [--state-dir DIR] daemon [OPTIONS]\n\n"
                "Serves job commands to unprivileged users on a Unix socket (default %s),\n"
                "or on the socket systemd passes (LISTEN_FDS).  Runs in the foreground; logs\n"
                "go to stderr.\n"
                "  --operator-group NAME|GID    members may act for any tenant (default\n"
                "                               corral; \"\" for none)\n"
                "  --max-connections N          connections at once (default %d)\n"
                "  --max-connections-per-uid N  per client uid (default %d)\n"
                "  --request-timeout SECONDS    for a request to arrive whole (default %d)\n",
                DAEMON_SOCKET_PATH, DAEMON_DEFAULT_MAX_CONNECTIONS, DAEMON_DEFAULT_MAX_PER_UID,
                DAEMON_DEFAULT_REQUEST_TIMEOUT / 1000);
}

static int parse_count(const char *flag, const char *v, unsigned *ret)
{
        char *end;
        errno = 0;
        unsigned long n = v ? strtoul(v, &end, 10) : 0;
        if (!v || errno || *end || n < 1 || n > 1000000) {
                log_error("Invalid value '%s' for %s: a whole number from 1 to 1000000", v ? v : "",
                          flag);
                return -EINVAL;
        }
        *ret = (unsigned)n;
        return 0;
}

int cmd_daemon(const struct corral_options *o, int argc, char **argv)
{
        struct daemon_config cfg = {
            .cgroup_parent = o->cgroup_parent,
            .policy_dir = o->policy_dir,
            .operator_gid = (gid_t)-1,
            .max_connections = DAEMON_DEFAULT_MAX_CONNECTIONS,
            .max_per_uid = DAEMON_DEFAULT_MAX_PER_UID,
            .request_timeout_ms = DAEMON_DEFAULT_REQUEST_TIMEOUT,
            .verbose = log_get_level() >= LOG_DEBUG,
        };
        const char *group = "corral";
        /* Every option takes a value: two words a step (clang's
         * -Wfor-loop-analysis refuses a second increment in the body). */
        for (int i = 1; i < argc; i += 2) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
                unsigned secs;
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return 0;
                } else if (strcmp(a, "--operator-group") == 0 && v) {
                        group = v;
                } else if (strcmp(a, "--max-connections") == 0) {
                        if (parse_count(a, v, &cfg.max_connections) < 0)
                                return EXIT_USAGE;
                } else if (strcmp(a, "--max-connections-per-uid") == 0) {
                        if (parse_count(a, v, &cfg.max_per_uid) < 0)
                                return EXIT_USAGE;
                } else if (strcmp(a, "--request-timeout") == 0) {
                        if (parse_count(a, v, &secs) < 0)
                                return EXIT_USAGE;
                        cfg.request_timeout_ms = secs * 1000;
                } else {
                        log_error("Unknown option '%s' for corral daemon; see corral daemon --help",
                                  a);
                        return EXIT_USAGE;
                }
        }
        if (*group) {
                /* A name, or a number for a group without an entry. */
                char *end;
                unsigned long n = strtoul(group, &end, 10);
                struct group *g = getgrnam(group);
                if (g)
                        cfg.operator_gid = g->gr_gid;
                else if (*end == 0 && n < (gid_t)-1)
                        cfg.operator_gid = (gid_t)n;
                else
                        log_notice("No group '%s': only root acts for other tenants", group);
        }
        if (geteuid() != 0)
                log_warning("Not running as root: jobs need root to get their cgroups and uids");

        /* Creates the state directory and the default store; the workers use it. */
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        cfg.state_dir = c->state_dir;
        /* On cgroup v2 under systemd (Delegate=yes) this moves the daemon into its
         * leaf, so that the workers it forks can give jobs groups beside it
         * (docs/cgroups.md); elsewhere it creates the parent and cleans stale groups. */
        _cleanup_(cg_manager_freep) struct cg_manager *m = NULL;
        if (sandbox_open_cgroups(o, &m) < 0)
                log_warning("Jobs will fail to start until the cgroup problem above is fixed");

        const char *path = o->socket ? o->socket : DAEMON_SOCKET_PATH;
        bool bound = false;
        int fd = daemon_listen_inherited();
        if (fd == -ENOENT) {
                fd = daemon_listen_path(path);
                bound = fd >= 0;
        } else if (fd >= 0)
                path = "the socket systemd passed";
        if (fd < 0) {
                if (fd == -EADDRINUSE)
                        log_error("Another daemon listens on %s", path);
                else
                        log_error_errno(fd, "Cannot listen on %s: %s", path, strerror(-fd));
                return 1;
        }
        log_notice("Listening on %s (state %s, operator group %s)", path, cfg.state_dir,
                   cfg.operator_gid == (gid_t)-1 ? "none" : group);
        int r = daemon_serve(&cfg, fd);
        close(fd);
        if (bound)
                unlink(path);
        if (r < 0) {
                log_error_errno(r, "The daemon's event loop failed: %s", strerror(-r));
                return 1;
        }
        return 0;
}

int cli_via_daemon(const struct corral_options *o, int argc, char **argv, bool *handled)
{
        *handled = false;
        if (argc < 1 || !daemon_command_allowed(argv[0]))
                return 0;
        const char *path = daemon_client_socket(o);
        if (!path)
                return 0;
        *handled = true;
        /* CORRAL_CGROUP_PARENT in the environment is the direct path's: ignored here. */
        const char *env_parent = getenv("CORRAL_CGROUP_PARENT");
        bool own_parent =
            o->cgroup_parent && !(env_parent && strcmp(env_parent, o->cgroup_parent) == 0);
        if (o->state_dir || own_parent || o->policy_dir) {
                log_error("--state-dir, --cgroup-parent and --policy-dir are the daemon's to set: "
                          "drop them, or run as root without --socket");
                return EXIT_USAGE;
        }
        int status = 1;
        _cleanup_free_ char *error = NULL;
        int r = daemon_client_call(path, argv, o->tenant, &status, &error);
        /* The daemon went away mid-command (a restart): a command that only reads
         * and prints once is asked again of the next daemon, for up to a minute. */
        for (int tries = 0; r == -ECONNRESET && daemon_command_repeatable(argv[0]) && tries < 600;
             tries++) {
                if (tries == 0)
                        log_notice("Lost the daemon at %s; asking again when it is back", path);
                usleep(100 * 1000);
                r = daemon_client_call(path, argv, o->tenant, &status, &error);
                if (r == -ENOENT || r == -ECONNREFUSED)
                        r = -ECONNRESET; /* not back yet */
        }
        if (r == -ECONNRESET || r == -EBADMSG) {
                log_error("Lost the connection to the daemon at %s before the command ended: "
                          "its outcome is unknown (jobs go on; ask again with status or wait)",
                          path);
                return 1;
        }
        if (r < 0) {
                log_error("Cannot reach the corral daemon at %s: %s (is `corral daemon` running? "
                          "root may run commands directly)",
                          path, strerror(-r));
                return 1;
        }
        if (error)
                log_error("The daemon refused the request: %s", error);
        return status;
}
