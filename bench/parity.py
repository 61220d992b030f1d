#!/usr/bin/python3
"""make bench-parity: stress-ng's --msg and --sem-sysv beside svipc-bench's
parity-msg and parity-sem-sysv (the same operations, counted as stress-ng
counts its bogo operations), in RUNS runs; a run is SLICES short runs of
each side, interleaved, and compares their medians (this machine's speed
drifts by tens of percent within seconds, so one long run a side compares
two different machines).  Each side runs in a
private IPC namespace (stress-ng under `unshare -i`, svipc-bench by itself).
Prints operations per second of both and their ratio per run, appends
"bench" records (value: svipc's, floor: stress-ng's) to --json, and exits 1
when a ratio lies outside 1 +- TOLERANCE (timings of a loaded machine move
more than that: read the load average printed first).
Must not: run stress-ng in the host's IPC namespace, or be part of make check.
"""

import argparse
import json
import os
import re
import subprocess
import statistics
import sys
import tempfile

# stress-ng's stressor, its options, and svipc's workload with its process
# count: --msg is one sender and one receiver; --sem-sysv is 4 processes on
# one semaphore (its default --sem-sysv-procs), the parent only waiting.
PAIRS = [
    ("msg", ["--msg", "1"], "parity-msg", 2),
    ("sem-sysv", ["--sem-sysv", "1", "--sem-sysv-procs", "4"], "parity-sem-sysv", 4),
]


def stress_ng(args, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        yaml = os.path.join(tmp, "out.yaml")
        cmd = ["unshare", "--ipc", "stress-ng", *args, "--timeout", f"{seconds}s", "--metrics-brief",
               "--yaml", yaml]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
        if done.returncode != 0 or not os.path.exists(yaml):
            raise RuntimeError(f"{' '.join(cmd)}: exit {done.returncode}: {done.stderr.strip()[-300:]}")
        text = open(yaml, encoding="utf-8").read()
    m = re.search(r"bogo-ops-per-second-real-time:\s*([0-9.]+)", text)
    if not m:
        raise RuntimeError(f"{' '.join(cmd)}: no bogo-ops-per-second-real-time in its YAML output")
    return float(m.group(1))


def svipc(bench, workload, procs, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "out.jsonl")
        cmd = [bench, "-w", workload, "-i", "kernel", "-p", str(procs), "-r", "1", "--seconds", str(seconds),
               "--json", out]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds * 10 + 120)
        records = [json.loads(line) for line in open(out, encoding="utf-8")] if os.path.exists(out) else []
    if done.returncode != 0 or len(records) != 1 or "value" not in records[0]:
        raise RuntimeError(f"{' '.join(cmd)}: exit {done.returncode}: {(done.stdout + done.stderr).strip()[-300:]}")
    return records[0]["value"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", default="build/svipc-bench")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=1, help="each side's length in a slice (whole seconds: stress-ng's unit)")
    ap.add_argument("--slices", type=int, default=3, help="interleaved slices a side in a run")
    ap.add_argument("--tolerance", type=float, default=0.10)
    ap.add_argument("--json", help="append bench records here")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("bench-parity: needs root (private IPC namespaces)", file=sys.stderr)
        return 2
    load = open("/proc/loadavg").read().split()[0]
    print(f"bench-parity: stress-ng beside svipc-bench, {args.runs} runs of {args.slices} interleaved slices of "
          f"{args.seconds} s a side; "
          f"load average {load} on {os.cpu_count()} CPUs")
    outside = 0
    records = []
    for run in range(1, args.runs + 1):
        for name, ng_args, workload, procs in PAIRS:
            ngs, ourss = [], []
            for piece in range(args.slices):
                # alternate which side goes first, so neither always meets a warmer machine
                if (run + piece) % 2:
                    ngs.append(stress_ng(ng_args, args.seconds))
                    ourss.append(svipc(args.bench, workload, procs, args.seconds))
                else:
                    ourss.append(svipc(args.bench, workload, procs, args.seconds))
                    ngs.append(stress_ng(ng_args, args.seconds))
            ng, ours = statistics.median(ngs), statistics.median(ourss)
            ratio = ours / ng
            ok = abs(ratio - 1) <= args.tolerance
            outside += not ok
            print(f"  run {run}  {name:9} stress-ng {ng:11.0f} bogo ops/s   svipc {workload:16} {ours:11.0f} ops/s   "
                  f"svipc/stress-ng {ratio:.2f}{'' if ok else '  OUTSIDE +-%d%%' % round(args.tolerance * 100)}")
            records.append({"kind": "bench", "name": f"parity {name} run {run}", "value": ours, "unit": "ops/s",
                            "floor": ng, "workload_of_svipc": workload, "load": float(load)})
    if args.json:
        with open(args.json, "a", encoding="utf-8") as f:
            for r in records:
                f.write(json.dumps(r) + "\n")
    print(f"bench-parity: {len(records) - outside} of {len(records)} within +-{round(args.tolerance * 100)}%")
    return 1 if outside else 0


if __name__ == "__main__":
    sys.exit(main())
