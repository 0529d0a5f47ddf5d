/* job.c - the job record and its canonical JSON form (job.h, docs/job-json.md).
 *
 * The record is described once, by a table of fields (name, kind, offset into
 * struct job); serialising and parsing both walk it, so the two can never
 * disagree about a field, and job.json's field order is the table's order.
 * Parsing looks each member up starting where the previous one matched:
 * records written by this code are in table order, so that costs one strcmp
 * per field (10,000 records load at start-up).
 */
#include "job.h"
#include "outcome.h"
#include "jobid.h"
#include "jsonptr.h"
#include "names.h"
#include "procfs.h"
#include "units.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Largest integer a double (and so cJSON) holds exactly. */
#define JSON_INT_MAX ((uint64_t)9007199254740991ull)

enum field_kind {
        F_STR,      /* char *; null when NULL */
        F_U64,      /* uint64_t; always a number */
        F_U64_NZ,   /* uint64_t; null when 0 ("none", e.g. no limit) */
        F_PID,      /* pid_t; null when 0 */
        F_INT_OPT,  /* int; null when equal to the field's none value */
        F_SIGNAL,   /* int signal number written as its name ("SIGKILL"); null when 0 */
        F_I64_OPT,  /* int64_t; null when negative */
        F_BOOL,     /* bool */
        F_TIME,     /* uint64_t realtime usec; ISO 8601 string, null when 0 */
        F_STATUS,   /* enum job_status; its name */
        F_STRV,     /* char **, NULL-terminated; [] when NULL */
        F_MILLI,    /* uint64_t thousandths; a decimal number, null when 0 */
        F_PERCENT,  /* double; null when negative */
        F_SYSCALLS, /* denied_syscalls array */
        F_OBJ,      /* nested object described by sub */
};

struct field {
        const char *name;
        enum field_kind kind;
        size_t offset;
        int none;                  /* F_INT_OPT */
        const struct field *sub;   /* F_OBJ */
        size_t n_sub;              /* F_OBJ */
        ptrdiff_t null_unless_str; /* F_OBJ: written null when this char* is NULL; -1: never */
};

#define FLD(n, k, member)                                                                          \
        {                                                                                          \
                .name = n, .kind = k, .offset = offsetof(struct job, member)                       \
        }

static const struct field limits_fields[] = {
    FLD("memory_bytes", F_U64_NZ, limits.memory_bytes),
    FLD("cpus", F_MILLI, limits.cpus_milli),
    FLD("pids", F_U64_NZ, limits.pids),
    FLD("timeout_ms", F_U64_NZ, limits.timeout_ms),
    FLD("grace_ms", F_U64_NZ, limits.grace_ms),
    FLD("log_bytes", F_U64_NZ, limits.log_bytes),
    FLD("file_size_bytes", F_U64_NZ, limits.file_size_bytes),
    FLD("open_files", F_U64_NZ, limits.open_files),
};

static const struct field supervisor_fields[] = {
    FLD("pid", F_PID, supervisor_pid),
    FLD("starttime", F_U64_NZ, supervisor_starttime),
};

static const struct field progress_fields[] = {
    FLD("percent", F_PERCENT, progress.percent),
    FLD("message", F_STR, progress.message),
};

static const struct field slurm_fields[] = {
    FLD("job_id", F_STR, slurm_job_id),
    FLD("state", F_STR, slurm_state),
    FLD("node", F_STR, slurm_node),
};

static const struct field state_patch_fields[] = {
    FLD("field", F_STR, state_patch_field),
    FLD("pointer", F_STR, state_patch_pointer),
};

#define OBJ(n, table, nullkey)                                                                     \
        {                                                                                          \
                .name = n, .kind = F_OBJ, .sub = table, .n_sub = ELEMENTSOF(table),                \
                .null_unless_str = nullkey                                                         \
        }

