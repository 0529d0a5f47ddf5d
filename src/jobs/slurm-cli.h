/* slurm-cli.h - talking to Slurm through its command-line interface.
 *
 * corral never links libslurm (its ABI changes with every release and it is
 * GPL): it runs sbatch, squeue, scontrol, scancel and sacct as programs, with
 * an argv (never a shell), and parses their machine-readable output
 * (docs/decisions/slurm-cli.md).  The run helper and the parsers are separate
 * so that every parser is tested on captured output (tests/unit/jobs/test_slurm.c).
 * Nothing here logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Output kept from one command (bytes beyond are dropped). */
#define SLURM_OUTPUT_MAX (256u * 1024u)

struct slurm_cmd_result {
        int status; /* exit status; -1 when killed by a signal or not run */
        char *out;  /* stdout, NUL-terminated (never NULL after a run) */
        char *err;  /* stderr, NUL-terminated */
};

void slurm_cmd_result_done(struct slurm_cmd_result *r);

/* Runs argv[0] (looked up in PATH) with argv, stdin /dev/null, and collects its
 * stdout and stderr.  Returns 0 when it ran (whatever its exit status), -errno
 * when it could not be started (-ENOENT: not installed). */
int slurm_cmd_run(char *const argv[], struct slurm_cmd_result *ret);

/* True when the command's stderr says the controller could not be reached (a
 * transient fault: the job's state is unknown, not changed). */
bool slurm_error_unreachable(const char *err);

/* True when stderr says Slurm does not know the job id (purged). */
bool slurm_error_invalid_job(const char *err);

/* The job id sbatch --parsable printed ("123" or "123;cluster").  0 and the id
 * in buf, -EINVAL when the text is not one. */
int slurm_parse_sbatch(const char *out, char *buf, size_t len);

/* One line of `squeue -h -o '%i|%T|%r|%N'`: id, state, reason, nodes. */
struct slurm_queue_line {
        char id[32];
        char state[32];
        char reason[128];
        char nodes[128];
};

/* Finds the line for id in squeue's output.  0 found, -ENOENT not there,
 * -EINVAL malformed. */
int slurm_parse_squeue(const char *out, const char *id, struct slurm_queue_line *ret);

/* 1-based position of id among the pending job ids printed one per line in
 * priority order; 0 when it is not there. */
int64_t slurm_queue_position(const char *out, const char *id);

/* The value of key in `scontrol show ... -o` output (one record per line of
 * "Key=Value" words): copied into buf.  0, or -ENOENT when absent. */
int slurm_scontrol_value(const char *record, const char *key, char *buf, size_t len);

/* Slurm's "StartTime=2026-12-07T04:52:01" (the controller's local time, as
 * its clients print it) as microseconds since the epoch.  0, or -EINVAL for
 * "Unknown", "None" or anything else that is not a time. */
int slurm_parse_time(const char *s, uint64_t *ret_usec);

/* Slurm's "ExitCode=A:B": exit code A, signal B.  0 or -EINVAL. */
int slurm_parse_exit_code(const char *s, int *ret_code, int *ret_signal);

/* True when any line of `sacct -n -P -o JobID,State` output names
 * OUT_OF_MEMORY (the job or any of its steps). */
bool slurm_sacct_any_oom(const char *out);

/* The cluster at a glance, from `scontrol show node -o` and squeue. */
struct slurm_cluster {
        unsigned nodes;
        unsigned nodes_up; /* not DOWN, DRAIN or FAIL */
        uint64_t cpus_total, cpus_alloc;
        uint64_t memory_total_mb, memory_alloc_mb;
        unsigned jobs_pending, jobs_running;
};

/* Adds up the node records of `scontrol show node -o`. */
void slurm_parse_nodes(const char *out, struct slurm_cluster *c);

/* Counts "PENDING"/"RUNNING" lines of `squeue -h -o %T`. */
void slurm_count_states(const char *out, struct slurm_cluster *c);
