#!/usr/bin/env python3
"""svipc report: HTML, JUnit XML and a Markdown summary from result files.

    reports/report.py [--out DIR] [--mutants MUTANTS.jsonl] [--stress STRESS.json ...] RESULTS.jsonl [MORE.jsonl ...]
    reports/report.py --merge MERGED.jsonl [--out DIR] SHARD.jsonl ...

RESULTS are `svipc run --json` files, one per run (backends, machines,
kernels), and optionally `svipc-bench --json` files; MUTANTS is a mutation
run of ci/mutants/mutants.py (make mutants), shown as its own section; STRESS
are `svipc stress --json` summaries (make stress), shown as the stress section.  Writes DIR/report.html,
DIR/junit.xml and DIR/summary.md and prints the HTML report's path.  The
shards of one run (`svipc run --shard I/N --json`) are joined into that run
(shards.py); --merge also writes them as one result file, which the gate and
`svipc coverage` read like any run's.
Exit status: 0 written, 2 unreadable input (file:line: reason; nothing
written), or with --merge shards that do not make a whole run (a shard missing
or cut short: the merged file is written without its end record, so every
reader sees an incomplete run, and each missing or cut shard is named).
An incomplete run (a result file without its end record, or whose last line
is cut short) is reported as such, in the report and on stderr.
Must not: decide whether a run is acceptable (ci/gate.py does).
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import html_report  # noqa: E402
import junit  # noqa: E402
import markdown  # noqa: E402
import mutation  # noqa: E402
import shards  # noqa: E402
import stress_report  # noqa: E402
from results import ResultsError, load, load_all  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description="Build svipc's HTML report, JUnit XML and Markdown summary.")
    parser.add_argument("results", nargs="+", help="result files (JSON Lines)")
    parser.add_argument("--out", default="build/report", help="output folder (default: build/report)")
    parser.add_argument("--merge", metavar="MERGED", help="join the shards given into one result file MERGED")
    parser.add_argument("--mutants", help="a mutation run's results (build/mutants/results.jsonl)")
    parser.add_argument("--stress", action="append", default=[], metavar="STRESS.json",
                        help="a svipc stress --json summary (may be given more than once)")
    args = parser.parse_args(argv)
    status = 0
    try:
        if args.merge:
            merged, problems = shards.merge([load(path) for path in args.results])
            if os.path.exists(args.merge) and any(os.path.samefile(p, args.merge) for p in args.results):
                raise ResultsError(f"--merge {args.merge} is also an input: name another file")
            shards.write(args.merge, merged)
            if problems:
                print(f"svipc report: {args.merge} is an incomplete run (no end record)", file=sys.stderr)
                status = 2
            results, benches, incomplete = merged.results, merged.benches, [merged.incomplete] if problems else []
        else:
            results, benches, incomplete = load_all(args.results)
        mutants = mutation.load(args.mutants) if args.mutants else None
        stress = [stress_report.load(path) for path in args.stress]
    except ResultsError as e:
        print(f"svipc report: {e}", file=sys.stderr)
        print("svipc report: nothing was written", file=sys.stderr)
        return 2
    for why in incomplete:
        print(f"svipc report: {why}", file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    outputs = {
        "report.html": html_report.build(results, benches, args.results, incomplete, mutants, stress),
        "junit.xml": junit.build(results, incomplete),
        "summary.md": markdown.build(results, incomplete),
    }
    for name, text in outputs.items():
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(text)
    print(os.path.abspath(os.path.join(args.out, "report.html")))
    return status


if __name__ == "__main__":
    sys.exit(main())
