/* jobctl.c - see jobctl.h. */
#include "jobctl.h"
#include "storeexpose.h"
#include "job-counters.h"
#include "job-limits.h"
#include "storelimits.h"
#include "workdir.h"
#include "cgroup.h"
#include "executor.h"
#include "fileio.h"
#include "gov-ledger.h"
#include "gov-measure.h"
#include "jobid.h"
#include "log.h"
#include "procfs.h"
#include "sandbox-setup.h"
#include "statedir.h"
#include "subid-access.h"
#include "units.h"
#include "vclone.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int jobctl_open(const struct corral_options *o, struct jobctl **ret)
{
        _cleanup_(jobctl_freep) struct jobctl *c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->options = o;
        _cleanup_free_ char *dir = NULL;
        int r = state_dir_resolve(o->state_dir, &dir);
        if (r < 0)
                return log_error_errno(r, "No state directory: pass --state-dir DIR (or set "
                                          "HOME or XDG_STATE_HOME)");
        c->state_dir = realpath(dir, NULL);
        if (!c->state_dir) {
                /* Not there yet: store_open creates it; keep it absolute. */
                if (dir[0] != '/') {
                        char cwd[4096];
                        if (!getcwd(cwd, sizeof(cwd)) ||
                            asprintf(&c->state_dir, "%s/%s", cwd, dir) < 0)
                                return -ENOMEM;
                } else
                        c->state_dir = TAKE_PTR(dir);
        }
        r = store_open(c->state_dir, o->tenant, &c->store);
        if (r == -EINVAL)
                return log_error_errno(r,
                                       "Invalid tenant name '%s': allowed are 1-64 characters "
                                       "of A-Z a-z 0-9 _ -",
                                       o->tenant);
        if (r < 0)
                return log_error_errno(r, "Failed to open the job store '%s': %s", c->state_dir,
                                       strerror(-r));
        *ret = TAKE_PTR(c);
        return 0;
}

void jobctl_free(struct jobctl *c)
{
        if (!c)
                return;
        store_free(c->store);
        free(c->state_dir);
        free(c);
}

void jobctl_ledger_key(const struct job *j, char *buf, size_t len)
{
        /* Ids are unique per tenant; the ledger is shared, so qualify them. */
        int n = snprintf(buf, len, "%s.%s", j->tenant ? j->tenant : "default", j->id);
        if (n < 0 || (size_t)n >= len)
                snprintf(buf, len, "%s", j->id);
}

struct supervisor_start {
        const char *const *argv;
        int lock_fd, pid_wr;
};

static int supervisor_exec(void *data)
{
        const struct supervisor_start *st = data;
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null >= 0) {
                /* stdout may be the MCP channel: the supervisor never writes it. */
                dup2(null, 0);
                dup2(null, 1);
        }
        int flags = fcntl(st->lock_fd, F_GETFD);
        fcntl(st->lock_fd, F_SETFD, flags & ~FD_CLOEXEC);
        execv("/proc/self/exe", (char *const *)st->argv);
        _exit(127);
}

/* New session, then start the supervisor and exit, so that it is nobody's
 * child but init's.  Both steps share the submitter's memory (vclone.h): a
 * submitter's pages are not copied twice for a process that only execs. */
static int supervisor_intermediate(void *data)
{
        const struct supervisor_start *st = data;
        setsid();
        pid_t sup = vclone(supervisor_exec, data);
        if (sup > 0 && write(st->pid_wr, &sup, sizeof(sup)) != sizeof(sup))
                _exit(1);
        _exit(sup < 0 ? 1 : 0);
}

/* Starts `corral __supervise` for id, detached (own session, reparented to
 * init), holding the job's lock through lock_fd (flock locks belong to the
 * open file description, so the supervisor inherits the lock itself).
 * *ret_pid: the supervisor's pid, for the ledger's hand-over (0 if the
 * intermediate could not say). */