static const struct field job_fields[] = {
    FLD("id", F_STR, id),
    FLD("tenant", F_STR, tenant),
    FLD("status", F_STATUS, status),
    FLD("command", F_STRV, command),
    FLD("cwd", F_STR, cwd),
    FLD("env", F_STRV, env),
    OBJ("limits", limits_fields, -1),
    FLD("policy", F_STR, policy),
    FLD("mounts", F_STR, mounts),
    FLD("tmp", F_STR, tmp),
    FLD("network", F_STR, network),
    FLD("expose", F_STRV, expose),
    FLD("created_at", F_TIME, created_at),
    FLD("started_at", F_TIME, started_at),
    FLD("finished_at", F_TIME, finished_at),
    OBJ("supervisor", supervisor_fields, -1),
    FLD("pid", F_PID, pid),
    FLD("pid_starttime", F_U64_NZ, pid_starttime),
    {.name = "exit_code", .kind = F_INT_OPT, .offset = offsetof(struct job, exit_code), .none = -1},
    {.name = "signal", .kind = F_SIGNAL, .offset = offsetof(struct job, signal)},
    FLD("oom_kills", F_U64, oom_kills),
    FLD("oom_cause", F_STR, oom_cause),
    FLD("memory_peak_bytes", F_U64, memory_peak_bytes),
    FLD("memory_limit_bytes", F_U64_NZ, memory_limit_bytes),
    FLD("cpu_usage_usec", F_U64, cpu_usage_usec),
    FLD("cpu_user_usec", F_U64, cpu_user_usec),
    FLD("cpu_system_usec", F_U64, cpu_system_usec),
    FLD("cpu_throttled_usec", F_U64, cpu_throttled_usec),
    FLD("cpu_nr_throttled", F_U64, cpu_nr_throttled),
    FLD("pids_max_hits", F_U64, pids_max_hits),
    FLD("connections_allowed", F_I64_OPT, connections_allowed),
    FLD("connections_denied", F_U64, connections_denied),
    FLD("wall_ms", F_U64, wall_ms),
    FLD("denied_syscalls", F_SYSCALLS, denied_syscalls),
    FLD("seccomp_syscall", F_STR, seccomp_syscall),
    FLD("error", F_STR, error),
    OBJ("progress", progress_fields, -1),
    FLD("result_file", F_STR, result_file),
    FLD("result_error", F_STR, result_error),
    OBJ("state_patch", state_patch_fields, offsetof(struct job, state_patch_field)),
    FLD("state_applied", F_BOOL, state_applied),
    FLD("retry_of", F_STR, retry_of),
    FLD("depends_on", F_STRV, depends_on),
    FLD("queue_position", F_I64_OPT, queue_position),
    FLD("reason", F_STR, reason),
    FLD("lost_reason", F_STR, lost_reason),
    FLD("has_input", F_BOOL, has_input),
    FLD("executor", F_STR, executor),
    OBJ("slurm", slurm_fields, offsetof(struct job, slurm_job_id)),
};

#define AT(j, f, type)  ((type *)((char *)(j) + (f)->offset))
#define CAT(j, f, type) ((const type *)((const char *)(j) + (f)->offset))

static void strv_free_(char **v)
{
        if (!v)
                return;
        for (char **p = v; *p; p++)
                free(*p);
        free(v);
}

struct job *job_new(void)
{
        struct job *j = calloc(1, sizeof(*j));
        if (!j)
                return NULL;
        j->schema_version = JOB_SCHEMA_VERSION;
        j->status = JOB_QUEUED;
        j->exit_code = -1;
        j->queue_position = -1;
        j->connections_allowed = -1;
        j->progress = PROGRESS_INIT;
        return j;
}

static void fields_free(struct job *j, const struct field *t, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                const struct field *f = &t[i];
                switch (f->kind) {
                case F_STR:
                        free(*AT(j, f, char *));
                        *AT(j, f, char *) = NULL;
                        break;
                case F_STRV:
                        strv_free_(*AT(j, f, char **));
                        *AT(j, f, char **) = NULL;
                        break;
                case F_OBJ:
                        fields_free(j, f->sub, f->n_sub);
                        break;
                default:
                        break;
                }
        }
}

void job_free(struct job *j)
{
        if (!j)
                return;
        fields_free(j, job_fields, ELEMENTSOF(job_fields));
        for (size_t i = 0; i < j->n_denied_syscalls; i++)
                free(j->denied_syscalls[i].name);
        free(j->denied_syscalls);
        cJSON_Delete(j->extra);
        free(j);
}

