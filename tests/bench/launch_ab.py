#!/usr/bin/env python3
"""Launch latency of several commands, interleaved run by run (issue 18).

    tests/bench/launch_ab.py [--runs N] [--gap MS] [--name NAME]... -- CMD1 ::: CMD2 [::: CMD3...]

Each round runs every command once, in an order that rotates each round, and
times it from posix_spawn to reaped (stdout and stderr to /dev/null).  Load
elsewhere on the machine then spreads over all commands alike, which
hyperfine's one-command-after-another cannot give on a shared host.  --gap MS
sleeps between runs (default 0): a one-off launch finds the kernel idle
(e.g. cgroup_threadgroup_rwsem's RCU sync back at rest), back-to-back runs do
not.  Prints per command the median, p90 and min in ms and the median's ratio
to the last command's (the baseline).  A run that does not exit 0 stops the
bench: a failing sandbox must not look fast.
"""
import argparse, os, statistics, sys, time


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit(__doc__)
    k = argv.index("--")
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--gap", type=float, default=0)
    ap.add_argument("--name", action="append", default=[])
    a = ap.parse_args(argv[:k])
    cmds, cur = [], []
    for w in argv[k + 1:]:
        if w == ":::":
            cmds.append(cur)
            cur = []
        else:
            cur.append(w)
    cmds.append(cur)
    names = a.name + [" ".join(c) for c in cmds[len(a.name):]]
    null = os.open(os.devnull, os.O_RDWR)
    times = [[] for _ in cmds]
    for i in range(-3, a.runs):
        order = list(range(len(cmds)))
        r = i % len(cmds)
        order = order[r:] + order[:r]
        for j in order:
            if a.gap:
                time.sleep(a.gap / 1000)
            t0 = time.perf_counter_ns()
            pid = os.posix_spawn(cmds[j][0], cmds[j], os.environ,
                                 file_actions=[(os.POSIX_SPAWN_DUP2, null, 1),
                                               (os.POSIX_SPAWN_DUP2, null, 2)])
            _, st = os.waitpid(pid, 0)
            t1 = time.perf_counter_ns()
            if os.waitstatus_to_exitcode(st) != 0:
                sys.exit("%s failed (status %d)" % (names[j], os.waitstatus_to_exitcode(st)))
            if i >= 0:
                times[j].append((t1 - t0) / 1e6)
    base = statistics.median(times[-1])
    print("%d runs each, interleaved, %.0f ms apart; load average %.2f at end"
          % (a.runs, a.gap, os.getloadavg()[0]))
    print("| command | median ms | p90 ms | min ms | x %s |" % names[-1])
    print("|---|---|---|---|---|")
    for n, t in zip(names, times):
        t.sort()
        print("| %s | %.2f | %.2f | %.2f | %.2f |" % (n, statistics.median(t), t[len(t) * 9 // 10],
                                                    t[0], statistics.median(t) / base))


if __name__ == "__main__":
    main()
