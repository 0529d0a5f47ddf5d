/* Unit tests for posix-acl.c: a named user's entry added and removed on a
 * real directory's access ACL (read back with getxattr, as getfacl does):
 * the mask follows the entries, two uids' entries live side by side (and are
 * listed) and
 * removing one keeps the other, and removing the last gives the directory
 * back as it was (no ACL, its original mode).  Runs in a private temporary
 * directory removed afterwards (the file system must support ACLs: ext4 and
 * tmpfs do). */
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
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "posix-acl.h"

static char dir[64];

static int setup(void **state)
{
        (void)state;
        strcpy(dir, "/tmp/corral-test-acl-XXXXXX");
        if (!mkdtemp(dir))
                return -1;
        return chmod(dir, 0750);
}

static int teardown(void **state)
{
        (void)state;
        return rmdir(dir);
}

static mode_t mode_of(int fd)
{
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        return st.st_mode & 07777;
}

static void grant_and_revoke(void **state)
{
        (void)state;
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(posix_acl_get(fd, 123456), -ENODATA);
        assert_int_equal(posix_acl_revoke(fd, 123456), 0); /* none: nothing changes */
        assert_int_equal(getxattr(dir, "system.posix_acl_access", NULL, 0), -1);

        assert_int_equal(posix_acl_grant(fd, 123456, POSIX_ACL_R | POSIX_ACL_W | POSIX_ACL_X), 0);
        assert_int_equal(posix_acl_get(fd, 123456), 7);
        /* The mask (shown as the group bits) lets the entry work. */
        assert_int_equal(mode_of(fd), 0770);
        /* 4 + 5 entries of 8 bytes: user::, user:123456, group::, mask, other. */
        assert_int_equal(getxattr(dir, "system.posix_acl_access", NULL, 0), 4 + 5 * 8);

        assert_int_equal(posix_acl_grant(fd, 654321, POSIX_ACL_X), 0);
        assert_int_equal(posix_acl_grant(fd, 654321, POSIX_ACL_X), 0); /* replaced, not doubled */
        assert_int_equal(getxattr(dir, "system.posix_acl_access", NULL, 0), 4 + 6 * 8);
        uid_t users[4];
        assert_int_equal(posix_acl_users(fd, users, 4), 2);
        assert_int_equal(users[0], 123456); /* in the kernel's order: by uid */
        assert_int_equal(users[1], 654321);
        assert_int_equal(posix_acl_users(fd, users, 1), 2); /* counts past max */
        assert_int_equal(posix_acl_revoke(fd, 123456), 0);
        assert_int_equal(posix_acl_get(fd, 123456), -ENODATA);
        assert_int_equal(posix_acl_get(fd, 654321), 1);
        assert_int_equal(mode_of(fd), 0750); /* mask r-x: group::r-x | --x */

        assert_int_equal(posix_acl_revoke(fd, 654321), 0);
        assert_int_equal(getxattr(dir, "system.posix_acl_access", NULL, 0), -1);
        assert_int_equal(errno, ENODATA);
        assert_int_equal(mode_of(fd), 0750);
        close(fd);
}

static void group_bits_come_back(void **state)
{
        (void)state;
        /* Group ---: the mask rwx shows as 0770 while granted, 0700 after. */
        assert_int_equal(chmod(dir, 0701), 0);
        int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(posix_acl_grant(fd, 123456, 7), 0);
        assert_int_equal(mode_of(fd), 0771);
        assert_int_equal(posix_acl_revoke(fd, 123456), 0);
        assert_int_equal(mode_of(fd), 0701);
        close(fd);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(grant_and_revoke, setup, teardown),
            cmocka_unit_test_setup_teardown(group_bits_come_back, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