int job_set_string(char **field, const char *s)
{
        char *c = NULL;
        if (s && !(c = strdup(s)))
                return -ENOMEM;
        free(*field);
        *field = c;
        return 0;
}

const char *job_result_file(const struct job *j)
{
        return j->result_file ? j->result_file : JOB_DEFAULT_RESULT_FILE;
}

int job_result_file_validate(const char *name)
{
        static const char *const reserved[] = {"job.json",   "lock",       "stdout.log",
                                               "stderr.log", "input.json", "progress.json"};
        /* A file in the job's directory: [A-Za-z0-9_.-]{1,64}, not hidden (no
         * leading '.', so neither "." nor ".." nor a temporary file), and not one
         * of corral's own files. */
        static const struct name_rules rules = {.extra = "_.-", .max = 64, .no_leading_dot = true};
        if (!name_ok(name, &rules))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(reserved); i++)
                if (strcmp(name, reserved[i]) == 0)
                        return -EINVAL;
        return 0;
}

int job_validate(const struct job *j, const char **ret_reason)
{
        const char *reason = NULL, *why;
        if (name_validate(j->id, &why) < 0)
                reason = "invalid id: allowed are A-Z a-z 0-9 _ -, 1 to 64 characters";
        else if (name_validate(j->tenant, &why) < 0)
                reason = "invalid tenant: allowed are A-Z a-z 0-9 _ -, 1 to 64 characters";
        else if (!j->command || !j->command[0] || !j->command[0][0])
                reason = "the command is empty";
        else if (!job_status_to_string(j->status))
                reason = "unknown status";
        else if (j->result_file && job_result_file_validate(j->result_file) < 0)
                reason = "invalid result file name: allowed are A-Z a-z 0-9 _ - ., 1 to 64 "
                         "characters, not starting with '.', not a name the store uses";
        else if (j->state_patch_field && name_validate(j->state_patch_field, &why) < 0)
                reason = "invalid state patch field: allowed are A-Z a-z 0-9 _ -, 1 to 64 "
                         "characters";
        else if (j->state_patch_pointer &&
                 (!j->state_patch_field || jsonptr_validate(j->state_patch_pointer, NULL) < 0))
                reason = "invalid state patch pointer: an RFC 6901 pointer (empty or starting "
                         "with '/', '~' only as ~0 or ~1) together with a field";
        else if (j->retry_of && name_validate(j->retry_of, &why) < 0)
                reason = "invalid retry_of job id";
        else if (j->progress.percent > 100.0 || isnan(j->progress.percent))
                reason = "progress percent is past 100";
        if (!reason && j->env)
                for (char **e = j->env; *e; e++)
                        if (!strchr(*e, '=') || **e == '=')
                                reason = "an environment entry is not NAME=value";
        if (!reason && j->depends_on)
                for (char **d = j->depends_on; *d; d++)
                        if (name_validate(*d, &why) < 0)
                                reason = "invalid job id in depends_on";
        if (!reason)
                return 0;
        if (ret_reason)
                *ret_reason = reason;
        return -EINVAL;
}

/* ---- serialising ---------------------------------------------------------- */

/* cJSON prints numbers with %1.15g and accepts the result when it is merely
 * close, so 9007199254740991 comes out as 9.00719925474099e+15.  Every number
 * is therefore printed here and added raw. */
static cJSON *number_u64(uint64_t v)
{
        char buf[24];
        snprintf(buf, sizeof(buf), "%" PRIu64, v);
        return cJSON_CreateRaw(buf);
}

static cJSON *number_double(double v)
{
        char buf[40];
        snprintf(buf, sizeof(buf), "%.15g", v);
        if (strtod(buf, NULL) != v)
                snprintf(buf, sizeof(buf), "%.17g", v);
        return cJSON_CreateRaw(buf);
}

static cJSON *strv_to_json(char *const *v)
{
        cJSON *a = cJSON_CreateArray();
        for (char *const *p = v; a && p && *p; p++) {
                cJSON *s = cJSON_CreateString(*p);
                if (!s || !cJSON_AddItemToArray(a, s)) {
                        cJSON_Delete(s);
                        cJSON_Delete(a);
                        return NULL;
                }
        }
        return a;
}

