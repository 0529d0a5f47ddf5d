/* storeexpose.c - see storeexpose.h. */
#include "storeexpose.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void strv_free_local(char **v)
{
        for (char **p = v; p && *p; p++)
                free(*p);
        free(v);
}

static int strv_push(char ***v, const char *s)
{
        size_t n = 0;
        while (*v && (*v)[n])
                n++;
        char **nv = realloc(*v, (n + 2) * sizeof(char *));
        if (!nv)
                return -ENOMEM;
        *v = nv;
        if (!(nv[n] = strdup(s)))
                return -ENOMEM;
        nv[n + 1] = NULL;
        return 0;
}

int store_expose_path_ok(const char *p)
{
        if (!p || p[0] != '/' || strlen(p) >= 4096)
                return 0;
        for (const char *c = p + 1; *c;) {
                const char *end = strchr(c, '/');
                size_t n = end ? (size_t)(end - c) : strlen(c);
                if (n == 0 && end)
                        return 0; /* "//" */
                if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
                        return 0;
                c = end ? end + 1 : c + n;
        }
        return 1;
}

/* path equals dir or lies below it (dir without a trailing slash, or "/"). */
static bool within(const char *path, const char *dir)
{
        size_t n = strlen(dir);
        while (n > 1 && dir[n - 1] == '/')
                n--;
        if (n == 1 && dir[0] == '/')
                return true;
        return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == 0);
}

void store_expose_done(struct store_expose *s)
{
        strv_free_local(s->allow);
        strv_free_local(s->always);
        s->allow = s->always = NULL;
}

int store_expose_load(const char *state_dir, struct store_expose *ret, char *err, size_t errlen)
{
        struct store_expose s = {0};
        _cleanup_free_ char *path = NULL, *buf = NULL;
        if (asprintf(&path, "%s/expose.conf", state_dir) < 0)
                return -ENOMEM;
        int r = read_file(path, 1 << 20, &buf, NULL);
        if (r == -ENOENT) {
                *ret = s;
                return 0;
        }
        if (r < 0)
                return r;
        int lineno = 0;
        char *save = NULL;
        for (char *line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                lineno++;
                while (*line == ' ' || *line == '\t')
                        line++;
                if (*line == '#' || *line == 0)
                        continue;
                char *sp = strpbrk(line, " \t");
                char *value = sp;
                if (sp) {
                        *sp = 0;
                        value = sp + 1;
                        while (*value == ' ' || *value == '\t')
                                value++;
                        size_t n = strlen(value);
                        while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
                                value[--n] = 0;
                }
                char ***into = strcmp(line, "allow") == 0    ? &s.allow
                               : strcmp(line, "always") == 0 ? &s.always
                                                             : NULL;
                if (!into || !value || !store_expose_path_ok(value)) {
                        snprintf(err, errlen,
                                 "expose.conf:%d: expected \"allow PATH\" or \"always PATH\" with "
                                 "an absolute path without . or .. components",
                                 lineno);
                        store_expose_done(&s);
                        return -EINVAL;
                }
                r = strv_push(into, value);
                if (r < 0) {
                        store_expose_done(&s);
                        return r;
                }
        }
        *ret = s;
        return 0;
}

int store_expose_apply(const struct store_expose *s, char ***expose, char *err, size_t errlen)
{
        for (char **p = *expose; p && *p; p++) {
                if (!store_expose_path_ok(*p)) {
                        snprintf(err, errlen,
                                 "Invalid expose path '%s': an absolute path without . or .. "
                                 "components is needed",
                                 *p);
                        return -EINVAL;
                }
                bool ok = false;
                for (char **a = s->allow; a && *a && !ok; a++)
                        ok = within(*p, *a);
                if (!ok) {
                        snprintf(err, errlen,
                                 "expose '%s' is not allowed by this store: its operator lists "
                                 "what jobs may see in expose.conf (\"allow PATH\")%s",
                                 *p, s->allow ? "" : "; it allows nothing");
                        return -EINVAL;
                }
                if (access(*p, F_OK) < 0) {
                        snprintf(err, errlen, "expose '%s': %s", *p, strerror(errno));
                        return -EINVAL;
                }
        }
        for (char **a = s->always; a && *a; a++) {
                bool have = false;
                for (char **p = *expose; p && *p && !have; p++)
                        have = strcmp(*p, *a) == 0;
                if (!have && access(*a, F_OK) == 0) {
                        int r = strv_push(expose, *a);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}
