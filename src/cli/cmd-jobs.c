/* cmd-jobs.c - the job commands over the store: submit, status ID, list, logs,
 * cancel, wait, retry, gc.  They work without a running server: every fact is
 * in the state directory, and each job has its own supervisor. */
#include "caller.h"
#include "commands.h"
#include "config-file.h"
#include "executor.h"
#include "fileio.h"
#include "gov-ledger.h"
#include "hostview.h"
#include "jobctl.h"
#include "job-limits.h"
#include "log.h"
#include "netpolicy.h"
#include "outcome.h"
#include "progress-view.h"
#include "store-list.h"
#include "units.h"
#include "usage-chart.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int append(char ***list, size_t *n, char *s)
{
        char **nl = realloc(*list, (*n + 2) * sizeof(char *));
        if (!nl)
                return -ENOMEM;
        *list = nl;
        nl[(*n)++] = s;
        nl[*n] = NULL;
        return 0;
}

static int dup_strv(char **src, char ***ret)
{
        size_t n = 0;
        while (src && src[n])
                n++;
        char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(v[i] = strdup(src[i])))
                        return -ENOMEM;
        *ret = v;
        return 0;
}

/* `corral CMD --help`: prints usage and returns true. */
static bool wants_help(int argc, char **argv, const char *usage)
{
        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        printf("usage: %s\n", usage);
                        return true;
                }
        return false;
}

static void submit_usage(FILE *f)
{
        fprintf(f, "usage: corral submit [OPTIONS] -- COMMAND [ARG...]\n"
                   "\n"
                   "Creates a job and returns at once; the job's id is printed on the last line.\n"
                   "  --memory SIZE --cpus N --pids N --timeout T --kill-grace T   limits\n"
                   "  --job-id ID          choose the id ([A-Za-z0-9_-]{1,64}, unused)\n"
                   "  --depends-on ID      start only after job ID completed (repeatable)\n"
                   "  --expose PATH        keep PATH visible, read-only (without root;\n"
                   "                       where the store's expose.conf allows it)\n"
                   "  --env KEY=VALUE      set a variable in the job (repeatable)\n"
                   "  --cwd DIR            start in DIR (absolute); the job writes only in its\n"
                   "                       work directory, which is also its $HOME\n"
                   "  --input FILE         JSON saved as input.json (the job's stdin)\n"
                   "  --result-file NAME   the job's result file (default results.json)\n"
                   "  --state-patch FIELD[:POINTER]  on success copy the result (or the part\n"
                   "                       the RFC 6901 POINTER selects) to state/FIELD.json\n"
                   "  --policy NAME        seccomp policy (default, strict, none)\n"
                   "  --mounts private|minimal  what of the host's files the job sees\n"
                   "  --tmp exec|noexec    whether programs may run from /tmp, /dev/shm\n"
                   "  --network host|none  none: an empty network namespace (default host)\n"
                   "  --log SIZE           cap on each log file (default 1G); the job is\n"
                   "                       killed when it is reached\n"
                   "  --file-size SIZE     cap on any file the job writes\n"
                   "  --open-files N       open files (default 1024)\n"
                   "  --memory-threshold PCT --cpu-threshold PCT --psi-threshold PCT\n"
                   "  --max-concurrent N --queue-limit N\n"
                   "  --tenant-max-concurrent N --tenant-max-memory SIZE\n"
                   "                       governor policy, shared by the store\n");
        fprintf(f,
                "  --executor local|slurm  where the store's jobs run (stored; docs/slurm.md)\n"
                "  --slurm-partition P --slurm-account A --slurm-qos Q --slurm-corral PATH\n"
                "  --executor-per-job yes|no  let jobs choose (stored)\n"
                "  --job-executor local|slurm  this job's executor, where the store allows it\n");
}

