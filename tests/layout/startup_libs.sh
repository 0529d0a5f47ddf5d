#!/bin/bash
# What every corral process loads at start (docs/performance.md, issue 18):
# libsystemd and the six libraries it needs are loaded only by a process that
# asks for a systemd scope (src/sandbox/sdbus-load.c), never at start, because
# `corral submit` and each supervisor pay for every library at exec.  Here:
# the binary does not name libsystemd as needed, and a started corral (its
# dynamic loader's own account, LD_DEBUG=files) loaded none of them.  That a
# scope request still loads it and works: rootless/user_scope.
set -u
: "${CORRAL:?}"
command -v readelf >/dev/null || { echo "readelf missing (binutils): contrib/install-deps.sh" >&2; exit 1; }
fails=0
ok() { echo "ok - $*"; }
not_ok() { fails=$((fails + 1)); echo "not ok - $*"; }

needed=$(readelf -d "$CORRAL" | grep NEEDED) || { not_ok "readelf -d $CORRAL"; exit 1; }
if grep -q libsystemd <<<"$needed"; then not_ok "corral links libsystemd: $needed"; else ok "libsystemd is not a needed library"; fi

loaded=$(LD_DEBUG=files "$CORRAL" version 2>&1 >/dev/null | grep -o 'file=[^ ]*' | sort -u)
grep -q 'libc.so' <<<"$loaded" || not_ok "LD_DEBUG=files did not report the libraries loaded: $loaded"
for lib in libsystemd libgcrypt liblzma libzstd liblz4 libgpg-error; do
        if grep -q "$lib" <<<"$loaded"; then not_ok "corral version loaded $lib"; else ok "corral version did not load $lib"; fi
done
exit $((fails > 0))
