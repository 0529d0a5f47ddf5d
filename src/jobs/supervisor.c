/* supervisor.c - `corral __supervise`: one process per job, for the job's whole life.
 *
 * Theory of operation.  jobctl_submit() creates the job record, takes the
 * job's lock and starts this process (in its own session, outside the job's
 * cgroup, reparented to init) with the lock fd inherited: while this process
 * lives, the lock is held, and every other corral process knows the job has
 * a supervisor.  The supervisor:
 *
 *   1. records its pid and start time in job.json;
 *   2. waits for the jobs it depends on (dependency_failed if one did not
 *      complete);
 *   3. waits for admission by the governor's shared ledger (status queued,
 *      with queue_position and a reason a person can read);
 *   4. runs the job with the runner: its own cgroup, uid, namespaces and
 *      limits, stdout/stderr straight into the log files (never through a
 *      pipe to anyone), progress copied into job.json as it changes;
 *   5. classifies the outcome, keeps the end of stderr as `error`, checks the
 *      result file, applies the state patch of a completed job, and writes
 *      the final job.json atomically; then releases the reservation.
 *
 * SIGTERM (corral cancel) at any point means cancel: queued jobs leave the
 * queue, running ones get SIGTERM and SIGKILL after the grace period.
 * Diagnostics go to jobs/<id>/supervisor.log.
 */
#include "supervisor.h"
#include "executor-slurm.h"
#include "fileio.h"
#include "gov-ledger.h"
#include "gov-measure.h"
#include "job-counters.h"
#include "job-logcap.h"
#include "jobctl.h"
#include "jobenv.h"
#include "job-limits.h"
#include "log.h"
#include "hostview.h"
#include "netproxy.h"
#include "userns-check.h"
#include "policy.h"
#include "privs.h"
#include "procfs.h"
#include "runner.h"
#include "sandbox-setup.h"
#include "subid.h"
#include "uidpool.h"
#include "workdir.h"
#include "units.h"
#include "usage.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

#define WAIT_POLL_MS       250
#define PROGRESS_TICK_USEC 500000

/* A progress source as last seen (progress_sources_changed). */
struct file_seen {
        bool exists;
        ino_t ino;
        off_t size;
        struct timespec mtime;
};

static bool file_seen_equal(const struct file_seen *a, const struct file_seen *b)
{
        return a->exists == b->exists && (!a->exists || (a->ino == b->ino && a->size == b->size &&
                                                         a->mtime.tv_sec == b->mtime.tv_sec &&
                                                         a->mtime.tv_nsec == b->mtime.tv_nsec));
}

struct progress_seen {
        bool looked;
        struct file_seen json, log;
};

struct supervisor {
        struct jobctl *ctl;
        struct job *job;
        int job_dirfd;
        int work_dirfd;
        int sigfd;
        struct gov_ledger *ledger;
        char ledger_key[160];
        bool reserved;
        bool running; /* between on_spawned and the runner's return: job->pid is live */
        /* Admitted at this time (realtime usec) and not yet counted for `corral
         * metrics`: counted once the job runs (count_admission), because the
         * counters file is written durably (two fsyncs, 1-30 ms here) and the
         * way from submit to running should not wait for it. */
        uint64_t admitted_uncounted;
        /* Swept for stale job groups once the job runs (on_started): the sweep
         * reads /proc once per job group under the parent, O(running jobs),
         * and the way to running should not grow with them. */
        struct cg_manager *unswept;
        /* Without root: the subordinate id lent to the job (take_job_uid). */
        bool subid;
        uid_t sub_uid;
        gid_t sub_gid;
        char sub_lockdir[512]; /* the lease's (subid.h) */
        struct progress_seen progress_seen;
        bool dir_gone; /* seen by on_tick: the job is being stopped */
};

static void count_admission(struct supervisor *s)
{
        if (!s->admitted_uncounted)
                return;
        job_counters_admitted(s->ctl->state_dir, s->job, s->admitted_uncounted);
        s->admitted_uncounted = 0;
}

static int save(struct supervisor *s)
{
        int r = store_job_save(s->ctl->store, s->job);
        if (r < 0)
                log_error_errno(r, "Failed to write job.json: %s", strerror(-r));
        return r;
}

/* A record recovery would recompute (queue position, reason, progress): no
 * directory fsync (store_job_save_interim). */
static void save_interim(struct supervisor *s)
{
        int r = store_job_save_interim(s->ctl->store, s->job);
        if (r < 0)
                log_error_errno(r, "Failed to write job.json: %s", strerror(-r));
}

/* Ends the job before it ran (cancelled, dependency_failed, refused). */
static int finish_early(struct supervisor *s, enum job_status st, const char *reason)
{
        s->job->status = st;
        job_set_string(&s->job->reason, reason);
        s->job->queue_position = -1;
        s->job->finished_at = now_realtime_usec() / 1000 * 1000;
        if (s->ledger)
                gov_ledger_release(s->ledger, s->ledger_key);
        return save(s);
}

/* The job's directory was removed under us (its store deleted, or the job
 * removed by hand): nobody can read an outcome any more, so stop waiting. */
static bool job_dir_gone(struct supervisor *s)
{
        struct stat st;
        return fstat(s->job_dirfd, &st) < 0 || st.st_nlink == 0;
}

