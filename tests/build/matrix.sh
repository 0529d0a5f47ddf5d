#!/bin/bash
# tests/build/matrix.sh - corral builds warning-free the ways packagers build it:
# gcc and clang, every CMake build type, and Debian's dpkg-buildflags (fortify,
# stack protector, PIE, relro, bindnow).  -Werror is on here (CORRAL_WERROR), so
# any warning fails its configuration; the log is also searched for warnings
# that -Werror does not cover (the linker's).  Only the binary is built per
# configuration (not the test programs) to keep the matrix within its budget.
set -uo pipefail
: "${CORRAL_SRC:?CORRAL_SRC must name the source tree (ctest sets it)}"
TMP=$(mktemp -d /tmp/corral-build-matrix.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM
FAILS=0
CHECKS=0
ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "not ok - $*"; }

for tool in gcc clang dpkg-buildflags readelf; do
        command -v "$tool" >/dev/null || { echo "missing $tool: run contrib/install-deps.sh" >&2; exit 1; }
done

# build NAME CC BUILD_TYPE [CFLAGS LDFLAGS]: configure and build the binary in
# $TMP/NAME; prints the binary's path on success.
build() {
        local name=$1 cc=$2 type=$3 cflags=${4-} ldflags=${5-}
        local dir=$TMP/$name log=$TMP/$name.log
        if ! CC=$cc CFLAGS=$cflags LDFLAGS=$ldflags cmake -S "$CORRAL_SRC" -B "$dir" \
                -DCMAKE_BUILD_TYPE="$type" -DCORRAL_WERROR=ON -DCORRAL_BUILD_TESTS=OFF \
                >"$log" 2>&1 ||
                ! cmake --build "$dir" -j "$(nproc)" --target corral >>"$log" 2>&1; then
                not_ok "$name: build failed"
                sed -n '/error\|warning/p' "$log" | head -20
                return 1
        fi
        if grep -i 'warning' "$log" | grep -v 'CMake Warning (dev)' | head -5 | grep .; then
                not_ok "$name: warnings in the build log"
                return 1
        fi
        if ! "$dir/corral" --version >/dev/null; then
                not_ok "$name: the binary does not run"
                return 1
        fi
        ok "$name: builds without a warning and runs"
}

for cc in gcc clang; do
        for type in Debug Release RelWithDebInfo MinSizeRel; do
                # gcc RelWithDebInfo with -Werror is tests/run.sh's own build
                # (plain and ASan), whose failure fails the run: not built twice.
                [ "$cc-$type" = gcc-RelWithDebInfo ] && [ -z "${CORRAL_MATRIX_ALL:-}" ] && continue
                build "$cc-$type" "$cc" "$type"
        done
        # As debhelper builds: CMAKE_BUILD_TYPE=None and every flag from
        # dpkg-buildflags, hardening all on.
        export DEB_BUILD_MAINT_OPTIONS=hardening=+all DEB_CFLAGS_MAINT_APPEND=
        cflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
        ldflags=$(dpkg-buildflags --get LDFLAGS)
        if build "$cc-debian" "$cc" None "$cflags" "$ldflags"; then
                bin=$TMP/$cc-debian/corral
                # The hardening the flags ask for is in the binary (read into
                # files first: grep -q would cut readelf's pipe under pipefail).
                readelf -h -l -d "$bin" >"$TMP/elf" && readelf --dyn-syms -W "$bin" >"$TMP/syms"
                grep -q 'Type:.*DYN' "$TMP/elf" && ok "$cc-debian: PIE" || not_ok "$cc-debian: not PIE"
                grep -q GNU_RELRO "$TMP/elf" && ok "$cc-debian: relro" || not_ok "$cc-debian: no relro"
                grep -Eq 'BIND_NOW|FLAGS.*NOW' "$TMP/elf" && ok "$cc-debian: bindnow" ||
                        not_ok "$cc-debian: no bindnow"
                grep -q '__stack_chk_fail' "$TMP/syms" && ok "$cc-debian: stack protector" ||
                        not_ok "$cc-debian: no stack protector"
                grep -Eq '__[a-z]+_chk@' "$TMP/syms" && ok "$cc-debian: fortified calls" ||
                        not_ok "$cc-debian: no fortified call"
        fi
done

echo "$((CHECKS - FAILS)) passed, $FAILS failed"
[ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]
