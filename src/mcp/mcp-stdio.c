/* mcp-stdio.c - stdin/stdout transport for MCP: never blocks the loop, keeps
 * both directions bounded.  See mcp-stdio.h. */
#include "mcp-stdio.h"
#include "cleanup.h"
#include "log.h"
#include "mcp-line.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

struct mcp_stdio {
        struct loop *loop;
        struct mcp_server *server;
        int in_fd, out_fd;
        int in_flags; /* restored at the end: a terminal's stdin is shared */
        struct loop_source *in_source, *out_source;
        struct mcp_line_reader reader;
        char *out;
        size_t out_head, out_len, out_cap, max_output;
        bool failed;
};

static int set_nonblock(int fd)
{
        int fl = fcntl(fd, F_GETFL);
        if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                return NEG_ERRNO();
        return 0;
}

static void on_line(void *userdata, const char *line, size_t len, bool oversize)
{
        struct mcp_stdio *io = userdata;
        if (oversize) {
                log_warning("Discarding a message longer than %zu bytes", io->reader.max);
                mcp_server_handle_oversize(io->server, line, len, io->reader.max);
        } else {
                mcp_server_handle_line(io->server, line, len);
        }
}

static int read_input(struct mcp_stdio *io)
{
        int r = mcp_line_reader_read_fd(&io->reader, io->in_fd, on_line, io);
        if (io->failed)
                return 0;
        if (r < 0) {
                log_error_errno(r, "Failed to read stdin: %s", strerror(-r));
                loop_exit(io->loop, 1);
        } else if (r > 0) {
                log_info("stdin closed: exiting");
                loop_exit(io->loop, 0);
        }
        return 0;
}

static int on_input(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        return read_input(userdata);
}

/* A regular file on stdin cannot be polled (epoll says EPERM); it never blocks,
 * so a zero-delay timer reads it chunk by chunk between other events. */
static int on_input_timer(struct loop_source *s, void *userdata)
{
        struct mcp_stdio *io = userdata;
        read_input(io);
        return loop_timer_set(s, 1);
}

static int flush(struct mcp_stdio *io);

static int on_output(struct loop_source *s, int fd, uint32_t revents, void *userdata)
{
        return flush(userdata);
}

static void fail(struct mcp_stdio *io, int code)
{
        io->failed = true;
        loop_exit(io->loop, code);
}

static int flush(struct mcp_stdio *io)
{
        while (io->out_len > 0 && !io->failed) {
                ssize_t n = write(io->out_fd, io->out + io->out_head, io->out_len);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN)
                                break;
                        log_error_errno(-errno, "Failed to write to stdout: %s; exiting",
                                        strerror(errno));
                        fail(io, 1);
                        return 0;
                }
                io->out_head += (size_t)n;
                io->out_len -= (size_t)n;
        }
        if (io->out_len == 0)
                io->out_head = 0;
        uint32_t want = io->out_len > 0 ? EPOLLOUT : 0;
        if (want && !io->out_source) {
                int r = loop_add_io(io->loop, io->out_fd, want, on_output, io, &io->out_source);
                if (r < 0) {
                        log_error_errno(r, "Failed to watch stdout: %s", strerror(-r));
                        fail(io, 1);
                }
        } else if (io->out_source) {
                (void)loop_source_set_events(io->out_source, want);
        }
        return 0;
}

static int before_sleep(struct loop *l, void *userdata)
{
        return flush(userdata);
}

void mcp_stdio_send(void *userdata, const char *msg, size_t len)
{
        struct mcp_stdio *io = userdata;
        if (io->failed)
                return;
        /* Threat: a client that never reads would make us queue without limit. */
        if (io->out_len + len + 1 > io->max_output) {
                log_error("The client is not reading its messages (%zu bytes queued, limit "
                          "%zu): disconnecting",
                          io->out_len, io->max_output);
                fail(io, 1);
                return;
        }
        if (io->out_head > 0 && io->out_head + io->out_len + len + 1 > io->out_cap) {
                memmove(io->out, io->out + io->out_head, io->out_len);
                io->out_head = 0;
        }
        size_t need = io->out_head + io->out_len + len + 1;
        if (need > io->out_cap) {
                size_t cap = io->out_cap ? io->out_cap : 64 * 1024;
                while (cap < need)
                        cap *= 2;
                char *p = realloc(io->out, cap);
                if (!p) {
                        log_error("Out of memory queueing a message: disconnecting");
                        fail(io, 1);
                        return;
                }
                io->out = p;
                io->out_cap = cap;
        }
        memcpy(io->out + io->out_head + io->out_len, msg, len);
        io->out[io->out_head + io->out_len + len] = '\n';
        io->out_len += len + 1;
}

int mcp_stdio_new(struct loop *l, int in_fd, int out_fd, size_t max_line, size_t max_output,
                  struct mcp_stdio **ret)
{
        struct mcp_stdio *io = calloc(1, sizeof(*io));
        if (!io)
                return -ENOMEM;
        io->loop = l;
        io->in_fd = in_fd;
        io->in_flags = fcntl(in_fd, F_GETFL);
        io->max_output = max_output ? max_output : MCP_STDIO_DEFAULT_MAX_OUTPUT;
        mcp_line_reader_init(&io->reader, max_line);
        /* Our own fd: stdin and stdout may be one socket, which epoll would refuse
         * to watch twice under the same number. */
        io->out_fd = fcntl(out_fd, F_DUPFD_CLOEXEC, 3);
        int r = io->out_fd < 0 ? NEG_ERRNO() : 0;
        if (r >= 0)
                r = set_nonblock(in_fd);
        if (r >= 0)
                r = set_nonblock(io->out_fd);
        if (r < 0) {
                mcp_stdio_free(io);
                return r;
        }
        *ret = io;
        return 0;
}

int mcp_stdio_attach(struct mcp_stdio *io, struct mcp_server *server)
{
        io->server = server;
        int r = loop_add_io(io->loop, io->in_fd, EPOLLIN, on_input, io, &io->in_source);
        if (r == -EPERM)
                r = loop_add_timer(io->loop, 1, on_input_timer, io, &io->in_source);
        if (r < 0)
                return r;
        loop_set_before_sleep(io->loop, before_sleep, io);
        return 0;
}

void mcp_stdio_flush_blocking(struct mcp_stdio *io, int timeout_ms)
{
        for (int waited = 0; io->out_len > 0 && !io->failed && waited < timeout_ms; waited += 50) {
                flush(io);
                if (io->out_len > 0)
                        (void)poll(&(struct pollfd){.fd = io->out_fd, .events = POLLOUT}, 1, 50);
        }
}

void mcp_stdio_free(struct mcp_stdio *io)
{
        if (!io)
                return;
        loop_source_free(io->in_source);
        loop_source_free(io->out_source);
        if (io->loop)
                loop_set_before_sleep(io->loop, NULL, NULL);
        if (io->out_fd >= 0)
                close(io->out_fd);
        if (io->in_flags >= 0)
                (void)fcntl(io->in_fd, F_SETFL, io->in_flags);
        mcp_line_reader_done(&io->reader);
        free(io->out);
        free(io);
}
