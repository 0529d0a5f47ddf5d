/* executor.c - see executor.h. */
#include "executor.h"
#include "cleanup.h"
#include "fileio.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EXECUTOR_CONF "executor.conf"

void executor_settings_init(struct executor_settings *s)
{
        *s = (struct executor_settings){.kind = EXECUTOR_LOCAL};
}

const char *executor_kind_to_string(enum executor_kind k)
{
        return k == EXECUTOR_SLURM ? "slurm" : "local";
}

int executor_kind_from_string(const char *s, enum executor_kind *ret)
{
        if (s && strcmp(s, "local") == 0)
                *ret = EXECUTOR_LOCAL;
        else if (s && strcmp(s, "slurm") == 0)
                *ret = EXECUTOR_SLURM;
        else
                return -EINVAL;
        return 0;
}

/* Slurm names (partition, account, QOS) go to sbatch as one argv element each,
 * never through a shell; still, only the characters Slurm itself allows in
 * names are accepted, so a typo is caught here and not by sbatch. */
static bool slurm_name_ok(const char *v)
{
        size_t n = strlen(v);
        if (n == 0 || n >= EXECUTOR_FIELD_MAX)
                return false;
        for (const char *p = v; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' || *p == '.' || *p == ','))
                        return false;
        return true;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

/* key without "--".  1 applied, 0 unknown, -EINVAL bad value. */
static int apply(struct executor_settings *s, const char *key, const char *v, char *err,
                 size_t errlen)
{
        char *field = NULL;
        unsigned bit = 0;
        if (strcmp(key, "executor") == 0) {
                if (!v || executor_kind_from_string(v, &s->kind) < 0)
                        return fail(err, errlen, "Invalid value '%s' for --%s: local or slurm",
                                    v ? v : "", key);
                s->set |= EXEC_SET_KIND;
                return 1;
        }
        if (strcmp(key, "executor-per-job") == 0) {
                if (!v || (strcmp(v, "yes") != 0 && strcmp(v, "no") != 0))
                        return fail(err, errlen, "Invalid value '%s' for --%s: yes or no",
                                    v ? v : "", key);
                s->per_job = strcmp(v, "yes") == 0;
                s->set |= EXEC_SET_PER_JOB;
                return 1;
        }
        if (strcmp(key, "slurm-partition") == 0)
                field = s->partition, bit = EXEC_SET_PARTITION;
        else if (strcmp(key, "slurm-account") == 0)
                field = s->account, bit = EXEC_SET_ACCOUNT;
        else if (strcmp(key, "slurm-qos") == 0)
                field = s->qos, bit = EXEC_SET_QOS;
        else if (strcmp(key, "slurm-corral") == 0)
                field = s->corral, bit = EXEC_SET_CORRAL;
        else
                return 0;
        if (!v)
                return fail(err, errlen, "Option --%s needs a value%s", key, "");
        if (bit == EXEC_SET_CORRAL) {
                if (v[0] != '/' || strlen(v) >= EXECUTOR_FIELD_MAX || strchr(v, '\n'))
                        return fail(err, errlen,
                                    "Invalid value '%s' for --%s: the absolute path of corral "
                                    "on the cluster's nodes",
                                    v, key);
        } else if (!slurm_name_ok(v))
                return fail(err, errlen,
                            "Invalid value '%s' for --%s: a Slurm name of letters, digits, "
                            "'_', '-', '.' and ','",
                            v, key);
        snprintf(field, EXECUTOR_FIELD_MAX, "%s", v);
        s->set |= bit;
        return 1;
}

int executor_parse_option(struct executor_settings *s, const char *flag, const char *value,
                          char *err, size_t errlen)
{
        if (strncmp(flag, "--", 2) != 0)
                return 0;
        const char *eq = strchr(flag, '=');
        char key[64];
        size_t n = eq ? (size_t)(eq - flag - 2) : strlen(flag + 2);
        if (n >= sizeof(key))
                return 0;
        memcpy(key, flag + 2, n);
        key[n] = 0;
        return apply(s, key, eq ? eq + 1 : value, err, errlen);
}

static char *strip(char *s)
{
        while (*s == ' ' || *s == '\t')
                s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
                *--e = 0;
        return s;
}

static int parse(struct executor_settings *s, char *text, char *err, size_t errlen)
{
        int lineno = 0;
        for (char *save = NULL, *line = strtok_r(text, "\n", &save); line;
             line = strtok_r(NULL, "\n", &save)) {
                lineno++;
                char *hash = strchr(line, '#');
                if (hash)
                        *hash = 0;
                char *l = strip(line);
                if (!*l)
                        continue;
                char *eq = strchr(l, '=');
                char sub[400];
                if (!eq) {
                        snprintf(err, errlen, "executor.conf line %d: expected 'key = value'",
                                 lineno);
                        return -EINVAL;
                }
                *eq = 0;
                char *key = strip(l), *value = strip(eq + 1);
                int r = apply(s, key, value, sub, sizeof(sub));
                if (r <= 0) {
                        snprintf(err, errlen, "executor.conf line %d: %s", lineno,
                                 r == 0 ? "unknown key" : sub);
                        return -EINVAL;
                }
        }
        return 0;
}

static int open_dir(const char *state_dir, bool create)
{
        char path[4096];
        if (snprintf(path, sizeof(path), "%s/governor", state_dir) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        if (create) {
                mkdir(state_dir, 0755);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        return NEG_ERRNO();
        }
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        return fd < 0 ? NEG_ERRNO() : fd;
}

int executor_load(const char *state_dir, struct executor_settings *ret, char *err, size_t errlen)
{
        struct executor_settings s;
        executor_settings_init(&s);
        _cleanup_close_ int dfd = open_dir(state_dir, false);
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        if (dfd >= 0) {
                int r = read_file_at(dfd, EXECUTOR_CONF, 64 * 1024, &text, &len);
                if (r < 0 && r != -ENOENT) {
                        snprintf(err, errlen, "cannot read executor.conf: %s", strerror(-r));
                        return r;
                }
                if (text) {
                        r = parse(&s, text, err, errlen);
                        if (r < 0)
                                return r;
                }
        }
        *ret = s;
        return 0;
}

int executor_store(const char *state_dir, const struct executor_settings *s)
{
        if (!s->set)
                return 0;
        struct executor_settings cur;
        char err[256];
        if (executor_load(state_dir, &cur, err, sizeof(err)) < 0)
                executor_settings_init(&cur);
        if (s->set & EXEC_SET_KIND)
                cur.kind = s->kind;
        if (s->set & EXEC_SET_PER_JOB)
                cur.per_job = s->per_job;
        if (s->set & EXEC_SET_PARTITION)
                memcpy(cur.partition, s->partition, sizeof(cur.partition));
        if (s->set & EXEC_SET_ACCOUNT)
                memcpy(cur.account, s->account, sizeof(cur.account));
        if (s->set & EXEC_SET_QOS)
                memcpy(cur.qos, s->qos, sizeof(cur.qos));
        if (s->set & EXEC_SET_CORRAL)
                memcpy(cur.corral, s->corral, sizeof(cur.corral));
        cur.set |= s->set;

        char text[2048];
        int n = snprintf(text, sizeof(text),
                         "# Where this store's jobs run (docs/slurm.md); written by corral.\n"
                         "executor = %s\nexecutor-per-job = %s\n",
                         executor_kind_to_string(cur.kind), cur.per_job ? "yes" : "no");
        const struct {
                const char *key;
                const char *v;
        } kv[] = {{"slurm-partition", cur.partition},
                  {"slurm-account", cur.account},
                  {"slurm-qos", cur.qos},
                  {"slurm-corral", cur.corral}};
        for (size_t i = 0; i < ELEMENTSOF(kv); i++)
                if (kv[i].v[0] && n >= 0 && (size_t)n < sizeof(text))
                        n += snprintf(text + n, sizeof(text) - (size_t)n, "%s = %s\n", kv[i].key,
                                      kv[i].v);
        if (n < 0 || (size_t)n >= sizeof(text))
                return -E2BIG;
        _cleanup_close_ int dfd = open_dir(state_dir, true);
        if (dfd < 0)
                return dfd;
        return write_file_atomic_at(dfd, EXECUTOR_CONF, text, (size_t)n, 0644);
}
