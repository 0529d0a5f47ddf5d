/* store.c - the job store on disk (store.h, docs/store.md).
 *
 * Theory of operation.  Every job lives in its own directory under the
 * tenant's jobs/; the record (job.json) is replaced only atomically and only
 * by the holder of the job's flock, so concurrent corral processes sharing
 * one state directory never interleave writes, and exactly one of them adopts,
 * finishes or removes a job.  Readers never lock and never write.
 *
 * Creation builds the whole directory under a hidden staging name (".new-*")
 * and renames it to the id with RENAME_NOREPLACE: the rename is the atomic "id
 * in use" check (EEXIST), and no other process ever sees a job directory
 * without its lock file and job.json.  Removal is the reverse: under the lock,
 * rename to ".trash-*", empty, remove.  Hidden names are never valid ids, so
 * lookups and listings cannot see them; store_gc() removes ones left by a
 * crash.
 *
 * Threats considered: a client naming a job "../../x" (every name validated,
 * every open relative to a directory fd); a job planting a symlink or FIFO as
 * results.json/progress.json to make corral read /etc/shadow or block forever
 * (files opened O_NOFOLLOW|O_NONBLOCK and checked to be regular files); a
 * tenant probing for another's jobs (per-tenant directories: another tenant's
 * id is simply not there, and creation of the same id in two tenants is fine).
 */
#include "store.h"
#include "store-active.h"
#include "store-index.h"
#include "fileio.h"
#include "jobid.h"
#include "jsonptr.h"
#include "retention.h"
#include "statedir.h"
#include "units.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

struct store {
        char *tenant;
        int root_fd;
        int tenant_fd;
        int jobs_fd;
        int state_fd;
        int active_fd;
};

/* ---- small helpers ---------------------------------------------------------- */

int store_default_dir(char **ret)
{
        return state_dir_resolve(NULL, ret);
}

/* Creates (0700) and opens the directory name in dirfd, never through a symlink. */
static int open_subdir(int dirfd, const char *name, bool create, int *ret)
{
        if (create && mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
                return NEG_ERRNO();
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return NEG_ERRNO();
        /* Directories we own must not be readable or writable by others (tenants
         * must not read each other's jobs); a directory owned by someone else is
         * not ours to use.  Execute-only for others (0711) stays: supervisors
         * set it so that a job's uid can reach its work directory by path
         * (supervisor.c), and it lets nobody list or read anything. */
        struct stat st;
        int r = 0;
        if (fstat(fd, &st) < 0)
                r = NEG_ERRNO();
        else if (st.st_uid != geteuid())
                r = -EPERM;
        else if ((st.st_mode & 066) && fchmod(fd, 0700 | (st.st_mode & 011)) < 0)
                r = NEG_ERRNO();
        if (r < 0) {
                close(fd);
                return r;
        }
        *ret = fd;
        return 0;
}

/* Reads a regular file (not a symlink, FIFO or device) of at most max bytes.
 * -EFBIG past max, -EBADFD for a non-regular file. */
static int read_regular_at(int dirfd, const char *name, size_t max, char **ret, size_t *ret_len)
{
        _cleanup_close_ int fd = open_regular_at(dirfd, name, NULL);
        if (fd < 0)
                return fd;
        return read_full_fd(fd, max, ret, ret_len);
}

/* The one walk over a directory tree: visit() is called for every entry
 * below dirfd, depth first, a directory after its contents; symlinks are
 * never followed and an entry that cannot be stat'ed is skipped.  For a
 * directory, below is 0 or the first error met opening or walking it.  skip
 * (may be NULL) names one entry of dirfd itself to leave out.  Returns the
 * first error visit() returned, or the error opening dirfd. */
typedef int (*walk_fn)(int dirfd, const char *name, const struct stat *st, int below,
                       void *userdata);

static int walk_at(int dirfd, const char *skip, walk_fn visit, void *userdata)
{
        _cleanup_closedir_ DIR *d = NULL;
        int r = opendir_fd(dirfd, &d);
        if (r < 0)
                return r;
        for (struct dirent *de; (errno = 0, de = readdir(d));) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
                    (skip && strcmp(de->d_name, skip) == 0))
                        continue;
                struct stat st;
                if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                        continue;
                int below = 0;
                if (S_ISDIR(st.st_mode)) {
                        _cleanup_close_ int sub = openat(
                            dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        below = sub < 0 ? NEG_ERRNO() : walk_at(sub, NULL, visit, userdata);
                }
                int k = visit(dirfd, de->d_name, &st, below, userdata);
                r = r ?: k;
        }
        return r;
}

static int rm_entry(int dirfd, const char *name, const struct stat *st, int below, void *userdata)
{
        if (!S_ISDIR(st->st_mode))
                return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? NEG_ERRNO() : 0;
        if (below < 0)
                return below;
        return unlinkat(dirfd, name, AT_REMOVEDIR) < 0 ? NEG_ERRNO() : 0;
}

/* Removes everything inside dirfd, not following symlinks; keep (may be
 * NULL) names one entry to leave in place. */
static int rm_contents_at(int dirfd, const char *keep)
{
        return walk_at(dirfd, keep, rm_entry, NULL);
}

static int du_entry(int dirfd, const char *name, const struct stat *st, int below, void *userdata)
{
        uint64_t *total = userdata;
        *total += (uint64_t)st->st_blocks * 512u;
        return 0; /* what cannot be read is not counted */
}

