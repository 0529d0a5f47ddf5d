/* posix-acl.c - see posix-acl.h. */
#include "posix-acl.h"
#include "cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* <linux/posix_acl_xattr.h> and <linux/posix_acl.h>, which not every libc's
 * kernel headers ship: the format is the kernel's ABI. */
#define ACL_XATTR     "system.posix_acl_access"
#define ACL_VERSION   2u
#define ACL_USER_OBJ  0x01u
#define ACL_USER      0x02u
#define ACL_GROUP_OBJ 0x04u
#define ACL_GROUP     0x08u
#define ACL_MASK      0x10u
#define ACL_OTHER     0x20u
#define ACL_UNDEFINED 0xffffffffu
#define ACL_MAX       64

struct acl_entry {
        uint16_t tag;
        uint16_t perm;
        uint32_t id;
};

struct acl {
        size_t n;
        struct acl_entry e[ACL_MAX];
};

/* The file's ACL, or the minimal one its mode stands for. */
static int acl_read(int fd, struct acl *a)
{
        unsigned char buf[4 + ACL_MAX * sizeof(struct acl_entry)];
        ssize_t n = fgetxattr(fd, ACL_XATTR, buf, sizeof(buf));
        if (n < 0 && errno != ENODATA)
                return errno == ERANGE ? -E2BIG : NEG_ERRNO();
        if (n < 0) {
                struct stat st;
                if (fstat(fd, &st) < 0)
                        return NEG_ERRNO();
                a->n = 3;
                a->e[0] = (struct acl_entry){ACL_USER_OBJ, (st.st_mode >> 6) & 7, ACL_UNDEFINED};
                a->e[1] = (struct acl_entry){ACL_GROUP_OBJ, (st.st_mode >> 3) & 7, ACL_UNDEFINED};
                a->e[2] = (struct acl_entry){ACL_OTHER, st.st_mode & 7, ACL_UNDEFINED};
                return 0;
        }
        uint32_t version;
        if (n < 4 || (n - 4) % sizeof(struct acl_entry))
                return -EBADMSG;
        memcpy(&version, buf, 4);
        if (version != ACL_VERSION)
                return -EBADMSG;
        a->n = (size_t)(n - 4) / sizeof(struct acl_entry);
        memcpy(a->e, buf + 4, a->n * sizeof(struct acl_entry));
        return 0;
}

static int acl_cmp(const void *x, const void *y)
{
        const struct acl_entry *a = x, *b = y;
        if (a->tag != b->tag)
                return a->tag < b->tag ? -1 : 1;
        return a->id < b->id ? -1 : a->id > b->id;
}

/* Sorted as the kernel requires, the mask recomputed (the union of the
 * group class, as setfacl does); a minimal ACL becomes the mode again. */
static int acl_write(int fd, struct acl *a)
{
        bool named = false;
        unsigned mask = 0, group_obj = 0;
        size_t k = 0;
        for (size_t i = 0; i < a->n; i++) {
                if (a->e[i].tag == ACL_MASK)
                        continue; /* recomputed below */
                if (a->e[i].tag == ACL_USER || a->e[i].tag == ACL_GROUP) {
                        named = true;
                        mask |= a->e[i].perm;
                }
                if (a->e[i].tag == ACL_GROUP_OBJ) {
                        group_obj = a->e[i].perm;
                        mask |= a->e[i].perm;
                }
                a->e[k++] = a->e[i];
        }
        a->n = k;
        if (!named) {
                /* Nothing beyond the mode: remove the extended ACL and give the
                 * group bits back (the mask stood in for them). */
                struct stat st;
                if (fremovexattr(fd, ACL_XATTR) < 0 && errno != ENODATA)
                        return NEG_ERRNO();
                if (fstat(fd, &st) < 0)
                        return NEG_ERRNO();
                mode_t mode = (st.st_mode & 07707) | (mode_t)(group_obj << 3);
                return fchmod(fd, mode) < 0 ? NEG_ERRNO() : 0;
        }
        if (a->n >= ACL_MAX)
                return -E2BIG;
        a->e[a->n++] = (struct acl_entry){ACL_MASK, (uint16_t)mask, ACL_UNDEFINED};
        qsort(a->e, a->n, sizeof(a->e[0]), acl_cmp);
        unsigned char buf[4 + ACL_MAX * sizeof(struct acl_entry)];
        uint32_t version = ACL_VERSION;
        memcpy(buf, &version, 4);
        memcpy(buf + 4, a->e, a->n * sizeof(struct acl_entry));
        if (fsetxattr(fd, ACL_XATTR, buf, 4 + a->n * sizeof(struct acl_entry), 0) < 0)
                return NEG_ERRNO();
        return 0;
}

/* Holds an flock on fd for one read-modify-write. */
static int acl_change(int fd, uid_t uid, int perms)
{
        if (flock(fd, LOCK_EX) < 0)
                return NEG_ERRNO();
        struct acl a;
        int r = acl_read(fd, &a);
        if (r == 0) {
                size_t k = 0;
                for (size_t i = 0; i < a.n; i++)
                        if (!(a.e[i].tag == ACL_USER && a.e[i].id == (uint32_t)uid))
                                a.e[k++] = a.e[i];
                bool changed = k != a.n || perms >= 0;
                a.n = k;
                if (perms >= 0) {
                        if (a.n >= ACL_MAX - 1)
                                r = -E2BIG;
                        else
                                a.e[a.n++] =
                                    (struct acl_entry){ACL_USER, (uint16_t)perms, (uint32_t)uid};
                }
                if (r == 0 && changed)
                        r = acl_write(fd, &a);
        }
        flock(fd, LOCK_UN);
        return r;
}

int posix_acl_grant(int fd, uid_t uid, unsigned perms)
{
        return acl_change(fd, uid, (int)(perms & 7));
}

int posix_acl_revoke(int fd, uid_t uid)
{
        return acl_change(fd, uid, -1);
}

int posix_acl_get(int fd, uid_t uid)
{
        struct acl a;
        int r = acl_read(fd, &a);
        if (r < 0)
                return r;
        for (size_t i = 0; i < a.n; i++)
                if (a.e[i].tag == ACL_USER && a.e[i].id == (uint32_t)uid)
                        return a.e[i].perm;
        return -ENODATA;
}

int posix_acl_users(int fd, uid_t *ret, size_t max)
{
        struct acl a;
        int r = acl_read(fd, &a);
        if (r < 0)
                return r;
        size_t n = 0;
        for (size_t i = 0; i < a.n; i++)
                if (a.e[i].tag == ACL_USER) {
                        if (n < max)
                                ret[n] = (uid_t)a.e[i].id;
                        n++;
                }
        return (int)n;
}