/* True (and the signal consumed) when a cancel request arrived. */
static bool cancel_requested(struct supervisor *s, int timeout_ms)
{
        struct pollfd p = {.fd = s->sigfd, .events = POLLIN};
        if (poll(&p, 1, timeout_ms) <= 0)
                return false;
        struct signalfd_siginfo si;
        return read(s->sigfd, &si, sizeof(si)) == sizeof(si);
}

/* 1: proceed; 0: the job ended here (recorded); < 0: error. */
static int wait_for_dependencies(struct supervisor *s)
{
        for (;;) {
                bool all_done = true;
                for (char **d = s->job->depends_on; d && *d; d++) {
                        _cleanup_(job_freep) struct job *dep = NULL;
                        char reason[256];
                        if (store_job_load(s->ctl->store, *d, &dep, NULL) < 0) {
                                snprintf(reason, sizeof(reason), "dependency %s no longer exists",
                                         *d);
                                finish_early(s, JOB_DEPENDENCY_FAILED, reason);
                                return 0;
                        }
                        if (!job_status_is_terminal(dep->status)) {
                                all_done = false;
                                continue;
                        }
                        if (dep->status != JOB_COMPLETED) {
                                snprintf(reason, sizeof(reason), "dependency %s ended %s", *d,
                                         job_status_to_string(dep->status));
                                finish_early(s, JOB_DEPENDENCY_FAILED, reason);
                                return 0;
                        }
                }
                if (all_done)
                        return 1;
                if (!s->job->reason || strcmp(s->job->reason, "waiting for dependencies") != 0) {
                        job_set_string(&s->job->reason, "waiting for dependencies");
                        save_interim(s);
                }
                if (cancel_requested(s, WAIT_POLL_MS)) {
                        finish_early(s, JOB_CANCELLED, "cancelled while waiting for dependencies");
                        return 0;
                }
                if (job_dir_gone(s))
                        return log_error_errno(-ENOENT,
                                               "The job's directory was removed; giving up");
        }
}

/* Waits for something that may let the job in: a wake-up from the process
 * that freed a slot or moved the queue (gov_ledger_wait_admit), a cancel
 * request, or the timer.  1 on cancel, 0 otherwise. */
static int wait_for_turn(struct supervisor *s, int wake_fd, int timeout_ms)
{
        struct pollfd p[2] = {{.fd = s->sigfd, .events = POLLIN},
                              {.fd = wake_fd, .events = POLLIN}};
        int n = poll(p, wake_fd >= 0 ? 2 : 1, timeout_ms);
        struct signalfd_siginfo si;
        if (n > 0 && wake_fd >= 0 && p[1].revents)
                while (read(wake_fd, &si, sizeof(si)) > 0)
                        ;
        if (n > 0 && p[0].revents)
                return read(s->sigfd, &si, sizeof(si)) == sizeof(si);
        return 0;
}

/* How often, at most, a job behind its tenant's first queued job looks whether
 * its place changed (a stat of the ledger; a decision only when it did): its
 * turn comes by a wake-up, this only keeps the recorded queue_position true. */
#define BEHIND_REFRESH_MS 10000
/* And every 12 looks (at most 2 min) it asks anyway: a head that died with no change
 * after it (nothing else wakes the next) is then dropped and the queue moves. */
#define BEHIND_RECHECK_TICKS 12

