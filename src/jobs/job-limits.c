/* limits.c - see limits.h. */
#include "job-limits.h"
#include "job.h"
#include "procfs.h"
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/sysinfo.h>

static int bad(char *err, size_t errlen, const char *name, const char *value, const char *allowed)
{
        snprintf(err, errlen, "Invalid value '%s' for %s: %s", value, name, allowed);
        return -EINVAL;
}

int limit_parse(struct job_limits *l, const char *name, const char *value, char *err, size_t errlen)
{
        char allowed[160], buf[32];
        uint64_t v;
        if (strcmp(name, "memory") == 0) {
                struct sysinfo si;
                sysinfo(&si);
                uint64_t host = (uint64_t)si.totalram * si.mem_unit;
                snprintf(allowed, sizeof(allowed),
                         "a size from 1M to the host's %s, such as 256M or 1.5G",
                         format_bytes(buf, sizeof(buf), host));
                if (parse_size(value, &v) < 0 || v < (1u << 20) || v > host)
                        return bad(err, errlen, "memory", value, allowed);
                l->memory_bytes = v;
        } else if (strcmp(name, "cpus") == 0) {
                unsigned n = proc_ncpus();
                snprintf(allowed, sizeof(allowed),
                         "a number of CPUs above 0 and at most %u (this host's cores), such as 0.5",
                         n);
                if (parse_cpus(value, &v) < 0 || v > n * 1000u)
                        return bad(err, errlen, "cpus", value, allowed);
                l->cpus_milli = v;
        } else if (strcmp(name, "pids") == 0) {
                if (parse_uint(value, 4194304, &v) < 0 || v == 0)
                        return bad(err, errlen, "pids", value, "a whole number from 1 to 4194304");
                l->pids = v;
        } else if (strcmp(name, "timeout") == 0 || strcmp(name, "kill-grace") == 0) {
                if (parse_duration(value, &v) < 0 || v < 1000)
                        return bad(err, errlen, name, value,
                                   "a duration of at least 1ms such as 30s, 500ms, 2m, 1h "
                                   "(a plain number is seconds)");
                if (name[0] == 't')
                        l->timeout_ms = v / 1000;
                else
                        l->grace_ms = v / 1000;
        } else if (strcmp(name, "log") == 0 || strcmp(name, "file-size") == 0) {
                if (parse_size(value, &v) < 0 || v < 4096)
                        return bad(err, errlen, name, value,
                                   "a size of at least 4K, such as 64M or 1G");
                if (name[0] == 'l')
                        l->log_bytes = v;
                else
                        l->file_size_bytes = v;
        } else if (strcmp(name, "open-files") == 0) {
                if (parse_uint(value, LIMIT_OPEN_FILES_MAX, &v) < 0 || v < 16)
                        return bad(err, errlen, name, value, "a whole number from 16 to 1048576");
                l->open_files = v;
        } else {
                snprintf(err, errlen,
                         "Unknown limit '%s': allowed are memory, cpus, pids, timeout, kill-grace, "
                         "log, file-size, open-files",
                         name);
                return -ENOENT;
        }
        return 0;
}

static struct job_limits site_defaults;

void limits_set_defaults(const struct job_limits *l)
{
        site_defaults = *l;
}

void limits_apply_defaults(struct job_limits *l)
{
        if (!l->memory_bytes)
                l->memory_bytes = site_defaults.memory_bytes;
        if (!l->cpus_milli)
                l->cpus_milli = site_defaults.cpus_milli;
        if (!l->pids)
                l->pids = site_defaults.pids;
        if (!l->timeout_ms)
                l->timeout_ms = site_defaults.timeout_ms;
        if (!l->grace_ms)
                l->grace_ms = site_defaults.grace_ms;
}
