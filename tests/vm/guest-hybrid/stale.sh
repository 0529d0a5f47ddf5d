# stale: on the hybrid layout, a corral killed with SIGKILL takes its job along
# but leaves its job group behind in every hierarchy, cpu,cpuacct once; the
# next corral finds it stale (its owner is gone), kills what is left and
# removes it from each, visiting the shared cpu and cpuacct mount once
# (cgroup.c, cg_manager_clean_stale).
# vm-timeout: 60
. /vm/lib.sh

HIER="memory cpu,cpuacct pids freezer"
groups_named() { for h in $HIER; do [ -d "$CG/$h/$1" ] && echo "$h"; done | tr '\n' ' '; }

daemon_job
g=$(awk -F: '$2 == "memory" { print $3 }' "/proc/$DAEMON/cgroup" 2>/dev/null)
assert_match "the daemon sits in a job group" "/$CORRAL_CGROUP_PARENT/?*" "$g"
assert_eq "the job group in every hierarchy" "$HIER " "$(groups_named "$g")"
kill -9 "$RUNNER"
wait "$RUNNER" 2>/dev/null
gone_within "$TMP/d.pid"
assert_eq "the daemon died with its corral run" "" "$(pids_with_cmdline "$TMP/d.pid")"
assert_eq "after kill -9 the group is left in every hierarchy" "$HIER " "$(groups_named "$g")"

job next -- /bin/true
assert_eq "next corral run: status" completed "$(jget "$R" status)"
assert_match "one stale group removal reported" "*Removed 1 stale job group*" "$(cat "$TMP/next.err")"
assert_eq "the stale group is gone from every hierarchy" " " " $(groups_named "$g")"
finish
