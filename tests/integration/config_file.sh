#!/bin/bash
# corral.conf: the operator's settings apply to every command and to the jobs'
# supervisors, with the documented precedence (flag > environment > file >
# built-in; governor.conf's stored flags > file), and a bad file is refused with
# the file, the line and what is allowed.
. "$(dirname "$0")/../lib.sh"
CONF=$TEST_TMP/corral.conf
other=$TEST_TMP/other-state
cat >"$CONF" <<CONF
# test configuration
state-dir = $other
max-concurrent = 7
cpu-threshold = 100
default-memory = 64M
default-timeout = 30s
gc-ttl = 1s
CONF

# The file's state-dir, default limits and governor defaults.
id=$("$CORRAL" --config "$CONF" submit -- true)
"$CORRAL" --config "$CONF" wait --timeout 60s "$id" >/dev/null
assert_eq "state-dir from the file" completed "$(json "$other/tenants/default/jobs/$id/job.json" 'j["status"]')"
assert_eq "default-memory applied to the job" 67108864 "$(json "$other/tenants/default/jobs/$id/job.json" 'j["limits"]["memory_bytes"]')"
assert_eq "default-timeout applied to the job" 30000 "$(json "$other/tenants/default/jobs/$id/job.json" 'j["limits"]["timeout_ms"]')"
"$CORRAL" --config "$CONF" status --system --json >"$TEST_TMP/s.json"
assert_eq "max-concurrent from the file" 7 "$(json "$TEST_TMP/s.json" 'j["max_concurrent_jobs"]')"
# CORRAL_CONFIG names the file too.
CORRAL_CONFIG=$CONF "$CORRAL" status --system --json >"$TEST_TMP/s.json"
assert_eq "CORRAL_CONFIG" 7 "$(json "$TEST_TMP/s.json" 'j["max_concurrent_jobs"]')"

# A flag wins over the file.
id2=$("$CORRAL" --config "$CONF" --state-dir "$STATE" submit --memory 128M -- true)
corral wait --timeout 60s "$id2" >/dev/null
assert_eq "--state-dir over state-dir" completed "$(json "$STATE/tenants/default/jobs/$id2/job.json" 'j["status"]')"
assert_eq "--memory over default-memory" 134217728 "$(json "$STATE/tenants/default/jobs/$id2/job.json" 'j["limits"]["memory_bytes"]')"
# A governor flag stored in the store's governor.conf wins over the file.
"$CORRAL" --config "$CONF" submit --max-concurrent 3 -- true >/dev/null
"$CORRAL" --config "$CONF" status --system --json >"$TEST_TMP/s.json"
assert_eq "governor.conf over the file" 3 "$(json "$TEST_TMP/s.json" 'j["max_concurrent_jobs"]')"
# gc-ttl: the file's 1 s retention removes the finished jobs.
sleep 1.2
out=$("$CORRAL" --config "$CONF" gc)
case "$out" in "removed "[1-9]*) ok "gc-ttl from the file: $out" ;; *) not_ok "gc: $out" ;; esac

# Strict: unknown keys, bad values, bad lines, a missing named file.
check_refused() { # WHAT EXPECTED-MESSAGE-PART FILE-CONTENT
        printf '%s\n' "$3" >"$TEST_TMP/bad.conf"
        err=$("$CORRAL" --config "$TEST_TMP/bad.conf" list 2>&1 >/dev/null)
        rc=$?
        if [ "$rc" = 2 ] && [[ $err == *"$2"* ]]; then ok "$1: $err"; else not_ok "$1: exit $rc, '$err'"; fi
}
check_refused "unknown key" "bad.conf:2: unknown key 'memroy-threshold'; allowed: state-dir," \
        $'# x\nmemroy-threshold = 80'
check_refused "bad percentage" "bad.conf:1: --memory-threshold: '120' is not a percentage" \
        'memory-threshold = 120'
check_refused "bad limit" "bad.conf:1: " 'default-memory = lots'
check_refused "relative path" "bad.conf:1: state-dir: 'var/lib' is not an absolute path" 'state-dir = var/lib'
check_refused "no '='" "bad.conf:1: expected 'key = value'" 'state-dir /x'
check_refused "twice" "bad.conf:2: 'queue-limit' was already set on line 1" $'queue-limit = 1\nqueue-limit = 2'
check_refused "serve-on-exit" "serve-on-exit: 'later' is not allowed (keep or cancel)" 'serve-on-exit = later'
err=$("$CORRAL" --config "$TEST_TMP/none.conf" list 2>&1)
assert_eq "missing named file: exit status" 2 "$?"
rm -rf "$other"
finish
