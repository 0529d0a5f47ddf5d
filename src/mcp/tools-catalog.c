/* tools-catalog.c - loading `corral serve --tools FILE`.  See tools-catalog.h. */
#include "tools-catalog.h"
#include "cleanup.h"
#include "fileio.h"
#include "jobid.h"
#include "job-limits.h"
#include "tools-schema.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CATALOG_MAX_BYTES (4u << 20)

int catalog_parse_limits(const cJSON *limits, struct job_limits *l, char *err, size_t errlen)
{
        if (!limits || cJSON_IsNull(limits))
                return 0;
        if (!cJSON_IsObject(limits)) {
                snprintf(err, errlen, "limits must be an object such as {\"memory\": \"256M\"}");
                return -EINVAL;
        }
        const cJSON *v;
        cJSON_ArrayForEach(v, limits)
        {
                char text[64];
                if (cJSON_IsString(v))
                        snprintf(text, sizeof(text), "%s", v->valuestring);
                else if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && v->valuedouble >= 0)
                        /* Plain numbers are bytes / CPUs / processes / seconds, as the CLI reads
                         * them. */
                        snprintf(text, sizeof(text), "%.15g", v->valuedouble);
                else {
                        snprintf(err, errlen, "limits.%s must be a string or a non-negative number",
                                 v->string);
                        return -EINVAL;
                }
                if (strcmp(v->string, "kill-grace") == 0 || strcmp(v->string, "kill_grace") == 0) {
                        int r = limit_parse(l, "kill-grace", text, err, errlen);
                        if (r < 0)
                                return -EINVAL;
                        continue;
                }
                /* JSON keys may spell the CLI's dashes as underscores. */
                char name[32];
                snprintf(name, sizeof(name), "%s", v->string);
                for (char *c = name; *c; c++)
                        if (*c == '_')
                                *c = '-';
                int r = limit_parse(l, name, text, err, errlen);
                if (r == -ENOENT) {
                        snprintf(err, errlen,
                                 "Unknown limit '%s' (limits are memory, cpus, pids, timeout, "
                                 "kill-grace, log, file-size, open-files)",
                                 v->string);
                        return -EINVAL;
                }
                if (r < 0)
                        return -EINVAL;
        }
        return 0;
}

static char **strv_from_array(const cJSON *a)
{
        int n = cJSON_GetArraySize(a);
        char **v = calloc((size_t)n + 1, sizeof(char *));
        if (!v)
                return NULL;
        int i = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, a)
        {
                if (!(v[i++] = strdup(e->valuestring))) {
                        for (int k = 0; k < i; k++)
                                free(v[k]);
                        free(v);
                        return NULL;
                }
        }
        return v;
}

static void strv_free(char **v)
{
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

static void tool_done(struct catalog_tool *t)
{
        free(t->name);
        free(t->title);
        free(t->description);
        cJSON_Delete(t->input_schema);
        strv_free(t->command);
        strv_free(t->env);
        free(t->policy);
        free(t->result_file);
        free(t->state_patch_field);
        free(t->state_patch_pointer);
}

void catalog_free(struct catalog *c)
{
        if (!c)
                return;
        for (size_t i = 0; i < c->n; i++)
                tool_done(&c->tools[i]);
        free(c->tools);
        free(c);
}

static char *dup_opt(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
        return cJSON_IsString(v) ? strdup(v->valuestring) : NULL;
}

static int parse_tool(const cJSON *o, struct catalog_tool *t, char *err, size_t errlen)
{
        static const char *const known[] = {
            "name", "title",  "description", "inputSchema", "command",
            "env",  "limits", "policy",      "result_file", "state_patch"};
        const cJSON *k;
        cJSON_ArrayForEach(k, o)
        {
                bool ok = false;
                for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
                        ok |= strcmp(k->string, known[i]) == 0;
                if (!ok) {
                        snprintf(err, errlen, "unknown member '%s'", k->string);
                        return -EINVAL;
                }
        }
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
        const char *reason = NULL;
        if (!cJSON_IsString(name) || name_validate(name->valuestring, &reason) < 0) {
                snprintf(err, errlen, "name must be a string of A-Z a-z 0-9 _ - (1-64)");
                return -EINVAL;
        }
        t->name = strdup(name->valuestring);
        t->title = dup_opt(o, "title");
        t->description = dup_opt(o, "description");
        const cJSON *schema = cJSON_GetObjectItemCaseSensitive(o, "inputSchema");
        if (!cJSON_IsObject(schema)) {
                snprintf(err, errlen, "inputSchema must be an object");
                return -EINVAL;
        }
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
        if (!cJSON_IsString(type) || strcmp(type->valuestring, "object") != 0) {
                snprintf(err, errlen, "inputSchema must have \"type\": \"object\"");
                return -EINVAL;
        }
        int r = schema_check(schema, err, errlen);
        if (r < 0)
                return r;
        t->input_schema = cJSON_Duplicate(schema, true);
        const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "command");
        bool cmd_ok = cJSON_IsArray(cmd) && cJSON_GetArraySize(cmd) > 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, cmd) cmd_ok &= cJSON_IsString(e) && *e->valuestring;
        if (!cmd_ok) {
                snprintf(err, errlen,
                         "command must be a non-empty array of non-empty strings "
                         "(argv; no shell unless you name one)");
                return -EINVAL;
        }
        t->command = strv_from_array(cmd);
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(o, "env");
        if (env) {
                if (!cJSON_IsObject(env)) {
                        snprintf(err, errlen, "env must be an object of strings");
                        return -EINVAL;
                }
                size_t n = 0;
                t->env = calloc((size_t)cJSON_GetArraySize(env) + 1, sizeof(char *));
                if (!t->env)
                        return -ENOMEM;
                cJSON_ArrayForEach(e, env)
                {
                        if (!cJSON_IsString(e) || !*e->string || strchr(e->string, '=')) {
                                snprintf(err, errlen,
                                         "env.%s must be a string (and the name "
                                         "non-empty without '=')",
                                         e->string);
                                return -EINVAL;
                        }
                        if (asprintf(&t->env[n++], "%s=%s", e->string, e->valuestring) < 0)
                                return -ENOMEM;
                }
        }
        char lerr[256];
        r = catalog_parse_limits(cJSON_GetObjectItemCaseSensitive(o, "limits"), &t->limits, lerr,
                                 sizeof(lerr));
        if (r < 0) {
                snprintf(err, errlen, "%s", lerr);
                return r;
        }
        t->policy = dup_opt(o, "policy");
        t->result_file = dup_opt(o, "result_file");
        if (t->result_file && job_result_file_validate(t->result_file) < 0) {
                snprintf(err, errlen, "result_file '%s' is not a valid file name", t->result_file);
                return -EINVAL;
        }
        char *patch = dup_opt(o, "state_patch");
        if (patch) {
                char *colon = strchr(patch, ':');
                if (colon) {
                        t->state_patch_pointer = strdup(colon + 1);
                        *colon = 0;
                }
                t->state_patch_field = patch;
                if (name_validate(patch, &reason) < 0) {
                        snprintf(err, errlen, "state_patch field '%s': %s", patch, reason);
                        return -EINVAL;
                }
        }
        return 0;
}

