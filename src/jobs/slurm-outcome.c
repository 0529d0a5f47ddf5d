/* slurm-outcome.c - see slurm-outcome.h. */
#include "slurm-outcome.h"
#include "cleanup.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

static bool in(const char *s, const char *const *set, size_t n)
{
        for (size_t i = 0; s && i < n; i++)
                if (strcmp(s, set[i]) == 0)
                        return true;
        return false;
}

bool slurm_state_is_terminal(const char *state)
{
        static const char *const t[] = {
            "COMPLETED", "FAILED",   "CANCELLED", "TIMEOUT",      "OUT_OF_MEMORY", "NODE_FAIL",
            "BOOT_FAIL", "DEADLINE", "PREEMPTED", "SPECIAL_EXIT", "REVOKED",
        };
        return in(state, t, ELEMENTSOF(t));
}

bool slurm_state_is_pending(const char *state)
{
        static const char *const p[] = {"PENDING", "REQUEUED", "REQUEUE_HOLD", "REQUEUE_FED",
                                        "RESV_DEL_HOLD"};
        return in(state, p, ELEMENTSOF(p));
}

void slurm_reason_words(const char *reason, char *buf, size_t len)
{
        static const struct {
                const char *reason;
                const char *words;
        } table[] = {
            {"Resources", "waiting for resources: the nodes it fits on are busy"},
            {"Priority", "waiting behind jobs of higher priority"},
            {"Dependency", "waiting for the jobs it depends on"},
            {"BeginTime", "waiting for its start time"},
            {"JobHeldUser", "held by its user (scontrol release)"},
            {"JobHeldAdmin", "held by an administrator"},
            {"ReqNodeNotAvail", "the nodes it needs are not available (down, drained or reserved)"},
            {"PartitionDown", "its partition is down"},
            {"PartitionInactive", "its partition is inactive"},
            {"PartitionNodeLimit", "it asks for more nodes than its partition allows"},
            {"PartitionTimeLimit", "its time limit is above its partition's"},
            {"NodeDown", "a node it needs is down"},
            {"Reservation", "waiting for its reservation to start"},
            {"Licenses", "waiting for licenses"},
            {"Cleaning", "waiting while Slurm cleans up after a previous run"},
            {"Prolog", "its prolog is running"},
            {"QOSMaxJobsPerUserLimit", "its QOS's limit on running jobs per user is reached"},
            {"QOSMaxSubmitJobPerUserLimit", "its QOS's limit on jobs per user is reached"},
            {"QOSGrpCpuLimit", "its QOS's CPU limit is reached"},
            {"QOSGrpMemLimit", "its QOS's memory limit is reached"},
            {"QOSMaxCpuPerUserLimit", "its QOS's CPU limit per user is reached"},
            {"AssocMaxJobsLimit", "its account's limit on running jobs is reached"},
            {"AssocGrpCpuLimit", "its account's CPU limit is reached"},
            {"AssocGrpMemLimit", "its account's memory limit is reached"},
            {"AssocGrpJobsLimit", "its account's limit on jobs is reached"},
            {"None", "queued; Slurm has not looked at it yet"},
        };
        for (size_t i = 0; reason && i < ELEMENTSOF(table); i++)
                if (strcmp(reason, table[i].reason) == 0) {
                        snprintf(buf, len, "Slurm: %s (%s)", table[i].words, reason);
                        return;
                }
        if (reason && (strncmp(reason, "QOS", 3) == 0 || strncmp(reason, "Assoc", 5) == 0))
                snprintf(buf, len, "Slurm: a limit of its %s is reached (%s)",
                         reason[0] == 'Q' ? "QOS" : "account", reason);
        else
                snprintf(buf, len, "Slurm: waiting (%s)",
                         reason && *reason ? reason : "no reason given");
}

static const char *on_node(const struct slurm_final *f, char *buf, size_t len)
{
        if (f->node && *f->node && strcmp(f->node, "(null)") != 0)
                snprintf(buf, len, " on %s", f->node);
        else
                buf[0] = 0;
        return buf;
}

void slurm_decide(const struct slurm_final *f, struct slurm_verdict *v)
{
        char where[160];
        const char *st = f->state ? f->state : "UNKNOWN";
        *v = (struct slurm_verdict){.exit_code = -1};
        on_node(f, where, sizeof(where));

        if (strcmp(st, "OUT_OF_MEMORY") == 0 || f->any_step_oom) {
                v->status = JOB_OOM_KILLED;
                v->use_node_outcome = f->has_node_outcome;
                if (!f->has_node_outcome)
                        v->signal = SIGKILL;
                snprintf(v->reason, sizeof(v->reason),
                         "Slurm: OUT_OF_MEMORY%s (the job's memory allocation, --mem)", where);
                return;
        }
        if (f->has_node_outcome) {
                v->status = f->node_status;
                v->use_node_outcome = true;
                if (f->node_status == JOB_CANCELLED && !f->cancel_requested)
                        snprintf(v->reason, sizeof(v->reason),
                                 "cancelled in Slurm%s by someone other than corral (scancel "
                                 "or an administrator)",
                                 where);
                return;
        }
        if (strcmp(st, "CANCELLED") == 0 && f->reason &&
            strcmp(f->reason, "DependencyNeverSatisfied") == 0) {
                v->status = JOB_DEPENDENCY_FAILED;
                snprintf(v->reason, sizeof(v->reason),
                         "a job it depends on did not complete (Slurm: DependencyNeverSatisfied)");
                return;
        }
        if (strcmp(st, "CANCELLED") == 0) {
                v->status = JOB_CANCELLED;
                snprintf(v->reason, sizeof(v->reason), "%s%s",
                         f->cancel_requested ? "cancelled (scancel by corral)"
                                             : "cancelled in Slurm by someone other than corral "
                                               "(scancel or an administrator)",
                         where);
                return;
        }
        if (strcmp(st, "TIMEOUT") == 0 || strcmp(st, "DEADLINE") == 0) {
                v->status = JOB_TIMED_OUT;
                v->signal = SIGKILL;
                snprintf(v->reason, sizeof(v->reason), "Slurm: %s%s (Slurm's time limit)", st,
                         where);
                return;
        }
        if (strcmp(st, "NODE_FAIL") == 0 || strcmp(st, "BOOT_FAIL") == 0 ||
            strcmp(st, "PREEMPTED") == 0) {
                v->status = JOB_LOST;
                snprintf(v->reason, sizeof(v->reason), "Slurm: %s%s%s%s", st, where,
                         f->reason && *f->reason && strcmp(f->reason, "None") != 0 ? ": " : "",
                         f->reason && strcmp(f->reason, "None") != 0 ? f->reason : "");
                return;
        }
        if (f->signal > 0) {
                v->status = JOB_KILLED;
                v->signal = f->signal;
        } else if (f->exit_code > 0) {
                v->status = JOB_FAILED;
                v->exit_code = f->exit_code;
        } else if (f->exit_code == 0 && strcmp(st, "COMPLETED") == 0) {
                v->status = JOB_COMPLETED;
                v->exit_code = 0;
        } else {
                v->status = JOB_FAILED;
        }
        snprintf(v->reason, sizeof(v->reason),
                 "Slurm: %s%s, exit code %d:%d; corral on the node left no outcome", st, where,
                 f->exit_code, f->signal);
}
