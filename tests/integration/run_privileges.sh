#!/bin/bash
# Jobs run without privileges: an unprivileged uid of their own, no capabilities
# in any set, no_new_privs, no supplementary groups, a clean environment.
. "$(dirname "$0")/../lib.sh"
R=$TEST_TMP/result.json
out=$TEST_TMP/out

LD_PRELOAD= SECRET_TOKEN=hunter2 "$CORRAL" run --result "$R" -- sh -c \
        'id -u; id -g; id -G; grep -E "^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status; env' >"$out"
assert_eq "status" completed "$(json "$R" 'j["status"]')"
uid=$(sed -n 1p "$out")
assert_cmp "job uid is from the job range" "$uid" -ge 60000
assert_cmp "job uid is from the job range" "$uid" -le 60999
assert_eq "gid equals uid" "$uid" "$(sed -n 2p "$out")"
assert_eq "no supplementary groups" "$uid" "$(sed -n 3p "$out")"
for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
        assert_eq "$cap" 0000000000000000 "$(awk -v c="$cap:" '$1 == c {print $2}' "$out")"
done
assert_eq "no_new_privs" 1 "$(awk '$1 == "NoNewPrivs:" {print $2}' "$out")"
grep -q SECRET_TOKEN "$out" && not_ok "corral's environment leaked into the job" || ok "secret variable did not leak"
grep -q '^LD_PRELOAD' "$out" && not_ok "LD_PRELOAD leaked" || ok "LD_PRELOAD did not leak"
grep -q "^HOME=$PWD\$" "$out" && ok "HOME is the working directory" || not_ok "HOME: $(grep ^HOME "$out")"

# Root-owned secrets stay unreadable.
"$CORRAL" run --result "$R" -- cat /etc/shadow 2>"$TEST_TMP/err" >/dev/null
assert_eq "reading /etc/shadow fails" failed "$(json "$R" 'j["status"]')"
grep -q "Permission denied" "$TEST_TMP/err" && ok "EACCES on /etc/shadow" || not_ok "$(cat "$TEST_TMP/err")"

# Asked-for variables arrive; invalid ones are refused with a clear line.
val=$("$CORRAL" run --env GREETING=hi --result "$R" -- sh -c 'echo $GREETING')
assert_eq "--env reaches the job" hi "$val"
err=$("$CORRAL" run --env 1BAD=x -- true 2>&1)
assert_eq "invalid --env: exit status" 2 $?
case "$err" in *"Invalid value '1BAD=x' for --env"*) ok "invalid --env named" ;; *) not_ok "$err" ;; esac

# Two concurrent jobs get different uids (they cannot signal each other).
"$CORRAL" run -- sh -c "id -u > $TEST_TMP/uid1; $CORRAL_PROGS/waitfile $TEST_TMP/go" &
first=$!
for _ in $(seq 100); do [ -s "$TEST_TMP/uid1" ] && break; sleep 0.05; done
"$CORRAL" run -- sh -c "id -u > $TEST_TMP/uid2" 2>/dev/null
touch "$TEST_TMP/go"
wait $first 2>/dev/null
if [ "$(cat "$TEST_TMP/uid1")" != "$(cat "$TEST_TMP/uid2")" ]; then
        ok "concurrent jobs run as different uids ($(cat "$TEST_TMP/uid1"), $(cat "$TEST_TMP/uid2"))"
else
        not_ok "concurrent jobs shared uid $(cat "$TEST_TMP/uid1")"
fi

# rlimits: core dumps off, and asked-for limits applied.
lim=$("$CORRAL" run --rlimit nofile=64 --rlimit fsize=1M -- sh -c 'ulimit -c; ulimit -n; ulimit -f' 2>/dev/null | tr '\n' ' ')
assert_eq "rlimits core/nofile/fsize(512-byte blocks)" "0 64 2048 " "$lim"
"$CORRAL" run --rlimit fsize=64K --result "$R" -- head -c 1M /dev/zero >"$TEST_TMP/big" 2>/dev/null
assert_eq "writing past fsize" killed "$(json "$R" 'j["status"]')"
assert_eq "signal for fsize" SIGXFSZ "$(json "$R" 'j["signal"]')"

assert_no_groups
finish