static cJSON *syscalls_to_json(const struct job *j)
{
        cJSON *a = cJSON_CreateArray();
        for (size_t i = 0; a && i < j->n_denied_syscalls; i++) {
                cJSON *o = cJSON_CreateObject();
                cJSON *n = number_u64(j->denied_syscalls[i].count);
                if (!o || !n || !cJSON_AddStringToObject(o, "name", j->denied_syscalls[i].name) ||
                    !cJSON_AddItemToObject(o, "count", n)) {
                        cJSON_Delete(n);
                        goto fail;
                }
                if (!cJSON_AddItemToArray(a, o)) {
                fail:
                        cJSON_Delete(o);
                        cJSON_Delete(a);
                        return NULL;
                }
        }
        return a;
}

static int fields_to_json(const struct job *j, const struct field *t, size_t n, cJSON *obj);

static cJSON *field_to_json(const struct job *j, const struct field *f, int *r)
{
        char buf[40];
        switch (f->kind) {
        case F_STR: {
                const char *s = *CAT(j, f, char *);
                return s ? cJSON_CreateString(s) : cJSON_CreateNull();
        }
        case F_U64:
        case F_U64_NZ: {
                uint64_t v = *CAT(j, f, uint64_t);
                if (v > JSON_INT_MAX) {
                        *r = -ERANGE;
                        return NULL;
                }
                return f->kind == F_U64_NZ && v == 0 ? cJSON_CreateNull() : number_u64(v);
        }
        case F_PID: {
                pid_t v = *CAT(j, f, pid_t);
                return v > 0 ? number_u64((uint64_t)v) : cJSON_CreateNull();
        }
        case F_INT_OPT: {
                int v = *CAT(j, f, int);
                if (v == f->none)
                        return cJSON_CreateNull();
                snprintf(buf, sizeof(buf), "%d", v);
                return cJSON_CreateRaw(buf);
        }
        case F_SIGNAL: {
                int v = *CAT(j, f, int);
                return v ? cJSON_CreateString(signal_to_name(v)) : cJSON_CreateNull();
        }
        case F_I64_OPT: {
                int64_t v = *CAT(j, f, int64_t);
                return v < 0 ? cJSON_CreateNull() : number_u64((uint64_t)v);
        }
        case F_BOOL:
                return cJSON_CreateBool(*CAT(j, f, bool));
        case F_TIME: {
                uint64_t v = *CAT(j, f, uint64_t);
                return v ? cJSON_CreateString(format_iso8601(buf, sizeof(buf), v))
                         : cJSON_CreateNull();
        }
        case F_STATUS:
                return cJSON_CreateString(job_status_to_string(*CAT(j, f, enum job_status)));
        case F_STRV:
                return strv_to_json((char *const *)*CAT(j, f, char **));
        case F_MILLI: {
                uint64_t v = *CAT(j, f, uint64_t);
                if (v == 0)
                        return cJSON_CreateNull();
                snprintf(buf, sizeof(buf), "%" PRIu64 ".%03" PRIu64, v / 1000, v % 1000);
                /* "0.500" -> "0.5", "2.000" -> "2". */
                char *e = buf + strlen(buf) - 1;
                while (*e == '0')
                        *e-- = 0;
                if (*e == '.')
                        *e = 0;
                return cJSON_CreateRaw(buf);
        }
        case F_PERCENT: {
                double v = *CAT(j, f, double);
                return v < 0 ? cJSON_CreateNull() : number_double(v);
        }
        case F_SYSCALLS:
                return syscalls_to_json(j);
        case F_OBJ: {
                if (f->null_unless_str >= 0 &&
                    !*(char *const *)((const char *)j + f->null_unless_str))
                        return cJSON_CreateNull();
                cJSON *o = cJSON_CreateObject();
                if (o && (*r = fields_to_json(j, f->sub, f->n_sub, o)) < 0) {
                        cJSON_Delete(o);
                        return NULL;
                }
                return o;
        }
        }
        return NULL;
}

