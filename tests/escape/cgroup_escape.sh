#!/bin/bash
# Leaving its cgroup or raising its limits, on whichever layout this host has
# (v1/hybrid here; the same attempts run on pure v2 in tests/vm/guest/escape.sh):
# the job writes cgroup.procs of its own group, of its parent (corral's) and
# of every hierarchy root, and its own group's limit files.  Every file is
# root's (EACCES: the permission check comes before the read-only mount's
# EROFS, which would refuse it next); the job stays in its group.
. "$(dirname "$0")/escape.bash"
start_witnesses
# The job finds its own group from inside (/proc/self/cgroup): on v1 the
# memory hierarchy's line, on v2 the "0::" line.
cat >"$TEST_TMP/probe.sh" <<'EOF'
mem=$(grep -m1 ':memory:' /proc/self/cgroup | cut -d: -f3)
uni=$(grep -m1 '^0::' /proc/self/cgroup | cut -d: -f3)
set --
for h in /sys/fs/cgroup/memory /sys/fs/cgroup/pids /sys/fs/cgroup/unified /sys/fs/cgroup; do
        [ -f "$h/cgroup.procs" ] && set -- "$@" "write:$h/cgroup.procs"
done
if [ -n "$mem" ]; then
        g=/sys/fs/cgroup/memory$mem
        set -- "$@" "write:$g/cgroup.procs" "write:$g/../cgroup.procs" \
                "write:$g/memory.limit_in_bytes" "write:$g/memory.memsw.limit_in_bytes"
else
        g=/sys/fs/cgroup$uni
        set -- "$@" "write:$g/cgroup.procs" "write:$g/../cgroup.procs" \
                "write:$g/memory.max" "write:$g/pids.max" "write:$g/cgroup.kill"
fi
"$TRY" "$@"
echo "own-group ${mem:-$uni}"
cat /proc/self/cgroup
EOF
attempt --env "TRY=$TRY" -- sh "$TEST_TMP/probe.sh" >"$TEST_TMP/out" 2>&1
n=0
while read -r t res; do
        case $t in write:*) ;; *) continue ;; esac
        n=$((n + 1))
        assert_eq "$t refused" errno=EACCES "$res"
done <"$TEST_TMP/out"
own=$(awk '$1 == "own-group" {print $2}' "$TEST_TMP/out")
case $own in /"$CORRAL_CGROUP_PARENT"/*) ok "the job's own group: $own" ;; *) not_ok "own group: '$own'" ;; esac
# Roots (up to 4), own group, parent, limits: at least 7 attempts on either layout.
assert_cmp "attempts made (roots, own group, parent, limits)" "$n" -ge 7
assert_eq "job completed" completed "$(r status)"
grep -q -- ":$own\$" <(grep -v own-group "$TEST_TMP/out") && ok "still in its own group after the attempts" ||
        not_ok "cgroup after the attempts: $(grep -v own-group "$TEST_TMP/out" | grep ':/')"
check_untouched
finish
