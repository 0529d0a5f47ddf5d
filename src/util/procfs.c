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

unsigned proc_ncpus(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        return n > 0 ? (unsigned)n : 1;
}
