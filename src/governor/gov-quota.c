/* gov-quota.c - see gov-quota.h. */
#include "gov-quota.h"
#include "units.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct gov_tenant_quota *find(const struct gov_policy *p, const char *tenant)
{
        for (size_t i = 0; i < p->n_tenant_quotas; i++)
                if (strcmp(p->tenant_quotas[i].tenant, tenant) == 0)
                        return &p->tenant_quotas[i];
        return NULL;
}

struct gov_quota gov_quota_for(const struct gov_policy *p, const char *tenant)
{
        struct gov_quota q = {p->tenant_max_concurrent, p->tenant_max_queued, p->tenant_max_memory};
        const struct gov_tenant_quota *t = find(p, tenant);
        if (t) {
                if (t->set & GOV_SET_TENANT_MAX_CONCURRENT)
                        q.max_concurrent = t->max_concurrent;
                if (t->set & GOV_SET_TENANT_MAX_QUEUED)
                        q.max_queued = t->max_queued;
                if (t->set & GOV_SET_TENANT_MAX_MEMORY)
                        q.max_memory = t->max_memory;
        }
        return q;
}

/* printf-checked, so its callers' formats are checked (clang's
 * -Wformat-nonliteral refuses the vsnprintf below otherwise). */
__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static struct gov_tenant_quota *slot(struct gov_policy *p, const char *tenant)
{
        struct gov_tenant_quota *t = (struct gov_tenant_quota *)find(p, tenant);
        if (t || p->n_tenant_quotas >= GOV_TENANT_QUOTAS_MAX)
                return t;
        t = &p->tenant_quotas[p->n_tenant_quotas++];
        *t = (struct gov_tenant_quota){0};
        snprintf(t->tenant, sizeof(t->tenant), "%s", tenant);
        return t;
}

static int parse_count(const char *s, unsigned long max, unsigned *ret)
{
        char *end;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || end == s || *end || s[0] == '-' || v == 0 || v > max)
                return -EINVAL;
        *ret = (unsigned)v;
        return 0;
}

int gov_quota_apply(struct gov_policy *p, const char *key, const char *value, char *err,
                    size_t errlen)
{
        if (strncmp(key, "tenant.", 7) != 0)
                return 0;
        const char *name = key + 7, *dot = strrchr(name, '.');
        char tenant[GOV_ID_MAX + 1];
        size_t n = dot ? (size_t)(dot - name) : 0;
        if (!dot || n == 0 || n > GOV_ID_MAX)
                return fail(err, errlen,
                            "%s: expected tenant.NAME.max-concurrent, "
                            "tenant.NAME.max-queued or tenant.NAME.max-memory",
                            key);
        memcpy(tenant, name, n);
        tenant[n] = 0;
        if (!gov_valid_id(tenant))
                return fail(err, errlen, "%s: '%s' is not a tenant name", key, tenant);
        const char *what = dot + 1;
        if (!value || !*value)
                return fail(err, errlen, "%s needs a value", key);
        unsigned u = 0;
        uint64_t bytes = 0;
        unsigned bit;
        if (strcmp(what, "max-concurrent") == 0) {
                bit = GOV_SET_TENANT_MAX_CONCURRENT;
                if (parse_count(value, 100000, &u) < 0)
                        return fail(err, errlen, "%s: '%s' is not a number from 1 to 100000", key,
                                    value);
        } else if (strcmp(what, "max-queued") == 0) {
                bit = GOV_SET_TENANT_MAX_QUEUED;
                if (parse_count(value, 1000000, &u) < 0)
                        return fail(err, errlen, "%s: '%s' is not a number from 1 to 1000000", key,
                                    value);
        } else if (strcmp(what, "max-memory") == 0) {
                bit = GOV_SET_TENANT_MAX_MEMORY;
                if (parse_size(value, &bytes) < 0)
                        return fail(err, errlen, "%s: '%s' is not a size such as 4G or 512M", key,
                                    value);
        } else
                return fail(err, errlen,
                            "%s: '%s' is not max-concurrent, max-queued or "
                            "max-memory",
                            key, what);
        struct gov_tenant_quota *t = slot(p, tenant);
        if (!t)
                return fail(err, errlen, "%s: quotas for at most %d tenants", key,
                            GOV_TENANT_QUOTAS_MAX);
        if (bit == GOV_SET_TENANT_MAX_CONCURRENT)
                t->max_concurrent = u;
        else if (bit == GOV_SET_TENANT_MAX_QUEUED)
                t->max_queued = u;
        else
                t->max_memory = bytes;
        t->set |= bit;
        return 1;
}

void gov_quota_format(const struct gov_policy *p, FILE *f)
{
        for (size_t i = 0; i < p->n_tenant_quotas; i++) {
                const struct gov_tenant_quota *t = &p->tenant_quotas[i];
                if (t->set & GOV_SET_TENANT_MAX_CONCURRENT)
                        fprintf(f, "tenant.%s.max-concurrent = %u\n", t->tenant, t->max_concurrent);
                if (t->set & GOV_SET_TENANT_MAX_QUEUED)
                        fprintf(f, "tenant.%s.max-queued = %u\n", t->tenant, t->max_queued);
                if (t->set & GOV_SET_TENANT_MAX_MEMORY)
                        fprintf(f, "tenant.%s.max-memory = %llu\n", t->tenant,
                                (unsigned long long)t->max_memory);
        }
}

void gov_quota_merge(struct gov_policy *dst, const struct gov_policy *src)
{
        for (size_t i = 0; i < src->n_tenant_quotas; i++) {
                const struct gov_tenant_quota *s = &src->tenant_quotas[i];
                struct gov_tenant_quota *d = slot(dst, s->tenant);
                if (!d)
                        return;
                if (s->set & GOV_SET_TENANT_MAX_CONCURRENT)
                        d->max_concurrent = s->max_concurrent;
                if (s->set & GOV_SET_TENANT_MAX_QUEUED)
                        d->max_queued = s->max_queued;
                if (s->set & GOV_SET_TENANT_MAX_MEMORY)
                        d->max_memory = s->max_memory;
                d->set |= s->set;
        }
}
