/* storelimits.c - see storelimits.h. */
#include "storelimits.h"
#include "cleanup.h"
#include "fileio.h"
#include "job.h"
#include "job-limits.h"
#include "netpolicy.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIMITS_CONF_MAX (64u << 10)

static char *trim(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                *--e = 0;
        return s;
}

/* One "key = value" line into s. */
static int parse_line(char *line, unsigned n, struct store_limits *s, char *err, size_t errlen)
{
        char *hash = strchr(line, '#');
        if (hash)
                *hash = 0;
        char *eq = strchr(line, '=');
        char *key = trim(line);
        if (!*key)
                return 0;
        if (!eq) {
                snprintf(err, errlen, "limits.conf:%u: expected key = value", n);
                return -EINVAL;
        }
        *eq = 0;
        key = trim(key);
        const char *val = trim(eq + 1);
        static const struct {
                const char *key;
                size_t offset;
                bool count;
        } keys[] = {
            {"log", offsetof(struct store_limits, log), false},
            {"log-max", offsetof(struct store_limits, log_max), false},
            {"file-size", offsetof(struct store_limits, file_size), false},
            {"file-size-max", offsetof(struct store_limits, file_size_max), false},
            {"open-files", offsetof(struct store_limits, open_files), true},
            {"open-files-max", offsetof(struct store_limits, open_files_max), true},
        };
        if (strcmp(key, "network") == 0 || strcmp(key, "network-max") == 0) {
                char *dst = key[7] ? s->network_max : s->network;
                char why[512];
                _cleanup_free_ struct net_policy *p = calloc(1, sizeof(*p));
                if (!p)
                        return -ENOMEM;
                if (net_policy_parse(val, p, why, sizeof(why)) < 0) {
                        snprintf(err, errlen, "limits.conf:%u: invalid value for %s: %s", n, key,
                                 why);
                        return -EINVAL;
                }
                if (net_policy_format(p, dst, sizeof(s->network)) >= (int)sizeof(s->network)) {
                        snprintf(err, errlen, "limits.conf:%u: %s: the list is too long", n, key);
                        return -EINVAL;
                }
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                if (strcmp(key, keys[i].key) != 0)
                        continue;
                uint64_t v;
                int r =
                    keys[i].count ? parse_uint(val, LIMIT_OPEN_FILES_MAX, &v) : parse_size(val, &v);
                if (r < 0 || v == 0) {
                        snprintf(err, errlen, "limits.conf:%u: invalid value for %s: %s", n,
                                 keys[i].key,
                                 keys[i].count ? "a whole number from 1 to 1048576"
                                               : "a size such as 64M or 1G");
                        return -EINVAL;
                }
                *(uint64_t *)((char *)s + keys[i].offset) = v;
                return 0;
        }
        snprintf(err, errlen,
                 "limits.conf:%u: unknown key (allowed: log, log-max, file-size, file-size-max, "
                 "open-files, open-files-max, network, network-max)",
                 n);
        return -EINVAL;
}

int store_limits_load(const char *state_dir, struct store_limits *ret, char *err, size_t errlen)
{
        struct store_limits s = {.log = LIMIT_LOG_DEFAULT, .open_files = LIMIT_OPEN_FILES_DEFAULT};
        char path[4096];
        snprintf(path, sizeof(path), "%s/limits.conf", state_dir);
        _cleanup_free_ char *text = NULL;
        int r = read_file(path, LIMITS_CONF_MAX, &text, NULL);
        if (r == -ENOENT) {
                *ret = s;
                return 0;
        }
        if (r < 0) {
                snprintf(err, errlen, "Failed to read '%s': %s", path, strerror(-r));
                return r;
        }
        unsigned n = 0;
        for (char *line = text, *next; line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = 0;
                r = parse_line(line, ++n, &s, err, errlen);
                if (r < 0)
                        return r;
        }
        *ret = s;
        return 0;
}

static int check(const char *name, uint64_t *v, uint64_t def, uint64_t max, bool bytes, char *err,
                 size_t errlen)
{
        /* A default above the operator's ceiling (the built-in one, say) is
         * the ceiling: only what a job asks for is refused. */
        if (!*v)
                *v = max && def > max ? max : def;
        if (max && *v > max) {
                char a[32], b[32];
                if (bytes)
                        snprintf(err, errlen,
                                 "Invalid value '%s' for %s: at most %s (this store's %s-max, "
                                 "limits.conf)",
                                 format_bytes(a, sizeof(a), *v), name,
                                 format_bytes(b, sizeof(b), max), name);
                else
                        snprintf(err, errlen,
                                 "Invalid value '%llu' for %s: at most %llu (this store's "
                                 "%s-max, limits.conf)",
                                 (unsigned long long)*v, name, (unsigned long long)max, name);
                return -EINVAL;
        }
        return 0;
}

int store_limits_apply(const struct store_limits *s, struct job_limits *l, char *err, size_t errlen)
{
        int r = check("log", &l->log_bytes, s->log, s->log_max, true, err, errlen);
        if (r >= 0)
                r = check("file-size", &l->file_size_bytes, s->file_size, s->file_size_max, true,
                          err, errlen);
        if (r >= 0)
                r = check("open-files", &l->open_files, s->open_files, s->open_files_max, false,
                          err, errlen);
        return r;
}

int store_limits_apply_network(const struct store_limits *s, char **network, bool client, char *err,
                               size_t errlen)
{
        _cleanup_free_ struct net_policy *asked = calloc(1, sizeof(*asked));
        _cleanup_free_ struct net_policy *max = calloc(1, sizeof(*max));
        if (!asked || !max)
                return -ENOMEM;
        if (!*network) {
                const char *def = s->network[0] ? s->network : client ? "none" : "host";
                /* A default above the operator's ceiling is the ceiling: only
                 * what a job asks for is refused (as for the other limits). */
                if (s->network_max[0] && net_policy_parse(def, asked, NULL, 0) == 0 &&
                    net_policy_parse(s->network_max, max, NULL, 0) == 0 &&
                    !net_policy_within(asked, max))
                        def = s->network_max;
                if (strcmp(def, "host") != 0 && !(*network = strdup(def)))
                        return -ENOMEM;
        }
        if (!s->network_max[0])
                return 0;
        const char *text = *network ? *network : "host";
        if (net_policy_parse(text, asked, NULL, 0) < 0 ||
            net_policy_parse(s->network_max, max, NULL, 0) < 0 || !net_policy_within(asked, max)) {
                snprintf(err, errlen,
                         "Invalid value '%s' for network: more than this store allows "
                         "(network-max = %s, limits.conf)",
                         text, s->network_max);
                return -EINVAL;
        }
        return 0;
}