int cmd_submit(const struct corral_options *o, int argc, char **argv)
{
        _cleanup_(job_freep) struct job *j = job_new();
        if (!j)
                return 1;
        const char *job_id = NULL, *input_file = NULL;
        char err[512];
        struct gov_policy gp;
        gov_policy_init(&gp);
        struct executor_settings es; /* --executor ...: the store's, stored */
        executor_settings_init(&es);
        size_t n_env = 0, n_deps = 0, n_expose = 0;
        int i = 1;
        for (; i < argc; i++) {
                const char *a = argv[i];
                if (strcmp(a, "--") == 0) {
                        i++;
                        break;
                }
                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        submit_usage(stdout);
                        return 0;
                }
                if (strncmp(a, "--", 2) != 0)
                        break;
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                int g = gov_policy_parse_option(&gp, a, v, err, sizeof(err));
                if (g == 0)
                        g = executor_parse_option(&es, a, v, err, sizeof(err));
                if (g < 0) {
                        log_error("%s", err);
                        return EXIT_USAGE;
                }
                if (g > 0) {
                        if (!strchr(a, '='))
                                i++;
                        continue;
                }
                if (!v) {
                        log_error("Option %s needs a value; see corral submit --help", a);
                        return EXIT_USAGE;
                }
                i++;
                int r = limit_parse(&j->limits, a + 2, v, err, sizeof(err));
                if (r == 0)
                        continue;
                if (r == -EINVAL) {
                        log_error("%s", err);
                        return EXIT_USAGE;
                }
                r = 0; /* not a limit: one of ours */
                if (strcmp(a, "--job-id") == 0)
                        job_id = v;
                else if (strcmp(a, "--depends-on") == 0)
                        r = append(&j->depends_on, &n_deps, strdup(v));
                else if (strcmp(a, "--expose") == 0)
                        r = append(&j->expose, &n_expose, strdup(v));
                else if (strcmp(a, "--env") == 0)
                        r = append(&j->env, &n_env, strdup(v));
                else if (strcmp(a, "--cwd") == 0)
                        r = job_set_string(&j->cwd, v);
                else if (strcmp(a, "--input") == 0)
                        input_file = v;
                else if (strcmp(a, "--result-file") == 0)
                        r = job_set_string(&j->result_file, v);
                else if (strcmp(a, "--policy") == 0)
                        r = job_set_string(&j->policy, v);
                else if (strcmp(a, "--job-executor") == 0)
                        r = job_set_string(&j->executor, v);
                else if (strcmp(a, "--mounts") == 0 || strcmp(a, "--tmp") == 0) {
                        bool m = a[2] == 'm';
                        if (m ? strcmp(v, "private") != 0 && strcmp(v, "minimal") != 0
                              : strcmp(v, "exec") != 0 && strcmp(v, "noexec") != 0) {
                                log_error("Invalid value '%s' for %s: %s", v, a,
                                          m ? "private or minimal" : "exec or noexec");
                                return EXIT_USAGE;
                        }
                        /* The defaults are not recorded: NULL means them. */
                        if (strcmp(v, m ? "minimal" : "noexec") == 0)
                                r = job_set_string(m ? &j->mounts : &j->tmp, v);
                } else if (strcmp(a, "--network") == 0) {
                        char why[512], canon[4096];
                        _cleanup_free_ struct net_policy *np = calloc(1, sizeof(*np));
                        if (!np)
                                return 1;
                        if (net_policy_parse(v, np, why, sizeof(why)) < 0) {
                                log_error("Invalid value '%s' for --network: %s", v, why);
                                return EXIT_USAGE;
                        }
                        net_policy_format(np, canon, sizeof(canon));
                        r = job_set_string(&j->network, canon);
                } else if (strcmp(a, "--state-patch") == 0) {
                        const char *colon = strchr(v, ':');
                        j->state_patch_field = colon ? strndup(v, (size_t)(colon - v)) : strdup(v);
                        if (colon)
                                r = job_set_string(&j->state_patch_pointer, colon + 1);
                } else {
                        log_error("Unknown option '%s' for corral submit; see corral submit --help",
                                  a);
                        return EXIT_USAGE;
                }
                if (r < 0)
                        return 1;
        }
        if (i >= argc) {
                log_error("No command given: corral submit [OPTIONS] -- COMMAND [ARG...]");
                return EXIT_USAGE;
        }
        if (dup_strv(argv + i, &j->command) < 0)
                return 1;

        _cleanup_free_ char *input = NULL;
        size_t input_len = 0;
        if (input_file) {
                /* Through the daemon, with the client's permissions (caller.h). */
                int r = read_file_as_caller(input_file, 64u << 20, &input, &input_len);
                if (r < 0) {
                        log_error("Cannot read --input '%s': %s", input_file, strerror(-r));
                        return EXIT_USAGE;
                }
        }

        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        if (gp.set) {
                _cleanup_(gov_ledger_freep) struct gov_ledger *l = NULL;
                if (gov_ledger_open(c->state_dir, &l) == 0)
                        gov_ledger_store_policy(l, &gp);
        }
        if (es.set && executor_store(c->state_dir, &es) < 0) {
                log_error("Failed to store the executor settings in '%s'", c->state_dir);
                return 1;
        }
        int r = jobctl_submit(c, j, job_id, input, input_len, err, sizeof(err));
        if (r < 0) {
                log_error("%s", err);
                /* Refusals (bad request, queue full, never fits) are the caller's to fix. */
                return r == -EINVAL || r == -EEXIST || r == -EBADMSG || r == -ENOENT ||
                               r == -EBUSY || r == -E2BIG
                           ? EXIT_USAGE
                           : 1;
        }
        printf("%s\n", j->id);
        return 0;
}

