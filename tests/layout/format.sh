#!/bin/bash
# layout/format: every C source of ours is as clang-format (.clang-format) writes it.
# Fix with: clang-format -i $(git ls-files '*.[ch]')
set -euo pipefail
src=${CORRAL_SRC:?}
command -v clang-format >/dev/null || { echo "FAIL: clang-format is not installed (contrib/install-deps.sh installs it)"; exit 1; }
cd "$src"
mapfile -t files < <(find src tests -name node_modules -prune -o -name '*.[ch]' -print | sort)
[ ${#files[@]} -gt 50 ] || { echo "FAIL: found only ${#files[@]} C files under src/ and tests/"; exit 1; }
if ! clang-format --dry-run -Werror "${files[@]}"; then
        echo "FAIL: the files above are not clang-formatted"
        exit 1
fi
echo "ok: ${#files[@]} files clang-formatted"
