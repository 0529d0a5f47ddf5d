# tests/escape/escape.bash - sourced by every escape attempt (tests/escape/*.sh).
#
# Each attempt runs as a `corral run` job under the `default` policy, as a uid
# of its own from the pool, while two witnesses run:
#   - a neighbour job (`corral submit`, another uid) that sleeps, with a secret
#     file in its work directory;
#   - a host canary: a root process outside corral.
# check_untouched asserts, after the attempt, that both still live, that the
# neighbour's secret is intact and its supervisor (corral) still holds it; the
# neighbour is then cancelled and must end `cancelled`.  Everything started here
# is ended at exit, whatever happened.
. "$(dirname "$0")/../lib.sh"

TRY=$CORRAL_PROGS/try-syscall
R=$TEST_TMP/result.json
CANARY=
EXTRA_CLEANUP=:

escape_cleanup() {
        [ -n "$CANARY" ] && kill -9 "$CANARY" 2>/dev/null
        eval "$EXTRA_CLEANUP"
        cleanup_test
}
trap escape_cleanup EXIT INT TERM

# attempt [corral run options] -- command...: runs one job, outcome in $R.
attempt() { "$CORRAL" run --result "$R" "$@"; }

# r KEY: a key of the last attempt's outcome.
r() { json "$R" "j[\"$1\"]"; }

# denials: "name=count ..." of the last attempt.
denials() { json "$R" '" ".join("%s=%d" % (d["name"], d["count"]) for d in j["denied_syscalls"])'; }

start_witnesses() {
        sleep 3600 &
        CANARY=$!
        NB=$(corral submit -- sh -c 'echo "neighbour secret" > secret.txt; chmod 600 secret.txt; echo $$ > pid; exec sleep 3600')
        NB_WORK=$STATE/tenants/default/jobs/$NB/work
        for _ in $(seq 200); do [ -s "$NB_WORK/pid" ] && break; sleep 0.05; done
        # The pid file holds its pid in its own PID namespace: find its host pid.
        NB_PID=$(host_pid "$(cat "$NB_WORK/pid" 2>/dev/null)" "$NB_WORK")
        NB_START=$(sed 's/^.*) //' "/proc/$NB_PID/stat" 2>/dev/null | awk '{print $20}')
        NB_SUP=$(json "$STATE/tenants/default/jobs/$NB/job.json" 'j["supervisor"]["pid"]')
        if [ -n "$NB_PID" ] && [ "$(corral status "$NB" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')" = running ]; then
                ok "neighbour job $NB runs as pid $NB_PID (uid $(stat -c %u "/proc/$NB_PID"))"
        else
                not_ok "neighbour job did not start"
        fi
}

# alive PID STARTTIME: the same process, and not a zombie (dead, not yet reaped).
alive() {
        local st
        st=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null) || return 1
        set -- $st "$2"
        [ "$1" != Z ] && [ "${20}" = "${!#}" ]
}

check_untouched() {
        if [ -d "/proc/$CANARY" ]; then ok "host canary alive"; else not_ok "host canary died"; fi
        if alive "$NB_PID" "$NB_START"; then ok "neighbour job's process alive"; else not_ok "neighbour's process died"; fi
        if [ -d "/proc/$NB_SUP" ]; then ok "neighbour's supervisor (corral) alive"; else not_ok "neighbour's supervisor died"; fi
        assert_eq "neighbour's secret intact" "neighbour secret" "$(cat "$NB_WORK/secret.txt" 2>&1)"
        corral cancel "$NB" >/dev/null 2>&1
        corral wait --timeout 30s "$NB" >/dev/null 2>&1
        assert_eq "neighbour ends as cancelled (by us)" cancelled \
                "$(json "$STATE/tenants/default/jobs/$NB/job.json" 'j["status"]')"
        kill -9 "$CANARY" 2>/dev/null
        wait "$CANARY" 2>/dev/null
        CANARY=
        assert_no_groups
}
