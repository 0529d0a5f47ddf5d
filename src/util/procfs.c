/* procfs.c - see procfs.h. */
#include "procfs.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* /proc/PID/stat: "pid (comm) state ppid ..."; comm may hold spaces and ')' so
 * parsing starts after the LAST ')'. Returns the state letter and field 22. */
static int read_stat(pid_t pid, char *ret_state, uint64_t *ret_starttime)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
        _cleanup_free_ char *buf = NULL;
        int r = read_file(path, 8192, &buf, NULL);
        if (r == -ENOENT)
                return -ESRCH;
        if (r < 0)
                return r;
        char *p = strrchr(buf, ')');
        if (!p || p[1] != ' ')
                return -EIO;
        p += 2;
        char state = *p;
        /* Fields after comm start at 3 (state); starttime is field 22. */
        for (int field = 3; field < 22; field++) {
                p = strchr(p, ' ');
                if (!p)
                        return -EIO;
                p++;
        }
        errno = 0;
        uint64_t st = strtoull(p, NULL, 10);
        if (errno)
                return -EIO;
        *ret_state = state;
        *ret_starttime = st;
        return 0;
}

int proc_starttime(pid_t pid, uint64_t *ret)
{
        char state;
        return read_stat(pid, &state, ret);
}

bool proc_alive(pid_t pid, uint64_t starttime)
{
        char state;
        uint64_t st;
        if (pid <= 0 || read_stat(pid, &state, &st) < 0)
                return false;
        return st == starttime && state != 'Z' && state != 'X';
}

int proc_first_child(pid_t pid, pid_t *ret)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
        _cleanup_free_ char *text = NULL;
        int r = read_file(path, 64 * 1024, &text, NULL);
        if (r < 0)
                return r;
        long child = strtol(text, NULL, 10);
        if (child <= 0)
                return -ESRCH;
        *ret = (pid_t)child;
        return 0;
}

bool proc_is_namespace_init(pid_t pid)
{
        char path[64];
        snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
        _cleanup_free_ char *text = NULL;
        if (read_file(path, 64 * 1024, &text, NULL) < 0)
                return false;
        char *line = strstr(text, "\nNSpid:");
        if (!line)
                return false;
        line += strlen("\nNSpid:");
        char *end = strchr(line, '\n');
        if (end)
                *end = 0;
        /* "NSpid:\t812\t1": its pid in each namespace, outermost first. */
        int fields = 0;
        const char *last = NULL;
        for (char *save = NULL, *t = strtok_r(line, " \t", &save); t;
             t = strtok_r(NULL, " \t", &save)) {
                fields++;
                last = t;
        }
        return fields > 1 && strcmp(last, "1") == 0;
}

unsigned proc_ncpus(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (unsigned)n : 1;
}
