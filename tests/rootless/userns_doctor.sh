# userns_doctor: `corral doctor` names a host that refuses user namespaces,
# for real: in a user namespace of the test's own, user.max_user_namespaces
# is set to 0 (a per-namespace setting: the host's value is never touched),
# so every user namespace corral tries to make there fails with ENOSPC, as on
# a host with the sysctl at 0.  Control: the same without the setting.
# (AppArmor's restriction, Debian's clone sysctl and container seccomp
# profiles cannot be produced here: unit/test_userns_check has them.)
. "$CORRAL_SRC/tests/lib.sh"
command -v unshare >/dev/null || { not_ok "missing unshare (util-linux)"; finish; }
host_before=$(cat /proc/sys/user/max_user_namespaces)

out=$(unshare -U -r sh -c 'echo 0 >/proc/sys/user/max_user_namespaces && "$0" doctor' "$CORRAL" 2>&1)
case "$out" in
*"user namespaces (the sandbox without root), as uid "*": refused: user.max_user_namespaces is 0"*) ok "refusal named" ;;
*) not_ok "doctor with max_user_namespaces=0 said: $out" ;;
esac
case "$out" in
*"fix: sysctl -w user.max_user_namespaces="*) ok "fix named" ;;
*) not_ok "no fix named: $out" ;;
esac

out=$(unshare -U -r "$CORRAL" doctor 2>&1)
case "$out" in
*"user namespaces (the sandbox without root), as uid "*": available"*) ok "control: available without the setting" ;;
*) not_ok "control said: $out" ;;
esac
assert_eq "the host's setting is untouched" "$host_before" "$(cat /proc/sys/user/max_user_namespaces)"

# As an ordinary uid on this host (which allows them), doctor says available.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CORRAL" doctor 2>&1)
case "$out" in
*"as uid 65534: available"*) ok "an ordinary uid: available" ;;
*) not_ok "as 65534 doctor said: $out" ;;
esac
finish