static int spawn_supervisor(struct jobctl *c, const char *id, int lock_fd, pid_t *ret_pid)
{
        const struct corral_options *o = c->options;
        char fdbuf[16];
        snprintf(fdbuf, sizeof(fdbuf), "%d", lock_fd);
        const char *argv[20];
        int n = 0;
        argv[n++] = "corral";
        argv[n++] = "__supervise";
        argv[n++] = "--state-dir";
        argv[n++] = c->state_dir;
        argv[n++] = "--tenant";
        argv[n++] = store_tenant(c->store);
        if (o->cgroup_parent) {
                argv[n++] = "--cgroup-parent";
                argv[n++] = o->cgroup_parent;
        }
        if (o->policy_dir) {
                argv[n++] = "--policy-dir";
                argv[n++] = o->policy_dir;
        }
        /* The supervisor reads the same corral.conf (its default limits and
         * governor defaults) as the command that submitted the job. */
        if (o->config_path) {
                argv[n++] = "--config";
                argv[n++] = o->config_path;
        }
        argv[n++] = "--lock-fd";
        argv[n++] = fdbuf;
        argv[n++] = "--";
        argv[n++] = id;
        argv[n] = NULL;

        int pidpipe[2];
        if (pipe2(pidpipe, O_CLOEXEC) < 0)
                return NEG_ERRNO();
        _cleanup_close_ int pid_rd = pidpipe[0];
        _cleanup_close_ int pid_wr = pidpipe[1];
        struct supervisor_start st = {.argv = argv, .lock_fd = lock_fd, .pid_wr = pid_wr};
        pid_t pid = vclone(supervisor_intermediate, &st);
        if (pid < 0)
                return pid;
        int status;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return NEG_ERRNO();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                return -ECHILD;
        pid_t sup = 0;
        *ret_pid = read(pid_rd, &sup, sizeof(sup)) == sizeof(sup) ? sup : 0;
        return 0;
}

/* What admission_precheck() opened and measured, for admission_reserve() to
 * decide on: one measurement of the host per submit, not two (each is some 15
 * files under /proc and the cgroup tree), taken a few ms apart anyway. */
struct admission {
        struct gov_ledger *ledger;
        struct gov_measurements meas;
        bool measured;
};

static void admission_done(struct admission *a)
{
        gov_ledger_free(a->ledger);
        a->ledger = NULL;
}

/* A refusal, counted and worded for the submitter: -EBUSY (queue full) or
 * -E2BIG (never fits); 0 when d lets the job in or wait. */
static int admission_refused(struct jobctl *c, const struct gov_decision *d, char *err,
                             size_t errlen)
{
        if (d->verdict != GOV_REFUSE_NEVER_FITS && d->verdict != GOV_REFUSE_QUEUE_FULL)
                return 0;
        snprintf(err, errlen, "Job refused: %s", d->reason);
        job_counters_refused(c->state_dir, store_tenant(c->store), d->verdict);
        return d->verdict == GOV_REFUSE_QUEUE_FULL ? -EBUSY : -E2BIG;
}

/* Jobs whose place submit reserves (admission_reserve): local ones without
 * dependencies, which must not hold a slot or a place ahead of the jobs they
 * wait for (their supervisor asks once those ended). */
static bool admission_reserves(const struct job *j)
{
        return !j->executor && !(j->depends_on && j->depends_on[0]);
}

/* Measures the host for admission_reserve(), and for a job it will not reserve
 * refuses now what can never run or finds the queue full.  A reserved job is
 * decided by the reservation alone, under the ledger's lock: a snapshot
 * first would read (and, once a second, prune) the whole ledger twice. */
static int admission_precheck(struct jobctl *c, const struct job *j, struct admission *a, char *err,
                              size_t errlen)
{
        _cleanup_(gov_measure_freep) struct gov_measure *m = NULL;
        struct gov_snapshot snap = {0};
        if (gov_ledger_open(c->state_dir, &a->ledger) < 0 || gov_measure_new("/", &m) < 0)
                return 0; /* the supervisor asks again and records what it finds */
        struct gov_measurements meas;
        if (gov_measure_sample(m, now_monotonic_usec()) < 0 || gov_measure_read(m, &meas) < 0)
                return 0;
        a->meas = meas;
        a->measured = true;
        if (admission_reserves(j) || gov_ledger_snapshot(a->ledger, &snap) < 0)
                return 0;
        struct gov_view view = gov_snapshot_view(&snap);
        struct gov_candidate cand = {.job_id = "new",
                                     .tenant = store_tenant(c->store),
                                     .memory_bytes = j->limits.memory_bytes};
        struct gov_decision d;
        gov_decide(&meas, &snap.policy, &view, &cand, &d);
        gov_snapshot_done(&snap);
        return admission_refused(c, &d, err, errlen);
}

