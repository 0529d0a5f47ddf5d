/* executor-slurm.c - see executor-slurm.h.
 *
 * Theory of operation.  The supervisor (supervisor.c) has waited for the
 * job's dependencies; the governor is not asked (queueing is Slurm's).  Then:
 *
 *   1. adopt or submit: a recorded slurm.job_id is adopted; else squeue is
 *      asked for a job of this job's name (a supervisor that died between
 *      sbatch and writing job.json); else the job is submitted.  Submitting
 *      writes two files in the job's directory -- slurm-batch.sh, constant
 *      text, and slurm-argv, the `corral run` command line as NUL-separated
 *      strings -- and runs `sbatch --parsable ... slurm-batch.sh CORRAL
 *      slurm-argv`.  Nothing of the user's reaches a shell: the script only
 *      execs "$1" __slurm-exec "$2", which execs the argv read from the file.
 *   2. follow: squeue every POLL_MS gives the state, reason and node; a
 *      pending job's reason and queue position are written in words, a
 *      running one's progress is read from its files as for a local job.  A
 *      controller that does not answer changes nothing but the reason: the
 *      job stays queued or running until Slurm answers again.
 *   3. cancel (SIGTERM): scancel, retried until Slurm takes it; the job is
 *      recorded when Slurm says it ended.
 *   4. record: Slurm's final state (scontrol show job; sacct for the steps
 *      when accounting exists) and corral's outcome JSON written by `corral
 *      run` on the node are decided by slurm_decide() into the record.
 */
#include "executor-slurm.h"
#include "executor.h"
#include "fileio.h"
#include "job-logcap.h"
#include "log.h"
#include "outcome.h"
#include "progress.h"
#include "slurm-cli.h"
#include "slurm-outcome.h"
#include "uidpool.h"
#include "units.h"
#include "workdir.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define POLL_MS 500
/* Most jobs start within a second of sbatch (batch_sched_delay=0) or end soon
 * after starting: the first seconds are polled faster (squeue costs ~10 ms). */
#define POLL_FAST_MS   100
#define POLL_FAST_USEC (3ull * 1000000)
/* Most jobs start within a second of sbatch (batch_sched_delay=0) or end soon
 * after starting: the first seconds are polled faster (squeue costs ~10 ms). */
#define POLL_FAST_MS       100
#define POLL_FAST_USEC     (3ull * 1000000)
#define OUTCOME_WAIT_TRIES 20 /* x 100 ms: shared storage may show the file late */
#define NODE_ARGV          "slurm-argv"
#define NODE_SCRIPT        "slurm-batch.sh"
#define NODE_OUTCOME       "slurm-outcome.json"
#define JOB_PATH           "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct srun {
        char after[1024]; /* ":id:id" of the Slurm jobs it depends on; "" = none */
        struct jobctl *ctl;
        struct job *job;
        int dirfd;
        int sigfd;
        struct executor_settings es;
        char jobdir[4096];
        bool cancel_requested;
        bool cancel_sent;
        bool log_cap_stop; /* cancelled by us: a log reached its cap */
        int uid_lock;
        bool switch_user;
        uid_t uid;
};

void executor_slurm_job_name(const struct job *j, char *buf, size_t len)
{
        snprintf(buf, len, "corral.%s.%s", j->tenant ? j->tenant : "default", j->id);
}

static int save(struct srun *s)
{
        int r = store_job_save(s->ctl->store, s->job);
        if (r < 0)
                log_error_errno(r, "Failed to write job.json: %s", strerror(-r));
        return r;
}

static void set_reason(struct srun *s, const char *why, int64_t queue_position)
{
        if (s->job->reason && strcmp(s->job->reason, why) == 0 &&
            s->job->queue_position == queue_position)
                return;
        job_set_string(&s->job->reason, why);
        s->job->queue_position = queue_position;
        save(s);
}

/* Waits up to ms for a cancel request; true (and remembered) when one came. */
static bool wait_signal(struct srun *s, int ms)
{
        struct pollfd p = {.fd = s->sigfd, .events = POLLIN};
        if (poll(&p, 1, ms) <= 0)
                return false;
        struct signalfd_siginfo si;
        if (read(s->sigfd, &si, sizeof(si)) != sizeof(si))
                return false;
        s->cancel_requested = true;
        return true;
}

static int finish(struct srun *s, enum job_status st, const char *reason)
{
        s->job->status = st;
        job_set_string(&s->job->reason, reason);
        s->job->queue_position = -1;
        s->job->finished_at = now_realtime_usec() / 1000 * 1000;
        return save(s);
}

/* ---- submitting ------------------------------------------------------ */

/* The work directory, owned by the job's uid (taken from this host's pool
 * and held for the supervisor's life; `corral run --uid` uses it on the node),
 * and the store's directories made traversable (0711) down to it, as a local
 * job's supervisor does. */