static int fields_to_json(const struct job *j, const struct field *t, size_t n, cJSON *obj)
{
        for (size_t i = 0; i < n; i++) {
                int r = -ENOMEM;
                cJSON *v = field_to_json(j, &t[i], &r);
                if (!v)
                        return r;
                if (!cJSON_AddItemToObject(obj, t[i].name, v)) {
                        cJSON_Delete(v);
                        return -ENOMEM;
                }
        }
        return 0;
}

static int job_serialise(const struct job *j, char **ret, size_t *ret_len)
{
        cJSON *root = cJSON_CreateObject();
        if (!root)
                return -ENOMEM;
        int r = -ENOMEM;
        cJSON *v = number_u64(JOB_SCHEMA_VERSION);
        if (!v || !cJSON_AddItemToObject(root, "schema_version", v)) {
                cJSON_Delete(v);
                goto out;
        }
        r = fields_to_json(j, job_fields, ELEMENTSOF(job_fields), root);
        if (r < 0)
                goto out;
        /* Fields a newer corral wrote are kept, after ours, in their order. */
        for (const cJSON *e = j->extra ? j->extra->child : NULL; e; e = e->next) {
                cJSON *c = cJSON_Duplicate(e, true);
                if (!c || !cJSON_AddItemToObject(root, e->string, c)) {
                        cJSON_Delete(c);
                        r = -ENOMEM;
                        goto out;
                }
        }
        r = -ENOMEM;
        char *text = cJSON_Print(root);
        if (!text)
                goto out;
        size_t len = strlen(text);
        char *t2 = realloc(text, len + 2);
        if (!t2) {
                cJSON_free(text);
                goto out;
        }
        t2[len++] = '\n';
        t2[len] = 0;
        *ret = t2;
        if (ret_len)
                *ret_len = len;
        r = 0;
out:
        cJSON_Delete(root);
        return r;
}

int job_to_json(const struct job *j, char **ret, size_t *ret_len)
{
        int r = job_validate(j, NULL);
        if (r < 0)
                return r;
        return job_serialise(j, ret, ret_len);
}

/* ---- parsing -------------------------------------------------------------- */

struct parse_ctx {
        char **error;
        const char *parent; /* enclosing field name, for messages */
};

static int type_error(struct parse_ctx *c, const char *name, const char *expected)
{
        if (c->error) {
                free(*c->error);
                if (asprintf(c->error, "field '%s%s%s': expected %s", c->parent ? c->parent : "",
                             c->parent ? "." : "", name, expected) < 0)
                        *c->error = NULL;
        }
        return -EINVAL;
}

/* n decimal digits at s, or -1. */
static int digits(const char *s, int n)
{
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* "2026-11-26T17:20:01.123Z" (fraction optional, up to 6 digits).  By hand,
 * not sscanf: it runs for three fields of every record at start-up. */
static int parse_iso8601(const char *s, uint64_t *ret)
{
        struct tm tm = {0};
        if (strnlen(s, 20) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
            s[16] != ':')
                return -EINVAL;
        tm.tm_year = digits(s, 4);
        tm.tm_mon = digits(s + 5, 2);
        tm.tm_mday = digits(s + 8, 2);
        tm.tm_hour = digits(s + 11, 2);
        tm.tm_min = digits(s + 14, 2);
        tm.tm_sec = digits(s + 17, 2);
        if (tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
                return -EINVAL;
        if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
            tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || tm.tm_year < 1970)
                return -EINVAL;
        const char *p = s + 19;
        uint64_t usec = 0;
        if (*p == '.') {
                uint64_t scale = 100000;
                int nd = 0;
                for (p++; *p >= '0' && *p <= '9'; p++, nd++) {
                        if (nd >= 6)
                                return -EINVAL;
                        usec += (uint64_t)(*p - '0') * scale;
                        scale /= 10;
                }
                if (nd == 0)
                        return -EINVAL;
        }
        if (strcmp(p, "Z") != 0)
                return -EINVAL;
        tm.tm_year -= 1900;
        tm.tm_mon -= 1;
        time_t t = timegm(&tm);
        if (t < 0)
                return -EINVAL;
        *ret = (uint64_t)t * 1000000u + usec;
        return 0;
}

static bool json_u64(const cJSON *v, uint64_t *ret)
{
        if (!cJSON_IsNumber(v))
                return false;
        double d = v->valuedouble;
        if (!(d >= 0) || d > (double)JSON_INT_MAX || d != floor(d))
                return false;
        *ret = (uint64_t)d;
        return true;
}

static int strv_from_json(const cJSON *v, char ***ret)
{
        int n = cJSON_GetArraySize(v);
        if (n == 0) {
                *ret = NULL;
                return 0;
        }
        char **a = calloc((size_t)n + 1, sizeof(char *));
        if (!a)
                return -ENOMEM;
        int i = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
                if (!cJSON_IsString(e)) {
                        strv_free_(a);
                        return -EINVAL;
                }
                if (!(a[i] = strdup(e->valuestring))) {
                        strv_free_(a);
                        return -ENOMEM;
                }
        }
        *ret = a;
        return 0;
}

