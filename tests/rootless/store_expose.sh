# store_expose: what a store's background jobs may see of a user's hidden
# home (expose.conf, src/jobs/storeexpose.c), for an ordinary uid whose store
# lies in its home, as a desktop client's `corral serve` has it
# (~/.local/state/corral).  corral runs as a test uid in a v1 subtree
# delegated to it (as rootless/v1_delegated).
#   - a path the operator did not allow is refused at submit (exit 2, the
#     path and the rule named), and no job is created;
#   - an allowed path (--expose) and the store's "always" path are visible
#     read-only to the job, recorded in job.json; the secret beside them is not.
# The MCP tools take the same "expose" argument with the same check
# (mcp/jobs).
. "$(dirname "$0")/deleg.bash"

H=$TEST_TMP/home
STATE=$H/.local/state/corral
deleg_before_cleanup() {
        for pid in $(our_supervisors); do kill -9 "$pid" 2>/dev/null; done
}
deleg_setup 350000
mkdir -p "$H/shared" "$H/models" "$STATE/governor"
echo "secret-token" >"$H/secret"
echo "shared-data" >"$H/shared/data"
echo "model-weights" >"$H/models/m"
echo "cpu-threshold = 100" >"$STATE/governor/governor.conf"
chown -R "$TUID:$TUID" "$H"
chmod 700 "$H"
cd "$H" || exit 1

# as_user NAME corral-args...: as the uid, in the delegated groups, HOME=$H.
as_user() {
        n=$1
        shift
        sh -c 'for h in '"$HIER"'; do echo $$ >/sys/fs/cgroup/$h/'"$D"'/cgroup.procs || exit 99; done
               exec setpriv --reuid '"$TUID"' --regid '"$TUID"' --clear-groups env HOME='"$H"' "$@"' _ \
                "$CORRAL" --state-dir "$STATE" "$@" >"$TEST_TMP/$n.out" 2>"$TEST_TMP/$n.err"
        RC=$?
}

as_user refused submit --expose "$H/shared" -- /bin/true
assert_eq "no expose.conf: --expose refused (exit)" 2 "$RC"
case "$(cat "$TEST_TMP/refused.err")" in
*"expose '$H/shared' is not allowed by this store"*"expose.conf"*"allows nothing"*) ok "refusal names the path and the rule" ;;
*) not_ok "refusal said: $(cat "$TEST_TMP/refused.err")" ;;
esac

printf 'allow %s\nalways %s\n' "$H/shared" "$H/models" >"$STATE/expose.conf"
chown "$TUID:$TUID" "$STATE/expose.conf"
as_user refused2 submit --expose "$H/secret" -- /bin/true
assert_eq "a path outside the allowed ones: refused (exit)" 2 "$RC"
as_user refused3 submit --expose "$H/shared/../secret" -- /bin/true
assert_eq "a path with '..': refused (exit)" 2 "$RC"

as_user submit submit --expose "$H/shared/data" -- /bin/sh -c \
        "cat $H/shared/data; cat $H/models/m; cat $H/secret 2>/dev/null || echo secret-hidden; echo x >$H/shared/data 2>/dev/null || echo exposed-read-only"
assert_eq "an allowed path: submitted (exit)" 0 "$RC"
id=$(tail -n 1 "$TEST_TMP/submit.out")
as_user wait wait "$id" --timeout 30s
assert_eq "the job completed (wait exit)" 0 "$RC"
as_user logs logs "$id"
assert_eq "the job's output" "shared-data model-weights secret-hidden exposed-read-only" "$(tr '\n' ' ' <"$TEST_TMP/logs.out" | sed 's/ $//')"
as_user status status "$id" --json
assert_eq "job.json records what the job saw" "['$H/shared/data', '$H/models']" "$(json "$TEST_TMP/status.out" 'j["expose"]')"
assert_eq "the secret is intact" "secret-token" "$(cat "$H/secret")"
finish