int catalog_load(const char *path, struct catalog **ret, char *err, size_t errlen)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(AT_FDCWD, path, CATALOG_MAX_BYTES, &text, &len);
        if (r < 0) {
                snprintf(err, errlen, "Cannot read the tool catalog '%s': %s", path, strerror(-r));
                return r;
        }
        cJSON *doc = cJSON_ParseWithLength(text, len);
        const cJSON *tools = cJSON_GetObjectItemCaseSensitive(doc, "tools");
        if (!cJSON_IsArray(tools)) {
                snprintf(err, errlen,
                         "The tool catalog '%s' must be a JSON object with a "
                         "\"tools\" array",
                         path);
                cJSON_Delete(doc);
                return -EINVAL;
        }
        struct catalog *c = calloc(1, sizeof(*c));
        size_t n = (size_t)cJSON_GetArraySize(tools);
        if (!c || !(c->tools = calloc(n ? n : 1, sizeof(*c->tools)))) {
                free(c);
                cJSON_Delete(doc);
                return -ENOMEM;
        }
        const cJSON *o;
        r = 0;
        cJSON_ArrayForEach(o, tools)
        {
                char terr[384];
                struct catalog_tool *t = &c->tools[c->n++];
                r = cJSON_IsObject(o) ? parse_tool(o, t, terr, sizeof(terr)) : -EINVAL;
                if (!cJSON_IsObject(o))
                        snprintf(terr, sizeof(terr), "not an object");
                if (r < 0) {
                        snprintf(err, errlen, "The tool catalog '%s', tool %zu: %s", path, c->n,
                                 terr);
                        break;
                }
                for (size_t i = 0; i + 1 < c->n; i++)
                        if (strcmp(c->tools[i].name, t->name) == 0) {
                                snprintf(err, errlen, "The tool catalog '%s' names '%s' twice",
                                         path, t->name);
                                r = -EINVAL;
                        }
                if (r < 0)
                        break;
        }
        cJSON_Delete(doc);
        if (r < 0) {
                catalog_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

static int append(char **buf, size_t *len, const char *s, size_t n)
{
        char *nb = realloc(*buf, *len + n + 1);
        if (!nb)
                return -ENOMEM;
        memcpy(nb + *len, s, n);
        *len += n;
        nb[*len] = 0;
        *buf = nb;
        return 0;
}

char **catalog_expand(const struct catalog_tool *t, const char *job_id, const char *job_dir)
{
        size_t n = 0;
        while (t->command[n])
                n++;
        char **v = calloc(n + 1, sizeof(char *));
        if (!v)
                return NULL;
        char input[4200];
        snprintf(input, sizeof(input), "%s/work/input.json", job_dir);
        const char *names[] = {"{job_id}", "{job_dir}", "{input}"};
        const char *values[] = {job_id, job_dir, input};
        for (size_t i = 0; i < n; i++) {
                char *out = NULL;
                size_t len = 0;
                const char *p = t->command[i];
                int r = append(&out, &len, "", 0);
                while (r >= 0 && *p) {
                        size_t k = 0;
                        for (; k < 3; k++)
                                if (strncmp(p, names[k], strlen(names[k])) == 0)
                                        break;
                        if (k < 3) {
                                r = append(&out, &len, values[k], strlen(values[k]));
                                p += strlen(names[k]);
                        } else
                                r = append(&out, &len, p++, 1);
                }
                if (r < 0) {
                        free(out);
                        strv_free(v);
                        return NULL;
                }
                v[i] = out;
        }
        return v;
}