/* 1: admitted; 0: ended here (cancelled or refused); < 0: error. */
static int wait_for_admission(struct supervisor *s)
{
        int r = gov_ledger_open(s->ctl->state_dir, &s->ledger);
        if (r < 0)
                return log_error_errno(r, "Failed to open the governor's ledger: %s", strerror(-r));
        /* The host is measured only for a decision: a job its submitter
         * reserved a slot for (the usual way) is admitted without one, and
         * the measuring (some 15 files under /proc and the cgroup tree) is
         * no longer on its way to running. */
        _cleanup_(gov_measure_freep) struct gov_measure *m = NULL;
        /* GOV_LEDGER_WAKE_SIGNAL is blocked since start (cmd_supervise): one sent
         * before this fd exists waits in it. */
        sigset_t wake_set;
        sigemptyset(&wake_set);
        sigaddset(&wake_set, GOV_LEDGER_WAKE_SIGNAL);
        _cleanup_close_ int wake = signalfd(-1, &wake_set, SFD_CLOEXEC | SFD_NONBLOCK);

        struct gov_candidate c = {.job_id = s->ledger_key,
                                  .tenant = s->job->tenant,
                                  .memory_bytes = s->job->limits.memory_bytes};
        /* The first decision is made on one sample: CPU use is then unknown and
         * does not hold the job back (no start-up delay); a job that has to
         * wait is re-decided on figures from samples a slow tick apart. */
        uint64_t seen = 0;
        for (;;) {
                struct gov_decision d;
                bool head = false;
                /* policy NULL: governor.conf is re-read under the ledger's lock, so a
                 * policy change by any process applies to the next decision. */
                gov_ledger_stamp(s->ledger, &seen);
                r = m ? -ENODATA : gov_ledger_wait_admit(s->ledger, &c, NULL, NULL, &d, &head);
                if (r == -ENODATA) { /* not reserved: a decision, on measurements */
                        if (!m) {
                                r = gov_measure_new("/", &m);
                                if (r < 0)
                                        return log_error_errno(r, "Failed to measure the host: %s",
                                                               strerror(-r));
                        }
                        struct gov_measurements meas;
                        gov_measure_sample(m, now_monotonic_usec());
                        gov_measure_read(m, &meas);
                        r = gov_ledger_wait_admit(s->ledger, &c, &meas, NULL, &d, &head);
                }
                if (r < 0)
                        return log_error_errno(r, "Failed to ask the governor: %s", strerror(-r));
                if (d.verdict == GOV_ADMIT) {
                        s->admitted_uncounted = now_realtime_usec();
                        s->reserved = true;
                        s->job->queue_position = -1;
                        job_set_string(&s->job->reason, NULL);
                        return 1;
                }
                if (d.verdict != GOV_WAIT) {
                        char reason[300];
                        snprintf(reason, sizeof(reason), "refused: %s", d.reason);
                        job_counters_refused(s->ctl->state_dir, s->job->tenant, d.verdict);
                        finish_early(s, JOB_FAILED, reason);
                        return 0;
                }
                if (s->job->queue_position != (int64_t)d.queue_position || !s->job->reason ||
                    strcmp(s->job->reason, d.reason) != 0) {
                        s->job->queue_position = d.queue_position;
                        job_set_string(&s->job->reason, d.reason);
                        save_interim(s);
                }
                /* The head waits for load to fall (the slow timer) or a wake-up;
                 * the others only for a wake-up, and look at the ledger now and
                 * then to keep their place on record.  Without a wake fd: the
                 * timer alone, as before. */
                unsigned idle_ticks = 0;
                for (;;) {
                        /* Near the front (where people look) the place is
                         * refreshed sooner: 250 ms per place, 10 s at most. */
                        int behind = d.queue_position < BEHIND_REFRESH_MS / 250
                                         ? (int)d.queue_position * 250
                                         : BEHIND_REFRESH_MS;
                        int timeout =
                            head || wake < 0 ? (int)(GOV_SAMPLE_INTERVAL_USEC / 1000) : behind;
                        r = wait_for_turn(s, wake, timeout);
                        if (r > 0) {
                                finish_early(s, JOB_CANCELLED, "cancelled while queued");
                                return 0;
                        }
                        if (job_dir_gone(s)) {
                                gov_ledger_release(s->ledger, s->ledger_key);
                                return log_error_errno(
                                    -ENOENT, "The job's directory was removed; giving up");
                        }
                        uint64_t now_stamp;
                        if (head || gov_ledger_stamp(s->ledger, &now_stamp) < 0 ||
                            now_stamp != seen || ++idle_ticks >= BEHIND_RECHECK_TICKS)
                                break;
                        /* Nothing changed since the last decision: wait on. */
                }
        }
}

/* The job's process exists and waits for this record before it execs: a
 * reader never finds the job's output (or its result) beside a record that
 * still says queued.  The record's contents are synced before its rename; the
 * rename itself is made durable once the job runs (on_started): the job's
 * start does not wait for a second fsync, and the running record is durable
 * as soon as it was when it was written after the exec. */
static void on_spawned(void *userdata, pid_t pid, uint64_t starttime)
{
        struct supervisor *s = userdata;
        s->job->status = JOB_RUNNING;
        s->job->pid = pid;
        s->job->pid_starttime = starttime;
        s->job->started_at = now_realtime_usec() / 1000 * 1000;
        s->running = true;
        save_interim(s);
}

static void on_started(void *userdata)
{
        struct supervisor *s = userdata;
        if (fsync(s->job_dirfd) < 0)
                log_error_errno(-errno, "Failed to make job.json durable: %s", strerror(errno));
        count_admission(s);
        if (s->unswept) {
                sandbox_clean_stale_groups(s->unswept);
                s->unswept = NULL;
        }
}

/* Progress: the job's progress.json (in its work directory) when present, else
 * the tail of stdout.log; written to job.json only when it moved forward. */
static void read_progress(struct supervisor *s, struct progress *ret)
{
        struct progress p = PROGRESS_INIT;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        bool partial;
        if (progress_read_tail_at(s->work_dirfd, "progress.json", PROGRESS_JSON_MAX, &text, &len,
                                  &partial, NULL) == 0 &&
            !partial && progress_parse_json(text, len, &p) == 0) {
                *ret = p;
                return;
        }
        progress_done(&p);
        p = PROGRESS_INIT;
        progress_read_at(s->job_dirfd, &p, NULL);
        *ret = p;
}

static bool log_cap_reached(struct supervisor *s, char *reason, size_t len);

/* True when a progress source (progress.json, stdout.log) may have changed
 * since the last look: a source that did not is not read and parsed again,
 * and most ticks of most jobs change nothing. */
static bool progress_sources_changed(struct supervisor *s)
{
        struct stat js, ls;
        struct progress_seen now = {.looked = true};
        if (fstatat(s->work_dirfd, "progress.json", &js, AT_SYMLINK_NOFOLLOW) == 0)
                now.json = (struct file_seen){true, js.st_ino, js.st_size, js.st_mtim};
        if (fstatat(s->job_dirfd, "stdout.log", &ls, AT_SYMLINK_NOFOLLOW) == 0)
                now.log = (struct file_seen){true, ls.st_ino, ls.st_size, ls.st_mtim};
        bool same = s->progress_seen.looked && file_seen_equal(&now.json, &s->progress_seen.json) &&
                    file_seen_equal(&now.log, &s->progress_seen.log);
        s->progress_seen = now;
        return !same;
}

