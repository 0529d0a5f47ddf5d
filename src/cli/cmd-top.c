/* cmd-top.c - `corral top`: the jobs view in a terminal, refreshed live (like
 * htop or squeue), for operators on the host.
 *
 * Each frame: the host's memory, CPU and pressure against the governor's
 * thresholds; running jobs with progress and memory against their limit
 * (with its recent history from usage.json); the queue in order with why it
 * waits; the last finished jobs with their outcome.  The frame is built in
 * memory and written at once (no flicker); on a terminal it uses the
 * alternate screen and `q` or Ctrl-C quits, restoring the terminal.
 * --once prints one frame and exits (scripts, pipes).
 */
#include "cleanup.h"
#include "commands.h"
#include "gov-measure.h"
#include "gov-status.h"
#include "jobctl.h"
#include "log.h"
#include "store-list.h"
#include "units.h"
#include "usage-chart.h"

#include <errno.h>
#include <stdint.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FINISHED_SHOWN 10

static volatile sig_atomic_t quit;

static void on_signal(int sig)
{
        (void)sig;
        quit = 1;
}

static void usage(FILE *f)
{
        fprintf(f, "usage: corral top [--interval SECONDS] [--once]\n\n"
                   "  The jobs view, refreshed live: host memory/CPU/pressure against the\n"
                   "  governor's thresholds, running jobs (progress, memory against limit),\n"
                   "  the queue and why it waits, the last finished jobs and their outcome.\n"
                   "  --interval S  seconds between frames (0.2 to 60, default 2)\n"
                   "  --once        print one frame and exit\n"
                   "  q or Ctrl-C quits.\n");
}

/* A bar of width cells, fraction filled. */
static void bar(FILE *f, double fraction, int width)
{
        if (fraction < 0)
                fraction = 0;
        if (fraction > 1)
                fraction = 1;
        int full = (int)(fraction * width + 0.5);
        for (int i = 0; i < width; i++)
                fputs(i < full ? "█" : "░", f);
}

/* At most width bytes of s, with "…" when cut; padded to width unless it
 * ends the line. */
static void cell_pad(FILE *f, const char *s, int width, bool pad)
{
        int n = (int)strlen(s);
        if (n <= width) {
                fprintf(f, "%-*s", pad ? width : 0, s);
                return;
        }
        /* Cut at a UTF-8 character boundary. */
        int cut = width - 1;
        while (cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80)
                cut--;
        fprintf(f, "%.*s…%*s", cut, s, pad ? width - 1 - cut : 0, "");
}

static void cell(FILE *f, const char *s, int width)
{
        cell_pad(f, s, width, false);
}

static void command_line(const struct job *j, char *buf, size_t len)
{
        size_t o = 0;
        buf[0] = 0;
        for (char **a = j->command; a && *a && o + 1 < len; a++)
                o += (size_t)snprintf(buf + o, len - o, "%s%s", a == j->command ? "" : " ", *a);
}

static void host_lines(FILE *f, const struct gov_status *s)
{
        const struct gov_policy *p = &s->snap.policy;
        char a[32];
        fputs("memory   ", f);
        bar(f, s->m.memory.used_percent / 100, 20);
        fprintf(f, " %5.1f%% of %-10s admits below %.0f%%\n", s->m.memory.used_percent,
                format_bytes(a, sizeof(a), s->m.memory.total_bytes), p->memory_threshold);
        fputs("cpu      ", f);
        bar(f, s->m.cpu.known ? s->m.cpu.used_percent / 100 : 0, 20);
        if (s->m.cpu.known)
                fprintf(f, " %5.1f%% of %-4.1f cores admits below %.0f%%\n", s->m.cpu.used_percent,
                        s->m.cpu.cores, p->cpu_threshold);
        else
                fprintf(f, "   (measuring)         admits below %.0f%%\n", p->cpu_threshold);
        fputs("pressure ", f);
        for (int r = 0; r < _GOV_PSI_MAX; r++)
                if (s->m.pressure[r].known)
                        fprintf(f, " %s %.1f%%", gov_resource_to_string((enum gov_resource)r),
                                s->m.pressure[r].some_avg10);
        if (p->psi_threshold > 0)
                fprintf(f, "   admits below %.0f%%\n", p->psi_threshold);
        else
                fputs("   (no pressure threshold)\n", f);
        fprintf(f, "jobs      %zu running, %zu queued, at most %u at once", s->snap.n_running,
                s->snap.n_queued, s->max_concurrent);
        if (s->have_head)
                fprintf(f, "; the queue waits: %s", s->head.reason);
        fputc('\n', f);
}