/* The job's place in the ledger, taken under its lock so that what the
 * submitter is told holds (a snapshot read first would let concurrent
 * submitters near the queue's bound all pass).  Owned by this process until
 * the supervisor takes it (gov_ledger_set_owner).  1: reserved; 0: nothing
 * reserved (the supervisor asks); -EBUSY or -E2BIG with err set: refused. */
static int admission_reserve(struct jobctl *c, const struct job *j, struct admission *a,
                             struct gov_ledger **ret_ledger, char *err, size_t errlen)
{
        if (!admission_reserves(j) || !a->measured)
                return 0;
        char key[160];
        jobctl_ledger_key(j, key, sizeof(key));
        struct gov_candidate cand = {.job_id = key,
                                     .tenant = store_tenant(c->store),
                                     .memory_bytes = j->limits.memory_bytes};
        struct gov_decision d;
        if (gov_ledger_admit(a->ledger, &cand, &a->meas, NULL, 0, 0, &d) < 0)
                return 0;
        int r = admission_refused(c, &d, err, errlen);
        if (r < 0)
                return r;
        *ret_ledger = TAKE_PTR(a->ledger);
        return 1;
}

/* Gives the reservation to the supervisor (pid), or drops it when there is
 * none to take it. */
static void admission_hand_over(struct gov_ledger *l, const struct job *j, pid_t sup)
{
        char key[160];
        jobctl_ledger_key(j, key, sizeof(key));
        uint64_t starttime;
        /* Already gone: it released its entry, or never took it. */
        if (sup <= 0 || proc_starttime(sup, &starttime) < 0 ||
            gov_ledger_set_owner(l, key, sup, starttime) < 0)
                gov_ledger_release(l, key);
}

/* The job's executor: the store's (executor.conf), or the one the request
 * names when the store allows a choice per job.  j->executor stays NULL for
 * local, "slurm" for Slurm. */
static int executor_choose(struct jobctl *c, struct job *j, char *err, size_t errlen)
{
        struct executor_settings es;
        char why[300];
        if (executor_load(c->state_dir, &es, why, sizeof(why)) < 0) {
                snprintf(err, errlen, "Invalid executor settings: %s", why);
                return -EINVAL;
        }
        enum executor_kind k = es.kind;
        if (j->executor) {
                if (executor_kind_from_string(j->executor, &k) < 0) {
                        snprintf(err, errlen, "Invalid executor '%s': local or slurm", j->executor);
                        return -EINVAL;
                }
                if (k != es.kind && !es.per_job) {
                        snprintf(err, errlen,
                                 "This store runs jobs on its executor '%s'; choosing '%s' per "
                                 "job needs the operator's --executor-per-job yes",
                                 executor_kind_to_string(es.kind), j->executor);
                        return -EINVAL;
                }
        }
        return job_set_string(&j->executor, k == EXECUTOR_SLURM ? "slurm" : NULL);
}

