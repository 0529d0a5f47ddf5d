#!/bin/bash
# An OOM kill that happens while corral itself is not running (a loaded host:
# the job reaches its limit ~50 ms after exec) is still oom_killed.  strace
# holds corral (not the job: no -f) for 300 ms in the ioctl that releases the
# job to its execve (the seccomp hand-over's SECCOMP_IOCTL_NOTIF_SEND, corral's
# last ioctl before the job runs), so the job is OOM-killed, and its init has
# exited, before corral returns from the spawn.  A counter baseline taken
# after the spawn swallowed that kill: `killed`/SIGKILL with oom_kills 0, or
# `completed` behind sh -c (seen in ASan runs at load 15).
. "$(dirname "$0")/../lib.sh"
command -v strace >/dev/null || { not_ok "strace is missing (contrib/install-deps.sh)"; finish; }
R=$TEST_TMP/result.json
T=$TEST_TMP/strace.log

# LeakSanitizer cannot run under ptrace (the ASan build would exit 1 at the
# end); the leak check is every other test's.
slow_corral() {
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
                strace -o "$T" -e trace=ioctl -e inject=ioctl:delay_exit=300000 "$CORRAL" "$@"
}

slow_corral run --memory 32M --result "$R" -- "$CORRAL_PROGS/memhog" 200
assert_eq "exit status, corral held up" 137 $?
assert_eq "corral was held where the job is released" 1 "$(grep -c 'SECCOMP_IOCTL_NOTIF_SEND.*DELAYED' "$T")"
assert_eq "status, corral held up" oom_killed "$(json "$R" 'j["status"]')"
assert_eq "oom_kills, corral held up" 1 "$(json "$R" 'j["oom_kills"]')"
assert_eq "whose limit, corral held up" own_limit "$(json "$R" 'j["oom_cause"]')"

slow_corral run --memory 32M --result "$R" -- sh -c "'$CORRAL_PROGS/memhog' 200; exit 0"
assert_eq "exit status behind sh -c, corral held up" 137 $?
assert_eq "status behind sh -c, corral held up" oom_killed "$(json "$R" 'j["status"]')"
assert_eq "oom_kills behind sh -c, corral held up" 1 "$(json "$R" 'j["oom_kills"]')"

assert_no_groups
finish
