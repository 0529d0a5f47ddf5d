/* config-file.c - reads corral.conf (see config-file.h): one table of keys,
 * each checked with the same parser as its flag, so a value is accepted in the
 * file exactly when it is accepted on the command line. */
#include "config-file.h"
#include "cleanup.h"
#include "config.h"
#include "fileio.h"
#include "governor.h"
#include "job.h"
#include "job-limits.h"
#include "units.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CORRAL_CONFIG_FILE
#define CORRAL_CONFIG_FILE "/etc/corral/corral.conf"
#endif

#define CONFIG_MAX (1024u * 1024u)

enum kind { K_PATH, K_NAME, K_GOVERNOR, K_LIMIT, K_DURATION, K_SIZE, K_ON_EXIT, K_POLICIES };

static const struct key {
        const char *name;
        enum kind kind;
} keys[] = {
    {"state-dir", K_PATH},
    {"cgroup-parent", K_NAME},
    {"policy-dir", K_PATH},
    {"memory-threshold", K_GOVERNOR},
    {"cpu-threshold", K_GOVERNOR},
    {"psi-threshold", K_GOVERNOR},
    {"max-concurrent", K_GOVERNOR},
    {"queue-limit", K_GOVERNOR},
    {"tenant-max-concurrent", K_GOVERNOR},
    {"tenant-max-memory", K_GOVERNOR},
    {"default-memory", K_LIMIT},
    {"default-cpus", K_LIMIT},
    {"default-pids", K_LIMIT},
    {"default-timeout", K_LIMIT},
    {"default-kill-grace", K_LIMIT},
    {"gc-ttl", K_DURATION},
    {"gc-disk-budget", K_SIZE},
    {"serve-max-line", K_SIZE},
    {"serve-max-output-buffer", K_SIZE},
    {"serve-on-exit", K_ON_EXIT},
    {"serve-client-policies", K_POLICIES},
};

static void allowed_keys(char *buf, size_t len)
{
        size_t off = 0;
        buf[0] = 0;
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]) && off < len; i++)
                off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", keys[i].name);
}

static bool name_ok(const char *s)
{
        size_t n = strlen(s);
        if (n == 0 || n > 64)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || *s == '.' || *s == '-'))
                        return false;
        return true;
}

static int set_string(char **slot, const char *v)
{
        char *s = strdup(v);
        if (!s)
                return -ENOMEM;
        free(*slot);
        *slot = s;
        return 0;
}

/* Applies one entry; on a bad value writes what is wrong and what is allowed. */
static int apply(struct corral_config *c, struct gov_policy *gp, struct job_limits *lim,
                 const struct key *k, const char *v, char *why, size_t whylen)
{
        char flag[64];
        snprintf(flag, sizeof(flag), "--%s", k->name);
        switch (k->kind) {
        case K_PATH:
                if (v[0] != '/') {
                        snprintf(why, whylen, "%s: '%s' is not an absolute path", k->name, v);
                        return -EINVAL;
                }
                return set_string(
                    strcmp(k->name, "state-dir") == 0 ? &c->state_dir : &c->policy_dir, v);
        case K_NAME:
                if (!name_ok(v)) {
                        snprintf(why, whylen,
                                 "%s: '%s' is not a group name (1-64 of A-Z a-z 0-9 _ . -)",
                                 k->name, v);
                        return -EINVAL;
                }
                return set_string(&c->cgroup_parent, v);
        case K_GOVERNOR: {
                int r = gov_policy_parse_option(gp, flag, v, why, whylen);
                return r < 0 ? r : 0;
        }
        case K_LIMIT:
                return limit_parse(lim, k->name + strlen("default-"), v, why, whylen);
        case K_DURATION:
                if (parse_duration(v, &c->gc_ttl_usec) < 0) {
                        snprintf(why, whylen, "%s: '%s' is not a duration (such as 30s, 12h)",
                                 k->name, v);
                        return -EINVAL;
                }
                c->has_gc_ttl = true;
                return 0;
        case K_SIZE: {
                uint64_t size;
                if (parse_size(v, &size) < 0) {
                        snprintf(why, whylen, "%s: '%s' is not a size (such as 4M, 10G)", k->name,
                                 v);
                        return -EINVAL;
                }
                if (strcmp(k->name, "gc-disk-budget") == 0)
                        c->gc_disk_budget = size, c->has_gc_disk_budget = true;
                else if (strcmp(k->name, "serve-max-line") == 0)
                        c->serve_max_line = size, c->has_serve_max_line = true;
                else
                        c->serve_max_output = size, c->has_serve_max_output = true;
                return 0;
        }
        case K_ON_EXIT:
                if (strcmp(v, "keep") != 0 && strcmp(v, "cancel") != 0) {
                        snprintf(why, whylen, "%s: '%s' is not allowed (keep or cancel)", k->name,
                                 v);
                        return -EINVAL;
                }
                c->serve_on_exit = strcmp(v, "cancel") == 0;
                return 0;
        case K_POLICIES:
                /* Names only here ([a-z0-9_-], comma-separated); that each
                 * exists is checked by serve, with its flag's message. */
                for (const char *p = v; *p; p++)
                        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' ||
                              *p == '-' || *p == ',')) {
                                snprintf(why, whylen,
                                         "%s: '%s' is not a list of policy names (such as "
                                         "default,strict)",
                                         k->name, v);
                                return -EINVAL;
                        }
                return set_string(&c->serve_client_policies, v);
        }
        return -EINVAL;
}

