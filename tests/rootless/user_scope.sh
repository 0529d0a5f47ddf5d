# user_scope: the D-Bus request corral makes for a delegated scope
# (src/sandbox/systemd-scope.c), against a real systemd user manager.
#
# The test starts what a login gives a desktop user: a private session bus
# (dbus-daemon) and `systemd --user` for a test uid, in a private mount
# namespace where /run/systemd/system exists (the manager refuses to start
# otherwise; this host's PID 1 is not systemd) and in a cgroup of the test's
# own, chowned to the uid as user@.service's is.  Then, as that uid:
#   - no user bus at all: the request fails as "no user bus";
#   - a bus without a manager: it fails as "no systemd manager";
#   - with the manager: the process lands in corral-test-<pid>.scope, a unit
#     with Delegate=yes whose cgroup the uid owns; once the process exits the
#     unit is collected (nothing left for the user to reset);
#   - corral itself, started in a group the uid may not write (its
#     cgroup.procs only is the uid's, as for a process put into another's
#     group), asks for its scope and runs its job in a group below it.  For
#     this the namespace sees the unified hierarchy at /sys/fs/cgroup (pure
#     v2 as corral and systemd detect it); this host's v2 has no memory, cpu
#     or pids controller, so limits are not asked here (vm/delegated_user has
#     them on a pure v2 kernel).
. "$CORRAL_SRC/tests/lib.sh"
: "${SCOPE_REQUEST:?SCOPE_REQUEST must name the scope_request driver (ctest sets it)}"

for tool in dbus-daemon /lib/systemd/systemd systemctl busctl setpriv unshare; do
        command -v "$tool" >/dev/null || { not_ok "missing tool $tool (contrib/install-deps.sh)"; assert_eq "corral in an unwritable group: its job ran (exit)" 0 "$(cat "$R/corral.rc")"
[ "$(cat "$R/corral.rc")" = 0 ] || sed 's/^/# /' "$R/corral.err"
assert_match "the job's group is below corral's own scope" "/$G/*/corral-[0-9]*.scope/*/?*" "$(sed -n 's/^0:://p' "$R/corral.out")"
assert_match "corral said where it went" "*Moved into the delegated systemd scope corral-*.scope*" "$(cat "$R/corral.err")"
finish; }
done
[ "$(id -u)" = 0 ] || { not_ok "needs root to build its fixture (a test uid's cgroup, a mount namespace)"; assert_eq "corral in an unwritable group: its job ran (exit)" 0 "$(cat "$R/corral.rc")"
[ "$(cat "$R/corral.rc")" = 0 ] || sed 's/^/# /' "$R/corral.err"
assert_match "the job's group is below corral's own scope" "/$G/*/corral-[0-9]*.scope/*/?*" "$(sed -n 's/^0:://p' "$R/corral.out")"
assert_match "corral said where it went" "*Moved into the delegated systemd scope corral-*.scope*" "$(cat "$R/corral.err")"
finish; }

TUID=$((200000 + $$ % 50000)) # no passwd entry, no process of anyone else
G=corral-test-scope-$$
R=$TEST_TMP/run
cleanup_scope() {
        # Everything the user manager started lives below $G: kill it, then
        # remove the groups deepest first, then the rest of the test.
        for h in systemd unified; do
                [ -d "/sys/fs/cgroup/$h/$G" ] || continue
                find "/sys/fs/cgroup/$h/$G" -name cgroup.procs -exec cat {} + 2>/dev/null |
                        while read -r pid; do kill -9 "$pid" 2>/dev/null; done
        done
        sleep 0.2
        for h in systemd unified; do
                [ -d "/sys/fs/cgroup/$h/$G" ] && find "/sys/fs/cgroup/$h/$G" -depth -type d -exec rmdir {} \; 2>/dev/null
        done
        cleanup_test
}
trap cleanup_scope EXIT

mkdir -p "$R/empty"
chown -R "$TUID:$TUID" "$R"
chmod 700 "$R"
for h in systemd unified; do
        mkdir "/sys/fs/cgroup/$h/$G"
        chown -R "$TUID:$TUID" "/sys/fs/cgroup/$h/$G"
done
mkdir "/sys/fs/cgroup/unified/$G/locked"
chown "$TUID:$TUID" "/sys/fs/cgroup/unified/$G/locked/cgroup.procs"
# dbus-daemon checks a connecting peer's uid against the password database:
# the namespace gets a copy of /etc/passwd naming the test uid (the host's file
# is never changed).
{ cat /etc/passwd; echo "corraltest:x:$TUID:$TUID::$R:/bin/sh"; } >"$TEST_TMP/passwd"
chmod 644 "$TEST_TMP/passwd"
cat >"$R/bus.conf" <<EOC
<busconfig><type>session</type><listen>unix:path=$R/bus</listen><auth>EXTERNAL</auth>
<policy context="default"><allow send_destination="*" eavesdrop="true"/><allow eavesdrop="true"/><allow own="*"/></policy></busconfig>
EOC

