/* gov-counters.c - the shared event counters of a state directory (see
 * gov-counters.h).  A few hundred bytes, rewritten at each admission and each
 * job's end: small next to what starting a job costs. */
#include "gov-counters.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define COUNTERS_FILE "counters"
#define COUNTERS_MAX  (256u * 1024u)

static int open_dir(const char *state_dir, bool create, int *ret)
{
        char path[4096];
        if (snprintf(path, sizeof(path), "%s/governor", state_dir) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        if (create && mkdir(path, 0700) < 0 && errno != EEXIST)
                return -errno;
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        *ret = fd;
        return 0;
}

static bool key_valid(const char *k)
{
        size_t n = strlen(k);
        return n > 0 && n <= GOV_COUNTER_KEY_MAX && !strpbrk(k, " \n\t");
}

/* Parses "KEY VALUE" lines; malformed lines are skipped (a torn or hand-edited
 * file must not stop admissions), which only loses that counter. */
static int parse(const char *text, struct gov_counter **ret, size_t *ret_n)
{
        struct gov_counter *v = NULL;
        size_t n = 0, cap = 0;
        for (const char *p = text; p && *p;) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                const char *sp = memchr(p, ' ', len);
                if (sp && (size_t)(sp - p) <= GOV_COUNTER_KEY_MAX && sp > p) {
                        char num[64];
                        size_t nlen = len - (size_t)(sp - p) - 1;
                        if (nlen > 0 && nlen < sizeof(num)) {
                                memcpy(num, sp + 1, nlen);
                                num[nlen] = 0;
                                char *end;
                                double d = strtod(num, &end);
                                if (*end == 0 && d >= 0) {
                                        if (n == cap) {
                                                cap = cap ? cap * 2 : 16;
                                                struct gov_counter *nv =
                                                    realloc(v, cap * sizeof(*v));
                                                if (!nv)
                                                        return free(v), -ENOMEM;
                                                v = nv;
                                        }
                                        memcpy(v[n].key, p, (size_t)(sp - p));
                                        v[n].key[sp - p] = 0;
                                        v[n].value = d;
                                        n++;
                                }
                        }
                }
                p = nl ? nl + 1 : NULL;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

static int read_at(int dfd, struct gov_counter **ret, size_t *ret_n)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r = read_file_at(dfd, COUNTERS_FILE, COUNTERS_MAX, &text, &len);
        if (r == -ENOENT) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (r < 0)
                return r;
        return parse(text, ret, ret_n);
}

int gov_counters_read(const char *state_dir, struct gov_counter **ret, size_t *ret_n)
{
        _cleanup_close_ int dfd = -EBADF;
        int r = open_dir(state_dir, false, &dfd);
        if (r == -ENOENT) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (r < 0)
                return r;
        return read_at(dfd, ret, ret_n);
}

int gov_counters_add(const char *state_dir, const char *const *keys, const double *deltas, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (!key_valid(keys[i]))
                        return -EINVAL;
        _cleanup_close_ int dfd = -EBADF;
        int r = open_dir(state_dir, true, &dfd);
        if (r < 0)
                return r;
        /* As ledger.lock: the lock file is never replaced, so every process
         * locks the same inode. */
        _cleanup_close_ int lock =
            openat(dfd, "counters.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
        if (lock < 0)
                return -errno;
        while (flock(lock, LOCK_EX) < 0)
                if (errno != EINTR)
                        return -errno;
        _cleanup_free_ struct gov_counter *v = NULL;
        size_t nv = 0;
        r = read_at(dfd, &v, &nv);
        if (r < 0)
                return r;
        struct gov_counter *all = realloc(v, (nv + n) * sizeof(*v));
        if (!all)
                return -ENOMEM;
        v = all;
        for (size_t i = 0; i < n; i++) {
                size_t k = 0;
                while (k < nv && strcmp(v[k].key, keys[i]) != 0)
                        k++;
                if (k == nv) {
                        snprintf(v[nv].key, sizeof(v[nv].key), "%s", keys[i]);
                        v[nv++].value = 0;
                }
                v[k].value += deltas[i];
        }
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        for (size_t k = 0; k < nv; k++)
                fprintf(f, "%s %.15g\n", v[k].key, v[k].value);
        if (fclose(f) != 0)
                return -ENOMEM;
        return write_file_atomic_at(dfd, COUNTERS_FILE, text, size, 0600);
}

static bool label_value_valid(const char *s)
{
        if (!s || !*s)
                return false;
        for (; *s; s++)
                if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
                      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-' || *s == '.'))
                        return false;
        return true;
}

int gov_counter_key(char *buf, size_t len, const char *name, const char *const *labels,
                    size_t n_labels)
{
        size_t off = 0;
        int w = snprintf(buf, len, "%s", name);
        if (w < 0 || (size_t)w >= len)
                return -ENAMETOOLONG;
        off = (size_t)w;
        for (size_t i = 0; i < n_labels; i++) {
                if (!label_value_valid(labels[2 * i + 1]))
                        return -EINVAL;
                w = snprintf(buf + off, len - off, "%s%s=\"%s\"", i ? "," : "{", labels[2 * i],
                             labels[2 * i + 1]);
                if (w < 0 || (size_t)w >= len - off)
                        return -ENAMETOOLONG;
                off += (size_t)w;
        }
        if (n_labels) {
                if (off + 2 > len)
                        return -ENAMETOOLONG;
                buf[off++] = '}';
                buf[off] = 0;
        }
        return (int)off;
}
