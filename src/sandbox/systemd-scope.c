/* systemd-scope.c - see systemd-scope.h.
 *
 * The request is the one systemd-run --user --scope makes: StartTransientUnit
 * (name, "fail", properties, no auxiliary units) with PIDs=[us] and
 * Delegate=yes, then a wait for the start job's JobRemoved signal.  The
 * signal match is installed before the call, and matched by unit name, so a
 * job that finishes before the call returns is not missed.
 */
#include "systemd-scope.h"
#include "cleanup.h"
#include "fileio.h"
#include "sdbus-load.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The manager answers in milliseconds; a scope start is one cgroup move.
 * A stuck manager must not hang corral's start-up forever. */
#define SCOPE_TIMEOUT_USEC (10 * 1000 * 1000ULL)

static const char *const failure_names[] = {
    [SCOPE_NO_BUS] = "no user bus (no systemd user manager for this user)",
    [SCOPE_NO_MANAGER] = "the user bus has no systemd manager (org.freedesktop.systemd1)",
    [SCOPE_REFUSED] = "the systemd user manager refused the scope",
    [SCOPE_JOB_FAILED] = "the scope's start job failed",
    [SCOPE_NOT_MOVED] = "the scope started but corral is not in it",
};

const char *scope_failure_to_string(enum scope_failure f)
{
        return (size_t)f < ELEMENTSOF(failure_names) ? failure_names[f] : "unknown";
}

/* libsystemd, loaded by systemd_scope_enter (sdbus-load.h). */
static const struct sdbus *sd;

struct job_wait {
        const char *unit;
        char result[64]; /* empty until JobRemoved for our unit arrived */
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
        (void)error;
        struct job_wait *w = userdata;
        uint32_t id;
        const char *path, *unit, *result;
        if (sd->message_read(m, "uoss", &id, &path, &unit, &result) < 0)
                return 0;
        if (strcmp(unit, w->unit) == 0)
                snprintf(w->result, sizeof(w->result), "%s", result);
        return 0;
}

static int append_properties(sd_bus_message *m, const char *unit)
{
        int r = sd->message_open_container(m, 'a', "(sv)");
        if (r < 0)
                return r;
        char desc[128];
        snprintf(desc, sizeof(desc), "corral job groups (%s)", unit);
        r = sd->message_append(m, "(sv)", "Description", "s", desc);
        if (r >= 0)
                /* The subtree is ours: corral creates its job groups below it. */
                r = sd->message_append(m, "(sv)", "Delegate", "b", 1);
        if (r >= 0)
                r = sd->message_append(m, "(sv)", "PIDs", "au", 1, (uint32_t)getpid());
        if (r >= 0)
                /* A scope whose processes all exited is gone, failed or not: no
                 * unit left behind for the user to reset. */
                r = sd->message_append(m, "(sv)", "CollectMode", "s", "inactive-or-failed");
        if (r < 0)
                return r;
        return sd->message_close_container(m);
}

static uint64_t now_usec(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

/* True when /proc/self/cgroup's unified line ends in "/<unit>". */
static bool in_scope(const char *unit)
{
        _cleanup_free_ char *buf = NULL;
        if (read_file("/proc/self/cgroup", 1 << 16, &buf, NULL) < 0)
                return false;
        for (char *line = buf; line && *line;) {
                char *nl = strchr(line, '\n');
                if (nl)
                        *nl = 0;
                if (strncmp(line, "0::", 3) == 0) {
                        const char *slash = strrchr(line, '/');
                        return slash && strcmp(slash + 1, unit) == 0;
                }
                line = nl ? nl + 1 : NULL;
        }
        return false;
}

int systemd_scope_enter(const char *prefix, char **ret_unit, enum scope_failure *ret_failure,
                        char *detail, size_t detail_len)
{
        _cleanup_(sdbus_bus_closep) sd_bus *bus = NULL;
        _cleanup_(sdbus_slot_unrefp) sd_bus_slot *slot = NULL;
        _cleanup_(sdbus_message_unrefp) sd_bus_message *m = NULL;
        _cleanup_(sdbus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sdbus_error_freep) sd_bus_error error = SD_BUS_ERROR_NULL;
        if (detail_len)
                detail[0] = 0;
        char why[256];
        sd = sdbus_load(why, sizeof(why));
        if (!sd) {
                *ret_failure = SCOPE_NO_BUS;
                snprintf(detail, detail_len, "%s", why);
                return -ELIBACC;
        }

        _cleanup_free_ char *unit = NULL;
        if (asprintf(&unit, "%s-%d.scope", prefix, (int)getpid()) < 0)
                return -ENOMEM;
        struct job_wait w = {.unit = unit};

        int r = sd->open_user(&bus);
        if (r < 0) {
                *ret_failure = SCOPE_NO_BUS;
                snprintf(detail, detail_len, "%s", strerror(-r));
                return r;
        }
        r = sd->match_signal(bus, &slot, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                             "org.freedesktop.systemd1.Manager", "JobRemoved", on_job_removed, &w);
        if (r < 0) {
                *ret_failure = SCOPE_NO_BUS;
                snprintf(detail, detail_len, "%s", strerror(-r));
                return r;
        }
        r = sd->message_new_method_call(bus, &m, "org.freedesktop.systemd1",
                                        "/org/freedesktop/systemd1",
                                        "org.freedesktop.systemd1.Manager", "StartTransientUnit");
        if (r >= 0)
                r = sd->message_append(m, "ss", unit, "fail");
        if (r >= 0)
                r = append_properties(m, unit);
        if (r >= 0)
                r = sd->message_append(m, "a(sa(sv))", 0);
        if (r < 0)
                return r;
        r = sd->call(bus, m, SCOPE_TIMEOUT_USEC, &error, &reply);
        if (r < 0) {
                bool absent = sd->error_has_names_sentinel(&error, SD_BUS_ERROR_SERVICE_UNKNOWN,
                                                           SD_BUS_ERROR_NAME_HAS_NO_OWNER, NULL);
                *ret_failure = absent ? SCOPE_NO_MANAGER : SCOPE_REFUSED;
                snprintf(detail, detail_len, "%s: %s", error.name ? error.name : "error",
                         error.message ? error.message : strerror(-r));
                return r;
        }

        uint64_t deadline = now_usec() + SCOPE_TIMEOUT_USEC;
        while (!w.result[0]) {
                r = sd->process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                uint64_t now = now_usec();
                if (now >= deadline) {
                        *ret_failure = SCOPE_JOB_FAILED;
                        snprintf(detail, detail_len, "no answer within %llu s",
                                 SCOPE_TIMEOUT_USEC / 1000000ULL);
                        return -ETIMEDOUT;
                }
                r = sd->wait(bus, deadline - now);
                if (r < 0)
                        return r;
        }
        if (strcmp(w.result, "done") != 0) {
                *ret_failure = SCOPE_JOB_FAILED;
                snprintf(detail, detail_len, "job result '%s'", w.result);
                return -EIO;
        }
        if (!in_scope(unit)) {
                *ret_failure = SCOPE_NOT_MOVED;
                snprintf(detail, detail_len, "/proc/self/cgroup does not name %s", unit);
                return -ESRCH;
        }
        *ret_unit = TAKE_PTR(unit);
        return 0;
}