static void print_job(const struct job *j)
{
        char a[32], b[32];
        printf("%s  %s", j->id, job_status_to_string(j->status));
        if (j->reason)
                printf("  (%s)", j->reason);
        printf("\n  command:");
        for (char **c = j->command; c && *c; c++)
                printf(" %s", *c);
        printf("\n");
        if (j->progress.percent >= 0 || j->progress.message)
                printf("  progress: %.1f%%  %s\n",
                       j->progress.percent < 0 ? 0 : j->progress.percent,
                       j->progress.message ? j->progress.message : "");
        if (j->status == JOB_QUEUED && j->queue_position > 0)
                printf("  queue position: %lld\n", (long long)j->queue_position);
        if (job_status_is_terminal(j->status)) {
                if (j->exit_code >= 0)
                        printf("  exit code: %d\n", j->exit_code);
                if (j->signal)
                        printf("  signal: %d\n", j->signal);
                printf("  memory peak: %s", format_bytes(a, sizeof(a), j->memory_peak_bytes));
                if (j->memory_limit_bytes)
                        printf(" of %s", format_bytes(b, sizeof(b), j->memory_limit_bytes));
                printf(", oom kills: %llu, cpu: %.3f s, wall: %.3f s\n",
                       (unsigned long long)j->oom_kills, (double)j->cpu_usage_usec / 1e6,
                       (double)j->wall_ms / 1e3);
                char hit[128];
                if (outcome_limits_hit(j->limits.pids, j->pids_max_hits, hit, sizeof(hit)) > 0)
                        printf("  processes: %s\n", hit);
        }
        if (j->lost_reason)
                printf("  lost: %s\n", j->lost_reason);
        if (j->result_error)
                printf("  result: %s\n", j->result_error);
        if (j->error && j->status != JOB_COMPLETED)
                printf("  stderr (end):\n%s\n", j->error);
}

/* The record as job.json has it (one member a line, as scripts and the VM
 * lane read it), with "usage" added last: the series of usage.json, on one
 * line, or null before the job ran. */
static int print_job_json(const struct job *j, const struct usage_series *usage)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (job_to_json(j, &text, &len) < 0)
                return 1;
        /* Drop the record's closing brace (one) and the line breaks around it. */
        while (len > 0 && text[len - 1] == '\n')
                len--;
        if (len > 0 && text[len - 1] == '}')
                len--;
        while (len > 0 && text[len - 1] == '\n')
                len--;
        cJSON *u = usage ? usage_to_json(usage) : cJSON_CreateNull();
        char *series = u ? cJSON_PrintUnformatted(u) : NULL;
        cJSON_Delete(u);
        if (!series)
                return 1;
        fwrite(text, 1, len, stdout);
        printf(",\n\t\"usage\":\t%s\n}\n", series);
        free(series);
        return 0;
}

