/* daemon-proto.c - see daemon-proto.h.
 *
 * Threat: this parser reads what any local user sends to a root process.  It
 * takes a bounded payload (the server never reads more than
 * DAEMON_PAYLOAD_MAX), uses cJSON's case-sensitive lookups, refuses every
 * shape it does not expect, and checks arguments against the options the
 * daemon must set itself.  tests/fuzz/fuzz_daemon_request.c fuzzes it.
 */
#include "daemon-proto.h"
#include "cleanup.h"
#include "names.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const allowed_commands[] = {
    "submit", "status", "list", "logs", "wait", "cancel", "retry", "gc", "serve",
};

bool daemon_command_allowed(const char *command)
{
        for (size_t i = 0; i < sizeof(allowed_commands) / sizeof(allowed_commands[0]); i++)
                if (strcmp(command, allowed_commands[i]) == 0)
                        return true;
        return false;
}

static bool one_of(const char *command, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(command, *list) == 0)
                        return true;
        return false;
}

bool daemon_command_reads_only(const char *command)
{
        static const char *const reads[] = {"status", "list", "logs", "wait", "serve", NULL};
        return one_of(command, reads);
}

bool daemon_command_repeatable(const char *command)
{
        static const char *const repeatable[] = {"status", "list", "wait", NULL};
        return one_of(command, repeatable);
}

/* The global options of src/cli/main.c: the daemon sets these itself.  main
 * takes them (exact, or "--flag=value") anywhere before "--". */
static const char *const daemon_globals[] = {
    "--state-dir", "--cgroup-parent", "--policy-dir", "--tenant", "--socket",
};

static bool is_global_option(const char *a)
{
        for (size_t i = 0; i < sizeof(daemon_globals) / sizeof(daemon_globals[0]); i++) {
                size_t n = strlen(daemon_globals[i]);
                if (strncmp(a, daemon_globals[i], n) == 0 && (a[n] == 0 || a[n] == '='))
                        return true;
        }
        return false;
}

bool daemon_env_allowed(const char *entry)
{
        static const char *const names[] = {"LANG", "LANGUAGE", "TZ", "TERM"};
        const char *eq = strchr(entry, '=');
        if (!eq || eq == entry)
                return false;
        size_t n = (size_t)(eq - entry);
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (strlen(names[i]) == n && strncmp(entry, names[i], n) == 0)
                        return true;
        if (n > 3 && strncmp(entry, "LC_", 3) == 0) {
                for (size_t i = 3; i < n; i++)
                        if (!((entry[i] >= 'A' && entry[i] <= 'Z') || entry[i] == '_'))
                                return false;
                return true;
        }
        return false;
}

void daemon_request_free(struct daemon_request *r)
{
        if (!r)
                return;
        for (size_t i = 0; r->argv && r->argv[i]; i++)
                free(r->argv[i]);
        free(r->argv);
        for (size_t i = 0; r->env && r->env[i]; i++)
                free(r->env[i]);
        free(r->env);
        free(r->tenant);
        free(r);
}

static void cjson_deletep(cJSON **j)
{
        if (*j)
                cJSON_Delete(*j);
}

static void request_freep(struct daemon_request **r)
{
        daemon_request_free(*r);
}

void daemon_header_format(uint8_t *hdr, uint32_t len)
{
        memcpy(hdr, DAEMON_MAGIC, 4);
        hdr[4] = (uint8_t)len;
        hdr[5] = (uint8_t)(len >> 8);
        hdr[6] = (uint8_t)(len >> 16);
        hdr[7] = (uint8_t)(len >> 24);
}

int daemon_header_parse(const uint8_t *hdr, uint32_t *ret_len)
{
        if (memcmp(hdr, DAEMON_MAGIC, 4) != 0)
                return -EBADMSG;
        uint32_t len = (uint32_t)hdr[4] | (uint32_t)hdr[5] << 8 | (uint32_t)hdr[6] << 16 |
                       (uint32_t)hdr[7] << 24;
        if (len == 0 || len > DAEMON_PAYLOAD_MAX)
                return -EMSGSIZE;
        *ret_len = len;
        return 0;
}

