#!/bin/bash
# A job's result is in place before its record says it ended.  Readers (serve's
# tasks/result and job_result, corral wait) take the first terminal job.json as
# final and read results.json then; the supervisor once saved the final
# progress with the terminal status BEFORE copying the result out of work/, so
# a reader in that window answered "the job did not write results.json"
# (mcp/jobs, word_stats, about 1 run in 4 on a busy host).
# resultgate holds the supervisor's open of work/results.json (a fanotify
# permission event) and looks at the store at that instant: deterministic, no
# timing.  The job prints its last progress line just before it exits, so the
# final progress is new when the supervisor records the outcome.
. "$(dirname "$0")/../lib.sh"

gate_pid=
trap '[ -n "$gate_pid" ] && kill "$gate_pid" 2>/dev/null; cleanup_test' EXIT

id=$(corral submit -- sh -c "$CORRAL_PROGS/waitfile go; echo 'Progress: 50%';
        echo '{\"words\": 6}' > results.json; echo 'Progress: 100%'")
jobdir=$STATE/tenants/default/jobs/$id
for _ in $(seq 300); do [ -d "$jobdir/work" ] && break; sleep 0.1; done
"$CORRAL_PROGS/resultgate" "$jobdir/work" "$jobdir" >"$TEST_TMP/gate.out" 2>"$TEST_TMP/gate.err" &
gate_pid=$!
corral wait --timeout 60s "$id" >/dev/null
assert_eq "the job completed" 0 $?
wait "$gate_pid"
assert_eq "resultgate watched the job to its end ($(cat "$TEST_TMP/gate.err"))" 0 $?
gate_pid=
cat "$TEST_TMP/gate.out"

# The job's own open (sh, writing), then the supervisor's (collecting: its
# comm is whatever it was started as; it opens the file, then reads it again
# through /proc/self/fd).  Before the fix: record=completed result=absent.
assert_eq "the job wrote its result while running" "opener=sh record=running result=absent" \
        "$(grep '^opener=sh ' "$TEST_TMP/gate.out")"
assert_eq "the record was not terminal while the result was being collected" \
        "record=running result=absent" \
        "$(grep -v '^opener=sh ' "$TEST_TMP/gate.out" | cut -d' ' -f2- | sort -u)"
assert_eq "final record: completed" completed "$(json "$jobdir/job.json" 'j["status"]')"
assert_eq "final record: last progress" 100 "$(json "$jobdir/job.json" 'int(j["progress"]["percent"])')"
assert_eq "final record: no result error" null "$(json "$jobdir/job.json" 'j["result_error"]')"
assert_eq "the result beside the record" '{"words": 6}' "$(cat "$jobdir/results.json")"
assert_no_groups
finish
