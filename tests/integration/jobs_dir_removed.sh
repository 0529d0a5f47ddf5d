#!/bin/bash
# A running job whose directory is removed (its store deleted by hand, or the
# job's directory) is stopped: its outcome has nowhere to go.  The job and a
# daemon it started end, its supervisor ends, its group goes, and its place
# among the running jobs is free for the next job.
. "$(dirname "$0")/../lib.sh"

id=$(corral submit --max-concurrent 1 -- sh -c "'$CORRAL_PROGS/daemonize' pidfile; exec sleep 300")
jobdir=$STATE/tenants/default/jobs/$id
for _ in $(seq 200); do [ -s "$jobdir/work/pidfile" ] && break; sleep 0.05; done
daemon=$(host_pid "$(cat "$jobdir/work/pidfile")" "$jobdir/work")
[ -n "$daemon" ] && ok "the job's daemon runs ($daemon)" || not_ok "daemon not found"
sup=$(json "$jobdir/job.json" 'j["supervisor"]["pid"]')
[ -n "$sup" ] && kill -0 "$sup" 2>/dev/null && ok "its supervisor runs ($sup)" || not_ok "supervisor '$sup' not found"

rm -rf "$jobdir"
for _ in $(seq 300); do kill -0 "$daemon" 2>/dev/null || break; sleep 0.05; done
assert_dead "$daemon" "the job's daemon was stopped"
for _ in $(seq 300); do kill -0 "$sup" 2>/dev/null || break; sleep 0.05; done
assert_dead "$sup" "its supervisor ended"
assert_no_groups

# Its place is free: the next job (at most 1 running) runs at once.
next=$(corral submit -- true)
corral wait --timeout 30s "$next" >/dev/null
assert_eq "the next job ran" completed "$(json "$STATE/tenants/default/jobs/$next/job.json" 'j["status"]')"
finish
