#!/bin/bash
# A fork bomb: contained by --pids (fork fails with EAGAIN at the limit), dies
# out, and leaves no process behind; the neighbour and the host go on.
. "$(dirname "$0")/escape.bash"
start_witnesses
attempt --pids 32 --timeout 60s -- "$CORRAL_PROGS/forkbomb" 2>"$TEST_TMP/err" >/dev/null
assert_eq "bomb contained and died out" completed "$(r status)"
fails=$(sed -n 's/.*forks, \([0-9]*\) failures/\1/p' "$TEST_TMP/err" | tail -1)
assert_cmp "forks failed at the limit" "${fails:-0}" -ge 50
left=$(ps -eo uid= | awk '$1 >= 60000 && $1 <= 60999' | wc -l)
# Only the neighbour (sh -> exec sleep) may run as a job uid now.
assert_eq "no bomb process left" 1 "$left"
check_untouched
finish
