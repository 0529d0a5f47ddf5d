/* Unit tests for store.c: layout, creation and ids, tenants, records that are
 * never rewritten, locks contended by real processes, listing, removal,
 * retention, results and state patches. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <grp.h>
#include <sys/wait.h>

#include "jobid.h"
#include "retention.h"
#include "store.h"
#include "store-test-util.h"

static char tmpdir[64];
static char statedir[128];

static int setup(void **state)
{
        strcpy(tmpdir, "/tmp/corral-test-store.XXXXXX");
        if (!mkdtemp(tmpdir))
                return -1;
        snprintf(statedir, sizeof(statedir), "%s/state/dir", tmpdir);
        return 0;
}

static int teardown(void **state)
{
        return test_rm_rf(tmpdir);
}

static struct store *open_store(const char *tenant)
{
        struct store *s = NULL;
        assert_int_equal(store_open(statedir, tenant, &s), 0);
        return s;
}

static char *read_job_json(struct store *s, const char *id)
{
        int dfd;
        assert_int_equal(store_job_open_dir(s, id, &dfd), 0);
        int fd = openat(dfd, "job.json", O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        char *buf = calloc(1, 1 << 16);
        assert_true(read(fd, buf, (1 << 16) - 1) > 0);
        close(fd);
        close(dfd);
        return buf;
}

static size_t count_entries(int dirfd)
{
        int d2 = fcntl(dirfd, F_DUPFD_CLOEXEC, 3);
        DIR *d = fdopendir(d2);
        size_t n = 0;
        rewinddir(d);
        for (struct dirent *de; (de = readdir(d));)
                if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
                        n++;
        closedir(d);
        return n;
}

static void default_dir(void **state)
{
        char *d = NULL;
        if (geteuid() == 0) {
                assert_int_equal(store_default_dir(&d), 0);
                assert_string_equal(d, "/var/lib/corral");
                free(d);
        } else {
                setenv("XDG_STATE_HOME", "/x/state", 1);
                assert_int_equal(store_default_dir(&d), 0);
                assert_string_equal(d, "/x/state/corral");
                free(d);
                setenv("XDG_STATE_HOME", "relative", 1);
                setenv("HOME", "/home/u", 1);
                assert_int_equal(store_default_dir(&d), 0);
                assert_string_equal(d, "/home/u/.local/state/corral");
                free(d);
        }
}

static void create_layout_and_modes(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store(NULL);
        assert_string_equal(store_tenant(s), "default");
        _cleanup_(job_freep) struct job *j = test_job(NULL);
        int lock = -1;
        const char *why = NULL;
        assert_int_equal(store_job_create(s, j, NULL, "{\"x\": 1}", 8, &lock, &why), 0);
        assert_true(lock >= 0);
        assert_true(jobid_is_valid(j->id));
        assert_int_equal(strlen(j->id), JOBID_GENERATED_LEN);
        assert_string_equal(j->tenant, "default");
        assert_true(j->created_at > 0 && j->created_at % 1000 == 0);
        assert_true(j->has_input);

        char path[512];
        struct stat st;
        snprintf(path, sizeof(path), "%s/tenants/default/jobs/%s", statedir, j->id);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        snprintf(path, sizeof(path), "%s/tenants/default", statedir);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0700);
        snprintf(path, sizeof(path), "%s/tenants/default/jobs/%s/job.json", statedir, j->id);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        snprintf(path, sizeof(path), "%s/tenants/default/jobs/%s/input.json", statedir, j->id);
        assert_int_equal(stat(path, &st), 0);

        /* The creator holds the lock: nobody else gets it. */
        pid_t pid = fork();
        if (pid == 0) {
                struct store *s2;
                int fd;
                if (store_open(statedir, NULL, &s2) < 0)
                        _exit(2);
                _exit(store_job_lock(s2, j->id, false, &fd) == -EWOULDBLOCK ? 0 : 1);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(lock);

        /* Logs for the job's fds. */
        int dfd, out;
        assert_int_equal(store_job_open_dir(s, j->id, &dfd), 0);
        assert_int_equal(store_job_open_log(dfd, 1, &out), 0);
        assert_int_equal(write(out, "hi\n", 3), 3);
        close(out);
        close(dfd);

        struct job *k;
        assert_int_equal(store_job_load(s, j->id, &k, NULL), 0);
        assert_string_equal(k->command[1], "hello");
        job_free(k);
}

