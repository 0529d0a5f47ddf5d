/* sqlite-load.c - libsqlite3, loaded the first time the store index is opened.
 *
 * Only the store index (store-index.c, store-list.c) uses SQLite, and only for
 * `list`, `report` and a job's final record.  Linked normally, every corral
 * process paid for it at start: the dynamic loader resolves some 1,600 symbol
 * bindings for libsqlite3 alone (LD_DEBUG=bindings), 90% of what is left of
 * its work once libsystemd went (sdbus-load.h), paid twice on the way from
 * `corral submit` to a running job (submit, then its supervisor; callgrind:
 * docs/performance.md).
 *
 * This file defines the few sqlite3_* functions corral calls and forwards them
 * to the library, dlopen()ed on the first sqlite3_open_v2.  The executable
 * exports no symbols (no -rdynamic), so the library never binds to these.  A
 * new sqlite3_* call elsewhere is an undefined reference at link time: add it
 * here.  debian/control names libsqlite3-0, which dpkg-shlibdeps no longer
 * finds.  Call from one thread.
 */
#include "dlopen-syms.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

static struct {
        __typeof__(sqlite3_open_v2) *open_v2;
        __typeof__(sqlite3_close) *close;
        __typeof__(sqlite3_db_config) *db_config;
        __typeof__(sqlite3_busy_timeout) *busy_timeout;
        __typeof__(sqlite3_exec) *exec;
        __typeof__(sqlite3_prepare_v2) *prepare_v2;
        __typeof__(sqlite3_step) *step;
        __typeof__(sqlite3_finalize) *finalize;
        __typeof__(sqlite3_bind_int64) *bind_int64;
        __typeof__(sqlite3_bind_text) *bind_text;
        __typeof__(sqlite3_bind_null) *bind_null;
        __typeof__(sqlite3_bind_blob) *bind_blob;
        __typeof__(sqlite3_column_int) *column_int;
        __typeof__(sqlite3_column_blob) *column_blob;
        __typeof__(sqlite3_column_bytes) *column_bytes;
        __typeof__(sqlite3_column_int64) *column_int64;
        __typeof__(sqlite3_column_text) *column_text;
        __typeof__(sqlite3_wal_checkpoint_v2) *wal_checkpoint_v2;
} fns;
static bool loaded;

#define SYM(field, name)                                                                           \
        {                                                                                          \
                .slot = (void **)&fns.field, .sym = name                                           \
        }

/* Everything or nothing: a library without one of them is not used at all. */
static bool load(void)
{
        if (loaded)
                return true;
        const struct dlopen_sym syms[] = {
            SYM(open_v2, "sqlite3_open_v2"),
            SYM(close, "sqlite3_close"),
            SYM(db_config, "sqlite3_db_config"),
            SYM(busy_timeout, "sqlite3_busy_timeout"),
            SYM(exec, "sqlite3_exec"),
            SYM(prepare_v2, "sqlite3_prepare_v2"),
            SYM(step, "sqlite3_step"),
            SYM(finalize, "sqlite3_finalize"),
            SYM(bind_int64, "sqlite3_bind_int64"),
            SYM(bind_text, "sqlite3_bind_text"),
            SYM(bind_null, "sqlite3_bind_null"),
            SYM(bind_blob, "sqlite3_bind_blob"),
            SYM(column_int, "sqlite3_column_int"),
            SYM(column_blob, "sqlite3_column_blob"),
            SYM(column_bytes, "sqlite3_column_bytes"),
            SYM(column_int64, "sqlite3_column_int64"),
            SYM(column_text, "sqlite3_column_text"),
            SYM(wal_checkpoint_v2, "sqlite3_wal_checkpoint_v2"),
        };
        /* Why it failed is not reported: without the library the index is
         * not there, which its callers handle (a cache, store-index.h). */
        char why[200];
        if (dlopen_syms("libsqlite3.so.0", syms, sizeof(syms) / sizeof(syms[0]), why, sizeof(why)) <
            0)
                return false;
        loaded = true;
        return true;
}

/* The way in: every other call needs a handle this returned.  Without the
 * library the index cannot be opened, which its callers already handle (it
 * is a cache: store-index.h). */
int sqlite3_open_v2(const char *filename, sqlite3 **ppDb, int flags, const char *zVfs)
{
        if (!load()) {
                *ppDb = NULL;
                return SQLITE_CANTOPEN;
        }
        return fns.open_v2(filename, ppDb, flags, zVfs);
}

int sqlite3_close(sqlite3 *db)
{
        return db ? fns.close(db) : SQLITE_OK; /* NULL: a no-op, as in SQLite */
}

/* The boolean options only (int, int *), the ones corral sets. */
int sqlite3_db_config(sqlite3 *db, int op, ...)
{
        if (op == SQLITE_DBCONFIG_MAINDBNAME || op == SQLITE_DBCONFIG_LOOKASIDE)
                return SQLITE_MISUSE;
        va_list ap;
        va_start(ap, op);
        int v = va_arg(ap, int);
        int *ret = va_arg(ap, int *);
        va_end(ap);
        return fns.db_config(db, op, v, ret);
}

int sqlite3_busy_timeout(sqlite3 *db, int ms)
{
        return fns.busy_timeout(db, ms);
}

int sqlite3_exec(sqlite3 *db, const char *sql, int (*callback)(void *, int, char **, char **),
                 void *arg, char **errmsg)
{
        return fns.exec(db, sql, callback, arg, errmsg);
}

int sqlite3_prepare_v2(sqlite3 *db, const char *zSql, int nByte, sqlite3_stmt **ppStmt,
                       const char **pzTail)
{
        return fns.prepare_v2(db, zSql, nByte, ppStmt, pzTail);
}

int sqlite3_step(sqlite3_stmt *st)
{
        return fns.step(st);
}

int sqlite3_finalize(sqlite3_stmt *st)
{
        return st ? fns.finalize(st) : SQLITE_OK; /* NULL: a no-op, as in SQLite */
}

int sqlite3_bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v)
{
        return fns.bind_int64(st, i, v);
}

int sqlite3_bind_text(sqlite3_stmt *st, int i, const char *v, int n, void (*destructor)(void *))
{
        return fns.bind_text(st, i, v, n, destructor);
}

int sqlite3_bind_null(sqlite3_stmt *st, int i)
{
        return fns.bind_null(st, i);
}

int sqlite3_bind_blob(sqlite3_stmt *st, int i, const void *v, int n, void (*destructor)(void *))
{
        return fns.bind_blob(st, i, v, n, destructor);
}

int sqlite3_column_int(sqlite3_stmt *st, int i)
{
        return fns.column_int(st, i);
}

const void *sqlite3_column_blob(sqlite3_stmt *st, int i)
{
        return fns.column_blob(st, i);
}

int sqlite3_column_bytes(sqlite3_stmt *st, int i)
{
        return fns.column_bytes(st, i);
}

sqlite3_int64 sqlite3_column_int64(sqlite3_stmt *st, int i)
{
        return fns.column_int64(st, i);
}

const unsigned char *sqlite3_column_text(sqlite3_stmt *st, int i)
{
        return fns.column_text(st, i);
}

int sqlite3_wal_checkpoint_v2(sqlite3 *db, const char *zDb, int eMode, int *pnLog, int *pnCkpt)
{
        return fns.wal_checkpoint_v2(db, zDb, eMode, pnLog, pnCkpt);
}