int cmd_job_status(const struct corral_options *o, const char *id, bool json)
{
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        jobctl_recover_one(c, id);
        _cleanup_(job_freep) struct job *j = NULL;
        if (jobctl_load(c, id, &j) < 0) {
                log_error("No such job: '%s'", id);
                return EXIT_USAGE;
        }
        _cleanup_free_ struct usage_series *usage = malloc(sizeof(*usage));
        _cleanup_close_ int dfd = -EBADF;
        if (usage &&
            (store_job_open_dir(c->store, id, &dfd) < 0 || usage_load_at(dfd, usage) < 0)) {
                free(usage);
                usage = NULL;
        }
        if (json)
                return print_job_json(j, usage);
        print_job(j);
        if (usage)
                usage_chart_print(
                    stdout, usage,
                    j->memory_limit_bytes ? j->memory_limit_bytes : j->limits.memory_bytes, 60, 3);
        return 0;
}

/* --since/--until: "2026-12-01", "2026-12-01T10:00:00Z", or a duration ago ("2h", "30m"). */
int cli_parse_time(const char *s, uint64_t now, uint64_t *ret)
{
        int y, mo, d, h = 0, mi = 0, sec = 0, n = 0;
        uint64_t ago;
        if (parse_duration(s, &ago) == 0) {
                *ret = ago < now ? now - ago : 1;
                return 0;
        }
        if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) == 3 && n == 10 &&
            (s[n] == 0 || (sscanf(s + n, "T%2d:%2d:%2d%n", &h, &mi, &sec, &n) == 3 &&
                           (strcmp(s + 10 + n, "Z") == 0 || s[10 + n] == 0)))) {
                if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
                    mi > 59 || sec < 0 || sec > 60)
                        return -EINVAL;
                struct tm tm = {.tm_year = y - 1900,
                                .tm_mon = mo - 1,
                                .tm_mday = d,
                                .tm_hour = h,
                                .tm_min = mi,
                                .tm_sec = sec};
                time_t t = timegm(&tm);
                if (t < 0)
                        return -EINVAL;
                *ret = (uint64_t)t * 1000000u;
                return 0;
        }
        return -EINVAL;
}

/* Jobs per page of an unlimited listing. */
#define LIST_PAGE 1000

#define LIST_USAGE                                                                                 \
        "corral list [--json] [--status STATUS]... [--since TIME] [--until TIME]\n"                \
        "            [--command SUBSTRING] [--tenant NAME] [--limit N] [--before ID]"

/* The jobs of one `corral list` page as the user sees them: finished jobs
 * from the index, live ones from their records (the active set), so a page
 * reads its own records, not the history.  Only live jobs can have lost
 * their supervisor: those are recovered (a lost one gets its terminal
 * record) and the page read again, not the whole store. */
static int list_page(struct jobctl *c, const struct store_index_query *q, struct store_list *ret)
{
        int r = store_list_query(c->store, q, ret);
        bool recovered = false;
        for (size_t i = 0; r >= 0 && i < ret->n; i++)
                if (!job_status_is_terminal(ret->jobs[i]->status) &&
                    jobctl_recover_one(c, ret->jobs[i]->id) > 0)
                        recovered = true;
        if (r >= 0 && recovered) {
                store_list_done(ret);
                r = store_list_query(c->store, q, ret);
        }
        return r;
}

static void print_list_row(const struct job *j, bool json, bool comma)
{
        if (json) {
                _cleanup_free_ char *text = NULL;
                size_t len;
                if (job_to_json(j, &text, &len) == 0)
                        printf("%s%.*s", comma ? "," : "", (int)len, text);
                return;
        }
        char when[40];
        printf("%-24s %-18s %s", j->id, job_status_to_string(j->status),
               format_iso8601(when, sizeof(when), j->created_at));
        for (char **a = j->command; a && *a; a++)
                printf(" %s", *a);
        printf("\n");
}

