# tests/vm/guestlib.sh - sourced by every guest test of the VM lanes (v2, hybrid)
# (installed as /vm/lib.sh in the guest; busybox sh, no python).
#
# The guest's /init runs each test from the root cgroup with:
#   TEST_NAME              the test's name
#   CORRAL                 the corral binary
#   PROGS                  the test programs (memhog, spin, forkbomb, ...)
#   CORRAL_CGROUP_PARENT   a private parent group name (vmtest-NAME)
# and fails the test if it leaves a process or a cgroup behind.
#
# Gives: a private temporary directory $TMP, assert helpers that print what was
# expected and what was seen, `job` to run `corral run` and keep its outcome,
# `jget` to read a key of corral's one-line JSON outcome, helpers for tests
# that build their own cgroup trees (removed by the EXIT trap), and `finish`.

set -u
: "${TEST_NAME:?}" "${CORRAL:?}" "${PROGS:?}"
CG=/sys/fs/cgroup
# Not under /tmp: jobs get a fresh /tmp of their own.  The test runs from $TMP,
# so it is the jobs' working directory, the one place they may write (as
# their own uid: hence the mode).
TMP=$(mktemp -d "/work/$TEST_NAME.XXXXXX")
chmod 1777 "$TMP"
cd "$TMP" || exit 1
FAILS=0
CHECKS=0
OWN_GROUPS=""

# Kills everything in a cgroup subtree and removes it, deepest first.
cg_remove_tree() {
        [ -d "$1" ] || return 0
        echo 1 >"$1/cgroup.kill" 2>/dev/null
        _i=0
        while grep -q '^populated 1' "$1/cgroup.events" 2>/dev/null && [ $_i -lt 50 ]; do
                sleep 0.1
                _i=$((_i + 1))
        done
        find "$1" -depth -type d -exec rmdir {} \; 2>/dev/null
        [ ! -d "$1" ]
}

cleanup_test() {
        for g in $OWN_GROUPS; do cg_remove_tree "$g"; done
        cd /
        rm -rf "$TMP"
}
trap cleanup_test EXIT
trap 'exit 1' INT TERM

# cg_make DIR: creates a cgroup this test owns; the EXIT trap removes it.
cg_make() {
        mkdir "$1" || return 1
        OWN_GROUPS="$1 $OWN_GROUPS"
}

ok() {
        CHECKS=$((CHECKS + 1))
        echo "ok - $*"
}
not_ok() {
        CHECKS=$((CHECKS + 1))
        FAILS=$((FAILS + 1))
        echo "not ok - $*"
}
# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
        if [ "$2" = "$3" ]; then ok "$1: $3"; else not_ok "$1: expected '$2', got '$3'"; fi
}
# assert_cmp WHAT A OP B   (integers: -lt -le -gt -ge -eq -ne)
assert_cmp() {
        # shellcheck disable=SC1009,SC1072,SC1073 # the operator is an argument
        if [ "$2" "$3" "$4" ] 2>/dev/null; then ok "$1: $2 $3 $4"; else not_ok "$1: expected $2 $3 $4"; fi
}
# assert_match WHAT PATTERN ACTUAL   (shell case pattern)
assert_match() {
        case "$3" in
        $2) ok "$1: $3" ;;
        *) not_ok "$1: expected to match '$2', got '$3'" ;;
        esac
}

