/* mcp-jobs.c - the job tools of `corral serve` and the timer that follows
 * jobs for the requests waiting on them.  See mcp-jobs.h; docs/mcp.md says
 * what clients see.
 *
 * The server never blocks on a job: a call that waits (wait_job, run_job, a
 * task, cancel_job) is a deferred request with a watch; one timer
 * (WATCH_TICK_USEC) reloads the records of watched and tracked jobs (each
 * job.json is written atomically by its supervisor, which also writes
 * progress into it) and answers, notifies or moves on.  Reading a few small
 * files per tick is the whole cost; job output never passes through here. */
#include "mcp-app.h"
#include "mcp-jobs-internal.h"
#include "fileio.h"
#include "gov-measure.h"
#include "slurm-status.h"
#include "jobid.h"
#include "store-index.h"
#include "store-list.h"
#include "log.h"
#include "gov-status.h"
#include "hostview.h"
#include "netpolicy.h"
#include "tools-schema.h"
#include "units.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_TICK_USEC   (200 * 1000ull)
#define SAMPLE_EVERY_USEC (1000 * 1000ull)
#define SCAN_EVERY_USEC   (2000 * 1000ull)
#define WAIT_DEFAULT_SEC  30.0
#define WAIT_MAX_SEC      300.0
#define CANCEL_WAIT_USEC  (10 * 1000 * 1000ull)
#define LIST_DEFAULT      50
#define LIST_MAX          500
#define LOGS_DEFAULT      (64u * 1024u)
#define LOGS_MAX          (1024u * 1024u)
#define TASK_MARKER       ".mcp-task"
#define RESTORE_MAX_TASKS 1000
#define TASK_SET_DIR      "mcp-tasks"
#define INPUT_MAX         (16u << 20)

/* ---- schemas --------------------------------------------------------------- */

/* JSON Schema text, put together at compile time one property a line (the
 * server parses it once, at registration).  The helpers only quote:
 * PROP("name", schema) is "name":schema, OBJECT(props) an object schema. */
/* clang-format off */
#define Q(s)                 "\"" s "\""
#define PROP(name, schema)   Q(name) ":" schema
#define TYPE(t)              "{\"type\":" Q(t) "}"
#define NULLABLE(t)          "{\"type\":[" Q(t) ",\"null\"]}"
#define EITHER(a, b)         "{\"type\":[" Q(a) "," Q(b) "]}"
#define DESCRIBED(t, d)      "{\"type\":" Q(t) ",\"description\":" Q(d) "}"
#define EITHER_DESCRIBED(a, b, d) "{\"type\":[" Q(a) "," Q(b) "],\"description\":" Q(d) "}"
#define STRINGS              "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}"
#define INTEGER_IN(lo, hi)   "{\"type\":\"integer\",\"minimum\":" #lo ",\"maximum\":" #hi "}"
#define OBJECT(props)        "{\"type\":\"object\",\"properties\":{" props "}}"
#define NO_PROPERTIES        "{\"type\":\"object\",\"properties\":{}," CLOSED "}"
#define REQUIRED(list)       "\"required\":[" list "]"
#define CLOSED               "\"additionalProperties\":false"
/* An object schema with more members than properties (required, closed). */
#define OBJECT_WITH(props, more) "{\"type\":\"object\",\"properties\":{" props "}," more "}"

#define JOB_ID_PROP PROP("job_id", DESCRIBED("string", "the job's id"))

/* The arguments of submit_job and run_job. */
#define SUBMIT_PROPS                                                                              \
        PROP("command", "{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"minItems\":1,"    \
                        "\"description\":\"argv: the program and its arguments; no shell unless " \
                        "you name one (e.g. [\\\"sh\\\", \\\"-c\\\", \\\"...\\\"])\"}") ","       \
        PROP("cwd",     DESCRIBED("string", "recorded; jobs run in their own working "         \
                                            "directory")) ","                                     \
        PROP("env",     "{\"type\":\"object\",\"additionalProperties\":" TYPE("string") "}") ","  \
        PROP("input",   DESCRIBED("object", "saved as input.json in the job's working "          \
                                            "directory and given as its stdin")) ","              \
        PROP("limits",  OBJECT_WITH(                                                              \
                PROP("memory",  EITHER_DESCRIBED("string", "number", "\\\"256M\\\" or bytes")) "," \
                PROP("cpus",    EITHER("number", "string")) ","                                   \
                PROP("pids",    EITHER("integer", "string")) ","                                  \
                PROP("timeout", EITHER_DESCRIBED("string", "number", "\\\"30s\\\" or seconds")) "," \
                PROP("log",     EITHER_DESCRIBED("string", "number", "cap on each log file, "     \
                                  "\\\"64M\\\" or bytes (default 1G): the job is killed "            \
                                  "when it is reached")) ","                                      \
                PROP("file_size", EITHER_DESCRIBED("string", "number", "cap on any file the "     \
                                  "job writes")) ","                                              \
                PROP("open_files", EITHER_DESCRIBED("integer", "string", "open files "            \
                                  "(default 1024)")),                                             \
                CLOSED)) ","                                                                      \
        PROP("network", DESCRIBED("string", "none (no network), host, or allow:LIST: only "    \
                                            "these destinations, through corral's proxy, e.g. "   \
                                            "allow:pypi.org:443,*.pythonhosted.org:443; "         \
                                            "default and ceiling: the operator's")) ","          \
        PROP("policy",  DESCRIBED("string", "seccomp policy: a name from the operator's "      \
                                            "policy directory (default, strict, ...)")) ","       \
        PROP("mounts",  "{\"type\":\"string\",\"enum\":[\"private\",\"minimal\"],"          \
                        "\"description\":\"the host's files the job sees: private (read-only, "\
                        "default) or minimal (system programs and libraries only)\"}") ","       \
        PROP("tmp",     "{\"type\":\"string\",\"enum\":[\"exec\",\"noexec\"],"              \
                        "\"description\":\"whether programs may run from /tmp and /dev/shm "  \
                        "(default exec)\"}") ","                                                 \
        PROP("depends_on", STRINGS) ","                                                           \
        PROP("expose", STRINGS) ","                                                               \
        PROP("executor", "{\"type\":\"string\",\"enum\":[\"local\",\"slurm\"],\"description\":" \
                         "\"where it runs, if the operator lets jobs choose (default: the "      \
                         "store's)\"}") ","                                                        \
        JOB_ID_PROP
#define SUBMIT_SCHEMA OBJECT_WITH(SUBMIT_PROPS, REQUIRED(Q("command")) "," CLOSED)
/* The arguments of the tools that name one job. */
#define ID_SCHEMA     OBJECT_WITH(JOB_ID_PROP, REQUIRED(Q("job_id")) "," CLOSED)

/* The status object (docs/mcp.md, "The status object"). */
#define STATUS_PROPS                                                                              \
        PROP("job_id",             TYPE("string")) ","                                            \
        PROP("status",             TYPE("string")) ","                                            \
        PROP("terminal",           TYPE("boolean")) ","                                           \
        PROP("summary",            TYPE("string")) ","                                            \
        PROP("exit_code",          NULLABLE("integer")) ","                                       \
        PROP("signal",             NULLABLE("string")) ","                                        \
        PROP("oom_kills",          TYPE("integer")) ","                                           \
        PROP("pids_max_hits",      TYPE("integer")) ","                                           \
        PROP("oom_cause",          NULLABLE("string")) ","                                        \
        PROP("progress",           OBJECT(PROP("percent", TYPE("number")) ","                     \
                                          PROP("message", TYPE("string")))) ","                   \
        PROP("reason",             NULLABLE("string")) ","                                        \
        PROP("memory_limit_bytes", NULLABLE("number")) ","                                        \
        PROP("memory_peak_bytes",  TYPE("number")) ","                                            \
        PROP("timeout_seconds",    NULLABLE("number")) ","                                        \
        PROP("cpu_seconds",        TYPE("number")) ","                                            \
        PROP("wall_seconds",       TYPE("number")) ","                                            \
        PROP("seccomp_syscall",    NULLABLE("string")) ","                                        \
        PROP("queue_position",     NULLABLE("integer")) ","                                       \
        PROP("created_at",         NULLABLE("string")) ","                                        \
        PROP("started_at",         NULLABLE("string")) ","                                        \
        PROP("finished_at",        NULLABLE("string")) ","                                        \
        PROP("command",            STRINGS) ","                                                   \
        PROP("retry_of",           NULLABLE("string"))