int cmd_list(const struct corral_options *o, int argc, char **argv)
{
        if (wants_help(argc, argv, LIST_USAGE))
                return 0;
        bool json = false;
        const char *before_id = NULL;
        struct store_index_query q = {0};
        uint64_t now = now_realtime_usec();
        for (int i = 1; i < argc; i++) {
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (strcmp(argv[i], "--json") == 0)
                        json = true;
                else if (strcmp(argv[i], "--status") == 0 && v) {
                        enum job_status s = job_status_from_string(v);
                        if (s < 0) {
                                log_error("Unknown status '%s'", v);
                                return EXIT_USAGE;
                        }
                        q.status_mask |= STORE_STATUS_BIT(s);
                        i++;
                } else if ((strcmp(argv[i], "--since") == 0 || strcmp(argv[i], "--until") == 0) &&
                           v) {
                        uint64_t t;
                        if (cli_parse_time(v, now, &t) < 0) {
                                log_error("Invalid time for %s: '%s': allowed are an ISO 8601 "
                                          "date or time (2026-12-01, 2026-12-01T10:00:00Z) or a "
                                          "duration ago (2h, 30m)",
                                          argv[i], v);
                                return EXIT_USAGE;
                        }
                        *(argv[i][2] == 's' ? &q.since : &q.until) = t;
                        i++;
                } else if (strcmp(argv[i], "--command") == 0 && v) {
                        q.command = v;
                        i++;
                } else if (strcmp(argv[i], "--before") == 0 && v) {
                        before_id = v;
                        i++;
                } else if (strcmp(argv[i], "--limit") == 0 && v) {
                        uint64_t n;
                        if (parse_uint(v, 1000000000, &n) < 0 || n == 0) {
                                log_error("Invalid --limit '%s': allowed is a positive integer", v);
                                return EXIT_USAGE;
                        }
                        q.limit = n;
                        i++;
                } else {
                        log_error("usage: " LIST_USAGE);
                        return EXIT_USAGE;
                }
        }
        /* --tenant NAME is main's global option: another tenant's history is
         * read with that tenant's store (0700, root's under /var/lib/corral),
         * and through the daemon only by operators (daemon-server.c). */
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        /* --before ID: the page older than that job (its position from its record). */
        _cleanup_(job_freep) struct job *before = NULL;
        if (before_id) {
                if (store_job_load(c->store, before_id, &before, NULL) < 0) {
                        log_error("No such job for --before: '%s'", before_id);
                        return EXIT_USAGE;
                }
                q.before_id = before->id;
                q.before_created = before->created_at;
        }
        /* Without --limit, the whole listing goes out in pages, oldest first,
         * each after the last one printed: memory is one page's, whatever the
         * history (100,000 jobs held at once cost 76 MB). */
        bool paged = q.limit == 0;
        if (paged) {
                q.limit = LIST_PAGE;
                q.oldest_first = true;
        }
        /* The table shows id, status, time and command: index rows hold
         * them for finished jobs (store_index_query_brief); --json prints
         * whole records. */
        q.brief = !json;
        _cleanup_free_ char *after_id = NULL;
        size_t printed = 0;
        if (json)
                printf("[");
        for (;;) {
                struct store_list l = {0};
                int r = list_page(c, &q, &l);
                if (r < 0) {
                        log_error("Failed to read the job index: %s", strerror(-r));
                        return 1;
                }
                for (size_t i = 0; i < l.n; i++)
                        print_list_row(l.jobs[i], json, printed++ > 0);
                /* Where the next (older) page starts; stderr keeps stdout the listing. */
                if (!paged && l.next_cursor && l.n)
                        fprintf(stderr, "more: corral list --before %s\n", l.jobs[0]->id);
                bool more = paged && l.next_cursor && l.n;
                if (more) {
                        const struct job *last = l.jobs[l.n - 1];
                        free(after_id);
                        after_id = strdup(last->id);
                        q.after_id = after_id;
                        q.after_created = last->created_at;
                }
                store_list_done(&l);
                if (!more)
                        break;
                if (!after_id) {
                        log_error("Failed to list jobs: %s", strerror(ENOMEM));
                        return 1;
                }
        }
        if (json)
                printf("]\n");
        return 0;
}

