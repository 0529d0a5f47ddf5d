#!/bin/bash
# tests/run.sh - installs what is missing, builds corral twice (plain, and with
# ASan + UBSan), and runs the whole test suite with ctest.  This is the README's
# test command and what CI runs (.ci/run).  Needs root: the tests create real
# cgroups and run jobs under real limits.
#
#   tests/run.sh              everything
#   tests/run.sh -L unit      extra arguments go to both ctest runs
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
cd "$src"

# vm: the pure cgroup v2 lane; slurm: the single-node cluster of tests/slurm;
# package: the .deb, promtool and tmux; browser: Chromium for the MCP App.
contrib/install-deps.sh vm slurm package browser

jobs=$(nproc)
build() { # dir, cmake args...
        local dir=$1
        shift
        cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCORRAL_WERROR=ON "$@" >/dev/null
        cmake --build "$dir" -j "$jobs"
}

build build
build build-asan -DCORRAL_SANITIZE=ON

status=0
echo "== plain build: every test"
ctest --test-dir build --output-on-failure -LE bench "$@" || status=1
# The Slurm tests (label slurm) run in both passes: each pass starts and stops
# its own cluster (tests/slurm/CMakeLists.txt), so they can run twice.
# Not the VM lane (its guest runs the plain build), nor the build matrix and the
# package test: they build corral their own ways and never run this build.
echo "== ASan/UBSan build: every test but the VM lane, the build matrix and the package"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -LE 'vm|bench|build|package' "$@" || status=1
# libFuzzer targets (tests/fuzz): a separate clang build, each target for a bounded time.
if [ $# -eq 0 ] || [[ " $* " == *fuzz* ]]; then
        echo "== fuzz build (clang, libFuzzer): each target for ${CORRAL_FUZZ_SECONDS:-30} s"
        CC=clang build build-fuzz -DCORRAL_FUZZ=ON -DCORRAL_FUZZ_SECONDS="${CORRAL_FUZZ_SECONDS:-30}"
        ctest --test-dir build-fuzz --output-on-failure -L fuzz || status=1
fi
# The MCP App test (mcp/app) leaves screenshots for people and CI to look at.
ls build/artifacts/*.png 2>/dev/null | sed 's/^/screenshot: /' || true
exit $status