static void client_ids(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store("ids");
        const char *why = NULL;
        _cleanup_(job_freep) struct job *a = test_job(NULL);
        assert_int_equal(store_job_create(s, a, "my-job_1", NULL, 0, NULL, &why), 0);
        assert_string_equal(a->id, "my-job_1");

        _cleanup_(job_freep) struct job *b = test_job(NULL);
        assert_int_equal(store_job_create(s, b, "my-job_1", NULL, 0, NULL, &why), -EEXIST);
        assert_non_null(strstr(why, "already exists"));
        assert_int_equal(store_job_create(s, b, "../../etc", NULL, 0, NULL, &why), -EINVAL);
        assert_non_null(strstr(why, "allowed"));
        assert_int_equal(store_job_create(s, b, "a/b", NULL, 0, NULL, &why), -EINVAL);
        assert_int_equal(store_job_create(s, b, "", NULL, 0, NULL, &why), -EINVAL);
        assert_int_equal(store_job_create(s, b, "ok", "{not json", 9, NULL, &why), -EBADMSG);
        assert_non_null(strstr(why, "JSON"));
        /* Nothing was left behind by the failures (no staging directories). */
        assert_int_equal(count_entries(store_jobs_fd(s)), 1);
        struct job *k;
        assert_int_equal(store_job_load(s, "../../etc", &k, NULL), -ENOENT);
        assert_int_equal(store_job_load(s, "ok", &k, NULL), -ENOENT);
}

static void concurrent_creation_of_one_id(void **state)
{
        /* Eight processes race to create the same id: exactly one succeeds. */
        enum { N = 8 };
        int go[2];
        assert_int_equal(pipe(go), 0);
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                assert_true(pids[i] >= 0);
                if (pids[i] == 0) {
                        char c;
                        close(go[1]);
                        if (read(go[0], &c, 1) != 0)
                                _exit(3);
                        struct store *s;
                        if (store_open(statedir, NULL, &s) < 0)
                                _exit(2);
                        struct job *j = test_job(NULL);
                        int r = store_job_create(s, j, "race", NULL, 0, NULL, NULL);
                        _exit(r == 0 ? 0 : r == -EEXIST ? 1 : 2);
                }
        }
        close(go[0]);
        close(go[1]); /* everyone starts now */
        int wins = 0, losses = 0;
        for (int i = 0; i < N; i++) {
                int st;
                assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
                assert_true(WIFEXITED(st));
                wins += WEXITSTATUS(st) == 0;
                losses += WEXITSTATUS(st) == 1;
        }
        assert_int_equal(wins, 1);
        assert_int_equal(losses, N - 1);
}

static void exactly_one_finisher(void **state)
{
        /* The pattern every adopter/finisher follows: lock, load, act only if
         * the job is still unfinished, save.  Many processes, one finisher. */
        enum { N = 8 };
        _cleanup_(store_freep) struct store *s = open_store(NULL);
        _cleanup_(job_freep) struct job *j = test_job(NULL);
        assert_int_equal(store_job_create(s, j, "contended", NULL, 0, NULL, NULL), 0);
        j->status = JOB_RUNNING;
        int lock;
        assert_int_equal(store_job_lock(s, "contended", true, &lock), 0);
        assert_int_equal(store_job_save(s, j), 0);
        close(lock);

        int go[2], res[2];
        assert_int_equal(pipe(go), 0);
        assert_int_equal(pipe(res), 0);
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        char c;
                        close(go[1]);
                        if (read(go[0], &c, 1) != 0)
                                _exit(3);
                        struct store *cs;
                        struct job *cj;
                        int fd;
                        if (store_open(statedir, NULL, &cs) < 0 ||
                            store_job_lock(cs, "contended", true, &fd) < 0 ||
                            store_job_load(cs, "contended", &cj, NULL) < 0)
                                _exit(2);
                        char verdict = 'S';
                        if (!job_status_is_terminal(cj->status)) {
                                cj->status = JOB_COMPLETED;
                                cj->exit_code = 0;
                                if (store_job_save(cs, cj) < 0)
                                        _exit(2);
                                verdict = 'F';
                        }
                        if (write(res[1], &verdict, 1) != 1)
                                _exit(2);
                        _exit(0);
                }
        }
        close(go[0]);
        close(go[1]);
        close(res[1]);
        int finished = 0, skipped = 0;
        char v;
        while (read(res[0], &v, 1) == 1) {
                finished += v == 'F';
                skipped += v == 'S';
        }
        close(res[0]);
        for (int i = 0; i < N; i++) {
                int st;
                assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        assert_int_equal(finished, 1);
        assert_int_equal(skipped, N - 1);
}

