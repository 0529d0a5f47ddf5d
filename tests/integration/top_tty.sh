#!/bin/bash
# `corral top` as a person sees it: in a real terminal (tmux), it shows the
# host against the governor's thresholds, a running job's progress and memory
# against its limit, a queued job's position and why it waits, and an
# OOM-killed job with its limit; it refreshes; `q` quits and restores the
# terminal.  --once prints one frame for scripts.
. "$(dirname "$0")/../lib.sh"
command -v tmux >/dev/null || { not_ok "tmux is missing (contrib/install-deps.sh browser)"; finish; }

# One job at a time, so the third one queues.
printf 'cpu-threshold = 100\nmax-concurrent = 1\n' >"$STATE/governor/governor.conf"
oom=$(corral submit --memory 32M -- "$CORRAL_PROGS/memhog" 200 | tail -1)
corral wait "$oom" >/dev/null
run=$(corral submit --memory 64M -- /bin/sh -c 'echo "Progress: 40%"; exec sleep 300' | tail -1)
for _ in $(seq 100); do
        [ "$(corral status "$run" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["status"], j["progress"].get("percent"))')" = "running 40" ] && break
        sleep 0.2
done
queued=$(corral submit -- /bin/true | tail -1)

# A private tmux server (own socket), 120x40, running top with a 0.5 s refresh.
SOCK="corral-test-$$"
# Its socket below the test's directory, which cleanup removes (tmux's default
# is /tmp/tmux-UID/, where every run would leave one behind).
export TMUX_TMPDIR=$TEST_TMP
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; cleanup_test' EXIT
tm -f /dev/null new-session -d -x 120 -y 40 \
        "env TERM=xterm-256color '$CORRAL' --state-dir '$STATE' top --interval 0.5"
screen() { tm capture-pane -p -t 0; }
wait_screen() { # REGEX WHAT
        for _ in $(seq 100); do
                if screen | grep -Eq -- "$1"; then ok "$2"; return; fi
                sleep 0.2
        done
        not_ok "$2: /$1/ not on screen:"
        screen
}
wait_screen "^corral top " "title line"
wait_screen "^memory +[█░]+ +[0-9.]+% of .* admits below 85%" "host memory against its threshold"
wait_screen "^cpu +[█░]+ .*admits below 100%" "host CPU against its threshold"
wait_screen "^  $run +█+░+ 40% +[0-9.]+ [KM]iB/64 MiB" "running job: progress and memory against its limit"
wait_screen "^  1 +$queued +1/1 jobs running" "queued job: position and why it waits"
wait_screen "^  $oom +oom_killed +32 MiB limit, peak 32 MiB" "OOM-killed job with its limit"
screen >"$TEST_TMP/frame1"
# It refreshes: the clock in the title moves.
t1=$(head -1 "$TEST_TMP/frame1" | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}$')
for _ in $(seq 50); do
        t2=$(screen | head -1 | grep -Eo '[0-9]{2}:[0-9]{2}:[0-9]{2}$')
        [ -n "$t2" ] && [ "$t2" != "$t1" ] && break
        sleep 0.2
done
if [ -n "$t2" ] && [ "$t2" != "$t1" ]; then ok "refreshed ($t1 -> $t2)"; else not_ok "no refresh ($t1)"; fi
# The job ends: the next frame shows it.
corral cancel "$run" >/dev/null
wait_screen "^  $run +cancelled" "a cancelled job moves to finished"

# q quits; the terminal is given back (the alternate screen is left).
tm send-keys -t 0 q
for _ in $(seq 50); do tm has-session 2>/dev/null || break; sleep 0.1; done
if tm has-session 2>/dev/null; then not_ok "top still running after q"; else ok "q quits"; fi

out=$(corral top --once)
assert_eq "--once exit status" 0 $?
case "$out" in
*"FINISHED"*"$oom"*oom_killed*) ok "--once prints a frame" ;;
*) not_ok "--once: $out" ;;
esac
# Without a terminal it refreshes until interrupted, and ends cleanly.
timeout --preserve-status -s INT 1.5 "$CORRAL" --state-dir "$STATE" top --interval 0.2 \
        </dev/null >"$TEST_TMP/frames"
assert_eq "top ends cleanly on SIGINT" 0 $?
assert_cmp "frames written without a terminal" "$(grep -c '^corral top' "$TEST_TMP/frames")" -ge 2
corral top --interval 0 >/dev/null 2>&1
assert_eq "bad --interval refused" 2 $?
finish
