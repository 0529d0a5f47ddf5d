/* cleanup.h - scope-bound resources, after systemd's _cleanup_ attributes.
 *
 * A variable declared with one of these attributes releases its resource when it
 * goes out of scope; TAKE_PTR/TAKE_FD hand ownership on and disarm the cleanup.
 * File descriptors start at -EBADF so "not open" is never a valid fd.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <unistd.h>

static inline void freep(void *p)
{
        free(*(void **)p);
}

static inline void closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}

static inline void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}

/* unused: a variable may exist only for its cleanup (clang warns otherwise) */
#define _cleanup_(f)       __attribute__((cleanup(f), unused))
#define _cleanup_free_     _cleanup_(freep)
#define _cleanup_close_    _cleanup_(closep)
#define _cleanup_fclose_   _cleanup_(fclosep)
#define _cleanup_closedir_ _cleanup_(closedirp)

/* Declares a cleanup function T##_freep for a type with a T##_free(T *) destructor. */
#define DEFINE_FREE_FUNC(type, func)                                                               \
        static inline __attribute__((unused)) void func##p(type **p)                               \
        {                                                                                          \
                if (*p)                                                                            \
                        func(*p);                                                                  \
        }

#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _p_ = (p);                                                           \
                (p) = NULL;                                                                        \
                _p_;                                                                               \
        })

#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _fd_ = (fd);                                                                   \
                (fd) = -EBADF;                                                                     \
                _fd_;                                                                              \
        })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* libc's -1/errno convention converted to -errno at once. */
#define NEG_ERRNO() (errno > 0 ? -errno : -EIO)
