#!/bin/bash
# Opening /proc/1/mem (the job's init, root): the ptrace access check refuses a
# different uid without capabilities (EACCES); the neighbour and the host are
# not in the job's PID namespace, so its /proc has no entry for them (ENOENT).
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" open:/proc/1/mem "open:/proc/$NB_PID/mem" "open:/proc/$CANARY/mem" open:/proc/self/mem 2>/dev/null)
assert_eq "other processes' memory refused, its own allowed" \
        "open:/proc/1/mem errno=EACCES open:/proc/$NB_PID/mem errno=ENOENT open:/proc/$CANARY/mem errno=ENOENT open:/proc/self/mem ok" \
        "$(echo $out)"
check_untouched
finish