static int syscalls_from_json(struct parse_ctx *c, const cJSON *v, struct job *j)
{
        size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
        if (n == 0)
                return 0;
        struct job_syscall_count *a = calloc(n, sizeof(*a));
        if (!a)
                return -ENOMEM;
        j->denied_syscalls = a;
        for (const cJSON *e = v->child; e; e = e->next) {
                const cJSON *name = cJSON_GetObjectItemCaseSensitive(e, "name");
                const cJSON *count = cJSON_GetObjectItemCaseSensitive(e, "count");
                if (!cJSON_IsObject(e) || !cJSON_IsString(name) || !json_u64(count, &a[i].count))
                        return type_error(c, "denied_syscalls", "an array of {name, count}");
                if (!(a[i].name = strdup(name->valuestring)))
                        return -ENOMEM;
                j->n_denied_syscalls = ++i;
        }
        return 0;
}

static int fields_from_json(struct parse_ctx *c, const cJSON *obj, const struct field *t, size_t n,
                            struct job *j, bool top);

static int field_from_json(struct parse_ctx *c, const struct field *f, const cJSON *v,
                           struct job *j)
{
        uint64_t u;
        int r;
        if (cJSON_IsNull(v))
                return 0; /* unset: the struct's default stays */
        switch (f->kind) {
        case F_STR:
                if (!cJSON_IsString(v))
                        return type_error(c, f->name, "a string or null");
                return job_set_string(AT(j, f, char *), v->valuestring);
        case F_U64:
        case F_U64_NZ:
                if (!json_u64(v, &u))
                        return type_error(c, f->name, "an integer in 0..2^53-1 or null");
                *AT(j, f, uint64_t) = u;
                return 0;
        case F_PID:
                if (!json_u64(v, &u) || u == 0 || u > INT32_MAX)
                        return type_error(c, f->name, "a process id or null");
                *AT(j, f, pid_t) = (pid_t)u;
                return 0;
        case F_INT_OPT:
                if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
                    fabs(v->valuedouble) > INT32_MAX)
                        return type_error(c, f->name, "an integer or null");
                *AT(j, f, int) = (int)v->valuedouble;
                return 0;
        case F_SIGNAL: {
                int sig = cJSON_IsString(v) ? signal_from_name(v->valuestring) : -1;
                if (sig <= 0)
                        return type_error(c, f->name, "a signal name such as \"SIGKILL\" or null");
                *AT(j, f, int) = sig;
                return 0;
        }
        case F_I64_OPT:
                if (!json_u64(v, &u))
                        return type_error(c, f->name, "a non-negative integer or null");
                *AT(j, f, int64_t) = (int64_t)u;
                return 0;
        case F_BOOL:
                if (!cJSON_IsBool(v))
                        return type_error(c, f->name, "true or false");
                *AT(j, f, bool) = cJSON_IsTrue(v);
                return 0;
        case F_TIME:
                if (!cJSON_IsString(v) || parse_iso8601(v->valuestring, &u) < 0)
                        return type_error(
                            c, f->name, "an ISO 8601 UTC time (2026-11-26T17:20:01.123Z) or null");
                *AT(j, f, uint64_t) = u;
                return 0;
        case F_STATUS: {
                enum job_status s = cJSON_IsString(v) ? job_status_from_string(v->valuestring)
                                                      : _JOB_STATUS_INVALID;
                if (s == _JOB_STATUS_INVALID)
                        return type_error(c, f->name, "a status name (docs/job-json.md)");
                *AT(j, f, enum job_status) = s;
                return 0;
        }
        case F_STRV:
                if (!cJSON_IsArray(v))
                        return type_error(c, f->name, "an array of strings");
                strv_free_(*AT(j, f, char **));
                *AT(j, f, char **) = NULL;
                r = strv_from_json(v, AT(j, f, char **));
                return r == -EINVAL ? type_error(c, f->name, "an array of strings") : r;
        case F_MILLI: {
                double d = v->valuedouble;
                if (!cJSON_IsNumber(v) || !(d >= 0) || d > 1e9)
                        return type_error(c, f->name, "a non-negative number or null");
                *AT(j, f, uint64_t) = (uint64_t)llround(d * 1000.0);
                return 0;
        }
        case F_PERCENT: {
                double d = v->valuedouble;
                if (!cJSON_IsNumber(v) || !(d >= 0) || d > 100)
                        return type_error(c, f->name, "a number in 0..100 or null");
                *AT(j, f, double) = d;
                return 0;
        }
        case F_SYSCALLS:
                if (!cJSON_IsArray(v))
                        return type_error(c, f->name, "an array of {name, count}");
                return syscalls_from_json(c, v, j);
        case F_OBJ: {
                if (!cJSON_IsObject(v))
                        return type_error(c, f->name, "an object or null");
                const char *saved = c->parent;
                c->parent = f->name;
                r = fields_from_json(c, v, f->sub, f->n_sub, j, false);
                c->parent = saved;
                return r;
        }
        }
        return -EINVAL;
}

