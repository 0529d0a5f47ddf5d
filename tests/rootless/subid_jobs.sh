# subid_jobs: rootless jobs of a user with a subordinate range each run as an
# id of their own (docs/rootless.md, "Subordinate ids"), and the control
# shows what they share without one.  corral runs as a test user made with
# useradd (newuidmap needs its passwd entry), in a v1 subtree delegated to
# it (as rootless/v1_delegated), with a range of 2 ids added to /etc/subuid
# and /etc/subgid (both restored byte for byte, even on failure).
#
# Two jobs at once, B a victim and A an attacker (tests/progs/crossjob.c),
# sharing a --writable directory, their work directories visible to each
# other (outside /tmp and the hidden home, so only the uids stand between):
#   - they run as two different host uids of the range (/proc/PID/status);
#   - A, holding a pidfd and a /proc fd that B handed out, cannot read B's
#     environ, open B's memory, take B's fds (pidfd_getfd: the ptrace check),
#     append to B's note in the shared directory or read B's private file;
#   - A cannot open for writing the user's exposed file nor its own cgroup's
#     memory.limit_in_bytes: EACCES (the uid), not only EROFS (the mount);
#     nor a file of the user's already in its own work directory;
#   - a third job while both run: `corral run` is refused (exit 125, the
#     range named), a submitted job waits for an id and runs afterwards;
#   - the work directory: results written, then the user's (reclaimed: the
#     user reads and deletes them, subdirectories included), no ACL left,
#     also after a --timeout kill; ids released (the next job gets one);
#   - `corral submit`: A cannot read B's work/ or logs in the store; a job
#     whose supervisor is killed (SIGKILL) is recovered as lost with its
#     grants taken back and its files the user's;
#   - a `corral run` killed with SIGKILL: the next job lent its id takes its
#     grants back (the journal) and hands its files to the user.
# Control: the same user without a range: every probe above succeeds, so
# each refusal is the subordinate ids' doing.
. "$(dirname "$0")/deleg.bash"
for t in useradd userdel newuidmap newgidmap getfacl; do
        command -v $t >/dev/null || { not_ok "missing $t (passwd, uidmap, acl)"; finish; }
done

TU=crl-sjob-$$
SUB=$((500000 + ($$ % 1000) * 128))
# Outside /tmp (each job's /tmp is fresh) and outside the home (hidden): the
# jobs see each other's directories, so only the uids separate them.
BASE=$(mktemp -d /var/tmp/corral-test-subid.XXXXXX)
. "$CORRAL_SRC/tests/rootless/subid-files.bash"
deleg_before_cleanup() {
        touch "$BASE/s/stop" 2>/dev/null
        for pid in $(our_supervisors); do kill -9 "$pid" 2>/dev/null; done
        for pid in $BG; do kill -9 "$pid" 2>/dev/null; done
        restore
        sleep 0.2
        rm -rf "$BASE"
}
BG=
deleg_setup 450000
# After deleg_setup (which sets its own trap): the user goes last, once its
# processes are gone (deleg_before_cleanup has restored both files by then).
trap 'cleanup_deleg; id "$TU" >/dev/null 2>&1 && userdel "$TU"' EXIT
useradd -M -N -g 65534 -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 -d "$BASE/home" -s /usr/sbin/nologin "$TU" || { not_ok "useradd"; finish; }
TUID=$(id -u "$TU")
for h in $HIER; do chown -R "$TUID:65534" "/sys/fs/cgroup/$h/$D"; done
STATE=$BASE/state
mkdir -p "$BASE/home/shared" "$BASE/run" "$STATE/governor"
echo "cpu-threshold = 100" >"$STATE/governor/governor.conf"
echo "user-data" >"$BASE/home/shared/data"
chown -R "$TUID:65534" "$BASE"
chmod 755 "$BASE"
chmod 700 "$BASE/home" "$BASE/run"

with_range() {
        restore
        echo "$TU:$SUB:2" >>/etc/subuid
        echo "$TU:$SUB:2" >>/etc/subgid
}

