#!/bin/bash
# Reading a neighbour job's files: its work directory is 0700 and owned by its
# own uid (EACCES); the store's directories can be traversed, not listed.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" "open:$NB_WORK/secret.txt" "open:$NB_WORK" "open:$STATE/tenants/default/jobs/$NB/job.json" 2>/dev/null)
assert_eq "neighbour's files refused" \
        "open:$NB_WORK/secret.txt errno=EACCES open:$NB_WORK errno=EACCES open:$STATE/tenants/default/jobs/$NB/job.json errno=EACCES" \
        "$(echo $out)"
out=$(attempt -- ls "$STATE/tenants/default/jobs" 2>&1)
case "$out" in *"Permission denied"*) ok "jobs directory not listable" ;; *) not_ok "ls: $out" ;; esac
out=$(attempt -- cat "/proc/$NB_PID/environ" 2>&1)
# Not in the job's PID namespace: its /proc has no such entry.
case "$out" in *"No such file"*) ok "neighbour's /proc environ not there" ;; *) not_ok "environ: $out" ;; esac
check_untouched
finish
