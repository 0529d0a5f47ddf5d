/* executor-slurm.h - a job's supervisor when the job runs on a Slurm cluster.
 *
 * The supervisor stays on this host and holds the job's lock, as for a local
 * job; instead of running the job it submits a batch job (sbatch --parsable,
 * limits as --mem/--cpus-per-task/--time, output straight into the job's
 * log files) whose script runs `corral run` on the node, follows it with
 * squeue/scontrol, cancels it with scancel, and records the outcome from
 * Slurm's state and corral's outcome JSON (slurm-outcome.h).  A supervisor
 * started for a job that already has a Slurm job id adopts it (recovery
 * after a supervisor died); one whose sbatch may have gone through finds the
 * job by its name first, so a job is never submitted twice.
 */
#pragma once

#include "jobctl.h"

/* Runs (or adopts) job j on Slurm until an outcome is recorded in job.json.
 * job_dirfd is the job's directory, sigfd the supervisor's signalfd (SIGTERM
 * = cancel).  Returns 0 once recorded, -errno when nothing was submitted and
 * the job could not be (the caller records the failure). */
int executor_slurm_supervise(struct jobctl *ctl, struct job *j, int job_dirfd, int sigfd);

/* The job's Slurm name: "corral.<tenant>.<id>" (how an interrupted submit is found). */
void executor_slurm_job_name(const struct job *j, char *buf, size_t len);
