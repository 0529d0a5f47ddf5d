/* gov-measure.h - what the resource governor knows about the host: memory, CPU
 * and pressure, and the limits of the cgroup corral itself runs in.
 *
 * Everything is read below a root directory that stands for "/": <root>/proc/
 * meminfo, <root>/proc/stat, <root>/proc/pressure/{memory,cpu,io},
 * <root>/proc/self/{cgroup,mountinfo} and <root>/sys/fs/cgroup/...  Production
 * passes "/"; unit tests pass a fixture tree, so the same code is tested against
 * states this machine cannot be put in on demand (91% memory, PSI high, inside
 * a limited container).
 *
 * CPU utilisation needs two samples.  The server calls gov_measure_sample() on
 * a timer (GOV_SAMPLE_INTERVAL_USEC) and the figure is the delta between the
 * newest sample and the oldest one inside the window (GOV_CPU_WINDOW_USEC).  A
 * one-shot command takes two samples GOV_ONESHOT_GAP_USEC apart.
 *
 * Every function returns >= 0 or -errno and does not log.
 */
#pragma once

#include "cleanup.h"

#include <stdbool.h>
#include <stdint.h>

#define GOV_SAMPLE_INTERVAL_USEC (1000000ull)  /* server timer: one sample a second */
#define GOV_CPU_WINDOW_USEC      (10000000ull) /* CPU figure averages the last 10 s */
#define GOV_ONESHOT_GAP_USEC     (250000ull)   /* `corral status --system` */
#define GOV_MAX_SAMPLES          16

/* Where a figure came from. */
enum gov_source {
        GOV_SOURCE_NONE,      /* not available (file absent) */
        GOV_SOURCE_HOST,      /* /proc/meminfo, /proc/stat */
        GOV_SOURCE_CGROUP_V1, /* corral's own v1 group (or an ancestor) limits capacity */
        GOV_SOURCE_CGROUP_V2, /* corral's own v2 group (or an ancestor) limits capacity */
};
const char *gov_source_to_string(enum gov_source s); /* "none", "host", "cgroup-v1", "cgroup-v2" */

enum gov_resource { GOV_PSI_MEMORY, GOV_PSI_CPU, GOV_PSI_IO, _GOV_PSI_MAX };
const char *gov_resource_to_string(enum gov_resource r); /* "memory", "cpu", "io" */

struct gov_memory {
        bool known;
        enum gov_source source;
        char source_path[256];    /* the meminfo file or the limiting group's directory */
        uint64_t total_bytes;     /* capacity: min(MemTotal, group limit) */
        uint64_t available_bytes; /* total - used; never more than the host has */
        uint64_t used_bytes;
        double used_percent;
        uint64_t host_total_bytes; /* MemTotal and MemAvailable, always from meminfo */
        uint64_t host_available_bytes;
};

struct gov_cpu {
        bool known; /* false until two samples exist */
        enum gov_source source;
        char source_path[256]; /* "/proc/stat" or the limiting group's directory */
        double used_percent;   /* of capacity, over the window */
        double cores;          /* capacity: min(online CPUs, group quota/period) */
        unsigned host_cores;   /* cpuN lines in /proc/stat */
        double host_used_percent;
        bool host_known;
        uint64_t window_usec; /* time between the two samples used */
};

struct gov_pressure {
        bool known; /* false when /proc/pressure/<resource> is absent (no PSI) */
        double some_avg10;
        bool full_known; /* kernels before 5.13 have no "full" line for cpu */
        double full_avg10;
};

struct gov_measurements {
        struct gov_memory memory;
        struct gov_cpu cpu;
        struct gov_pressure pressure[_GOV_PSI_MAX];
};

struct gov_measure;

/* root NULL means "/".  Opens the root and finds corral's own cgroups (v1 memory
 * and cpu groups from <root>/proc/self/cgroup and the mountinfo, or the v2
 * group) once; -ENOENT when root does not exist. */
int gov_measure_new(const char *root, struct gov_measure **ret);
void gov_measure_free(struct gov_measure *m);
DEFINE_FREE_FUNC(struct gov_measure, gov_measure_free)

/* Records one CPU sample (host /proc/stat counters, and the limiting group's
 * CPU usage when a CPU limit applies) at the monotonic time now_usec (0: now).
 * Old samples beyond the window are dropped. */
int gov_measure_sample(struct gov_measure *m, uint64_t now_usec);

/* Reads memory and pressure now and computes CPU from the samples held.  Missing
 * pieces are reported as not known; only an unreadable meminfo is an error. */
int gov_measure_read(struct gov_measure *m, struct gov_measurements *ret);

/* For a one-shot command: samples, sleeps gap_usec, samples again, reads. */
int gov_measure_oneshot(struct gov_measure *m, uint64_t gap_usec, struct gov_measurements *ret);
