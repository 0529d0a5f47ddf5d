/* fileio.h - small file helpers shared by every module.
 *
 * All return >= 0 on success or -errno; none log.  Every fd is O_CLOEXEC.
 */
#pragma once

#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads fd from its offset to the end (at most max bytes; -EFBIG past that,
 * and at once for a regular file whose size says so) into a NUL-terminated
 * buffer the caller frees.  The one read loop: every whole-file read uses it. */
int read_full_fd(int fd, size_t max, char **ret, size_t *ret_len);

/* Opens path (in dirfd, which may be AT_FDCWD) and reads it with read_full_fd. */
int read_file_at(int dirfd, const char *path, size_t max, char **ret, size_t *ret_len);
static inline int read_file(const char *path, size_t max, char **ret, size_t *ret_len)
{
        return read_file_at(-100 /* AT_FDCWD */, path, max, ret, ret_len);
}

/* Opens a file that someone else (a job) may control, read-only: never
 * through a symlink (O_NOFOLLOW), never blocking on a FIFO (O_NONBLOCK), and
 * only a regular file.  Returns the fd, or -EBADFD for a link, FIFO or device,
 * or another -errno; *ret_st (optional) gets its stat. */
struct stat;
int open_regular_at(int dirfd, const char *name, struct stat *ret_st);

/* The same rule for a file corral will WRITE where someone else (a job) may
 * have planted something: opened (created 0644 when missing) write-only,
 * never through a symlink, never blocking on a FIFO, and only a regular file
 * with a single link (a hard link to another file would let the job choose
 * what is overwritten).  Nothing is truncated: the caller does that when it
 * writes.  Returns the fd, -EBADFD for anything else, or another -errno. */
int open_regular_for_write_at(int dirfd, const char *name, struct stat *ret_st);

/* Replaces the whole content of an fd opened by open_regular_for_write_at. */
int rewrite_fd(int fd, const void *data, size_t len);

/* Reads a file holding one unsigned integer (cgroupfs style); "max" reads as UINT64_MAX. */
int read_u64_at(int dirfd, const char *path, uint64_t *ret);

/* Finds "key value" in a flat keyed file (memory.stat, cpu.stat, memory.events,
 * memory.oom_control) and parses the value.  -ENOENT when the key is absent. */
int read_keyed_u64_at(int dirfd, const char *path, const char *key, uint64_t *ret);

/* mkdir -p: creates path and every missing parent with mode (an existing
 * directory is left as it is).  -ENAMETOOLONG for a path of PATH_MAX or more,
 * before anything is created. */
int mkdir_p(const char *path, mode_t mode);

/* Writes a string to an existing file in one write(2), as cgroupfs wants. */
int write_string_at(int dirfd, const char *path, const char *s);

/* Atomic replace of the plain file name (no slash) in dirfd: writes a temporary file beside it,
 * fsyncs it, renames it over name and fsyncs the directory.  On failure the old file is untouched
 * and the temporary file removed. */
int write_file_atomic_at(int dirfd, const char *name, const void *data, size_t len, int mode);

/* The same replace with a choice of what is made durable (docs/performance.md, "fsyncs"):
 * WRITE_SYNC_FILE fsyncs the new contents before the rename (without it, a power loss may leave
 * the old file or, on a file system that does not order data before a replacing rename, an
 * empty one); WRITE_SYNC_DIR fsyncs the directory after it (without it, the old file may come
 * back).  Readers see the old or the new contents whatever the flags.
 *
 * WRITE_REUSE keeps the inodes: the new contents go into `.NAME.next`
 * (made once, emptied each time), which then trades places with name
 * (renameat2 RENAME_EXCHANGE), so a file rewritten every few seconds
 * allocates and frees no inode per rewrite (on this project's build machine,
 * an ext4 without a journal, every recently freed inode slows each later
 * allocation: docs/performance.md).  The old contents stay in `.NAME.next`
 * until the next rewrite: a reader that opened name before the exchange and
 * is still reading it then could see a partial file, so use it only for a
 * file rewritten seconds apart, and remove `.NAME.next` when done
 * (write_file_reuse_done).  With WRITE_SYNC_FILE and WRITE_SYNC_DIR a crash
 * still leaves the old or the new contents (without the directory's fsync,
 * the spare emptied by the next rewrite may still carry name on disk).
 * Where the file system cannot exchange, a plain rename. */
enum {
        WRITE_SYNC_FILE = 1u << 0,
        WRITE_SYNC_DIR = 1u << 1,
        WRITE_REUSE = 1u << 2,
};
int write_file_replace_at(int dirfd, const char *name, const void *data, size_t len, int mode,
                          unsigned flags);
/* Removes what WRITE_REUSE keeps beside name (`.NAME.next`), if anything. */
void write_file_reuse_done(int dirfd, const char *name);

/* A DIR stream over a directory fd the caller keeps open (a duplicate is
 * consumed), from its first entry: for directories held open for the life
 * of a store or server and walked now and then. */
int opendir_fd(int dirfd, DIR **ret);