int jobctl_submit(struct jobctl *c, struct job *j, const char *requested_id, const char *input,
                  size_t input_len, char *err, size_t errlen)
{
        /* Dependencies must exist (for this tenant) when the job is submitted. */
        for (char **d = j->depends_on; d && *d; d++) {
                _cleanup_(job_freep) struct job *dep = NULL;
                if (store_job_load(c->store, *d, &dep, NULL) < 0) {
                        snprintf(err, errlen, "depends_on names no such job: '%s'", *d);
                        return -ENOENT;
                }
        }
        struct stat st;
        if (j->cwd && (j->cwd[0] != '/' || stat(j->cwd, &st) < 0 || !S_ISDIR(st.st_mode))) {
                snprintf(err, errlen,
                         "Invalid cwd '%s': an absolute path to an existing directory is needed",
                         j->cwd);
                return -EINVAL;
        }
        const char *reason = NULL;
        if (requested_id && name_validate(requested_id, &reason) < 0) {
                snprintf(err, errlen, "Invalid job id '%s': %s", requested_id, reason);
                return -EINVAL;
        }
        /* corral.conf's default-* keys (memory, CPUs, pids, timeout, grace),
         * then the store's defaults and ceilings (limits.conf: logs, file size,
         * open files): applied now, so the record says what the job gets. */
        limits_apply_defaults(&j->limits);
        struct store_limits sl;
        int r = store_limits_load(c->state_dir, &sl, err, errlen);
        if (r >= 0)
                r = store_limits_apply(&sl, &j->limits, err, errlen);
        if (r >= 0)
                r = store_limits_apply_network(&sl, &j->network, c->client_jobs, err, errlen);
        if (r >= 0)
                r = executor_choose(c, j, err, errlen);
        if (r < 0)
                return r;
        /* What the store's operator lets jobs see of the hidden home
         * (expose.conf): checked and completed now, recorded in job.json. */
        struct store_expose se;
        r = store_expose_load(c->state_dir, &se, err, errlen);
        if (r >= 0) {
                r = store_expose_apply(&se, &j->expose, err, errlen);
                store_expose_done(&se);
        }
        if (r < 0)
                return r;
        /* A job that can never run (its limit exceeds the host's or its tenant's
         * room) or that finds the queue full is refused now, not queued.  A
         * Slurm job is queued by Slurm, whose limits are not this host's. */
        _cleanup_(admission_done) struct admission adm = {0};
        if (!j->executor)
                r = admission_precheck(c, j, &adm, err, errlen);
        if (r < 0)
                return r;
        int lock_fd = -EBADF;
        r = store_job_create(c->store, j, requested_id, input, input_len, &lock_fd, &reason);
        if (r == -EEXIST) {
                snprintf(err, errlen, "Job id '%s' is already in use; choose another or omit it",
                         requested_id);
                return r;
        }
        if (r == -EBADMSG) {
                snprintf(err, errlen, "input is not valid JSON");
                return r;
        }
        if (r == -EINVAL) {
                snprintf(err, errlen, "%s", reason ? reason : "invalid job request");
                return r;
        }
        if (r < 0) {
                snprintf(err, errlen, "Failed to create the job in '%s': %s", c->state_dir,
                         strerror(-r));
                return r;
        }
        _cleanup_close_ int lock = lock_fd;
        _cleanup_(gov_ledger_freep) struct gov_ledger *reserved = NULL;
        r = admission_reserve(c, j, &adm, &reserved, err, errlen);
        if (r < 0) {
                /* Refused: the id was never given out, so the record goes.  Ended
                 * first (the store removes only ended jobs): a crash in between
                 * leaves a record that says why. */
                j->status = JOB_FAILED;
                j->finished_at = now_realtime_usec() / 1000 * 1000;
                char why[300];
                snprintf(why, sizeof(why), "refused at submit: %s", err);
                job_set_string(&j->reason, why);
                store_job_save(c->store, j);
                closep(&lock);
                lock = -EBADF;
                store_job_remove(c->store, j->id);
                return r;
        }
        pid_t sup = 0;
        r = spawn_supervisor(c, j->id, lock, &sup);
        if (reserved)
                admission_hand_over(reserved, j, r < 0 ? 0 : sup);
        if (r < 0) {
                /* Nobody will run it: record that instead of leaving it queued. */
                j->status = JOB_LOST;
                job_set_string(&j->lost_reason, "the supervisor could not be started");
                store_job_save(c->store, j);
                snprintf(err, errlen, "Failed to start the job's supervisor: %s", strerror(-r));
                return r;
        }
        return 0;
}

int jobctl_load(struct jobctl *c, const char *id, struct job **ret)
{
        struct job *j = NULL;
        int r = store_job_load(c->store, id, &j, NULL);
        if (r < 0)
                return r;
        *ret = j;
        return 0;
}