/* Adds the disk usage of everything inside dirfd to *total. */
static int du_at(int dirfd, uint64_t *total)
{
        return walk_at(dirfd, NULL, du_entry, total);
}

static int flock_fd(int fd, bool wait)
{
        while (flock(fd, LOCK_EX | (wait ? 0 : LOCK_NB)) < 0) {
                if (errno == EINTR)
                        continue;
                return NEG_ERRNO();
        }
        return 0;
}

/* ---- opening ---------------------------------------------------------------- */

int store_open(const char *dir, const char *tenant, struct store **ret)
{
        if (!tenant)
                tenant = STORE_DEFAULT_TENANT;
        if (!dir || !*dir)
                return -EINVAL;
        if (name_validate(tenant, NULL) < 0)
                return -EINVAL;
        struct store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->root_fd = s->tenant_fd = s->jobs_fd = s->state_fd = s->active_fd = -EBADF;
        _cleanup_close_ int tenants_fd = -EBADF;
        int r = -ENOMEM;
        if (!(s->tenant = strdup(tenant)))
                goto fail;
        r = mkdir_p(dir, 0700);
        if (r < 0)
                goto fail;
        /* The top directory is named by the user and may be reached through a
         * symlink; everything below is opened without following any. */
        s->root_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0) {
                r = NEG_ERRNO();
                goto fail;
        }
        if ((r = open_subdir(s->root_fd, "tenants", true, &tenants_fd)) < 0 ||
            (r = open_subdir(tenants_fd, tenant, true, &s->tenant_fd)) < 0 ||
            (r = open_subdir(s->tenant_fd, "jobs", true, &s->jobs_fd)) < 0 ||
            (r = open_subdir(s->tenant_fd, "state", true, &s->state_fd)) < 0 ||
            (r = open_subdir(s->tenant_fd, "active", true, &s->active_fd)) < 0)
                goto fail;
        *ret = s;
        return 0;
fail:
        store_free(s);
        return r;
}

void store_free(struct store *s)
{
        if (!s)
                return;
        closep(&s->root_fd);
        closep(&s->tenant_fd);
        closep(&s->jobs_fd);
        closep(&s->state_fd);
        closep(&s->active_fd);
        free(s->tenant);
        free(s);
}

const char *store_tenant(const struct store *s)
{
        return s->tenant;
}

int store_tenant_fd(const struct store *s)
{
        return s->tenant_fd;
}

int store_jobs_fd(const struct store *s)
{
        return s->jobs_fd;
}

int store_active_fd(const struct store *s)
{
        return s->active_fd;
}

