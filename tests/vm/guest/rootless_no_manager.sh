# rootless_no_manager: an ordinary user's corral on pure cgroup v2, started in
# a group it may not write (here the root group) and with no systemd user
# manager to ask for a delegated scope (no user bus in the guest).  corral
# must not run the job without limits: it is refused (125) and the message
# says that the group was not writable, that the scope request found no user
# bus, and what to do; `corral doctor` says the same.
. /vm/lib.sh

JOB_USER=corraluser
job refused --mounts host -- /bin/sh -c "echo ran >$TMP/ran"
assert_eq "corral exit" 125 "$RC"
if [ -e "$TMP/ran" ]; then not_ok "the job ran without limits"; else ok "nothing ran unlimited"; fi
err=$(cat "$TMP/refused.err")
assert_match "names the scope request and why it failed" "*delegated scope failed: no user bus*" "$err"
assert_match "names the fix" "*systemd-run --user --scope -p Delegate=yes*" "$err"

su -s /bin/sh -c "$CORRAL doctor" corraluser >"$TMP/doctor" 2>&1
assert_eq "doctor exit (a problem)" 1 $?
assert_match "doctor: no delegated scope, and why" "*no delegated scope from systemd: no user bus*" "$(cat "$TMP/doctor")"
assert_match "doctor: user namespaces in the guest" "*user namespaces (the sandbox without root), as uid 1000: available*" "$(cat "$TMP/doctor")"
finish