static int recover_job(struct jobctl *c, const char *id);

int jobctl_cancel(struct jobctl *c, const char *id, char *err, size_t errlen)
{
        _cleanup_(job_freep) struct job *j = NULL;
        int r = store_job_load(c->store, id, &j, NULL);
        if (r < 0) {
                snprintf(err, errlen, "No such job: '%s'", id);
                return -ENOENT;
        }
        if (job_status_is_terminal(j->status))
                return 1;
        /* The record names the supervisor by pid and start time; a reused pid
         * never gets our signal. */
        for (int tries = 0; tries < 200; tries++) {
                if (j->supervisor_pid > 0 &&
                    proc_alive(j->supervisor_pid, j->supervisor_starttime)) {
                        if (kill(j->supervisor_pid, SIGTERM) < 0 && errno != ESRCH)
                                return NEG_ERRNO();
                        return 0;
                }
                /* Just submitted: the supervisor has not written its pid yet. */
                int lock_fd;
                if (store_job_lock(c->store, id, false, &lock_fd) == 0) {
                        close(lock_fd);
                        /* A Slurm job's supervisor is restarted (it adopts the
                         * job) and then gets the cancel. */
                        if (j->executor && strcmp(j->executor, "slurm") == 0 && tries < 100) {
                                recover_job(c, id);
                                goto reload;
                        }
                        /* Nobody holds it: no supervisor; recovery's business. */
                        snprintf(err, errlen,
                                 "Job '%s' has no live supervisor; it will be "
                                 "recorded as lost",
                                 id);
                        return -ESRCH;
                }
        reload:
                usleep(10000);
                job_free(j);
                j = NULL;
                if (store_job_load(c->store, id, &j, NULL) < 0 || job_status_is_terminal(j->status))
                        return 1;
        }
        snprintf(err, errlen, "Job '%s' did not name its supervisor in time", id);
        return -ETIMEDOUT;
}

int jobctl_retry(struct jobctl *c, const char *id, char **ret_id, char *err, size_t errlen)
{
        _cleanup_(job_freep) struct job *old = NULL;
        if (store_job_load(c->store, id, &old, NULL) < 0) {
                snprintf(err, errlen, "No such job: '%s'", id);
                return -ENOENT;
        }
        _cleanup_(job_freep) struct job *j = job_new();
        if (!j)
                return -ENOMEM;
        /* Only the request is carried over, never the outcome. */
        j->command = old->command;
        old->command = NULL;
        j->env = old->env;
        old->env = NULL;
        j->cwd = TAKE_PTR(old->cwd);
        j->limits = old->limits;
        j->policy = TAKE_PTR(old->policy);
        j->network = TAKE_PTR(old->network);
        j->mounts = TAKE_PTR(old->mounts);
        j->tmp = TAKE_PTR(old->tmp);
        j->result_file = TAKE_PTR(old->result_file);
        j->state_patch_field = TAKE_PTR(old->state_patch_field);
        j->state_patch_pointer = TAKE_PTR(old->state_patch_pointer);
        j->depends_on = old->depends_on;
        old->depends_on = NULL;
        j->executor = TAKE_PTR(old->executor);
        if (job_set_string(&j->retry_of, old->id) < 0)
                return -ENOMEM;
        _cleanup_free_ char *input = NULL;
        size_t input_len = 0;
        if (old->has_input) {
                _cleanup_close_ int dfd = -EBADF;
                if (store_job_open_dir(c->store, id, &dfd) == 0)
                        read_file_at(dfd, "input.json", 64u << 20, &input, &input_len);
        }
        int r = jobctl_submit(c, j, NULL, input, input_len, err, errlen);
        if (r < 0)
                return r;
        *ret_id = strdup(j->id);
        return *ret_id ? 0 : -ENOMEM;
}

/* Marks one queued/running job lost when its supervisor is gone (its lock is
 * free).  1 when marked, 0 when not (alive, finished, or no such job). */
