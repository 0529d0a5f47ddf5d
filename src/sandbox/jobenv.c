/* jobenv.c - see jobenv.h. */
#include "jobenv.h"
#include "cleanup.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

static bool inherited(const char *kv)
{
        static const char *const names[] = {"PATH=", "LANG=", "LANGUAGE=", "TZ=", "TERM="};
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strncmp(kv, names[i], strlen(names[i])) == 0)
                        return true;
        return strncmp(kv, "LC_", 3) == 0 && strchr(kv, '=');
}

static size_t key_len(const char *kv)
{
        const char *eq = strchr(kv, '=');
        return eq ? (size_t)(eq - kv) : strlen(kv);
}

static bool valid_entry(const char *kv)
{
        const char *eq = strchr(kv, '=');
        if (!eq || eq == kv || !(isalpha((unsigned char)kv[0]) || kv[0] == '_'))
                return false;
        for (const char *p = kv; p < eq; p++)
                if (!isalnum((unsigned char)*p) && *p != '_')
                        return false;
        return true;
}

/* Adds or replaces by key. */
static int put(char ***env, size_t *n, const char *kv)
{
        size_t k = key_len(kv);
        char *copy = strdup(kv);
        if (!copy)
                return -ENOMEM;
        for (size_t i = 0; i < *n; i++)
                if (key_len((*env)[i]) == k && strncmp((*env)[i], kv, k) == 0) {
                        free((*env)[i]);
                        (*env)[i] = copy;
                        return 0;
                }
        char **ne = realloc(*env, (*n + 2) * sizeof(char *));
        if (!ne) {
                free(copy);
                return -ENOMEM;
        }
        *env = ne;
        (*env)[(*n)++] = copy;
        (*env)[*n] = NULL;
        return 0;
}

void jobenv_free(char **env)
{
        if (!env)
                return;
        for (char **e = env; *e; e++)
                free(*e);
        free(env);
}

int jobenv_build(char *const *parent, char *const *extra, const char *home, char ***ret,
                 int *ret_bad)
{
        for (int i = 0; extra && extra[i]; i++)
                if (!valid_entry(extra[i])) {
                        if (ret_bad)
                                *ret_bad = i;
                        return -EINVAL;
                }
        char **env = calloc(1, sizeof(char *));
        size_t n = 0;
        int r = env ? put(&env, &n, "PATH=" DEFAULT_PATH) : -ENOMEM;
        for (int i = 0; r >= 0 && parent && parent[i]; i++)
                if (inherited(parent[i]))
                        r = put(&env, &n, parent[i]);
        if (r >= 0 && home) {
                char *h;
                if (asprintf(&h, "HOME=%s", home) < 0)
                        r = -ENOMEM;
                else {
                        r = put(&env, &n, h);
                        free(h);
                }
        }
        for (int i = 0; r >= 0 && extra && extra[i]; i++)
                r = put(&env, &n, extra[i]);
        if (r < 0) {
                jobenv_free(env);
                return r;
        }
        *ret = env;
        return 0;
}
