# userns_doctor: `corral doctor` names a host that refuses user namespaces,
# for real: in a user namespace of the test's own, user.max_user_namespaces
# is set to 0 (a per-namespace setting: the host's value is never touched),
# so every user namespace corral tries to make there fails with ENOSPC, as on
# a host with the sysctl at 0.  Control: the same without the setting.
# (AppArmor's restriction, Debian's clone sysctl and container seccomp
# profiles cannot be produced here: unit/test_userns_check has them.)
# And a job corral is asked to run there, as an ordinary uid of that
# namespace, is refused (125) with the pointer to doctor: not run without
# its sandbox.
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

# corral as uid 1000 of a user namespace where max_user_namespaces is 0, in
# cgroups of the test's own (the namespace's uid 1000 is the host's root, so
# it may write them; never the groups this shell started in).
D=corral-test-nsrefuse-$$
HIER="memory cpu cpuacct pids freezer"
cleanup_groups() {
        for h in $HIER; do
                [ -d "/sys/fs/cgroup/$h/$D" ] && find "/sys/fs/cgroup/$h/$D" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        cleanup_test
}
trap cleanup_groups EXIT
for h in $HIER; do mkdir "/sys/fs/cgroup/$h/$D"; done
out=$(sh -c 'for h in '"$HIER"'; do echo $$ >/sys/fs/cgroup/$h/'"$D"'/cgroup.procs || exit 99; done
        exec unshare -U --map-user=1000 --map-group=1000 --keep-caps sh -c "echo 0 >/proc/sys/user/max_user_namespaces &&
          exec setpriv --inh-caps=-all --ambient-caps=-all --bounding-set=-all \"\$0\" run -- /bin/sh -c \"echo ran >$TEST_TMP/ran\"" "$0"' "$CORRAL" 2>&1)
assert_eq "a job where user namespaces are refused: corral exit" 125 "$?"
if [ -e "$TEST_TMP/ran" ]; then not_ok "the job ran without its sandbox"; else ok "the job did not run"; fi
case "$out" in
*"set up the job's namespaces"*"corral doctor"*"does not run the job in a weaker sandbox"*) ok "the refusal points at doctor" ;;
*) not_ok "refusal said: $out" ;;
esac

# As an ordinary uid on this host (which allows them), doctor says available.
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CORRAL" doctor 2>&1)
case "$out" in
*"as uid 65534: available"*) ok "an ordinary uid: available" ;;
*) not_ok "as 65534 doctor said: $out" ;;
esac
finish