int store_job_open_dir(struct store *s, const char *id, int *ret_fd)
{
        if (!name_is_valid(id))
                return -ENOENT;
        int fd = openat(s->jobs_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ELOOP || errno == ENOTDIR ? -ENOENT : NEG_ERRNO();
        *ret_fd = fd;
        return 0;
}

int store_job_open_log(int job_dirfd, int which, int *ret_fd)
{
        if (which != 1 && which != 2)
                return -EINVAL;
        int fd = openat(job_dirfd, which == 1 ? "stdout.log" : "stderr.log",
                        O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
        if (fd < 0)
                return NEG_ERRNO();
        *ret_fd = fd;
        return 0;
}

/* ---- locks ------------------------------------------------------------------ */

/* The lock file is created with the job and removed only with the whole job
 * directory, while locked.  Never unlinked otherwise, because flock locks an
 * inode, not a name: if A held the lock on the file and B unlinked and
 * recreated it, C would lock the NEW inode while A still holds the old one,
 * and two processes would both believe they own the job (double adoption,
 * two final records).  After taking the lock we check the inode still has a
 * name (st_nlink > 0): if not, the job was removed while we waited. */
int store_job_lock(struct store *s, const char *id, bool wait, int *ret_fd)
{
        _cleanup_close_ int dfd = -EBADF;
        int r = store_job_open_dir(s, id, &dfd);
        if (r < 0)
                return r;
        _cleanup_close_ int fd = openat(dfd, "lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return NEG_ERRNO();
        r = flock_fd(fd, wait);
        if (r < 0)
                return r;
        struct stat st;
        if (fstat(fd, &st) < 0)
                return NEG_ERRNO();
        if (st.st_nlink == 0)
                return -ENOENT;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int store_lock(struct store *s, bool wait, int *ret_fd)
{
        _cleanup_close_ int fd =
            openat(s->tenant_fd, "lock", O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return NEG_ERRNO();
        int r = flock_fd(fd, wait);
        if (r < 0)
                return r;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

/* ---- records ---------------------------------------------------------------- */

static int job_load_at(struct store *s, int dfd, struct job **ret, char **ret_error)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_regular_at(dfd, "job.json", JOB_JSON_MAX, &text, &len);
        if (r == -ENOENT)
                return r;
        if (r < 0) {
                if (ret_error)
                        *ret_error = strdup(strerror(-r));
                return -EBADMSG;
        }
        struct job *j;
        r = job_from_json(text, len, &j, ret_error);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return -EBADMSG;
        /* Another tenant's record must read as absent, not as "forbidden". */
        if (strcmp(j->tenant, s->tenant) != 0) {
                job_free(j);
                if (ret_error) {
                        free(*ret_error);
                        *ret_error = NULL;
                }
                return -ENOENT;
        }
        *ret = j;
        return 0;
}

int store_job_load(struct store *s, const char *id, struct job **ret, char **ret_error)
{
        _cleanup_close_ int dfd = -EBADF;
        int r = store_job_open_dir(s, id, &dfd);
        if (r < 0)
                return r;
        struct job *j;
        r = job_load_at(s, dfd, &j, ret_error);
        if (r < 0)
                return r;
        if (strcmp(j->id, id) != 0) {
                job_free(j);
                return -EBADMSG;
        }
        *ret = j;
        return 0;
}

static int save_at(int dfd, const struct job *j, unsigned sync)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = job_to_json(j, &text, &len);
        if (r < 0)
                return r;
        return write_file_replace_at(dfd, "job.json", text, len, 0600, sync);
}

static int save(struct store *s, const struct job *j, unsigned sync)
{
        if (job_validate(j, NULL) < 0)
                return -EINVAL;
        if (strcmp(j->tenant, s->tenant) != 0)
                return -EPERM;
        _cleanup_close_ int dfd = -EBADF;
        int r = store_job_open_dir(s, j->id, &dfd);
        if (r < 0)
                return r;
        /* The original implementation turned finished jobs into "failed" on
         * restart; a recorded outcome is final here, whoever tries to change it. */
        _cleanup_(job_freep) struct job *old = NULL;
        r = job_load_at(s, dfd, &old, NULL);
        if (r == 0 && job_status_is_terminal(old->status) && old->status != j->status)
                return -ESTALE;
        r = save_at(dfd, j, sync);
        /* The index is a cache of the terminal records (store-index.h): a row
         * it misses is added by the next store_index_sync, so a failure here
         * costs one record parse later, never a wrong answer. */
        if (r >= 0 && job_status_is_terminal(j->status)) {
                int ir = store_index_record(s, j);
                if (store_active_wanted(j))
                        (void)store_active_add(s, j->id); /* a state patch to replay */
                else if (ir >= 0)
                        /* Indexed: recovery need not look at it again
                         * (store-active.h).  A marker left by a failure here
                         * is the next sync's to clear. */
                        (void)store_active_remove(s, j->id);
        }
        return r;
}

int store_job_save(struct store *s, const struct job *j)
{
        return save(s, j, WRITE_SYNC_FILE | WRITE_SYNC_DIR);
}

int store_job_save_interim(struct store *s, const struct job *j)
{
        return save(s, j, WRITE_SYNC_FILE);
}

static int staging_name(char *buf, size_t len, const char *prefix, const char *id)
{
        uint64_t rnd;
        if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
                return NEG_ERRNO();
        snprintf(buf, len, ".%s-%s-%016" PRIx64, prefix, id ? id : "", rnd);
        return 0;
}

/* Builds the directory of j under a staging name: lock (locked), input, record. */
static int create_staged(struct store *s, const struct job *j, const char *input, size_t input_len,
                         const char *tmp, int *ret_lock)
{
        _cleanup_close_ int dfd = -EBADF, lock = -EBADF;
        int r = open_subdir(s->jobs_fd, tmp, true, &dfd);
        if (r < 0)
                return r;
        lock = openat(dfd, "lock", O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (lock < 0)
                return NEG_ERRNO();
        if ((r = flock_fd(lock, false)) < 0)
                return r;
        /* Each file's contents, then the directory's entries once (not once per
         * file); the caller makes the rename into jobs/ durable. */
        if (input && (r = write_file_replace_at(dfd, "input.json", input, input_len, 0600,
                                                WRITE_SYNC_FILE)) < 0)
                return r;
        if ((r = save_at(dfd, j, WRITE_SYNC_FILE)) < 0)
                return r;
        if (fsync(dfd) < 0)
                return NEG_ERRNO();
        *ret_lock = TAKE_FD(lock);
        return 0;
}

static void remove_staged(struct store *s, const char *tmp)
{
        _cleanup_close_ int dfd = -EBADF;
        if (open_subdir(s->jobs_fd, tmp, false, &dfd) == 0)
                rm_contents_at(dfd, NULL);
        unlinkat(s->jobs_fd, tmp, AT_REMOVEDIR);
}

int store_job_create(struct store *s, struct job *j, const char *requested_id, const char *input,
                     size_t input_len, int *ret_lock_fd, const char **ret_reason)
{
        const char *reason = NULL;
        char idbuf[JOBID_GENERATED_LEN + 1];
        int r;

        if (requested_id && name_validate(requested_id, &reason) < 0) {
                if (ret_reason)
                        *ret_reason = reason;
                return -EINVAL;
        }
        if (input) {
                cJSON *doc = cJSON_ParseWithLength(input, input_len);
                if (!doc) {
                        if (ret_reason)
                                *ret_reason = "the input is not valid JSON";
                        return -EBADMSG;
                }
                cJSON_Delete(doc);
        }
        if ((r = job_set_string(&j->tenant, s->tenant)) < 0)
                return r;
        if (j->created_at == 0)
                j->created_at = now_realtime_usec() / 1000 * 1000; /* as job.json keeps it */
        j->has_input = input != NULL;

        for (int attempt = 0;; attempt++) {
                if (!requested_id && (r = jobid_generate(idbuf, sizeof(idbuf))) < 0)
                        return r;
                if ((r = job_set_string(&j->id, requested_id ? requested_id : idbuf)) < 0)
                        return r;
                if (job_validate(j, &reason) < 0) {
                        if (ret_reason)
                                *ret_reason = reason;
                        return -EINVAL;
                }
                char tmp[128];
                if ((r = staging_name(tmp, sizeof(tmp), "new", NULL)) < 0)
                        return r;
                int lock = -EBADF;
                /* The marker first: no job is ever in jobs/ without one
                 * (store-active.h), so recovery finds it without a readdir. */
                r = store_active_add(s, j->id);
                bool marked = r == 0;
                if (r == 0)
                        r = create_staged(s, j, input, input_len, tmp, &lock);
                /* The atomic "id in use" decision: the rename fails with EEXIST
                 * when jobs/<id> exists, whoever created it and whenever. */
                if (r == 0 && renameat2(s->jobs_fd, tmp, s->jobs_fd, j->id, RENAME_NOREPLACE) < 0)
                        r = NEG_ERRNO();
                if (r == 0 && fsync(s->jobs_fd) < 0)
                        r = NEG_ERRNO();
                if (r < 0) {
                        closep(&lock);
                        remove_staged(s, tmp);
                        /* Not when the id is in use: the marker may be that job's. */
                        if (marked && r != -EEXIST)
                                (void)store_active_remove(s, j->id);
                        if (r == -EEXIST && !requested_id && attempt < 3)
                                continue; /* 80 random bits collided: astronomically rare */
                        if (r == -EEXIST && ret_reason)
                                *ret_reason = "a job with this id already exists";
                        return r;
                }
                if (ret_lock_fd)
                        *ret_lock_fd = lock;
                else
                        close(lock);
                return 0;
        }
}

int store_job_disk_usage(struct store *s, const char *id, uint64_t *ret)
{
        _cleanup_close_ int dfd = -EBADF;
        int r = store_job_open_dir(s, id, &dfd);
        if (r < 0)
                return r;
        struct stat st;
        uint64_t total = 0;
        if (fstat(dfd, &st) == 0)
                total = (uint64_t)st.st_blocks * 512u;
        r = du_at(dfd, &total);
        if (r < 0)
                return r;
        *ret = total;
        return 0;
}

/* Removes a hidden (staging or trash) directory whose lock nobody holds. */
static int remove_leftover(struct store *s, const char *name, uint64_t now_usec)
{
        _cleanup_close_ int dfd = -EBADF, lock = -EBADF;
        int r = open_subdir(s->jobs_fd, name, false, &dfd);
        if (r < 0)
                return r;
        lock = openat(dfd, "lock", O_RDWR | O_NOFOLLOW | O_CLOEXEC);
        if (lock >= 0) {
                r = flock_fd(lock, false);
                if (r < 0)
                        return r; /* being created or removed right now */
        } else {
                /* A creator makes the lock file right after the directory: only
                 * a lock-less directory that is old is a crash's leftover. */
                struct stat st;
                if (fstat(dfd, &st) < 0)
                        return NEG_ERRNO();
                if ((uint64_t)st.st_mtime * 1000000u + 600u * 1000000u > now_usec)
                        return -EBUSY;
        }
        /* RACE: between our open and our lock, a creator may have renamed the
         * staging directory to its job id and released the lock: then dfd is a
         * live job.  Only delete when the hidden name still names this inode. */
        struct stat a, b;
        if (fstat(dfd, &a) < 0 || fstatat(s->jobs_fd, name, &b, AT_SYMLINK_NOFOLLOW) < 0)
                return NEG_ERRNO();
        if (a.st_dev != b.st_dev || a.st_ino != b.st_ino)
                return -ESTALE;
        r = rm_contents_at(dfd, NULL);
        if (r < 0)
                return r;
        if (unlinkat(s->jobs_fd, name, AT_REMOVEDIR) < 0)
                return NEG_ERRNO();
        return 0;
}

int store_job_remove(struct store *s, const char *id)
{
        _cleanup_close_ int lock = -EBADF, dfd = -EBADF;
        int r = store_job_lock(s, id, false, &lock);
        if (r < 0)
                return r;
        _cleanup_(job_freep) struct job *j = NULL;
        r = store_job_load(s, id, &j, NULL);
        if (r < 0)
                return r;
        if (!job_status_is_terminal(j->status))
                return -EBUSY;
        /* Marked while it goes: an interrupted removal leaves the marker, and
         * the next sync drops the row of a job whose directory is gone. */
        if ((r = store_active_add(s, id)) < 0)
                return r;
        /* Out of sight first (atomically), then emptied: a reader sees either
         * the whole job or no job, never half of one. */
        char trash[128];
        if ((r = staging_name(trash, sizeof(trash), "trash", id)) < 0)
                return r;
        if (renameat(s->jobs_fd, id, s->jobs_fd, trash) < 0)
                return NEG_ERRNO();
        r = open_subdir(s->jobs_fd, trash, false, &dfd);
        if (r < 0)
                return r;
        /* The lock goes last, while still held (see store_job_lock). */
        r = rm_contents_at(dfd, "lock");
        if (r < 0)
                return r;
        if (unlinkat(dfd, "lock", 0) < 0 || unlinkat(s->jobs_fd, trash, AT_REMOVEDIR) < 0)
                return NEG_ERRNO();
        if (store_index_forget(s, id) >= 0)
                (void)store_active_remove(s, id);
        return 0;
}

/* ---- listing ---------------------------------------------------------------- */

void store_list_done(struct store_list *l)
{
        for (size_t i = 0; i < l->n; i++)
                job_free(l->jobs[i]);
        free(l->jobs);
        free(l->next_cursor);
        *l = (struct store_list){0};
        /* A listing parses every record (thousands of small allocations): give
         * the freed heap back, or a long-lived server keeps its peak forever
         * (measured: 8.2 MiB RSS after listing 10,000 jobs; docs/performance.md). */
        malloc_trim(0);
}

static int job_order(const struct job *a, const struct job *b)
{
        if (a->created_at != b->created_at)
                return a->created_at < b->created_at ? -1 : 1;
        return strcmp(a->id, b->id);
}

static int job_order_qsort(const void *a, const void *b)
{
        return job_order(*(struct job *const *)a, *(struct job *const *)b);
}

/* Cursor "1.<created_at>.<id>": opaque to clients, validated here. */
static int cursor_parse(const char *c, struct job *ret)
{
        uint64_t created;
        int n = 0;
        if (sscanf(c, "1.%" SCNu64 ".%n", &created, &n) != 1 || n == 0 || !name_is_valid(c + n))
                return -EINVAL;
        ret->created_at = created;
        ret->id = (char *)(c + n);
        return 0;
}

int store_list_scan(struct store *s, const struct store_filter *filter, const char *cursor,
                    size_t limit, struct store_list *ret)
{
        struct job after = {0};
        if (cursor && cursor_parse(cursor, &after) < 0)
                return -EINVAL;
        _cleanup_closedir_ DIR *d = NULL;
        int dr = opendir_fd(s->jobs_fd, &d);
        if (dr < 0)
                return dr;

        struct store_list l = {0};
        size_t cap = 0;
        int r = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (!name_is_valid(de->d_name))
                        continue; /* ".", "..", staging and trash directories */
                _cleanup_close_ int jfd = -EBADF;
                if (store_job_open_dir(s, de->d_name, &jfd) < 0)
                        continue;
                struct job *j = NULL;
                r = job_load_at(s, jfd, &j, NULL);
                if (r == -ENOMEM)
                        goto fail;
                if (r == -ENOENT)
                        continue; /* another tenant's record, or removed meanwhile */
                if (r < 0 || strcmp(j->id, de->d_name) != 0) {
                        job_free(j);
                        l.n_unreadable++;
                        continue;
                }
                if ((filter && filter->status_mask &&
                     !(filter->status_mask & STORE_STATUS_BIT(j->status))) ||
                    (cursor && job_order(j, &after) <= 0)) {
                        job_free(j);
                        continue;
                }
                if (l.n == cap) {
                        size_t nc = cap ? cap * 2 : 64;
                        struct job **nj = realloc(l.jobs, nc * sizeof(*nj));
                        if (!nj) {
                                job_free(j);
                                r = -ENOMEM;
                                goto fail;
                        }
                        l.jobs = nj;
                        cap = nc;
                }
                l.jobs[l.n++] = j;
        }
        if (l.n > 0) /* qsort(NULL, 0, ...) is undefined behaviour */
                qsort(l.jobs, l.n, sizeof(*l.jobs), job_order_qsort);
        if (limit && l.n > limit) {
                for (size_t i = limit; i < l.n; i++)
                        job_free(l.jobs[i]);
                l.n = limit;
                const struct job *last = l.jobs[limit - 1];
                if (asprintf(&l.next_cursor, "1.%" PRIu64 ".%s", last->created_at, last->id) < 0) {
                        l.next_cursor = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
        }
        *ret = l;
        return 0;
fail:
        store_list_done(&l);
        return r;
}

/* ---- results and state patches ------------------------------------------------ */

int store_result_read_at(int job_dirfd, const struct job *j, size_t max, cJSON **ret,
                         char **ret_error)
{
        const char *name = job_result_file(j);
        _cleanup_free_ char *text = NULL;
        size_t len;
        if (max == 0)
                max = STORE_RESULT_MAX;
        int r = read_regular_at(job_dirfd, name, max, &text, &len);
        char *msg = NULL;
        if (r == 0 && len == 0)
                r = -ENOENT; /* an empty file says nothing: not written */
        if (r == -ENOENT)
                r = asprintf(&msg, "the job did not write %s", name) < 0 ? -ENOMEM : -ENOENT;
        else if (r == -EFBIG)
                r = asprintf(&msg, "%s is larger than %zu bytes", name, max) < 0 ? -ENOMEM : -EFBIG;
        else if (r == -EBADFD)
                r = asprintf(&msg, "%s is not a regular file", name) < 0 ? -ENOMEM : -EBADMSG;
        else if (r < 0)
                r = asprintf(&msg, "cannot read %s: %s", name, strerror(-r)) < 0 ? -ENOMEM : r;
        else {
                cJSON *doc = cJSON_ParseWithLength(text, len);
                if (doc) {
                        *ret = doc;
                        return 0;
                }
                r = asprintf(&msg, "%s is not valid JSON (near byte %zu)", name,
                             (size_t)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : 0)) < 0
                        ? -ENOMEM
                        : -EBADMSG;
        }
        if (ret_error)
                *ret_error = msg;
        else
                free(msg);
        return r;
}

int store_job_check_result(int job_dirfd, struct job *j, size_t max)
{
        cJSON *doc = NULL;
        char *msg = NULL;
        int r = store_result_read_at(job_dirfd, j, max, &doc, &msg);
        if (r == -ENOMEM)
                return r;
        cJSON_Delete(doc);
        free(j->result_error);
        j->result_error = msg; /* NULL on success */
        return r < 0 ? 1 : 0;
}

int store_state_apply(struct store *s, struct job *j, char **ret_error)
{
        if (!j->state_patch_field || j->state_applied)
                return 0;
        if (j->status != JOB_COMPLETED) {
                if (ret_error &&
                    asprintf(ret_error,
                             "job %s ended %s: a job that did not complete never patches state",
                             j->id, job_status_to_string(j->status)) < 0)
                        *ret_error = NULL;
                return -EPERM;
        }
        if (!name_is_valid(j->state_patch_field))
                return -EINVAL;
        _cleanup_close_ int dfd = -EBADF;
        int r = store_job_open_dir(s, j->id, &dfd);
        if (r < 0)
                return r;
        cJSON *doc = NULL;
        r = store_result_read_at(dfd, j, 0, &doc, ret_error);
        if (r < 0)
                return r;
        const cJSON *part = doc;
        const char *ptr = j->state_patch_pointer ? j->state_patch_pointer : "";
        size_t off = 0;
        r = jsonptr_get(doc, ptr, &part, &off);
        if (r < 0) {
                if (ret_error && asprintf(ret_error, "state patch pointer '%s' at offset %zu: %s",
                                          ptr, off, jsonptr_strerror(r)) < 0)
                        *ret_error = NULL;
                cJSON_Delete(doc);
                return r;
        }
        char *text = cJSON_PrintUnformatted(part);
        cJSON_Delete(doc);
        if (!text)
                return -ENOMEM;
        size_t len = strlen(text);
        char name[JOBID_MAX + 8];
        snprintf(name, sizeof(name), "%s.json", j->state_patch_field);
        /* State first, then the record: a crash in between replays the patch,
         * which writes the same bytes again. */
        r = write_file_atomic_at(s->state_fd, name, text, len, 0600);
        cJSON_free(text);
        if (r < 0)
                return r;
        j->state_applied = true;
        r = save_at(dfd, j, WRITE_SYNC_FILE | WRITE_SYNC_DIR);
        if (r < 0) {
                j->state_applied = false;
                return r;
        }
        (void)store_active_remove(s, j->id); /* nothing left to replay */
        /* A record rewritten after the terminal one: its row's usage follows
         * (store_gc's budget reads it). */
        (void)store_index_refresh_usage(s, j->id);
        return 1;
}

void store_ids_free(char **ids)
{
        if (!ids)
                return;
        for (char **p = ids; *p; p++)
                free(*p);
        free(ids);
}

int store_state_pending(struct store *s, char ***ret_ids)
{
        /* Such a job keeps its marker until the patch is applied
         * (store-active.h): the active set, not every record. */
        char **active = NULL;
        int r = store_active_list(s, &active);
        if (r < 0)
                return r;
        struct job **jobs = calloc((size_t)r + 1, sizeof(struct job *));
        char **ids = calloc((size_t)r + 1, sizeof(char *));
        size_t n = 0;
        r = jobs && ids ? 0 : -ENOMEM;
        for (char **id = active; r == 0 && *id; id++) {
                struct job *j = NULL;
                if (store_job_load(s, *id, &j, NULL) < 0)
                        continue;
                if (j->status == JOB_COMPLETED && j->state_patch_field && !j->state_applied)
                        jobs[n++] = j;
                else
                        job_free(j);
        }
        store_ids_free(active);
        /* Oldest first: replays of the same field land in submission order. */
        if (n > 1)
                qsort(jobs, n, sizeof(*jobs), job_order_qsort);
        for (size_t i = 0; i < n; i++) {
                if (r == 0 && !(ids[i] = strdup(jobs[i]->id)))
                        r = -ENOMEM;
                job_free(jobs[i]);
        }
        free(jobs);
        if (r < 0) {
                store_ids_free(ids);
                return r;
        }
        *ret_ids = ids;
        return (int)n;
}

int store_state_read(struct store *s, const char *field, char **ret, size_t *ret_len)
{
        if (!name_is_valid(field))
                return -EINVAL;
        char name[JOBID_MAX + 8];
        snprintf(name, sizeof(name), "%s.json", field);
        return read_regular_at(s->state_fd, name, STORE_RESULT_MAX, ret, ret_len);
}

int store_job_refresh_progress(struct store *s, struct job *j)
{
        _cleanup_close_ int dfd = -EBADF;
        int r = store_job_open_dir(s, j->id, &dfd);
        if (r < 0)
                return r;
        struct progress p = PROGRESS_INIT;
        r = progress_read_at(dfd, &p, NULL);
        if (r < 0)
                return r;
        r = progress_update(&j->progress, &p);
        progress_done(&p);
        return r;
}

/* ---- retention ---------------------------------------------------------------- */

/* Returns how many leftovers remain (too young, or locked). */
static size_t remove_leftovers(struct store *s, uint64_t now_usec)
{
        DIR *d;
        if (opendir_fd(s->jobs_fd, &d) < 0)
                return 1;
        /* Collect first: removing entries while readdir() walks is unspecified. */
        char **names = NULL;
        size_t n = 0;
        for (struct dirent *de; (de = readdir(d));)
                if (strncmp(de->d_name, ".new-", 5) == 0 ||
                    strncmp(de->d_name, ".trash-", 7) == 0) {
                        char **nn = realloc(names, (n + 1) * sizeof(char *));
                        if (!nn)
                                break;
                        names = nn;
                        if (!(names[n] = strdup(de->d_name)))
                                break;
                        n++;
                }
        closedir(d);
        size_t left = 0;
        for (size_t i = 0; i < n; i++) {
                left += remove_leftover(s, names[i], now_usec) < 0;
                free(names[i]);
        }
        free(names);
        return left;
}

/* Markers whose job directory is gone: interrupted creations (a creation
 * under way is younger than an hour) and removals.  Returns how many. */
static size_t clear_orphan_markers(struct store *s, uint64_t now_usec)
{
        char **ids = NULL;
        if (store_active_list(s, &ids) < 0)
                return 0;
        size_t n = 0;
        for (char **id = ids; *id; id++) {
                _cleanup_close_ int dfd = -EBADF;
                uint64_t age;
                if (store_job_open_dir(s, *id, &dfd) != -ENOENT)
                        continue;
                n++;
                if (store_active_age(s, *id, now_usec, &age) == 0 && age > 3600u * 1000000u &&
                    store_index_forget(s, *id) >= 0)
                        (void)store_active_remove(s, *id);
        }
        store_ids_free(ids);
        return n;
}

struct expired {
        struct retention_entry *e;
        char **ids;
        size_t n, cap;
};

static int add_expired(const char *id, const struct store_index_row *row, void *userdata)
{
        struct expired *x = userdata;
        if (x->n == x->cap) {
                size_t nc = x->cap ? x->cap * 2 : 64;
                struct retention_entry *ne = realloc(x->e, nc * sizeof(*ne));
                if (!ne)
                        return -ENOMEM;
                x->e = ne;
                char **ni = realloc(x->ids, nc * sizeof(*ni));
                if (!ni)
                        return -ENOMEM;
                x->ids = ni;
                x->cap = nc;
        }
        if (!(x->ids[x->n] = strdup(id)))
                return -ENOMEM;
        x->e[x->n++] = (struct retention_entry){
            .status = row->status, .finished_at = row->finished_at, .created_at = row->created_at};
        return 0;
}

/* gc by age alone, from the index: the rows finished before now - ttl, not
 * every record. */
static int gc_by_age(struct store *s, uint64_t ttl_usec, uint64_t now_usec, size_t *ret_removed)
{
        _cleanup_(store_index_freep) struct store_index *ix = NULL;
        char **live = NULL;
        int r = store_index_open_synced(s, &ix, &live);
        if (r < 0)
                return r;
        store_ids_free(live);
        /* Leftovers of interrupted creations and removals need a walk of
         * jobs/: only when the last full reconciliation saw some, or a marker
         * says a creation or removal did not finish. */
        size_t leftovers = 0;
        (void)store_index_leftovers(ix, &leftovers);
        if (clear_orphan_markers(s, now_usec) > 0 || leftovers > 0)
                (void)store_index_set_leftovers(ix, remove_leftovers(s, now_realtime_usec()));
        struct expired x = {0};
        if (ttl_usec && ttl_usec < now_usec)
                r = store_index_expired(ix, now_usec - ttl_usec, add_expired, &x);
        size_t *pick = NULL, removed = 0;
        struct retention_policy p = {.ttl_usec = ttl_usec};
        if (r >= 0)
                r = retention_select(x.e, x.n, &p, now_usec, &pick);
        for (int i = 0; i < r; i++)
                if (store_job_remove(s, x.ids[pick[i]]) == 0)
                        removed++;
        free(pick);
        for (size_t i = 0; i < x.n; i++)
                free(x.ids[i]);
        free(x.ids);
        free(x.e);
        if (r < 0)
                return r;
        if (ret_removed)
                *ret_removed = removed;
        return 0;
}

/* The oldest rows retention_select could choose: every one past the TTL, then
 * more until their bytes cover the excess over the budget. */
struct oldest {
        struct expired x;
        struct store *s;
        uint64_t ttl_usec, now_usec;
        uint64_t total;   /* every job's usage, as the scan would count it */
        uint64_t budget;  /* disk_budget_bytes */
        uint64_t fetched; /* the bytes of x's rows */
};

static int add_oldest(const char *id, const struct store_index_row *row, void *userdata)
{
        struct oldest *o = userdata;
        /* retention_select's two tests, on the rows in its order: the first
         * row that passes neither ends its choice, so it ends the fetch. */
        uint64_t t = row->finished_at ? row->finished_at : row->created_at;
        bool expired = o->ttl_usec > 0 && o->now_usec > t && o->now_usec - t > o->ttl_usec;
        bool over = o->total > o->fetched && o->total - o->fetched > o->budget;
        if (!expired && !over)
                return 0;
        struct stat st;
        if (fstatat(o->s->jobs_fd, id, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT) {
                /* The row of a removal that did not finish: the scan would
                 * not list the job, so its bytes are not counted; the row
                 * goes as a listing drops it (store-list.c). */
                o->total -= row->disk_bytes < o->total ? row->disk_bytes : o->total;
                (void)store_index_forget(o->s, id);
                return 1;
        }
        int r = add_expired(id, row, &o->x);
        if (r < 0)
                return r;
        o->x.e[o->x.n - 1].disk_bytes = row->disk_bytes;
        o->fetched += row->disk_bytes;
        return 1;
}

/* The total as the scan counts it: every row, plus each live job measured
 * now.  In the caller's read transaction: a live job that finished since the
 * sync and has a row in this view is counted once, from its row. */
static int budget_total(struct store *s, struct store_index *ix, char **live, uint64_t *ret)
{
        uint64_t total = 0;
        int r = store_index_disk_total(ix, &total);
        if (r < 0)
                return r;
        for (char **id = live; *id; id++) {
                uint64_t bytes = 0;
                if ((r = store_index_has(ix, *id)) < 0)
                        return r;
                if (r == 0 && store_job_disk_usage(s, *id, &bytes) == 0)
                        total += bytes;
        }
        *ret = total;
        return 0;
}

/* gc with a disk budget, from the index: the rows' usage (measured when each
 * job finished) and the live jobs', then only the oldest rows that can be
 * chosen, not every record and directory (docs/decisions/store-index.md). */
static int gc_by_budget(struct store *s, uint64_t ttl_usec, uint64_t budget, uint64_t now_usec,
                        size_t *ret_removed)
{
        _cleanup_(store_index_freep) struct store_index *ix = NULL;
        char **live = NULL;
        int r = store_index_open_synced(s, &ix, &live);
        if (r < 0)
                return r;
        /* As gc_by_age. */
        size_t leftovers = 0;
        (void)store_index_leftovers(ix, &leftovers);
        if (clear_orphan_markers(s, now_usec) > 0 || leftovers > 0)
                (void)store_index_set_leftovers(ix, remove_leftovers(s, now_realtime_usec()));

        struct oldest o = {.s = s, .ttl_usec = ttl_usec, .now_usec = now_usec, .budget = budget};
        r = store_index_read_begin(ix);
        if (r >= 0) {
                r = budget_total(s, ix, live, &o.total);
                if (r >= 0)
                        r = store_index_oldest(ix, add_oldest, &o);
                int k = store_index_read_end(ix);
                r = r < 0 ? r : k;
        }
        store_ids_free(live);
        /* retention_select stays the one that decides: the rows fetched, and
         * one live (never chosen) entry with the bytes of everything else, so
         * its total, and so its choice, is the whole store's. */
        size_t *pick = NULL, removed = 0;
        if (r >= 0)
                r = add_expired("", &(struct store_index_row){.status = JOB_RUNNING}, &o.x);
        if (r >= 0) {
                o.x.e[o.x.n - 1].disk_bytes = o.total > o.fetched ? o.total - o.fetched : 0;
                struct retention_policy p = {.ttl_usec = ttl_usec, .disk_budget_bytes = budget};
                r = retention_select(o.x.e, o.x.n, &p, now_usec, &pick);
        }
        for (int i = 0; i < r; i++)
                /* A job locked right now is skipped, as in the scan. */
                if (store_job_remove(s, o.x.ids[pick[i]]) == 0)
                        removed++;
        free(pick);
        for (size_t i = 0; i < o.x.n; i++)
                free(o.x.ids[i]);
        free(o.x.ids);
        free(o.x.e);
        if (r < 0)
                return r;
        if (ret_removed)
                *ret_removed = removed;
        return 0;
}

int store_gc(struct store *s, uint64_t ttl_usec, uint64_t disk_budget_bytes, uint64_t now_usec,
             size_t *ret_removed)
{
        int r = disk_budget_bytes
                    ? gc_by_budget(s, ttl_usec, disk_budget_bytes, now_usec, ret_removed)
                    : gc_by_age(s, ttl_usec, now_usec, ret_removed);
        if (r >= 0 || r == -ENOMEM)
                return r;
        /* No usable index: every record, as before it. */
        return store_gc_scan(s, ttl_usec, disk_budget_bytes, now_usec, ret_removed);
}

int store_gc_scan(struct store *s, uint64_t ttl_usec, uint64_t disk_budget_bytes, uint64_t now_usec,
                  size_t *ret_removed)
{
        remove_leftovers(s, now_realtime_usec());
        struct store_list l;
        int r = store_list_jobs(s, NULL, NULL, 0, &l);
        if (r < 0)
                return r;
        struct retention_entry *e = calloc(l.n ? l.n : 1, sizeof(*e));
        if (!e) {
                store_list_done(&l);
                return -ENOMEM;
        }
        for (size_t i = 0; i < l.n; i++) {
                e[i] = (struct retention_entry){.status = l.jobs[i]->status,
                                                .finished_at = l.jobs[i]->finished_at,
                                                .created_at = l.jobs[i]->created_at};
                store_job_disk_usage(s, l.jobs[i]->id, &e[i].disk_bytes);
        }
        size_t *pick = NULL, removed = 0;
        struct retention_policy p = {.ttl_usec = ttl_usec, .disk_budget_bytes = disk_budget_bytes};
        r = retention_select(e, l.n, &p, now_usec, &pick);
        for (int i = 0; i < r; i++)
                /* A job locked right now (being finished, or removed by another
                 * corral) is skipped; the next pass gets it. */
                if (store_job_remove(s, l.jobs[pick[i]]->id) == 0)
                        removed++;
        free(pick);
        free(e);
        store_list_done(&l);
        if (r < 0)
                return r;
        if (ret_removed)
                *ret_removed = removed;
        return 0;
}
