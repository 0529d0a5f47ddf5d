/* tools-schema.c - the catalog's JSON Schema subset.  See tools-schema.h. */
#include "tools-schema.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* A catalog is written by the server's operator, but bound the recursion anyway. */
#define SCHEMA_MAX_DEPTH 32

static const char *const type_names[] = {"object",  "array",   "string", "number",
                                         "integer", "boolean", "null"};
static const char *const ignored_keywords[] = {"title", "description", "default", "examples",
                                               "$schema"};

static bool is_type_name(const char *s)
{
        for (size_t i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
                if (strcmp(s, type_names[i]) == 0)
                        return true;
        return false;
}

__attribute__((format(printf, 4, 5))) static int fail(char *err, size_t errlen, const char *path,
                                                      const char *fmt, ...)
{
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        snprintf(err, errlen, "%s: %s", path, msg);
        return -EINVAL;
}

static bool is_count(const cJSON *v)
{
        return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble == floor(v->valuedouble);
}

static int check(const cJSON *schema, const char *path, int depth, char *err, size_t errlen)
{
        if (depth > SCHEMA_MAX_DEPTH)
                return fail(err, errlen, path, "%s", "nested too deeply");
        if (cJSON_IsBool(schema))
                return 0;
        if (!cJSON_IsObject(schema))
                return fail(err, errlen, path, "%s", "a schema must be an object");
        const cJSON *k;
        cJSON_ArrayForEach(k, schema)
        {
                const char *name = k->string;
                char sub[512];
                bool ignored = false;
                for (size_t i = 0; i < sizeof(ignored_keywords) / sizeof(ignored_keywords[0]); i++)
                        ignored |= strcmp(name, ignored_keywords[i]) == 0;
                if (ignored)
                        continue;
                int r = 0;
                if (strcmp(name, "type") == 0) {
                        if (cJSON_IsString(k)) {
                                if (!is_type_name(k->valuestring))
                                        r = fail(err, errlen, path, "unknown type '%s'",
                                                 k->valuestring);
                        } else if (cJSON_IsArray(k)) {
                                const cJSON *t;
                                cJSON_ArrayForEach(t, k) if (!cJSON_IsString(t) ||
                                                             !is_type_name(t->valuestring)) r =
                                    fail(err, errlen, path, "%s", "type: unknown type name");
                        } else
                                r = fail(err, errlen, path, "%s", "type must be a string or array");
                } else if (strcmp(name, "properties") == 0) {
                        if (!cJSON_IsObject(k))
                                return fail(err, errlen, path, "%s",
                                            "properties must be an object");
                        const cJSON *p;
                        cJSON_ArrayForEach(p, k)
                        {
                                snprintf(sub, sizeof(sub), "%s.properties.%s", path, p->string);
                                if ((r = check(p, sub, depth + 1, err, errlen)) < 0)
                                        return r;
                        }
                } else if (strcmp(name, "required") == 0) {
                        const cJSON *t;
                        if (!cJSON_IsArray(k))
                                return fail(err, errlen, path, "%s", "required must be an array");
                        cJSON_ArrayForEach(t, k) if (!cJSON_IsString(t)) return fail(
                            err, errlen, path, "%s", "required must list strings");
                } else if (strcmp(name, "additionalProperties") == 0 ||
                           strcmp(name, "items") == 0) {
                        snprintf(sub, sizeof(sub), "%s.%s", path, name);
                        r = check(k, sub, depth + 1, err, errlen);
                } else if (strcmp(name, "enum") == 0) {
                        if (!cJSON_IsArray(k) || cJSON_GetArraySize(k) == 0)
                                r = fail(err, errlen, path, "%s", "enum must be a non-empty array");
                } else if (strcmp(name, "minimum") == 0 || strcmp(name, "maximum") == 0) {
                        if (!cJSON_IsNumber(k))
                                r = fail(err, errlen, path, "%s must be a number", name);
                } else if (strcmp(name, "minLength") == 0 || strcmp(name, "maxLength") == 0) {
                        if (!is_count(k))
                                r = fail(err, errlen, path, "%s must be a non-negative integer",
                                         name);
                } else
                        r = fail(err, errlen, path,
                                 "unsupported keyword '%s' (corral supports type, properties, "
                                 "required, additionalProperties, enum, minimum, maximum, "
                                 "minLength, maxLength, items)",
                                 name);
                if (r < 0)
                        return r;
        }
        return 0;
}

int schema_check(const cJSON *schema, char *err, size_t errlen)
{
        return check(schema, "inputSchema", 0, err, errlen);
}

static bool has_type(const cJSON *v, const char *t)
{
        if (strcmp(t, "object") == 0)
                return cJSON_IsObject(v);
        if (strcmp(t, "array") == 0)
                return cJSON_IsArray(v);
        if (strcmp(t, "string") == 0)
                return cJSON_IsString(v);
        if (strcmp(t, "number") == 0)
                return cJSON_IsNumber(v);
        if (strcmp(t, "integer") == 0)
                return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
                       isfinite(v->valuedouble);
        if (strcmp(t, "boolean") == 0)
                return cJSON_IsBool(v);
        return cJSON_IsNull(v);
}

/* Characters, not bytes: JSON Schema counts code points (input is valid UTF-8). */
static size_t utf8_length(const char *s)
{
        size_t n = 0;
        for (; *s; s++)
                n += ((unsigned char)*s & 0xc0) != 0x80;
        return n;
}

static int validate(const cJSON *schema, const cJSON *v, const char *path, char *err, size_t errlen)
{
        if (cJSON_IsBool(schema))
                return cJSON_IsTrue(schema) ? 0 : fail(err, errlen, path, "%s", "is not allowed");
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(schema, "type");
        if (cJSON_IsString(type) && !has_type(v, type->valuestring))
                return fail(err, errlen, path, "must be of type %s", type->valuestring);
        if (cJSON_IsArray(type)) {
                bool ok = false;
                const cJSON *t;
                cJSON_ArrayForEach(t, type) ok |= has_type(v, t->valuestring);
                if (!ok) {
                        char *names = cJSON_PrintUnformatted(type);
                        int r = fail(err, errlen, path, "must be one of the types %s",
                                     names ? names : "listed");
                        cJSON_free(names);
                        return r;
                }
        }
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(schema, "enum");
        if (en) {
                bool ok = false;
                const cJSON *e;
                cJSON_ArrayForEach(e, en) ok |= cJSON_Compare(e, v, true);
                if (!ok) {
                        char *names = cJSON_PrintUnformatted(en);
                        int r = fail(err, errlen, path, "must be one of %s", names ? names : "");
                        cJSON_free(names);
                        return r;
                }
        }
        char num[64];
        const cJSON *min = cJSON_GetObjectItemCaseSensitive(schema, "minimum");
        const cJSON *max = cJSON_GetObjectItemCaseSensitive(schema, "maximum");
        if (cJSON_IsNumber(v) && min && v->valuedouble < min->valuedouble) {
                snprintf(num, sizeof(num), "%.17g", min->valuedouble);
                return fail(err, errlen, path, "must be at least %s", num);
        }
        if (cJSON_IsNumber(v) && max && v->valuedouble > max->valuedouble) {
                snprintf(num, sizeof(num), "%.17g", max->valuedouble);
                return fail(err, errlen, path, "must be at most %s", num);
        }
        const cJSON *minl = cJSON_GetObjectItemCaseSensitive(schema, "minLength");
        const cJSON *maxl = cJSON_GetObjectItemCaseSensitive(schema, "maxLength");
        if (cJSON_IsString(v)) {
                double len = (double)utf8_length(v->valuestring);
                if (minl && len < minl->valuedouble) {
                        snprintf(num, sizeof(num), "%.0f", minl->valuedouble);
                        return fail(err, errlen, path, "must be at least %s characters long", num);
                }
                if (maxl && len > maxl->valuedouble) {
                        snprintf(num, sizeof(num), "%.0f", maxl->valuedouble);
                        return fail(err, errlen, path, "must be at most %s characters long", num);
                }
        }
        char sub[512];
        if (cJSON_IsObject(v)) {
                const cJSON *props = cJSON_GetObjectItemCaseSensitive(schema, "properties");
                const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required");
                const cJSON *addl =
                    cJSON_GetObjectItemCaseSensitive(schema, "additionalProperties");
                const cJSON *n;
                cJSON_ArrayForEach(n, req) if (
                    !cJSON_GetObjectItemCaseSensitive(
                        v, n->valuestring)) return fail(err, errlen, path,
                                                        "missing required member '%s'",
                                                        n->valuestring);
                const cJSON *m;
                cJSON_ArrayForEach(m, v)
                {
                        snprintf(sub, sizeof(sub), "%s.%s", path, m->string);
                        const cJSON *ps = cJSON_GetObjectItemCaseSensitive(props, m->string);
                        int r = 0;
                        if (ps)
                                r = validate(ps, m, sub, err, errlen);
                        else if (cJSON_IsFalse(addl))
                                r = fail(err, errlen, path, "unknown member '%s'", m->string);
                        else if (cJSON_IsObject(addl))
                                r = validate(addl, m, sub, err, errlen);
                        if (r < 0)
                                return r;
                }
        }
        const cJSON *items = cJSON_GetObjectItemCaseSensitive(schema, "items");
        if (cJSON_IsArray(v) && items) {
                int i = 0;
                const cJSON *e;
                cJSON_ArrayForEach(e, v)
                {
                        snprintf(sub, sizeof(sub), "%s[%d]", path, i++);
                        int r = validate(items, e, sub, err, errlen);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int schema_validate(const cJSON *schema, const cJSON *value, char *err, size_t errlen)
{
        return validate(schema, value, "arguments", err, errlen);
}
