# client_configs: the client configurations in contrib/clients work as they
# are for a desktop user (issue 14).  For each of claude_desktop_config.json,
# vscode-mcp.json and cursor-mcp.json, tests/mcp/client-configs.mjs reads the
# file as its client does, replaces only the two install paths (the binary and
# the example catalog), and starts the command through the official SDK's
# StdioClientTransport as a test uid in a v1 subtree delegated to it (deleg.bash;
# how an ordinary user gets limits on this v1 host), with a desktop session's
# environment: HOME a private home holding a secret, XDG_RUNTIME_DIR,
# PATH=/usr/bin:/bin, no --state-dir and no corral variable.  Asserted:
#   - initialize and tools/list (the job tools and the catalog's tools);
#   - run_job completes with its output, runs as a uid other than root, and
#     cannot read the home's secret;
#   - an OOM job is oom_killed with its figures (kills, limit, peak);
#   - both records lie in the default state dir under that home
#     (~/.local/state/corral), owned by the uid;
#   - after the client closes, no process of the uid and no job group is left.
# Fails closed: no node, no SDK, an unreadable config is a failure.
. "$(dirname "$0")/deleg.bash"

deleg_before_cleanup() {
        [ -n "${TUID:-}" ] && pkill -9 -U "$TUID" 2>/dev/null
        :
}
deleg_setup 400000
NODE=$(command -v node) || { not_ok "missing node (tests/mcp needs it)"; finish; }
SCRIPT=$CORRAL_SRC/tests/mcp/client-configs.mjs
[ -d "$CORRAL_SRC/tests/mcp/node_modules/@modelcontextprotocol/sdk" ] ||
        { not_ok "the SDK is not installed (the mcp/npm-ci fixture runs npm ci in tests/mcp)"; finish; }

mkdir -p "$TEST_TMP/share"
cp "$CORRAL_SRC/contrib/tools/example-catalog.json" "$TEST_TMP/share/" || { not_ok "no example catalog"; finish; }
chmod 755 "$TEST_TMP/share"
chmod 644 "$TEST_TMP/share/example-catalog.json"

# What a desktop client's launch amounts to: the user's session in its
# (delegated) groups, as the uid with no supplementary groups; then the
# command exactly as the config gives it.
AS_USER=$TEST_TMP/as-user
cat >"$AS_USER" <<EOF
#!/bin/sh
for h in $HIER; do echo \$\$ >/sys/fs/cgroup/\$h/$D/cgroup.procs || exit 99; done
exec /usr/bin/setpriv --reuid $TUID --regid $TUID --clear-groups "\$@"
EOF
chmod 755 "$AS_USER"

for cfg in claude_desktop_config.json vscode-mcp.json cursor-mcp.json; do
        n=${cfg%%[-_.]*}
        H=$TEST_TMP/home-$n
        RUN=$TEST_TMP/run-$n
        mkdir -p "$H" "$RUN"
        echo "secret-token-$n" >"$H/secret"
        chmod 600 "$H/secret"
        chown -R "$TUID:$TUID" "$H" "$RUN"
        chmod 700 "$H" "$RUN"
        # Control: the uid itself, outside corral, reads the secret with the
        # job's probe, so "secret-unreadable" below is the sandbox's doing.
        assert_eq "$cfg: control: the uid reads its secret without corral" "secret-token-$n" \
                "$(setpriv --reuid "$TUID" --regid "$TUID" --clear-groups /bin/sh -c "cat $H/secret 2>/dev/null || echo secret-unreadable")"
        OUT=$TEST_TMP/$n.json
        CATALOG=$TEST_TMP/share/example-catalog.json AS_USER=$AS_USER DESKTOP_HOME=$H \
                DESKTOP_RUNTIME=$RUN DESKTOP_USER=u$TUID MEMHOG=$CORRAL_PROGS/memhog OUT=$OUT \
                "$NODE" "$SCRIPT" "$CORRAL_SRC/contrib/clients/$cfg" >"$TEST_TMP/$n.log" 2>&1
        rc=$?
        cat "$TEST_TMP/$n.log"
        CHECKS=$((CHECKS + $(grep -c '^ok - ' "$TEST_TMP/$n.log")))
        if [ "$rc" != 0 ] || [ ! -s "$OUT" ]; then
                not_ok "$cfg: the client session failed (node exit $rc)"
                continue
        fi
        out=$(json "$OUT" 'j["job"]["output"]')
        case "$out" in *hello-from-job*) ok "$cfg: the job's output came back" ;; *) not_ok "$cfg: output: $out" ;; esac
        case "$out" in
        *secret-token*) not_ok "$cfg: the job read the home's secret" ;;
        *secret-unreadable*) ok "$cfg: the home's secret is not readable by the job" ;;
        *) not_ok "$cfg: no secret probe in the output: $out" ;;
        esac
        juid=$(printf '%s\n' "$out" | sed -n 's/^\([0-9][0-9]*\)$/\1/p' | head -1)
        if [ -n "$juid" ] && [ "$juid" != 0 ]; then ok "$cfg: the job ran as uid $juid, not root"; else not_ok "$cfg: the job's uid: '$juid'"; fi
        for k in job oom; do
                id=$(json "$OUT" "j['$k']['id']")
                rec=$H/.local/state/corral/tenants/default/jobs/$id/job.json
                if [ -f "$rec" ] && [ "$(stat -c %u "$rec")" = "$TUID" ]; then
                        ok "$cfg: the $k job's record is in the default state dir under the home, the uid's"
                else
                        not_ok "$cfg: no record of the $k job at $rec"
                fi
        done
        assert_eq "$cfg: the OOM job's recorded status" oom_killed \
                "$(json "$H/.local/state/corral/tenants/default/jobs/$(json "$OUT" 'j["oom"]["id"]')/job.json" 'j["status"]')"
        assert_eq "$cfg: the secret is intact" "secret-token-$n" "$(cat "$H/secret")"

        # The client closed corral: nothing of the uid may remain (a job's
        # supervisor ends with its job; allow it a few seconds to do so).
        for _ in $(seq 50); do pgrep -U "$TUID" >/dev/null || break; sleep 0.1; done
        left=$(pgrep -a -U "$TUID")
        assert_eq "$cfg: no process of the uid left after the client closed" "" "$left"
        busy=$(find "/sys/fs/cgroup/memory/$D" -name cgroup.procs -exec cat {} + 2>/dev/null)
        assert_eq "$cfg: no process left in the delegated groups" "" "$busy"
        # corral's parent group (empty) may stay; no job group below it may.
        jobs=$(for h in $HIER; do find "/sys/fs/cgroup/$h/$D" -mindepth 2 -type d; done)
        assert_eq "$cfg: no job group left" "" "$jobs"
done
finish
