/* slurm-cli.c - see slurm-cli.h. */
#include "slurm-cli.h"
#include "cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

void slurm_cmd_result_done(struct slurm_cmd_result *r)
{
        free(r->out);
        free(r->err);
        r->out = r->err = NULL;
}

struct buf {
        char *p;
        size_t n, cap;
};

static int buf_read(struct buf *b, int fd)
{
        char tmp[4096];
        ssize_t k = read(fd, tmp, sizeof(tmp));
        if (k <= 0)
                return k < 0 && errno == EINTR ? 1 : 0;
        size_t take = (size_t)k;
        if (b->n + take > SLURM_OUTPUT_MAX)
                take = SLURM_OUTPUT_MAX - b->n;
        if (b->n + take + 1 > b->cap) {
                size_t cap = (b->n + take + 1) * 2;
                char *q = realloc(b->p, cap);
                if (!q)
                        return -ENOMEM;
                b->p = q;
                b->cap = cap;
        }
        memcpy(b->p + b->n, tmp, take);
        b->n += take;
        b->p[b->n] = 0;
        return 1;
}

static char *buf_take(struct buf *b)
{
        if (!b->p)
                return strdup("");
        char *p = b->p;
        b->p = NULL;
        return p;
}

int slurm_cmd_run(char *const argv[], struct slurm_cmd_result *ret)
{
        int out[2], err[2];
        if (pipe2(out, O_CLOEXEC) < 0)
                return -errno;
        if (pipe2(err, O_CLOEXEC) < 0) {
                int e = -errno;
                close(out[0]);
                close(out[1]);
                return e;
        }
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, out[1], 1);
        posix_spawn_file_actions_adddup2(&fa, err[1], 2);
        /* The caller may block signals it reads from a signalfd (the supervisor
         * does): Slurm's commands get the default mask back. */
        posix_spawnattr_t at;
        posix_spawnattr_init(&at);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&at, &none);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK);
        pid_t pid;
        int r = posix_spawnp(&pid, argv[0], &fa, &at, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        close(out[1]);
        close(err[1]);
        if (r != 0) {
                close(out[0]);
                close(err[0]);
                return -r;
        }
        struct buf bo = {0}, be = {0};
        struct pollfd p[2] = {{.fd = out[0], .events = POLLIN}, {.fd = err[0], .events = POLLIN}};
        int open_fds = 2;
        while (open_fds > 0) {
                if (poll(p, 2, -1) < 0) {
                        if (errno == EINTR)
                                continue;
                        break;
                }
                for (int i = 0; i < 2; i++) {
                        if (p[i].fd < 0 || !p[i].revents)
                                continue;
                        if (buf_read(i == 0 ? &bo : &be, p[i].fd) <= 0) {
                                close(p[i].fd);
                                p[i].fd = -1;
                                open_fds--;
                        }
                }
        }
        for (int i = 0; i < 2; i++)
                if (p[i].fd >= 0)
                        close(p[i].fd);
        int st;
        while (waitpid(pid, &st, 0) < 0)
                if (errno != EINTR) {
                        st = -1;
                        break;
                }
        ret->status = st >= 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        ret->out = buf_take(&bo);
        ret->err = buf_take(&be);
        if (!ret->out || !ret->err) {
                slurm_cmd_result_done(ret);
                return -ENOMEM;
        }
        return 0;
}

bool slurm_error_unreachable(const char *err)
{
        static const char *const signs[] = {
            "Unable to contact slurm controller",
            "Socket timed out",
            "Connection refused",
            "Zero Bytes were transmitted",
            "Communication connection failure",
            "Transport endpoint is not connected",
            "Slurm backup controller in standby mode",
            "Unable to establish controller machine",
        };
        for (size_t i = 0; err && i < ELEMENTSOF(signs); i++)
                if (strstr(err, signs[i]))
                        return true;
        return false;
}

bool slurm_error_invalid_job(const char *err)
{
        return err && strstr(err, "Invalid job id");
}

int slurm_parse_sbatch(const char *out, char *buf, size_t len)
{
        size_t n = 0;
        while (out[n] >= '0' && out[n] <= '9')
                n++;
        if (n == 0 || n >= len || (out[n] != 0 && out[n] != ';' && out[n] != '\n'))
                return -EINVAL;
        memcpy(buf, out, n);
        buf[n] = 0;
        return 0;
}

static void copy_field(char *dst, size_t len, const char *s, size_t n)
{
        if (n >= len)
                n = len - 1;
        memcpy(dst, s, n);
        dst[n] = 0;
}

