# containment: what a job of an ordinary user can reach, with the default
# sandbox built without root (a user namespace: hostview.c, mounthide.c) and,
# as the control, with --mounts host (each probe works there, so each refusal
# below is the sandbox's doing).  corral runs as a test uid in a v1 subtree
# delegated to it (as rootless/v1_delegated), from a work directory below
# that user's home, which holds a secret.  The job must not:
#   read the secret in the user's home (the home is hidden; the work
#   directory below it is carried over and stays writable, --expose brings a
#   path back read-only);
#   write outside its directories;
#   see or signal another process of the same uid;
#   raise its own memory limit (its group's files belong to the uid).
. "$(dirname "$0")/deleg.bash"

SLEEPER=
deleg_before_cleanup() {
        [ -n "$SLEEPER" ] && kill -9 "$SLEEPER" 2>/dev/null
}
deleg_setup 300000
H=$TEST_TMP/home
mkdir -p "$H/work" "$H/shared" "$TEST_TMP/elsewhere"
echo "secret-token" >"$H/secret"
echo "shared-data" >"$H/shared/data"
chown -R "$TUID:$TUID" "$H" "$TEST_TMP/elsewhere"
chmod 700 "$H"
cd "$H/work" || exit 1

setpriv --reuid "$TUID" --regid "$TUID" --clear-groups sleep 60 &
SLEEPER=$!

# as_user MODE NAME ARGS...: corral run as the uid, in the delegated groups,
# with HOME set; prints the job's stdout to NAME.out.
as_user() {
        mode=$1 n=$2
        shift 2
        sh -c 'for h in '"$HIER"'; do echo $$ >/sys/fs/cgroup/$h/'"$D"'/cgroup.procs || exit 99; done
               exec setpriv --reuid '"$TUID"' --regid '"$TUID"' --clear-groups env HOME='"$H"' "$@"' _ \
                "$CORRAL" run --mounts "$mode" "$@" >"$TEST_TMP/$n.out" 2>"$TEST_TMP/$n.err"
        RC=$?
}

# probe NAME SHELL-TEST: "yes" when the test succeeds inside the job.
probe_script() {
        cat <<EOS
r() { if sh -c "\$1" >/dev/null 2>&1; then echo "\$2=yes"; else echo "\$2=no"; fi; }
r 'cat $H/secret' read_home
r 'ls $H' list_home
r 'echo x >$TEST_TMP/elsewhere/f' write_outside
r 'echo x >$H/secret' write_home
r 'test -d /proc/$SLEEPER' see_process
r 'kill -0 $SLEEPER' signal_process
r 'g=\$(grep :memory: /proc/self/cgroup | cut -d: -f3); echo 2147483648 >/sys/fs/cgroup/memory\$g/memory.memsw.limit_in_bytes && echo 2147483648 >/sys/fs/cgroup/memory\$g/memory.limit_in_bytes' raise_memory
r 'echo x >$H/work/out' write_workdir
r 'cat $H/shared/data' read_exposed
r 'echo x >$H/shared/data' write_exposed
echo "home_env=\$HOME"
EOS
}
probe_script >"$TEST_TMP/probe.sh"
chmod 644 "$TEST_TMP/probe.sh"

as_user private sandbox --memory 64M --expose "$H/shared" -- /bin/sh "$TEST_TMP/probe.sh"
assert_eq "sandbox (default view, without root): corral exit" 0 "$RC"
[ "$RC" = 0 ] || sed 's/^/# /' "$TEST_TMP/sandbox.err"
assert_eq "the secret is intact after the sandboxed job" "secret-token" "$(cat "$H/secret")"
as_user host control --memory 64M -- /bin/sh "$TEST_TMP/probe.sh"
assert_eq "control (--mounts host): corral exit" 0 "$RC"
got() { sed -n "s/^$2=//p" "$TEST_TMP/$1.out"; }
for p in read_home write_outside see_process signal_process raise_memory; do
        assert_eq "control: $p works without the sandbox" yes "$(got control $p)"
        assert_eq "sandbox: $p refused" no "$(got sandbox $p)"
done
assert_eq "sandbox: the home is hidden (empty)" yes "$(got sandbox list_home)"
assert_eq "sandbox: the secret cannot be overwritten" no "$(got sandbox write_home)"
assert_eq "sandbox: the work directory below the home stays writable" yes "$(got sandbox write_workdir)"
assert_eq "sandbox: an --expose path is readable" yes "$(got sandbox read_exposed)"
assert_eq "sandbox: an --expose path is not writable" no "$(got sandbox write_exposed)"
assert_eq "sandbox: the job's HOME is its work directory" "$H/work" "$(got sandbox home_env)"
finish