/* Reads the job's progress into the record; true when it moved.  force:
 * read whatever the sources look like (the final read). */
static bool update_progress(struct supervisor *s, bool force)
{
        if (!progress_sources_changed(s) && !force)
                return false;
        struct progress now;
        read_progress(s, &now);
        double before = s->job->progress.percent;
        char *msg_before = s->job->progress.message ? strdup(s->job->progress.message) : NULL;
        progress_update(&s->job->progress, &now);
        progress_done(&now);
        bool changed = s->job->progress.percent != before ||
                       (s->job->progress.message &&
                        (!msg_before || strcmp(s->job->progress.message, msg_before) != 0));
        free(msg_before);
        return changed;
}

static void on_tick(void *userdata)
{
        struct supervisor *s = userdata;
        /* The job's directory was removed (its store deleted, or the job by
         * hand): its outcome has nowhere to go, so the job is stopped as a
         * cancel stops it (the runner reads the signal), and its place among
         * the running jobs is given back when this process ends, as a queued
         * job's is (wait_for_admission). */
        if (s->running && !s->dir_gone && job_dir_gone(s)) {
                s->dir_gone = true;
                log_warning("The job's directory was removed: stopping the job");
                kill(getpid(), SIGTERM);
                return;
        }
        char cap[160];
        /* A job that ignores SIGXFSZ writes on with EFBIG: stop it.  job->pid is
         * its init (or itself without a PID namespace), alive while running. */
        if (s->running && log_cap_reached(s, cap, sizeof(cap)))
                kill(s->job->pid, SIGKILL);
        if (update_progress(s, false))
                save_interim(s);
}

/* The job writes its result file in its work directory; it is copied next to
 * job.json (size-capped, regular files only, never through a link) where the
 * store reads results from. */
static void collect_result(struct supervisor *s)
{
        const char *name = job_result_file(s->job);
        struct stat st;
        _cleanup_close_ int fd = open_regular_at(s->work_dirfd, name, &st);
        if (fd < 0 || st.st_size > (off_t)STORE_RESULT_MAX)
                return;
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        char path[64];
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        if (read_file(path, STORE_RESULT_MAX, &buf, &len) < 0)
                return;
        write_file_atomic_at(s->job_dirfd, name, buf, len, 0600);
}

/* The syscalls the policy denied with an errno, for job.json's denied_syscalls. */
static void copy_denials(struct job *j, const struct outcome *o)
{
        if (o->n_denied == 0)
                return;
        struct job_syscall_count *a = calloc(o->n_denied, sizeof(*a));
        if (!a)
                return;
        size_t n = 0;
        for (; n < o->n_denied; n++) {
                a[n].name = strdup(o->denied[n].name);
                if (!a[n].name)
                        break;
                a[n].count = o->denied[n].count;
        }
        for (size_t i = 0; i < j->n_denied_syscalls; i++)
                free(j->denied_syscalls[i].name);
        free(j->denied_syscalls);
        j->denied_syscalls = a;
        j->n_denied_syscalls = n;
}

static void record_outcome(struct supervisor *s, const struct outcome *o)
{
        struct job *j = s->job;
        j->status = o->status;
        j->exit_code = o->exit_code;
        j->signal = o->signal;
        j->oom_kills = o->stats.oom_kills;
        job_set_string(&j->oom_cause, oom_cause_to_string(o->oom_cause));
        j->memory_peak_bytes = o->stats.memory_peak_bytes;
        j->memory_limit_bytes = o->memory_limit_bytes;
        j->cpu_usage_usec = o->stats.cpu_usage_usec;
        j->cpu_user_usec = o->stats.cpu_user_usec;
        j->cpu_system_usec = o->stats.cpu_system_usec;
        j->cpu_throttled_usec = o->stats.cpu_throttled_usec;
        j->cpu_nr_throttled = o->stats.cpu_nr_throttled;
        j->pids_max_hits = o->stats.pids_max_hits;
        j->connections_allowed = o->net_proxied ? (int64_t)o->net.allowed : -1;
        j->connections_denied = o->net_proxied ? o->net.denied : 0;
        j->wall_ms = o->wall_usec / 1000;
        if (o->seccomp_syscall[0])
                job_set_string(&j->seccomp_syscall, o->seccomp_syscall);
        copy_denials(j, o);
        /* The reason is the summary's detail ("32 MiB limit, peak 32 MiB..."),
         * the status is already its own field. */
        char summary[256];
        outcome_summary(o, summary, sizeof(summary));
        const char *detail = strchr(summary, ':');
        job_set_string(&j->reason, detail ? detail + 2 : NULL);
        char cap[160];
        if (o->status != JOB_COMPLETED && log_cap_reached(s, cap, sizeof(cap)))
                job_set_string(&j->reason, cap);
        j->finished_at = now_realtime_usec() / 1000 * 1000;
        if (o->status != JOB_COMPLETED)
                job_set_error_from_log(j, s->job_dirfd, "stderr.log");
        /* Nothing is saved from here until the caller's save: the first
         * job.json with a terminal status is the one readers (serve's task
         * results, wait, job_result) take as final, so the result must be in
         * place before it.  Saving the final progress here wrote a terminal
         * record before collect_result, and a reader in between found no
         * result (mcp/jobs, word_stats, about 1 run in 4 on a busy host). */
        update_progress(s, true);
        collect_result(s);
        if (o->status == JOB_COMPLETED)
                store_job_check_result(s->job_dirfd, j, 0);
}

