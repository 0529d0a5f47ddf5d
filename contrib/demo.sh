#!/bin/bash
# contrib/demo.sh - the README's first command: installs what is missing, builds
# corral, and shows three jobs whose outcomes corral tells apart: an OOM kill,
# an exit code and a timeout.  Needs root (real cgroups).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"
contrib/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
corral=build/corral
progs=build/tests/progs
export CORRAL_CGROUP_PARENT="corral-demo-$$"
tmp=$(mktemp -d)
# The parent group outlives its jobs (docs/cgroups.md); `corral doctor` removes
# it once empty, so the demo leaves no group behind.
trap '"$corral" doctor >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT

show() { # title, corral run arguments...
        local title=$1
        shift
        printf '\n\033[1m== %s\033[0m\n$ corral run %s\n' "$title" "$*"
        set +e
        "$corral" run --result "$tmp/r.json" "$@"
        local st=$?
        set -e
        printf 'exit status %d, outcome:\n' "$st"
        python3 -m json.tool "$tmp/r.json"
}

"$corral" doctor
show "a 200 MiB allocation under a 32 MiB limit, behind a shell that exits 0" \
        --memory 32M -- sh -c "$progs/memhog 200; echo 'the shell carries on and exits 0'"
show "a command that fails with exit code 3" -- sh -c 'echo working; exit 3'
show "a daemon that double-forks, past a 1 s timeout" --timeout 1s -- "$progs/daemonize" "$tmp/pid"

# The same outcomes through MCP: a real client session (the official SDK)
# against `corral serve`.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
        printf '\n\033[1m== corral serve: an MCP client session\033[0m\n'
        npm ci --prefix tests/mcp --no-audit --no-fund --loglevel=error >/dev/null
        node contrib/mcp-demo.mjs "$corral" "$progs"
else
        echo "node and npm are needed for the MCP part of the demo" >&2
fi
