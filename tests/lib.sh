# tests/lib.sh - sourced by every shell test (integration, escape).
#
# Gives each test a private cgroup parent (so tests never see or clean each
# other's groups), a private temporary directory, and a trap that removes both
# whatever happens.  Asserts print what was expected and what was seen.

set -u
: "${CORRAL:?CORRAL must name the corral binary (ctest sets it)}"
: "${CORRAL_PROGS:?CORRAL_PROGS must name the test programs directory}"

TEST_NAME=$(basename "$0" .sh)
export CORRAL_CGROUP_PARENT="corral-test-$$"
TEST_TMP=$(mktemp -d "/tmp/corral-test.$TEST_NAME.XXXXXX")
# Jobs run as an unprivileged uid of their own: let them write their pid files here.
chmod 1777 "$TEST_TMP"
# Jobs see every mount read-only but their working directory: work from here.
cd "$TEST_TMP" || exit 1
FAILS=0
CHECKS=0

# A private job store; supervisors started for it are ended at cleanup.
STATE=$TEST_TMP/state
corral() { "$CORRAL" --state-dir "$STATE" "$@"; }
# The governor must not hold test jobs back because the machine is busy with
# other tests or builds (two cores): CPU load never blocks admission here.
# Memory thresholds stay at their defaults; tests of the CPU rule use fixtures.
mkdir -p "$STATE/governor"
echo "cpu-threshold = 100" >"$STATE/governor/governor.conf"

# Supervisors of our store: those whose command line names $STATE (they were
# started by this test's corral commands and carry --state-dir $STATE).
# pgrep -f matches the same space-joined command line in one process: the
# loop of two forks per /proc entry it replaces took seconds on a busy host
# (46 s once for slurm/deps at load 14).  Only the pids are used (kill by pid).
our_supervisors() {
        pgrep -f -- "__supervise --state-dir $(printf '%s' "$STATE" | sed 's/[][\.*^$+?(){}|]/\\&/g') "
}

cleanup_test() {
        for pid in $(our_supervisors); do kill -9 "$pid" 2>/dev/null; done
        # Any job group left under our private parent is killed and removed; then
        # the parent itself.  Only groups named by this test's parent are touched.
        for root in /sys/fs/cgroup/*/ /sys/fs/cgroup/; do
                p="$root$CORRAL_CGROUP_PARENT"
                [ -d "$p" ] || continue
                for g in "$p"/*/; do
                        [ -d "$g" ] || continue
                        [ -f "$g/cgroup.kill" ] && echo 1 >"$g/cgroup.kill" 2>/dev/null
                        if [ -f "$g/cgroup.procs" ]; then
                                while read -r pid; do kill -9 "$pid" 2>/dev/null; done <"$g/cgroup.procs"
                        fi
                done
                sleep 0.1
                for g in "$p"/*/; do [ -d "$g" ] && rmdir "$g" 2>/dev/null; done
                rmdir "$p" 2>/dev/null
        done
        rm -rf "$TEST_TMP"
}
trap cleanup_test EXIT
trap 'exit 1' INT TERM

ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "not ok - $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
        if [ "$2" = "$3" ]; then ok "$1: $3"; else not_ok "$1: expected '$2', got '$3'"; fi
}
# assert_cmp WHAT A OP B   (integer comparison: -lt -le -gt -ge -eq -ne)
assert_cmp() {
        if [ "$2" "$3" "$4" ] 2>/dev/null; then ok "$1: $2 $3 $4"; else not_ok "$1: expected $2 $3 $4"; fi
}
# json FILE EXPR  (python expression over the parsed object j)
json() { python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); v=eval(sys.argv[2]); print("null" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$1" "$2"; }

# assert_dead PID WHAT: the process is gone (a zombie awaiting its reaper counts
# as dead); a survivor is reported and killed.
assert_dead() {
        local state
        state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null || echo gone)
        case "$state" in
        gone | Z | X) ok "$2 ($1: $state)" ;;
        *) not_ok "$2: $1 survived (state $state)"; kill -9 "$1" 2>/dev/null ;;
        esac
}

# host_pid NSPID DIR: the host pid of this test's job process that is NSPID in
# its job's own PID namespace (as root every job has one: `echo $$` in a job
# prints its namespace pid) and runs in DIR.  Empty when there is none.
host_pid() {
        local f p cwd
        for f in /proc/[0-9]*/status; do
                p=${f#/proc/}
                p=${p%/status}
                grep -q "/$CORRAL_CGROUP_PARENT/" "/proc/$p/cgroup" 2>/dev/null || continue
                cwd=$(readlink "/proc/$p/cwd" 2>/dev/null) || continue
                [ "$cwd" = "$2" ] || continue
                awk -v ns="$1" '/^NSpid:/ { if (NF > 2 && $NF == ns) print $2 }' "$f" 2>/dev/null
        done | head -1
}

# Groups corral created under our private parent, in any hierarchy.
leftover_groups() {
        find /sys/fs/cgroup -mindepth 2 -maxdepth 3 -type d -path "*/$CORRAL_CGROUP_PARENT/*" 2>/dev/null
}
assert_no_groups() {
        left=$(leftover_groups)
        if [ -z "$left" ]; then ok "no job group left behind"; else not_ok "groups left: $left"; fi
}

finish() {
        echo "$((CHECKS - FAILS)) passed, $FAILS failed"
        [ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]
        exit $?
}