int corral_config_load(const char *path, struct corral_config *ret, char *err, size_t errlen)
{
        *ret = (struct corral_config){.serve_on_exit = -1};
        bool explicit = true;
        if (!path || !*path)
                path = getenv("CORRAL_CONFIG");
        if (!path || !*path) {
                path = CORRAL_CONFIG_FILE;
                explicit = false;
        }
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r = read_file_at(AT_FDCWD, path, CONFIG_MAX, &text, &len);
        if (r == -ENOENT && !explicit)
                return 0; /* no file: the built-in defaults */
        if (r < 0) {
                snprintf(err, errlen, "Cannot read the configuration '%s': %s", path, strerror(-r));
                return r;
        }
        struct config_entry *e = NULL;
        size_t n = 0;
        char why[512];
        r = config_parse(text, len, &e, &n, why, sizeof(why));
        if (r < 0) {
                snprintf(err, errlen, "%s:%s", path, why);
                return r;
        }
        struct gov_policy gp;
        gov_policy_init(&gp);
        struct job_limits lim = {0};
        for (size_t i = 0; i < n && r >= 0; i++) {
                const struct key *k = NULL;
                for (size_t j = 0; j < sizeof(keys) / sizeof(keys[0]); j++)
                        if (strcmp(keys[j].name, e[i].key) == 0)
                                k = &keys[j];
                if (!k) {
                        char list[1024];
                        allowed_keys(list, sizeof(list));
                        snprintf(err, errlen, "%s:%u: unknown key '%s'; allowed: %s", path,
                                 e[i].line, e[i].key, list);
                        r = -EINVAL;
                        break;
                }
                why[0] = 0;
                r = apply(ret, &gp, &lim, k, e[i].value, why, sizeof(why));
                if (r < 0)
                        snprintf(err, errlen, "%s:%u: %s", path, e[i].line,
                                 why[0] ? why : strerror(-r));
        }
        config_entries_free(e, n);
        if (r >= 0)
                r = set_string(&ret->path, path);
        if (r < 0) {
                corral_config_done(ret);
                return r;
        }
        gov_policy_set_defaults(&gp);
        limits_set_defaults(&lim);
        return 0;
}

void corral_config_done(struct corral_config *c)
{
        free(c->path);
        free(c->state_dir);
        free(c->cgroup_parent);
        free(c->policy_dir);
        free(c->serve_client_policies);
        *c = (struct corral_config){.serve_on_exit = -1};
}

void corral_config_apply(const struct corral_config *c, struct corral_options *o)
{
        if (!o->state_dir)
                o->state_dir = c->state_dir;
        if (!o->cgroup_parent)
                o->cgroup_parent = c->cgroup_parent;
        if (!o->policy_dir)
                o->policy_dir = c->policy_dir;
        o->config = c;
        if (!o->config_path)
                o->config_path = c->path;
}