# as_user DIR NAME corral-args...: corral as the user, in the delegated
# groups, from DIR; stdout/stderr in $BASE/out/NAME.{out,err}, exit in RC.
mkdir -p "$BASE/out"
as_user() {
        dir=$1 n=$2
        shift 2
        (cd "$dir" && sh -c 'for h in '"$HIER"'; do echo $$ >/sys/fs/cgroup/$h/'"$D"'/cgroup.procs || exit 99; done
               umask 022
               exec setpriv --reuid '"$TUID"' --regid 65534 --clear-groups env HOME='"$BASE/home"' XDG_RUNTIME_DIR='"$BASE/run"' "$@"' _ \
                "$CORRAL" --state-dir "$STATE" "$@" >"$BASE/out/$n.out" 2>"$BASE/out/$n.err")
        RC=$?
}
# The user's own shell (for what it can do with the results afterwards).
user_sh() { setpriv --reuid "$TUID" --regid 65534 --clear-groups sh -c "$1"; }
wait_for() { i=0; while [ ! -e "$1" ] && [ $i -lt 1000 ]; do sleep 0.02; i=$((i + 1)); done; [ -e "$1" ]; }
got() { sed -n "s|^$2=||p" "$BASE/out/$1.out"; }

# Host uids of the processes in the delegated groups other than the user's.
job_uids() {
        for p in $(find "/sys/fs/cgroup/memory/$D" -mindepth 2 -name cgroup.procs -exec cat {} +); do
                awk '/^Uid:/ {print $2}' "/proc/$p/status" 2>/dev/null
        done | sort -u | grep -v "^$TUID\$" | tr '\n' ' '
}

# pair ARM: B (victim) and A (attacker) with `corral run`, at once.
pair() {
        arm=$1
        rm -rf "$BASE/s" "$BASE/wA" "$BASE/wB"
        mkdir -p "$BASE/s" "$BASE/wA" "$BASE/wB"
        echo "the user's" >"$BASE/wA/mine"
        chown "$TUID:65534" "$BASE/s" "$BASE/wA" "$BASE/wB" "$BASE/wA/mine"
        as_user "$BASE/wB" "$arm-B" run --writable "$BASE/s" -- "$CORRAL_PROGS/crossjob" victim "$BASE/s" &
        BG="$BG $!"
        wait_for "$BASE/s/victim.ready" || not_ok "$arm: victim never ready: $(cat "$BASE/out/$arm-B.err")"
        as_user "$BASE/wA" "$arm-A" run --writable "$BASE/s" --expose "$BASE/home/shared" -- \
                "$CORRAL_PROGS/crossjob" attack "$BASE/s" "$BASE/wB/private" "$BASE/home/shared/data" "$BASE/wA/mine" &
        BG="$BG $!"
        wait_for "$BASE/s/attack.done" || not_ok "$arm: attacker never done: $(cat "$BASE/out/$arm-A.err")"
}
end_pair() {
        touch "$BASE/s/stop"
        wait
        BG=
}

# ---- with a range of 2 -------------------------------------------------------
with_range
pair sub
uids=$(job_uids)
case "$uids" in
"$SUB $((SUB + 1)) ") ok "two jobs at once run as two host uids of the range: $uids" ;;
*) not_ok "host uids of the two jobs: '$uids' (range $SUB-$((SUB + 1)))" ;;
esac
assert_eq "while B runs, its work directory grants B's id (ACL)" "user:$SUB:rwx" "$(getfacl -cp "$BASE/wB" 2>/dev/null | grep -E "^user:$SUB:")"
as_user "$BASE/wA" third run -- /bin/true
assert_eq "a third job while the 2 ids are lent: refused (corral exit)" 125 "$RC"
case "$(cat "$BASE/out/third.err")" in
*"All 2 subordinate ids of uid $TUID ($SUB-$((SUB + 1))) are lent"*) ok "the refusal names the range" ;;
*) not_ok "third job said: $(cat "$BASE/out/third.err")" ;;
esac
as_user "$BASE" submit3 submit -- /bin/sh -c 'echo waited'
id3=$(tail -n 1 "$BASE/out/submit3.out")
i=0
while [ $i -lt 200 ]; do
        as_user "$BASE" st3 status "$id3" --json
        case "$(json "$BASE/out/st3.out" 'j.get("reason") or ""')" in *"waiting for a free subordinate id"*) break ;; esac
        sleep 0.05
        i=$((i + 1))
