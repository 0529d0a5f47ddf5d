# timeout_daemon: a job that double-forks and calls setsid (a daemon escaping
# its parent) is still ended by the wall timeout: status timed_out, exit 124,
# and the daemon is dead because the whole group is killed (cgroup.kill), not
# one pid (strace shows the write to cgroup.kill).
. /vm/lib.sh

JOB_PREFIX="/usr/bin/strace -f -qq -y -e trace=write -o $TMP/trace"
job daemon --timeout 3s -- "$PROGS/daemonize" "$TMP/daemon.pid"
JOB_PREFIX=""
assert_eq "corral exit" 124 "$RC"
assert_eq "status" timed_out "$(jget "$R" status)"
assert_eq "oom_kills" 0 "$(jget "$R" oom_kills)"
d=$(cat "$TMP/daemon.pid" 2>/dev/null)
if [ -n "$d" ]; then ok "the daemon ran (pid $d)"; else not_ok "the daemon never wrote its pid"; fi
# $d is its pid in the job's PID namespace: look for its command line.
left=$(pids_with_cmdline "$TMP/daemon.pid")
if [ -n "$d" ] && [ -z "$left" ]; then ok "the setsid daemon is dead"; else not_ok "daemon '$d': missing or still alive ($left)"; fi
# How: corral wrote 1 to the job group's cgroup.kill (strace -y names the
# file behind each fd).
g=$(cgkey)
if grep -q "write([0-9]*<$CG/$g/cgroup.kill>, \"1\"" "$TMP/trace"; then
        ok "corral wrote 1 to $g/cgroup.kill"
else
        not_ok "no write of 1 to $g/cgroup.kill seen by strace"
        grep cgroup.kill "$TMP/trace"
fi
wall=$(jget "$R" wall_ms)
assert_cmp "wall_ms at least the timeout" "$wall" -ge 3000
assert_group_gone
finish