#define STATUS_REQUIRED                                                                           \
        REQUIRED(Q("job_id") "," Q("status") "," Q("terminal") "," Q("summary") ","              \
                 Q("exit_code") "," Q("signal") "," Q("oom_kills") "," Q("progress") ","         \
                 Q("reason"))
#define STATUS_SCHEMA OBJECT_WITH(STATUS_PROPS, STATUS_REQUIRED)
/* job_status adds the usage series (usage.json; null before the job ran). */
#define JOB_STATUS_SCHEMA                                                                         \
        OBJECT_WITH(STATUS_PROPS "," PROP("usage", NULLABLE("object")), STATUS_REQUIRED)
/* wait_job and cancel_job: the status object and how the wait went. */
#define WAITED_SCHEMA                                                                             \
        OBJECT_WITH(STATUS_PROPS ","                                                              \
                    PROP("changed",        TYPE("boolean")) ","                                   \
                    PROP("waited_seconds", TYPE("number")),                                       \
                    STATUS_REQUIRED)
/* run_job and catalog tools answer {job_id, status} (no task: background) or
 * the job_result content: one schema covers both. */
#define RESULT_SCHEMA                                                                             \
        OBJECT_WITH(STATUS_PROPS ","                                                              \
                    PROP("results",      "{}") ","                                                \
                    PROP("result_error", NULLABLE("string")) ","                                  \
                    PROP("stdout_tail",  NULLABLE("string")) ","                                  \
                    PROP("stderr_tail",  NULLABLE("string")),                                     \
                    REQUIRED(Q("job_id") "," Q("status")))
#define SUBMITTED_SCHEMA                                                                          \
        OBJECT_WITH(PROP("job_id", TYPE("string")) ","                                            \
                    PROP("status", TYPE("string")),                                               \
                    REQUIRED(Q("job_id") "," Q("status")))

#define LOGS_INPUT_SCHEMA                                                                         \
        OBJECT_WITH(JOB_ID_PROP ","                                                               \
                    PROP("stream", "{\"type\":\"string\",\"enum\":[\"stdout\",\"stderr\"]}") ","  \
                    PROP("offset", "{\"type\":\"integer\",\"minimum\":0}") ","                    \
                    PROP("length", INTEGER_IN(0, 1048576)) ","                                    \
                    PROP("tail",   INTEGER_IN(0, 1048576)),                                       \
                    REQUIRED(Q("job_id")) "," CLOSED)
#define LOGS_OUTPUT_SCHEMA                                                                        \
        OBJECT_WITH(PROP("job_id",      TYPE("string")) ","                                       \
                    PROP("stream",      TYPE("string")) ","                                       \
                    PROP("offset",      TYPE("integer")) ","                                      \
                    PROP("length",      TYPE("integer")) ","                                      \
                    PROP("size",        TYPE("integer")) ","                                      \
                    PROP("next_offset", TYPE("integer")) ","                                      \
                    PROP("eof",         TYPE("boolean")) ","                                      \
                    PROP("text",        TYPE("string")),                                          \
                    REQUIRED(Q("job_id") "," Q("stream") "," Q("offset") "," Q("length") ","     \
                             Q("size") "," Q("text")))
#define WAIT_INPUT_SCHEMA                                                                         \
        OBJECT_WITH(JOB_ID_PROP ","                                                               \
                    PROP("timeout", "{\"type\":\"number\",\"minimum\":0,\"maximum\":300}"),       \
                    REQUIRED(Q("job_id")) "," CLOSED)
#define RETRIED_SCHEMA                                                                            \
        OBJECT_WITH(PROP("job_id",   TYPE("string")) ","                                          \
                    PROP("retry_of", TYPE("string")) ","                                          \
                    PROP("status",   TYPE("string")),                                             \
                    REQUIRED(Q("job_id") "," Q("retry_of") "," Q("status")))
#define LIST_INPUT_SCHEMA                                                                         \
        OBJECT_WITH(PROP("status", "{\"type\":[\"string\",\"array\"],"                           \
                                   "\"items\":{\"type\":\"string\"}}") ","                        \
                    PROP("limit",  INTEGER_IN(1, 500)) ","                                        \
                    PROP("cursor", TYPE("string")),                                               \
                    CLOSED)
#define LIST_OUTPUT_SCHEMA                                                                        \
        OBJECT_WITH(PROP("jobs", "{\"type\":\"array\",\"items\":"                                 \
                         OBJECT_WITH(PROP("job_id",     TYPE("string")) ","                       \
                                     PROP("status",     TYPE("string")) ","                       \
                                     PROP("summary",    TYPE("string")) ","                       \
                                     PROP("created_at", TYPE("string")) ","                       \
                                     PROP("command",    STRINGS),                                 \
                                     REQUIRED(Q("job_id") "," Q("status") "," Q("summary")))     \
                         "}") ","                                                                 \
                    PROP("next_cursor", NULLABLE("string")),                                      \
                    REQUIRED(Q("jobs") "," Q("next_cursor")))
#define SYSTEM_OUTPUT_SCHEMA                                                                      \
        OBJECT_WITH(PROP("memory",              TYPE("object")) ","                               \
                    PROP("cpu",                 TYPE("object")) ","                               \
                    PROP("pressure",            TYPE("object")) ","                               \
                    PROP("running",             TYPE("integer")) ","                              \
                    PROP("queued",              TYPE("integer")) ","                              \
                    PROP("max_concurrent_jobs", TYPE("integer")),                                 \
                    REQUIRED(Q("memory") "," Q("cpu") "," Q("running") "," Q("queued")))

#define ANNOT(title, ro, destr, idem, open)                                                       \
        "{\"title\":\"" title "\",\"readOnlyHint\":" #ro ",\"destructiveHint\":" #destr          \
        ",\"idempotentHint\":" #idem ",\"openWorldHint\":" #open "}"
/* clang-format on */

/* ---- helpers --------------------------------------------------------------- */

static int tool_error(cJSON **ret, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Argument errors are tool errors (isError), so a model can correct itself. */
static int tool_error(cJSON **ret, const char *fmt, ...)
{
        char msg[1024];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        *ret = mcp_tool_result(msg, NULL, true);
        return 0;
}

static const char *arg_string(const cJSON *args, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, key);
        return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Loads a job's record; one whose supervisor died without recording an end
 * is recorded as lost first (jobctl_recover_one: only when its lock is free),
 * so nobody waits forever for a job that will never end. */
static int load_fresh(struct mcp_jobs *J, const char *id, struct job **ret)
{
        struct job *j = NULL;
        int r = jobctl_load(J->ctl, id, &j);
        if (r < 0)
                return r;
        /* No pid yet: the supervisor has not recorded itself; its lock decides. */
        if (!job_status_is_terminal(j->status) &&
            (j->supervisor_pid <= 0 || !job_supervisor_alive(j)) &&
            jobctl_recover_one(J->ctl, id) > 0) {
                job_free(j);
                j = NULL;
                r = jobctl_load(J->ctl, id, &j);
                if (r < 0)
                        return r;
        }
        *ret = j;
        return 0;
}

static int load_job(struct mcp_jobs *J, const cJSON *args, struct job **ret, cJSON **ret_result)
{
        const char *id = arg_string(args, "job_id");
        if (!id)
                return tool_error(ret_result, "job_id must be a string"), 1;
        if (load_fresh(J, id, ret) < 0)
                return tool_error(ret_result, "No such job: '%s'", id), 1;
        return 0;
}

static void remember_own(struct mcp_jobs *J, const char *id)
{
        char **n = realloc(J->own, (J->n_own + 1) * sizeof(char *));
        if (!n)
                return;
        J->own = n;
        if ((n[J->n_own] = strdup(id)))
                J->n_own++;
}

static void track(struct mcp_jobs *J, const struct job *j)
{
        if (job_status_is_terminal(j->status))
                return;
        for (struct tracked *t = J->tracked; t; t = t->next)
                if (strcmp(t->id, j->id) == 0)
                        return;
        struct tracked *t = calloc(1, sizeof(*t));
        if (!t || !(t->id = strdup(j->id))) {
                free(t);
                return;
        }
        t->status = j->status;
        t->percent = j->progress.percent;
        t->out_size = t->err_size = -1;
        t->next = J->tracked;
        J->tracked = t;
}

static char **strv_dup_json(const cJSON *a)
{
        char **v = calloc((size_t)cJSON_GetArraySize(a) + 1, sizeof(char *));
        size_t n = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, a) if (v) v[n++] = strdup(e->valuestring);
        return v;
}