done
assert_eq "a submitted third job waits for an id" "waiting for a free subordinate id ($SUB-$((SUB + 1)) all lent to running jobs)" "$(json "$BASE/out/st3.out" 'j.get("reason")')"
end_pair
for p in connect; do assert_eq "sub: A reaches B's socket (it accepts anyone)" yes "$(got sub-A $p)"; done
assert_eq "sub: A cannot read B's /proc/PID/environ" EACCES "$(got sub-A environ)"
assert_eq "sub: A cannot open B's memory" EACCES "$(got sub-A mem)"
assert_eq "sub: A cannot take B's fds (pidfd_getfd, the ptrace check)" EPERM "$(got sub-A ptrace)"
assert_eq "sub: A cannot raise B's OOM score (oom_score_adj)" EACCES "$(got sub-A oom)"
assert_eq "sub: A cannot list B's open files (/proc/PID/fd)" EACCES "$(got sub-A fd_list)"
assert_eq "sub: A cannot write B's file in the shared directory" EACCES "$(got sub-A write_note)"
assert_eq "sub: A cannot read B's private work file" EACCES "$(got sub-A "read:$BASE/wB/private")"
assert_eq "sub: the exposed file is refused by its owner, not only the mount" EACCES "$(got sub-A "append:$BASE/home/shared/data")"
assert_eq "sub: its own memory.limit_in_bytes is refused by its owner" EACCES "$(got sub-A cgroup)"
assert_eq "sub: a file of the user's in its own work directory is not writable" EACCES "$(got sub-A "append:$BASE/wA/mine")"
assert_eq "sub: signals do not cross PID namespaces (pidfd_send_signal)" EINVAL "$(got sub-A signal)"
as_user "$BASE" wait3 wait "$id3" --timeout 30s
assert_eq "the waiting job ran once an id was free (wait exit)" 0 "$RC"

# A gid other than the passwd entry's: the helpers refuse, and so does corral
# (no fall-back to the user's uid), naming why.
(cd "$BASE/wA" && sh -c 'for h in '"$HIER"'; do echo $$ >/sys/fs/cgroup/$h/'"$D"'/cgroup.procs || exit 99; done
        exec setpriv --reuid '"$TUID"' --regid 100 --clear-groups env HOME='"$BASE/home"' XDG_RUNTIME_DIR='"$BASE/run"' "$@"' _ \
        "$CORRAL" run -- /bin/sh -c "echo ran >$BASE/wA/ran" >"$BASE/out/gid.out" 2>"$BASE/out/gid.err")
assert_eq "another gid than the user's primary group: refused (corral exit)" 125 "$?"
case "$(cat "$BASE/out/gid.err")" in
*"Failed to map the job's subordinate id with newuidmap/newgidmap"*"primary group"*) ok "the refusal names the step and the cause" ;;
*) not_ok "other gid said: $(cat "$BASE/out/gid.err")" ;;
esac
if [ -e "$BASE/wA/ran" ]; then not_ok "the job ran as the user's uid instead"; else ok "nothing ran"; fi

