# exit_codes: corral passes the job's exit code through and tells exit codes,
# signals and set-up failures apart (on a cgroup2-only kernel).
. /vm/lib.sh

job ok -- /bin/true
assert_eq "true: corral exit" 0 "$RC"
assert_eq "true: status" completed "$(jget "$R" status)"
assert_eq "true: exit_code" 0 "$(jget "$R" exit_code)"
assert_eq "true: signal" null "$(jget "$R" signal)"
assert_eq "true: oom_kills" 0 "$(jget "$R" oom_kills)"
assert_group_gone

job three -- /bin/sh -c 'exit 3'
assert_eq "exit 3: corral exit" 3 "$RC"
assert_eq "exit 3: status" failed "$(jget "$R" status)"
assert_eq "exit 3: exit_code" 3 "$(jget "$R" exit_code)"
assert_eq "exit 3: oom_kills" 0 "$(jget "$R" oom_kills)"
assert_eq "exit 3: oom_cause" null "$(jget "$R" oom_cause)"
assert_group_gone

job stdout -- /bin/echo hello from the job
assert_eq "the job's stdout reaches corral's stdout" "hello from the job" "$(cat "$TMP/stdout.out")"

# A signal: 128+N, the signal's name, no exit code, and never mistaken for OOM.
job term -- /bin/sh -c 'kill -TERM $$'
assert_eq "SIGTERM: corral exit" 143 "$RC"
assert_eq "SIGTERM: signal" SIGTERM "$(jget "$R" signal)"
assert_eq "SIGTERM: exit_code" null "$(jget "$R" exit_code)"
assert_eq "SIGTERM: status" killed "$(jget "$R" status)"
assert_group_gone

# SIGKILL without any OOM looks like an OOM kill from the exit status alone
# (137); the outcome must not call it one.
job kill -- /bin/sh -c 'kill -KILL $$'
assert_eq "SIGKILL: signal" SIGKILL "$(jget "$R" signal)"
assert_eq "SIGKILL: oom_kills" 0 "$(jget "$R" oom_kills)"
assert_eq "SIGKILL: corral exit" 137 "$RC"
st=$(jget "$R" status)
if [ "$st" = oom_killed ]; then not_ok "SIGKILL without OOM reported as oom_killed"; else ok "SIGKILL without OOM: status $st"; fi
assert_group_gone

job notfound -- /nonexistent/program
assert_eq "missing program: corral exit" 127 "$RC"
printf 'echo hi\n' >"$TMP/noexec"
chmod 644 "$TMP/noexec"
job noexec -- "$TMP/noexec"
assert_eq "not executable: corral exit" 126 "$RC"

"$CORRAL" run >/dev/null 2>&1
assert_eq "run without a command: exit (bad usage)" 2 $?
"$CORRAL" run --memory lots -- /bin/true >/dev/null 2>&1
assert_eq "run --memory lots: exit (bad usage)" 2 $?
finish
