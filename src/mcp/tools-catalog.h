/* tools-catalog.h - the tool catalog of `corral serve --tools FILE`: named
 * tools, each a sandboxed command template run as a job.
 *
 *   {"tools": [{"name": "resize", "title": "...", "description": "...",
 *               "inputSchema": {...},            (tools-schema.h subset)
 *               "command": ["python3", "tool.py", "{input}"],
 *               "env": {"K": "V"}, "limits": {"memory": "256M", "cpus": 1,
 *               "pids": 64, "timeout": "60s"}, "policy": "default",
 *               "result_file": "results.json",
 *               "state_patch": "field" | "field:/pointer"}]}
 *
 * Placeholders in command strings: {job_id}, {job_dir} (the job's directory
 * in the store), {input} (the arguments as JSON: input.json in the job's
 * working directory; also the job's stdin).  Loaded once at start-up;
 * catalog_load logs nothing and returns -errno with the sentence in err.
 */
#pragma once

#include "job.h"

#include <stddef.h>

struct cJSON;

struct catalog_tool {
        char *name, *title, *description;
        struct cJSON *input_schema;
        char **command; /* template, NULL-terminated */
        char **env;     /* "K=V", NULL-terminated; may be NULL */
        struct job_limits limits;
        char *policy, *result_file, *state_patch_field, *state_patch_pointer;
        void *owner; /* the server's job layer */
};

struct catalog {
        struct catalog_tool *tools;
        size_t n;
};

int catalog_load(const char *path, struct catalog **ret, char *err, size_t errlen);
void catalog_free(struct catalog *c);

/* Expands the template's placeholders.  NULL-terminated argv or NULL (ENOMEM). */
char **catalog_expand(const struct catalog_tool *t, const char *job_id, const char *job_dir);

/* Parses a "limits" object (shared with submit_job): memory "256M" or bytes,
 * cpus number, pids integer, timeout "30s" or seconds.  limit_parse's rules
 * and sentences.  0 or -EINVAL with err. */
int catalog_parse_limits(const struct cJSON *limits, struct job_limits *l, char *err,
                         size_t errlen);