static int fields_from_json(struct parse_ctx *c, const cJSON *obj, const struct field *t, size_t n,
                            struct job *j, bool top)
{
        uint64_t seen = 0;
        size_t hint = 0;
        for (const cJSON *v = obj->child; v; v = v->next) {
                if (!v->string)
                        continue;
                size_t k, idx = n;
                for (k = 0; k < n; k++) {
                        size_t i = (hint + k) % n;
                        if (strcmp(t[i].name, v->string) == 0) {
                                idx = i;
                                break;
                        }
                }
                if (idx == n) {
                        if (!top || strcmp(v->string, "schema_version") == 0)
                                continue; /* unknown nested members are dropped */
                        if (!j->extra && !(j->extra = cJSON_CreateObject()))
                                return -ENOMEM;
                        cJSON *dup = cJSON_Duplicate(v, true);
                        if (!dup || !cJSON_AddItemToObject(j->extra, v->string, dup)) {
                                cJSON_Delete(dup);
                                return -ENOMEM;
                        }
                        continue;
                }
                hint = idx + 1;
                /* cJSON keeps duplicate keys; which one counts would be a guess. */
                if (seen & (1ull << idx))
                        return type_error(c, t[idx].name, "to appear once");
                seen |= 1ull << idx;
                int r = field_from_json(c, &t[idx], v, j);
                if (r < 0)
                        return r;
        }
        return 0;
}

int job_from_json(const char *text, size_t len, struct job **ret, char **ret_error)
{
        _cleanup_(job_freep) struct job *j = NULL;
        struct parse_ctx c = {.error = ret_error};
        if (ret_error)
                *ret_error = NULL;
        cJSON *root = cJSON_ParseWithLength(text, len);
        if (!root) {
                if (ret_error)
                        *ret_error = strdup("not valid JSON");
                return -EINVAL;
        }
        int r = -EINVAL;
        if (!cJSON_IsObject(root)) {
                type_error(&c, "(record)", "a JSON object");
                goto out;
        }
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "schema_version");
        uint64_t version;
        if (!json_u64(ver, &version) || version < 1 || version > INT32_MAX) {
                type_error(&c, "schema_version", "a positive integer");
                goto out;
        }
        r = -ENOMEM;
        if (!(j = job_new()))
                goto out;
        j->schema_version = (int)version;
        r = fields_from_json(&c, root, job_fields, ELEMENTSOF(job_fields), j, true);
        if (r < 0)
                goto out;
        const char *reason;
        r = job_validate(j, &reason);
        if (r < 0) {
                if (ret_error) {
                        free(*ret_error);
                        *ret_error = strdup(reason);
                }
                goto out;
        }
        *ret = TAKE_PTR(j);
        r = 0;
