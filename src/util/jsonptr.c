/* jsonptr.c - RFC 6901 JSON pointer evaluation over cJSON (jsonptr.h). */
#include "jsonptr.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int jsonptr_validate(const char *ptr, size_t *ret_offset)
{
        if (!ptr)
                return -EINVAL;
        if (*ptr && *ptr != '/') {
                if (ret_offset)
                        *ret_offset = 0;
                return -EINVAL;
        }
        for (const char *p = ptr; *p; p++)
                if (*p == '~' && p[1] != '0' && p[1] != '1') {
                        if (ret_offset)
                                *ret_offset = (size_t)(p - ptr);
                        return -EINVAL;
                }
        return 0;
}

/* Decodes the reference token [start, end) into buf (~1 -> '/', ~0 -> '~'). */
static char *token_decode(const char *start, const char *end)
{
        char *buf = malloc((size_t)(end - start) + 1), *o = buf;
        if (!buf)
                return NULL;
        for (const char *p = start; p < end; p++) {
                if (*p == '~') {
                        *o++ = p[1] == '1' ? '/' : '~';
                        p++;
                } else
                        *o++ = *p;
        }
        *o = 0;
        return buf;
}

/* RFC 6901 array index: "0" or digits without a leading zero. */
static int index_parse(const char *t, size_t *ret)
{
        if (strcmp(t, "-") == 0 || !*t || (t[0] == '0' && t[1]))
                return -EDOM;
        size_t v = 0;
        for (const char *p = t; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EDOM;
                if (v > (SIZE_MAX - 9) / 10)
                        return -ERANGE;
                v = v * 10 + (size_t)(*p - '0');
        }
        *ret = v;
        return 0;
}

int jsonptr_get(const cJSON *doc, const char *ptr, const cJSON **ret, size_t *ret_offset)
{
        size_t off = 0;
        int r = jsonptr_validate(ptr, &off);
        if (r < 0 || !doc)
                goto fail;

        const cJSON *cur = doc;
        for (const char *p = ptr; *p;) {
                const char *start = p + 1, *end = strchr(start, '/');
                if (!end)
                        end = start + strlen(start);
                off = (size_t)(p - ptr);
                char *tok = token_decode(start, end);
                if (!tok)
                        return -ENOMEM;
                if (cJSON_IsObject(cur)) {
                        const cJSON *next = NULL;
                        /* Not cJSON_GetObjectItemCaseSensitive: it stops at an
                         * embedded NUL only; same semantics, explicit loop keeps
                         * the first of duplicate keys like the rest of cJSON. */
                        for (const cJSON *c = cur->child; c; c = c->next)
                                if (c->string && strcmp(c->string, tok) == 0) {
                                        next = c;
                                        break;
                                }
                        r = next ? 0 : -ENOENT;
                        cur = next;
                } else if (cJSON_IsArray(cur)) {
                        size_t idx;
                        r = index_parse(tok, &idx);
                        if (r == 0) {
                                const cJSON *c = cur->child;
                                for (size_t i = 0; c && i < idx; i++)
                                        c = c->next;
                                r = c ? 0 : -ERANGE;
                                cur = c;
                        }
                } else
                        r = -ENOTDIR;
                free(tok);
                if (r < 0)
                        goto fail;
                p = end;
        }
        *ret = cur;
        return 0;
fail:
        if (r == 0)
                r = -EINVAL;
        if (ret_offset)
                *ret_offset = off;
        return r;
}

const char *jsonptr_strerror(int r)
{
        switch (r) {
        case 0:
                return "success";
        case -EINVAL:
                return "invalid JSON pointer syntax (must be empty or start with '/'; '~' "
                       "only as ~0 or ~1)";
        case -ENOENT:
                return "no such member";
        case -ERANGE:
                return "array index past the end";
        case -EDOM:
                return "not a valid array index ('-' cannot be read; digits without a "
                       "leading zero)";
        case -ENOTDIR:
                return "cannot step into a string, number, boolean or null";
        case -ENOMEM:
                return "out of memory";
        default:
                return "JSON pointer error";
        }
}
