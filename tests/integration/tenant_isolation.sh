#!/bin/bash
# Issue 11: what one tenant's job can see of the host and of other tenants,
# for `corral run` and background jobs alike.  Each block names the item and
# how it failed before the fix.
. "$(dirname "$0")/../lib.sh"
TRY=$CORRAL_PROGS/try-syscall
R=$TEST_TMP/result.json
st() { json "$STATE/tenants/$1/jobs/$2/job.json" "j[\"$3\"]"; }
wait_job() { corral --tenant "$1" wait --timeout 60s "$2" >/dev/null 2>&1; }
out_of() { cat "$STATE/tenants/$1/jobs/$2/stdout.log" 2>/dev/null; }

# --- Item 1: the working directory is entered after the privilege drop. ----
# x is 0700 root, x/pub 0755: a job's uid cannot pass x, whatever the path.
# Before: started in x/pub (corral run's own cwd, or --cwd) it read x/pub/g.
mkdir -p "$TEST_TMP/x/pub"
echo "behind a closed door" >"$TEST_TMP/x/pub/g"
chmod 0700 "$TEST_TMP/x"
chmod 0755 "$TEST_TMP/x/pub"
out=$(cd "$TEST_TMP/x/pub" && "$CORRAL" run --result "$R" -- cat g 2>&1)
rc=$?
assert_eq "corral run below a closed directory: corral exit" 125 "$rc"
case "$out" in *"change to the working directory"*"Permission denied"*) ok "refused at the working directory step" ;; *) not_ok "run: $out" ;; esac
# Control: uid 0 (capabilities dropped, but the owner of x) gets in.
out=$(cd "$TEST_TMP/x/pub" && "$CORRAL" run --uid 0 --result "$R" -- cat g 2>&1)
assert_eq "control: the same run as uid 0 reads it" "behind a closed door" "$out"
id=$(corral submit --cwd "$TEST_TMP/x/pub" -- cat g)
wait_job default "$id"
assert_eq "submit --cwd below a closed directory: status" failed "$(st default "$id" status)"
case "$(st default "$id" reason)" in *"change to the working directory: Permission denied"*) ok "its reason names the step" ;; *) not_ok "reason: $(st default "$id" reason)" ;; esac
assert_eq "nothing was read" "" "$(out_of default "$id")"

# --- Item 2: a finished job's files are handed back before its uid is reused.
# Before: bob's job, on the uid alice's finished job had, read her work/secret.
a=$(corral --tenant alice submit --result-file results.json -- sh -c 'id -u; echo alice-secret >secret; chmod 600 secret; echo "{\"v\":1}" >results.json')
wait_job alice "$a"
A_WORK=$STATE/tenants/alice/jobs/$a/work
assert_eq "alice's job completed" completed "$(st alice "$a" status)"
assert_eq "alice's work/ is corral's now" "0:700" "$(stat -c %u:%a "$A_WORK")"
assert_eq "alice's secret is corral's now" 0 "$(stat -c %u "$A_WORK/secret")"
b=$(corral --tenant bob submit -- sh -c "id -u; cat $A_WORK/secret; ls $A_WORK")
wait_job bob "$b"
uid_a=$(out_of alice "$a" | head -1)
case "$(cat "$STATE/tenants/bob/jobs/$b/stderr.log")" in *"Permission denied"*) ok "bob's later job cannot read alice's finished work" ;; *) not_ok "bob read: $(out_of bob "$b")" ;; esac
# The same on alice's very uid (the pool hands out the lowest free one, so a
# later job gets it back; other tests may hold uids now, so ask for it).
out=$("$CORRAL" run --uid "$uid_a" -- "$TRY" "open:$A_WORK/secret" "open:$A_WORK" 2>/dev/null)
assert_eq "a later job on alice's uid ($uid_a) cannot read her work" \
        "open:$A_WORK/secret errno=EACCES open:$A_WORK errno=EACCES" "$(echo $out)"
assert_eq "alice's result kept beside her record" '{"v":1}' "$(cat "$STATE/tenants/alice/jobs/$a/results.json")"
assert_eq "alice's log still readable through corral" "$uid_a" "$(corral --tenant alice logs "$a" 2>/dev/null | head -1)"

# Two tenants at the same time: their own uids, their own PID namespaces.
a=$(corral --tenant alice submit -- sh -c 'echo alice-live >secret; chmod 600 secret; exec sleep 60')
A_WORK=$STATE/tenants/alice/jobs/$a/work
for _ in $(seq 100); do [ -s "$A_WORK/secret" ] && break; sleep 0.05; done
b=$(corral --tenant bob submit -- sh -c "cat /proc/1/cmdline; echo; cat /proc/[0-9]*/cmdline | tr '\\0' '\\n' | grep -c '__supervis[e]\\|slee[p]'; $TRY open:$A_WORK/secret open:$A_WORK")
wait_job bob "$b"
assert_eq "bob's job: its init is corral-init, no supervisor or alice's process in its /proc, alice's files refused" \
        "corral-init 0 open:$A_WORK/secret errno=EACCES open:$A_WORK errno=EACCES" "$(echo $(out_of bob "$b" | tr -d '\0'))"
