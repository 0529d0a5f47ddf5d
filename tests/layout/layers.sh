#!/bin/bash
# layout/layers: the layer rules of src/CMakeLists.txt, checked from the sources
# and with the linker, so that a change breaking them fails with a sentence.
#  1. every quoted #include in src/<layer>/ names a header of that layer or of a
#     layer below it (the compiler enforces this too, through include paths;
#     this names the offending line instead of "No such file");
#  2. a *-internal.h header is included only from its own folder;
#  3. the linker check itself works: a sandbox object that calls a job-store
#     function does not link against the sandbox and util layers alone, and the
#     same link without it succeeds (so the layercheck_* programs prove something).
set -euo pipefail
src=${CORRAL_SRC:?}
build=${CORRAL_BUILD:?}
fail=0
declare -A below=(
        [util]="util"
        [sandbox]="sandbox util"
        [governor]="governor util"
        [jobs]="jobs sandbox governor util"
        [mcp]="mcp jobs governor sandbox util"
        [daemon]="daemon governor util"
        [cli]="cli daemon mcp jobs governor sandbox util"
)
layers=$(cd "$src/src" && ls -d */ | tr -d /)
for layer in $layers; do
        [ -n "${below[$layer]:-}" ] || { echo "FAIL: src/$layer/ is not a known layer (add it to src/CMakeLists.txt and here)"; fail=1; continue; }
        for f in "$src/src/$layer"/*.[ch]; do
                while IFS=: read -r line hdr; do
                        found=""
                        for l in ${below[$layer]}; do
                                [ -e "$src/src/$l/$hdr" ] && found=$l && break
                        done
                        if [ -z "$found" ]; then
                                owner=$(cd "$src/src" && ls */"$hdr" 2>/dev/null | head -1)
                                echo "FAIL: ${f#"$src"/}:$line includes $hdr (${owner:-no such header}); src/$layer/ may include only: ${below[$layer]}"
                                fail=1
                        elif [[ $hdr == *-internal.h && $found != "$layer" ]]; then
                                echo "FAIL: ${f#"$src"/}:$line includes src/$found/$hdr, which is private to src/$found/"
                                fail=1
                        fi
                done < <(grep -n '^#include "' "$f" | sed 's/^\([0-9]*\):#include "\([^"]*\)".*/\1:\2/')
        done
done

# 3. The linker check proves something.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/upward.c" <<'C'
struct store;
int store_open(const char *dir, const char *tenant, struct store **ret); /* jobs layer */
int sandbox_calls_upward(void) { return store_open("/nonexistent", "t", 0); }
C
cc=${CC:-cc}
"$cc" -c -o "$tmp/main.o" "$src/tests/layout/layercheck_main.c"
"$cc" -c -o "$tmp/upward.o" "$tmp/upward.c"
sys="-lseccomp -lcap -lsystemd -lcjson -lm"
# A sanitizer build's archives need the sanitizer runtimes at link time.
grep -q 'CORRAL_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" && sys="$sys -fsanitize=address,undefined"
link() { # extra objects...
        # shellcheck disable=SC2086
        "$cc" -o "$tmp/check" "$tmp/main.o" "$@" -Wl,--whole-archive "$build/src/libcorral_sandbox.a" \
                -Wl,--no-whole-archive "$build/src/libcorral_util.a" $sys 2>"$tmp/link.err"
}
if ! link; then
        echo "FAIL: the sandbox layer does not link on its own:"; cat "$tmp/link.err"; fail=1
fi
if link "$tmp/upward.o"; then
        echo "FAIL: a sandbox object calling store_open() linked without the jobs layer"; fail=1
elif ! grep -q "undefined reference to \`store_open'" "$tmp/link.err"; then
        echo "FAIL: the upward call failed to link for another reason:"; cat "$tmp/link.err"; fail=1
fi
[ $fail = 0 ] && echo "ok: $(echo $layers | wc -w) layers, includes point down, the linker refuses an upward call"
exit $fail
