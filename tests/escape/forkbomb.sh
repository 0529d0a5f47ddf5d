#!/bin/bash
# A fork bomb: contained by --pids (fork fails with EAGAIN at the limit), dies
# out, and leaves no process behind; the neighbour and the host go on.
. "$(dirname "$0")/escape.bash"
start_witnesses
# (ASAN_OPTIONS: under a sanitizer build, LeakSanitizer's exit check needs ptrace,
# which the policy denies.)
attempt --pids 32 --timeout 60s --env ASAN_OPTIONS=detect_leaks=0 -- sh -c "id -u; exec $CORRAL_PROGS/forkbomb" 2>"$TEST_TMP/err" >"$TEST_TMP/uid"
assert_eq "bomb contained and died out" completed "$(r status)"
fails=$(sed -n 's/.*forks, \([0-9]*\) failures/\1/p' "$TEST_TMP/err" | tail -1)
assert_cmp "forks failed at the limit" "${fails:-0}" -ge 50
uid=$(cat "$TEST_TMP/uid")
assert_cmp "bomb ran as a job uid" "$uid" -ge 60000
assert_eq "no bomb process left" 0 "$(ps -eo uid= | awk -v u="$uid" '$1 == u' | wc -l)"
check_untouched
finish
