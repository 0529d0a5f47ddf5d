#!/bin/bash
# A new user namespace (the door to "root" over fresh kernel surface), by
# unshare and by clone: EPERM from the policy.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" unshare-newuser clone-newuser 2>/dev/null)
assert_eq "user namespace refused" "unshare-newuser errno=EPERM clone-newuser errno=EPERM" "$(echo $out)"
assert_eq "denials counted" "unshare=1 clone=1" "$(denials)"
out=$(attempt -- unshare -U true 2>&1)
case "$out" in *"Operation not permitted"*) ok "unshare(1) -U: EPERM" ;; *) not_ok "unshare -U: $out" ;; esac
check_untouched
finish
