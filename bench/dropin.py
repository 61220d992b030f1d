#!/usr/bin/python3
"""make bench-dropin: unmodified programs on the kernel and on the reference
runtime's drop-in library, side by side: stress-ng's --msg, --sem-sysv and
--shm-sysv at 1, 2 and 4 instances, and msg_pairs (tests/programs: writer
and reader pairs, each on a queue of its own, every message checked) from
one pair to hundreds.  Each measurement is RUNS runs, the kernel's and the
library's interleaved (this machine's speed drifts within seconds), and
compares their medians.  The kernel side runs in a private IPC namespace;
the library side on a fresh arena of its own in /dev/shm.
Prints a table per program with the ratio (above 1: the library is
faster) and, for msg_pairs, the cost per message against the number of
processes as a text plot; appends one JSON record per row to --json.
Exits 1 when a program failed (a wrong or lost message included), never on
a ratio: timings are not tests.
Must not: touch the host's IPC namespace or the user's default arena, or be
part of make check.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

STRESSORS = ["msg", "sem-sysv", "shm-sysv"]


def private_ipc():
    """The prefix that runs a command in a private IPC namespace."""
    if os.geteuid() == 0:
        return ["unshare", "--ipc"]
    return ["unshare", "--user", "--map-root-user", "--ipc"]


def run(cmd, env, timeout):
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)}: exit {done.returncode}: {(done.stdout + done.stderr).strip()[-400:]}")
    return done.stdout + done.stderr


def on(side, cmd, library, timeout):
    """Run CMD on SIDE ('kernel' or 'ref'); its output."""
    env = dict(os.environ)
    env.pop("LD_PRELOAD", None)
    if side == "kernel":
        return run(private_ipc() + cmd, env, timeout)
    arena_dir = tempfile.mkdtemp(prefix="svipc-dropin-", dir="/dev/shm")
    try:
        env["SVIPC_REF_ARENA"] = os.path.join(arena_dir, "arena")
        env["LD_PRELOAD"] = library
        return run(cmd, env, timeout)
    finally:
        shutil.rmtree(arena_dir, ignore_errors=True)


def stress_ng(side, stressor, instances, seconds, library):
    with tempfile.TemporaryDirectory() as tmp:
        yaml = os.path.join(tmp, "out.yaml")
        on(side, ["stress-ng", f"--{stressor}", str(instances), "--timeout", f"{seconds}s", "--metrics-brief",
                  "--yaml", yaml], library, seconds + 120)
        text = open(yaml, encoding="utf-8").read()
    m = re.search(r"bogo-ops-per-second-real-time:\s*([0-9.]+)", text)
    if not m:
        raise RuntimeError(f"stress-ng --{stressor} on {side}: no bogo-ops-per-second-real-time in its output")
    return float(m.group(1))


def msg_pairs(side, program, pairs, messages, library):
    out = on(side, [program, str(pairs), str(messages)], library, 600)
    m = re.search(r"([0-9.]+) us per message", out)
    if not m:
        raise RuntimeError(f"msg_pairs on {side}: no cost per message in: {out.strip()[-300:]}")
    return float(m.group(1))


def interleaved(runs, measure):
    """RUNS measurements of each side, interleaved: the two medians."""
    kernel, ref = [], []
    for _ in range(runs):
        kernel.append(measure("kernel"))
        ref.append(measure("ref"))
    return statistics.median(kernel), statistics.median(ref), kernel, ref


def text_plot(rows, width=50):
    """Cost per message (us) against processes, both sides, one line each."""
    top = max(max(k, r) for _, k, r in rows)
    lines = [f"  cost per message (us), K kernel, R library; the scale ends at {top:.2f} us"]
    for procs, k, r in rows:
        bar = [" "] * (width + 1)
        kx, rx = round(k / top * width), round(r / top * width)
        bar[kx] = "K"
        bar[rx] = "R" if rx != kx else "*"
        lines.append(f"  {procs:5d} procs |{''.join(bar)}| K {k:.2f}  R {r:.2f}")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--library", required=True, help="the drop-in library (build/libsvipc-ref.so)")
    ap.add_argument("--msg-pairs", required=True, help="the msg_pairs program (build/msg_pairs)")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=3, help="each stress-ng run's length")
    ap.add_argument("--instances", default="1,2,4")
    ap.add_argument("--pairs", default="1,2,5,10,25,50,100,200")
    ap.add_argument("--messages", type=int, default=10000)
    ap.add_argument("--only", choices=["stress-ng", "msg_pairs"], help="one of the two measurements")
    ap.add_argument("--json", help="append one record per row to this file")
    args = ap.parse_args()
    library = os.path.abspath(args.library)
    records, failed = [], False
    print(f"load average before: {os.getloadavg()[0]:.2f} (figures mean something only on a quiet machine)")

    if args.only != "msg_pairs":
        if not shutil.which("stress-ng"):
            print("bench-dropin: no stress-ng (ci/install-deps.sh bench)", file=sys.stderr)
            return 1
        print(f"stress-ng, bogo operations per second (real time), medians of {args.runs} interleaved runs of "
              f"{args.seconds} s")
        print(f"  {'stressor':10s} {'N':>3s} {'kernel':>12s} {'library':>12s} {'ratio':>7s}")
        for stressor in STRESSORS:
            for n in [int(x) for x in args.instances.split(",")]:
                try:
                    k, r, ks, rs = interleaved(args.runs, lambda side: stress_ng(side, stressor, n, args.seconds,
                                                                                library))
                except (RuntimeError, subprocess.TimeoutExpired) as e:
                    print(f"  {stressor:10s} {n:3d} FAILED: {e}")
                    failed = True
                    continue
                print(f"  {stressor:10s} {n:3d} {k:12.1f} {r:12.1f} {r / k:7.2f}")
                records.append({"kind": "dropin", "program": f"stress-ng --{stressor}", "instances": n,
                                "unit": "ops/s", "kernel": k, "ref": r, "ratio": r / k, "kernel_runs": ks,
                                "ref_runs": rs})

    if args.only != "stress-ng":
        print(f"msg_pairs, {args.messages} messages a pair, microseconds per message (lower is faster), "
              f"medians of {args.runs} interleaved runs")
        print(f"  {'pairs':>5s} {'procs':>5s} {'kernel':>8s} {'library':>8s} {'ratio':>7s}")
        rows = []
        for pairs in [int(x) for x in args.pairs.split(",")]:
            try:
                k, r, ks, rs = interleaved(args.runs, lambda side: msg_pairs(side, args.msg_pairs, pairs,
                                                                             args.messages, library))
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                print(f"  {pairs:5d} FAILED: {e}")
                failed = True
                continue
            print(f"  {pairs:5d} {2 * pairs:5d} {k:8.2f} {r:8.2f} {k / r:7.2f}")
            rows.append((2 * pairs, k, r))
            records.append({"kind": "dropin", "program": "msg_pairs", "instances": pairs, "messages": args.messages,
                            "unit": "us/message", "kernel": k, "ref": r, "ratio": k / r, "kernel_runs": ks,
                            "ref_runs": rs})
        if rows:
            print(text_plot(rows))

    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            for rec in records:
                f.write(json.dumps(rec) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
