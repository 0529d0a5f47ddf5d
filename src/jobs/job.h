/* job.h - the job record: what job.json holds, in memory and as JSON.
 *
 * One struct job is one job.json (docs/job-json.md lists every field with its
 * type, unit and when it is written).  The JSON form is canonical: fields in a
 * fixed order, every field always present (null when unset), so serialising a
 * parsed record gives the same bytes back and a finished record read by anyone
 * stays byte-for-byte what its writer wrote.
 *
 * Parsing is tolerant of unknown fields (a newer corral may add some; they are
 * kept in j->extra and written back unchanged) and strict about types: a
 * known field with the wrong type rejects the record with a message naming the
 * field.  Integers in job.json are exact in 0..2^53-1 (cJSON keeps doubles).
 *
 * job_new/job_free manage the struct; job_to_json/job_from_json convert;
 * job_validate checks a record before it is stored.  None of these log.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cleanup.h"
#include "progress.h"
#include "status.h"

/* The job.json layout this code writes.  Readers accept records of any version
 * (unknown fields are kept); a record with a HIGHER version is still read. */
#define JOB_SCHEMA_VERSION 1

/* Largest job.json read (a record is ~2 KiB; this bounds a corrupt or hostile one). */
#define JOB_JSON_MAX (1024u * 1024u)
/* Caps on job-supplied text kept in the record. */
#define JOB_ERROR_MAX           2048u /* bytes of the END of stderr.log kept in "error" */
#define JOB_REASON_MAX          1024u
#define JOB_DEFAULT_RESULT_FILE "results.json"

struct cJSON;

struct job_limits {
        uint64_t memory_bytes;    /* 0 = no limit */
        uint64_t cpus_milli;      /* 500 = half a CPU; JSON "cpus": 0.5; 0 = no limit */
        uint64_t pids;            /* 0 = no limit */
        uint64_t timeout_ms;      /* wall clock; 0 = none */
        uint64_t grace_ms;        /* SIGTERM -> SIGKILL on cancel/timeout; 0 = default */
        uint64_t log_bytes;       /* cap on stdout.log and stderr.log each; 0 = default */
        uint64_t file_size_bytes; /* cap on any file the job writes; 0 = the log cap */
        uint64_t open_files;      /* RLIMIT_NOFILE; 0 = default */
};

struct job_syscall_count {
        char *name;
        uint64_t count;
};

struct job {
        int schema_version; /* as read; job_to_json always writes JOB_SCHEMA_VERSION */
        char *id;
        char *tenant;
        char **command; /* argv, NULL-terminated, at least one element */
        char *cwd;      /* NULL: the job's directory */
        char **env;     /* requested "NAME=value" strings, NULL-terminated; may be NULL */
        struct job_limits limits;
        char *policy;  /* policy name; NULL = default */
        char *network; /* "none", "host" or "allow:LIST"; NULL = host */
        char *mounts;  /* "minimal" (docs/hardening.md); NULL = "private" */
        char *tmp;     /* "noexec": nothing runs from /tmp, /dev/shm; NULL = "exec" */
        char **expose; /* paths kept visible, read-only, below a hidden home; NULL-terminated */
        enum job_status status;

        /* Realtime microseconds; 0 = not yet.  Written with millisecond
         * resolution (ISO 8601), so values are kept as multiples of 1000. */
        uint64_t created_at;
        uint64_t started_at;
        uint64_t finished_at;

        /* Processes are named by pid AND start time (procfs.h); 0 = none. */
        pid_t supervisor_pid;
        uint64_t supervisor_starttime;
        pid_t pid;
        uint64_t pid_starttime;

        int exit_code; /* -1 = none (not exited, or killed by a signal) */
        int signal;    /* 0 = none */
        uint64_t oom_kills;
        char *oom_cause; /* e.g. "job_limit", "host"; NULL = no OOM kill */
        uint64_t memory_peak_bytes;
        uint64_t memory_limit_bytes; /* effective limit applied; 0 = none */
        uint64_t cpu_usage_usec;
        uint64_t cpu_user_usec;
        uint64_t cpu_system_usec;
        uint64_t cpu_throttled_usec;
        uint64_t cpu_nr_throttled;
        uint64_t pids_max_hits;      /* forks refused at the pids limit (pids.events max) */
        int64_t connections_allowed; /* network allow:LIST: made by the proxy; -1 = none */
        uint64_t connections_denied; /* refused by the proxy */
        uint64_t wall_ms;
        struct job_syscall_count *denied_syscalls;
        size_t n_denied_syscalls;
        char *seccomp_syscall; /* the syscall that killed it (seccomp_violation) */
        char *error;           /* the LAST JOB_ERROR_MAX bytes of stderr, cleaned */

