/* storelimits.h - the limits every background job of a store gets, set once
 * by the operator in <state-dir>/limits.conf, and the ceilings a job may not
 * ask past.
 *
 * Threat: a client (MCP, or anyone allowed to submit) asking for a log cap,
 * file size or open-files limit the operator never meant to give, or a store
 * where no job has one.  The file is the operator's: "key = value" lines,
 * '#' comments:
 *
 *   log = 256M            default cap on each log file   (built in: 1G)
 *   log-max = 1G          ceiling a job may ask for       (none)
 *   file-size = 64M       default cap on any file         (none: the log cap)
 *   file-size-max = 1G
 *   open-files = 256      default RLIMIT_NOFILE           (built in: 1024)
 *   open-files-max = 4096
 *   network = none        default network: none|host|allow:LIST (unset: host
 *                         from the CLI, none for MCP clients)
 *   network-max = allow:pypi.org:443,*.pythonhosted.org:443
 *                         the most a job may ask (unset: host)
 *
 * Applied at submit (jobctl_submit), so job.json records what the job gets.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct job_limits;

struct store_limits {
        uint64_t log, log_max; /* 0: none */
        uint64_t file_size, file_size_max;
        uint64_t open_files, open_files_max;
        /* network = none|host|allow:LIST: what a job that asks for nothing
         * gets (unset: host from the CLI, none for MCP clients);
         * network-max: the most any job may ask (unset: host).  "" = unset. */
        char network[2048], network_max[2048];
};

/* Reads <state_dir>/limits.conf; a missing file gives the built-in defaults.
 * 0, or -EINVAL with "limits.conf:LINE: ..." in err (never the line's text
 * beyond the key and value it names), or -errno. */
int store_limits_load(const char *state_dir, struct store_limits *ret, char *err, size_t errlen);

/* Fills l's unset log, file-size and open-files members from the defaults;
 * 0, or -EINVAL with a sentence naming the limit, the value asked and the
 * store's ceiling. */
int store_limits_apply(const struct store_limits *s, struct job_limits *l, char *err,
                       size_t errlen);

/* Fills *network (a job's, NULL when it asked nothing) from the store's
 * default, or with "none" for a client's job (client) when the store sets
 * none, and checks it against network-max; 0, -EINVAL with a sentence naming
 * what was asked and the ceiling, or -ENOMEM. */
int store_limits_apply_network(const struct store_limits *s, char **network, bool client, char *err,
                               size_t errlen);
