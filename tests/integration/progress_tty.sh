#!/bin/bash
# `corral wait` and `corral logs --follow` as a person sees them on a terminal:
# run in a real pty (python3's pty module), the screen shows the bar with the
# percent, the job's message, the elapsed time and the memory the job uses now;
# off a terminal `wait` prints plain progress lines on stderr and its stdout
# stays the one outcome line.
. "$(dirname "$0")/../lib.sh"

job() {
        corral submit --memory 256M -- python3 -c '
import os, time
b = bytearray(48 << 20)
print("progress: 50%", flush=True)
print("compiling the parser", flush=True)
while not os.path.exists("go"):
    time.sleep(0.05)
print("all done")'
}
# pty_run OUT GOFILE CMD...: runs CMD on a pty 100 columns wide, saving all it
# wrote to OUT; once the bar with the job's message and memory is on the screen,
# GOFILE is created so the job can end.  Gives up after 60 s (the job is then
# cancelled by the trap's cleanup).
pty_run() {
        python3 - "$@" <<'PY'
import fcntl, os, pty, re, struct, sys, termios, time
out, go, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(cmd[0], cmd)
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
data, released, deadline = b"", False, time.time() + 60
while time.time() < deadline:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
    if not released and re.search(rb"50%.*mem [0-9.]+ MiB.*compiling the parser", data):
        open(go, "w").close()
        released = True
os.waitpid(pid, 0)
open(out, "wb").write(data)
PY
}
# The screen a person sees at the moment the bar was drawn: the text after the
# last carriage return before the job was released.
bar_line() { python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
bars = [l for l in re.split(r"[\r\n]", d) if "compiling the parser" in l and "mem " in l]
print(re.sub(r"\x1b\[K", "", bars[-1]) if bars else "")' "$1"; }

# corral wait on a terminal.
id=$(job)
workdir=$STATE/tenants/default/jobs/$id/work
pty_run "$TEST_TMP/wait.out" "$workdir/go" "$CORRAL" --state-dir "$STATE" wait "$id"
line=$(bar_line "$TEST_TMP/wait.out")
echo "# the bar: $line"
case "$line" in
"[##########..........]  50%  "*) ok "wait: bar and percent" ;;
*) not_ok "wait: no bar at 50% on the screen" ;;
esac
case "$line" in *"compiling the parser"*) ok "wait: the job's message" ;; *) not_ok "wait: message missing" ;; esac
if [[ $line =~ [0-9][0-9]:[0-9][0-9] ]]; then ok "wait: elapsed time"; else not_ok "wait: no elapsed time"; fi
mem=$(echo "$line" | sed -n 's/.*mem \([0-9.]*\) MiB.*/\1/p')
assert_cmp "wait: memory in use (MiB, the job holds 48)" "${mem%.*}" -ge 48
last=$(tr '\r' '\n' <"$TEST_TMP/wait.out" | sed 's/\x1b\[K//g' | grep -v '^$' | tail -1)
assert_eq "wait: the outcome line replaces the bar" "$id completed" "$(echo "$last" | tr -d '\r')"

# corral logs --follow on a terminal: the log's lines, then the bar under them.
id=$(job)
workdir=$STATE/tenants/default/jobs/$id/work
pty_run "$TEST_TMP/logs.out" "$workdir/go" "$CORRAL" --state-dir "$STATE" logs --follow "$id"
line=$(bar_line "$TEST_TMP/logs.out")
case "$line" in
"[##########..........]  50%  "*"compiling the parser"*) ok "logs --follow: bar under the log" ;;
*) not_ok "logs --follow: no bar ('$line')" ;;
esac
plain=$(sed 's/\x1b\[K//g' "$TEST_TMP/logs.out" | tr '\r' '\n' | grep -v '^\[' | grep -v '^$' | tr '\n' '|')
assert_eq "logs --follow: the log itself is intact" "progress: 50%|compiling the parser|all done|" "$plain"

# Off a terminal: plain lines on stderr, stdout is the outcome alone.
id=$(job)
for _ in $(seq 600); do
        grep -Eq '"percent":[[:space:]]*50' "$STATE/tenants/default/jobs/$id/job.json" 2>/dev/null && break
        sleep 0.1
done
(sleep 1; touch "$STATE/tenants/default/jobs/$id/work/go") &
corral wait "$id" >"$TEST_TMP/w.out" 2>"$TEST_TMP/w.err"
wait
assert_eq "plain: stdout is the outcome line" "$id completed" "$(cat "$TEST_TMP/w.out")"
if grep -q "^$id running 50% [0-9:]*.*: compiling the parser$" "$TEST_TMP/w.err"; then
        ok "plain: a progress line on stderr"
else
        not_ok "plain: stderr was '$(cat "$TEST_TMP/w.err")'"
fi
if grep -q $'\r\|\x1b' "$TEST_TMP/w.err" "$TEST_TMP/w.out"; then not_ok "plain: terminal codes off a terminal"; else ok "plain: no terminal codes"; fi
assert_no_groups
finish
