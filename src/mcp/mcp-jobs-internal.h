/* mcp-jobs-internal.h - what the src/mcp-jobs*.c modules share; the public
 * interface is corral/mcp-jobs.h. */
#pragma once

#include "jobctl.h"
#include "loop.h"
#include "mcp-jobs.h"
#include "mcp.h"
#include "tools-catalog.h"

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

struct gov_measure;

enum watch_kind {
        WATCH_WAIT,   /* wait_job: returns at a change, or at the end with a token */
        WATCH_RUN,    /* run_job, catalog tools as tasks, adopted tasks: the end */
        WATCH_CANCEL, /* cancel_job: until the supervisor recorded the end */
};

struct watch {
        struct mcp_jobs *jobs;
        enum watch_kind kind;
        struct mcp_request *req;
        char *job_id;
        uint64_t deadline; /* monotonic usec; 0: none */
        bool until_terminal;
        uint64_t started;
        enum job_status last_status;
        double last_percent;
        char *last_message;
        struct watch *next;
};

struct tracked {
        char *id;
        enum job_status status;
        double percent;
        char *message;
        int64_t out_size, err_size;
        struct tracked *next;
};

struct mcp_jobs {
        struct loop *loop;
        struct mcp_server *server;
        struct jobctl *ctl;
        struct loop_source *timer;
        int inotify_fd; /* on jobs/: new jobs, whoever submitted them */
        int tasks_fd;   /* tenants/<t>/mcp-tasks/: one entry per job that is a task */
        struct loop_source *inotify_src;
        struct gov_measure *meas;
        uint64_t last_sample, last_scan;
        struct watch *watches;
        struct tracked *tracked;
        char **own; /* ids of the jobs this server submitted */
        size_t n_own;
        struct catalog *catalog;
        const char *client_policies; /* "default,strict": what clients may choose; NULL: any */
};

/* mcp-jobs-view.c: how a job reads, as structuredContent and as text. */
void jobview_summary(const struct job *j, char *buf, size_t len);
cJSON *jobview_status(const struct job *j);
/* One list_jobs entry: its structuredContent object, and its text line
 * ("ID  summary") in line. */
cJSON *jobview_list_entry(const struct job *j, char *line, size_t len);
char *jobview_status_text(const struct job *j);
/* The content of job_result / run_job: results, outcome, stderr tail. */
/* Adds "usage": the job's usage series (usage.json), or null before it ran. */
void jobview_add_usage(struct jobctl *c, const struct job *j, cJSON *o);
cJSON *jobview_result(struct jobctl *c, const struct job *j);
cJSON *jobview_progress(const struct job *j);
/* A CallToolResult whose first text block is text's first line, the rest a second block. */
cJSON *jobview_tool_result(const char *text, cJSON *structured, bool is_error);

/* mcp-jobs-resources.c */
void mcp_jobs_resources_register(struct mcp_jobs *J);
void mcp_jobs_resource_changed(struct mcp_jobs *J, const char *id, const char *kind);

/* mcp-metrics-resource.c: corral://metrics, the text of `corral metrics`
 * (Prometheus format) from the server's sampling measurements. */
#define MCP_METRICS_URI "corral://metrics"
void mcp_metrics_resource_add(cJSON *list);
int mcp_metrics_resource_read(struct mcp_jobs *J, struct mcp_request *req, cJSON **ret);