static void only_one_nonblocking_locker(void **state)
{
        enum { N = 6 };
        _cleanup_(store_freep) struct store *s = open_store(NULL);
        _cleanup_(job_freep) struct job *j = test_job(NULL);
        assert_int_equal(store_job_create(s, j, "lockme", NULL, 0, NULL, NULL), 0);
        int go[2], res[2], release[2];
        assert_int_equal(pipe(go), 0);
        assert_int_equal(pipe(res), 0);
        assert_int_equal(pipe(release), 0);
        pid_t pids[N];
        for (int i = 0; i < N; i++) {
                pids[i] = fork();
                if (pids[i] == 0) {
                        char c;
                        close(go[1]);
                        close(release[1]);
                        if (read(go[0], &c, 1) != 0)
                                _exit(3);
                        struct store *cs;
                        int fd;
                        if (store_open(statedir, NULL, &cs) < 0)
                                _exit(2);
                        int r = store_job_lock(cs, "lockme", false, &fd);
                        c = r == 0 ? 'W' : r == -EWOULDBLOCK ? 'L' : 'E';
                        if (write(res[1], &c, 1) != 1)
                                _exit(2);
                        /* A winner keeps the lock until every contender answered. */
                        if (r == 0 && read(release[0], &c, 1) != 0)
                                _exit(3);
                        _exit(0);
                }
        }
        close(go[0]);
        close(go[1]);
        close(res[1]);
        close(release[0]);
        int w = 0, l = 0;
        char c;
        for (int i = 0; i < N && read(res[0], &c, 1) == 1; i++) {
                w += c == 'W';
                l += c == 'L';
        }
        close(release[1]);
        close(res[0]);
        for (int i = 0; i < N; i++)
                waitpid(pids[i], NULL, 0);
        assert_int_equal(w, 1);
        assert_int_equal(l, N - 1);
}

static void a_dead_holder_releases_the_lock(void **state)
{
        /* A supervisor killed by SIGKILL must never block recovery. */
        _cleanup_(store_freep) struct store *s = open_store("dead");
        _cleanup_(job_freep) struct job *j = test_job(NULL);
        assert_int_equal(store_job_create(s, j, "orphan", NULL, 0, NULL, NULL), 0);
        int ready[2];
        assert_int_equal(pipe(ready), 0);
        pid_t pid = fork();
        if (pid == 0) {
                int fd;
                close(ready[0]);
                if (store_job_lock(s, "orphan", false, &fd) < 0 || write(ready[1], "x", 1) != 1)
                        _exit(1);
                for (;;)
                        pause();
        }
        close(ready[1]);
        char c;
        assert_int_equal(read(ready[0], &c, 1), 1);
        close(ready[0]);
        int fd;
        assert_int_equal(store_job_lock(s, "orphan", false, &fd), -EWOULDBLOCK);
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
        assert_int_equal(store_job_lock(s, "orphan", false, &fd), 0);
        close(fd);
}

static void tenants_do_not_see_each_other(void **state)
{
        _cleanup_(store_freep) struct store *a = open_store("alice");
        _cleanup_(store_freep) struct store *b = open_store("bob");
        _cleanup_(job_freep) struct job *ja = test_job(NULL);
        _cleanup_(job_freep) struct job *jb = test_job(NULL);
        assert_int_equal(store_job_create(a, ja, "shared-name", NULL, 0, NULL, NULL), 0);
        struct job *k;
        /* Same answer as for an id nobody uses: no existence leak. */
        assert_int_equal(store_job_load(b, "shared-name", &k, NULL), -ENOENT);
        assert_int_equal(store_job_remove(b, "shared-name"), -ENOENT);
        int fd;
        assert_int_equal(store_job_lock(b, "shared-name", false, &fd), -ENOENT);
        /* And bob may use the same id for his own job. */
        assert_int_equal(store_job_create(b, jb, "shared-name", NULL, 0, NULL, NULL), 0);
        struct store_list l;
        assert_int_equal(store_list_jobs(a, NULL, NULL, 0, &l), 0);
        for (size_t i = 0; i < l.n; i++)
                assert_string_equal(l.jobs[i]->tenant, "alice");
        store_list_done(&l);
        /* A record of another tenant planted in bob's directory reads as absent. */
        int dfd;
        assert_int_equal(store_job_open_dir(b, "shared-name", &dfd), 0);
        char *text = read_job_json(a, "shared-name");
        assert_int_equal(test_write_at(dfd, "job.json", text), 0);
        free(text);
        close(dfd);
        assert_int_equal(store_job_load(b, "shared-name", &k, NULL), -ENOENT);
        /* Tenant names are validated like ids. */
        struct store *bad;
        assert_int_equal(store_open(statedir, "../alice", &bad), -EINVAL);
}

