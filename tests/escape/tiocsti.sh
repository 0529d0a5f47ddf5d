#!/bin/bash
# TIOCSTI (pushing keystrokes into a terminal someone else reads): EPERM from
# the policy, also with a high bit set in the request (the kernel reads an
# unsigned int); an allowed ioctl on the same bad fd gets EBADF.
. "$(dirname "$0")/escape.bash"
start_witnesses
out=$(attempt -- "$TRY" ioctl-tiocsti ioctl-tiocsti-hi ioctl-tcgets 2>/dev/null)
assert_eq "TIOCSTI refused" \
        "ioctl-tiocsti errno=EPERM ioctl-tiocsti-hi errno=EPERM ioctl-tcgets errno=EBADF" \
        "$(echo $out)"
assert_eq "denials counted" "ioctl=2" "$(denials)"
check_untouched
finish