/* The request part of submit_job / run_job arguments.  Returns 0, or 1 with
 * a tool error in *ret_result. */
/* True when clients may choose this policy (serve --client-policies). */
static bool policy_allowed(const struct mcp_jobs *J, const char *name)
{
        if (!J->client_policies)
                return true;
        size_t n = strlen(name);
        for (const char *p = J->client_policies; *p;) {
                const char *comma = strchrnul(p, ',');
                if ((size_t)(comma - p) == n && strncmp(p, name, n) == 0)
                        return true;
                p = *comma ? comma + 1 : comma;
        }
        return false;
}

static int job_from_args(const struct mcp_jobs *J, const cJSON *args, struct job *j,
                         char **ret_input, cJSON **ret_result)
{
        const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(args, "command");
        bool ok = cJSON_IsArray(cmd) && cJSON_GetArraySize(cmd) > 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, cmd) ok &= cJSON_IsString(e) && *e->valuestring;
        if (!ok)
                return tool_error(ret_result,
                                  "command must be a non-empty array of strings (argv, "
                                  "e.g. [\"python3\", \"train.py\"]); a shell runs only "
                                  "if you name one: [\"sh\", \"-c\", \"...\"]"),
                       1;
        j->command = strv_dup_json(cmd);
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(args, "env");
        if (env && !cJSON_IsNull(env)) {
                if (!cJSON_IsObject(env))
                        return tool_error(ret_result, "env must be an object of strings"), 1;
                j->env = calloc((size_t)cJSON_GetArraySize(env) + 1, sizeof(char *));
                size_t n = 0;
                cJSON_ArrayForEach(e, env)
                {
                        if (!cJSON_IsString(e) || !*e->string || strchr(e->string, '='))
                                return tool_error(ret_result,
                                                  "env.%s must be a string, and its name "
                                                  "non-empty without '='",
                                                  e->string),
                                       1;
                        if (j->env &&
                            asprintf(&j->env[n++], "%s=%s", e->string, e->valuestring) < 0)
                                j->env[--n] = NULL;
                }
        }
        const char *cwd = arg_string(args, "cwd");
        if (cwd)
                job_set_string(&j->cwd, cwd);
        const char *policy = arg_string(args, "policy");
        if (policy) {
                /* Policy files are the operator's: a client names one from the
                 * policy directory, never a path (threat: root reading any file
                 * as a "policy"), and only one the operator allows. */
                if (strchr(policy, '/') || !*policy)
                        return tool_error(ret_result,
                                          "policy must be the name of a policy in the operator's "
                                          "policy directory (such as default or strict), not a "
                                          "path"),
                               1;
                if (!policy_allowed(J, policy))
                        return tool_error(ret_result,
                                          "policy '%s' is not allowed here; allowed: %s", policy,
                                          J->client_policies),
                               1;
                job_set_string(&j->policy, policy);
        }
        const char *network = arg_string(args, "network");
        if (network) {
                char why[512], canon[4096];
                _cleanup_free_ struct net_policy *np = calloc(1, sizeof(*np));
                if (!np)
                        return -ENOMEM;
                if (net_policy_parse(network, np, why, sizeof(why)) < 0)
                        return tool_error(ret_result, "network %s", why), 1;
                net_policy_format(np, canon, sizeof(canon));
                job_set_string(&j->network, canon);
        }
        const char *executor = arg_string(args, "executor"); /* checked by jobctl_submit */
        if (executor)
                job_set_string(&j->executor, executor);
        const char *mounts = arg_string(args, "mounts");
        if (mounts && strcmp(mounts, "private") != 0 && strcmp(mounts, "minimal") != 0)
                return tool_error(ret_result, "mounts must be private or minimal"), 1;
        if (mounts && strcmp(mounts, "minimal") == 0)
                job_set_string(&j->mounts, mounts);
        const char *tmp = arg_string(args, "tmp");
        if (tmp && strcmp(tmp, "exec") != 0 && strcmp(tmp, "noexec") != 0)
                return tool_error(ret_result, "tmp must be exec or noexec"), 1;
        if (tmp && strcmp(tmp, "noexec") == 0)
                job_set_string(&j->tmp, tmp);
        const cJSON *deps = cJSON_GetObjectItemCaseSensitive(args, "depends_on");
        if (deps && !cJSON_IsNull(deps)) {
                ok = cJSON_IsArray(deps);
                cJSON_ArrayForEach(e, deps) ok &= cJSON_IsString(e);
                if (!ok)
                        return tool_error(ret_result, "depends_on must be an array of job ids"), 1;
                if (cJSON_GetArraySize(deps) > 0)
                        j->depends_on = strv_dup_json(deps);
        }
        const cJSON *exp = cJSON_GetObjectItemCaseSensitive(args, "expose");
        if (exp && !cJSON_IsNull(exp)) {
                ok = cJSON_IsArray(exp);
                cJSON_ArrayForEach(e, exp) ok &= cJSON_IsString(e);
                if (!ok)
                        return tool_error(ret_result, "expose must be an array of absolute paths"),
                               1;
                if (cJSON_GetArraySize(exp) > 0)
                        j->expose = strv_dup_json(exp);
        }
        char err[512];
        if (catalog_parse_limits(cJSON_GetObjectItemCaseSensitive(args, "limits"), &j->limits, err,
                                 sizeof(err)) < 0)
                return tool_error(ret_result, "%s", err), 1;
        const cJSON *input = cJSON_GetObjectItemCaseSensitive(args, "input");
        if (input && !cJSON_IsNull(input)) {
                if (!cJSON_IsObject(input))
                        return tool_error(ret_result, "input must be a JSON object"), 1;
                *ret_input = cJSON_PrintUnformatted(input);
        }
        return 0;
}

/* Submits j; 0 with j->id set, or 1 with a tool error. */
static int submit(struct mcp_jobs *J, struct job *j, const char *requested_id, const char *input,
                  cJSON **ret_result)
{
        char err[512];
        int r = jobctl_submit(J->ctl, j, requested_id, input, input ? strlen(input) : 0, err,
                              sizeof(err));
        if (r < 0) {
                log_warning("Failed to submit a job: %s", err);
                return tool_error(ret_result, "%s", err), 1;
        }
        remember_own(J, j->id);
        track(J, j);
        log_info("Job %s submitted (%s)", j->id, j->command[0]);
        return 0;
}

static cJSON *submitted_result(const struct job *j)
{
        cJSON *sc = cJSON_CreateObject();
        cJSON_AddStringToObject(sc, "job_id", j->id);
        cJSON_AddStringToObject(sc, "status", job_status_to_string(j->status));
        char text[256];
        snprintf(text, sizeof(text),
                 "Job %s submitted (%s). Follow it with job_status, wait_job or job_result.", j->id,
                 job_status_to_string(j->status));
        return mcp_tool_result(text, sc, false);
}

/* ---- watches --------------------------------------------------------------- */

static void watch_unlink(struct watch *w)
{
        for (struct watch **p = &w->jobs->watches; *p; p = &(*p)->next)
                if (*p == w) {
                        *p = w->next;
                        break;
                }
        free(w->job_id);
        free(w->last_message);
        free(w);
}

static void on_request_cancel(struct mcp_request *req, bool closing, void *userdata)
{
        struct watch *w = userdata;
        if (!closing && w->kind == WATCH_RUN) {
                /* The client gave up on run_job (or cancelled its task): stop the job. */
                char err[256];
                if (jobctl_cancel(w->jobs->ctl, w->job_id, err, sizeof(err)) < 0)
                        log_warning("Failed to cancel job %s: %s", w->job_id, err);
        }
        watch_unlink(w);
        if (!closing)
                mcp_request_complete(req, NULL); /* dropped: the request was cancelled */
}

