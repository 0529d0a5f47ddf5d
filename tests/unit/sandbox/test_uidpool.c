/* Unit tests for uidpool.c with real flocks in a private lock directory: ids
 * are never shared while held, the search starts where the last caller took
 * its id (so long-held ids below it cost no probes), wraps around, survives a
 * damaged hint, and reports a full pool. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "uidpool.h"

#define FIRST 70000u
#define COUNT 5u

static char dir[64];
static char lockdir[96];

static int setup(void **state)
{
        (void)state;
        strcpy(dir, "/tmp/corral-test-uidpool.XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        snprintf(lockdir, sizeof(lockdir), "%s/uids", dir);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        for (unsigned i = 0; i < COUNT; i++) {
                char p[128];
                snprintf(p, sizeof(p), "%s/%u.lock", lockdir, FIRST + i);
                unlink(p);
        }
        char p[128];
        snprintf(p, sizeof(p), "%s/hint", lockdir);
        unlink(p);
        rmdir(lockdir);
        return rmdir(dir);
}

static uid_t take(int *fd)
{
        uid_t uid = 0;
        assert_int_equal(uidpool_acquire(lockdir, FIRST, COUNT, &uid, fd), 0);
        assert_true(*fd >= 0);
        return uid;
}

static void write_hint(const char *text)
{
        char p[128];
        snprintf(p, sizeof(p), "%s/hint", lockdir);
        FILE *f = fopen(p, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void ids_are_never_shared_and_the_search_follows_the_hint(void **state)
{
        (void)state;
        int fd[COUNT];
        /* An empty pool hands out the ids in order. */
        for (unsigned i = 0; i < 3; i++)
                assert_int_equal(take(&fd[i]), FIRST + i);
        /* The first ends: the next caller starts after the last taken id, not at
         * the freed first one (the ids just after it are the likeliest free). */
        close(fd[0]);
        assert_int_equal(take(&fd[3]), FIRST + 3);
        assert_int_equal(take(&fd[4]), FIRST + 4);
        /* Then it wraps around to the freed one. */
        assert_int_equal(take(&fd[0]), FIRST + 0);
        /* Full: every id held once. */
        uid_t uid;
        int extra = -1;
        assert_int_equal(uidpool_acquire(lockdir, FIRST, COUNT, &uid, &extra), -EAGAIN);
        /* A damaged or foreign hint only changes where the search starts. */
        close(fd[2]);
        write_hint("garbage\n");
        assert_int_equal(take(&fd[2]), FIRST + 2);
        close(fd[2]);
        write_hint("12\n"); /* outside the range */
        assert_int_equal(take(&fd[2]), FIRST + 2);
        close(fd[2]);
        write_hint("70004\n1234"); /* a longer old value's tail after the newline */
        assert_int_equal(take(&fd[2]), FIRST + 2);
        for (unsigned i = 0; i < COUNT; i++)
                close(fd[i]);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(ids_are_never_shared_and_the_search_follows_the_hint,
                                            setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
