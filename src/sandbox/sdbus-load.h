/* sdbus-load.h - libsystemd's sd-bus, loaded the first time a scope is asked for.
 *
 * Only systemd-scope.c needs libsystemd, and only for a rootless corral on a
 * cgroup v2 host.  Linked normally, every corral process paid for it at start:
 * libsystemd.so.0 brings six more libraries (libgcrypt, liblzma, libzstd,
 * liblz4, libgpg-error, libcap) that the dynamic loader maps and relocates,
 * 0.4-1.0 ms of CPU per process (`perf stat` of an empty program linked with
 * and without them, docs/performance.md), paid twice on the way from `corral
 * submit` to a running job (submit, then its supervisor).  dlopen() here
 * loads it only in the process that asks for a scope (libsqlite3 likewise:
 * jobs/sqlite-load.c).  debian/control names both packages, which dpkg-shlibdeps
 * no longer finds.
 *
 * The pointers' types are the header's own (__typeof__), so a mismatch with
 * libsystemd's declarations does not compile.  Call from one thread.
 */
#pragma once

#include <stddef.h>
#include <systemd/sd-bus.h>

struct sdbus {
        __typeof__(sd_bus_open_user) *open_user;
        __typeof__(sd_bus_flush_close_unref) *flush_close_unref;
        __typeof__(sd_bus_slot_unref) *slot_unref;
        __typeof__(sd_bus_message_unref) *message_unref;
        __typeof__(sd_bus_error_free) *error_free;
        __typeof__(sd_bus_match_signal) *match_signal;
        __typeof__(sd_bus_message_new_method_call) *message_new_method_call;
        __typeof__(sd_bus_message_append) *message_append;
        __typeof__(sd_bus_message_open_container) *message_open_container;
        __typeof__(sd_bus_message_close_container) *message_close_container;
        __typeof__(sd_bus_message_read) *message_read;
        __typeof__(sd_bus_call) *call;
        __typeof__(sd_bus_error_has_names_sentinel) *error_has_names_sentinel;
        __typeof__(sd_bus_process) *process;
        __typeof__(sd_bus_wait) *wait;
};

/* The functions, loaded once and kept for the life of the process; NULL with
 * the loader's message in err when libsystemd.so.0 or one of them is missing. */
const struct sdbus *sdbus_load(char *err, size_t errlen);

/* Cleanup helpers (_cleanup_): no-ops on NULL, so usable before loading. */
void sdbus_bus_closep(sd_bus **p);
void sdbus_slot_unrefp(sd_bus_slot **p);
void sdbus_message_unrefp(sd_bus_message **p);
void sdbus_error_freep(sd_bus_error *e);
