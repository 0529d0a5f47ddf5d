#!/bin/bash
# tests/bench/run.sh - corral's benchmarks, one command (docs/performance.md).
#
#   tests/bench/run.sh [--quick] [--update-docs] [--only launch,protocol,...]
#
# Installs what the comparisons need (bubblewrap, firejail, hyperfine) when
# missing, builds corral RelWithDebInfo into build-bench/ (or uses
# --build-dir DIR), then runs tests/bench/bench.py: it prints a table and
# writes tests/bench/results/latest.json.  Needs root (real cgroups, job uids).
# Everything it starts runs under a private cgroup parent and state directory,
# removed at the end.  Full run: about 10 minutes; --quick: under 2.
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$src/build-bench
args=()
while [ $# -gt 0 ]; do
        case "$1" in
        --build-dir) build=$2; shift 2 ;;
        --build-dir=*) build=${1#*=}; shift ;;
        *) args+=("$1"); shift ;;
        esac
done
"$src/contrib/install-deps.sh" bench
if [ ! -x "$build/corral" ] || [ ! -x "$build/tests/bench/spawnbench" ] || [ ! -f "$build/CMakeCache.txt" ]; then
        cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORRAL_WERROR=ON >/dev/null
fi
# Always bring the build up to date (cheap when it is): stale binaries would
# measure old code.
cmake --build "$build" -j2 >/dev/null
exec python3 "$src/tests/bench/bench.py" --build-dir "$build" ${args[@]+"${args[@]}"}
