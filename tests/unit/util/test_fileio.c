/* Unit tests for fileio.c: the size limit of read_file_at (a file of exactly
 * max bytes is read, one byte more is -EFBIG, whatever max is), files /proc
 * reports as empty, and mkdir_p.  Everything happens in a private temporary
 * directory removed afterwards. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

struct tmp {
        char dir[64];
        int fd;
};

static int setup(void **state)
{
        struct tmp *t = calloc(1, sizeof(*t));
        strcpy(t->dir, "/tmp/corral-test-fileio-XXXXXX");
        if (!mkdtemp(t->dir))
                return -1;
        t->fd = open(t->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        *state = t;
        return t->fd < 0 ? -1 : 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        return remove(path);
}

static int teardown(void **state)
{
        struct tmp *t = *state;
        close(t->fd);
        int r = nftw(t->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(t);
        return r;
}

static void write_n(int dirfd, const char *name, size_t n)
{
        char *b = malloc(n + 1);
        memset(b, 'x', n);
        assert_int_equal(write_file_atomic_at(dirfd, name, b, n, 0600), 0);
        free(b);
}

static void limit_is_max_bytes(void **state)
{
        struct tmp *t = *state;
        const size_t maxes[] = {1, 64, 4095, 4096, 4097, 10000, 1 << 16};
        for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
                size_t max = maxes[i];
                char *buf = NULL;
                size_t len = 0;
                write_n(t->fd, "f", max);
                assert_int_equal(read_file_at(t->fd, "f", max, &buf, &len), 0);
                assert_int_equal(len, max);
                assert_int_equal(strlen(buf), max);
                free(buf);
                buf = NULL;
                write_n(t->fd, "f", max + 1);
                assert_int_equal(read_file_at(t->fd, "f", max, &buf, &len), -EFBIG);
                assert_null(buf);
        }
}

static void empty_and_proc(void **state)
{
        struct tmp *t = *state;
        char *buf = NULL;
        size_t len = 1;
        write_n(t->fd, "empty", 0);
        assert_int_equal(read_file_at(t->fd, "empty", 16, &buf, &len), 0);
        assert_int_equal(len, 0);
        assert_string_equal(buf, "");
        free(buf);
        /* /proc files say size 0 and are longer than that. */
        buf = NULL;
        assert_int_equal(read_file("/proc/self/status", 1 << 16, &buf, &len), 0);
        assert_non_null(strstr(buf, "Pid:"));
        free(buf);
        buf = NULL;
        assert_int_equal(read_file("/proc/self/status", 16, &buf, &len), -EFBIG);
        assert_int_equal(read_file_at(t->fd, "missing", 16, &buf, &len), -ENOENT);
}

static void mkdir_p_modes(void **state)
{
        struct tmp *t = *state;
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/a/b/c", t->dir);
        mode_t old = umask(0);
        assert_int_equal(mkdir_p(path, 0710), 0);
        assert_int_equal(mkdir_p(path, 0700), 0); /* exists: fine, left alone */
        umask(old);
        struct stat st;
        assert_int_equal(fstatat(t->fd, "a", &st, 0), 0);
        assert_int_equal(st.st_mode & 07777, 0710);
        assert_int_equal(fstatat(t->fd, "a/b/c", &st, 0), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_int_equal(st.st_mode & 07777, 0710);
        /* A file in the way. */
        write_n(t->fd, "file", 1);
        snprintf(path, sizeof(path), "%s/file/x", t->dir);
        assert_int_equal(mkdir_p(path, 0700), -ENOTDIR);
        /* Too long: refused before anything is created. */
        char *lng = malloc(PATH_MAX + 16);
        int n = snprintf(lng, PATH_MAX + 16, "%s/long/", t->dir);
        memset(lng + n, 'y', PATH_MAX + 15 - n);
        lng[PATH_MAX + 15] = 0;
        assert_int_equal(mkdir_p(lng, 0700), -ENAMETOOLONG);
        assert_int_equal(faccessat(t->fd, "long", F_OK, 0), -1);
        free(lng);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(limit_is_max_bytes, setup, teardown),
            cmocka_unit_test_setup_teardown(empty_and_proc, setup, teardown),
            cmocka_unit_test_setup_teardown(mkdir_p_modes, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