/* Tools resolve their working directory to an absolute path and open files
 * through it, so the job's uid must be able to traverse the store's
 * directories down to work/.  Execute-only (0711) allows that and nothing
 * more: no listing, and every job's record stays 0600 root, every work/ 0700
 * its own uid; other jobs' ids are random and cannot be listed. */
static void open_path_to_work_dir(struct supervisor *s)
{
        const char *t = s->job->tenant, *id = s->job->id;
        char paths[5][4096];
        snprintf(paths[0], sizeof(paths[0]), "%s", s->ctl->state_dir);
        snprintf(paths[1], sizeof(paths[1]), "%s/tenants", s->ctl->state_dir);
        snprintf(paths[2], sizeof(paths[2]), "%s/tenants/%s", s->ctl->state_dir, t);
        snprintf(paths[3], sizeof(paths[3]), "%s/tenants/%s/jobs", s->ctl->state_dir, t);
        snprintf(paths[4], sizeof(paths[4]), "%s/tenants/%s/jobs/%s", s->ctl->state_dir, t, id);
        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                struct stat st;
                if (stat(paths[i], &st) == 0 && (st.st_mode & 0111) != 0111)
                        chmod(paths[i], (st.st_mode & 07777) | 0111);
        }
}

static inline void jobenv_freep(char ***p)
{
        jobenv_free(*p);
}

/* As root, a uid of the job's own from the pool.  Every uid busy: wait for
 * one, as for any other resource, rather than fail the job.  1: proceed; 0:
 * the job ended here (cancelled, recorded); < 0: error. */
/* Without root: a subordinate id of the job's own where the user has a
 * range (docs/rootless.md), waited for like root's uids; none: the job
 * keeps the user's uid. */
static int take_job_subid(struct supervisor *s, struct privs_spec *privs, int *ret_lock)
{
        struct subid_lease lease;
        int r;
        while ((r = subid_acquire(&lease)) == -EAGAIN) {
                *ret_lock = -EBADF;
                if (!s->job->reason || strncmp(s->job->reason, "waiting for a free", 18)) {
                        char why[160], range[48];
                        subid_lease_range(&lease, range, sizeof(range));
                        snprintf(why, sizeof(why),
                                 "waiting for a free subordinate id (%s all lent to running jobs)",
                                 range);
                        job_set_string(&s->job->reason, why);
                        save_interim(s);
                }
                if (cancel_requested(s, WAIT_POLL_MS)) {
                        finish_early(s, JOB_CANCELLED,
                                     "cancelled while waiting for a subordinate id");
                        return 0;
                }
        }
        *ret_lock = lease.lockfd;
        if (r == -ENOENT)
                return 1;
        if (r < 0) {
                char why[700];
                snprintf(why, sizeof(why), "could not take a subordinate id (locks in '%s'): %s",
                         lease.lockdir[0] ? lease.lockdir : "no directory", strerror(-r));
                log_error("%s", why);
                return finish_early(s, JOB_FAILED, why) < 0 ? -EIO : 0;
        }
        s->subid = true;
        s->sub_uid = lease.uid;
        s->sub_gid = lease.gid;
        snprintf(s->sub_lockdir, sizeof(s->sub_lockdir), "%s", lease.lockdir);
        privs->switch_user = true;
        privs->uid = SUBID_NS_ID;
        privs->gid = SUBID_NS_ID;
        return 1;
}

static int take_job_uid(struct supervisor *s, struct privs_spec *privs, int *ret_lock)
{
        if (geteuid() != 0)
                return take_job_subid(s, privs, ret_lock);
        int r;
        while ((r = uidpool_acquire_default(&privs->uid, ret_lock)) == -EAGAIN) {
                if (!s->job->reason || strncmp(s->job->reason, "waiting for a free", 18)) {
                        char why[128], range[32];
                        uidpool_default_range(range, sizeof(range));
                        snprintf(why, sizeof(why), "waiting for a free job uid (%s all in use)",
                                 range);
                        job_set_string(&s->job->reason, why);
                        save_interim(s);
                }
                if (cancel_requested(s, WAIT_POLL_MS)) {
                        finish_early(s, JOB_CANCELLED, "cancelled while waiting for a job uid");
                        return 0;
                }
        }
        if (r < 0)
                return log_error_errno(r, "Failed to take a job uid: %s", strerror(-r));
        privs->switch_user = true;
        privs->gid = (gid_t)privs->uid;
        return 1;
}

/* The job's own directory, the only place it may write: created, opened
 * (s->work_dirfd), handed to the job's uid; its absolute path in workdir. */
