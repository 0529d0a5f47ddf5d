#!/bin/bash
# An exit code and a signal are reported as what they are.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json

"$CORRAL" run --result "$R" -- sh -c 'exit 3'
assert_eq "exit status passes the job's code" 3 $?
assert_eq "status" failed "$(json "$R" 'j["status"]')"
assert_eq "exit_code" 3 "$(json "$R" 'j["exit_code"]')"
assert_eq "signal" null "$(json "$R" 'j["signal"]')"
assert_eq "oom_kills" 0 "$(json "$R" 'j["oom_kills"]')"

"$CORRAL" run --result "$R" -- sh -c 'kill -SEGV $$'
assert_eq "exit status for SIGSEGV" 139 $?
assert_eq "status" killed "$(json "$R" 'j["status"]')"
assert_eq "signal" SIGSEGV "$(json "$R" 'j["signal"]')"
assert_eq "exit_code" null "$(json "$R" 'j["exit_code"]')"

"$CORRAL" run --result "$R" -- true
assert_eq "exit status of a success" 0 $?
assert_eq "status" completed "$(json "$R" 'j["status"]')"
assert_cmp "wall_ms is measured" "$(json "$R" 'j["wall_ms"]')" -ge 0

# stdio passes straight through.
out=$(echo hello | "$CORRAL" run --result "$R" -- cat)
assert_eq "stdin and stdout pass through" hello "$out"

# Without --result the outcome is one JSON line on stderr.
err=$("$CORRAL" run -- sh -c 'exit 5' 2>&1 >/dev/null)
assert_eq "outcome on stderr" failed "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["status"])' "$err")"

assert_no_groups
finish
