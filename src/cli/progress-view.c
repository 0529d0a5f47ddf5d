/* progress-view.c - live progress for wait and logs --follow (see
 * progress-view.h).  The memory figure is the job group's own, found from the
 * job's pid (checked by start time, so a reused pid is never measured). */
#include "progress-view.h"
#include "cgroup-usage.h"
#include "procfs.h"
#include "progressbar.h"
#include "units.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

struct progress_view {
        FILE *out;
        bool tty, plain, drawn;
        struct cg_layout *layout; /* NULL: memory not shown */
        char last[512];           /* the last plain line, printed again only when changed */
};

int progress_view_new(FILE *out, bool tty, bool plain, struct progress_view **ret)
{
        struct progress_view *v = calloc(1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        v->out = out;
        v->tty = tty;
        v->plain = plain;
        if (tty || plain)
                (void)cg_layout_detect(NULL, &v->layout);
        *ret = v;
        return 0;
}

static unsigned columns(FILE *out)
{
        struct winsize ws;
        if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
                return ws.ws_col;
        return 80;
}

void progress_view_update(struct progress_view *v, const struct job *j)
{
        if (!v || (!v->tty && !v->plain))
                return;
        uint64_t now = now_realtime_usec();
        uint64_t since = j->started_at ? j->started_at : j->created_at;
        struct progressbar p = {
            .status = job_status_to_string(j->status),
            .percent = j->progress.percent,
            .message = j->status == JOB_QUEUED && j->reason ? j->reason : j->progress.message,
            .elapsed_usec = since && now > since ? now - since : 0,
        };
        if (v->layout && j->status == JOB_RUNNING && j->pid > 0 &&
            proc_alive(j->pid, j->pid_starttime) &&
            cg_pid_memory_current(v->layout, j->pid, &p.memory_bytes) == 0)
                p.memory_known = true;
        char line[512];
        if (v->tty) {
                progressbar_format(&p, columns(v->out), line, sizeof(line));
                /* \r and erase-to-end: the bar replaces itself on one line. */
                fprintf(v->out, "\r\033[K%s", line);
                fflush(v->out);
                v->drawn = true;
                return;
        }
        /* Plain: a line when the status, percent or message changes (not the clock). */
        if (p.percent < 0 && !p.message)
                return;
        char key[512];
        snprintf(key, sizeof(key), "%s %.0f %s", p.status, p.percent, p.message ? p.message : "");
        if (strcmp(key, v->last) == 0)
                return;
        snprintf(v->last, sizeof(v->last), "%s", key);
        progressbar_plain(&p, line, sizeof(line));
        fprintf(v->out, "%s %s\n", j->id, line);
        fflush(v->out);
}

void progress_view_clear(struct progress_view *v)
{
        if (v && v->tty && v->drawn) {
                fputs("\r\033[K", v->out);
                fflush(v->out);
                v->drawn = false;
        }
}

void progress_view_free(struct progress_view *v)
{
        if (!v)
                return;
        progress_view_clear(v);
        cg_layout_free(v->layout);
        free(v);
}