/* CPU percent of one CPU over the last two points of a series. */
static double recent_cpu(const struct usage_series *u)
{
        if (u->n < 2)
                return 0;
        const struct usage_point *a = &u->p[u->n - 2], *b = &u->p[u->n - 1];
        return b->t_ms > a->t_ms
                   ? (double)(b->cpu_usec - a->cpu_usec) / 10.0 / (double)(b->t_ms - a->t_ms)
                   : 0;
}

static void running_line(FILE *f, struct jobctl *c, const struct job *j, int width)
{
        char a[32], b[32], mem[48], cmd[512], pct[16];
        struct usage_series *u = malloc(sizeof(*u));
        _cleanup_close_ int dfd = -EBADF;
        bool have =
            u && store_job_open_dir(c->store, j->id, &dfd) == 0 && usage_load_at(dfd, u) == 0;
        uint64_t limit = j->limits.memory_bytes;
        uint64_t now = have && u->n ? u->p[u->n - 1].memory_bytes : 0;
        fprintf(f, "  %-18s ", j->id);
        bar(f, j->progress.percent >= 0 ? j->progress.percent / 100 : 0, 10);
        snprintf(pct, sizeof(pct), j->progress.percent >= 0 ? "%.0f%%" : "–", j->progress.percent);
        fprintf(f, " %-4s ", pct);
        snprintf(mem, sizeof(mem), "%s/%s", format_bytes(a, sizeof(a), now),
                 limit ? format_bytes(b, sizeof(b), limit) : "∞");
        cell_pad(f, mem, 19, true);
        if (have)
                usage_sparkline_print(f, u, limit, 10);
        else
                fprintf(f, "%10s", "");
        fprintf(f, " %4.0f%%  ", have ? recent_cpu(u) : 0);
        command_line(j, cmd, sizeof(cmd));
        if (j->progress.message) {
                size_t o = strlen(cmd);
                snprintf(cmd + o, sizeof(cmd) - o, "  (%s)", j->progress.message);
        }
        cell(f, cmd, width > 82 ? width - 82 : 10);
        fputc('\n', f);
        free(u);
}

static int by_queue_position(const void *a, const void *b)
{
        int64_t x = (*(const struct job *const *)a)->queue_position;
        int64_t y = (*(const struct job *const *)b)->queue_position;
        if (x <= 0)
                x = INT64_MAX;
        if (y <= 0)
                y = INT64_MAX;
        return x < y ? -1 : x > y;
}

static int frame(FILE *f, struct jobctl *c, struct gov_measure *meas, int width, double interval)
{
        struct gov_measurements m;
        struct gov_status s;
        gov_measure_sample(meas, 0);
        int r = gov_measure_read(meas, &m);
        if (r < 0)
                return log_error_errno(r, "Failed to measure memory and CPU: %s", strerror(-r));
        r = gov_status_collect(&m, c->state_dir, &s);
        if (r < 0)
                return log_error_errno(r, "Failed to read the governor's ledger in '%s': %s",
                                       c->state_dir, strerror(-r));
        /* Finished jobs counted in the index and only the shown ones read:
         * a frame costs the live jobs, not the history (store-list.h). */
        struct store_census l = {0};
        r = store_census(c->store, FINISHED_SHOWN, &l);
        if (r < 0) {
                gov_status_done(&s);
                return log_error_errno(r, "Failed to list jobs: %s", strerror(-r));
        }
        char when[16];
        time_t t = time(NULL);
        strftime(when, sizeof(when), "%H:%M:%S", localtime(&t));
        fprintf(f, "corral top   %s   every %.1f s   q quits   %s\n\n", c->state_dir, interval,
                when);
        host_lines(f, &s);

        size_t n_run = l.by_status[JOB_RUNNING], n_queue = l.by_status[JOB_QUEUED], n_done = 0;
        for (int st = 0; st < _JOB_STATUS_MAX; st++)
                if (job_status_is_terminal(st))
                        n_done += l.by_status[st];
        fprintf(f, "\nRUNNING (%zu)\n  %-18s %-15s %-19s %-10s %5s  %s\n", n_run, "ID", "PROGRESS",
                "MEMORY NOW/LIMIT", "HISTORY", "CPU", "COMMAND");
        for (size_t i = 0; i < l.n_live; i++)
                if (l.live[i]->status == JOB_RUNNING)
                        running_line(f, c, l.live[i], width);

        fprintf(f, "\nQUEUED (%zu)\n  %-4s %-18s %s\n", n_queue, "POS", "ID", "WAITING BECAUSE");
        /* In queue order: position 1 first, unknown positions last. */
        const struct job **q = calloc(n_queue ? n_queue : 1, sizeof(*q));
        size_t nq = 0;
        for (size_t i = 0; q && i < l.n_live; i++)
                if (l.live[i]->status == JOB_QUEUED)
                        q[nq++] = l.live[i];
        if (q)
                qsort(q, nq, sizeof(*q), by_queue_position);
        for (size_t i = 0; i < nq; i++) {
                char p[16];
                snprintf(p, sizeof(p), q[i]->queue_position > 0 ? "%lld" : "?",
                         (long long)q[i]->queue_position);
                fprintf(f, "  %-4s %-18s ", p, q[i]->id);
                cell(f, q[i]->reason ? q[i]->reason : "waiting for admission",
                     width > 28 ? width - 28 : 20);
                fputc('\n', f);
        }
        free(q);

        fprintf(f, "\nFINISHED (last %d of %zu)\n  %-18s %-18s %s\n", FINISHED_SHOWN, n_done, "ID",
                "OUTCOME", "DETAIL");
        for (size_t i = l.n_finished; i-- > 0;) {
                const struct job *j = l.finished[i];
                char detail[512];
                const char *why = j->status == JOB_LOST ? j->lost_reason : j->reason;
                if (why)
                        snprintf(detail, sizeof(detail), "%s", why);
                else if (j->exit_code >= 0)
                        snprintf(detail, sizeof(detail), "exit code %d", j->exit_code);
                else
                        detail[0] = 0;
                fprintf(f, "  %-18s %-18s ", j->id, job_status_to_string(j->status));
                cell(f, detail, width > 40 ? width - 40 : 20);
                fputc('\n', f);
        }
        store_census_done(&l);
        gov_status_done(&s);
        return 0;
}