int slurm_parse_squeue(const char *out, const char *id, struct slurm_queue_line *ret)
{
        size_t idlen = strlen(id);
        for (const char *line = out; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t n = end ? (size_t)(end - line) : strlen(line);
                if (n > idlen && strncmp(line, id, idlen) == 0 && line[idlen] == '|') {
                        const char *f[4];
                        size_t fl[4];
                        const char *p = line, *stop = line + n;
                        int k = 0;
                        while (k < 4) {
                                const char *bar = memchr(p, '|', (size_t)(stop - p));
                                f[k] = p;
                                fl[k] = bar ? (size_t)(bar - p) : (size_t)(stop - p);
                                k++;
                                if (!bar)
                                        break;
                                p = bar + 1;
                        }
                        if (k < 3)
                                return -EINVAL;
                        struct slurm_queue_line q = {0};
                        copy_field(q.id, sizeof(q.id), f[0], fl[0]);
                        copy_field(q.state, sizeof(q.state), f[1], fl[1]);
                        copy_field(q.reason, sizeof(q.reason), f[2], fl[2]);
                        if (k == 4)
                                copy_field(q.nodes, sizeof(q.nodes), f[3], fl[3]);
                        *ret = q;
                        return 0;
                }
                line = end ? end + 1 : NULL;
        }
        return -ENOENT;
}

int64_t slurm_queue_position(const char *out, const char *id)
{
        size_t idlen = strlen(id);
        int64_t pos = 0;
        for (const char *line = out; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t n = end ? (size_t)(end - line) : strlen(line);
                while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\r'))
                        n--;
                if (n > 0) {
                        pos++;
                        if (n == idlen && strncmp(line, id, n) == 0)
                                return pos;
                }
                line = end ? end + 1 : NULL;
        }
        return 0;
}

int slurm_scontrol_value(const char *record, const char *key, char *buf, size_t len)
{
        size_t kl = strlen(key);
        for (const char *p = record; (p = strstr(p, key));) {
                bool at_word = p == record || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t';
                if (at_word && p[kl] == '=') {
                        const char *v = p + kl + 1;
                        size_t n = strcspn(v, " \t\n");
                        copy_field(buf, len, v, n);
                        return 0;
                }
                p += kl;
        }
        return -ENOENT;
}

int slurm_parse_time(const char *s, uint64_t *ret_usec)
{
        struct tm tm = {0};
        const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) : NULL;
        if (!end || *end)
                return -EINVAL;
        tm.tm_isdst = -1;
        time_t t = mktime(&tm);
        if (t <= 0)
                return -EINVAL;
        *ret_usec = (uint64_t)t * 1000000u;
        return 0;
}

int slurm_parse_exit_code(const char *s, int *ret_code, int *ret_signal)
{
        char *end;
        errno = 0;
        long a = strtol(s, &end, 10);
        if (end == s || *end != ':' || errno || a < 0 || a > 255)
                return -EINVAL;
        const char *b_s = end + 1;
        long b = strtol(b_s, &end, 10);
        if (end == b_s || errno || b < 0 || b > 255)
                return -EINVAL;
        *ret_code = (int)a;
        *ret_signal = (int)b;
        return 0;
}

bool slurm_sacct_any_oom(const char *out)
{
        return out && strstr(out, "OUT_OF_MEMORY");
}

static uint64_t value_u64(const char *rec, const char *key)
{
        char v[64];
        if (slurm_scontrol_value(rec, key, v, sizeof(v)) < 0)
                return 0;
        return strtoull(v, NULL, 10);
}

void slurm_parse_nodes(const char *out, struct slurm_cluster *c)
{
        for (const char *line = out; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t n = end ? (size_t)(end - line) : strlen(line);
                _cleanup_free_ char *rec = strndup(line, n);
                if (rec && strstr(rec, "NodeName=")) {
                        char state[128] = "";
                        slurm_scontrol_value(rec, "State", state, sizeof(state));
                        c->nodes++;
                        if (!strstr(state, "DOWN") && !strstr(state, "DRAIN") &&
                            !strstr(state, "FAIL") && !strstr(state, "NOT_RESPONDING"))
                                c->nodes_up++;
                        c->cpus_total += value_u64(rec, "CPUTot");
                        c->cpus_alloc += value_u64(rec, "CPUAlloc");
                        c->memory_total_mb += value_u64(rec, "RealMemory");
                        c->memory_alloc_mb += value_u64(rec, "AllocMem");
                }
                line = end ? end + 1 : NULL;
        }
}

void slurm_count_states(const char *out, struct slurm_cluster *c)
{
        for (const char *line = out; line && *line;) {
                if (strncmp(line, "PENDING", 7) == 0)
                        c->jobs_pending++;
                else if (strncmp(line, "RUNNING", 7) == 0)
                        c->jobs_running++;
                const char *end = strchr(line, '\n');
                line = end ? end + 1 : NULL;
        }
}
