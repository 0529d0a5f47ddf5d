#!/bin/bash
# An OOM kill is oom_killed with oom_kills 1, also when a shell wrapper hides it.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json

"$CORRAL" run --memory 32M --result "$R" -- "$CORRAL_PROGS/memhog" 200
assert_eq "exit status of an OOM-killed run" 137 $?
assert_eq "status" oom_killed "$(json "$R" 'j["status"]')"
assert_eq "oom_kills" 1 "$(json "$R" 'j["oom_kills"]')"
assert_eq "signal" SIGKILL "$(json "$R" 'j["signal"]')"
assert_eq "whose limit" own_limit "$(json "$R" 'j["oom_cause"]')"
assert_eq "limit reported" 33554432 "$(json "$R" 'j["memory_limit_bytes"]')"
assert_cmp "peak reached the limit (bytes)" "$(json "$R" 'j["memory_peak_bytes"]')" -ge 32000000

# The shell reports the kill as a status and exits 0: the counter still tells.
"$CORRAL" run --memory 32M --result "$R" -- sh -c "'$CORRAL_PROGS/memhog' 200; exit 0"
assert_eq "exit status behind sh -c" 137 $?
assert_eq "status behind sh -c" oom_killed "$(json "$R" 'j["status"]')"
assert_eq "the job itself exited 0" 0 "$(json "$R" 'j["exit_code"]')"
assert_eq "oom_kills behind sh -c" 1 "$(json "$R" 'j["oom_kills"]')"

# Under the limit the same program completes.
"$CORRAL" run --memory 64M --result "$R" -- "$CORRAL_PROGS/memhog" 16 >/dev/null
assert_eq "exit status under the limit" 0 $?
assert_eq "status under the limit" completed "$(json "$R" 'j["status"]')"
assert_eq "no oom kills under the limit" 0 "$(json "$R" 'j["oom_kills"]')"

assert_no_groups
finish