static void finished_records_are_stable(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store(NULL);
        _cleanup_(job_freep) struct job *j = test_job(NULL);
        int lock;
        assert_int_equal(store_job_create(s, j, "done", NULL, 0, &lock, NULL), 0);
        j->status = JOB_COMPLETED;
        j->exit_code = 0;
        j->finished_at = j->created_at + 5000;
        assert_int_equal(store_job_save(s, j), 0);
        char *before = read_job_json(s, "done");

        /* Readers (load, list, pending scans) never rewrite it. */
        struct job *k;
        assert_int_equal(store_job_load(s, "done", &k, NULL), 0);
        struct store_list l;
        assert_int_equal(store_list_jobs(s, NULL, NULL, 0, &l), 0);
        store_list_done(&l);
        char **ids;
        assert_int_equal(store_state_pending(s, &ids), 0);
        store_ids_free(ids);
        char *after = read_job_json(s, "done");
        assert_string_equal(before, after);
        free(after);

        /* A writer may not turn a recorded outcome into another (the original
         * implementation turned finished jobs into "failed" on restart). */
        k->status = JOB_FAILED;
        assert_int_equal(store_job_save(s, k), -ESTALE);
        k->status = JOB_LOST;
        assert_int_equal(store_job_save(s, k), -ESTALE);
        after = read_job_json(s, "done");
        assert_string_equal(before, after);
        free(after);
        /* Saving it unchanged writes the same bytes. */
        k->status = JOB_COMPLETED;
        assert_int_equal(store_job_save(s, k), 0);
        after = read_job_json(s, "done");
        assert_string_equal(before, after);
        free(after);
        free(before);
        job_free(k);
        close(lock);
}

