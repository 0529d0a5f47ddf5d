#!/bin/bash
# Background jobs through the CLI: submit returns at once, each outcome is
# recorded truthfully, progress is visible mid-run, results and state patches
# land, logs are readable, and finished records survive later commands byte
# for byte.
. "$(dirname "$0")/../lib.sh"

# An OOM kill and an exit code, recorded as such.
oom=$(corral submit --memory 32M -- "$CORRAL_PROGS/memhog" 200)
fail=$(corral submit -- sh -c 'echo "something broke" >&2; exit 3')
ok_id=$(corral submit --state-patch answer:/value -- sh -c \
        'echo "{\"value\": {\"n\": 42}, \"extra\": 1}" > results.json')
corral wait --timeout 60s "$oom" >/dev/null
assert_eq "wait exit status for an OOM kill" 137 $?
corral wait --timeout 60s "$fail" >/dev/null
assert_eq "wait exit status for exit 3" 3 $?
corral wait --timeout 60s "$ok_id" >/dev/null
assert_eq "wait exit status for a success" 0 $?

corral status "$oom" --json >"$TEST_TMP/oom.json"
assert_eq "oom job status" oom_killed "$(json "$TEST_TMP/oom.json" 'j["status"]')"
assert_eq "oom job oom_kills" 1 "$(json "$TEST_TMP/oom.json" 'j["oom_kills"]')"
assert_eq "oom job signal" SIGKILL "$(json "$TEST_TMP/oom.json" 'j["signal"]')"
assert_eq "oom job cause" own_limit "$(json "$TEST_TMP/oom.json" 'j["oom_cause"]')"
corral status "$fail" --json >"$TEST_TMP/fail.json"
assert_eq "failing job status" failed "$(json "$TEST_TMP/fail.json" 'j["status"]')"
assert_eq "failing job exit code" 3 "$(json "$TEST_TMP/fail.json" 'j["exit_code"]')"
case "$(json "$TEST_TMP/fail.json" 'j["error"]')" in
*"something broke"*) ok "the end of stderr is kept as error" ;;
*) not_ok "error field: $(json "$TEST_TMP/fail.json" 'j["error"]')" ;;
esac
assert_eq "stderr log readable" "something broke" "$(corral logs "$fail" --stderr)"

corral status "$ok_id" --json >"$TEST_TMP/ok.json"
assert_eq "completed job" completed "$(json "$TEST_TMP/ok.json" 'j["status"]')"
assert_eq "state patch applied" true "$(json "$TEST_TMP/ok.json" 'j["state_applied"]')"
assert_eq "state file holds the pointed-to part" '{"n": 42}' \
        "$(python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))))' "$STATE/tenants/default/state/answer.json")"

# Progress while running, never decreasing; the job waits for our go.
# (the job's working directory is its work/ directory in the store)
prog=$(corral submit -- sh -c "echo 'Step 3 of 10'; sleep 0.3; echo 'Progress: 45.5%'; $CORRAL_PROGS/waitfile go; echo done")
for _ in $(seq 300); do
        p=$(corral status "$prog" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["progress"]["percent"])')
        [ "$p" = "45.5" ] && break
        sleep 0.1
done
assert_eq "progress visible mid-run" 45.5 "$p"
assert_eq "the job is running meanwhile" running "$(corral status "$prog" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"
touch "$STATE/tenants/default/jobs/$prog/work/go"
corral wait --timeout 60s "$prog" >/dev/null
assert_eq "progress job completed" completed "$(corral status "$prog" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')"

# Finished records are final: later commands (which run recovery) leave them byte for byte.
before=$(sha256sum "$STATE"/tenants/default/jobs/*/job.json)
corral list >/dev/null
corral status "$oom" >/dev/null
after=$(sha256sum "$STATE"/tenants/default/jobs/*/job.json)
assert_eq "finished records unchanged by later commands" "$before" "$after"
assert_eq "list shows every job" 4 "$(corral list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"

# A client-chosen id: accepted once, then refused; a bad one refused with what is allowed.
corral submit --job-id my_job-1 -- true >/dev/null
assert_eq "chosen id accepted" 0 $?
err=$(corral submit --job-id my_job-1 -- true 2>&1)
assert_eq "reused id refused" 2 $?
case "$err" in *"already in use"*) ok "reused id named" ;; *) not_ok "$err" ;; esac
err=$(corral submit --job-id '../etc' -- true 2>&1)
assert_eq "path-like id refused" 2 $?
case "$err" in *"Invalid job id '../etc'"*"allowed: A-Z a-z 0-9 _ -"*) ok "allowed id characters named" ;; *) not_ok "$err" ;; esac
corral wait --timeout 60s my_job-1 >/dev/null

assert_no_groups
finish