static int terminal_width(void)
{
        struct winsize ws;
        if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
                return ws.ws_col;
        return 120;
}

int cmd_top(const struct corral_options *o, int argc, char **argv)
{
        double interval = 2.0;
        bool once = false;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        usage(stdout);
                        return 0;
                } else if (strcmp(argv[i], "--once") == 0)
                        once = true;
                else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
                        char *end;
                        interval = strtod(argv[++i], &end);
                        if (*end || !(interval >= 0.2 && interval <= 60)) {
                                log_error("--interval '%s': give seconds from 0.2 to 60", argv[i]);
                                return EXIT_USAGE;
                        }
                } else {
                        log_error("Unknown argument '%s'; see corral top --help", argv[i]);
                        return EXIT_USAGE;
                }
        }
        _cleanup_(jobctl_freep) struct jobctl *c = NULL;
        if (jobctl_open(o, &c) < 0)
                return 1;
        jobctl_recover(c);
        _cleanup_(gov_measure_freep) struct gov_measure *meas = NULL;
        int r = gov_measure_new(NULL, &meas);
        if (r < 0) {
                log_error_errno(r, "Failed to open /proc for measurements: %s", strerror(-r));
                return 1;
        }
        if (once) {
                /* CPU needs two samples: take the first a moment before the frame. */
                gov_measure_sample(meas, 0);
                usleep((useconds_t)GOV_ONESHOT_GAP_USEC);
                return frame(stdout, c, meas, terminal_width(), interval) < 0 ? 1 : 0;
        }

        bool tty_in = isatty(STDIN_FILENO), tty_out = isatty(STDOUT_FILENO);
        struct termios saved;
        bool raw = tty_in && tcgetattr(STDIN_FILENO, &saved) == 0;
        if (raw) {
                struct termios t = saved;
                t.c_lflag &=
                    ~(tcflag_t)(ICANON | ECHO); /* keys at once, unechoed; ^C still works */
                t.c_cc[VMIN] = 0;
                t.c_cc[VTIME] = 0;
                tcsetattr(STDIN_FILENO, TCSANOW, &t);
        }
        struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: poll returns */
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        if (tty_out)
                fputs("\033[?1049h\033[?25l", stdout); /* alternate screen, no cursor */

        int status = 0;
        while (!quit) {
                char *buf = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&buf, &size);
                if (!f) {
                        status = 1;
                        break;
                }
                if (tty_out)
                        fputs("\033[H\033[2J", f);
                r = frame(f, c, meas, terminal_width(), interval);
                fclose(f);
                if (r < 0) {
                        free(buf);
                        status = 1;
                        break;
                }
                fwrite(buf, 1, size, stdout);
                fflush(stdout);
                free(buf);
                struct pollfd pf = {.fd = STDIN_FILENO, .events = POLLIN};
                if (poll(&pf, tty_in ? 1 : 0, (int)(interval * 1000)) > 0) {
                        char key;
                        if (read(STDIN_FILENO, &key, 1) == 1 && (key == 'q' || key == 'Q'))
                                break;
                }
        }
        if (tty_out)
                fputs("\033[?25h\033[?1049l", stdout);
        fflush(stdout);
        if (raw)
                tcsetattr(STDIN_FILENO, TCSANOW, &saved);
        return status;
}
