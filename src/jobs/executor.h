/* executor.h - where a store's jobs run: on this host (local) or as Slurm
 * batch jobs (slurm), and the Slurm settings (partition, account, QOS, the
 * corral binary on the nodes).
 *
 * Saved beside the governor's settings, in <state>/governor/executor.conf
 * ("key = value" lines, the option names without "--"), so that every process
 * sharing the store (serve, submit, supervisors) uses the same executor.
 * `serve` and `submit` take the options below and store them; a job may ask
 * for another executor only when the store allows it (executor-per-job).
 * Nothing here logs.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum executor_kind {
        EXECUTOR_LOCAL,
        EXECUTOR_SLURM,
};

#define EXECUTOR_FIELD_MAX 256

/* Which fields were given explicitly (a stored file keeps only those). */
enum {
        EXEC_SET_KIND = 1 << 0,
        EXEC_SET_PARTITION = 1 << 1,
        EXEC_SET_ACCOUNT = 1 << 2,
        EXEC_SET_QOS = 1 << 3,
        EXEC_SET_CORRAL = 1 << 4,
        EXEC_SET_PER_JOB = 1 << 5,
};

struct executor_settings {
        unsigned set;
        enum executor_kind kind;
        char partition[EXECUTOR_FIELD_MAX]; /* "" = the cluster's default */
        char account[EXECUTOR_FIELD_MAX];
        char qos[EXECUTOR_FIELD_MAX];
        char corral[EXECUTOR_FIELD_MAX]; /* corral's path on the nodes; "" = this binary's */
        bool per_job;                    /* jobs may choose their executor */
};

void executor_settings_init(struct executor_settings *s);

const char *executor_kind_to_string(enum executor_kind k);
/* 0 and *ret for "local"/"slurm"; -EINVAL otherwise. */
int executor_kind_from_string(const char *s, enum executor_kind *ret);

/* One command-line option: "--executor", "--slurm-partition",
 * "--slurm-account", "--slurm-qos", "--slurm-corral", "--executor-per-job"
 * (value yes|no); "--flag=value" with value NULL works too.  1 applied, 0 not
 * an executor option, -EINVAL with a sentence in err for a bad value. */
int executor_parse_option(struct executor_settings *s, const char *flag, const char *value,
                          char *err, size_t errlen);

/* The store's settings: defaults overlaid with <state_dir>/governor/executor.conf
 * (absent: defaults).  -EINVAL with "executor.conf line N: ..." in err. */
int executor_load(const char *state_dir, struct executor_settings *ret, char *err, size_t errlen);

/* Merges the explicitly set fields of s into the stored file (atomically). */
int executor_store(const char *state_dir, const struct executor_settings *s);