corral --tenant alice cancel "$a" >/dev/null
wait_job alice "$a"

# --- Item 4: IPC namespace, log cap, rlimits, network for background jobs. --
# Before: the 0666 segment outlived the job (and other jobs saw it); the log
# grew without bound; open files were corral's; --network was unknown.
key=$((0x11000000 + $$))
"$CORRAL" run --result "$R" -- "$TRY" "shm-make:$key" "shm-get:$key" >"$TEST_TMP/shm" 2>&1
assert_eq "a job makes and sees its own segment" "shm-make:$key ok shm-get:$key ok" "$(echo $(cat "$TEST_TMP/shm"))"
if ipcs -m | awk '{print $1}' | grep -qi "^0x$(printf %08x $key)$"; then
        not_ok "the job's SysV segment outlived it"
        ipcrm -M "$key"
else
        ok "the job's SysV segment is gone with its IPC namespace"
fi
l=$(corral submit --log 64K -- sh -c 'exec yes corral')
wait_job default "$l"
assert_eq "log cap: status" killed "$(st default "$l" status)"
assert_eq "log cap: signal" SIGXFSZ "$(st default "$l" signal)"
case "$(st default "$l" reason)" in "log cap reached: stdout.log is at its limit of 64 KiB (limits.log)") ok "the reason names the log cap" ;; *) not_ok "reason: $(st default "$l" reason)" ;; esac
assert_eq "stdout.log stopped at the cap" 65536 "$(stat -c %s "$STATE/tenants/default/jobs/$l/stdout.log")"
l=$(corral submit --log 64K -- sh -c 'trap "" XFSZ; while :; do echo corral || sleep 0.1; done')
wait_job default "$l"
case "$(st default "$l" status):$(st default "$l" reason)" in killed:"log cap reached"*) ok "a job ignoring SIGXFSZ is stopped too" ;; *) not_ok "$(st default "$l" status): $(st default "$l" reason)" ;; esac
n=$(corral submit --network none --open-files 64 -- sh -c 'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "; ulimit -n')
wait_job default "$n"
assert_eq "--network none: only lo; --open-files 64" "lo 64" "$(echo $(out_of default "$n"))"
n=$(corral submit -- sh -c 'ulimit -n')
wait_job default "$n"
assert_eq "default open files of a background job" 1024 "$(out_of default "$n")"

# Per store: defaults and ceilings in limits.conf, applied at submit (the
# record says what the job gets).
printf '# operator\nlog = 128K\nlog-max = 1M\nopen-files-max = 512\n' >"$STATE/limits.conf"
out=$(corral submit --log 2M -- true 2>&1)
assert_eq "a log cap above the store's ceiling is refused" \
        "Invalid value '2 MiB' for log: at most 1 MiB (this store's log-max, limits.conf)" "$(echo "$out" | tail -1 | sed 's/^[^:]*: //; s/^Error: //')"
out=$(corral submit --open-files 4096 -- true 2>&1)
case "$out" in *"at most 512 (this store's open-files-max"*) ok "open files above the ceiling refused" ;; *) not_ok "open-files: $out" ;; esac
n=$(corral submit -- true)
assert_eq "the store's default log cap is in the record" 131072 "$(json "$STATE/tenants/default/jobs/$n/job.json" 'j["limits"]["log_bytes"]')"
assert_eq "the built-in open-files default, above the ceiling, becomes the ceiling" 512 "$(json "$STATE/tenants/default/jobs/$n/job.json" 'j["limits"]["open_files"]')"
wait_job default "$n"
rm "$STATE/limits.conf"

# --- Item 5: a chosen id of any valid length works end to end. -------------
# Before: a 60-character id ended `failed: ... Invalid argument` (the
# governor's ledger key <tenant>.<id> was capped at 64).
long=$(printf 'i%.0s' $(seq 64))
id=$(corral --tenant "$(printf 't%.0s' $(seq 64))" submit --job-id "$long" -- true)
corral --tenant "$(printf 't%.0s' $(seq 64))" wait --timeout 60s "$long" >/dev/null 2>&1
assert_eq "a 64-character id under a 64-character tenant completes" completed \
        "$(st "$(printf 't%.0s' $(seq 64))" "$long" status)"
out=$(corral submit --job-id "${long}x" -- true 2>&1)
case "$out" in *"longer than 64 characters"*) ok "65 characters: refused at submit, saying the limit" ;; *) not_ok "65: $out" ;; esac

assert_no_groups
finish
