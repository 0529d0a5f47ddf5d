/* cmd-serve.c - `corral serve`: the MCP stdio server.  One thread, one event
 * loop; stdout carries protocol messages only, logs go to stderr. */
#include "cleanup.h"
#include "commands.h"
#include "config-file.h"
#include "executor.h"
#include "log.h"
#include "gov-ledger.h"
#include "jobctl.h"
#include "loop.h"
#include "statedir.h"
#include "mcp-info.h"
#include "mcp-jobs.h"
#include "mcp-line.h"
#include "mcp-stdio.h"
#include "mcp.h"
#include "units.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum on_exit { ON_EXIT_KEEP, ON_EXIT_CANCEL };

static void usage(FILE *f)
{
        fprintf(f, "usage: corral serve [--max-line SIZE] [--max-output-buffer SIZE]\n"
                   "                    [--on-exit keep|cancel] [--tools FILE]\n"
                   "                    [--client-policies NAME[,NAME...]]\n\n"
                   "Speaks MCP (JSON-RPC, one message per line) on stdin/stdout.\n"
                   "  --max-line SIZE           longest accepted message (default 4M)\n"
                   "  --max-output-buffer SIZE  output queued for a slow client before it\n"
                   "                            is disconnected (default 64M)\n"
                   "  --on-exit keep|cancel     on stdin EOF or SIGTERM, leave jobs running\n"
                   "                            (default) or cancel this server's jobs\n"
                   "  --tools FILE              a tool catalog: named tools run as jobs\n"
                   "  --client-policies LIST    the seccomp policies clients may choose, e.g.\n"
                   "                            default,strict (forbids none); default: any\n"
                   "                            policy in the policy directory\n"
                   "  --memory-threshold PCT --cpu-threshold PCT --psi-threshold PCT\n"
                   "  --max-concurrent N --queue-limit N\n"
                   "  --tenant-max-concurrent N --tenant-max-memory SIZE\n"
                   "                            governor policy, stored for the whole store\n");
}

/* Runs once when serve stops (stdin EOF, SIGTERM, a client disconnected for
 * not reading).  With keep, jobs go on under their supervisors, which record
 * their outcomes; with cancel, this server's queued and running jobs are
 * cancelled. */
static void serve_shutdown(struct mcp_jobs *jobs, enum on_exit mode, int reason)
{
        log_debug("Shutting down (on-exit=%s, reason %d)",
                  mode == ON_EXIT_CANCEL ? "cancel" : "keep", reason);
        mcp_jobs_shutdown(jobs, mode == ON_EXIT_CANCEL);
}

static int on_signal(struct loop_source *s, int signo, void *userdata)
{
        log_info("Received %s: exiting", strsignal(signo));
        loop_exit(loop_source_loop(s), 0);
        return 0;
}