static int watch_add(struct mcp_jobs *J, enum watch_kind kind, struct mcp_request *req,
                     const struct job *j, uint64_t timeout_usec)
{
        struct watch *w = calloc(1, sizeof(*w));
        if (!w || !(w->job_id = strdup(j->id))) {
                free(w);
                return -ENOMEM;
        }
        w->jobs = J;
        w->kind = kind;
        w->req = req;
        w->started = now_monotonic_usec();
        w->deadline = timeout_usec ? w->started + timeout_usec : 0;
        w->last_status = j->status;
        w->last_percent = j->progress.percent;
        w->last_message = j->progress.message ? strdup(j->progress.message) : NULL;
        w->next = J->watches;
        J->watches = w;
        mcp_request_on_cancel(req, on_request_cancel, w);
        return 0;
}

static cJSON *wait_result(const struct job *j, bool changed, double waited)
{
        cJSON *sc = jobview_status(j);
        cJSON_AddBoolToObject(sc, "changed", changed);
        cJSON_AddNumberToObject(sc, "waited_seconds", waited);
        _cleanup_free_ char *text = jobview_status_text(j);
        char *full = NULL;
        if (asprintf(&full, "%s%s", text ? text : j->id,
                     job_status_is_terminal(j->status) ? ""
                     : changed ? "\n(progress changed; call wait_job again to keep waiting)"
                               : "\n(still going after the wait; call wait_job again)") < 0)
                full = NULL;
        cJSON *r = jobview_tool_result(full ? full : j->id, sc, false);
        free(full);
        return r;
}

static void progress_changed(struct watch *w, const struct job *j)
{
        char summary[512];
        jobview_summary(j, summary, sizeof(summary));
        /* Progress must increase between notifications: only a higher percent,
         * or a changed status/message while the percent is unknown, is sent. */
        if (j->progress.percent >= 0 && j->progress.percent > w->last_percent)
                mcp_request_progress(w->req, j->progress.percent, 100, summary);
        struct mcp_task *t = mcp_request_task(w->req);
        if (t)
                mcp_task_set_message(t, summary);
}

/* Returns true when w answered (and is freed). */
static bool watch_check(struct watch *w, uint64_t now)
{
        struct mcp_jobs *J = w->jobs;
        struct job *j = NULL;
        if (load_fresh(J, w->job_id, &j) < 0) {
                struct mcp_request *req = w->req;
                char id[JOBID_MAX + 1];
                snprintf(id, sizeof(id), "%s", w->job_id);
                watch_unlink(w);
                mcp_request_complete(req, mcp_tool_result("The job's record is gone (removed by "
                                                          "corral gc?)",
                                                          NULL, true));
                log_warning("Job %s vanished while a client waited for it", id);
                return true;
        }
        bool terminal = job_status_is_terminal(j->status);
        bool changed = j->status != w->last_status || j->progress.percent != w->last_percent ||
                       (j->progress.message &&
                        (!w->last_message || strcmp(j->progress.message, w->last_message) != 0));
        if (changed && !terminal)
                progress_changed(w, j);
        cJSON *answer = NULL;
        if (w->kind == WATCH_RUN && terminal) {
                answer = jobview_result(J->ctl, j);
                /* A job cancelled by anyone (cancel_job, the CLI): its task is
                 * cancelled too, not failed. */
                struct mcp_task *t = mcp_request_task(w->req);
                if (t && j->status == JOB_CANCELLED) {
                        char summary[512], msg[600];
                        jobview_summary(j, summary, sizeof(summary));
                        snprintf(msg, sizeof(msg), "Job %s %s", j->id, summary);
                        mcp_task_mark_cancelled(t, msg);
                }
        } else if (w->kind == WATCH_WAIT && (terminal || (changed && !w->until_terminal) ||
                                             (w->deadline && now >= w->deadline)))
                answer = wait_result(j, changed || terminal, (double)(now - w->started) / 1e6);
        else if (w->kind == WATCH_CANCEL && (terminal || (w->deadline && now >= w->deadline)))
                answer = wait_result(j, terminal, (double)(now - w->started) / 1e6);
        if (changed) {
                w->last_status = j->status;
                w->last_percent = j->progress.percent;
                free(w->last_message);
                w->last_message = j->progress.message ? strdup(j->progress.message) : NULL;
        }
        job_free(j);
        if (!answer)
                return false;
        struct mcp_request *req = w->req;
        watch_unlink(w);
        mcp_request_complete(req, answer);
        return true;
}

/* ---- tracking: log notifications and resource updates --------------------- */

static int64_t file_size(struct mcp_jobs *J, const char *id, const char *name)
{
        _cleanup_close_ int dfd = -EBADF;
        struct stat st;
        if (store_job_open_dir(J->ctl->store, id, &dfd) < 0 ||
            fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return -1;
        return st.st_size;
}

/* Returns true when t is done with (terminal or gone). */
static bool tracked_check(struct mcp_jobs *J, struct tracked *t)
{
        struct job *j = NULL;
        if (load_fresh(J, t->id, &j) < 0)
                return true;
        bool terminal = job_status_is_terminal(j->status);
        if (j->status != t->status) {
                char summary[512];
                jobview_summary(j, summary, sizeof(summary));
                enum mcp_log_level lvl = !terminal                    ? MCP_LOG_INFO
                                         : j->status == JOB_COMPLETED ? MCP_LOG_NOTICE
                                                                      : MCP_LOG_WARNING;
                mcp_server_log(J->server, lvl, "corral.jobs", "Job %s: %s -> %s", t->id,
                               job_status_to_string(t->status), summary);
                t->status = j->status;
                mcp_jobs_resource_changed(J, t->id, "record");
                if (terminal)
                        mcp_jobs_resource_changed(J, t->id, "results");
        } else if (j->progress.percent != t->percent ||
                   (j->progress.message &&
                    (!t->message || strcmp(j->progress.message, t->message) != 0))) {
                mcp_jobs_resource_changed(J, t->id, "record");
        }
        t->percent = j->progress.percent;
        free(t->message);
        t->message = j->progress.message ? strdup(j->progress.message) : NULL;
        int64_t out = file_size(J, t->id, "stdout.log"), err = file_size(J, t->id, "stderr.log");
        if (out != t->out_size)
                mcp_jobs_resource_changed(J, t->id, "stdout");
        if (err != t->err_size)
                mcp_jobs_resource_changed(J, t->id, "stderr");
        t->out_size = out;
        t->err_size = err;
        job_free(j);
        return terminal;
}

static void scan_store(struct mcp_jobs *J)
{
        struct store_list l = {0};
        struct store_filter f = {.status_mask =
                                     STORE_STATUS_BIT(JOB_QUEUED) | STORE_STATUS_BIT(JOB_RUNNING)};
        if (store_list_jobs(J->ctl->store, &f, NULL, 0, &l) < 0)
                return;
        for (size_t i = 0; i < l.n; i++)
                track(J, l.jobs[i]);
        store_list_done(&l);
}

/* A job directory appears in jobs/ by rename (store_job_create): track it. */
static int on_jobs_dir(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        struct mcp_jobs *J = userdata;
        char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));
        for (;;) {
                ssize_t n = read(fd, buf, sizeof(buf));
                if (n <= 0)
                        break;
                for (char *p = buf; p < buf + n;) {
                        const struct inotify_event *e = (const struct inotify_event *)p;
                        p += sizeof(*e) + e->len;
                        if (e->mask & IN_Q_OVERFLOW) {
                                J->last_scan = 0; /* the next tick lists the store */
                                continue;
                        }
                        _cleanup_(job_freep) struct job *j = NULL;
                        if (e->len && jobid_is_valid(e->name) &&
                            jobctl_load(J->ctl, e->name, &j) == 0)
                                track(J, j);
                }
        }
        return 0;
}

static void watch_jobs_dir(struct mcp_jobs *J)
{
        char path[4200];
        snprintf(path, sizeof(path), "%s/tenants/%s/jobs", J->ctl->state_dir,
                 store_tenant(J->ctl->store));
        J->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (J->inotify_fd < 0 ||
            inotify_add_watch(J->inotify_fd, path, IN_MOVED_TO | IN_CREATE) < 0 ||
            loop_add_io(J->loop, J->inotify_fd, EPOLLIN, on_jobs_dir, J, &J->inotify_src) < 0)
                log_debug("Not watching '%s' (%s): new jobs are found by listing every %llu s",
                          path, strerror(errno), SCAN_EVERY_USEC / 1000000);
}

