/* A full file system under the state directory: every write fails with a clear
 * -ENOSPC and no existing record is damaged.  Runs on a real 64 KiB tmpfs
 * mounted in a private mount namespace (so even a crash of this test leaves no
 * mount behind), unmounted and removed in teardown.  Skips when not root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>

#include "store.h"
#include "store-test-util.h"

static char tmpdir[64], mnt[128], statedir[160];
static bool mounted;

static int setup(void **state)
{
        strcpy(tmpdir, "/tmp/corral-test-enospc.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(mnt, sizeof(mnt), "%s/mnt", tmpdir);
        snprintf(statedir, sizeof(statedir), "%s/state", mnt);
        if (mkdir(mnt, 0700) < 0)
                return -1;
        /* 256k: room for the records and the index (index.sqlite, its WAL
         * and its 32k -shm) before the filler takes the rest. */
        if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
            mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=256k,mode=0700") == 0)
                mounted = true;
        return 0;
}

static int teardown(void **state)
{
        if (mounted)
                umount2(mnt, MNT_DETACH);
        return test_rm_rf(tmpdir);
}

static char *slurp(struct store *s, const char *id)
{
        int dfd;
        assert_int_equal(store_job_open_dir(s, id, &dfd), 0);
        char *text = NULL;
        int fd = openat(dfd, "job.json", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        text = calloc(1, 65536);
        assert_true(read(fd, text, 65535) > 0);
        close(fd);
        close(dfd);
        return text;
}

static size_t entries(int dirfd)
{
        DIR *d = fdopendir(fcntl(dirfd, F_DUPFD_CLOEXEC, 3));
        size_t n = 0;
        rewinddir(d);
        for (struct dirent *de; (de = readdir(d));)
                n += de->d_name[0] != '.' || (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."));
        closedir(d);
        return n;
}

static void full_disk(void **state)
{
        if (!mounted)
                skip(); /* needs root for mount(2) */
        _cleanup_(store_freep) struct store *s = NULL;
        assert_int_equal(store_open(statedir, NULL, &s), 0);

        struct job *run = test_job(NULL);
        int lock;
        assert_int_equal(store_job_create(s, run, "keep", NULL, 0, &lock, NULL), 0);
        run->status = JOB_RUNNING;
        assert_int_equal(store_job_save(s, run), 0);

        struct job *done = test_job(NULL);
        int dlock, dfd;
        assert_int_equal(store_job_create(s, done, "done", NULL, 0, &dlock, NULL), 0);
        assert_int_equal(store_job_open_dir(s, "done", &dfd), 0);
        assert_int_equal(test_write_at(dfd, "results.json", "{\"v\": 1}"), 0);
        done->status = JOB_COMPLETED;
        done->exit_code = 0;
        assert_int_equal(job_set_string(&done->state_patch_field, "f"), 0);
        assert_int_equal(store_job_save(s, done), 0);

        char *before = slurp(s, "keep"), *before_done = slurp(s, "done");

        /* Fill the file system. */
        char filler_path[256];
        snprintf(filler_path, sizeof(filler_path), "%s/filler", mnt);
        int ffd = open(filler_path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(ffd >= 0);
        char page[4096];
        memset(page, 'x', sizeof(page));
        while (write(ffd, page, sizeof(page)) > 0)
                ;
        assert_int_equal(errno, ENOSPC);
        close(ffd);

        /* An update that does not fit: -ENOSPC, old record intact, no temp file. */
        char *big = malloc(8192);
        memset(big, 'r', 8191);
        big[8191] = 0;
        run->reason = big;
        run->status = JOB_COMPLETED;
        assert_int_equal(store_job_save(s, run), -ENOSPC);
        char *after = slurp(s, "keep");
        assert_string_equal(before, after);
        free(after);
        int kfd;
        assert_int_equal(store_job_open_dir(s, "keep", &kfd), 0);
        assert_int_equal(entries(kfd), 2); /* lock, job.json */
        close(kfd);

        /* A new job: -ENOSPC and nothing left behind. */
        struct job *nj = test_job(NULL);
        assert_int_equal(store_job_create(s, nj, "new", NULL, 0, NULL, NULL), -ENOSPC);
        assert_int_equal(entries(store_jobs_fd(s)), 2);
        struct job *k;
        assert_int_equal(store_job_load(s, "new", &k, NULL), -ENOENT);
        job_free(nj);

        /* A state patch: -ENOSPC, not marked applied. */
        char *err = NULL;
        assert_int_equal(store_state_apply(s, done, &err), -ENOSPC);
        assert_false(done->state_applied);
        after = slurp(s, "done");
        assert_string_equal(before_done, after);
        free(after);
        char **ids;
        assert_int_equal(store_state_pending(s, &ids), 1);
        store_ids_free(ids);

        /* Room again: everything works and the records are the new ones. */
        assert_int_equal(unlink(filler_path), 0);
        assert_int_equal(store_job_save(s, run), 0);
        assert_int_equal(store_job_load(s, "keep", &k, NULL), 0);
        assert_int_equal(k->status, JOB_COMPLETED);
        assert_int_equal(strlen(k->reason), 8191);
        job_free(k);
        assert_int_equal(store_state_apply(s, done, &err), 1);

        free(before);
        free(before_done);
        close(lock);
        close(dlock);
        close(dfd);
        job_free(run);
        job_free(done);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(full_disk),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
