#!/bin/bash
# What every corral process loads at start (docs/performance.md, issue 18):
# libsystemd and the six libraries it needs are loaded only by a process that
# asks for a systemd scope (src/sandbox/sdbus-load.c), libsqlite3 only by one
# that opens the store index (src/jobs/sqlite-load.c), never at start, because
# `corral submit` and each supervisor pay for every library at exec.  Here:
# the binary names neither as needed, a started corral (its dynamic loader's
# own account, LD_DEBUG=files) loaded none of them.  That they still load and
# work when needed: rootless/user_scope (a real scope), integration/store_index
# and unit/test_store_list (the index, through sqlite-load.c).
set -u
: "${CORRAL:?}"
for tool in readelf nm; do
        command -v $tool >/dev/null || { echo "$tool missing (binutils): contrib/install-deps.sh" >&2; exit 1; }
done
fails=0
ok() { echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }

needed=$(readelf -d "$CORRAL" | grep NEEDED) || { not_ok "readelf -d $CORRAL"; exit 1; }
for lib in libsystemd libsqlite3; do
        if grep -q $lib <<<"$needed"; then not_ok "corral links $lib: $needed"; else ok "$lib is not a needed library"; fi
done
# sqlite-load.c defines sqlite3_* functions that forward to the library: were
# the binary to export them (-rdynamic), libsqlite3's own calls between its
# functions would bind to these and loop.
exported=$(nm -D --defined-only "$CORRAL" | grep -c ' sqlite3_')
if [ "$exported" = 0 ]; then ok "no sqlite3_* symbol exported"; else not_ok "$exported sqlite3_* symbols exported by $CORRAL"; fi

loaded=$(LD_DEBUG=files "$CORRAL" version 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u)
grep -q 'libc.so' <<<"$loaded" || not_ok "LD_DEBUG=files did not report the libraries loaded: $loaded"
for lib in libsystemd libgcrypt liblzma libzstd liblz4 libgpg-error libsqlite3; do
        if grep -q "$lib" <<<"$loaded"; then not_ok "corral version loaded $lib"; else ok "corral version did not load $lib"; fi
done

exit $((fails > 0))
