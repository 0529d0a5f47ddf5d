#!/bin/bash
# Raising its own memory limit (memory.limit_in_bytes on v1, memory.max on v2):
# EACCES (root's file, on a read-only mount), and the limit is still the one corral set.
. "$(dirname "$0")/escape.bash"
start_witnesses
attempt --memory 64M -- sh -c '
        g=$(sed -n "s/^[0-9]*:memory://p" /proc/self/cgroup)
        if [ -n "$g" ]; then f=/sys/fs/cgroup/memory$g/memory.limit_in_bytes
        else f=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)/memory.max; fi
        '"$TRY"' "write:$f"
        echo "limit $(cat "$f")"' >"$TEST_TMP/out" 2>&1
grep -q "errno=EACCES" "$TEST_TMP/out" && ok "write refused: $(grep errno "$TEST_TMP/out")" ||
        not_ok "write: $(cat "$TEST_TMP/out")"
assert_eq "limit unchanged" "limit 67108864" "$(grep ^limit "$TEST_TMP/out")"
assert_eq "job completed" completed "$(r status)"
check_untouched
finish