static int on_tick(struct loop_source *s, void *userdata)
{
        struct mcp_jobs *J = userdata;
        uint64_t now = now_monotonic_usec();
        if (J->meas && now - J->last_sample >= SAMPLE_EVERY_USEC) {
                gov_measure_sample(J->meas, now);
                J->last_sample = now;
        }
        if (now - J->last_scan >= SCAN_EVERY_USEC) {
                scan_store(J);
                J->last_scan = now;
        }
        for (struct tracked **p = &J->tracked; *p;) {
                struct tracked *t = *p;
                if (tracked_check(J, t)) {
                        *p = t->next;
                        free(t->id);
                        free(t->message);
                        free(t);
                } else
                        p = &t->next;
        }
        /* watch_check may free w (and only w): take next first. */
        for (struct watch *w = J->watches, *next; w; w = next) {
                next = w->next;
                watch_check(w, now);
        }
        loop_timer_set(s, WATCH_TICK_USEC);
        return 0;
}

/* ---- tools ----------------------------------------------------------------- */

static void task_entry_add(struct mcp_jobs *J, const char *id);

static void mark_task(struct mcp_jobs *J, struct mcp_request *req, const struct job *j)
{
        struct mcp_task *t = mcp_request_task(req);
        if (!t)
                return;
        /* The task is the job: same id, and a marker so a later server re-creates it. */
        int r = mcp_task_set_id(t, j->id);
        if (r < 0)
                log_warning("Task for job %s keeps its own id: %s", j->id, strerror(-r));
        _cleanup_close_ int dfd = -EBADF;
        if (store_job_open_dir(J->ctl->store, j->id, &dfd) == 0) {
                char buf[64];
                snprintf(buf, sizeof(buf), "{\"ttl_ms\":%lld}\n", (long long)mcp_task_ttl_ms(t));
                if (write_file_atomic_at(dfd, TASK_MARKER, buf, strlen(buf), 0600) >= 0) {
                        task_entry_add(J, j->id);
                        /* A quick job may have its final record (and row)
                         * already: the row's usage counts the marker. */
                        (void)store_index_refresh_usage(J->ctl->store, j->id);
                }
        }
}

/* After a submit: follow the job to its end (run_job, tasks), or answer now. */
static int follow(struct mcp_jobs *J, struct mcp_request *req, struct job *j, cJSON **ret_result)
{
        mark_task(J, req, j);
        int r = watch_add(J, WATCH_RUN, req, j, 0);
        if (r < 0)
                return r;
        return MCP_DEFERRED;
}

static int tool_submit(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        _cleanup_(job_freep) struct job *j = job_new();
        _cleanup_free_ char *input = NULL;
        if (!j)
                return -ENOMEM;
        if (job_from_args(J, args, j, &input, ret) ||
            submit(J, j, arg_string(args, "job_id"), input, ret))
                return 0;
        *ret = submitted_result(j);
        return 0;
}

static int tool_run(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        _cleanup_(job_freep) struct job *j = job_new();
        _cleanup_free_ char *input = NULL;
        if (!j)
                return -ENOMEM;
        if (job_from_args(J, args, j, &input, ret) ||
            submit(J, j, arg_string(args, "job_id"), input, ret))
                return 0;
        return follow(J, req, j, ret);
}

static int tool_status(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        _cleanup_(job_freep) struct job *j = NULL;
        if (load_job(J, args, &j, ret))
                return 0;
        track(J, j);
        _cleanup_free_ char *text = jobview_status_text(j);
        cJSON *sc = jobview_status(j);
        jobview_add_usage(J->ctl, j, sc);
        *ret = jobview_tool_result(text ? text : j->id, sc, false);
        return 0;
}

static int tool_result(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        _cleanup_(job_freep) struct job *j = NULL;
        if (load_job(J, args, &j, ret))
                return 0;
        *ret = jobview_result(J->ctl, j);
        return *ret ? 0 : -ENOMEM;
}