int cmd_logs(const struct corral_options *o, int argc, char **argv)
{
        if (wants_help(argc, argv, "corral logs ID [--stderr] [--follow]"))
                return 0;
        bool err_stream = false, follow = false;
        const char *id = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--stderr") == 0)
                        err_stream = true;
                else if (strcmp(argv[i], "--follow") == 0 || strcmp(argv[i], "-f") == 0)
                        follow = true;
                else if (!id && argv[i][0] != '-')
                        id = argv[i];
                else {
                        log_error("usage: corral logs ID [--stderr] [--follow]");
                        return EXIT_USAGE;
                }
        }
        if (!id) {
                log_error("usage: corral logs ID [--stderr] [--follow]");
                return EXIT_USAGE;
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        _cleanup_close_ int dfd = -EBADF;
        if (store_job_open_dir(c->store, id, &dfd) < 0) {
                log_error("No such job: '%s'", id);
                return EXIT_USAGE;
        }
        _cleanup_close_ int fd = openat(dfd, err_stream ? "stderr.log" : "stdout.log",
                                        O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        /* --follow on a terminal: the progress bar under the log's last line.
         * Off a terminal stdout is the log alone. */
        _cleanup_(progress_view_freep) struct progress_view *view = NULL;
        if (follow && progress_view_new(stdout, isatty(STDOUT_FILENO), false, &view) < 0)
                return 1;
        bool at_line_start = true;
        char buf[65536];
        for (;;) {
                ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;
                if (n > 0) {
                        progress_view_clear(view);
                        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
                                return 1;
                        at_line_start = buf[n - 1] == '\n';
                        continue;
                }
                if (!follow)
                        break;
                fflush(stdout);
                _cleanup_(job_freep) struct job *j = NULL;
                int lr = jobctl_load(c, id, &j);
                /* The bar never lands in the middle of a log line. */
                if (lr == 0 && at_line_start && !job_status_is_terminal(j->status))
                        progress_view_update(view, j);
                if (lr < 0 || job_status_is_terminal(j->status)) {
                        /* One more read: the last bytes may have landed after ours. */
                        progress_view_clear(view);
                        while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
                                fwrite(buf, 1, (size_t)n, stdout);
                        break;
                }
                if (fd < 0)
                        fd = openat(dfd, err_stream ? "stderr.log" : "stdout.log",
                                    O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
                usleep(200000);
        }
        return 0;
}

int cmd_cancel(const struct corral_options *o, int argc, char **argv)
{
        if (wants_help(argc, argv, "corral cancel ID"))
                return 0;
        if (argc != 2) {
                log_error("usage: corral cancel ID");
                return EXIT_USAGE;
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        char err[256];
        int r = jobctl_cancel(c, argv[1], err, sizeof(err));
        if (r < 0) {
                log_error("%s", err);
                return r == -ENOENT ? EXIT_USAGE : 1;
        }
        /* Wait (bounded) until the supervisor has recorded the outcome. */
        for (int i = 0; i < 600; i++) {
                _cleanup_(job_freep) struct job *j = NULL;
                if (store_job_load(c->store, argv[1], &j, NULL) == 0 &&
                    job_status_is_terminal(j->status)) {
                        printf("%s %s\n", j->id, job_status_to_string(j->status));
                        return 0;
                }
                usleep(50000);
        }
        log_error("Job '%s' was asked to stop but has not recorded its end yet", argv[1]);
        return 1;
}

int cmd_wait(const struct corral_options *o, int argc, char **argv)
{
        if (wants_help(argc, argv, "corral wait ID [--timeout T]"))
                return 0;
        const char *id = NULL;
        uint64_t timeout = 0;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
                        if (parse_duration(argv[++i], &timeout) < 0) {
                                log_error("Invalid value '%s' for --timeout", argv[i]);
                                return EXIT_USAGE;
                        }
                } else if (!id)
                        id = argv[i];
        }
        if (!id) {
                log_error("usage: corral wait ID [--timeout T]");
                return EXIT_USAGE;
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        /* Live progress: a bar on a terminal; plain lines on stderr otherwise, so
         * stdout keeps the one outcome line scripts read. */
        bool tty = isatty(STDOUT_FILENO);
        _cleanup_(progress_view_freep) struct progress_view *view = NULL;
        if (progress_view_new(tty ? stdout : stderr, tty, !tty, &view) < 0)
                return 1;
        uint64_t t0 = now_monotonic_usec();
        for (int misses = 0;;) {
                jobctl_recover_one(c, id);
                _cleanup_(job_freep) struct job *j = NULL;
                if (jobctl_load(c, id, &j) < 0) {
                        /* Only a job that stays unreadable is "no such job". */
                        if (++misses < 5) {
                                usleep(100000);
                                continue;
                        }
                        log_error("No such job: '%s'", id);
                        return EXIT_USAGE;
                }
                misses = 0;
                progress_view_update(view, j);
                if (job_status_is_terminal(j->status)) {
                        progress_view_clear(view);
                        printf("%s %s%s%s\n", j->id, job_status_to_string(j->status),
                               j->reason ? ": " : "", j->reason ? j->reason : "");
                        return outcome_exit_status(j->status, j->exit_code, j->signal);
                }
                if (timeout && now_monotonic_usec() - t0 > timeout) {
                        progress_view_clear(view);
                        log_error("Job '%s' is still %s after the --timeout", id,
                                  job_status_to_string(j->status));
                        return EXIT_TIMED_OUT;
                }
                usleep(100000);
        }
}

int cmd_retry(const struct corral_options *o, int argc, char **argv)
{
        if (wants_help(argc, argv, "corral retry ID"))
                return 0;
        if (argc != 2) {
                log_error("usage: corral retry ID");
                return EXIT_USAGE;
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        char err[512];
        _cleanup_free_ char *nid = NULL;
        if (jobctl_retry(c, argv[1], &nid, err, sizeof(err)) < 0) {
                log_error("%s", err);
                return EXIT_USAGE;
        }
        printf("%s\n", nid);
        return 0;
}

int cmd_gc(const struct corral_options *o, int argc, char **argv)
{
        if (wants_help(argc, argv, "corral gc [--ttl DURATION] [--disk-budget SIZE]"))
                return 0;
        uint64_t ttl = 7ull * 24 * 3600 * 1000000, budget = 0;
        if (o->config && o->config->has_gc_ttl) /* corral.conf, below the flags */
                ttl = o->config->gc_ttl_usec;
        if (o->config && o->config->has_gc_disk_budget)
                budget = o->config->gc_disk_budget;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc) {
                        if (parse_duration(argv[++i], &ttl) < 0) {
                                log_error("Invalid value '%s' for --ttl: a duration such as 7d is "
                                          "written 168h",
                                          argv[i]);
                                return EXIT_USAGE;
                        }
                } else if (strcmp(argv[i], "--disk-budget") == 0 && i + 1 < argc) {
                        if (parse_size(argv[++i], &budget) < 0) {
                                log_error("Invalid value '%s' for --disk-budget", argv[i]);
                                return EXIT_USAGE;
                        }
                } else {
                        log_error("usage: corral gc [--ttl DURATION] [--disk-budget SIZE]");
                        return EXIT_USAGE;
                }
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        jobctl_recover(c);
        size_t removed = 0;
        int r = store_gc(c->store, ttl, budget, now_realtime_usec(), &removed);
        if (r < 0) {
                log_error("Failed to collect old jobs: %s", strerror(-r));
                return 1;
        }
        printf("removed %zu finished job(s)\n", removed);
        return 0;
}
