/* config.c - "key = value" lines (see config.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void trim(const char **s, const char **e)
{
        while (*s < *e && isspace((unsigned char)**s))
                (*s)++;
        while (*e > *s && isspace((unsigned char)(*e)[-1]))
                (*e)--;
}

void config_entries_free(struct config_entry *e, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(e[i].key);
                free(e[i].value);
        }
        free(e);
}

static int add(struct config_entry **v, size_t *n, const char *k, size_t klen, const char *val,
               size_t vlen, unsigned line)
{
        struct config_entry *nv = realloc(*v, (*n + 1) * sizeof(**v));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        nv[*n] = (struct config_entry){strndup(k, klen), strndup(val, vlen), line};
        if (!nv[*n].key || !nv[*n].value) {
                free(nv[*n].key);
                free(nv[*n].value);
                return -ENOMEM;
        }
        (*n)++;
        return 0;
}

int config_parse(const char *text, size_t len, struct config_entry **ret, size_t *ret_n, char *err,
                 size_t errlen)
{
        if (memchr(text, 0, len)) {
                snprintf(err, errlen, "the file holds a NUL byte: it is not text");
                return -EINVAL;
        }
        struct config_entry *v = NULL;
        size_t n = 0;
        unsigned line = 0;
        for (const char *p = text, *end = text + len; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *s = p, *e = nl ? nl : end;
                p = nl ? nl + 1 : end;
                line++;
                trim(&s, &e);
                if (s == e || *s == '#')
                        continue;
                const char *eq = memchr(s, '=', (size_t)(e - s));
                const char *ks = s, *ke = eq ? eq : e, *vs = eq ? eq + 1 : e, *ve = e;
                trim(&ks, &ke);
                trim(&vs, &ve);
                const char *why = NULL;
                if (!eq)
                        why = "expected 'key = value'";
                else if (ks == ke)
                        why = "no key before '='";
                else if (vs == ve)
                        why = "no value after '=' (delete the line to use the default)";
                for (const char *k = ks; !why && k < ke; k++)
                        if (!(islower((unsigned char)*k) || isdigit((unsigned char)*k) ||
                              *k == '-'))
                                why = "a key is lower-case letters, digits and '-'";
                for (size_t i = 0; !why && i < n; i++)
                        if (strlen(v[i].key) == (size_t)(ke - ks) &&
                            memcmp(v[i].key, ks, (size_t)(ke - ks)) == 0) {
                                snprintf(err, errlen, "%u: '%s' was already set on line %u", line,
                                         v[i].key, v[i].line);
                                config_entries_free(v, n);
                                return -EINVAL;
                        }
                if (why) {
                        snprintf(err, errlen, "%u: %s", line, why);
                        config_entries_free(v, n);
                        return -EINVAL;
                }
                int r = add(&v, &n, ks, (size_t)(ke - ks), vs, (size_t)(ve - vs), line);
                if (r < 0) {
                        config_entries_free(v, n);
                        return r;
                }
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
