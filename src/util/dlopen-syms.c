/* dlopen-syms.c - see dlopen-syms.h. */
#include "dlopen-syms.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>

int dlopen_syms(const char *soname, const struct dlopen_sym *syms, size_t n, char *err,
                size_t errlen)
{
        void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
        if (!h) {
                snprintf(err, errlen, "cannot load %s: %s", soname, dlerror());
                return -ENOENT;
        }
        for (size_t i = 0; i < n; i++) {
                /* POSIX: a function pointer may be stored through a void *. */
                *syms[i].slot = dlsym(h, syms[i].sym);
                if (!*syms[i].slot) {
                        snprintf(err, errlen, "%s has no %s", soname, syms[i].sym);
                        return -ENOSYS;
                }
        }
        return 0;
}