cat >"$R/inner.sh" <<'EOS'
R=$1
# No bus: no session address, an empty runtime directory.
env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$R/empty" "$SCOPE_REQUEST" </dev/null >"$R/nobus.out"
dbus-daemon --config-file="$R/bus.conf" --nofork --nopidfile 2>"$R/dbus.err" &
dbp=$!
i=0; while [ ! -S "$R/bus" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
"$SCOPE_REQUEST" </dev/null >"$R/nomanager.out"
/lib/systemd/systemd --user --log-target=console >"$R/systemd.log" 2>&1 &
sdp=$!
i=0
until busctl --user call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.DBus.Peer Ping >/dev/null 2>&1; do
        i=$((i + 1)); [ $i -lt 600 ] || break; sleep 0.1 # up to 60 s: a busy machine starts systemd slowly
done
mkfifo "$R/hold"
"$SCOPE_REQUEST" <"$R/hold" >"$R/scope.out" &
srp=$!
exec 3>"$R/hold"
i=0; until grep -q '^cgroup ' "$R/scope.out" || ! kill -0 $srp 2>/dev/null || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
unit=$(sed -n 's/^ok //p' "$R/scope.out")
cg=$(sed -n 's/^cgroup //p' "$R/scope.out")
if [ -n "$unit" ]; then
        systemctl --user show -p Delegate -p ActiveState -p ControlGroup "$unit" >"$R/show.out"
        stat -c %u "/sys/fs/cgroup$cg" >"$R/owner.out"
        cat "/sys/fs/cgroup$cg/cgroup.procs" >"$R/procs.out"
        echo "$srp" >"$R/srp.out"
fi
exec 3>&-
wait $srp
i=0; while [ $i -lt 50 ]; do
        systemctl --user show -p LoadState "$unit" >"$R/after.out" 2>&1
        grep -q LoadState=not-found "$R/after.out" && break
        sleep 0.1; i=$((i + 1))
done
# corral in a group it cannot write: it asks for its own scope.
sh -c 'echo $$ >/sys/fs/cgroup/$G/locked/cgroup.procs && exec "$CORRAL" --state-dir "$0/state" run --mounts host -- cat /proc/self/cgroup' "$R" >"$R/corral.out" 2>"$R/corral.err"
echo $? >"$R/corral.rc"
kill $sdp; wait $sdp
kill $dbp; wait $dbp
EOS

# As the uid, in the test's group, with a private /run/systemd.
sh -c 'for h in systemd unified; do echo $$ >/sys/fs/cgroup/$h/'"$G"'/cgroup.procs; done
exec unshare -m --propagation private sh -c "mount -t tmpfs tmpfs /run/systemd && mkdir /run/systemd/system &&
  mount --bind '"$TEST_TMP"'/passwd /etc/passwd && mount --bind /sys/fs/cgroup/unified /sys/fs/cgroup &&
  exec setpriv --reuid '"$TUID"' --regid '"$TUID"' --clear-groups env -i PATH=$PATH HOME='"$R"' \
    XDG_RUNTIME_DIR='"$R"' DBUS_SESSION_BUS_ADDRESS=unix:path='"$R"'/bus SCOPE_REQUEST='"$SCOPE_REQUEST"' \
    CORRAL='"$CORRAL"' G='"$G"' sh '"$R"'/inner.sh '"$R"'"'

assert_match() { case "$3" in $2) ok "$1: $3" ;; *) not_ok "$1: expected $2, got '$3'" ;; esac; }
assert_match "no user bus: refused, said why" "failed no user bus*" "$(cat "$R/nobus.out")"
assert_match "bus without a manager: refused, said why" "failed the user bus has no systemd manager*" "$(cat "$R/nomanager.out")"
assert_match "with a user manager: a scope" "ok corral-test-*.scope" "$(head -n1 "$R/scope.out")"
unit=$(sed -n 's/^ok //p' "$R/scope.out")
cg=$(sed -n 's/^cgroup //p' "$R/scope.out")
assert_match "the process's cgroup is the scope's" "/$G/*/$unit" "$cg"
assert_eq "Delegate=yes on the unit" "Delegate=yes" "$(grep ^Delegate= "$R/show.out")"
assert_eq "the unit is active" "ActiveState=active" "$(grep ^ActiveState= "$R/show.out")"
assert_eq "the unit's ControlGroup is where the process is" "ControlGroup=$cg" "$(grep ^ControlGroup= "$R/show.out")"
assert_eq "the delegated group is owned by the uid" "$TUID" "$(cat "$R/owner.out")"
assert_eq "the only process in the scope is the requester" "x$(cat "$R/srp.out")" "x$(cat "$R/procs.out")"
assert_eq "the scope is collected once its process exits" "LoadState=not-found" "$(grep LoadState "$R/after.out")"
assert_eq "corral in an unwritable group: its job ran (exit)" 0 "$(cat "$R/corral.rc")"
[ "$(cat "$R/corral.rc")" = 0 ] || sed 's/^/# /' "$R/corral.err"
assert_match "the job's group is below corral's own scope" "/$G/*/corral-[0-9]*.scope/*/?*" "$(sed -n 's/^0:://p' "$R/corral.out")"
assert_match "corral said where it went" "*Moved into the delegated systemd scope corral-*.scope*" "$(cat "$R/corral.err")"
finish
