/* gov-ledger.h - the reservation ledger and the FIFO queue that every corral
 * process using one state directory shares.
 *
 * Files in <state>/governor/:
 *   ledger         one line per job: "run|queue JOB TENANT MEMORY PID STARTTIME"
 *   ledger.lock    flock(2) target; never unlinked or replaced (the ledger itself
 *                  is replaced by rename, so it cannot carry the lock)
 *   governor.conf  the shared policy ("key = value", see governor.h)
 *
 * Every operation is lock, read, decide, write atomically, unlock: two servers
 * cannot both see "2/3 running" and both admit.  Entries whose owner (pid +
 * start time) is dead are dropped on every locked read, so a crashed server or
 * supervisor does not hold a reservation forever.
 *
 * Each call opens the lock file afresh, so a gov_ledger may be used after fork
 * (flock locks belong to the open file description, which fork would share).
 * Every function returns >= 0 or -errno and does not log.
 */
#pragma once

#include "cleanup.h"

#include "governor.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct gov_ledger;

/* Opens <state_dir>/governor, creating it (mode 0700) and state_dir with its
 * parents (0755) when missing. */
int gov_ledger_open(const char *state_dir, struct gov_ledger **ret);
void gov_ledger_free(struct gov_ledger *l);
DEFINE_FREE_FUNC(struct gov_ledger, gov_ledger_free)
const char *gov_ledger_dir(const struct gov_ledger *l);

/* The shared policy: defaults overlaid with governor.conf (absent: defaults).
 * -EINVAL with the message in err when the file is malformed. */
int gov_ledger_load_policy(struct gov_ledger *l, struct gov_policy *ret, char *err, size_t errlen);

/* Persists the fields explicitly set in p (p->set) into governor.conf, keeping
 * the others there: explicit flags given to any corral process win from then on
 * for all of them.  No-op when p->set is 0. */
int gov_ledger_store_policy(struct gov_ledger *l, const struct gov_policy *p);

/* The admission, atomically against every other process: decides with
 * gov_decide() for c against the ledger's running and queued jobs, then
 *   ADMIT:  removes c from the queue if there, adds a "run" entry reserving
 *           c->memory_bytes, owned by owner_pid/owner_starttime;
 *   WAIT:   adds c to the tail of the queue (owned likewise) unless queued;
 *   REFUSE: changes nothing.
 * policy NULL: the shared policy from governor.conf, read under the lock.
 * owner_pid 0: this process.  Admitting a job already running returns ADMIT
 * (reading neither m nor the policy).  m NULL: only that; a job with no
 * "run" entry gets -ENODATA and the ledger is left as it was, so a caller
 * can measure the host only when there is a decision to make.
 * -EINVAL for an invalid job id or tenant, or a malformed governor.conf
 * (gov_ledger_load_policy() says which line). */
int gov_ledger_admit(struct gov_ledger *l, const struct gov_candidate *c,
                     const struct gov_measurements *m, const struct gov_policy *policy,
                     pid_t owner_pid, uint64_t owner_starttime, struct gov_decision *ret);

/* The signal gov_ledger_wait_admit's callers are woken with; they block it and
 * read it from a signalfd. */
#define GOV_LEDGER_WAKE_SIGNAL SIGUSR1

/* gov_ledger_admit for a job that waits its turn in this process (owned by it:
 * an entry its submitter reserved with gov_ledger_admit becomes this process's),
 * without watching the ledger: when a slot is freed or the queue moves, the
 * process that changed the ledger sends GOV_LEDGER_WAKE_SIGNAL to the first
 * queued job of each tenant (the only ones that can go next).  *ret_head (on
 * WAIT): this job is its tenant's first queued one, so host load may let it in
 * and it keeps the GOV_SAMPLE_INTERVAL_USEC timer; the others need no timer to
 * be admitted, only to refresh their recorded place now and then
 * (docs/decisions/queue.md). */
int gov_ledger_wait_admit(struct gov_ledger *l, const struct gov_candidate *c,
                          const struct gov_measurements *m, const struct gov_policy *policy,
                          struct gov_decision *ret, bool *ret_head);

/* A value that changes whenever the ledger is rewritten (no lock taken): a
 * waiter that is not at the head compares it before it asks again. */
int gov_ledger_stamp(struct gov_ledger *l, uint64_t *ret);

/* Hands a job's entry to another owner (the server admits, then the supervisor
 * it started takes over).  -ENOENT when job_id is not in the ledger. */
int gov_ledger_set_owner(struct gov_ledger *l, const char *job_id, pid_t pid, uint64_t starttime);

/* Removes job_id (running: frees its reservation; queued: a cancel).  Returns 1
 * when it was there, 0 when not (already released, or dropped as dead). */
int gov_ledger_release(struct gov_ledger *l, const char *job_id);

/* A consistent copy of the live entries and the shared policy (status, MCP
 * system_status, re-evaluation order). */
struct gov_snapshot {
        struct gov_entry *running;
        size_t n_running;
        struct gov_entry *queued;
        size_t n_queued;
        struct gov_policy policy;
};
int gov_ledger_snapshot(struct gov_ledger *l, struct gov_snapshot *ret);
/* The same with every owner checked now (an operator's view: status --system),
 * where gov_ledger_snapshot checks them at most once a second (a dead owner's
 * entry may then still be in it; admission checks before it says WAIT). */
int gov_ledger_snapshot_checked(struct gov_ledger *l, struct gov_snapshot *ret);
void gov_snapshot_done(struct gov_snapshot *s);

static inline struct gov_view gov_snapshot_view(const struct gov_snapshot *s)
{
        return (struct gov_view){s->running, s->n_running, s->queued, s->n_queued};
}
