#!/bin/bash
# Regaining privileges through a setuid-root binary: no_new_privs makes exec
# ignore the setuid bit (and every capability is gone from the bounding set).
# Control: the same binary does make an unprivileged user root outside corral.
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
# The real setuid-root passwd: as root it would show root's shadow entry.
assert_eq "control: passwd -S root works as root" root "$(/usr/bin/passwd -S root | cut -d' ' -f1)"
out=$(attempt -- /usr/bin/passwd -S root 2>&1)
case "$out" in
*"You may not view or modify password information for root"*) ok "setuid passwd ran without privileges" ;;
*) not_ok "passwd -S root in a job: $out" ;;
esac
rm -f "$SUID"
check_untouched
finish
