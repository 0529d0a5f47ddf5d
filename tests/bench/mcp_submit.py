#!/usr/bin/env python3
"""MCP submit_job -> job running, through `corral serve` (issue 8, item 1).

Starts `corral serve` on pipes with a private state directory and cgroup
parent, initializes, then N times: tools/call submit_job {command:
["/bin/true"]} and tools/call job_status until the job has left `queued`
(it is running or already done).  Prints the reply time of submit_job, the
time from sending submit_job until job_status shows the job started, and the
job's own created_at -> started_at from its record; median, min and max, and
the ratio of submit->started against the CLI path measured in the same run
(`corral submit` then polling `corral status`).  Needs root.

    tests/bench/mcp_submit.py BUILD_DIR [N]
"""
import json, os, shutil, signal, statistics, subprocess, sys, tempfile, time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
corral = os.path.abspath(os.path.join(build, "corral"))
tmp = tempfile.mkdtemp(prefix="corral-bench-mcp.")
os.chmod(tmp, 0o1777)
state = os.path.join(tmp, "state")
env = dict(os.environ, CORRAL_CGROUP_PARENT="corral-bench-mcp-%d" % os.getpid())
os.makedirs(os.path.join(state, "governor"))
with open(os.path.join(state, "governor", "governor.conf"), "w") as f:
    f.write("cpu-threshold = 100\nmax-concurrent = 64\n")

srv = subprocess.Popen([corral, "--state-dir", state, "serve"], stdin=subprocess.PIPE,
                       stdout=subprocess.PIPE, env=env, cwd=tmp)
next_id = 0


def call(method, params):
    global next_id
    next_id += 1
    srv.stdin.write((json.dumps({"jsonrpc": "2.0", "id": next_id, "method": method,
                                 "params": params}) + "\n").encode())
    srv.stdin.flush()
    while True:
        msg = json.loads(srv.stdout.readline())
        if msg.get("id") == next_id:
            return msg


def iso(s):
    return time.mktime(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + int(s[20:23]) / 1000


def tool(name, args):
    r = call("tools/call", {"name": name, "arguments": args})
    return r["result"]["structuredContent"]


def stats(v):
    v = sorted(v)
    return "median %.2f ms (min %.2f, max %.2f)" % (statistics.median(v), v[0], v[-1])


try:
    call("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "bench", "version": "1"}})
    srv.stdin.write(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
    reply, started, record = [], [], []
    for i in range(n + 3):
        t0 = time.perf_counter()
        jid = tool("submit_job", {"command": ["/bin/true"]})["job_id"]
        t1 = time.perf_counter()
        while tool("job_status", {"job_id": jid})["status"] == "queued":
            pass
        t2 = time.perf_counter()
        if i < 3:
            continue  # warm-up
        with open(os.path.join(state, "tenants", "default", "jobs", jid, "job.json")) as f:
            j = json.load(f)
        reply.append((t1 - t0) * 1e3)
        started.append((t2 - t0) * 1e3)
        record.append((iso(j["started_at"]) - iso(j["created_at"])) * 1e3)
    cli = []
    for i in range(min(n, 15)):
        t0 = time.perf_counter()
        jid = subprocess.run([corral, "--state-dir", state, "submit", "--", "/bin/true"],
                             capture_output=True, text=True, env=env, cwd=tmp).stdout.split()[-1]
        while True:
            st = json.loads(subprocess.run([corral, "--state-dir", state, "status", jid, "--json"],
                                           capture_output=True, text=True, env=env).stdout)["status"]
            if st != "queued":
                break
        cli.append((time.perf_counter() - t0) * 1e3)
    print("MCP submit_job reply:              " + stats(reply))
    print("MCP submit_job -> job started:      " + stats(started))
    print("record created_at -> started_at:   " + stats(record))
    print("CLI submit -> status shows started: " + stats(cli))
    print("ratio MCP/CLI (submit -> started, medians): %.2f" %
          (statistics.median(started) / statistics.median(cli)))
finally:
    srv.stdin.close()
    srv.wait(timeout=10)
    # Supervisors of this store, then the store itself.
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ")
            except OSError:
                continue
            if ("__supervise --state-dir " + state + " ").encode() in cmd:
                os.kill(int(p), signal.SIGKILL)
    # corral removes stale job groups and its empty parent itself.
    subprocess.run([corral, "doctor"], env=env, capture_output=True)
    shutil.rmtree(tmp, ignore_errors=True)
