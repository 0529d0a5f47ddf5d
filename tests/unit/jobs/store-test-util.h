/* Helpers shared by the store unit tests: a private temporary directory that is
 * removed afterwards whatever happens, and small job builders. */
#pragma once

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "job.h"

static int test_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static inline int test_rm_rf(const char *dir)
{
        return nftw(dir, test_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static inline struct job *test_job(const char *arg)
{
        struct job *j = job_new();
        j->command = calloc(3, sizeof(char *));
        j->command[0] = strdup("/bin/echo");
        j->command[1] = strdup(arg ? arg : "hello");
        return j;
}

static inline int test_write_at(int dirfd, const char *name, const char *text)
{
        int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -1;
        ssize_t n = write(fd, text, strlen(text));
        close(fd);
        return n == (ssize_t)strlen(text) ? 0 : -1;
}