static int parse_options(int argc, char **argv, uint64_t *max_line, uint64_t *max_out,
                         enum on_exit *on_exit, const char **tools, const char **client_policies)
{
        static const struct option opts[] = {
            {"max-line", required_argument, NULL, 'l'},
            {"max-output-buffer", required_argument, NULL, 'o'},
            {"on-exit", required_argument, NULL, 'e'},
            {"tools", required_argument, NULL, 't'},
            {"client-policies", required_argument, NULL, 'p'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        int c;
        optind = 1;
        while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
                switch (c) {
                case 'l':
                case 'o':
                        if (parse_size(optarg, c == 'l' ? max_line : max_out) < 0) {
                                fprintf(stderr, "corral serve: invalid size '%s' for %s\n", optarg,
                                        c == 'l' ? "--max-line" : "--max-output-buffer");
                                return -EXIT_USAGE;
                        }
                        break;
                case 'e':
                        if (strcmp(optarg, "keep") == 0)
                                *on_exit = ON_EXIT_KEEP;
                        else if (strcmp(optarg, "cancel") == 0)
                                *on_exit = ON_EXIT_CANCEL;
                        else {
                                fprintf(stderr, "corral serve: --on-exit takes keep or cancel\n");
                                return -EXIT_USAGE;
                        }
                        break;
                case 't':
                        *tools = optarg;
                        break;
                case 'p':
                        *client_policies = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 1;
                default:
                        usage(stderr);
                        return -EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "corral serve: unexpected argument '%s'\n", argv[optind]);
                return -EXIT_USAGE;
        }
        return 0;
}

/* Governor options (--memory-threshold, --max-concurrent, ...) are taken out of
 * argv and stored in the state directory's governor.conf, as `corral submit`
 * does, so that every process sharing the store applies them. */
static int take_governor_options(const struct corral_options *o, int *argc, char **argv)
{
        struct gov_policy gp;
        gov_policy_init(&gp);
        struct executor_settings es; /* --executor ...: stored for the store */
        executor_settings_init(&es);
        char err[256];
        int out = 1;
        for (int i = 1; i < *argc; i++) {
                const char *v = i + 1 < *argc ? argv[i + 1] : NULL;
                int g = strncmp(argv[i], "--", 2) == 0
                            ? gov_policy_parse_option(&gp, argv[i], v, err, sizeof(err))
                            : 0;
                if (g == 0 && strncmp(argv[i], "--", 2) == 0)
                        g = executor_parse_option(&es, argv[i], v, err, sizeof(err));
                if (g < 0) {
                        fprintf(stderr, "corral serve: %s\n", err);
                        return -EXIT_USAGE;
                }
                if (g > 0) {
                        if (!strchr(argv[i], '='))
                                i++;
                        continue;
                }
                argv[out++] = argv[i];
        }
        argv[out] = NULL;
        *argc = out;
        if (!gp.set && !es.set)
                return 0;
        _cleanup_free_ char *dir = NULL;
        _cleanup_(gov_ledger_freep) struct gov_ledger *led = NULL;
        int r = state_dir_resolve(o->state_dir, &dir);
        if (r >= 0 && es.set && (r = executor_store(dir, &es)) < 0) {
                log_error_errno(r, "Failed to store the executor settings: %s", strerror(-r));
                return -EXIT_CORRAL_FAILED;
        }
        if (!gp.set)
                return 0;
        if (r >= 0)
                r = gov_ledger_open(dir, &led);
        if (r >= 0)
                r = gov_ledger_store_policy(led, &gp);
        if (r < 0) {
                log_error_errno(r, "Failed to store the governor policy: %s", strerror(-r));
                return -EXIT_CORRAL_FAILED;
        }
        return 0;
}

/* Retention: finished jobs past the TTL (or beyond the disk budget) go, at
 * start-up and every hour; corral.conf's gc-ttl and gc-disk-budget set them. */
#define RETENTION_TTL_USEC      (7ull * 24 * 3600 * 1000000)
#define RETENTION_INTERVAL_USEC (3600ull * 1000000)
static uint64_t retention_ttl_usec = RETENTION_TTL_USEC, retention_disk_budget;

/* corral.conf's serve-* and gc-* keys, below the flags parsed after. */
static void serve_config_defaults(const struct corral_config *c, uint64_t *max_line,
                                  uint64_t *max_out, enum on_exit *on_exit, uint64_t *ttl,
                                  uint64_t *budget)
{
        if (!c)
                return;
        if (c->has_serve_max_line)
                *max_line = c->serve_max_line;
        if (c->has_serve_max_output)
                *max_out = c->serve_max_output;
        if (c->serve_on_exit >= 0)
                *on_exit = c->serve_on_exit ? ON_EXIT_CANCEL : ON_EXIT_KEEP;
        if (c->has_gc_ttl)
                *ttl = c->gc_ttl_usec;
        if (c->has_gc_disk_budget)
                *budget = c->gc_disk_budget;
}

static int on_retention(struct loop_source *s, void *userdata)
{
        struct jobctl *c = userdata;
        size_t removed = 0;
        int r = store_gc(c->store, retention_ttl_usec, retention_disk_budget, now_realtime_usec(),
                         &removed);
        if (r < 0)
                log_warning("Failed to remove old jobs: %s", strerror(-r));
        else if (removed)
                log_info("Removed %zu finished job(s) past the retention", removed);
        loop_timer_set(s, RETENTION_INTERVAL_USEC);
        return 0;
}

int cmd_serve(const struct corral_options *o, int argc, char **argv)
{
        int g = take_governor_options(o, &argc, argv);
        if (g < 0)
                return -g;
        uint64_t max_line = MCP_LINE_DEFAULT_MAX, max_out = MCP_STDIO_DEFAULT_MAX_OUTPUT;
        enum on_exit on_exit = ON_EXIT_KEEP;
        serve_config_defaults(o->config, &max_line, &max_out, &on_exit, &retention_ttl_usec,
                              &retention_disk_budget);
        const char *tools = NULL;
        const char *client_policies = NULL;
        int r = parse_options(argc, argv, &max_line, &max_out, &on_exit, &tools, &client_policies);
        if (!client_policies && o->config) /* corral.conf's serve-client-policies */
                client_policies = o->config->serve_client_policies;
        if (r != 0)
                return r > 0 ? 0 : -r;
        uint64_t start = now_monotonic_usec();
        /* A closed stdout must be an EPIPE we report, not a silent death. */
        signal(SIGPIPE, SIG_IGN);

        struct loop *l = NULL;
        struct mcp_stdio *io = NULL;
        struct mcp_server *server = NULL;
        struct loop_source *sig = NULL;
        struct mcp_jobs *jobs = NULL;
        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);

