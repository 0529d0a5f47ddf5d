/* mcp-jobs-resources.c - each job as MCP resources:
 *   corral://jobs/{job_id}/record   job.json (application/json)
 *   corral://jobs/{job_id}/stdout   the end of stdout.log (text/plain, valid UTF-8)
 *   corral://jobs/{job_id}/stderr   the end of stderr.log
 *   corral://jobs/{job_id}/results  the result file (application/json), once ended
 *   corral://metrics                 `corral metrics` (mcp-metrics-resource.c), first page
 * resources/list pages by jobs (the store's cursor); subscribers get
 * notifications/resources/updated when the timer in mcp-jobs.c sees a change. */
#include "mcp-app.h"
#include "mcp-jobs-internal.h"
#include "fileio.h"
#include "jobid.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define URI_PREFIX    "corral://jobs/"
#define JOBS_PER_PAGE 25
#define LOG_READ_MAX  (1024u * 1024u)

static const char *const kinds[] = {"record", "stdout", "stderr", "results"};

static void add_resource(cJSON *list, const struct job *j, const char *kind)
{
        char uri[128], name[128], desc[160];
        snprintf(uri, sizeof(uri), URI_PREFIX "%s/%s", j->id, kind);
        snprintf(name, sizeof(name), "job %s %s", j->id, kind);
        snprintf(desc, sizeof(desc), "%s of job %s (%s)",
                 strcmp(kind, "record") == 0    ? "The record (job.json)"
                 : strcmp(kind, "results") == 0 ? "The results"
                                                : kind,
                 j->id, job_status_to_string(j->status));
        cJSON *r = cJSON_CreateObject();
        cJSON_AddStringToObject(r, "uri", uri);
        cJSON_AddStringToObject(r, "name", name);
        cJSON_AddStringToObject(r, "description", desc);
        cJSON_AddStringToObject(r, "mimeType",
                                strcmp(kind, "record") == 0 || strcmp(kind, "results") == 0
                                    ? "application/json"
                                    : "text/plain");
        cJSON_AddItemToArray(list, r);
}

static int res_list(struct mcp_request *req, const char *cursor, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        struct store_list l = {0};
        int r = store_list_jobs(J->ctl->store, NULL, cursor, JOBS_PER_PAGE, &l);
        if (r == -EINVAL)
                return mcp_request_errorf(req, MCP_ERR_INVALID_PARAMS, "Invalid cursor");
        if (r < 0)
                return r;
        cJSON *res = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(res, "resources");
        if (!cursor) /* the App's page leads the first page */
                cJSON_AddItemToArray(list, mcp_app_resource());
        if (!cursor)
                mcp_metrics_resource_add(list);
        for (size_t i = 0; i < l.n; i++)
                for (size_t k = 0; k < 4; k++)
                        if (k < 3 || job_status_is_terminal(l.jobs[i]->status))
                                add_resource(list, l.jobs[i], kinds[k]);
        if (l.next_cursor)
                cJSON_AddStringToObject(res, "nextCursor", l.next_cursor);
        store_list_done(&l);
        *ret = res;
        return 0;
}

static int res_templates(struct mcp_request *req, const char *cursor, void *userdata, cJSON **ret)
{
        cJSON *res = cJSON_CreateObject();
        cJSON *list = cJSON_AddArrayToObject(res, "resourceTemplates");
        for (size_t k = 0; k < 4; k++) {
                char uri[64], name[64];
                snprintf(uri, sizeof(uri), URI_PREFIX "{job_id}/%s", kinds[k]);
                snprintf(name, sizeof(name), "job %s", kinds[k]);
                cJSON *t = cJSON_CreateObject();
                cJSON_AddStringToObject(t, "uriTemplate", uri);
                cJSON_AddStringToObject(t, "name", name);
                cJSON_AddStringToObject(t, "mimeType",
                                        k == 0 || k == 3 ? "application/json" : "text/plain");
                cJSON_AddItemToArray(list, t);
        }
        *ret = res;
        return 0;
}

