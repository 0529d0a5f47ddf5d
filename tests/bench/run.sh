#!/bin/bash
# tests/bench/run.sh - corral's benchmarks, one command (docs/performance.md).
#
#   tests/bench/run.sh [--quick] [--update-docs] [--only launch,protocol,...]
#   tests/bench/run.sh --only store     100,000 finished jobs against an empty
#                                       store (issue 18; ~2 minutes, the store
#                                       cached in the build directory)
#   tests/bench/run.sh --soak [--jobs N] [--cli-jobs M] [--submitters S]
#   tests/bench/run.sh --submit-running [--running N] [--runs R]
#
# --soak runs tests/bench/soak.py instead: N short jobs (default 10,000)
# through `corral serve` and N through the CLI, S submitters at once (default
# 8), then checks for leaked cgroups, fds, zombies, uids, ledger entries and
# temp files, serve's RSS from job 1,000 to the end, and every job's record.
# Exit status 1 when a check fails.  About 20 minutes for 10,000 here.
#
# --submit-running runs tests/bench/submit_running.py: submit latency with N
# `sleep` jobs running (default 999: the uid pool has 1,000) against none,
# in the same run (before, busy, after).  About 1-2 minutes here.
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
soak=0
submit_running=0
while [ $# -gt 0 ]; do
        case "$1" in
        --build-dir) build=$2; shift 2 ;;
        --build-dir=*) build=${1#*=}; shift ;;
        --soak) soak=1; shift ;;
        --submit-running) submit_running=1; shift ;;
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
if [ "$submit_running" = 1 ]; then
        exec python3 "$src/tests/bench/submit_running.py" ${args[@]+"${args[@]}"} "$build/corral"
fi
if [ "$soak" = 1 ]; then
        exec python3 "$src/tests/bench/soak.py" ${args[@]+"${args[@]}"} "$build/corral"
fi
exec python3 "$src/tests/bench/bench.py" --build-dir "$build" ${args[@]+"${args[@]}"}
