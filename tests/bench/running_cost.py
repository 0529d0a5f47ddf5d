#!/usr/bin/env python3
"""What N running jobs cost the host while they do nothing (issue 18).

    tests/bench/running_cost.py [--running N] [--window S] [--rounds R] BIN [BIN...]

For each round and each binary in turn: N `sleep 600` jobs are submitted to a
private store, and once they run, the CPU time (user + system, from
/proc/PID/stat) of all their supervisors is taken over a window of S seconds
(default 40): the cost of their ticks (progress, log cap, usage samples and
usage.json writes every 10 s).  Then the jobs are cancelled.  Printed per
binary: the median share of one CPU, and per supervisor.  Needs root.
Everything runs under a private cgroup parent and state directory, removed at
the end, also on failure or Ctrl-C.
"""
import argparse, os, shutil, statistics, subprocess, sys, tempfile, time

import benchcg


def supervisors(state):
    out = subprocess.run(["pgrep", "-f", "--", "--state-dir " + state], capture_output=True,
                         text=True).stdout.split()
    return [int(p) for p in out]


def cpu_ticks(pids):
    t = 0
    for p in pids:
        try:
            with open("/proc/%d/stat" % p) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            t += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return t


def one(binary, n, window):
    state = tempfile.mkdtemp(prefix="corral-runcost-")
    parent = "corral-bench-runcost-%d" % os.getpid()
    os.makedirs(os.path.join(state, "governor"))
    with open(os.path.join(state, "governor", "governor.conf"), "w") as f:
        f.write("cpu-threshold = 100\nmax-concurrent = 2000\nqueue-limit = 2000\n")
    base = [binary, "--state-dir", state, "--cgroup-parent", parent]
    ids = []
    try:
        for _ in range(n):
            r = subprocess.run(base + ["submit", "--", "/bin/sleep", "600"], capture_output=True,
                               text=True, check=True)
            ids.append(r.stdout.strip())
        time.sleep(5)  # past their starts
        pids = supervisors(state)
        if len(pids) < n:
            sys.exit("%s: %d supervisors for %d jobs" % (binary, len(pids), n))
        a, t0 = cpu_ticks(pids), time.monotonic()
        time.sleep(window)
        b, t1 = cpu_ticks(pids), time.monotonic()
        return 100.0 * (b - a) / os.sysconf("SC_CLK_TCK") / (t1 - t0)
    finally:
        for i in ids:
            subprocess.run(base + ["cancel", i], capture_output=True)
        for p in supervisors(state):
            try:
                os.kill(p, 9)
            except OSError:
                pass
        time.sleep(1)
        shutil.rmtree(state, ignore_errors=True)
        benchcg.remove_parent(parent)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--running", type=int, default=300)
    ap.add_argument("--window", type=float, default=40)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("bins", nargs="+")
    a = ap.parse_args()
    res = {b: [] for b in a.bins}
    for _ in range(a.rounds):
        for b in a.bins:
            res[b].append(one(b, a.running, a.window))
    print("%d jobs running, %.0f s windows, %d rounds; load average %.2f at end"
          % (a.running, a.window, a.rounds, os.getloadavg()[0]))
    print("| binary | % of one CPU (median; each round) | per supervisor |")
    print("|---|---|---|")
    for b in a.bins:
        m = statistics.median(res[b])
        print("| %s | %.2f (%s) | %.4f%% |" % (b, m, ", ".join("%.2f" % x for x in res[b]),
                                              m / a.running))


if __name__ == "__main__":
    main()