out:
        cJSON_Delete(root);
        return r;
}

struct job *job_dup(const struct job *j)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        struct job *d = NULL;
        if (job_serialise(j, &text, &len) < 0 || job_from_json(text, len, &d, NULL) < 0)
                return NULL;
        return d;
}

/* Drops the text before the first newline (a line cut by a tail read), unless
 * that would leave nothing. */
static const char *skip_cut_line(const char *s, size_t len)
{
        const char *nl = memchr(s, '\n', len);
        return nl && nl + 1 < s + len ? nl + 1 : s;
}

int job_set_error_from_log(struct job *j, int dirfd, const char *name)
{
        _cleanup_free_ char *buf = NULL, *clean = NULL;
        size_t len;
        bool partial;
        /* The END of stderr: the original implementation kept the first 500
         * bytes, which is usually the noise before the real error. */
        int r = progress_read_tail_at(dirfd, name, JOB_ERROR_MAX, &buf, &len, &partial, NULL);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        const char *s = partial ? skip_cut_line(buf, len) : buf;
        size_t n = len - (size_t)(s - buf);
        while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
                n--;
        if (n == 0)
                return 0;
        r = progress_sanitize_text(s, n, n * 3, true, false, &clean);
        if (r < 0)
                return r;
        /* Replacement characters may have grown it past the cap: cut again at
         * a line start. */
        const char *keep = clean;
        size_t cl = strlen(clean);
        if (cl > JOB_ERROR_MAX)
                keep = skip_cut_line(clean + cl - JOB_ERROR_MAX, JOB_ERROR_MAX);
        char *e;
        r = progress_sanitize_text(keep, strlen(keep), JOB_ERROR_MAX, true, true, &e);
        if (r < 0)
                return r;
        free(j->error);
        j->error = e;
        return 0;
}

bool job_supervisor_alive(const struct job *j)
{
        return j->supervisor_pid > 0 && j->supervisor_starttime > 0 &&
               proc_alive(j->supervisor_pid, j->supervisor_starttime);
}

static int strv_copy(char **const from, char ***to)
{
        if (!from)
                return 0;
        size_t n = 0;
        while (from[n])
                n++;
        char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (!(v[i] = strdup(from[i]))) {
                        strv_free_(v);
                        return -ENOMEM;
                }
        *to = v;
        return 0;
}

struct job *job_new_retry(const struct job *old)
{
        _cleanup_(job_freep) struct job *j = job_new();
        if (!j || strv_copy(old->command, &j->command) < 0 || strv_copy(old->env, &j->env) < 0 ||
            strv_copy(old->depends_on, &j->depends_on) < 0 ||
            strv_copy(old->expose, &j->expose) < 0 || job_set_string(&j->cwd, old->cwd) < 0 ||
            job_set_string(&j->policy, old->policy) < 0 ||
            job_set_string(&j->mounts, old->mounts) < 0 || job_set_string(&j->tmp, old->tmp) < 0 ||
            job_set_string(&j->network, old->network) < 0 ||
            job_set_string(&j->result_file, old->result_file) < 0 ||
            job_set_string(&j->state_patch_field, old->state_patch_field) < 0 ||
            job_set_string(&j->state_patch_pointer, old->state_patch_pointer) < 0 ||
            job_set_string(&j->tenant, old->tenant) < 0 ||
            job_set_string(&j->executor, old->executor) < 0 ||
            job_set_string(&j->retry_of, old->id) < 0)
                return NULL;
        j->limits = old->limits;
        j->has_input = false; /* the caller copies input.json if it wants it */
        return TAKE_PTR(j);
}