# The user's supplementary groups are not the job's (setgroups(0) in the
# job's namespace, allowed there because newgidmap mapped a range).
(cd "$BASE/wA" && sh -c 'for h in '"$HIER"'; do echo $$ >/sys/fs/cgroup/$h/'"$D"'/cgroup.procs || exit 99; done
        exec setpriv --reuid '"$TUID"' --regid 65534 --groups 100 env HOME='"$BASE/home"' XDG_RUNTIME_DIR='"$BASE/run"' "$@"' _ \
        "$CORRAL" run -- /bin/sh -c 'grep "^Groups:" /proc/self/status' >"$BASE/out/groups.out" 2>"$BASE/out/groups.err")
assert_eq "a user in group 100: the job keeps no supplementary group" "Groups:" "$(sed 's/[[:space:]]*$//' "$BASE/out/groups.out")"

# Results: the user's afterwards, no ACL left.
for d in "$BASE/wA" "$BASE/wB" "$BASE/s"; do
        assert_eq "no ACL entry left on ${d#"$BASE"/}" "" "$(getfacl -cp "$d" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"
done
assert_eq "B's files are handed back to the user" "$TUID $TUID" "$(stat -c %u "$BASE/wB/private" "$BASE/s/b-note" | tr '\n' ' ' | sed 's/ $//')"
mkdir -p "$BASE/wT" && chown "$TUID:65534" "$BASE/wT"
as_user "$BASE/wT" timeout run --timeout 1 -- /bin/sh -c 'mkdir -p d/e; echo r >d/e/f; chmod 700 d/e; id -u >uid; cp /bin/true d/suid; chmod 6755 d/suid; sleep 30'
assert_eq "--timeout kill (corral exit)" 124 "$RC"
assert_eq "after the timeout kill: no ACL entry on the work directory" "" "$(getfacl -cp "$BASE/wT" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"
assert_eq "the job saw itself as the namespace's uid 1" 1 "$(cat "$BASE/wT/uid")"
assert_eq "a setuid file the job left is the user's, without its setuid bits" "$TUID 755" "$(stat -c '%u %a' "$BASE/wT/d/suid")"
if user_sh "cat '$BASE/wT/d/e/f' >/dev/null && rm -rf '$BASE/wT/d' '$BASE/wT/uid'"; then ok "the user reads and deletes what the job left, subdirectories too"; else not_ok "the user cannot remove the job's files: $(ls -lnR "$BASE/wT")"; fi
as_user "$BASE/wT" again run -- /bin/true
assert_eq "ids are released: another job runs (corral exit)" 0 "$RC"

# corral submit: jobs cannot reach each other's work/ and logs in the store.
submit_pair() {
        arm=$1
        as_user "$BASE" "$arm-sB" submit -- /bin/sh -c 'echo result-of-B >result; echo log-of-B; touch ready; while [ ! -e stop ]; do sleep 0.05; done'
        idB=$(tail -n 1 "$BASE/out/$arm-sB.out")
        jB=$(find "$STATE" -type d -path "*/jobs/$idB")
        wait_for "$jB/work/ready" || not_ok "$arm: submitted B never ready"
        as_user "$BASE" "$arm-sA" run -- /bin/sh -c "cat $jB/work/result >/dev/null 2>&1 && echo work=yes || echo work=no; cat $jB/stdout.log >/dev/null 2>&1 && echo log=yes || echo log=no"
        user_sh "touch '$jB/work/stop'" 2>/dev/null || touch "$jB/work/stop"
        as_user "$BASE" "$arm-wB" wait "$idB" --timeout 30s
        assert_eq "$arm: submitted B completed" 0 "$RC"
}
submit_pair sub
assert_eq "submit: A cannot read B's work/" work=no "$(sed -n 1p "$BASE/out/sub-sA.out")"
assert_eq "submit: A cannot read B's log" log=no "$(sed -n 2p "$BASE/out/sub-sA.out")"
assert_eq "submit: no ACL entry left on the store" "" "$(getfacl -Rcp "$STATE" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"
assert_eq "submit: B's result is the user's" "$TUID" "$(stat -c %u "$jB/work/result")"

# A supervisor killed with SIGKILL cannot take its grants back: recovery
# (here at `corral list`) does, and hands the job's files to the user.
as_user "$BASE" lost-s submit -- /bin/sh -c 'mkdir d; echo x >d/f; chmod 700 d; touch ready; sleep 30'
idL=$(tail -n 1 "$BASE/out/lost-s.out")
jL=$(find "$STATE" -type d -path "*/jobs/$idL")
wait_for "$jL/work/ready" || not_ok "the job to be lost never ran: $(cat "$jL/supervisor.log" 2>/dev/null)"
assert_eq "while it runs, work/ grants its id" "user:$SUB:rwx" "$(getfacl -cp "$jL/work" 2>/dev/null | grep -E "^user:$SUB:")"
for pid in $(our_supervisors); do kill -9 "$pid"; done
sleep 0.2
as_user "$BASE" lost-l list
assert_eq "recovery: the job is lost" lost "$(as_user "$BASE" lost-st status "$idL" --json; json "$BASE/out/lost-st.out" 'j["status"]')"
assert_eq "recovery: no ACL entry left on the lost job's directories" "" "$(getfacl -cp "$jL" "$jL/work" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"
assert_eq "recovery: the lost job's files are the user's" "$TUID $TUID" "$(stat -c %u "$jL/work/d" "$jL/work/d/f" | tr '\n' ' ' | sed 's/ $//')"

# A `corral run` killed with SIGKILL cannot take its grants back either: the
# next job lent the same id does, before it makes its own (the journal
# beside the id's lock, src/sandbox/subid-access.c), and hands the files
# back; the killed run's orphaned job was ended by that run's sweep first.
mkdir -p "$BASE/wK" "$BASE/wK2"
chown "$TUID:65534" "$BASE/wK" "$BASE/wK2"
as_user "$BASE/wK" killed run -- /bin/sh -c 'mkdir d; echo x >d/f; chmod 700 d; touch ready; exec sleep 30 # killed-run-marker' &
BG="$BG $!"
wait_for "$BASE/wK/ready" || not_ok "the run to be killed never ran: $(cat "$BASE/out/killed.err")"
kuid=$(getfacl -cp "$BASE/wK" 2>/dev/null | sed -n 's/^user:\([0-9][0-9]*\):rwx$/\1/p')
krun=$(pgrep -u "$TUID" -f killed-run-marker)
[ -n "$kuid" ] && [ -n "$krun" ] && ok "the run holds id $kuid (pid $krun)" || not_ok "id '$kuid', run '$krun'"
kill -9 $krun
wait
BG=
assert_eq "the killed run left its entry behind" "user:$kuid:rwx" "$(getfacl -cp "$BASE/wK" 2>/dev/null | grep -E "^user:$kuid:")"
if [ -e "$BASE/run/corral/subids/$kuid.grants" ]; then ok "its grants are on record beside the id's lock"; else not_ok "no $kuid.grants in $(ls "$BASE/run/corral/subids")"; fi
as_user "$BASE/wK2" after-kill run -- /bin/true
assert_eq "the next job runs (corral exit)" 0 "$RC"
assert_eq "the next holder of the id took the killed run's entries back" "" "$(getfacl -Rcp "$BASE/wK" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"
assert_eq "the killed run's files are the user's" "$TUID $TUID" "$(stat -c %u "$BASE/wK/d" "$BASE/wK/d/f" | tr '\n' ' ' | sed 's/ $//')"
if [ -e "$BASE/run/corral/subids/$kuid.grants" ]; then not_ok "the record of id $kuid is left: $(tr '\0' ' ' <"$BASE/run/corral/subids/$kuid.grants")"; else ok "nothing is left on record"; fi
assert_eq "the killed run's job was ended" "" "$(pgrep -u "$kuid" 2>/dev/null)"
assert_eq "no ACL entry left on the next job's directory" "" "$(getfacl -cp "$BASE/wK2" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"

# The desktop default: the store in the user's (hidden) home; the job's
# view passes corral's 0755 tmpfs above its work/, so nothing above is granted.
HS=$BASE/home/.local/state/corral
mkdir -p "$HS/governor" && echo "cpu-threshold = 100" >"$HS/governor/governor.conf" && chown -R "$TUID:65534" "$BASE/home/.local"
as_user "$BASE" home-s --state-dir "$HS" submit -- /bin/sh -c 'id -u; echo r >result'
idH=$(tail -n 1 "$BASE/out/home-s.out")
as_user "$BASE" home-w --state-dir "$HS" wait "$idH" --timeout 30s
assert_eq "a store in the hidden home: the job completed" 0 "$RC"
as_user "$BASE" home-l --state-dir "$HS" logs "$idH"
assert_eq "a store in the hidden home: the job ran as the namespace's 1" 1 "$(cat "$BASE/out/home-l.out")"
assert_eq "a store in the hidden home: no ACL entry left" "" "$(getfacl -Rcp "$BASE/home" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"

# ---- control: the same user without a range ---------------------------------
restore
pair ctl
assert_eq "control: no job runs as another uid than the user's" "" "$(job_uids)"
assert_eq "control: no ACL on the work directory" "" "$(getfacl -cp "$BASE/wB" 2>/dev/null | grep -E '^(user:[^:]+:|mask)')"
end_pair
for p in oom fd_list write_note; do assert_eq "control: $p across jobs works" yes "$(got ctl-A $p)"; done
# What the user namespaces stop already, with one uid: a tracer in another
# user namespace needs CAP_SYS_PTRACE over the target's (commoncap).
assert_eq "control: B's environ is refused by the user namespaces alone" EACCES "$(got ctl-A environ)"
assert_eq "control: B's memory is refused by the user namespaces alone" EACCES "$(got ctl-A mem)"
assert_eq "control: pidfd_getfd is refused by the user namespaces alone" EPERM "$(got ctl-A ptrace)"
assert_eq "control: signals do not cross PID namespaces" EINVAL "$(got ctl-A signal)"
assert_eq "control: B's private work file is readable" yes "$(got ctl-A "read:$BASE/wB/private")"
assert_eq "control: the exposed file is refused only by the mount" EROFS "$(got ctl-A "append:$BASE/home/shared/data")"
assert_eq "control: memory.limit_in_bytes is refused only by the mount" EROFS "$(got ctl-A cgroup)"
assert_eq "control: the user's file in the work directory is writable" yes "$(got ctl-A "append:$BASE/wA/mine")"
submit_pair ctl
assert_eq "control: submit: A reads B's work/" work=yes "$(sed -n 1p "$BASE/out/ctl-sA.out")"
assert_eq "control: submit: A reads B's log" log=yes "$(sed -n 2p "$BASE/out/ctl-sA.out")"

restore
if { [ $had_uid = 0 ] || cmp -s "$BK/subuid" /etc/subuid; } && { [ $had_gid = 0 ] || cmp -s "$BK/subgid" /etc/subgid; }; then
        ok "/etc/subuid and /etc/subgid restored byte for byte"
else
        not_ok "/etc/subuid or /etc/subgid differ from before"
fi
finish
