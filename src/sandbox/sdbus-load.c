/* sdbus-load.c - see sdbus-load.h. */
#include "sdbus-load.h"

#include "dlopen-syms.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>

static struct sdbus fns;
static bool loaded;

#define SYM(field, name)                                                                           \
        {                                                                                          \
                .slot = (void **)&fns.field, .sym = name                                           \
        }

const struct sdbus *sdbus_load(char *err, size_t errlen)
{
        if (loaded)
                return &fns;
        const struct dlopen_sym syms[] = {
            SYM(open_user, "sd_bus_open_user"),
            SYM(flush_close_unref, "sd_bus_flush_close_unref"),
            SYM(slot_unref, "sd_bus_slot_unref"),
            SYM(message_unref, "sd_bus_message_unref"),
            SYM(error_free, "sd_bus_error_free"),
            SYM(match_signal, "sd_bus_match_signal"),
            SYM(message_new_method_call, "sd_bus_message_new_method_call"),
            SYM(message_append, "sd_bus_message_append"),
            SYM(message_open_container, "sd_bus_message_open_container"),
            SYM(message_close_container, "sd_bus_message_close_container"),
            SYM(message_read, "sd_bus_message_read"),
            SYM(call, "sd_bus_call"),
            SYM(error_has_names_sentinel, "sd_bus_error_has_names_sentinel"),
            SYM(process, "sd_bus_process"),
            SYM(wait, "sd_bus_wait"),
        };
        char why[200];
        int r =
            dlopen_syms("libsystemd.so.0", syms, sizeof(syms) / sizeof(syms[0]), why, sizeof(why));
        if (r < 0) {
                snprintf(err, errlen, "%s%s", why, r == -ENOSYS ? " (systemd too old?)" : "");
                return NULL;
        }
        loaded = true;
        return &fns;
}

void sdbus_bus_closep(sd_bus **p)
{
        if (*p)
                fns.flush_close_unref(*p);
}

void sdbus_slot_unrefp(sd_bus_slot **p)
{
        if (*p)
                fns.slot_unref(*p);
}

void sdbus_message_unrefp(sd_bus_message **p)
{
        if (*p)
                fns.message_unref(*p);
}

void sdbus_error_freep(sd_bus_error *e)
{
        /* SD_BUS_ERROR_NULL owns nothing: nothing to free before loading. */
        if (loaded)
                fns.error_free(e);
}
