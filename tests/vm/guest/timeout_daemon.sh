# timeout_daemon: a job that double-forks and calls setsid (a daemon escaping
# its parent) is still ended by the wall timeout: status timed_out, exit 124,
# and the daemon is dead because the whole group is killed (cgroup.kill), not
# one pid.
. /vm/lib.sh

job daemon --timeout 3s -- "$PROGS/daemonize" "$TMP/daemon.pid"
assert_eq "corral exit" 124 "$RC"
assert_eq "status" timed_out "$(jget "$R" status)"
assert_eq "oom_kills" 0 "$(jget "$R" oom_kills)"
d=$(cat "$TMP/daemon.pid" 2>/dev/null)
if [ -n "$d" ]; then ok "the daemon ran (pid $d)"; else not_ok "the daemon never wrote its pid"; fi
if [ -n "$d" ] && [ ! -d "/proc/$d" ]; then ok "the setsid daemon is dead"; else not_ok "daemon '$d' survived: $(cat /proc/$d/stat 2>/dev/null)"; fi
wall=$(jget "$R" wall_ms)
assert_cmp "wall_ms at least the timeout" "$wall" -ge 3000
assert_group_gone
finish