static int prepare_work_dir(struct supervisor *s, const struct privs_spec *privs, char *workdir,
                            size_t len)
{
        if (mkdirat(s->job_dirfd, "work", 0700) < 0 && errno != EEXIST)
                return log_error_errno(NEG_ERRNO(), "Failed to create the work directory: %s",
                                       strerror(errno));
        s->work_dirfd =
            openat(s->job_dirfd, "work", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (s->work_dirfd < 0)
                return log_error_errno(NEG_ERRNO(), "Failed to open the work directory");
        /* A subordinate id gets the directory by an ACL instead (runner.c). */
        bool own_uid = privs->switch_user && !s->subid;
        if (own_uid && fchown(s->work_dirfd, privs->uid, privs->gid) < 0)
                return log_error_errno(NEG_ERRNO(), "Failed to hand the work directory over");
        if (own_uid)
                open_path_to_work_dir(s);
        char self[64];
        snprintf(self, sizeof(self), "/proc/self/fd/%d", s->work_dirfd);
        ssize_t n = readlink(self, workdir, len - 1);
        if (n < 0)
                return NEG_ERRNO();
        workdir[n] = 0;
        return 0;
}

/* stdin: input.json (also copied into the work directory), else /dev/null;
 * stdout/stderr: the log files. */
static int open_job_stdio(struct supervisor *s, int *ret_in, int *ret_out, int *ret_err)
{
        _cleanup_close_ int in = -EBADF;
        if (s->job->has_input) {
                _cleanup_free_ char *input = NULL;
                size_t len = 0;
                if (read_file_at(s->job_dirfd, "input.json", 64u << 20, &input, &len) == 0)
                        write_file_atomic_at(s->work_dirfd, "input.json", input, len, 0644);
                in = openat(s->job_dirfd, "input.json", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        }
        if (in < 0)
                in = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int out_fd, err_fd;
        int r = store_job_open_log(s->job_dirfd, 1, &out_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open stdout.log: %s", strerror(-r));
        _cleanup_close_ int out = out_fd;
        r = store_job_open_log(s->job_dirfd, 2, &err_fd);
        if (r < 0)
                return log_error_errno(r, "Failed to open stderr.log: %s", strerror(-r));
        *ret_in = TAKE_FD(in);
        *ret_out = TAKE_FD(out);
        *ret_err = err_fd;
        return 0;
}

/* The job's environment: its own variables and CORRAL_JOB_ID over the
 * allowed part of ours (jobenv.c). */
static int build_job_env(const struct job *j, const char *workdir, bool proxied, char ***ret)
{
        char idvar[128];
        snprintf(idvar, sizeof(idvar), "CORRAL_JOB_ID=%s", j->id);
        size_t n_env = 0, n_proxy = 0;
        for (char **e = j->env; e && *e; e++)
                n_env++;
        /* allow:LIST: the proxy is announced first; the job's own env wins. */
        while (proxied && netproxy_env[n_proxy])
                n_proxy++;
        _cleanup_free_ char **extra = calloc(n_proxy + n_env + 2, sizeof(char *));
        if (!extra)
                return -ENOMEM;
        for (size_t i = 0; i < n_proxy; i++)
                extra[i] = (char *)netproxy_env[i];
        for (size_t i = 0; i < n_env; i++)
                extra[n_proxy + i] = j->env[i];
        extra[n_proxy + n_env] = idvar;
        /* corral's own PATH may name directories the job's uid cannot enter
         * (root's ~/.local/bin...): jobs get the default PATH unless they ask. */
        size_t n_parent = 0;
        for (char **e = environ; e && *e; e++)
                n_parent++;
        _cleanup_free_ char **parent = calloc(n_parent + 1, sizeof(char *));
        if (!parent)
                return -ENOMEM;
        for (size_t i = 0, k = 0; i < n_parent; i++)
                if (strncmp(environ[i], "PATH=", 5) != 0)
                        parent[k++] = environ[i];
        return jobenv_build(parent, extra, workdir, ret, NULL);
}

/* The job's seccomp policy: parsed here, before clone; its compiled program
 * comes from the store's cache after the first job using it.  1: loaded; 0:
 * the job ended here (failed, recorded). */
static int load_job_policy(struct supervisor *s, struct policy **ret)
{
        const char *name = s->job->policy ? s->job->policy : "default";
        char perr[512], cache[4096];
        snprintf(cache, sizeof(cache), "%s/policy-cache", s->ctl->state_dir);
        int r =
            policy_load_quiet(name, s->ctl->options->policy_dir, cache, ret, perr, sizeof(perr));
        if (r < 0) {
                char reason[600];
                snprintf(reason, sizeof(reason), "policy '%s': %s", name, perr);
                finish_early(s, JOB_FAILED, reason);
                return 0;
        }
        return 1;
}

/* A completed job's state patch goes into the tenant's state. */
static void apply_state_patch(struct supervisor *s)
{
        struct job *j = s->job;
        if (j->status != JOB_COMPLETED || !j->state_patch_field)
                return;
        _cleanup_free_ char *why = NULL;
        int k = store_state_apply(s->ctl->store, j, &why);
        if (k < 0)
                log_warning("State patch '%s' not applied: %s", j->state_patch_field,
                            why ? why : strerror(-k));
}

/* The rlimits of a background job: open files, and one cap on the size of
 * any file it writes, which is what stops its logs (job-logcap.h). */
static struct job_rlimits job_rlimits_of(const struct job_limits *l)
{
        return (struct job_rlimits){
            .nofile = l->open_files ? l->open_files : LIMIT_OPEN_FILES_DEFAULT,
            .fsize = job_log_cap_bytes(l),
        };
}

/* A log that reached its cap stopped the job (SIGXFSZ, or killed by the
 * supervisor when it ignored that): the reason names the cap. */
static bool log_cap_reached(struct supervisor *s, char *reason, size_t len)
{
        return job_log_cap_reached(s->job_dirfd, &s->job->limits, reason, len);
}

/* Runs the job in its sandbox as privs say, in workdir; returns 0 once an
 * outcome is recorded. */
static int run_in_sandbox(struct supervisor *s, const struct privs_spec *privs, const char *workdir)
{
        struct job *j = s->job;
        int in_fd = -EBADF, out_fd = -EBADF, err_fd = -EBADF;
        int r = open_job_stdio(s, &in_fd, &out_fd, &err_fd);
        if (r < 0)
                return r;
        _cleanup_close_ int in = in_fd;
        _cleanup_close_ int out = out_fd;
        _cleanup_close_ int errf = err_fd;

        _cleanup_(jobenv_freep) char **envp = NULL;
        /* The network: host, none, or allow:LIST through corral's proxy. */
        _cleanup_free_ struct net_policy *netpol = calloc(1, sizeof(*netpol));
        if (!netpol)
                return -ENOMEM;
        if (j->network && net_policy_parse(j->network, netpol, NULL, 0) < 0)
                return finish_early(s, JOB_FAILED, "invalid network policy in job.json");
        bool proxied = netpol->mode == NET_ALLOW;
        r = build_job_env(j, workdir, proxied, &envp);
        if (r < 0)
                return r;

        _cleanup_free_ char *path = NULL;
        r = child_resolve(j->command[0], envp, &path);
        if (r < 0) {
                /* Nothing ran: say so in the record, as `corral run` does. */
                char reason[512];
                snprintf(reason, sizeof(reason), "cannot run '%s': %s", j->command[0],
                         r == -ENOENT ? "command not found" : strerror(-r));
                j->exit_code = r == -ENOENT ? EXIT_NOT_FOUND : EXIT_NOT_EXECUTABLE;
                return finish_early(s, JOB_FAILED, reason);
        }

        _cleanup_(cg_manager_freep) struct cg_manager *m = NULL;
        r = sandbox_open_cgroups_unswept(s->ctl->options, &m);
        if (r < 0)
                return finish_early(s, JOB_FAILED, "corral could not set up the job's cgroup");
        _cleanup_(policy_freep) struct policy *policy = NULL;
        r = load_job_policy(s, &policy);
        if (r <= 0)
                return r;

        /* Where the command starts (cwd asked for, else its work directory);
         * the work directory ($HOME) stays the one place it may write. */
        struct hostview view = {.private_mounts = true,
                                .minimal_mounts = j->mounts && strcmp(j->mounts, "minimal") == 0,
                                .tmp_noexec = j->tmp && strcmp(j->tmp, "noexec") == 0,
                                .workdir = workdir,
                                .cwd = j->cwd};
        view.network = netpol->mode == NET_HOST ? HOSTVIEW_NETWORK_HOST : HOSTVIEW_NETWORK_NONE;
        view.expose = (const char *const *)j->expose;
        hostview_decide(&view, geteuid() == 0);
        if (s->subid)
                hostview_use_subid(&view, s->sub_uid, s->sub_gid, s->sub_lockdir);
        struct job_rlimits rl = job_rlimits_of(&j->limits);
        char label[80];
        snprintf(label, sizeof(label), "job-%s", j->id);
        label[64] = 0;
        struct usage_recorder usage; /* usage over time: jobs/<id>/usage.json */
        usage_recorder_init(&usage, s->job_dirfd);
        struct runner_spec spec = {
            .child = {.path = path,
                      .argv = j->command,
                      .envp = envp,
                      .stdin_fd = in,
                      .stdout_fd = out,
                      .stderr_fd = errf,
                      .new_session = true,
                      .view = &view,
                      .privs = privs,
                      .rlimits = &rl,
                      .policy = policy},
            .limits = {.memory_max = j->limits.memory_bytes,
                       .cpu_millicpus = j->limits.cpus_milli,
                       .pids_max = j->limits.pids},
            .timeout_usec = j->limits.timeout_ms * 1000,
            .cancel_grace_usec = (j->limits.grace_ms ? j->limits.grace_ms : 5000) * 1000,
            .label = label,
            .network = proxied ? netpol : NULL,
            .on_spawned = on_spawned,
            .on_started = on_started,
            .on_tick = on_tick,
            .tick_usec = PROGRESS_TICK_USEC,
            .userdata = s,
            .on_sample = usage_recorder_sample,
            .sample_data = &usage,
        };
        struct outcome o = {0};
        struct child_failure fail;
        s->unswept = m;
        r = runner_run(m, &spec, &o, &fail);
        s->running = false;
        if (s->unswept) { /* the job never started: sweep now */
                sandbox_clean_stale_groups(m);
                s->unswept = NULL;
        }
        if (r < 0) {
                /* It never ran, though on_spawned may have recorded its
                 * process: the record says so. */
                s->job->pid = 0;
                s->job->pid_starttime = 0;
                s->job->started_at = 0;
                char reason[512];
                snprintf(reason, sizeof(reason), "could not start: failed to %s: %s%s",
                         fail.step != CHILD_STEP_NONE ? child_step_to_string(fail.step)
                                                      : "create the job's cgroup",
                         strerror(-r),
                         fail.step == CHILD_STEP_NAMESPACES ? userns_refusal_hint()
                                                            : subid_refusal_hint(fail.step));
                return finish_early(s, JOB_FAILED, reason);
        }
        if (o.subid_revoke_err)
                log_warning("Failed to hand back what the job left or remove its ACL entries in "
                            "'%s' or above: %s; `getfacl` shows what is left (docs/rootless.md)",
                            workdir, strerror(o.subid_revoke_err));
        usage_recorder_finish(&usage, &o.stats, o.wall_usec);
        record_outcome(s, &o);
        r = save(s);
        if (r < 0)
                return r;
        apply_state_patch(s);
        return 0;
}

/* Sets up and runs the job; returns 0 once an outcome is recorded. */
static int run_job(struct supervisor *s)
{
        struct privs_spec privs = {.cap_last = privs_cap_last()};
        _cleanup_close_ int uid_lock = -EBADF;
        int r = take_job_uid(s, &privs, &uid_lock);
        if (r <= 0)
                return r;
        char workdir[4096];
        r = prepare_work_dir(s, &privs, workdir, sizeof(workdir));
        if (r >= 0)
                r = run_in_sandbox(s, &privs, workdir);
        /* Before the uid goes back to the pool (uid_lock): the next job on it,
         * of whatever tenant, must find nothing of this one's. */
        if (privs.switch_user && !s->subid) {
                int k = workdir_reclaim(s->job_dirfd);
                if (k < 0)
                        log_warning("Failed to hand the work directory back: %s", strerror(-k));
        }
        return r;
}

int cmd_supervise(const struct corral_options *o, int argc, char **argv)
{
        int lock_fd = -1;
        const char *id = NULL;
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--lock-fd") == 0 && i + 1 < argc)
                        lock_fd = atoi(argv[++i]);
                else if (strcmp(argv[i], "--") == 0 && i + 1 < argc)
                        id = argv[++i];
        }
        if (lock_fd < 0 || !id) {
                fprintf(stderr, "corral __supervise is started by corral itself\n");
                return EXIT_USAGE;
        }
        fcntl(lock_fd, F_SETFD, FD_CLOEXEC);
        char ctx[96];
        snprintf(ctx, sizeof(ctx), "job %s", id);
        log_set_context(ctx);

        _cleanup_(jobctl_freep) struct jobctl *ctl = NULL;
        if (jobctl_open(o, &ctl) < 0)
                return 1;
        struct supervisor s = {.ctl = ctl, .job_dirfd = -EBADF, .work_dirfd = -EBADF};
        int r = store_job_open_dir(ctl->store, id, &s.job_dirfd);
        if (r < 0)
                return log_error_errno(r, "Failed to open the job's directory: %s", strerror(-r)),
                       1;
        int logfd = openat(s.job_dirfd, "supervisor.log",
                           O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (logfd >= 0) {
                dup2(logfd, STDERR_FILENO);
                close(logfd);
        }
        r = store_job_load(ctl->store, id, &s.job, NULL);
        if (r < 0)
                return log_error_errno(r, "Failed to load job.json: %s", strerror(-r)), 1;
        if (job_status_is_terminal(s.job->status))
                return 0;
        jobctl_ledger_key(s.job, s.ledger_key, sizeof(s.ledger_key));

        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        sigaddset(&set, SIGQUIT);
        /* The queue's wake-up (wait_for_admission) is blocked too, from the
         * start, but read from its own fd: it is not a cancel request. */
        sigset_t blocked = set;
        sigaddset(&blocked, GOV_LEDGER_WAKE_SIGNAL);
        sigprocmask(SIG_BLOCK, &blocked, NULL);
        s.sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        signal(SIGPIPE, SIG_IGN);

        s.job->supervisor_pid = getpid();
        proc_starttime(getpid(), &s.job->supervisor_starttime);
        /* Not saved here: the first record that says so is the one the job
         * changes with (waiting, running or ended), one durable write less on
         * the way to running.  Until then `cancel` waits on the lock, which
         * this process holds (jobctl_cancel). */

        /* A Slurm job: its dependencies become Slurm's where they can, and
         * Slurm queues it, not this host's governor (executor-slurm.c). */
        bool slurm = s.job->executor && strcmp(s.job->executor, "slurm") == 0;
        r = slurm ? executor_slurm_supervise(ctl, s.job, s.job_dirfd, s.sigfd)
                  : wait_for_dependencies(&s);
        if (r > 0 && !slurm)
                r = wait_for_admission(&s);
        if (r > 0)
                r = run_job(&s);
        if (r < 0 && !job_status_is_terminal(s.job->status)) {
                char reason[256];
                snprintf(reason, sizeof(reason),
                         "corral failed to run the job: %s (details in supervisor.log)",
                         strerror(-r));
                finish_early(&s, JOB_FAILED, reason);
        }
        count_admission(&s); /* admitted, but it never started */
        if (job_status_is_terminal(s.job->status))
                job_counters_finished(ctl->state_dir, s.job);
        if (s.ledger) {
                gov_ledger_release(s.ledger, s.ledger_key);
                gov_ledger_free(s.ledger);
        }
        if (s.work_dirfd >= 0)
                close(s.work_dirfd);
        close(s.job_dirfd);
        close(s.sigfd);
        job_free(s.job);
        close(lock_fd);
        return 0;
}