static int not_found(struct mcp_request *req, const char *uri)
{
        return mcp_request_errorf(req, MCP_ERR_RESOURCE_NOT_FOUND, "Resource not found: %s", uri);
}

static int read_tail(int dfd, const char *name, char **ret)
{
        _cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                *ret = strdup("");
                return *ret ? 0 : -ENOMEM;
        }
        size_t want = (uint64_t)st.st_size > LOG_READ_MAX ? LOG_READ_MAX : (size_t)st.st_size;
        _cleanup_free_ char *buf = malloc(want + 1);
        if (!buf)
                return -ENOMEM;
        ssize_t n = pread(fd, buf, want, st.st_size - (off_t)want);
        return progress_sanitize_text(buf, n > 0 ? (size_t)n : 0, LOG_READ_MAX * 3, true, false,
                                      ret);
}

static int res_read(struct mcp_request *req, const char *uri, void *userdata, cJSON **ret)
{
        struct mcp_jobs *J = userdata;
        if (mcp_app_is_uri(uri)) {
                *ret = mcp_app_read();
                return 0;
        }
        if (strcmp(uri, MCP_METRICS_URI) == 0)
                return mcp_metrics_resource_read(J, req, ret);
        if (strncmp(uri, URI_PREFIX, strlen(URI_PREFIX)) != 0)
                return not_found(req, uri);
        const char *id_start = uri + strlen(URI_PREFIX);
        const char *slash = strchr(id_start, '/');
        if (!slash || (size_t)(slash - id_start) > JOBID_MAX)
                return not_found(req, uri);
        char id[JOBID_MAX + 1];
        snprintf(id, sizeof(id), "%.*s", (int)(slash - id_start), id_start);
        const char *kind = slash + 1;
        _cleanup_(job_freep) struct job *j = NULL;
        _cleanup_close_ int dfd = -EBADF;
        if (!jobid_is_valid(id) || jobctl_load(J->ctl, id, &j) < 0 ||
            store_job_open_dir(J->ctl->store, id, &dfd) < 0)
                return not_found(req, uri);
        _cleanup_free_ char *text = NULL;
        const char *mime = "application/json";
        size_t len;
        int r;
        if (strcmp(kind, "record") == 0)
                r = job_to_json(j, &text, &len);
        else if (strcmp(kind, "stdout") == 0 || strcmp(kind, "stderr") == 0) {
                char name[16];
                snprintf(name, sizeof(name), "%s.log", kind);
                mime = "text/plain";
                r = read_tail(dfd, name, &text);
        } else if (strcmp(kind, "results") == 0) {
                cJSON *doc = NULL;
                _cleanup_free_ char *err = NULL;
                if (!job_status_is_terminal(j->status) ||
                    store_result_read_at(dfd, j, 0, &doc, &err) < 0)
                        return not_found(req, uri);
                text = cJSON_PrintUnformatted(doc);
                cJSON_Delete(doc);
                r = text ? 0 : -ENOMEM;
        } else
                return not_found(req, uri);
        if (r < 0)
                return r;
        cJSON *res = cJSON_CreateObject();
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "uri", uri);
        cJSON_AddStringToObject(c, "mimeType", mime);
        cJSON_AddStringToObject(c, "text", text);
        cJSON_AddItemToArray(cJSON_AddArrayToObject(res, "contents"), c);
        *ret = res;
        return 0;
}

void mcp_jobs_resources_register(struct mcp_jobs *J)
{
        mcp_server_set_resources(J->server, &(struct mcp_resource_provider){
                                                .list = res_list,
                                                .templates = res_templates,
                                                .read = res_read,
                                                .userdata = J,
                                            });
}

void mcp_jobs_resource_changed(struct mcp_jobs *J, const char *id, const char *kind)
{
        char uri[128];
        snprintf(uri, sizeof(uri), URI_PREFIX "%s/%s", id, kind);
        mcp_resource_updated(J->server, uri);
}
