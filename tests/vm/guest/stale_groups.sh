# stale_groups: a corral killed with SIGKILL takes its job along (a setsid
# daemon included: the job's init dies with corral, and with it the job's
# PID namespace) but leaves its job group behind; the next corral finds the
# group stale (its owner is gone) and removes it.
. /vm/lib.sh

# The pid file holds the daemon's pid in the job's PID namespace: its
# processes are found by their unique argument instead (daemon_job).
daemon_job
d=$DAEMON
g=$(cut -d: -f3- "/proc/$d/cgroup" 2>/dev/null)
if [ -n "$d" ]; then ok "the daemon runs (pid $d)"; else not_ok "daemon not running"; fi
assert_match "the daemon sits in a job group" "/$CORRAL_CGROUP_PARENT/?*" "$g"
kill -9 "$RUNNER"
wait "$RUNNER" 2>/dev/null
# No other corral runs meanwhile: nothing but the kernel can end it.
gone_within "$TMP/d.pid"
left=$(pids_with_cmdline "$TMP/d.pid")
if [ -n "$d" ] && [ -z "$left" ]; then ok "the daemon died with its corral run"; else not_ok "daemon '$d' survived corral: $left"; fi
left=$(find "$CG/$CORRAL_CGROUP_PARENT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
assert_eq "job groups left after kill -9" 1 "$left"

job next -- /bin/true
assert_eq "next corral run: status" completed "$(jget "$R" status)"
if grep -q "Removed 1 stale job group" "$TMP/next.err"; then ok "stale group removal reported"; else not_ok "no removal reported"; fi
if [ -n "$g" ] && [ ! -d "$CG$g" ]; then ok "the stale group $g is gone"; else not_ok "stale group '$g' still there"; fi
left=$(find "$CG/$CORRAL_CGROUP_PARENT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
assert_eq "job groups left" 0 "$left"
finish
