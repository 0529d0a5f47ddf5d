#!/usr/bin/env python3
"""The queue under load, for one or more corral binaries in the same run.

    tests/bench/queue_drain.py drain [--submitters S] BIN N [N...]
        N `corral submit -- /bin/true` from S submitters at once (default
        governor, CPU check off: POLICY); time from the first submit to
        every job finished.
    tests/bench/queue_drain.py idle BIN N
        one `sleep` job holds the only slot (--max-concurrent 1), N more queue
        behind it; then over 10 s: CPU seconds and context switches of all
        the queued supervisors together (wake-ups while nothing changes), and
        the latency of one more `corral submit`.

Needs root.  Private cgroup parent and state directory, removed at the end.
"""
import argparse, glob, json, os, shutil, statistics, subprocess, sys, tempfile, threading, time

import benchcg

PARENT = "corral-bench-queue-%d" % os.getpid()
# The default governor, but the CPU check off: this machine is shared and kept
# 100% busy by other work, which would hold any queue for as long as it runs.
POLICY = ["--cpu-threshold", "100"]


def corral(binary, state, *args, check=True):
    r = subprocess.run([binary, "--state-dir", state, "--cgroup-parent", PARENT] + list(args),
                       capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit("corral %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout.strip()


def records(state):
    return glob.glob(os.path.join(state, "tenants", "*", "jobs", "*", "job.json"))


def load(p):
    try:
        with open(p) as f:
            return json.load(f)
    except (OSError, ValueError):
        return {}


TERMINAL = {"completed", "failed", "cancelled", "timed_out", "oom_killed", "lost",
            "dependency_failed", "killed_by_signal", "seccomp_killed"}


def cleanup(binary, state):
    for p in records(state):
        j = load(p)
        if j.get("status") in ("queued", "running"):
            corral(binary, state, "cancel", j["id"], check=False)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(
            load(p).get("status") in ("queued", "running") for p in records(state)):
        time.sleep(0.2)
    shutil.rmtree(state, ignore_errors=True)
    benchcg.remove_parent(PARENT)


def drain(binary, n, submitters):
    state = tempfile.mkdtemp(prefix="corral-drain-")
    try:
        t0 = time.monotonic()
        per = [n // submitters + (1 if i < n % submitters else 0) for i in range(submitters)]

        def sub(k):
            for _ in range(k):
                corral(binary, state, "submit", *POLICY, "--", "/bin/true")
        th = [threading.Thread(target=sub, args=(k,)) for k in per]
        for t in th:
            t.start()
        for t in th:
            t.join()
        t_sub = time.monotonic() - t0
        pending = set(records(state))
        while pending:
            pending = {p for p in pending if load(p).get("status") not in TERMINAL}
            if time.monotonic() - t0 > 1800:
                sys.exit("drain of %d did not finish in 30 min" % n)
            time.sleep(0.1)
        total = time.monotonic() - t0
        st = [load(p).get("status") for p in records(state)]
        return total, t_sub, st.count("completed"), len(st)
    finally:
        cleanup(binary, state)


def proc_stat(pid):
    try:
        f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
        cs = 0
        for l in open("/proc/%d/status" % pid):
            if "ctxt_switches" in l:
                cs += int(l.split()[1])
        return int(f[11]) + int(f[12]), cs
    except OSError:
        return None


def idle(binary, n):
    state = tempfile.mkdtemp(prefix="corral-idle-")
    try:
        corral(binary, state, "submit", *POLICY, "--max-concurrent", "1", "--", "/bin/sleep",
               "3600")
        t_none = []
        for _ in range(5):
            t = time.monotonic()
            corral(binary, state, "submit", "--", "/bin/sleep", "3600")
            t_none.append((time.monotonic() - t) * 1000)
        for _ in range(n - 5):
            corral(binary, state, "submit", "--", "/bin/sleep", "3600")
        deadline = time.monotonic() + 120
        while True:
            js = [load(p) for p in records(state)]
            q = [j for j in js if j.get("status") == "queued" and (j.get("supervisor") or {}).get("pid")]
            if len(q) >= n or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        time.sleep(3)
        pids = [j["supervisor"]["pid"] for j in q]
        before = {p: proc_stat(p) for p in pids}
        w0 = time.monotonic()
        time.sleep(10)
        after = {p: proc_stat(p) for p in pids}
        wall = time.monotonic() - w0
        ticks = sum(after[p][0] - before[p][0] for p in pids if before[p] and after[p])
        cs = sum(after[p][1] - before[p][1] for p in pids if before[p] and after[p])
        hz = os.sysconf("SC_CLK_TCK")
        t_deep = []
        for _ in range(5):
            t = time.monotonic()
            corral(binary, state, "submit", "--", "/bin/sleep", "3600")
            t_deep.append((time.monotonic() - t) * 1000)
        return {"queued": len(q), "cpu_percent": 100.0 * ticks / hz / wall,
                "wakeups_per_s": cs / wall, "submit_ms_first": statistics.median(t_none),
                "submit_ms_deep": statistics.median(t_deep)}
    finally:
        cleanup(binary, state)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["drain", "idle"])
    ap.add_argument("--submitters", type=int, default=4)
    ap.add_argument("binary")
    ap.add_argument("n", type=int, nargs="+")
    a = ap.parse_args()
    print("load average %.2f at start" % os.getloadavg()[0])
    for n in a.n:
        if a.mode == "drain":
            total, t_sub, ok, all_ = drain(a.binary, n, a.submitters)
            print("drain %s n=%d: all done in %.1f s (%.1f jobs/s; submitting took %.1f s); "
                  "%d/%d completed; load %.2f" % (a.binary, n, total, n / total, t_sub, ok, all_,
                                                  os.getloadavg()[0]), flush=True)
        else:
            r = idle(a.binary, n)
            print("idle %s n=%d: %s; load %.2f" % (a.binary, n, json.dumps(r), os.getloadavg()[0]),
                  flush=True)


if __name__ == "__main__":
    main()
