# jobs: background jobs on cgroup v2: a submitted OOM job and a failing job are
# recorded truthfully by their supervisors (memory.events.local through the
# store), and a job whose supervisor is SIGKILLed becomes `lost` while its
# group is killed (cgroup.kill) and removed by the next corral command.
. /vm/lib.sh

STATE=$TMP/state
c() { "$CORRAL" --state-dir "$STATE" "$@"; }
# A top-level field of a job record (pretty JSON, one field per line).
field() { c status "$1" --json | sed -n "s/^[[:space:]]*\"$2\":[[:space:]]*\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" | head -n 1; }

oom=$(c submit --memory 32M -- "$PROGS/memhog" 200)
bad=$(c submit -- /bin/sh -c 'exit 3')
c wait --timeout 30s "$oom" >/dev/null
assert_eq "wait's exit status for an OOM-killed job" 137 "$?"
c wait --timeout 30s "$bad" >/dev/null
assert_eq "wait's exit status for exit 3" 3 "$?"
assert_eq "OOM job status" oom_killed "$(field "$oom" status)"
assert_eq "OOM job cause" own_limit "$(field "$oom" oom_cause)"
assert_eq "OOM job signal" SIGKILL "$(field "$oom" signal)"
assert_eq "failing job status" failed "$(field "$bad" status)"
assert_eq "failing job exit code" 3 "$(field "$bad" exit_code)"

lost=$(c submit -- "$PROGS/daemonize" pidfile)
i=0
while [ "$(field "$lost" status)" != running ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
assert_eq "sleeper runs" running "$(field "$lost" status)"
sup=$(c status "$lost" --json | sed -n 's/^[[:space:]]*"pid":[[:space:]]*\([0-9]*\),$/\1/p' | head -n 1)
kill -9 "$sup"
sleep 0.3
c list >/dev/null
assert_eq "a job whose supervisor died" lost "$(field "$lost" status)"
left=$(find "$CG" -mindepth 2 -maxdepth 2 -type d -path "*/$CORRAL_CGROUP_PARENT/*" | wc -l)
assert_eq "its group is gone" 0 "$left"
finish
