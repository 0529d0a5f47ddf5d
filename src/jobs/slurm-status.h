/* slurm-status.h - the cluster in `corral status --system` and the MCP
 * system_status tool, when the store's executor is slurm.
 *
 * Asks Slurm (scontrol show node -o, squeue) at the moment of the call; a
 * cluster that does not answer is reported as such, never as empty.
 */
#pragma once

struct cJSON;

/* NULL when the store's executor is local (or on ENOMEM); else
 * {"kind":"slurm","partition":...,"reachable":bool,"error":string|null,
 *  "nodes":N,"nodes_up":N,"cpus_total":N,"cpus_allocated":N,
 *  "memory_total_bytes":N,"memory_allocated_bytes":N,
 *  "jobs_pending":N,"jobs_running":N}. */
struct cJSON *executor_status_json(const char *state_dir);

/* One line for people from that object ("slurm  1/1 nodes up, CPUs 1/2 ..."). */
void executor_status_text(const struct cJSON *e, char *buf, unsigned long len);