        r = loop_new(&l);
        if (r >= 0)
                r = loop_add_signals(l, &mask, on_signal, NULL, &sig);
        if (r >= 0)
                r = mcp_stdio_new(l, STDIN_FILENO, STDOUT_FILENO, max_line, max_out, &io);
        if (r >= 0)
                r = mcp_server_new(
                    &(struct mcp_server_config){
                        .send = mcp_stdio_send,
                        .userdata = io,
                        .name = "corral",
                        .title = "corral: sandboxed background jobs",
                        .version = CORRAL_VERSION,
                        .instructions = "corral runs long or heavy commands as "
                                        "sandboxed background jobs and reports each "
                                        "outcome (exit code, signal, OOM kill, "
                                        "timeout) distinctly.",
                    },
                    &server);
        if (r >= 0)
                r = mcp_info_register(server, start);
        if (r >= 0)
                r = mcp_jobs_new(l, server, o, tools, &jobs);
        if (r >= 0 && client_policies && mcp_jobs_set_client_policies(jobs, client_policies) < 0) {
                log_error("Invalid value '%s' for --client-policies: policy names [a-z0-9_-] "
                          "separated by commas, such as default,strict",
                          client_policies);
                r = -EINVAL;
        }
        _cleanup_(jobctl_freep) struct jobctl *gc_ctl = NULL;
        struct loop_source *retention = NULL;
        if (r >= 0 && jobctl_open(o, &gc_ctl) >= 0)
                loop_add_timer(l, 1, on_retention, gc_ctl, &retention);
        if (r >= 0)
                r = mcp_stdio_attach(io, server);
        if (r < 0) {
                log_error_errno(r, "Failed to start the MCP server: %s", strerror(-r));
                r = EXIT_CORRAL_FAILED;
        } else {
                log_debug("Serving MCP on stdio (max line %llu bytes)",
                          (unsigned long long)max_line);
                r = loop_run(l);
                if (r < 0) {
                        log_error_errno(r, "Event loop failed: %s", strerror(-r));
                        r = 1;
                }
                serve_shutdown(jobs, on_exit, r);
                mcp_stdio_flush_blocking(io, 2000);
        }
        mcp_server_free(server);
        mcp_jobs_free(jobs); /* after the server: its cancel hooks reach the jobs' watches */
        mcp_stdio_free(io);
        loop_source_free(retention);
        loop_source_free(sig);
        loop_free(l);
        return r;
}
