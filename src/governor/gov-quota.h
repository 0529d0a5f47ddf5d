/* gov-quota.h - per-tenant quotas: running jobs, queued jobs, memory reserved.
 *
 * The defaults for every tenant are tenant-max-concurrent, tenant-max-queued
 * and tenant-max-memory; governor.conf may set a tenant's own with
 * "tenant.NAME.max-concurrent", "tenant.NAME.max-queued" and
 * "tenant.NAME.max-memory" (docs/governor.md).  Pure: no I/O.
 */
#pragma once

#include "governor.h"

#include <stdio.h>

/* The limits that hold for tenant (0 = none). */
struct gov_quota {
        unsigned max_concurrent, max_queued;
        uint64_t max_memory;
};
struct gov_quota gov_quota_for(const struct gov_policy *p, const char *tenant);

/* Applies "tenant.NAME.KEY" = value.  1 applied, 0 not such a key, -EINVAL
 * (with a sentence in err) for a bad tenant name, key or value, or more than
 * GOV_TENANT_QUOTAS_MAX tenants. */
int gov_quota_apply(struct gov_policy *p, const char *key, const char *value, char *err,
                    size_t errlen);

/* Writes the per-tenant lines of governor.conf. */
void gov_quota_format(const struct gov_policy *p, FILE *f);

/* Copies src's per-tenant quotas into dst (field by field). */
void gov_quota_merge(struct gov_policy *dst, const struct gov_policy *src);
