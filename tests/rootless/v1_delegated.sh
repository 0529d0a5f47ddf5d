# v1_delegated: corral as an ordinary uid on this cgroup v1/hybrid host, in a
# subtree root delegated to it (a group per controller hierarchy, chowned to
# the uid: what an administrator does on v1, where systemd delegates no
# controller to users).  corral puts its parent group below the group it was
# started in, and memory, CPU and pids limits, OOM detection (with the default
# sandbox, built in a user namespace) and the group kill work as for root.
# Control: the same uid started outside the delegated groups is refused (exit
# 125) with the reason and the fix, and nothing runs.
. "$(dirname "$0")/deleg.bash"

deleg_setup 250000
mkdir "$TEST_TMP/u"
chown "$TUID:$TUID" "$TEST_TMP/u"
cd "$TEST_TMP/u" || exit 1

# as_user IN_DELEGATED NAME ARGS...: corral run as the uid; outcome in NAME.json.
as_user() {
        inside=$1 n=$2
        shift 2
        R=$TEST_TMP/u/$n.json
        sh -c 'if [ "$0" = yes ]; then for h in '"$HIER"'; do echo $$ >/sys/fs/cgroup/$h/'"$D"'/cgroup.procs || exit 99; done; fi
               exec setpriv --reuid '"$TUID"' --regid '"$TUID"' --clear-groups "$@"' "$inside" \
                "$CORRAL" run --result "$R" "$@" >"$TEST_TMP/u/$n.out" 2>"$TEST_TMP/u/$n.err"
        RC=$?
}

as_user no refused --mounts host -- /bin/sh -c "echo ran >$TEST_TMP/u/ran"
assert_eq "outside a delegated group: refused (corral exit)" 125 "$RC"
if [ -e "$TEST_TMP/u/ran" ]; then not_ok "the job ran without limits"; else ok "nothing ran unlimited"; fi
case "$(cat "$TEST_TMP/u/refused.err")" in
*"cgroup v1/hybrid"*"run corral as root"*"chown it"*) ok "the refusal says why and what to do" ;;
*) not_ok "refusal said: $(cat "$TEST_TMP/u/refused.err")" ;;
esac

# The default view (a user namespace, without root): same outcome, same figures.
as_user yes oom --memory 32M -- "$CORRAL_PROGS/memhog" 100
assert_eq "memhog 100 under 32M: corral exit" 137 "$RC"
assert_eq "status" oom_killed "$(json "$R" 'j["status"]')"
assert_cmp "oom_kills" "$(json "$R" 'j.get("oom_kills", 0)')" -ge 1
assert_cmp "memory peak near the limit (MiB)" "$(json "$R" 'j["memory_peak_bytes"]//1048576')" -ge 28
case "$(json "$R" 'j["cgroup"]')" in
"/$D/$CORRAL_CGROUP_PARENT/"?*) ok "job group below the delegated group" ;;
*) not_ok "job group at $(json "$R" 'j["cgroup"]')" ;;
esac

as_user yes pids --mounts host --pids 8 -- /bin/sh -c "cat /sys/fs/cgroup/pids\$(grep :pids: /proc/self/cgroup | cut -d: -f3)/pids.max; id -u"
assert_eq "pids.max inside the job" 8 "$(sed -n 1p "$TEST_TMP/u/pids.out")"
assert_eq "the job runs as the uid" "$TUID" "$(sed -n 2p "$TEST_TMP/u/pids.out")"

as_user yes cpu --mounts host --cpus 0.5 -- /bin/sh -c "g=\$(grep :cpu: /proc/self/cgroup | cut -d: -f3); cat /sys/fs/cgroup/cpu\$g/cpu.cfs_quota_us /sys/fs/cgroup/cpu\$g/cpu.cfs_period_us"
assert_eq "--cpus 0.5: the job's CFS quota/period" "50000/100000" "$(sed -n 1p "$TEST_TMP/u/cpu.out")/$(sed -n 2p "$TEST_TMP/u/cpu.out")"

as_user yes daemon --mounts host --timeout 1 -- "$CORRAL_PROGS/daemonize" 60
assert_eq "a daemon outliving its parent: timed out (corral exit)" 124 "$RC"
left=$(find "/sys/fs/cgroup/memory/$D" -mindepth 2 -type d)
assert_eq "no job group left in the delegated subtree" "" "$left"
finish
