#!/bin/bash
# Cancel (running and queued), retry, dependencies, and tenants.
. "$(dirname "$0")/../lib.sh"
st() { corral status "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }

# Cancel a running job: its daemon dies too; cancelling again is harmless.
run=$(corral submit --kill-grace 200ms -- "$CORRAL_PROGS/daemonize" pidfile)
for _ in $(seq 100); do [ -s "$STATE/tenants/default/jobs/$run/work/pidfile" ] && break; sleep 0.1; done
daemon=$(host_pid "$(cat "$STATE/tenants/default/jobs/$run/work/pidfile")" "$STATE/tenants/default/jobs/$run/work")
[ -n "$daemon" ] && ok "daemon found ($daemon)" || not_ok "daemon not found"
out=$(corral cancel "$run")
assert_eq "cancel reports the end" "$run cancelled" "$out"
assert_eq "cancelled status" cancelled "$(st "$run")"
assert_dead "$daemon" "the job's daemon died with it"
out=$(corral cancel "$run")
assert_eq "cancel is idempotent" "$run cancelled" "$out"

# A queued job (max 1 running) is cancelled out of the queue; the next one runs.
blocker=$(corral submit --max-concurrent 1 -- "$CORRAL_PROGS/waitfile" go)
for _ in $(seq 100); do [ "$(st "$blocker")" = running ] && break; sleep 0.1; done
queued=$(corral submit -- true)
for _ in $(seq 50); do [ "$(st "$queued")" = queued ] && break; sleep 0.1; done
corral status "$queued" --json >"$TEST_TMP/q.json"
assert_eq "second job waits" queued "$(json "$TEST_TMP/q.json" 'j["status"]')"
assert_eq "its queue position" 1 "$(json "$TEST_TMP/q.json" 'j["queue_position"]')"
assert_eq "its reason" "1/1 jobs running" "$(json "$TEST_TMP/q.json" 'j["reason"]')"
assert_eq "cancel a queued job" "$queued cancelled" "$(corral cancel "$queued")"
third=$(corral submit -- true)
touch "$STATE/tenants/default/jobs/$blocker/work/go"
corral wait --timeout 60s "$third" >/dev/null
assert_eq "the next job ran once room was made" completed "$(st "$third")"
corral wait --timeout 60s "$blocker" >/dev/null
corral submit --max-concurrent 8 -- true >/dev/null

# Dependencies: a chain runs in order; a failed dependency fails its dependant, named.
a=$(corral submit -- sh -c 'sleep 0.3; echo a > results.json')
b=$(corral submit --depends-on "$a" -- true)
bad=$(corral submit -- false)
c=$(corral submit --depends-on "$b" --depends-on "$bad" -- true)
corral wait --timeout 60s "$b" >/dev/null
assert_eq "dependant ran after its dependency" completed "$(st "$b")"
corral wait --timeout 60s "$c" >/dev/null
corral status "$c" --json >"$TEST_TMP/c.json"
assert_eq "dependency failure" dependency_failed "$(json "$TEST_TMP/c.json" 'j["status"]')"
assert_eq "names the failed dependency" "dependency $bad ended failed" "$(json "$TEST_TMP/c.json" 'j["reason"]')"
err=$(corral submit --depends-on nosuchjob -- true 2>&1)
assert_eq "unknown dependency refused" 2 $?

# Retry: a new job with the same request and retry_of set.
r=$(corral retry "$bad")
corral wait --timeout 60s "$r" >/dev/null
corral status "$r" --json >"$TEST_TMP/r.json"
assert_eq "retry_of" "$bad" "$(json "$TEST_TMP/r.json" 'j["retry_of"]')"
assert_eq "same command" "['false']" "$(json "$TEST_TMP/r.json" 'j["command"]')"

# Tenants: another tenant sees no such job and cannot cancel it.
err=$("$CORRAL" --state-dir "$STATE" --tenant other status "$a" 2>&1)
assert_eq "another tenant: no such job" 2 $?
case "$err" in *"No such job"*) ok "other tenant told 'No such job'" ;; *) not_ok "$err" ;; esac
"$CORRAL" --state-dir "$STATE" --tenant other cancel "$a" >/dev/null 2>&1
assert_eq "another tenant cannot cancel" 2 $?
assert_eq "other tenant lists nothing" "[]" "$("$CORRAL" --state-dir "$STATE" --tenant other list --json)"

# cwd: the command starts there; it still writes only in its work dir ($HOME).
w=$(corral submit --cwd /usr -- sh -c 'pwd; echo x > "$HOME/in-home" && echo home-ok; touch here 2>/dev/null || echo cwd-ro')
corral wait --timeout 60s "$w" >/dev/null
assert_eq "cwd applied, work dir writable, cwd read-only" "/usr home-ok cwd-ro" "$(corral logs "$w" | tr '\n' ' ' | sed 's/ $//')"
# Other corral commands opening the store meanwhile must not take the job's
# path to its work directory away (the store keeps execute-only bits).
p=$(corral submit -- sh -c "$CORRAL_PROGS/waitfile go; echo x > \"\$HOME/by-path\" && echo path-ok")
for _ in $(seq 100); do [ "$(st "$p")" = running ] && break; sleep 0.1; done
corral list >/dev/null
corral status "$p" >/dev/null
touch "$STATE/tenants/default/jobs/$p/work/go"
corral wait --timeout 60s "$p" >/dev/null
assert_eq "the work directory stays reachable by path" path-ok "$(corral logs "$p")"
err=$(corral submit --cwd relative/dir -- true 2>&1)
assert_eq "relative cwd refused" 2 $?
case "$err" in *"Invalid cwd 'relative/dir'"*) ok "cwd error names it" ;; *) not_ok "$err" ;; esac

assert_no_groups
finish
