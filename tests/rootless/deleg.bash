# tests/rootless/deleg.bash - sourced by the rootless tests that run corral as
# an ordinary uid in a cgroup v1 subtree delegated to it: a group per
# controller hierarchy, chowned to the uid, as an administrator delegates on
# v1.  Sources tests/lib.sh (a private temporary directory and cgroup parent).
#
#   deleg_setup BASE    sets TUID (BASE plus a part of this test's pid, so
#                       parallel tests differ), D (the group's name) and HIER,
#                       makes and chowns the groups, and arranges that they
#                       are emptied (every process killed) and removed at exit
#   deleg_before_cleanup  a test may redefine it: it runs first at exit
. "${CORRAL_SRC:?CORRAL_SRC must name the source tree (ctest sets it)}/tests/lib.sh" || exit 1
[ "$(id -u)" = 0 ] || { not_ok "needs root to build its fixture (the uid's delegated groups)"; finish; }
command -v setpriv >/dev/null || { not_ok "missing setpriv (util-linux)"; finish; }

deleg_before_cleanup() { :; }

cleanup_deleg() {
        deleg_before_cleanup
        for h in $HIER; do
                g=/sys/fs/cgroup/$h/$D
                [ -d "$g" ] || continue
                [ "$h" = freezer ] && find "$g" -name freezer.state -exec sh -c 'echo THAWED >"$1"' _ {} \; 2>/dev/null
                find "$g" -name cgroup.procs -exec cat {} + 2>/dev/null | while read -r pid; do kill -9 "$pid" 2>/dev/null; done
        done
        sleep 0.2
        for h in $HIER; do
                [ -d "/sys/fs/cgroup/$h/$D" ] && find "/sys/fs/cgroup/$h/$D" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        cleanup_test
}

deleg_setup() {
        TUID=$(($1 + $$ % 50000))
        D=corral-test-deleg-$$
        HIER="memory cpu cpuacct pids freezer"
        trap cleanup_deleg EXIT
        for h in $HIER; do
                mkdir "/sys/fs/cgroup/$h/$D"
                chown -R "$TUID:$TUID" "/sys/fs/cgroup/$h/$D"
        done
}
