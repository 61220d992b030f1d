#!/usr/bin/env python3
"""The mutation experiment: every catalog file mutated many ways, each
listed by svipc under a timeout; what the parser must never do is counted.

    tests/fuzz/mutate_catalog.py --svipc build/san/svipc [--per-file 120]
                                 [--sample N] [--seed S] [--timeout 10]

Mutations (cycled, each placed at random): a flipped byte, a deleted run of
bytes, a duplicated line (or a hundred), two tokens swapped, a number made
huge (LONG_MAX, LONG_MIN, 2^64, long runs of digits, big ranges), a NUL
byte, a token glued to its neighbour ('=>ENOMSG'), a line made very long.
Each mutated file is run as `svipc list FILE`:
  crash      killed by a signal, or a sanitizer's report on stderr
  hang       no exit within the timeout
  bad exit   an exit status other than 0 (parsed) and 2 (refused)
  unlocated  exit 2 without "FILE:LINE: reason" first
All four must be 0; the exit status is 1 otherwise, and each case is kept
in --keep (default build/mutations/) to reproduce it.  --sample N runs N of
the mutations, chosen by --seed, for make check.
Must not: change the catalog, or run anything but `svipc list`.
"""

import argparse
import glob
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))

HUGE = ["9223372036854775807", "-9223372036854775808", "18446744073709551616", "99999999999999999999999",
        "-9223372036854775807..9223372036854775807", "0..1023", "1e300s", "0x" + "f" * 40, "9" * 400]
SANITIZER = re.compile(r"runtime error|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer")


def mutate(text, kind, rng):
    """TEXT (bytes) changed by mutation KIND."""
    data = bytearray(text)
    lines = text.split(b"\n")
    pos = rng.randrange(len(data)) if data else 0
    if kind == 0:                                     # a flipped byte
        if data:
            data[pos] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 1:                                     # a deleted run of bytes
        return bytes(data[:pos] + data[pos + rng.randint(1, 64):])
    if kind == 2:                                     # a duplicated line, once or a hundred times
        i = rng.randrange(len(lines))
        return b"\n".join(lines[:i] + [lines[i]] * rng.choice([2, 3, 100]) + lines[i + 1:])
    if kind == 3:                                     # two tokens swapped
        words = re.split(rb"(\s+)", text)
        idx = [i for i, w in enumerate(words) if w.strip()]
        if len(idx) >= 2:
            a, b = rng.sample(idx, 2)
            words[a], words[b] = words[b], words[a]
        return b"".join(words)
    if kind == 4:                                     # a number (or a range) made huge
        numbers = list(re.finditer(rb"-?\d+(\.\.\d+)?", text))
        huge = rng.choice(HUGE).encode()
        if not numbers:
            return bytes(data[:pos]) + huge + bytes(data[pos:])
        m = rng.choice(numbers)
        return text[:m.start()] + huge + text[m.end():]
    if kind == 5:                                     # a NUL byte
        return bytes(data[:pos]) + b"\0" + bytes(data[pos:])
    if kind == 6:                                     # a token glued to its neighbour
        spaces = [m.start() for m in re.finditer(rb" ", text)]
        if spaces:
            s = rng.choice(spaces)
            return text[:s] + text[s + 1:]
        return text
    i = rng.randrange(len(lines))                     # a line made very long
    lines[i] = lines[i] + b" x" * rng.choice([100, 2100, 5000])
    return b"\n".join(lines)


KINDS = 8


def located(stderr, path):
    """Whether an exit 2's message is "FILE:LINE: reason" (a catalog file
    mutated stays far below the size limit, the one error without a line)."""
    first = stderr.splitlines()[0] if stderr else ""
    return re.match(re.escape(path) + r":\d+: \S", first) is not None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--svipc", required=True)
    parser.add_argument("--per-file", type=int, default=120)
    parser.add_argument("--sample", type=int, default=0, help="run only this many mutations (0: all)")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--keep", default=os.path.join(ROOT, "build", "mutations"))
    args = parser.parse_args(argv)

    files = sorted(glob.glob(os.path.join(ROOT, "suites", "**", "*.svipc"), recursive=True))
    cases = [(f, k) for f in files for k in range(args.per_file)]
    if args.sample:
        cases = sorted(random.Random(args.seed).sample(cases, min(args.sample, len(cases))))
    counts = {"parsed": 0, "refused": 0, "crash": 0, "hang": 0, "bad exit": 0, "unlocated": 0}
    worst = 0.0
    started = time.monotonic()
    shutil.rmtree(args.keep, ignore_errors=True)
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, SVIPC_STATE_DIR=os.path.join(tmp, "state"))
        for path, k in cases:
            rng = random.Random(f"{args.seed}:{os.path.relpath(path, ROOT)}:{k}")
            with open(path, "rb") as f:
                text = f.read()
            name = f"{os.path.basename(path)[:-6]}-{k}.svipc"
            target = os.path.join(tmp, name)
            with open(target, "wb") as f:
                f.write(mutate(text, k % KINDS, rng))
            t0 = time.monotonic()
            try:
                p = subprocess.run([args.svipc, "list", target], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, timeout=args.timeout)
                err = p.stderr.decode("utf-8", "replace")
                if p.returncode < 0 or SANITIZER.search(err):
                    verdict = "crash"
                elif p.returncode == 0:
                    verdict = "parsed"
                elif p.returncode != 2:
                    verdict = "bad exit"
                elif not located(err, target):
                    verdict = "unlocated"
                else:
                    verdict = "refused"
            except subprocess.TimeoutExpired as e:
                verdict, err = "hang", (e.stderr or b"").decode("utf-8", "replace")
            worst = max(worst, time.monotonic() - t0)
            counts[verdict] += 1
            if verdict not in ("parsed", "refused"):
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(target, os.path.join(args.keep, name))
                with open(os.path.join(args.keep, name + ".stderr"), "w") as f:
                    f.write(err)
                print(f"{verdict.upper()}: {os.path.relpath(path, ROOT)} mutation {k} "
                      f"(kept in {os.path.join(args.keep, name)}): {err.strip()[:300]}", file=sys.stderr)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    failures = counts["crash"] + counts["hang"] + counts["bad exit"] + counts["unlocated"]
    print(f"mutations: {len(cases)} of {len(files)} catalog files ({args.per_file} ways each"
          f"{f', a sample of {args.sample}, seed {args.seed}' if args.sample else ''}): "
          f"{counts['parsed']} parsed, {counts['refused']} refused with file:line: reason, "
          f"{counts['crash']} crashes, {counts['hang']} hangs, {counts['bad exit']} bad exits, "
          f"{counts['unlocated']} unlocated errors; slowest {worst:.2f} s, peak memory {rss:.0f} MB, "
          f"{time.monotonic() - started:.0f} s in all")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