# jget FILE KEY: the value of KEY in corral's one-line JSON outcome: a string
# without its quotes, a number, or null.  Prints "<missing>" when the key is
# absent, so a missing key never compares equal to anything expected.
jget() {
        _v=$(sed -nE 's/.*"'"$2"'":[[:space:]]*("([^"\\]|\\.)*"|[^,}[:space:]]*).*/\1/p' "$1" 2>/dev/null | head -n 1)
        if [ -z "$_v" ]; then echo "<missing>"; else
                _v=${_v#\"}
                echo "${_v%\"}"
        fi
}

# job NAME [corral run options...] -- CMD [ARG...]
# Runs `corral run --result $TMP/NAME.json ...`; the job's stdout goes to
# $TMP/NAME.out and stderr to $TMP/NAME.err.  Sets RC (corral's exit status)
# and R (the outcome file), and prints the outcome line into the test's log.
# With JOB_CGROUP=DIR set, corral is started alone in that cgroup (the shell
# moves itself there and execs; its pid, corral's, lands in $TMP/NAME.pid);
# with JOB_USER=NAME, corral runs as that user (busybox su, which execs);
# with JOB_PREFIX="CMD ARGS" (split on spaces), corral runs under CMD (strace).
job() {
        _n=$1
        shift
        R=$TMP/$_n.json
        rm -f "$R"
        echo "# $_n: corral run $*${JOB_USER:+ (as $JOB_USER)}${JOB_CGROUP:+ (in $JOB_CGROUP)}"
        set -- "$CORRAL" run --result "$R" "$@"
        if [ -n "${JOB_PREFIX:-}" ]; then
                # shellcheck disable=SC2086 # split on purpose
                set -- $JOB_PREFIX "$@"
        fi
        if [ -n "${JOB_USER:-}" ]; then
                set -- su -s /bin/sh -c 'exec "$@"' -- "$JOB_USER" sh "$@"
        fi
        if [ -n "${JOB_CGROUP:-}" ]; then
                set -- sh -c 'echo $$ >"$0.pid" && echo $$ >"$1/cgroup.procs" || exit 125; shift; exec "$@"' \
                        "$TMP/$_n" "$JOB_CGROUP" "$@"
        fi
        "$@" >"$TMP/$_n.out" 2>"$TMP/$_n.err"
        RC=$?
        echo "#   exit $RC, outcome: $(cat "$R" 2>/dev/null || echo '<no outcome file>')"
        if [ -s "$TMP/$_n.err" ]; then sed 's/^/#   stderr: /' "$TMP/$_n.err" | head -n 20; fi
        return 0
}

# pids_with_cmdline TEXT: host pids whose command line (arguments joined by
# spaces) contains TEXT.  A pid a job writes is its pid in the job's own PID
# namespace (as root every job has one), meaningless here: tests find a job's
# processes from outside by a unique argument instead.
pids_with_cmdline() {
        for _p in /proc/[0-9]*; do
                case "$(tr '\0' ' ' <"$_p/cmdline" 2>/dev/null)" in
                *"$1"*) echo "${_p#/proc/}" ;;
                esac
        done
}

# daemon_job: starts `corral run -- daemonize $TMP/d.pid` in the background
# and waits for its daemon; sets RUNNER (corral's pid) and DAEMON (the
# daemon's host pid, found by the pid file's path in its command line, which
# corral's own holds too; empty when it never started).
daemon_job() {
        "$CORRAL" run --timeout 60s -- "$PROGS/daemonize" "$TMP/d.pid" >/dev/null 2>&1 &
        RUNNER=$!
        _i=0
        while [ ! -s "$TMP/d.pid" ] && [ $_i -lt 100 ]; do
                sleep 0.1
                _i=$((_i + 1))
        done
        DAEMON=$(pids_with_cmdline "$TMP/d.pid" | grep -vx "$RUNNER" | head -n 1)
}

# gone_within TEXT: waits up to 5 s until no process's command line holds TEXT.
gone_within() {
        _i=0
        while [ -n "$(pids_with_cmdline "$1")" ] && [ $_i -lt 50 ]; do
                sleep 0.1
                _i=$((_i + 1))
        done
}

# cgkey [FILE]: the outcome's `cgroup` key (default: the last job's) without a
# leading slash: the job group's path below the cgroup mount.
cgkey() {
        _k=$(jget "${1:-$R}" cgroup)
        echo "${_k#/}"
}

# assert_group_gone: the last job's group no longer exists.
assert_group_gone() {
        _g=$(cgkey)
        if [ "$_g" = "<missing>" ] || [ "$_g" = null ] || [ -z "$_g" ]; then
                not_ok "job group named in the outcome (cgroup: '$_g')"
        elif [ -d "$CG/$_g" ]; then
                not_ok "job group $_g left behind"
        else
                ok "job group $_g removed"
        fi
}

finish() {
        echo "$((CHECKS - FAILS)) passed, $FAILS failed"
        [ "$FAILS" -eq 0 ] && [ "$CHECKS" -gt 0 ]
        exit $?
}
