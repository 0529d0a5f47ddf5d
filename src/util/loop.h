/* loop.h - a small single-threaded event loop over epoll (after redis' ae.c).
 *
 * One struct loop per thread, no globals.  Every event source (an fd watcher,
 * a timer, a signal set, a child process) is a struct loop_source owned by the
 * caller: create it with loop_add_*(), change it with loop_source_set_*(), and
 * release it with loop_source_free() - also from inside any callback, including
 * its own: the loop defers the actual free until the current batch of events
 * is dispatched, and skips events of sources freed earlier in the same batch.
 *
 * Callbacks return >= 0 to go on; a negative return stops the loop and
 * loop_run() returns it.  loop_exit() stops it with a chosen code.
 */
#pragma once

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

struct loop;
struct loop_source;

typedef int (*loop_io_fn)(struct loop_source *s, int fd, uint32_t revents, void *userdata);
/* A timer fires once; re-arm it from its callback with loop_timer_set(). */
typedef int (*loop_timer_fn)(struct loop_source *s, void *userdata);
typedef int (*loop_signal_fn)(struct loop_source *s, int signo, void *userdata);
/* pidfd became readable: the process exited (reap it with waitid(P_PIDFD)). */
typedef int (*loop_pid_fn)(struct loop_source *s, pid_t pid, int pidfd, void *userdata);
/* Runs before each epoll_wait: flush buffers, coalesce notifications. */
typedef int (*loop_hook_fn)(struct loop *l, void *userdata);

int loop_new(struct loop **ret);
/* Frees every source still attached, then the loop. Accepts NULL. */
void loop_free(struct loop *l);

/* Watches fd (not owned, never closed by the loop) for EPOLLIN/EPOLLOUT. */
int loop_add_io(struct loop *l, int fd, uint32_t events, loop_io_fn cb, void *userdata,
                struct loop_source **ret);
int loop_source_set_events(struct loop_source *s, uint32_t events);
uint32_t loop_source_get_events(const struct loop_source *s);

/* A one-shot timer on CLOCK_MONOTONIC firing after usec (0: disarmed). */
int loop_add_timer(struct loop *l, uint64_t usec, loop_timer_fn cb, void *userdata,
                   struct loop_source **ret);
int loop_timer_set(struct loop_source *s, uint64_t usec);

/* Blocks the signals in mask for the thread and delivers them via signalfd.
 * The caller restores the mask if it cares (child setup resets it anyway). */
int loop_add_signals(struct loop *l, const sigset_t *mask, loop_signal_fn cb, void *userdata,
                     struct loop_source **ret);

/* Watches a child (or any process) through a pidfd the loop opens and owns. */
int loop_add_pid(struct loop *l, pid_t pid, loop_pid_fn cb, void *userdata,
                 struct loop_source **ret);

void loop_set_before_sleep(struct loop *l, loop_hook_fn cb, void *userdata);

/* Detaches and frees a source (deferred while events are being dispatched). */
void loop_source_free(struct loop_source *s);
struct loop *loop_source_loop(const struct loop_source *s);

/* Runs until loop_exit() or a callback fails; returns the exit code or -errno. */
int loop_run(struct loop *l);
/* One iteration: waits at most timeout_ms (-1: forever). Returns > 0 when the loop
 * was asked to exit, 0 to go on, -errno on failure.  For tests. */
int loop_run_once(struct loop *l, int timeout_ms);
void loop_exit(struct loop *l, int code);