static int recover_job(struct jobctl *c, const char *id)
{
        int lock_fd;
        /* Held: its supervisor lives (adopted: we only watch it). */
        if (store_job_lock(c->store, id, false, &lock_fd) < 0)
                return 0;
        _cleanup_close_ int lock = lock_fd;
        _cleanup_(job_freep) struct job *fresh = NULL;
        if (store_job_load(c->store, id, &fresh, NULL) < 0 || job_status_is_terminal(fresh->status))
                return 0; /* finished between the listing and the lock */
        /* A Slurm job outlives its supervisor: Slurm still runs it.  A new
         * supervisor adopts it (by its recorded id, or by its name when the
         * first died before recording one) and records its true outcome. */
        if (fresh->executor && strcmp(fresh->executor, "slurm") == 0) {
                pid_t sup;
                if (spawn_supervisor(c, id, lock, &sup) < 0)
                        log_warning("Failed to restart the supervisor of Slurm job '%s'", id);
                return 0;
        }
        char reason[256], who[32] = "";
        /* pid 0: it ended before its first record (the supervisor records itself
         * with the first change, not at start). */
        if (fresh->supervisor_pid > 0)
                snprintf(who, sizeof(who), " (pid %d)", (int)fresh->supervisor_pid);
        snprintf(reason, sizeof(reason),
                 "its supervisor%s ended without recording an outcome while the job was "
                 "%s; the job's processes were killed",
                 who, job_status_to_string(fresh->status));
        fresh->status = JOB_LOST;
        job_set_string(&fresh->lost_reason, reason);
        fresh->finished_at = now_realtime_usec() / 1000 * 1000;
        /* Its uid went back to the pool with the dead supervisor: hand its files
         * back before another job on that uid could read them. */
        _cleanup_close_ int dfd = -EBADF;
        if (geteuid() == 0 && store_job_open_dir(c->store, id, &dfd) == 0)
                workdir_reclaim(dfd);
        /* Without root, the subordinate id it ran as went back to the pool
         * with its lock: the grants that id still holds on this job's
         * directories go, and what it left becomes the user's. */
        if (geteuid() != 0 && store_job_open_dir(c->store, id, &dfd) == 0) {
                int k = subid_access_recover(dfd);
                if (k < 0)
                        log_warning("Failed to take back job '%s''s subordinate id grants: %s; "
                                    "`getfacl` shows what is left",
                                    id, strerror(-k));
        }
        if (store_job_save(c->store, fresh) < 0)
                return 0;
        job_counters_finished(c->state_dir, fresh);
        return 1;
}

/* The lost jobs' groups are named after their dead supervisors: stale. */
static void remove_stale_groups(struct jobctl *c)
{
        _cleanup_(cg_manager_freep) struct cg_manager *m = NULL;
        if (sandbox_open_cgroups(c->options, &m) == 0)
                cg_manager_remove_parent(m);
}

int jobctl_recover_one(struct jobctl *c, const char *id)
{
        int lost = recover_job(c, id);
        if (lost > 0)
                remove_stale_groups(c);
        return lost;
}

int jobctl_recover(struct jobctl *c)
{
        struct store_list l = {0};
        struct store_filter f = {.status_mask =
                                     STORE_STATUS_BIT(JOB_QUEUED) | STORE_STATUS_BIT(JOB_RUNNING)};
        int r = store_list_jobs(c->store, &f, NULL, 0, &l);
        if (r < 0)
                return r;
        int lost = 0;
        for (size_t i = 0; i < l.n; i++)
                lost += recover_job(c, l.jobs[i]->id);
        store_list_done(&l);
        if (lost > 0)
                remove_stale_groups(c);

        char **pending = NULL;
        if (store_state_pending(c->store, &pending) == 0) {
                for (char **id = pending; *id; id++) {
                        int lock_fd;
                        if (store_job_lock(c->store, *id, false, &lock_fd) < 0)
                                continue;
                        _cleanup_close_ int lock = lock_fd;
                        _cleanup_(job_freep) struct job *j = NULL;
                        if (store_job_load(c->store, *id, &j, NULL) == 0)
                                store_state_apply(c->store, j, NULL);
                }
                store_ids_free(pending);
        }
        return lost;
}
