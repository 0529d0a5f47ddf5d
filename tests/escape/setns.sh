#!/bin/bash
# setns into a namespace (its own, the only one it can open): EPERM from the
# policy, before the kernel's own checks.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" setns-self:net setns-self:mnt setns-self:user "open:/proc/$NB_PID/ns/mnt" 2>/dev/null)
assert_eq "setns refused by the policy" \
        "setns-self:net errno=EPERM setns-self:mnt errno=EPERM setns-self:user errno=EPERM open:/proc/$NB_PID/ns/mnt errno=ENOENT" \
        "$(echo $out)"
assert_eq "denials counted" "setns=3" "$(denials)"
check_untouched
finish
