/* job-logcap.c - see job-logcap.h. */
#include "job-logcap.h"
#include "cleanup.h"
#include "job-limits.h"
#include "job.h"
#include "units.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>

uint64_t job_log_cap_bytes(const struct job_limits *l)
{
        uint64_t log = l->log_bytes ? l->log_bytes : LIMIT_LOG_DEFAULT;
        return l->file_size_bytes && l->file_size_bytes < log ? l->file_size_bytes : log;
}

bool job_log_cap_reached(int dirfd, const struct job_limits *l, char *reason, size_t len)
{
        uint64_t cap = job_log_cap_bytes(l);
        uint64_t log = l->log_bytes ? l->log_bytes : LIMIT_LOG_DEFAULT;
        static const char *const logs[] = {"stdout.log", "stderr.log"};
        for (size_t i = 0; i < ELEMENTSOF(logs); i++) {
                struct stat st;
                if (fstatat(dirfd, logs[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                    (uint64_t)st.st_size < cap)
                        continue;
                char b[32];
                snprintf(reason, len, "log cap reached: %s is at its limit of %s (limits.%s)",
                         logs[i], format_bytes(b, sizeof(b), cap), cap < log ? "file_size" : "log");
                return true;
        }
        return false;
}
