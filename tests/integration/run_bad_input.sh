#!/bin/bash
# Bad input gets one clear line and a distinct exit status, and runs nothing.
. "$(dirname "$0")/../lib.sh"

expect_usage() { # description, expected text, args...
        local what=$1 text=$2
        shift 2
        err=$("$CORRAL" run "$@" 2>&1 >/dev/null)
        st=$?
        assert_eq "$what: exit status" 2 "$st"
        case "$err" in *"$text"*) ok "$what: says '$text'" ;; *) not_ok "$what: said '$err'" ;; esac
        assert_eq "$what: one line" 1 "$(printf '%s\n' "$err" | wc -l)"
}
expect_usage "unknown unit" "Invalid value '256Q' for --memory" --memory 256Q -- true
expect_usage "zero memory" "Invalid value '0' for --memory" --memory 0 -- true
expect_usage "negative memory" "Invalid value '-1M' for --memory" --memory -1M -- true
expect_usage "memory beyond the host" "at most the host's" --memory 100T -- true
expect_usage "too many cpus" "at most $(nproc)" --cpus 999 -- true
expect_usage "zero pids" "Invalid value '0' for --pids" --pids 0 -- true
expect_usage "bad timeout" "Invalid value 'soon' for --timeout" --timeout soon -- true
expect_usage "no command" "No command given" --memory 64M
expect_usage "unknown option" "Unknown option '--bogus'" --bogus -- true

err=$("$CORRAL" run -- /nonexistent/cmd 2>&1)
assert_eq "missing command: exit status" 127 $?
case "$err" in *"command not found"*"nothing was run"*) ok "missing command named" ;; *) not_ok "said: $err" ;; esac

touch "$TEST_TMP/notexec"
err=$("$CORRAL" run -- "$TEST_TMP/notexec" 2>&1)
assert_eq "non-executable: exit status" 126 $?
case "$err" in *"Permission denied"*"nothing was run"*) ok "non-executable named" ;; *) not_ok "said: $err" ;; esac

# Without write access to cgroupfs: name the path and the fix.
if command -v setpriv >/dev/null; then
        err=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$CORRAL" run -- true 2>&1)
        assert_eq "no cgroup access: exit status" 125 $?
        case "$err" in
        *"/sys/fs/cgroup"*"run corral as root"*) ok "no cgroup access: path and fix named" ;;
        *) not_ok "no cgroup access said: $err" ;;
        esac
fi

assert_no_groups
finish
