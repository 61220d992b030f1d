#!/usr/bin/env python3
"""Seeds for svipc's fuzz targets, from the repository's own inputs.

    tests/fuzz/seeds.py --out DIR --svipc build/svipc

Writes DIR/parse/ (every catalog and fixture file, and each of their
scenario blocks alone), DIR/golden/ (lines and runs of lines of the golden
file, and the edge cases: empty, cut short, a result file's end record) and
DIR/results/ (a model run's result file, whole, cut, stopped, with a bench
record).  make fuzz-corpus merges them into tests/fuzz/corpus/.
Must not: write outside DIR, or need root (the model backend runs anywhere).
"""

import argparse
import glob
import hashlib
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MAX_SEED = 65536          # the fuzz targets' -max_len


def put(folder, data):
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_SEED:
        return
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def blocks(text):
    """Each 'scenario ... end' block of a scenario file, with its comments."""
    out, current = [], []
    for line in text.splitlines(keepends=True):
        current.append(line)
        if line.strip() == "end":
            out.append("".join(current))
            current = []
    return out


def parse_seeds(out):
    files = sorted(glob.glob(os.path.join(ROOT, "suites", "**", "*.svipc"), recursive=True) +
                   glob.glob(os.path.join(ROOT, "tests", "fixtures", "*.svipc")))
    for path in files:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        put(out, text)
        for block in blocks(text):
            put(out, block)


def golden_seeds(out):
    with open(os.path.join(ROOT, "suites", "golden", "linux.jsonl"), encoding="utf-8") as f:
        lines = f.readlines()
    for i in range(0, len(lines), 25):
        put(out, lines[i])
    for i in range(0, len(lines), 500):
        put(out, "".join(lines[i:i + 3]))
    put(out, "")
    put(out, lines[0] + lines[1][: len(lines[1]) // 2])
    put(out, lines[0] + '{"kind":"run","complete":true,"results":1}\n')


def results_seeds(out, svipc):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "run.jsonl")
        env = dict(os.environ, SVIPC_STATE_DIR=os.path.join(tmp, "state"))
        subprocess.run([svipc, "run", "--backend", "model", "--json", path,
                        os.path.join(ROOT, "suites", "msg", "msgget.svipc"),
                        os.path.join(ROOT, "tests", "fixtures", "skips.svipc"),
                        os.path.join(ROOT, "tests", "fixtures", "wrong-expectation.svipc")],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        with open(path, encoding="utf-8") as f:
            lines = f.readlines()
    whole = "".join(lines)
    put(out, whole)
    put(out, "".join(lines[:-1]))                                   # stopped: no end record
    put(out, "".join(lines[:3]) + lines[3][: len(lines[3]) // 2])   # killed mid-line
    put(out, lines[0] + '{"kind":"bench","name":"engine -j1","value":150.0,"unit":"scenarios/s"}\n')
    for line in lines[:-1]:
        put(out, line)
    put(out, "")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--svipc", required=True)
    args = parser.parse_args(argv)
    parse_seeds(os.path.join(args.out, "parse"))
    golden_seeds(os.path.join(args.out, "golden"))
    results_seeds(os.path.join(args.out, "results"), args.svipc)
    for target in ("parse", "golden", "results"):
        print(f"{target}: {len(os.listdir(os.path.join(args.out, target)))} seeds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