/* A JSON array of strings into a NULL-terminated vector of at most max. */
static int strv_from_json(const cJSON *a, size_t max, char ***ret, size_t *ret_n)
{
        if (!cJSON_IsArray(a))
                return -EINVAL;
        size_t n = (size_t)cJSON_GetArraySize(a);
        if (n > max)
                return -E2BIG;
        char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return -ENOMEM;
        size_t i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, a)
        {
                if (!cJSON_IsString(e) || !(v[i] = strdup(e->valuestring))) {
                        int r = cJSON_IsString(e) ? -ENOMEM : -EINVAL;
                        for (size_t k = 0; k < i; k++)
                                free(v[k]);
                        free(v);
                        return r;
                }
                i++;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

/* Options before "--" that would make the root daemon read a file the client
 * names: serve's --tools (getopt takes any unique prefix, so "--t..."), and a
 * seccomp policy given as a path. */
static const char *names_a_file(const struct daemon_request *r, size_t i)
{
        const char *a = r->argv[i];
        if (strcmp(r->argv[0], "serve") == 0 && strncmp(a, "--t", 3) == 0)
                return "serve --tools FILE";
        if (strcmp(r->argv[0], "status") == 0 && strcmp(a, "--root") == 0)
                return "status --root (measurements are the daemon's host)";
        if (strcmp(a, "--policy") == 0 && i + 1 < r->argc && strchr(r->argv[i + 1], '/'))
                return "--policy with a path (name a policy of the daemon's policy directory)";
        if (strncmp(a, "--policy=", 9) == 0 && strchr(a, '/'))
                return "--policy with a path (name a policy of the daemon's policy directory)";
        return NULL;
}

static int check_request(const struct daemon_request *r, char *err, size_t errlen)
{
        if (r->argc == 0) {
                snprintf(err, errlen, "the request names no command");
                return -EINVAL;
        }
        if (!daemon_command_allowed(r->argv[0])) {
                snprintf(err, errlen,
                         "'%.64s' cannot run through the daemon: allowed are submit, status, "
                         "list, logs, wait, cancel, retry, gc and serve",
                         r->argv[0]);
                return -EINVAL;
        }
        for (size_t i = 1; i < r->argc; i++) {
                const char *a = r->argv[i];
                if (strcmp(a, "--") == 0)
                        break;
                if (is_global_option(a)) {
                        snprintf(err, errlen,
                                 "%.64s cannot be used through the daemon: it sets the state "
                                 "directory, cgroup parent and policy directory, and the tenant "
                                 "comes from your identity",
                                 a);
                        return -EINVAL;
                }
                const char *what = names_a_file(r, i);
                if (what) {
                        snprintf(err, errlen, "%s cannot be used through the daemon", what);
                        return -EINVAL;
                }
        }
        for (size_t i = 0; r->env && r->env[i]; i++)
                if (!daemon_env_allowed(r->env[i])) {
                        snprintf(err, errlen,
                                 "environment entry '%.64s' is not forwarded: allowed are LANG, "
                                 "LANGUAGE, LC_*, TZ and TERM",
                                 r->env[i]);
                        return -EINVAL;
                }
        static const struct name_rules tenant_rules = {.extra = "_-", .max = DAEMON_TENANT_MAX};
        if (r->tenant) {
                if (!name_ok(r->tenant, &tenant_rules)) {
                        snprintf(err, errlen,
                                 "invalid tenant name: allowed are 1-64 characters of A-Z a-z "
                                 "0-9 _ -");
                        return -EINVAL;
                }
        }
        return 0;
}

int daemon_request_parse(const char *payload, size_t len, struct daemon_request **ret, char *err,
                         size_t errlen)
{
        if (len > DAEMON_PAYLOAD_MAX) {
                snprintf(err, errlen, "request larger than %u bytes", DAEMON_PAYLOAD_MAX);
                return -EINVAL;
        }
        _cleanup_(cjson_deletep) cJSON *root = cJSON_ParseWithLength(payload, len);
        if (!root || !cJSON_IsObject(root)) {
                snprintf(err, errlen, "the request is not a JSON object");
                return -EINVAL;
        }
        _cleanup_(request_freep) struct daemon_request *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        const cJSON *argv = cJSON_GetObjectItemCaseSensitive(root, "argv");
        int k = strv_from_json(argv, DAEMON_ARGV_MAX, &r->argv, &r->argc);
        if (k == -ENOMEM)
                return k;
        if (k < 0) {
                snprintf(err, errlen, "\"argv\" must be an array of at most %d strings",
                         DAEMON_ARGV_MAX);
                return -EINVAL;
        }
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(root, "env");
        if (env) {
                size_t n;
                k = strv_from_json(env, DAEMON_ENV_MAX, &r->env, &n);
                if (k == -ENOMEM)
                        return k;
                if (k < 0) {
                        snprintf(err, errlen, "\"env\" must be an array of at most %d strings",
                                 DAEMON_ENV_MAX);
                        return -EINVAL;
                }
        }
        const cJSON *tenant = cJSON_GetObjectItemCaseSensitive(root, "tenant");
        if (tenant && !cJSON_IsNull(tenant)) {
                if (!cJSON_IsString(tenant)) {
                        snprintf(err, errlen, "\"tenant\" must be a string");
                        return -EINVAL;
                }
                if (!(r->tenant = strdup(tenant->valuestring)))
                        return -ENOMEM;
        }
        k = check_request(r, err, errlen);
        if (k < 0)
                return k;
        *ret = TAKE_PTR(r);
        return 0;
}

static int print_unformatted(cJSON *root, char **ret, size_t *ret_len)
{
        char *s = cJSON_PrintUnformatted(root);
        if (!s)
                return -ENOMEM;
        size_t n = strlen(s);
        if (n > DAEMON_PAYLOAD_MAX) {
                free(s);
                return -E2BIG;
        }
        *ret = s;
        *ret_len = n;
        return 0;
}

int daemon_request_format(char *const *argv, char *const *env, const char *tenant, char **ret,
                          size_t *ret_len)
{
        _cleanup_(cjson_deletep) cJSON *root = cJSON_CreateObject();
        cJSON *a = cJSON_AddArrayToObject(root, "argv");
        cJSON *e = cJSON_AddArrayToObject(root, "env");
        if (!a || !e)
                return -ENOMEM;
        for (size_t i = 0; argv[i]; i++) {
                cJSON *s = cJSON_CreateString(argv[i]);
                if (!s || !cJSON_AddItemToArray(a, s))
                        return -ENOMEM;
        }
        for (size_t i = 0; env && env[i]; i++) {
                cJSON *s = cJSON_CreateString(env[i]);
                if (!s || !cJSON_AddItemToArray(e, s))
                        return -ENOMEM;
        }
        if (tenant && !cJSON_AddStringToObject(root, "tenant", tenant))
                return -ENOMEM;
        return print_unformatted(root, ret, ret_len);
}

int daemon_reply_format(int exit_status, const char *error, char **ret, size_t *ret_len)
{
        _cleanup_(cjson_deletep) cJSON *root = cJSON_CreateObject();
        if (!root || !cJSON_AddNumberToObject(root, "exit", exit_status))
                return -ENOMEM;
        if (error && !cJSON_AddStringToObject(root, "error", error))
                return -ENOMEM;
        return print_unformatted(root, ret, ret_len);
}

int daemon_reply_parse(const char *payload, size_t len, int *ret_exit, char **ret_error)
{
        _cleanup_(cjson_deletep) cJSON *root = cJSON_ParseWithLength(payload, len);
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, "exit");
        if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > 255)
                return -EBADMSG;
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
        char *error = NULL;
        if (cJSON_IsString(e) && !(error = strdup(e->valuestring)))
                return -ENOMEM;
        *ret_exit = (int)x->valuedouble;
        *ret_error = error;
        return 0;
}