static int prepare_workdir(struct srun *s)
{
        if (geteuid() == 0) {
                int r = uidpool_acquire(UIDPOOL_DEFAULT_DIR, UIDPOOL_DEFAULT_FIRST,
                                        UIDPOOL_DEFAULT_COUNT, &s->uid, &s->uid_lock);
                if (r < 0)
                        return r;
                s->switch_user = true;
        }
        if (mkdirat(s->dirfd, "work", 0700) < 0 && errno != EEXIST)
                return NEG_ERRNO();
        _cleanup_close_ int w =
            openat(s->dirfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (w < 0)
                return NEG_ERRNO();
        if (s->switch_user && fchown(w, s->uid, s->uid) < 0)
                return NEG_ERRNO();
        if (s->switch_user) {
                char p[4096];
                snprintf(p, sizeof(p), "%s", s->jobdir);
                /* jobdir, jobs/, <tenant>/, tenants/, the state directory. */
                for (int up = 0; up < 5; up++) {
                        struct stat st;
                        if (stat(p, &st) == 0 && (st.st_mode & 0111) != 0111)
                                chmod(p, (st.st_mode & 07777) | 0111);
                        char *slash = strrchr(p, '/');
                        if (!slash || slash == p)
                                break;
                        *slash = 0;
                }
        }
        if (s->job->has_input) {
                _cleanup_free_ char *input = NULL;
                size_t len = 0;
                if (read_file_at(s->dirfd, "input.json", 64u << 20, &input, &len) == 0)
                        write_file_atomic_at(w, "input.json", input, len, 0644);
        }
        return 0;
}

struct strv {
        char **v;
        size_t n, cap;
};

static int sv_add(struct strv *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sv_add(struct strv *a, const char *fmt, ...)
{
        if (a->n + 2 > a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 32;
                char **v = realloc(a->v, cap * sizeof(char *));
                if (!v)
                        return -ENOMEM;
                a->v = v;
                a->cap = cap;
        }
        va_list ap;
        va_start(ap, fmt);
        int r = vasprintf(&a->v[a->n], fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        a->v[++a->n] = NULL;
        return 0;
}

static void sv_free(struct strv *a)
{
        for (size_t i = 0; i < a->n; i++)
                free(a->v[i]);
        free(a->v);
        *a = (struct strv){0};
}

/* `corral run` as the node runs it, written NUL-separated to slurm-argv. */
static int write_node_argv(struct srun *s, const char *workdir)
{
        const struct job *j = s->job;
        const struct corral_options *o = s->ctl->options;
        struct strv a = {0};
        int r = sv_add(&a, "corral");
        if (o->cgroup_parent)
                r = r ?: sv_add(&a, "--cgroup-parent") ?: sv_add(&a, "%s", o->cgroup_parent);
        if (o->policy_dir)
                r = r ?: sv_add(&a, "--policy-dir") ?: sv_add(&a, "%s", o->policy_dir);
        r = r ?: sv_add(&a, "run") ?: sv_add(&a, "--result") ?:
                  sv_add(&a, "%s/%s", s->jobdir, NODE_OUTCOME);
        if (s->switch_user)
                r = r ?: sv_add(&a, "--uid") ?: sv_add(&a, "%u", (unsigned)s->uid);
        /* The job stays in Slurm's task group, whose limit is --mem: Slurm
         * counts its OOM kills there (OUT_OF_MEMORY), corral reads them for
         * its own outcome (docs/decisions/slurm-oom-in-step-group.md).
         * --memory holds where the node gives no limited group. */
        r = r ?: sv_add(&a, "--memory-in-step");
        if (j->limits.memory_bytes)
                r = r ?: sv_add(&a, "--memory") ?: sv_add(&a, "%" PRIu64, j->limits.memory_bytes);
        if (j->limits.cpus_milli)
                r = r ?: sv_add(&a, "--cpus") ?:
                          sv_add(&a, "%" PRIu64 ".%03" PRIu64, j->limits.cpus_milli / 1000,
                                 j->limits.cpus_milli % 1000);
        if (j->limits.pids)
                r = r ?: sv_add(&a, "--pids") ?: sv_add(&a, "%" PRIu64, j->limits.pids);
        if (j->limits.timeout_ms)
                r = r ?: sv_add(&a, "--timeout") ?: sv_add(&a, "%" PRIu64 "ms", j->limits.timeout_ms);
        r = r ?: sv_add(&a, "--kill-grace") ?:
                  sv_add(&a, "%" PRIu64 "ms", j->limits.grace_ms ? j->limits.grace_ms : 5000);
        if (j->policy)
                r = r ?: sv_add(&a, "--policy") ?: sv_add(&a, "%s", j->policy);
        if (j->network)
                r = r ?: sv_add(&a, "--network") ?: sv_add(&a, "%s", j->network);
        /* The logs are the files Slurm opened for the job's stdout and
         * stderr: RLIMIT_FSIZE caps them as it caps a local job's. */
        r = r ?: sv_add(&a, "--rlimit") ?: sv_add(&a, "fsize=%" PRIu64, job_log_cap_bytes(&j->limits));
        if (j->limits.open_files)
                r = r ?: sv_add(&a, "--rlimit") ?:
                          sv_add(&a, "nofile=%" PRIu64, j->limits.open_files);
        if (j->cwd)
                r = r ?: sv_add(&a, "--writable") ?: sv_add(&a, "%s", workdir);
        r = r ?: sv_add(&a, "--env") ?: sv_add(&a, "CORRAL_JOB_ID=%s", j->id);
        for (char **e = j->env; e && *e; e++)
                r = r ?: sv_add(&a, "--env") ?: sv_add(&a, "%s", *e);
        r = r ?: sv_add(&a, "--");
        for (char **c = j->command; c && *c; c++)
                r = r ?: sv_add(&a, "%s", *c);
        if (r < 0) {
                sv_free(&a);
                return r;
        }
        size_t len = 0;
        for (size_t i = 0; i < a.n; i++)
                len += strlen(a.v[i]) + 1;
        _cleanup_free_ char *buf = malloc(len);
        if (!buf) {
                sv_free(&a);
                return -ENOMEM;
        }
        size_t off = 0;
        for (size_t i = 0; i < a.n; i++) {
                size_t n = strlen(a.v[i]) + 1;
                memcpy(buf + off, a.v[i], n);
                off += n;
        }
        sv_free(&a);
        return write_file_atomic_at(s->dirfd, NODE_ARGV, buf, len, 0600);
}

static const char batch_script[] =
    "#!/bin/sh\n"
    "# Written by corral (docs/slurm.md).  Constant text: the job's command is\n"
    "# never part of it; `corral __slurm-exec` reads it from the file named by $2.\n"
    "exec \"$1\" __slurm-exec \"$2\"\n";

static int corral_path(struct srun *s, char *buf, size_t len)
{
        if (s->es.corral[0]) {
                snprintf(buf, len, "%s", s->es.corral);
                return 0;
        }
        ssize_t n = readlink("/proc/self/exe", buf, len - 1);
        if (n < 0)
                return NEG_ERRNO();
        buf[n] = 0;
        return 0;
}

static int build_sbatch(struct srun *s, const char *workdir, struct strv *a)
{
        const struct job *j = s->job;
        char name[160], corral[4096];
        executor_slurm_job_name(j, name, sizeof(name));
        int r = corral_path(s, corral, sizeof(corral));
        if (r < 0)
                return r;
        r = sv_add(a, "sbatch") ?: sv_add(a, "--parsable") ?: sv_add(a, "--job-name=%s", name) ?:
            sv_add(a, "--output=%s/stdout.log", s->jobdir) ?:
            sv_add(a, "--error=%s/stderr.log", s->jobdir) ?: sv_add(a, "--open-mode=append") ?:
            sv_add(a, "--chdir=%s", j->cwd ? j->cwd : workdir) ?:
            sv_add(a, "--export=PATH=%s", JOB_PATH) ?:
            /* A node failure is recorded (lost, with Slurm's reason), not
             * silently run again over the same job directory. */
            sv_add(a, "--no-requeue") ?: sv_add(a, "--nodes=1") ?: sv_add(a, "--ntasks=1");
        if (j->has_input)
                r = r ?: sv_add(a, "--input=%s/input.json", s->jobdir);
        else
                r = r ?: sv_add(a, "--input=/dev/null");
        if (j->limits.memory_bytes)
                r = r
                        ?: sv_add(a, "--mem=%" PRIu64 "M",
                                  (uint64_t)((j->limits.memory_bytes + (1 << 20) - 1) >> 20));
        if (j->limits.cpus_milli)
                r = r ?: sv_add(a, "--cpus-per-task=%" PRIu64, (j->limits.cpus_milli + 999) / 1000);
        if (j->limits.timeout_ms) {
                /* corral run enforces the limit to the millisecond; Slurm's
                 * minute-granular limit is only a backstop behind it. */
                uint64_t ms =
                    j->limits.timeout_ms + (j->limits.grace_ms ? j->limits.grace_ms : 5000);
                r = r ?: sv_add(a, "--time=%" PRIu64, (ms + 59999) / 60000 + 1);
        }
        if (s->after[0])
                /* A dependency that fails cancels this job in Slurm; it is
                 * then recorded dependency_failed (slurm-outcome.c). */
                r = r ?: sv_add(a, "--dependency=afterok%s", s->after) ?:
                          sv_add(a, "--kill-on-invalid-dep=yes");
        if (s->es.partition[0])
                r = r ?: sv_add(a, "--partition=%s", s->es.partition);
        if (s->es.account[0])
                r = r ?: sv_add(a, "--account=%s", s->es.account);
        if (s->es.qos[0])
                r = r ?: sv_add(a, "--qos=%s", s->es.qos);
        return r ?: sv_add(a, "%s/%s", s->jobdir, NODE_SCRIPT) ?: sv_add(a, "%s", corral) ?:
                    sv_add(a, "%s/%s", s->jobdir, NODE_ARGV);
}

/* The first line of a command's stderr, for a reason. */
static void first_line(const char *err, char *buf, size_t len)
{
        size_t n = strcspn(err ? err : "", "\n");
        if (n >= len)
                n = len - 1;
        memcpy(buf, err ? err : "", n);
        buf[n] = 0;
}

/* A job of our name Slurm already has (submitted by a supervisor that died
 * before recording the id).  1 found (id set), 0 none, -EAGAIN unreachable. */
static int find_submitted(struct srun *s)
{
        char name[160], arg[200];
        executor_slurm_job_name(s->job, name, sizeof(name));
        snprintf(arg, sizeof(arg), "--name=%s", name);
        char *argv[] = {"squeue", "-h", "-t", "all", arg, "-o", "%i", NULL};
        struct slurm_cmd_result res = {0};
        int r = slurm_cmd_run(argv, &res);
        if (r < 0)
                return -EAGAIN;
        int found = 0;
        char id[32];
        if (res.status != 0)
                found = -EAGAIN;
        else if (slurm_parse_sbatch(res.out, id, sizeof(id)) == 0) {
                job_set_string(&s->job->slurm_job_id, id);
                found = 1;
        }
        slurm_cmd_result_done(&res);
        return found;
}

/* 1 submitted, 0 ended here (refused or cancelled: recorded), < 0 error. */
static int submit(struct srun *s)
{
        char workdir[4200];
        snprintf(workdir, sizeof(workdir), "%s/work", s->jobdir);
        int r;
        /* Every job uid busy: wait for one, as a local job does, rather than
         * fail the job (the pool is this host's, shared with local jobs). */
        while ((r = prepare_workdir(s)) == -EAGAIN) {
                char why[128], range[32];
                uidpool_default_range(range, sizeof(range));
                snprintf(why, sizeof(why), "waiting for a free job uid (%s all in use)", range);
                set_reason(s, why, -1);
                if (wait_signal(s, 500))
                        return finish(s, JOB_CANCELLED, "cancelled while waiting for a job uid");
        }
        if (r < 0)
                return log_error_errno(r, "Failed to prepare the work directory: %s", strerror(-r));
        r = write_node_argv(s, workdir);
        if (r >= 0)
                r = write_file_atomic_at(s->dirfd, NODE_SCRIPT, batch_script,
                                         sizeof(batch_script) - 1, 0755);
        if (r < 0)
                return log_error_errno(r, "Failed to write the batch files: %s", strerror(-r));
        unlinkat(s->dirfd, NODE_OUTCOME, 0);

        struct strv a = {0};
        r = build_sbatch(s, workdir, &a);
        if (r < 0) {
                sv_free(&a);
                return r;
        }
        for (;;) {
                struct slurm_cmd_result res = {0};
                char id[32], why[600], line[400];
                r = slurm_cmd_run(a.v, &res);
                if (r == -ENOENT) {
                        sv_free(&a);
                        return finish(s, JOB_FAILED,
                                      "Slurm's sbatch is not installed on the submitting host "
                                      "(the store's executor is slurm)");
                }
                if (r == 0 && res.status == 0 && slurm_parse_sbatch(res.out, id, sizeof(id)) == 0) {
                        slurm_cmd_result_done(&res);
                        sv_free(&a);
                        job_set_string(&s->job->slurm_job_id, id);
                        job_set_string(&s->job->slurm_state, "PENDING");
                        snprintf(why, sizeof(why), "submitted to Slurm as job %s", id);
                        job_set_string(&s->job->reason, why);
                        save(s);
                        log_info("Submitted to Slurm as job %s", id);
                        return 1;
                }
                first_line(r == 0 ? res.err : strerror(-r), line, sizeof(line));
                bool transient = r < 0 || slurm_error_unreachable(res.err);
                slurm_cmd_result_done(&res);
                if (!transient) {
                        sv_free(&a);
                        snprintf(why, sizeof(why), "Slurm refused the job: %s", line);
                        return finish(s, JOB_FAILED, why);
                }
                /* Maybe it went through and only the answer was lost. */
                if (find_submitted(s) == 1) {
                        sv_free(&a);
                        save(s);
                        return 1;
                }
                snprintf(why, sizeof(why),
                         "Slurm cluster unreachable (%s); submitting again every few seconds",
                         line);
                set_reason(s, why, -1);
                if (wait_signal(s, 2000)) {
                        sv_free(&a);
                        return finish(s, JOB_CANCELLED, "cancelled before Slurm took the job");
                }
        }
}

/* Dependencies: a finished one must have completed (else dependency_failed,
 * as for a local job); an unfinished one that is a Slurm job with an id
 * becomes a Slurm dependency (afterok), so Slurm starts this job the moment
 * it ends; any other (a local job, or one not yet in Slurm) is waited for
 * here until it is one of those.  1 proceed, 0 ended (recorded). */
static int wait_dependencies(struct srun *s)
{
        for (;;) {
                bool ready = true;
                size_t n = 0;
                s->after[0] = 0;
                for (char **d = s->job->depends_on; d && *d; d++) {
                        _cleanup_(job_freep) struct job *dep = NULL;
                        char why[300];
                        if (store_job_load(s->ctl->store, *d, &dep, NULL) < 0) {
                                snprintf(why, sizeof(why), "dependency %s no longer exists", *d);
                                return finish(s, JOB_DEPENDENCY_FAILED, why);
                        }
                        if (job_status_is_terminal(dep->status)) {
                                if (dep->status == JOB_COMPLETED)
                                        continue;
                                snprintf(why, sizeof(why), "dependency %s ended %s", *d,
                                         job_status_to_string(dep->status));
                                return finish(s, JOB_DEPENDENCY_FAILED, why);
                        }
                        if (dep->executor && strcmp(dep->executor, "slurm") == 0 &&
                            dep->slurm_job_id &&
                            n + strlen(dep->slurm_job_id) + 2 < sizeof(s->after)) {
                                n += (size_t)snprintf(s->after + n, sizeof(s->after) - n, ":%s",
                                                      dep->slurm_job_id);
                                continue;
                        }
                        ready = false;
                }
                if (ready)
                        return 1;
                set_reason(s, "waiting for dependencies", -1);
                if (wait_signal(s, 250))
                        return finish(s, JOB_CANCELLED, "cancelled while waiting for dependencies");
        }
}

/* ---- following ------------------------------------------------------- */

static void tick_progress(struct srun *s)
{
        struct progress p = PROGRESS_INIT;
        _cleanup_close_ int w =
            openat(s->dirfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        bool partial;
        bool got = w >= 0 &&
                   progress_read_tail_at(w, "progress.json", PROGRESS_JSON_MAX, &text, &len,
                                         &partial, NULL) == 0 &&
                   !partial && progress_parse_json(text, len, &p) == 0;
        if (!got) {
                progress_done(&p);
                p = PROGRESS_INIT;
                progress_read_at(s->dirfd, &p, NULL);
        }
        double before = s->job->progress.percent;
        _cleanup_free_ char *msg =
            s->job->progress.message ? strdup(s->job->progress.message) : NULL;
        progress_update(&s->job->progress, &p);
        progress_done(&p);
        if (s->job->progress.percent != before ||
            (s->job->progress.message && (!msg || strcmp(msg, s->job->progress.message) != 0)))
                save(s);
}

static void send_cancel(struct srun *s)
{
        if (s->cancel_sent || !s->job->slurm_job_id)
                return;
        char *argv[] = {"scancel", s->job->slurm_job_id, NULL};
        struct slurm_cmd_result res = {0};
        if (slurm_cmd_run(argv, &res) == 0 && (res.status == 0 || slurm_error_invalid_job(res.err)))
                s->cancel_sent = true;
        else
                set_reason(s, "cancel asked; Slurm cluster unreachable, scancel will be retried",
                           s->job->queue_position);
        slurm_cmd_result_done(&res);
}

static int64_t queue_position(struct srun *s)
{
        char *argv[] = {"squeue", "-h", "-t", "PENDING", "-S", "-p,i", "-o", "%i", NULL};
        struct slurm_cmd_result res = {0};
        int64_t pos = 0;
        if (slurm_cmd_run(argv, &res) == 0 && res.status == 0)
                pos = slurm_queue_position(res.out, s->job->slurm_job_id);
        slurm_cmd_result_done(&res);
        /* 0-based, as the governor's (docs/job-json.md): 0 = next to start. */
        return pos > 0 ? pos - 1 : 0;
}

/* The outcome `corral run` wrote on the node, into o.  0, or -ENOENT. */
static int read_node_outcome(struct srun *s, struct outcome *o)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(s->dirfd, NODE_OUTCOME, 1u << 20, &text, &len);
        if (r < 0)
                return r;
        cJSON *j = cJSON_ParseWithLength(text, len);
        if (!j)
                return -EBADMSG;
        *o = (struct outcome){.exit_code = -1};
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "status");
        o->status =
            cJSON_IsString(v) ? job_status_from_string(v->valuestring) : _JOB_STATUS_INVALID;
        if (o->status == _JOB_STATUS_INVALID || o->status == JOB_QUEUED ||
            o->status == JOB_RUNNING) {
                cJSON_Delete(j);
                return -EBADMSG;
        }
#define NUM(key)                                                                                   \
        (cJSON_IsNumber(v = cJSON_GetObjectItemCaseSensitive(j, key)) && v->valuedouble >= 0       \
             ? (uint64_t)v->valuedouble                                                            \
             : 0)
        v = cJSON_GetObjectItemCaseSensitive(j, "exit_code");
        if (cJSON_IsNumber(v))
                o->exit_code = v->valueint;
        v = cJSON_GetObjectItemCaseSensitive(j, "signal");
        if (cJSON_IsString(v))
                o->signal =
                    signal_from_name(v->valuestring) > 0 ? signal_from_name(v->valuestring) : 0;
        v = cJSON_GetObjectItemCaseSensitive(j, "oom_cause");
        if (cJSON_IsString(v))
                o->oom_cause =
                    strcmp(v->valuestring, oom_cause_to_string(OOM_CAUSE_OWN_LIMIT)) == 0
                        ? OOM_CAUSE_OWN_LIMIT
                    : strcmp(v->valuestring, oom_cause_to_string(OOM_CAUSE_ANCESTOR_OR_HOST)) == 0
                        ? OOM_CAUSE_ANCESTOR_OR_HOST
                        : OOM_CAUSE_UNKNOWN;
        v = cJSON_GetObjectItemCaseSensitive(j, "seccomp_syscall");
        if (cJSON_IsString(v))
                snprintf(o->seccomp_syscall, sizeof(o->seccomp_syscall), "%s", v->valuestring);
        o->stats.oom_kills = NUM("oom_kills");
        o->memory_limit_bytes = NUM("memory_limit_bytes");
        o->stats.memory_peak_bytes = NUM("memory_peak_bytes");
        o->stats.cpu_usage_usec = NUM("cpu_usage_usec");
        o->stats.cpu_user_usec = NUM("cpu_user_usec");
        o->stats.cpu_system_usec = NUM("cpu_system_usec");
        o->stats.cpu_throttled_usec = NUM("cpu_throttled_usec");
        o->stats.cpu_nr_throttled = NUM("cpu_nr_throttled");
        o->wall_usec = NUM("wall_ms") * 1000;
#undef NUM
        o->timed_out = o->status == JOB_TIMED_OUT;
        o->cancelled = o->status == JOB_CANCELLED;
        cJSON_Delete(j);
        return 0;
}

/* The copy of the job's result file next to job.json (as supervisor.c does). */
static void collect_result(struct srun *s)
{
        const char *name = job_result_file(s->job);
        _cleanup_close_ int w =
            openat(s->dirfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (w < 0)
                return;
        struct stat st;
        _cleanup_close_ int fd = open_regular_at(w, name, &st);
        if (fd < 0 || st.st_size > (off_t)STORE_RESULT_MAX + 1)
                return;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (read_file(path, STORE_RESULT_MAX + 1, &buf, &len) < 0)
                return;
        write_file_atomic_at(s->dirfd, name, buf, len, 0600);
}

/* Slurm's final word on the job and corral's outcome from the node, decided
 * into the record (slurm-outcome.h). */
static int record(struct srun *s, const char *state, const char *nodes)
{
        struct job *j = s->job;
        char rstate[64] = "", exitcode[32] = "", reason[256] = "", node[128] = "";
        snprintf(rstate, sizeof(rstate), "%s", state);
        snprintf(node, sizeof(node), "%s", nodes ? nodes : "");
        char *sc[] = {"scontrol", "show", "job", "-o", j->slurm_job_id, NULL};
        struct slurm_cmd_result res = {0};
        if (slurm_cmd_run(sc, &res) == 0 && res.status == 0) {
                char v[64];
                if (slurm_scontrol_value(res.out, "JobState", v, sizeof(v)) == 0 &&
                    slurm_state_is_terminal(v))
                        snprintf(rstate, sizeof(rstate), "%s", v);
                slurm_scontrol_value(res.out, "ExitCode", exitcode, sizeof(exitcode));
                slurm_scontrol_value(res.out, "Reason", reason, sizeof(reason));
                if (!node[0])
                        slurm_scontrol_value(res.out, "NodeList", node, sizeof(node));
                /* A short job may start and end between two polls: its start
                 * is Slurm's, if a node ran it at all (and the node's outcome
                 * is then waited for). */
                char start[64];
                uint64_t t;
                if (!j->started_at && node[0] && strcmp(node, "(null)") != 0 &&
                    slurm_scontrol_value(res.out, "StartTime", start, sizeof(start)) == 0 &&
                    slurm_parse_time(start, &t) == 0)
                        j->started_at = t;
        }
        slurm_cmd_result_done(&res);
        /* Any step's OUT_OF_MEMORY, where accounting is kept. */
        bool step_oom = false;
        char *sa[] = {"sacct", "-n", "-P", "-j", j->slurm_job_id, "-o", "JobID,State", NULL};
        if (slurm_cmd_run(sa, &res) == 0 && res.status == 0)
                step_oom = slurm_sacct_any_oom(res.out);
        slurm_cmd_result_done(&res);

        struct outcome o = {0};
        int r = -ENOENT;
        /* A job that never started leaves no outcome; one that ran may show it late. */
        for (int i = 0; i < OUTCOME_WAIT_TRIES; i++) {
                r = read_node_outcome(s, &o);
                if (r == 0 || !j->started_at)
                        break;
                usleep(100000);
        }
        struct slurm_final f = {.state = rstate,
                                .exit_code = -1,
                                .any_step_oom = step_oom,
                                .cancel_requested = s->cancel_requested,
                                .has_node_outcome = r == 0,
                                .node_status = o.status,
                                .node = node,
                                .reason = reason};
        if (exitcode[0])
                slurm_parse_exit_code(exitcode, &f.exit_code, &f.signal);
        struct slurm_verdict v;
        slurm_decide(&f, &v);

        j->status = v.status;
        /* Our cancel for the log cap: the job was killed for it, as locally. */
        if (s->log_cap_stop && j->status == JOB_CANCELLED)
                j->status = JOB_KILLED;
        job_set_string(&j->slurm_state, rstate);
        if (node[0] && strcmp(node, "(null)") != 0)
                job_set_string(&j->slurm_node, node);
        if (v.use_node_outcome) {
                j->exit_code = o.exit_code;
                j->signal = o.signal;
                j->oom_kills = o.stats.oom_kills;
                job_set_string(&j->oom_cause, oom_cause_to_string(o.oom_cause));
                j->memory_peak_bytes = o.stats.memory_peak_bytes;
                j->memory_limit_bytes = o.memory_limit_bytes;
                j->cpu_usage_usec = o.stats.cpu_usage_usec;
                j->cpu_user_usec = o.stats.cpu_user_usec;
                j->cpu_system_usec = o.stats.cpu_system_usec;
                j->cpu_throttled_usec = o.stats.cpu_throttled_usec;
                j->cpu_nr_throttled = o.stats.cpu_nr_throttled;
                j->wall_ms = o.wall_usec / 1000;
                if (o.seccomp_syscall[0])
                        job_set_string(&j->seccomp_syscall, o.seccomp_syscall);
        } else {
                j->exit_code = v.exit_code;
                j->signal = v.signal;
        }
        if (v.status == JOB_OOM_KILLED && !j->oom_kills)
                j->oom_kills = 1;
        if (v.reason[0] && v.status == JOB_LOST)
                job_set_string(&j->lost_reason, v.reason);
        if (v.reason[0])
                job_set_string(&j->reason, v.reason);
        else {
                o.status = v.status;
                char summary[256];
                outcome_summary(&o, summary, sizeof(summary));
                const char *detail = strchr(summary, ':');
                snprintf(reason, sizeof(reason), "%s (Slurm job %s%s%s, %s)",
                         detail ? detail + 2 : job_status_to_string(v.status), j->slurm_job_id,
                         node[0] ? " on " : "", node, rstate);
                job_set_string(&j->reason, reason);
        }
        /* As for a local job: a log at its cap is why it stopped. */
        char cap[160];
        if (v.status != JOB_COMPLETED &&
            job_log_cap_reached(s->dirfd, &j->limits, cap, sizeof(cap)))
                job_set_string(&j->reason, cap);
        j->queue_position = -1;
        j->finished_at = now_realtime_usec() / 1000 * 1000;
        if (j->status != JOB_COMPLETED)
                job_set_error_from_log(j, s->dirfd, "stderr.log");
        tick_progress(s);
        collect_result(s);
        if (j->status == JOB_COMPLETED)
                store_job_check_result(s->dirfd, j, 0);
        r = save(s);
        if (r < 0)
                return r;
        log_info("Slurm job %s ended %s: %s", j->slurm_job_id, rstate,
                 job_status_to_string(j->status));
        if (j->status == JOB_COMPLETED && j->state_patch_field) {
                _cleanup_free_ char *why = NULL;
                int k = store_state_apply(s->ctl->store, j, &why);
                if (k < 0)
                        log_warning("State patch '%s' not applied: %s", j->state_patch_field,
                                    why ? why : strerror(-k));
        }
        return 0;
}

/* Slurm forgot the job (past MinJobAge) before we saw it end. */
static int record_forgotten(struct srun *s)
{
        struct outcome o;
        /* Slurm's last word we saw stands; corral's outcome from the node decides. */
        if (read_node_outcome(s, &o) == 0) {
                char last[64];
                snprintf(last, sizeof(last), "%s",
                         s->job->slurm_state ? s->job->slurm_state : "UNKNOWN");
                return record(s, last, s->job->slurm_node);
        }
        char why[256];
        snprintf(why, sizeof(why),
                 "Slurm no longer knows job %s and corral on the node left no outcome",
                 s->job->slurm_job_id);
        job_set_string(&s->job->lost_reason, why);
        return finish(s, JOB_LOST, why);
}

static int follow(struct srun *s)
{
        char *argv[] = {"squeue", "-h",          "-t", "all", "-j", s->job->slurm_job_id,
                        "-o",     "%i|%T|%r|%N", NULL};
        uint64_t fast_until = now_monotonic_usec() + POLL_FAST_USEC;
        for (;;) {
                enum job_status before = s->job->status;
                if (s->cancel_requested)
                        send_cancel(s);
                struct slurm_cmd_result res = {0};
                int r = slurm_cmd_run(argv, &res);
                struct slurm_queue_line q;
                char why[600], line[400];
                if (r < 0 || (res.status != 0 && !slurm_error_invalid_job(res.err))) {
                        first_line(r < 0 ? strerror(-r) : res.err, line, sizeof(line));
                        snprintf(why, sizeof(why),
                                 "Slurm cluster unreachable (%s); job %s keeps its last known "
                                 "state until Slurm answers",
                                 line, s->job->slurm_job_id);
                        set_reason(s, why, s->job->queue_position);
                } else if (res.status != 0 ||
                           slurm_parse_squeue(res.out, s->job->slurm_job_id, &q) == -ENOENT) {
                        slurm_cmd_result_done(&res);
                        return record_forgotten(s);
                } else if (slurm_parse_squeue(res.out, s->job->slurm_job_id, &q) == 0) {
                        slurm_cmd_result_done(&res);
                        if (slurm_state_is_terminal(q.state))
                                return record(s, q.state, q.nodes);
                        bool changed =
                            !s->job->slurm_state || strcmp(s->job->slurm_state, q.state) != 0;
                        if (changed)
                                job_set_string(&s->job->slurm_state, q.state);
                        if (slurm_state_is_pending(q.state)) {
                                slurm_reason_words(q.reason, why, sizeof(why));
                                s->job->status = JOB_QUEUED;
                                if (changed)
                                        save(s);
                                set_reason(s, why, queue_position(s));
                        } else {
                                if (s->job->status != JOB_RUNNING) {
                                        s->job->status = JOB_RUNNING;
                                        s->job->started_at = now_realtime_usec() / 1000 * 1000;
                                        job_set_string(&s->job->slurm_node, q.nodes);
                                        changed = true;
                                }
                                snprintf(why, sizeof(why), "running in Slurm as job %s on %s",
                                         s->job->slurm_job_id, q.nodes);
                                if (changed)
                                        save(s);
                                set_reason(s, why, -1);
                                tick_progress(s);
                                /* A job that ignores SIGXFSZ writes on with
                                 * EFBIG: stopped, as a local job is. */
                                char cap[160];
                                if (!s->cancel_requested &&
                                    job_log_cap_reached(s->dirfd, &s->job->limits, cap,
                                                        sizeof(cap))) {
                                        s->log_cap_stop = true;
                                        s->cancel_requested = true;
                                        continue;
                                }
                        }
                }
                slurm_cmd_result_done(&res);
                /* A job that just started: poll fast again for its first seconds. */
                if (before != JOB_RUNNING && s->job->status == JOB_RUNNING)
                        fast_until = now_monotonic_usec() + POLL_FAST_USEC;
                wait_signal(s, now_monotonic_usec() < fast_until ? POLL_FAST_MS : POLL_MS);
        }
}

/* An adopted job keeps the uid its first supervisor took: that uid's lock is
 * taken again (from `--uid N` in slurm-argv), so this host's pool does not
 * hand it to another job while the node still runs this one. */
static void retake_uid(struct srun *s)
{
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        if (geteuid() != 0 || read_file_at(s->dirfd, NODE_ARGV, 1u << 20, &buf, &len) < 0 ||
            len == 0 || buf[len - 1] != 0)
                return;
        for (size_t i = 0; i < len; i += strlen(buf + i) + 1) {
                if (strcmp(buf + i, "--") == 0)
                        return; /* the job's own argv: not ours to read */
                if (strcmp(buf + i, "--uid") != 0 || i + 6 >= len)
                        continue;
                uint64_t uid;
                const char *v = buf + i + 6;
                if (parse_uint(v, UIDPOOL_DEFAULT_FIRST + UIDPOOL_DEFAULT_COUNT - 1, &uid) < 0 ||
                    uid < UIDPOOL_DEFAULT_FIRST)
                        return;
                uid_t got;
                if (uidpool_acquire(UIDPOOL_DEFAULT_DIR, (uid_t)uid, 1, &got, &s->uid_lock) < 0)
                        log_warning("Job uid %u is held by another process since this job's "
                                    "first supervisor died",
                                    (unsigned)uid);
                return;
        }
}

int executor_slurm_supervise(struct jobctl *ctl, struct job *j, int job_dirfd, int sigfd)
{
        struct srun s = {.ctl = ctl, .job = j, .dirfd = job_dirfd, .sigfd = sigfd, .uid_lock = -1};
        char err[300];
        int r = executor_load(ctl->state_dir, &s.es, err, sizeof(err));
        if (r < 0)
                return log_error_errno(r, "Failed to read the executor settings: %s", err);
        char self[64];
        snprintf(self, sizeof(self), "/proc/self/fd/%d", job_dirfd);
        ssize_t n = readlink(self, s.jobdir, sizeof(s.jobdir) - 1);
        if (n < 0)
                return NEG_ERRNO();
        s.jobdir[n] = 0;
        job_set_string(&j->executor, "slurm");

        if (!j->slurm_job_id && find_submitted(&s) == 1) {
                log_info("Adopted Slurm job %s (submitted before this supervisor)",
                         j->slurm_job_id);
                save(&s);
        }
        if (!j->slurm_job_id) {
                r = wait_dependencies(&s);
                if (r > 0)
                        r = submit(&s);
                if (r <= 0) {
                        if (s.uid_lock >= 0)
                                close(s.uid_lock);
                        return r;
                }
        } else {
                log_info("Following Slurm job %s", j->slurm_job_id);
                retake_uid(&s);
        }
        r = follow(&s);
        /* As for a local job (workdir.h): before the uid goes back to the
         * pool, the work directory is handed back to corral. */
        if (s.uid_lock >= 0) {
                int k = workdir_reclaim(job_dirfd);
                if (k < 0)
                        log_warning("Failed to hand the work directory back: %s", strerror(-k));
                close(s.uid_lock);
        }
        return r;
}
