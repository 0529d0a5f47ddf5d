/* loop.c - the event loop of `corral serve` and the supervisor: epoll over fds,
 * timerfds, a signalfd and pidfds, with a before-sleep hook.  See loop.h. */
#include "loop.h"
#include "cleanup.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>

enum source_type { SOURCE_IO, SOURCE_TIMER, SOURCE_SIGNAL, SOURCE_PID };

struct loop_source {
        struct loop *loop;
        enum source_type type;
        int fd;
        bool owns_fd;
        bool dead;
        uint32_t events;
        pid_t pid;
        void *userdata;
        union {
                loop_io_fn io;
                loop_timer_fn timer;
                loop_signal_fn signal;
                loop_pid_fn pid;
        } cb;
        struct loop_source *prev, *next; /* all live sources */
        struct loop_source *next_dead;   /* freed during dispatch */
};

struct loop {
        int epfd;
        bool dispatching;
        bool exiting;
        int exit_code;
        struct loop_source *sources;
        struct loop_source *dead;
        loop_hook_fn before_sleep;
        void *before_sleep_data;
};

int loop_new(struct loop **ret)
{
        struct loop *l = calloc(1, sizeof(*l));
        if (!l)
                return -ENOMEM;
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
        if (l->epfd < 0) {
                int r = NEG_ERRNO();
                free(l);
                return r;
        }
        *ret = l;
        return 0;
}

static void source_destroy(struct loop_source *s)
{
        if (s->owns_fd && s->fd >= 0)
                close(s->fd);
        free(s);
}

static void reap_dead(struct loop *l)
{
        while (l->dead) {
                struct loop_source *s = l->dead;
                l->dead = s->next_dead;
                source_destroy(s);
        }
}

void loop_free(struct loop *l)
{
        if (!l)
                return;
        while (l->sources)
                loop_source_free(l->sources);
        reap_dead(l);
        if (l->epfd >= 0)
                close(l->epfd);
        free(l);
}

static int source_attach(struct loop *l, enum source_type type, int fd, bool owns_fd,
                         uint32_t events, void *userdata, struct loop_source **ret)
{
        struct loop_source *s = calloc(1, sizeof(*s));
        if (!s) {
                if (owns_fd)
                        close(fd);
                return -ENOMEM;
        }
        *s = (struct loop_source){.loop = l,
                                  .type = type,
                                  .fd = fd,
                                  .owns_fd = owns_fd,
                                  .events = events,
                                  .userdata = userdata};
        struct epoll_event ev = {.events = events, .data.ptr = s};
        if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
                int r = NEG_ERRNO();
                source_destroy(s);
                return r;
        }
        s->next = l->sources;
        if (l->sources)
                l->sources->prev = s;
        l->sources = s;
        *ret = s;
        return 0;
}

int loop_add_io(struct loop *l, int fd, uint32_t events, loop_io_fn cb, void *userdata,
                struct loop_source **ret)
{
        struct loop_source *s;
        int r = source_attach(l, SOURCE_IO, fd, false, events, userdata, &s);
        if (r < 0)
                return r;
        s->cb.io = cb;
        *ret = s;
        return 0;
}

int loop_source_set_events(struct loop_source *s, uint32_t events)
{
        if (s->events == events)
                return 0;
        struct epoll_event ev = {.events = events, .data.ptr = s};
        if (epoll_ctl(s->loop->epfd, EPOLL_CTL_MOD, s->fd, &ev) < 0)
                return NEG_ERRNO();
        s->events = events;
        return 0;
}

uint32_t loop_source_get_events(const struct loop_source *s)
{
        return s->events;
}

int loop_timer_set(struct loop_source *s, uint64_t usec)
{
        struct itimerspec its = {
            .it_value = {.tv_sec = usec / 1000000, .tv_nsec = (usec % 1000000) * 1000}};
        if (timerfd_settime(s->fd, 0, &its, NULL) < 0)
                return NEG_ERRNO();
        return 0;
}

int loop_add_timer(struct loop *l, uint64_t usec, loop_timer_fn cb, void *userdata,
                   struct loop_source **ret)
{
        int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
        if (fd < 0)
                return NEG_ERRNO();
        struct loop_source *s;
        int r = source_attach(l, SOURCE_TIMER, fd, true, EPOLLIN, userdata, &s);
        if (r < 0)
                return r;
        s->cb.timer = cb;
        if (usec > 0) {
                r = loop_timer_set(s, usec);
                if (r < 0) {
                        loop_source_free(s);
                        return r;
                }
        }
        *ret = s;
        return 0;
}

