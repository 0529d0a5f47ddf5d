#!/bin/bash
# Regaining privileges through a setuid-root binary: no_new_privs makes exec
# ignore the setuid bit (and every capability is gone from the bounding set).
# Control: the same binary does make an unprivileged user root outside corral.
# (/usr/bin/passwd itself is not a usable probe: it looks up the REAL uid, which
# has no passwd entry in a job, and fails the same way with or without euid 0.)
. "$(dirname "$0")/escape.bash"
start_witnesses
SUID=$TEST_TMP/suid-id
cp /usr/bin/id "$SUID"
chown root:root "$SUID"
chmod 4755 "$SUID"
EXTRA_CLEANUP='rm -f "$SUID"'
assert_eq "control: setuid copy works outside corral" 0 "$(setpriv --reuid=65534 --regid=65534 --clear-groups "$SUID" -u)"
out=$(attempt -- sh -c "$SUID -u; id -u" 2>&1)
set -- $out
assert_cmp "setuid ignored: euid is the job's uid" "$1" -ge 60000
assert_eq "euid equals the real uid" "$2" "$1"
rm -f "$SUID"
check_untouched
finish