static void listing_sorted_filtered_paged(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store("lister");
        enum { N = 30 };
        for (int i = 0; i < N; i++) {
                struct job *j = test_job(NULL);
                /* Created in reverse order of id to prove sorting by time. */
                j->created_at = 1700000000000000ull + (uint64_t)i * 1000;
                j->status = i % 3 == 0 ? JOB_RUNNING : JOB_COMPLETED;
                char id[16];
                snprintf(id, sizeof(id), "j%02d", N - i);
                assert_int_equal(store_job_create(s, j, id, NULL, 0, NULL, NULL), 0);
                job_free(j);
        }
        /* A corrupt record is skipped and counted, not fatal. */
        int jobs = store_jobs_fd(s);
        assert_int_equal(mkdirat(jobs, "broken", 0700), 0);
        int bfd = openat(jobs, "broken", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(test_write_at(bfd, "job.json", "{\"schema_version\": 1, \"id\": 3}"), 0);
        close(bfd);

        struct store_list l;
        assert_int_equal(store_list_jobs(s, NULL, NULL, 0, &l), 0);
        assert_int_equal(l.n, N);
        assert_int_equal(l.n_unreadable, 1);
        assert_null(l.next_cursor);
        for (size_t i = 1; i < l.n; i++)
                assert_true(l.jobs[i - 1]->created_at < l.jobs[i]->created_at);
        assert_string_equal(l.jobs[0]->id, "j30");
        store_list_done(&l);

        struct store_filter f = {.status_mask = STORE_STATUS_BIT(JOB_RUNNING)};
        assert_int_equal(store_list_jobs(s, &f, NULL, 0, &l), 0);
        assert_int_equal(l.n, 10);
        store_list_done(&l);

        /* Pages of 7 cover everything once, in order. */
        char *cursor = NULL;
        size_t seen = 0;
        uint64_t last = 0;
        for (int page = 0; page < 10; page++) {
                assert_int_equal(store_list_jobs(s, NULL, cursor, 7, &l), 0);
                for (size_t i = 0; i < l.n; i++) {
                        assert_true(l.jobs[i]->created_at > last);
                        last = l.jobs[i]->created_at;
                }
                seen += l.n;
                free(cursor);
                cursor = l.next_cursor ? strdup(l.next_cursor) : NULL;
                store_list_done(&l);
                if (!cursor)
                        break;
        }
        assert_int_equal(seen, N);
        assert_int_equal(store_list_jobs(s, NULL, "garbage", 7, &l), -EINVAL);
        assert_int_equal(store_list_jobs(s, NULL, "1.5./etc", 7, &l), -EINVAL);
}

static void removal(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store("rm");
        _cleanup_(job_freep) struct job *j = test_job(NULL);
        int lock;
        assert_int_equal(store_job_create(s, j, "victim", NULL, 0, &lock, NULL), 0);
        j->status = JOB_RUNNING;
        assert_int_equal(store_job_save(s, j), 0);
        assert_int_equal(store_job_remove(s, "victim"), -EWOULDBLOCK); /* locked */
        close(lock);
        assert_int_equal(store_job_remove(s, "victim"), -EBUSY); /* running */

        assert_int_equal(store_job_lock(s, "victim", false, &lock), 0);
        j->status = JOB_KILLED;
        assert_int_equal(store_job_save(s, j), 0);
        close(lock);

        /* A symlink the job planted, pointing outside, and a subdirectory: the
         * link goes, its target stays. */
        char outside[256];
        snprintf(outside, sizeof(outside), "%s/outside", tmpdir);
        int ofd = open(outside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        close(ofd);
        int dfd;
        assert_int_equal(store_job_open_dir(s, "victim", &dfd), 0);
        assert_int_equal(symlinkat(tmpdir, dfd, "link"), 0);
        assert_int_equal(mkdirat(dfd, "sub", 0700), 0);
        int sfd = openat(dfd, "sub", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(test_write_at(sfd, "f", "x"), 0);
        close(sfd);
        close(dfd);
        uint64_t du = 0;
        assert_int_equal(store_job_disk_usage(s, "victim", &du), 0);
        assert_true(du > 0);

        assert_int_equal(store_job_remove(s, "victim"), 0);
        struct job *k;
        assert_int_equal(store_job_load(s, "victim", &k, NULL), -ENOENT);
        assert_int_equal(store_job_lock(s, "victim", false, &lock), -ENOENT);
        assert_int_equal(access(outside, F_OK), 0);
        assert_int_equal(count_entries(store_jobs_fd(s)), 0);
        assert_int_equal(store_job_remove(s, "../rm"), -ENOENT);
}

static void gc_by_age_and_leftovers(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store("gc");
        const uint64_t day = 24ull * 3600 * 1000000, now = 1800000000000000ull;
        const char *ids[] = {"old-done", "new-done", "old-running"};
        for (int i = 0; i < 3; i++) {
                struct job *j = test_job(NULL);
                j->created_at = now - 10 * day;
                j->status = i == 2 ? JOB_RUNNING : JOB_COMPLETED;
                if (i < 2)
                        j->finished_at = now - (i == 0 ? 8 : 1) * day;
                assert_int_equal(store_job_create(s, j, ids[i], NULL, 0, NULL, NULL), 0);
                job_free(j);
        }
        /* A creation interrupted by a crash leaves a staging directory (with
         * its lock file, free); a fresh lock-less one may be a creation in
         * progress and stays. */
        int jobs = store_jobs_fd(s);
        assert_int_equal(mkdirat(jobs, ".new--0123456789abcdef", 0700), 0);
        int lfd = openat(jobs, ".new--0123456789abcdef", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(test_write_at(lfd, "lock", ""), 0);
        assert_int_equal(test_write_at(lfd, "job.json", "{}"), 0);
        close(lfd);
        assert_int_equal(mkdirat(jobs, ".new--fresh", 0700), 0);
        size_t removed = 99;
        assert_int_equal(store_gc(s, RETENTION_DEFAULT_TTL_USEC, 0, now, &removed), 0);
        assert_int_equal(removed, 1);
        struct job *k;
        assert_int_equal(store_job_load(s, "old-done", &k, NULL), -ENOENT);
        assert_int_equal(store_job_load(s, "new-done", &k, NULL), 0);
        job_free(k);
        assert_int_equal(store_job_load(s, "old-running", &k, NULL), 0);
        job_free(k);
        assert_int_equal(count_entries(jobs), 3); /* new-done, old-running, .new--fresh */
        assert_int_equal(unlinkat(jobs, ".new--fresh", AT_REMOVEDIR), 0);
        /* A budget of one byte removes every finished job, never the running one. */
        assert_int_equal(store_gc(s, 0, 1, now, &removed), 0);
        assert_int_equal(removed, 1);
        assert_int_equal(store_job_load(s, "old-running", &k, NULL), 0);
        job_free(k);
}

static struct job *completed_job(struct store *s, const char *id, const char *results, int *ret_dfd)
{
        struct job *j = test_job(NULL);
        int lock;
        assert_int_equal(store_job_create(s, j, id, NULL, 0, &lock, NULL), 0);
        close(lock);
        assert_int_equal(store_job_open_dir(s, id, ret_dfd), 0);
        if (results)
                assert_int_equal(test_write_at(*ret_dfd, "results.json", results), 0);
        j->status = JOB_COMPLETED;
        j->exit_code = 0;
        assert_int_equal(store_job_save(s, j), 0);
        return j;
}

static void results(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store("res");
        int dfd;
        struct job *j = completed_job(s, "r1", "{\"answer\": 42}", &dfd);
        cJSON *doc = NULL;
        char *err = NULL;
        assert_int_equal(store_result_read_at(dfd, j, 0, &doc, &err), 0);
        assert_int_equal(cJSON_GetObjectItem(doc, "answer")->valueint, 42);
        cJSON_Delete(doc);
        assert_int_equal(store_job_check_result(dfd, j, 0), 0);
        assert_null(j->result_error);

        /* Invalid JSON: a clear error, the job's own status kept. */
        assert_int_equal(test_write_at(dfd, "results.json", "{\"answer\": "), 0);
        assert_int_equal(store_result_read_at(dfd, j, 0, &doc, &err), -EBADMSG);
        assert_non_null(strstr(err, "not valid JSON"));
        free(err);
        assert_int_equal(store_job_check_result(dfd, j, 0), 1);
        assert_non_null(strstr(j->result_error, "results.json"));
        assert_int_equal(j->status, JOB_COMPLETED);

        /* Too large for the cap. */
        assert_int_equal(test_write_at(dfd, "results.json", "[1, 2, 3, 4, 5, 6]"), 0);
        assert_int_equal(store_result_read_at(dfd, j, 8, &doc, &err), -EFBIG);
        assert_non_null(strstr(err, "larger than 8 bytes"));
        free(err);

        /* Missing; a planted FIFO or symlink is not read. */
        assert_int_equal(unlinkat(dfd, "results.json", 0), 0);
        assert_int_equal(store_result_read_at(dfd, j, 0, &doc, &err), -ENOENT);
        assert_non_null(strstr(err, "did not write"));
        free(err);
        assert_int_equal(mkfifoat(dfd, "results.json", 0600), 0);
        assert_int_equal(store_result_read_at(dfd, j, 0, &doc, &err), -EBADMSG);
        free(err);
        assert_int_equal(unlinkat(dfd, "results.json", 0), 0);
        assert_int_equal(symlinkat("/etc/passwd", dfd, "results.json"), 0);
        assert_int_equal(store_result_read_at(dfd, j, 0, &doc, &err), -EBADMSG);
        assert_non_null(strstr(err, "not a regular file"));
        free(err);

        /* A per-job result file name. */
        assert_int_equal(job_set_string(&j->result_file, "out.json"), 0);
        assert_int_equal(test_write_at(dfd, "out.json", "[true]"), 0);
        assert_int_equal(store_result_read_at(dfd, j, 0, &doc, &err), 0);
        cJSON_Delete(doc);
        close(dfd);
        job_free(j);
}

static void state_patches(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store("st");
        int dfd, lock;
        struct job *j = completed_job(s, "p1", "{\"a/b\": [{\"x\": 1}, {\"x\": 2}]}", &dfd);
        close(dfd);
        assert_int_equal(job_set_string(&j->state_patch_field, "design"), 0);
        assert_int_equal(job_set_string(&j->state_patch_pointer, "/a~1b/1"), 0);
        assert_int_equal(store_job_lock(s, "p1", true, &lock), 0);
        assert_int_equal(store_job_save(s, j), 0);
        close(lock);

        /* Pending replay finds it. */
        char **ids;
        assert_int_equal(store_state_pending(s, &ids), 1);
        assert_string_equal(ids[0], "p1");
        assert_null(ids[1]);
        store_ids_free(ids);

        char *err = NULL;
        assert_int_equal(store_job_lock(s, "p1", true, &lock), 0);
        assert_int_equal(store_state_apply(s, j, &err), 1);
        assert_true(j->state_applied);
        assert_int_equal(store_state_apply(s, j, &err), 0); /* idempotent */
        close(lock);
        char *text;
        size_t len;
        assert_int_equal(store_state_read(s, "design", &text, &len), 0);
        assert_string_equal(text, "{\"x\":2}");
        free(text);
        struct job *k;
        assert_int_equal(store_job_load(s, "p1", &k, NULL), 0);
        assert_true(k->state_applied);
        job_free(k);
        assert_int_equal(store_state_pending(s, &ids), 0);
        store_ids_free(ids);
        job_free(j);

        /* A bad pointer names the problem. */
        j = completed_job(s, "p2", "{\"a\": 1}", &dfd);
        close(dfd);
        assert_int_equal(job_set_string(&j->state_patch_field, "other"), 0);
        assert_int_equal(job_set_string(&j->state_patch_pointer, "/missing"), 0);
        assert_int_equal(store_state_apply(s, j, &err), -ENOENT);
        assert_non_null(strstr(err, "no such member"));
        free(err);
        assert_int_equal(store_state_read(s, "other", &text, &len), -ENOENT);
        job_free(j);

        /* A job that did not complete never patches state. */
        struct job *f = test_job(NULL);
        assert_int_equal(store_job_create(s, f, "p3", NULL, 0, NULL, NULL), 0);
        assert_int_equal(store_job_open_dir(s, "p3", &dfd), 0);
        assert_int_equal(test_write_at(dfd, "results.json", "{\"a\": 1}"), 0);
        close(dfd);
        f->status = JOB_OOM_KILLED;
        assert_int_equal(job_set_string(&f->state_patch_field, "never"), 0);
        assert_int_equal(store_state_apply(s, f, &err), -EPERM);
        assert_non_null(strstr(err, "oom_killed"));
        free(err);
        assert_false(f->state_applied);
        assert_int_equal(store_state_read(s, "never", &text, &len), -ENOENT);
        job_free(f);
        assert_int_equal(store_state_read(s, "../x", &text, &len), -EINVAL);
}

static void progress_of_a_running_job(void **state)
{
        _cleanup_(store_freep) struct store *s = open_store("prog");
        _cleanup_(job_freep) struct job *j = test_job(NULL);
        assert_int_equal(store_job_create(s, j, "p", NULL, 0, NULL, NULL), 0);
        int dfd, out;
        assert_int_equal(store_job_open_dir(s, "p", &dfd), 0);
        assert_int_equal(store_job_open_log(dfd, 1, &out), 0);
        /* Visible while the job runs: the log is written directly, not held. */
        assert_int_equal(write(out, "Step 5 of 10\n", 13), 13);
        assert_int_equal(store_job_refresh_progress(s, j), 0);
        assert_true(j->progress.percent == 50.0);
        assert_int_equal(write(out, "[2/10] restarting a phase\n", 26), 26);
        assert_int_equal(store_job_refresh_progress(s, j), 0);
        assert_true(j->progress.percent == 50.0); /* never decreases */
        assert_string_equal(j->progress.message, "[2/10] restarting a phase");
        close(out);
        close(dfd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(default_dir),
            cmocka_unit_test(create_layout_and_modes),
            cmocka_unit_test(client_ids),
            cmocka_unit_test(concurrent_creation_of_one_id),
            cmocka_unit_test(exactly_one_finisher),
            cmocka_unit_test(only_one_nonblocking_locker),
            cmocka_unit_test(a_dead_holder_releases_the_lock),
            cmocka_unit_test(tenants_do_not_see_each_other),
            cmocka_unit_test(finished_records_are_stable),
            cmocka_unit_test(listing_sorted_filtered_paged),
            cmocka_unit_test(removal),
            cmocka_unit_test(gc_by_age_and_leftovers),
            cmocka_unit_test(results),
            cmocka_unit_test(state_patches),
            cmocka_unit_test(progress_of_a_running_job),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