int loop_add_signals(struct loop *l, const sigset_t *mask, loop_signal_fn cb, void *userdata,
                     struct loop_source **ret)
{
        /* Block first, so a signal arriving before signalfd exists is queued for it
         * rather than running its default action. */
        int r = -pthread_sigmask(SIG_BLOCK, mask, NULL);
        if (r < 0)
                return r;
        int fd = signalfd(-1, mask, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return NEG_ERRNO();
        struct loop_source *s;
        r = source_attach(l, SOURCE_SIGNAL, fd, true, EPOLLIN, userdata, &s);
        if (r < 0)
                return r;
        s->cb.signal = cb;
        *ret = s;
        return 0;
}

int loop_add_pid(struct loop *l, pid_t pid, loop_pid_fn cb, void *userdata,
                 struct loop_source **ret)
{
        int fd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (fd < 0)
                return NEG_ERRNO();
        struct loop_source *s;
        int r = source_attach(l, SOURCE_PID, fd, true, EPOLLIN, userdata, &s);
        if (r < 0)
                return r;
        s->cb.pid = cb;
        s->pid = pid;
        *ret = s;
        return 0;
}

void loop_set_before_sleep(struct loop *l, loop_hook_fn cb, void *userdata)
{
        l->before_sleep = cb;
        l->before_sleep_data = userdata;
}

struct loop *loop_source_loop(const struct loop_source *s)
{
        return s->loop;
}

void loop_source_free(struct loop_source *s)
{
        if (!s || s->dead)
                return;
        struct loop *l = s->loop;
        (void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, NULL);
        if (s->prev)
                s->prev->next = s->next;
        else
                l->sources = s->next;
        if (s->next)
                s->next->prev = s->prev;
        s->dead = true;
        /* The current epoll batch may still hold a pointer to s: defer. */
        s->next_dead = l->dead;
        l->dead = s;
        if (!l->dispatching)
                reap_dead(l);
}

void loop_exit(struct loop *l, int code)
{
        l->exiting = true;
        l->exit_code = code;
}

static int dispatch_one(struct loop_source *s, uint32_t revents)
{
        switch (s->type) {
        case SOURCE_IO:
                return s->cb.io(s, s->fd, revents, s->userdata);
        case SOURCE_TIMER: {
                uint64_t expirations;
                if (read(s->fd, &expirations, sizeof(expirations)) < 0 && errno == EAGAIN)
                        return 0; /* re-armed by an earlier callback in this batch */
                return s->cb.timer(s, s->userdata);
        }
        case SOURCE_SIGNAL: {
                struct signalfd_siginfo si;
                ssize_t n = read(s->fd, &si, sizeof(si));
                if (n != (ssize_t)sizeof(si))
                        return n < 0 && errno == EAGAIN ? 0 : -EIO;
                return s->cb.signal(s, (int)si.ssi_signo, s->userdata);
        }
        case SOURCE_PID:
                return s->cb.pid(s, s->pid, s->fd, s->userdata);
        }
        return -EINVAL;
}

int loop_run_once(struct loop *l, int timeout_ms)
{
        if (l->exiting)
                return 1;
        if (l->before_sleep) {
                int r = l->before_sleep(l, l->before_sleep_data);
                if (r < 0)
                        return r;
                if (l->exiting)
                        return 1;
        }
        struct epoll_event events[64];
        int n = epoll_wait(l->epfd, events, (int)ELEMENTSOF(events), timeout_ms);
        if (n < 0)
                return errno == EINTR ? 0 : NEG_ERRNO();
        int r = 0;
        l->dispatching = true;
        for (int i = 0; i < n && r >= 0 && !l->exiting; i++) {
                struct loop_source *s = events[i].data.ptr;
                if (s->dead) /* freed by an earlier callback of this batch */
                        continue;
                r = dispatch_one(s, events[i].events);
        }
        l->dispatching = false;
        reap_dead(l);
        if (r < 0)
                return r;
        return l->exiting ? 1 : 0;
}

int loop_run(struct loop *l)
{
        for (;;) {
                int r = loop_run_once(l, -1);
                if (r < 0)
                        return r;
                if (r > 0)
                        return l->exit_code;
        }
}