static int tool_logs(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        const char *id = arg_string(args, "job_id");
        const char *stream = arg_string(args, "stream");
        if (!stream)
                stream = "stdout";
        if (strcmp(stream, "stdout") != 0 && strcmp(stream, "stderr") != 0)
                return tool_error(ret, "stream must be \"stdout\" or \"stderr\"");
        _cleanup_close_ int dfd = -EBADF;
        if (!id || store_job_open_dir(J->ctl->store, id, &dfd) < 0)
                return tool_error(ret, "No such job: '%s'", id ? id : "");
        const cJSON *off = cJSON_GetObjectItemCaseSensitive(args, "offset");
        const cJSON *lenj = cJSON_GetObjectItemCaseSensitive(args, "length");
        const cJSON *tail = cJSON_GetObjectItemCaseSensitive(args, "tail");
        if ((off && !cJSON_IsNumber(off)) || (lenj && !cJSON_IsNumber(lenj)) ||
            (tail && !cJSON_IsNumber(tail)) || (off && off->valuedouble < 0) ||
            (lenj && lenj->valuedouble < 0) || (tail && tail->valuedouble < 0))
                return tool_error(ret, "offset, length and tail are non-negative byte counts");
        if (tail && off)
                return tool_error(ret, "give either tail or offset, not both");
        char name[16];
        snprintf(name, sizeof(name), "%s.log", stream);
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        struct stat st;
        uint64_t size = 0;
        if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
                size = (uint64_t)st.st_size;
        uint64_t want = lenj ? (uint64_t)lenj->valuedouble : LOGS_DEFAULT;
        if (tail)
                want = (uint64_t)tail->valuedouble;
        if (want > LOGS_MAX)
                want = LOGS_MAX;
        uint64_t start = off ? (uint64_t)off->valuedouble : 0;
        if (tail)
                start = size > want ? size - want : 0;
        if (start > size)
                start = size;
        if (want > size - start)
                want = size - start;
        _cleanup_free_ char *buf = malloc(want + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = want && fd >= 0 ? pread(fd, buf, want, (off_t)start) : 0;
        if (n < 0)
                n = 0;
        _cleanup_free_ char *text = NULL;
        if (progress_sanitize_text(buf, (size_t)n, LOGS_MAX * 3, true, false, &text) < 0)
                return -ENOMEM;
        cJSON *sc = cJSON_CreateObject();
        cJSON_AddStringToObject(sc, "job_id", id);
        cJSON_AddStringToObject(sc, "stream", stream);
        cJSON_AddNumberToObject(sc, "offset", (double)start);
        cJSON_AddNumberToObject(sc, "length", (double)n);
        cJSON_AddNumberToObject(sc, "size", (double)size);
        cJSON_AddNumberToObject(sc, "next_offset", (double)(start + (uint64_t)n));
        cJSON_AddBoolToObject(sc, "eof", start + (uint64_t)n >= size);
        cJSON_AddStringToObject(sc, "text", text);
        *ret = mcp_tool_result(text, sc, false);
        return 0;
}

static int tool_wait(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        const cJSON *to = cJSON_GetObjectItemCaseSensitive(args, "timeout");
        double timeout = WAIT_DEFAULT_SEC;
        if (to && (!cJSON_IsNumber(to) || to->valuedouble < 0 || !isfinite(to->valuedouble)))
                return tool_error(ret, "timeout is a number of seconds, 0 to %.0f", WAIT_MAX_SEC);
        if (to)
                timeout = to->valuedouble > WAIT_MAX_SEC ? WAIT_MAX_SEC : to->valuedouble;
        _cleanup_(job_freep) struct job *j = NULL;
        if (load_job(J, args, &j, ret))
                return 0;
        if (job_status_is_terminal(j->status) || timeout == 0) {
                *ret = wait_result(j, false, 0);
                return 0;
        }
        int r = watch_add(J, WATCH_WAIT, req, j, (uint64_t)(timeout * 1e6));
        if (r < 0)
                return r;
        /* With a progress token the client sees each change as a notification:
         * then wait for the end (or the timeout) instead of the first change. */
        J->watches->until_terminal = mcp_request_has_progress_token(req);
        return MCP_DEFERRED;
}

static int tool_cancel(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        _cleanup_(job_freep) struct job *j = NULL;
        if (load_job(J, args, &j, ret))
                return 0;
        char err[256];
        int r = jobctl_cancel(J->ctl, j->id, err, sizeof(err));
        if (r < 0 && r != -ESRCH)
                return tool_error(ret, "%s", err);
        if (r == 1 || r == -ESRCH) { /* ended already, or no supervisor (recovery's) */
                if (r == -ESRCH)
                        jobctl_recover_one(J->ctl, j->id);
                job_free(j);
                j = NULL;
                if (jobctl_load(J->ctl, arg_string(args, "job_id"), &j) < 0)
                        return tool_error(ret, "No such job");
                *ret = wait_result(j, false, 0);
                return 0;
        }
        log_info("Job %s: cancel requested by the client", j->id);
        r = watch_add(J, WATCH_CANCEL, req, j, CANCEL_WAIT_USEC);
        return r < 0 ? r : MCP_DEFERRED;
}

static int tool_retry(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        const char *id = arg_string(args, "job_id");
        char err[512];
        _cleanup_free_ char *nid = NULL;
        if (!id || jobctl_retry(J->ctl, id, &nid, err, sizeof(err)) < 0)
                return tool_error(ret, "%s", id ? err : "job_id must be a string");
        remember_own(J, nid);
        _cleanup_(job_freep) struct job *j = NULL;
        if (jobctl_load(J->ctl, nid, &j) < 0)
                return tool_error(ret, "The retry %s was submitted but cannot be read", nid);
        track(J, j);
        cJSON *sc = cJSON_CreateObject();
        cJSON_AddStringToObject(sc, "job_id", nid);
        cJSON_AddStringToObject(sc, "retry_of", id);
        cJSON_AddStringToObject(sc, "status", job_status_to_string(j->status));
        char text[256];
        snprintf(text, sizeof(text), "Job %s retries %s (%s)", nid, id,
                 job_status_to_string(j->status));
        *ret = mcp_tool_result(text, sc, false);
        return 0;
}

static int tool_list(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        struct store_filter f = {0};
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(args, "status");
        const cJSON *e;
        if (cJSON_IsString(st)) {
                int s = job_status_from_string(st->valuestring);
                if (s < 0)
                        return tool_error(ret, "Unknown status '%s'", st->valuestring);
                f.status_mask = STORE_STATUS_BIT(s);
        } else if (cJSON_IsArray(st)) {
                cJSON_ArrayForEach(e, st)
                {
                        int s = cJSON_IsString(e) ? job_status_from_string(e->valuestring) : -1;
                        if (s < 0)
                                return tool_error(ret, "status lists status names");
                        f.status_mask |= STORE_STATUS_BIT(s);
                }
        } else if (st && !cJSON_IsNull(st))
                return tool_error(ret, "status is a status name or an array of them");
        const cJSON *lim = cJSON_GetObjectItemCaseSensitive(args, "limit");
        size_t limit = LIST_DEFAULT;
        if (lim) {
                if (!cJSON_IsNumber(lim) || lim->valuedouble < 1)
                        return tool_error(ret, "limit is a number from 1 to %d", LIST_MAX);
                limit = lim->valuedouble > LIST_MAX ? LIST_MAX : (size_t)lim->valuedouble;
        }
        const char *cursor = arg_string(args, "cursor");
        struct store_list l = {0};
        /* Finished jobs as the index holds them: a page reads no record
         * of a finished job (docs/decisions/store-index.md). */
        int r = store_list_brief(J->ctl->store, &f, cursor, limit, &l);
        if (r == -EINVAL)
                return tool_error(ret,
                                  "Invalid cursor: pass next_cursor from an earlier list_jobs");
        if (r < 0)
                return r;
        cJSON *sc = cJSON_CreateObject();
        cJSON *jobs = cJSON_AddArrayToObject(sc, "jobs");
        char *text = NULL;
        size_t size = 0;
        FILE *out = open_memstream(&text, &size);
        if (out)
                fprintf(out, "%zu job(s)%s", l.n, l.next_cursor ? " (more: pass next_cursor)" : "");
        for (size_t i = 0; i < l.n; i++) {
                char line[640];
                cJSON_AddItemToArray(jobs, jobview_list_entry(l.jobs[i], line, sizeof(line)));
                if (out)
                        fprintf(out, "\n%s", line);
        }
        if (l.next_cursor)
                cJSON_AddStringToObject(sc, "next_cursor", l.next_cursor);
        else
                cJSON_AddNullToObject(sc, "next_cursor");
        store_list_done(&l);
        if (out)
                fclose(out);
        *ret = mcp_tool_result(text, sc, false);
        free(text);
        return 0;
}

static int tool_system(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        struct gov_measurements m;
        int r = J->meas ? gov_measure_read(J->meas, &m) : -ENODEV;
        if (r < 0)
                return mcp_request_errorf(req, MCP_ERR_INTERNAL, "Failed to measure the host: %s",
                                          strerror(-r));
        struct gov_status s;
        r = gov_status_collect(&m, J->ctl->state_dir, &s);
        if (r < 0)
                return mcp_request_errorf(req, MCP_ERR_INTERNAL,
                                          "Failed to read the governor ledger: %s", strerror(-r));
        cJSON *sc = gov_status_to_json(&s, J->ctl->state_dir);
        /* A Slurm store: the cluster too (docs/slurm.md). */
        cJSON *ex = sc ? executor_status_json(J->ctl->state_dir) : NULL;
        char extext[512] = "";
        if (ex) {
                executor_status_text(ex, extext, sizeof(extext));
                cJSON_AddItemToObject(sc, "executor", ex);
        }
        char text[1024];
        char a[32], b[32];
        snprintf(text, sizeof(text),
                 "memory %.1f%% used (threshold %.0f%%), %s available; cpu %s; jobs %zu running, "
                 "%zu queued (max concurrent %u, queue limit %u)%s%s%s%s",
                 s.m.memory.used_percent, s.snap.policy.memory_threshold,
                 format_bytes(a, sizeof(a), s.m.memory.available_bytes),
                 s.m.cpu.known ? (snprintf(b, sizeof(b), "%.1f%% busy", s.m.cpu.used_percent), b)
                               : "not measured yet",
                 s.snap.n_running, s.snap.n_queued, s.max_concurrent, s.snap.policy.queue_limit,
                 s.have_head ? "; head of the queue: " : "", s.have_head ? s.head.reason : "",
                 extext[0] ? "; jobs run on " : "", extext);
        gov_status_done(&s);
        if (!sc)
                return -ENOMEM;
        *ret = mcp_tool_result(text, sc, false);
        return 0;
}

/* ---- the catalog's tools --------------------------------------------------- */

static int tool_catalog(struct mcp_request *req, const cJSON *args, void *userdata, cJSON **ret)
{
        struct catalog_tool *t = userdata;
        struct mcp_jobs *J = t->owner;
        char err[512];
        /* Validated before anything runs. */
        if (schema_validate(t->input_schema, args, err, sizeof(err)) < 0)
                return tool_error(ret, "Invalid arguments for %s: %s", t->name, err);
        char id[JOBID_GENERATED_LEN + 1];
        int r = jobid_generate(id, sizeof(id));
        if (r < 0)
                return r;
        _cleanup_free_ char *job_dir = NULL;
        if (asprintf(&job_dir, "%s/tenants/%s/jobs/%s", J->ctl->state_dir,
                     store_tenant(J->ctl->store), id) < 0)
                return -ENOMEM;
        _cleanup_(job_freep) struct job *j = job_new();
        if (!j || !(j->command = catalog_expand(t, id, job_dir)))
                return -ENOMEM;
        for (size_t n = 0; t->env && t->env[n]; n++) {
                char **e = realloc(j->env, (n + 2) * sizeof(char *));
                if (!e)
                        return -ENOMEM;
                j->env = e;
                e[n] = strdup(t->env[n]);
                e[n + 1] = NULL;
        }
        j->limits = t->limits;
        if (job_set_string(&j->policy, t->policy) < 0 ||
            job_set_string(&j->result_file, t->result_file) < 0 ||
            job_set_string(&j->state_patch_field, t->state_patch_field) < 0 ||
            job_set_string(&j->state_patch_pointer, t->state_patch_pointer) < 0)
                return -ENOMEM;
        _cleanup_free_ char *input = cJSON_PrintUnformatted(args);
        if (!input)
                return -ENOMEM;
        if (submit(J, j, id, input, ret))
                return 0;
        if (mcp_request_task(req))
                return follow(J, req, j, ret);
        *ret = submitted_result(j); /* the background pattern: the id at once */
        return 0;
}

/* ---- registration, restore, lifecycle -------------------------------------- */

/* The job tools, in the order tools/list shows them; userdata is the server's
 * struct mcp_jobs. */
static const struct mcp_tool job_tools[] = {
    {
        .name = "submit_job",
        .title = "Submit a background job",
        .description = "Starts a command (argv, no shell) as a sandboxed background job with its "
                       "own memory, CPU, process and time limits, and returns its job_id at once. "
                       "Follow it with job_status, wait_job, job_logs and job_result.",
        .input_schema = SUBMIT_SCHEMA,
        .output_schema = SUBMITTED_SCHEMA,
        .annotations = ANNOT("Submit a background job", false, false, false, true),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_submit,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "run_job",
        .title = "Run a job and wait for its result",
        .description = "Runs a command like submit_job and answers when the job ends, with "
                       "job_result's content (results.json, the outcome, the end of stdout, and "
                       "of stderr on failure). Progress is sent as notifications; as a task it "
                       "returns at once and the task follows the job.",
        .input_schema = SUBMIT_SCHEMA,
        .output_schema = RESULT_SCHEMA,
        .annotations = ANNOT("Run a job", false, false, false, true),
        .task_support = MCP_TASK_OPTIONAL,
        .call = tool_run,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "job_status",
        .title = "Job status",
        .description = "A job's status, progress and outcome with its figures (exit code, signal, "
                       "OOM kills, memory limit and peak, CPU and wall time).",
        .input_schema = ID_SCHEMA,
        .output_schema = JOB_STATUS_SCHEMA,
        .annotations = ANNOT("Job status", true, false, true, false),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_status,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "job_result",
        .title = "Job result",
        .description = "A finished job's results (its results.json, parsed), its outcome, the end "
                       "of its stdout, and the end of its stderr when it did not complete.",
        .input_schema = ID_SCHEMA,
        .output_schema = RESULT_SCHEMA,
        .annotations = ANNOT("Job result", true, false, true, false),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_result,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "job_logs",
        .title = "Job output",
        .description = "A bounded slice of a job's stdout or stderr (offset/length, or the last "
                       "tail bytes), as valid UTF-8 text, readable while the job runs.",
        .input_schema = LOGS_INPUT_SCHEMA,
        .output_schema = LOGS_OUTPUT_SCHEMA,
        .annotations = ANNOT("Job output", true, false, true, false),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_logs,
    },
    {
        .name = "wait_job",
        .title = "Wait for a job",
        .description = "Waits (at most timeout seconds, default 30, at most 300) until the job "
                       "ends or its progress changes, then returns its status. With a "
                       "progressToken it sends each change as a progress notification and keeps "
                       "waiting for the end.",
        .input_schema = WAIT_INPUT_SCHEMA,
        .output_schema = WAITED_SCHEMA,
        .annotations = ANNOT("Wait for a job", true, false, true, false),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_wait,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "cancel_job",
        .title = "Cancel a job",
        .description = "Stops a queued or running job (its whole process group) and answers once "
                       "the end is recorded as cancelled (at most 10 s). A job that already ended "
                       "is left as it is.",
        .input_schema = ID_SCHEMA,
        .output_schema = WAITED_SCHEMA,
        .annotations = ANNOT("Cancel a job", false, true, true, false),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_cancel,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "retry_job",
        .title = "Retry a job",
        .description = "Submits a new job with the same request as an earlier one (retry_of "
                       "names it).",
        .input_schema = ID_SCHEMA,
        .output_schema = RETRIED_SCHEMA,
        .annotations = ANNOT("Retry a job", false, false, false, true),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_retry,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "list_jobs",
        .title = "List jobs",
        .description = "Jobs oldest first, optionally of some statuses, a page at a time "
                       "(next_cursor).",
        .input_schema = LIST_INPUT_SCHEMA,
        .output_schema = LIST_OUTPUT_SCHEMA,
        .annotations = ANNOT("List jobs", true, false, true, false),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_list,
        .meta = MCP_APP_TOOL_META,
    },
    {
        .name = "system_status",
        .title = "System status",
        .description = "The resource governor's view: host memory and CPU against the "
                       "thresholds, pressure, running and queued jobs, and why the head of the "
                       "queue waits (the JSON of `corral status --system --json`).",
        .input_schema = NO_PROPERTIES,
        .output_schema = SYSTEM_OUTPUT_SCHEMA,
        .annotations = ANNOT("System status", true, false, false, false),
        .task_support = MCP_TASK_FORBIDDEN,
        .call = tool_system,
        .meta = MCP_APP_TOOL_META,
    },
};

static int register_job_tools(struct mcp_jobs *J)
{
        for (size_t i = 0; i < ELEMENTSOF(job_tools); i++) {
                struct mcp_tool tool = job_tools[i];
                tool.userdata = J;
                int r = mcp_tool_register(J->server, &tool);
                if (r < 0)
                        return log_error_errno(r, "Failed to register the tool %s: %s", tool.name,
                                               strerror(-r));
        }
        return 0;
}

/* A catalog tool runs its command as a job (tool_catalog) and answers like
 * run_job; its input schema is the catalog's, validated before anything runs. */
static int register_catalog_tool(struct mcp_jobs *J, struct catalog_tool *t)
{
        t->owner = J;
        _cleanup_free_ char *schema = cJSON_PrintUnformatted(t->input_schema);
        if (!schema)
                return -ENOMEM;
        const struct mcp_tool tool = {
            .name = t->name,
            .title = t->title,
            .description = t->description,
            .input_schema = schema,
            .output_schema = RESULT_SCHEMA,
            .annotations = ANNOT("catalog tool", false, false, false, true),
            .task_support = MCP_TASK_OPTIONAL,
            .call = tool_catalog,
            .userdata = t,
        };
        return mcp_tool_register(J->server, &tool);
}

static int register_catalog_tools(struct mcp_jobs *J)
{
        for (size_t i = 0; J->catalog && i < J->catalog->n; i++) {
                struct catalog_tool *t = &J->catalog->tools[i];
                int r = register_catalog_tool(J, t);
                if (r < 0)
                        return log_error_errno(
                            r, "Failed to register the catalog tool '%s': %s", t->name,
                            r == -EEXIST ? "a tool of that name exists" : strerror(-r));
        }
        return 0;
}

/* Tasks are job records: those of earlier servers come back from the store. */
struct restored {
        struct job *job;
        int64_t ttl_ms;
};

static int cmp_created(const void *a, const void *b)
{
        const struct job *x = ((const struct restored *)a)->job,
                         *y = ((const struct restored *)b)->job;
        if (x->created_at != y->created_at)
                return x->created_at < y->created_at ? -1 : 1;
        return strcmp(x->id, y->id);
}

/* The task set's directory: tasks are re-created at start-up from these
 * entries, not by opening the newest thousand job directories (which cost
 * serve's start-up 2,000 openat with 100,000 finished jobs).  Created on the
 * first start of this version, from the markers of the newest jobs. */
static int open_task_set(struct mcp_jobs *J, bool *ret_fresh)
{
        int tfd = store_tenant_fd(J->ctl->store);
        *ret_fresh = mkdirat(tfd, TASK_SET_DIR, 0700) == 0;
        if (!*ret_fresh && errno != EEXIST)
                return NEG_ERRNO();
        J->tasks_fd = openat(tfd, TASK_SET_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        return J->tasks_fd < 0 ? NEG_ERRNO() : 0;
}

static void task_entry_add(struct mcp_jobs *J, const char *id)
{
        if (J->tasks_fd < 0 || !jobid_is_valid(id))
                return;
        int fd = openat(J->tasks_fd, id, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd >= 0)
                close(fd);
}

/* Ids of the task set (and, on its first use, of the newest jobs' markers). */
static int task_set_ids(struct mcp_jobs *J, bool fresh, char ***ret)
{
        if (fresh) {
                struct store_index_query q = {.limit = RESTORE_MAX_TASKS};
                char **ids = NULL;
                if (store_list_ids(J->ctl->store, &q, &ids, NULL) >= 0) {
                        for (char **id = ids; *id; id++) {
                                _cleanup_close_ int dfd = -EBADF;
                                if (store_job_open_dir(J->ctl->store, *id, &dfd) == 0 &&
                                    faccessat(dfd, TASK_MARKER, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
                                        task_entry_add(J, *id);
                        }
                        store_ids_free(ids);
                }
        }
        DIR *d;
        int dr = opendir_fd(J->tasks_fd, &d);
        if (dr < 0)
                return dr;
        size_t n = 0;
        char **ids = calloc(1, sizeof(char *));
        for (struct dirent *de; ids && (de = readdir(d));) {
                if (!jobid_is_valid(de->d_name))
                        continue;
                char **nv = realloc(ids, (n + 2) * sizeof(char *));
                if (!nv || !(nv[n] = strdup(de->d_name))) {
                        ids = nv ? nv : ids;
                        ids[n] = NULL;
                        store_ids_free(ids);
                        ids = NULL;
                        break;
                }
                ids = nv;
                ids[++n] = NULL;
        }
        closedir(d);
        if (!ids)
                return -ENOMEM;
        *ret = ids;
        return 0;
}

/* Tasks are job records: those of earlier servers come back from the store. */
static void restore_tasks(struct mcp_jobs *J)
{
        bool fresh = false;
        char **ids = NULL;
        if (open_task_set(J, &fresh) < 0 || task_set_ids(J, fresh, &ids) < 0) {
                log_warning("Tasks of earlier servers are not re-created: cannot read %s/",
                            TASK_SET_DIR);
                return;
        }
        size_t n_ids = 0;
        while (ids[n_ids])
                n_ids++;
        struct restored *jobs = calloc(n_ids + 1, sizeof(*jobs));
        uint64_t now = now_realtime_usec();
        size_t n_jobs = 0;
        for (size_t i = 0; jobs && i < n_ids; i++) {
                _cleanup_close_ int dfd = -EBADF;
                _cleanup_free_ char *marker = NULL;
                struct job *j = NULL;
                size_t len;
                int r = store_job_open_dir(J->ctl->store, ids[i], &dfd);
                if (r >= 0)
                        r = read_file_at(dfd, TASK_MARKER, 4096, &marker, &len);
                if (r >= 0)
                        r = store_job_load(J->ctl->store, ids[i], &j, NULL);
                if (r == -ENOENT) {
                        /* The job was removed (gc): so is its task. */
                        (void)unlinkat(J->tasks_fd, ids[i], 0);
                        continue;
                }
                if (r < 0)
                        continue;
                cJSON *m = cJSON_Parse(marker);
                const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(m, "ttl_ms");
                int64_t ttl_ms = cJSON_IsNumber(ttl) ? (int64_t)ttl->valuedouble : 3600000;
                cJSON_Delete(m);
                if (ttl_ms >= 0 && j->created_at + (uint64_t)ttl_ms * 1000 < now) {
                        (void)unlinkat(J->tasks_fd, ids[i], 0); /* expired */
                        job_free(j);
                        continue;
                }
                jobs[n_jobs++] = (struct restored){j, ttl_ms};
        }
        store_ids_free(ids);
        /* The newest RESTORE_MAX_TASKS, adopted oldest first. */
        size_t n = 0, first = n_jobs > RESTORE_MAX_TASKS ? n_jobs - RESTORE_MAX_TASKS : 0;
        if (n_jobs > 1)
                qsort(jobs, n_jobs, sizeof(*jobs), cmp_created);
        for (size_t i = 0; i < n_jobs; i++) {
                struct job *j = jobs[i].job;
                int64_t ttl_ms = jobs[i].ttl_ms;
                struct mcp_request *work;
                if (i < first || mcp_task_adopt(J->server, j->id, j->created_at, ttl_ms, &work) < 0)
                        goto next;
                n++;
                if (j->status == JOB_CANCELLED) {
                        char summary[512], msg[600];
                        jobview_summary(j, summary, sizeof(summary));
                        snprintf(msg, sizeof(msg), "Job %s %s", j->id, summary);
                        mcp_task_mark_cancelled(mcp_request_task(work), msg);
                }
                if (job_status_is_terminal(j->status))
                        mcp_request_complete(work, jobview_result(J->ctl, j));
                else if (watch_add(J, WATCH_RUN, work, j, 0) < 0)
                        mcp_request_fail(work, -ENOMEM, "out of memory");
        next:
                job_free(j);
        }
        free(jobs);
        if (n)
                log_info("Re-created %zu task(s) from the job store", n);
}

int mcp_jobs_new(struct loop *l, struct mcp_server *s, const struct corral_options *o,
                 const char *tools_file, struct mcp_jobs **ret)
{
        struct mcp_jobs *J = calloc(1, sizeof(*J));
        if (!J)
                return -ENOMEM;
        J->loop = l;
        J->server = s;
        J->inotify_fd = -EBADF;
        J->tasks_fd = -EBADF;
        int r = 0;
        /* The catalog first: a bad one stops serve before the store is touched. */
        if (tools_file) {
                char err[768];
                r = catalog_load(tools_file, &J->catalog, err, sizeof(err));
                if (r < 0) {
                        log_error("%s", err);
                        goto fail;
                }
        }
        r = jobctl_open(o, &J->ctl);
        if (r < 0)
                goto fail;
        J->ctl->client_jobs = true;
        r = jobctl_recover(J->ctl);
        if (r > 0)
                log_warning("%d job(s) had lost their supervisor and are recorded as lost", r);
        if (gov_measure_new(NULL, &J->meas) < 0)
                J->meas = NULL; /* system_status then says so */
        else
                gov_measure_sample(J->meas, 0);
        r = register_job_tools(J);
        if (r >= 0)
                r = register_catalog_tools(J);
        if (r < 0)
                goto fail;
        mcp_jobs_resources_register(J);
        restore_tasks(J);
        scan_store(J);
        watch_jobs_dir(J);
        J->last_scan = J->last_sample = now_monotonic_usec();
        r = loop_add_timer(l, WATCH_TICK_USEC, on_tick, J, &J->timer);
        if (r < 0) {
                log_error_errno(r, "Failed to arm the job timer: %s", strerror(-r));
                goto fail;
        }
        *ret = J;
        return 0;
fail:
        mcp_jobs_free(J);
        return r;
}

void mcp_jobs_shutdown(struct mcp_jobs *J, bool cancel)
{
        if (!J || !cancel)
                return;
        for (size_t i = 0; i < J->n_own; i++) {
                _cleanup_(job_freep) struct job *j = NULL;
                if (jobctl_load(J->ctl, J->own[i], &j) < 0 || job_status_is_terminal(j->status))
                        continue;
                char err[256];
                if (jobctl_cancel(J->ctl, j->id, err, sizeof(err)) < 0)
                        log_warning("Failed to cancel job %s on exit: %s", j->id, err);
                else
                        log_info("Job %s cancelled (--on-exit=cancel)", j->id);
        }
}

void mcp_jobs_free(struct mcp_jobs *J)
{
        if (!J)
                return;
        while (J->watches)
                watch_unlink(J->watches);
        while (J->tracked) {
                struct tracked *t = J->tracked;
                J->tracked = t->next;
                free(t->id);
                free(t->message);
                free(t);
        }
        loop_source_free(J->timer);
        loop_source_free(J->inotify_src);
        if (J->inotify_fd >= 0)
                close(J->inotify_fd);
        if (J->tasks_fd >= 0)
                close(J->tasks_fd);
        gov_measure_free(J->meas);
        for (size_t i = 0; i < J->n_own; i++)
                free(J->own[i]);
        free(J->own);
        catalog_free(J->catalog);
        jobctl_free(J->ctl);
        free(J);
}

int mcp_jobs_set_client_policies(struct mcp_jobs *J, const char *list)
{
        /* Names only, comma-separated: what a client may put in `policy`. */
        for (const char *p = list; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                      *p == '-' || (*p == ',' && p > list && p[1] && p[1] != ',')))
                        return -EINVAL;
        if (!*list)
                return -EINVAL;
        J->client_policies = list;
        return 0;
}
