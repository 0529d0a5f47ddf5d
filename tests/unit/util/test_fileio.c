/* Unit tests for fileio.c: the size limit of read_file_at (a file of exactly
 * max bytes is read, one byte more is -EFBIG, whatever max is), files /proc
 * reports as empty, mkdir_p, and rewrites that keep their inodes
 * (WRITE_REUSE).  Everything happens in a private temporary
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

static void read_back(int dirfd, const char *name, const char *want)
{
        char *text = NULL;
        size_t len = 0;
        assert_int_equal(read_file_at(dirfd, name, 1 << 16, &text, &len), 0);
        assert_int_equal(len, strlen(want));
        assert_memory_equal(text, want, len);
        free(text);
}

static ino_t inode_of(int dirfd, const char *name)
{
        struct stat st;
        assert_int_equal(fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW), 0);
        return st.st_ino;
}

/* A series of rewrites trades two inodes: after the first two writes no
 * inode is made or freed, each write is read back whole (a shorter one too:
 * the spare is emptied first), a reader that opened the file before a
 * rewrite still reads the whole old version, and done removes the spare. */
static void reuse_keeps_two_inodes(void **state)
{
        struct tmp *t = *state;
        const unsigned f = WRITE_SYNC_FILE | WRITE_REUSE;
        assert_int_equal(write_file_replace_at(t->fd, "u.json", "first, longer text", 18, 0600, f),
                         0);
        read_back(t->fd, "u.json", "first, longer text");
        assert_int_equal(write_file_replace_at(t->fd, "u.json", "second", 6, 0600, f), 0);
        read_back(t->fd, "u.json", "second");
        ino_t a = inode_of(t->fd, "u.json"), b = inode_of(t->fd, ".u.json.next");
        assert_true(a != b);
        /* The spare holds the previous version, whole. */
        read_back(t->fd, ".u.json.next", "first, longer text");

        int before = openat(t->fd, "u.json", O_RDONLY | O_CLOEXEC);
        assert_true(before >= 0);
        assert_int_equal(write_file_replace_at(t->fd, "u.json", "third", 5, 0600, f), 0);
        read_back(t->fd, "u.json", "third");
        assert_true(inode_of(t->fd, "u.json") == b);
        assert_true(inode_of(t->fd, ".u.json.next") == a);
        char buf[32] = {0};
        assert_int_equal(read(before, buf, sizeof(buf)), 6);
        assert_string_equal(buf, "second");
        close(before);

        assert_int_equal(write_file_replace_at(t->fd, "u.json", "fourth", 6, 0600, f), 0);
        assert_true(inode_of(t->fd, "u.json") == a);
        /* The final write as every other atomic one, then the spare goes. */
        assert_int_equal(write_file_replace_at(t->fd, "u.json", "final", 5, 0600,
                                               WRITE_SYNC_FILE | WRITE_SYNC_DIR),
                         0);
        write_file_reuse_done(t->fd, "u.json");
        read_back(t->fd, "u.json", "final");
        assert_int_equal(faccessat(t->fd, ".u.json.next", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        /* A symlink in the spare's place is refused, not followed. */
        assert_int_equal(symlinkat("u.json", t->fd, ".u.json.next"), 0);
        assert_int_equal(write_file_replace_at(t->fd, "u.json", "x", 1, 0600, f), -ELOOP);
        read_back(t->fd, "u.json", "final");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(limit_is_max_bytes, setup, teardown),
            cmocka_unit_test_setup_teardown(empty_and_proc, setup, teardown),
            cmocka_unit_test_setup_teardown(mkdir_p_modes, setup, teardown),
            cmocka_unit_test_setup_teardown(reuse_keeps_two_inodes, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
