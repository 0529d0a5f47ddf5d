/* mcp-metrics-resource.c - corral://metrics: the store's and the host's
 * figures in the Prometheus text format, the same text `corral metrics`
 * prints (src/jobs/metrics.c), for MCP clients that watch a server's load.
 * The CPU figure is the server's sliding window (gov-measure.h). */
#include "gov-measure.h"
#include "mcp-jobs-internal.h"
#include "metrics.h"

#include <errno.h>
#include <stdlib.h>

void mcp_metrics_resource_add(cJSON *list)
{
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "uri", MCP_METRICS_URI);
        cJSON_AddStringToObject(r, "name", "metrics");
        cJSON_AddStringToObject(r, "description",
                                "corral's metrics in the Prometheus text format: jobs by status "
                                "and tenant, queue, admissions and refusals, OOM kills, seccomp "
                                "violations, memory and CPU in use and reserved, host pressure");
        cJSON_AddStringToObject(r, "mimeType", "text/plain");
        cJSON_AddItemToArray(list, r);
}

int mcp_metrics_resource_read(struct mcp_jobs *J, struct mcp_request *req, cJSON **ret)
{
        struct gov_measurements m;
        int r = J->meas ? gov_measure_read(J->meas, &m) : -ENODEV;
        if (r < 0)
                return mcp_request_errorf(req, MCP_ERR_INTERNAL,
                                          "Cannot measure the host for the metrics");
        char *text = NULL;
        size_t len;
        r = metrics_render(J->ctl->state_dir, &m, &text, &len);
        if (r < 0)
                return r;
        cJSON *res = cJSON_CreateObject();
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "uri", MCP_METRICS_URI);
        cJSON_AddStringToObject(c, "mimeType", "text/plain");
        cJSON_AddStringToObject(c, "text", text);
        free(text);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "contents"), c);
        *ret = res;
        return 0;
}
