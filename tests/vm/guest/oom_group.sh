# oom_group: corral sets memory.oom.group on the job group, so an OOM kill
# takes the whole job down: the shell that started the hog (and the shell's
# other child) die with it instead of carrying on as if nothing happened.
. /vm/lib.sh

job check --memory 32M -- /bin/sh -c 'cat /sys/fs/cgroup$(cut -d: -f3- /proc/self/cgroup)/memory.oom.group'
assert_eq "memory.oom.group inside the job" 1 "$(cat "$TMP/check.out")"

job group --memory 32M --timeout 20s -- /bin/sh -c \
        "sleep 299 & echo \$! >$TMP/sleeper; echo started >$TMP/started; $PROGS/memhog 200; echo survived >$TMP/marker; wait"
assert_eq "status" oom_killed "$(jget "$R" status)"
assert_eq "corral exit" 137 "$RC"
if [ -e "$TMP/started" ]; then ok "the job's shell ran and could write its markers"; else not_ok "the job's shell never wrote $TMP/started"; fi
if [ -e "$TMP/marker" ]; then not_ok "the shell survived the OOM kill of its child"; else ok "the shell died with the OOM kill"; fi
assert_cmp "oom_kills (the shell, the sleeper and the hog)" "$(jget "$R" oom_kills)" -ge 2
# The pid the shell wrote is the sleeper's in the job's PID namespace: look
# for its unique command line instead.
s=$(cat "$TMP/sleeper" 2>/dev/null)
left=$(pids_with_cmdline "sleep 299")
if [ -n "$s" ] && [ -z "$left" ]; then ok "the sleeper ($s in the job's namespace) is gone"; else not_ok "sleeper '$s': missing or still there ($left)"; fi
assert_group_gone
finish
