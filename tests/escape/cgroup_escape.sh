#!/bin/bash
# Moving itself out of its cgroup through cgroup.procs: the files are root's
# (EACCES: the permission check comes before the read-only mount's EROFS, which
# would refuse it next); the job stays in its group.
. "$(dirname "$0")/escape.bash"
start_witnesses
targets=""
for h in /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup/unified /sys/fs/cgroup; do
        [ -f "$h/cgroup.procs" ] && targets="$targets write:$h/cgroup.procs"
done
parent_procs=$(ls -d /sys/fs/cgroup/*/"$CORRAL_CGROUP_PARENT" 2>/dev/null | head -1)
attempt -- sh -c "$TRY $targets; cat /proc/self/cgroup" >"$TEST_TMP/out" 2>&1
for t in $targets; do
        line=$(grep "^$t " "$TEST_TMP/out")
        assert_eq "$t refused" "$t errno=EACCES" "$line"
done
assert_eq "job completed" completed "$(r status)"
grep -q "memory:/$CORRAL_CGROUP_PARENT/" "$TEST_TMP/out" && ok "still in its own memory group" ||
        not_ok "cgroup after the attempt: $(grep memory "$TEST_TMP/out")"
check_untouched
finish
