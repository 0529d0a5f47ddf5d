# subids: an ordinary user's subordinate ids (/etc/subuid, /etc/subgid) are
# found and really mapped by `corral doctor`: a child in a user namespace,
# mapped from outside by newuidmap/newgidmap (the uidmap package), runs as
# the first subordinate id, read back from /proc/PID/status.  A dedicated
# user (useradd, userdel in the trap) gets a range the test adds; both files
# are restored byte for byte, even on failure.  Controls: the same user
# without a range (and with only another user's) is told it has none, and
# that every job then runs as its uid (rootless/subid_jobs: what jobs do).
. "$CORRAL_SRC/tests/lib.sh"
[ "$(id -u)" = 0 ] || { not_ok "needs root to create its test user and ranges"; finish; }
for t in useradd userdel setpriv newuidmap newgidmap; do
        command -v $t >/dev/null || { not_ok "missing $t (passwd, util-linux, uidmap)"; finish; }
done

TU=crl-subid-$$
SUB=$((400000 + ($$ % 1000) * 128))
. "$CORRAL_SRC/tests/rootless/subid-files.bash"
cleanup_subids() {
        restore
        id "$TU" >/dev/null 2>&1 && userdel "$TU" 2>/dev/null
        cleanup_test
}
trap cleanup_subids EXIT
# -M: no home; -N: the user's own group is not made, gid 65534 (nogroup);
# no range of useradd's own choosing (SUB_UID_COUNT): the test sets them.
useradd -M -N -g 65534 -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -d /nonexistent -s /usr/sbin/nologin "$TU" || { not_ok "useradd"; finish; }
TUID=$(id -u "$TU")

# with_ranges UIDLINE GIDLINE: the files as they were, plus one line each.
with_ranges() {
        restore
        echo "$1" >>/etc/subuid
        echo "$2" >>/etc/subgid
}
doctor() { (cd / && setpriv --reuid "$TUID" --regid 65534 --clear-groups "$CORRAL" doctor 2>&1); }

with_ranges "$TU:$SUB:64" "$TU:$SUB:64"
out=$(doctor)
case "$out" in
*"subordinate ids: uids $SUB-$((SUB + 63)), gids $SUB-$((SUB + 63))"*) ok "the user's ranges are found by name" ;;
*) not_ok "ranges by name: $out" ;;
esac
case "$out" in
*"newuidmap/newgidmap map them: a probe ran as host uid $SUB, gid $SUB"*) ok "a child mapped from outside runs as the first subordinate id" ;;
*) not_ok "probe: $out" ;;
esac
case "$out" in
*"rootless jobs each run as a subordinate id of their own (up to 64 at once)"*) ok "doctor says jobs run as ids of their own" ;;
*) not_ok "who jobs run as: $out" ;;
esac

# By uid, as shadow also accepts, and a range of another user is not ours.
with_ranges "$TUID:$((SUB + 64)):8" "$TU:$((SUB + 64)):8"
out=$(doctor)
case "$out" in
*"probe ran as host uid $((SUB + 64)), gid $((SUB + 64))"*) ok "a range listed under the uid" ;;
*) not_ok "range by uid: $out" ;;
esac

with_ranges "not-$TU:$SUB:64" "not-$TU:$SUB:64"
out=$(doctor)
case "$out" in
*"subordinate ids: none for uid $TUID"*"rootless jobs all run as uid $TUID"*) ok "control: without a range, none, and what is shared is said" ;;
*) not_ok "control: $out" ;;
esac

restore
if { [ $had_uid = 0 ] || cmp -s "$BK/subuid" /etc/subuid; } && { [ $had_gid = 0 ] || cmp -s "$BK/subgid" /etc/subgid; }; then
        ok "/etc/subuid and /etc/subgid restored byte for byte"
else
        not_ok "/etc/subuid or /etc/subgid differ from before"
fi
finish