        struct progress progress;

        char *result_file;  /* name inside the job dir; NULL = "results.json" */
        char *result_error; /* why the result could not be used; status unchanged */

        char *state_patch_field;   /* NULL = no state patch */
        char *state_patch_pointer; /* RFC 6901; NULL or "" = the whole result */
        bool state_applied;

        char *retry_of;
        char **depends_on;      /* ids, NULL-terminated; may be NULL */
        int64_t queue_position; /* -1 = not queued */
        char *reason;           /* why the status is what it is, for humans */
        char *lost_reason;      /* status lost: what was found at recovery */
        bool has_input;         /* input.json was given */

        /* Where it runs (docs/slurm.md): NULL = this host ("local"), or
         * "slurm"; then Slurm's job id, its last state and node are kept. */
        char *executor;
        char *slurm_job_id; /* NULL until sbatch answered */
        char *slurm_state;  /* Slurm's JobState as last seen, e.g. OUT_OF_MEMORY */
        char *slurm_node;

        struct cJSON *extra; /* unknown fields from a newer writer, kept verbatim */
};

/* A zeroed record with defaults (status queued, exit_code -1,
 * queue_position -1, progress unknown).  NULL on ENOMEM. */
struct job *job_new(void);
void job_free(struct job *j);
DEFINE_FREE_FUNC(struct job, job_free);

/* Canonical JSON text (cJSON_Print: tab-indented, trailing newline).  Returns
 * 0 and a malloc'd string, or -ENOMEM / -EINVAL for a record job_validate rejects. */
int job_to_json(const struct job *j, char **ret, size_t *ret_len);

/* Parses job.json text.  Returns 0, -EINVAL (not a JSON object, a known field
 * with the wrong type, or a failed job_validate; *ret_error, when not NULL,
 * receives a malloc'd sentence naming the field) or -ENOMEM. */
int job_from_json(const char *text, size_t len, struct job **ret, char **ret_error);

/* Checks a record is storable: valid id and tenant, a non-empty command, a
 * status name, valid names for result_file/state_patch_field/retry_of/
 * depends_on, a syntactically valid state-patch pointer.  Returns 0 or -EINVAL
 * with *ret_reason (optional) a static sentence. */
int job_validate(const struct job *j, const char **ret_reason);

/* Duplicates a record (used for retry).  NULL on ENOMEM. */
struct job *job_dup(const struct job *j);

/* Sets j->error from the end of the stderr log named name in dirfd (the last
 * JOB_ERROR_MAX bytes, valid UTF-8; a cut first line is dropped).  A missing or
 * empty log leaves error NULL.  Returns 0 or -errno. */
int job_set_error_from_log(struct job *j, int dirfd, const char *name);

/* The result file name (j->result_file or "results.json"). */
const char *job_result_file(const struct job *j);

/* Replaces a string field: *field = strdup(s) (NULL allowed).  0 or -ENOMEM. */
int job_set_string(char **field, const char *s);

/* Validates a result file name: [A-Za-z0-9_.-]{1,64}, not starting with '.',
 * not one of the store's own files (job.json, lock, stdout.log, stderr.log,
 * input.json, progress.json).  0 or -EINVAL. */
int job_result_file_validate(const char *name);

/* True when the record's supervisor is still the process it names (pid AND
 * start time match, procfs.h).  For recovery: a running job whose supervisor
 * is alive is adopted; one whose supervisor is gone without a record is lost. */
bool job_supervisor_alive(const struct job *j);

/* A new queued record that retries old: the same spec (command, cwd, env,
 * limits, policy, result_file, state_patch, depends_on) with retry_of = old's
 * id; no id, outcome or times (store_job_create fills id and created_at).
 * NULL on ENOMEM. */
struct job *job_new_retry(const struct job *old);
