/* dlopen-syms.h - a shared library loaded on first use, with every symbol a
 * caller needs resolved at once or none (sdbus-load.c, sqlite-load.c).
 *
 * Why load late at all: a library linked normally is mapped and bound at
 * every corral start, which submit and each supervisor pay on the way to a
 * running job (docs/performance.md).  Does not log.
 */
#pragma once

#include <stddef.h>

struct dlopen_sym {
        void **slot;     /* where the address goes (a function pointer's storage) */
        const char *sym; /* its name in the library */
};

/* dlopen(soname) (never closed: the library stays for the process's life, as
 * a linked one would) and dlsym of each of syms[0..n).  0 with every slot
 * set; -ENOENT when the library cannot be loaded, -ENOSYS when one symbol is
 * missing (the others are then not to be used), with what failed in err. */
int dlopen_syms(const char *soname, const struct dlopen_sym *syms, size_t n, char *err,
                size_t errlen);
