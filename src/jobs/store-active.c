/* store-active.c - the store's active set (store-active.h). */
#include "store-active.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"
#include "jobid.h"

int store_active_add(struct store *s, const char *id)
{
        if (!name_is_valid(id))
                return -EINVAL;
        /* Not fsynced: a marker lost with the power is found again by the
         * index's once-a-boot reconciliation (store-index.c). */
        int fd = openat(store_active_fd(s), id, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return NEG_ERRNO();
        close(fd);
        return 0;
}

int store_active_remove(struct store *s, const char *id)
{
        if (!name_is_valid(id))
                return -EINVAL;
        if (unlinkat(store_active_fd(s), id, 0) < 0 && errno != ENOENT)
                return NEG_ERRNO();
        return 0;
}

static int cmp_str(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

int store_active_list(struct store *s, char ***ret_ids)
{
        DIR *d;
        int dr = opendir_fd(store_active_fd(s), &d);
        if (dr < 0)
                return dr;
        char **ids = calloc(1, sizeof(char *));
        size_t n = 0;
        int r = ids ? 0 : -ENOMEM;
        for (struct dirent *de; r == 0 && (de = readdir(d));) {
                if (!name_is_valid(de->d_name))
                        continue; /* ".", "..", or a name no job can have */
                char **nv = realloc(ids, (n + 2) * sizeof(char *));
                if (!nv) {
                        r = -ENOMEM;
                        break;
                }
                ids = nv;
                if (!(ids[n] = strdup(de->d_name))) {
                        r = -ENOMEM;
                        break;
                }
                ids[++n] = NULL;
        }
        closedir(d);
        if (r < 0) {
                store_ids_free(ids);
                return r;
        }
        if (n > 1)
                qsort(ids, n, sizeof(char *), cmp_str);
        *ret_ids = ids;
        return (int)n;
}

int store_active_age(struct store *s, const char *id, uint64_t now_usec, uint64_t *ret)
{
        if (!name_is_valid(id))
                return -ENOENT;
        struct stat st;
        if (fstatat(store_active_fd(s), id, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return NEG_ERRNO();
        uint64_t t = (uint64_t)st.st_mtim.tv_sec * 1000000u + (uint64_t)st.st_mtim.tv_nsec / 1000u;
        *ret = now_usec > t ? now_usec - t : 0;
        return 0;
}
