# stale_groups: a corral killed with SIGKILL leaves its job group behind, with
# the job (a setsid daemon) still in it; the next corral finds the group
# stale (its owner is gone), kills what is in it and removes it.
. /vm/lib.sh

"$CORRAL" run --timeout 60s -- "$PROGS/daemonize" "$TMP/d.pid" >/dev/null 2>&1 &
runner=$!
i=0
while [ ! -s "$TMP/d.pid" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
done
kill -9 $runner
wait $runner 2>/dev/null
# The pid file holds the daemon's pid in the job's PID namespace; find its
# processes (the daemon and its first parent) by their unique argument.
d=$(pids_with_cmdline "$TMP/d.pid" | head -n 1)
if [ -n "$d" ] && [ -s "$TMP/d.pid" ]; then ok "the daemon runs (pid $d) after corral was killed"; else not_ok "daemon not running"; fi
left=$(find "$CG/$CORRAL_CGROUP_PARENT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
assert_eq "job groups left after kill -9" 1 "$left"
g=$(cut -d: -f3- "/proc/$d/cgroup" 2>/dev/null)
assert_match "the daemon sits in the left group" "/$CORRAL_CGROUP_PARENT/?*" "$g"

job next -- /bin/true
assert_eq "next corral run: status" completed "$(jget "$R" status)"
if grep -q "Removed 1 stale job group" "$TMP/next.err"; then ok "stale group removal reported"; else not_ok "no removal reported"; fi
left=$(pids_with_cmdline "$TMP/d.pid")
if [ -n "$d" ] && [ -z "$left" ]; then ok "the orphaned daemon was killed"; else not_ok "daemon '$d' survived: $left"; fi
if [ -n "$g" ] && [ ! -d "$CG$g" ]; then ok "the stale group $g is gone"; else not_ok "stale group '$g' still there"; fi
left=$(find "$CG/$CORRAL_CGROUP_PARENT" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
assert_eq "job groups left" 0 "$left"
finish
