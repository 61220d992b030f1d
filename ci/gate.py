#!/usr/bin/env python3
"""svipc's CI gate: compare a run with a baseline of known failures.

    ci/gate.py --baseline ci/baseline/linux.txt [--baseline MORE.txt] RESULTS.jsonl [...]

A baseline (reports/baseline.py has the format) lists the scenarios an
implementation is known to fail, one per line:
    BACKEND  SCENARIO-NAME  STATUS  REASON...
(STATUS is fail, timeout or error; '#' starts a comment; REASON is required),
and, for a target, the causes of its divergences, each with the failures it
explains (`cause NAME DIAGNOSIS` and its `simplest`, `checked`, `match` lines).

Exit status: 1 when a scenario fails that the baseline does not explain (a
new failure or divergence), or when a result file is of an incomplete run (no
end record, or a last line cut short: the run was killed or stopped, so what
it did not run cannot pass); 0 otherwise, also when baseline entries now pass
or a cause explains nothing any more (they are reported as fixed, so the
baseline can be tightened; --strict makes that fail too); 2 when an input
cannot be read (file:line: reason).
The output names every scenario whose state differs from the baseline.
Must not: run scenarios or change the baseline.
"""

import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "reports"))

from baseline import Baseline, load_baseline  # noqa: E402
from results import FAILING, ResultsError, load_all  # noqa: E402


def compare(baseline, results):
    """Sorted lists of (backend, name, detail): new, fixed, changed, known,
    not_run; and {cause name: failures it explains}."""
    new, fixed, changed, known = [], [], [], []
    explained = {c.name: 0 for c in baseline.causes}
    seen = set()
    for r in results:
        key = (r.backend, r.name)
        seen.add(key)
        listed = baseline.entries.get(key)
        first = r.reason.splitlines()[0] if r.reason else ""
        cause = baseline.cause_of(r) if r.status in FAILING and not listed else None
        if cause:
            explained[cause.name] += 1
            known.append((r.backend, r.name, f"{cause.name}: {cause.diagnosis}"))
        elif r.status in FAILING and not listed:
            new.append((r.backend, r.name, f"{r.status}: {first}"))
        elif r.status in FAILING and listed[0] != r.status:
            changed.append((r.backend, r.name, f"listed as {listed[0]}, now {r.status}: {first}"))
        elif r.status in FAILING:
            known.append((r.backend, r.name, listed[1]))
        elif r.status == "pass" and listed:
            fixed.append((r.backend, r.name, f"passes now; baseline says: {listed[1]}"))
    not_run = [(b, n, reason) for (b, n), (_, reason) in baseline.entries.items() if (b, n) not in seen]
    targets = {r.target for r in results}
    for c in baseline.causes:
        if c.targets and not targets & set(c.targets):
            continue                   # a cause of other targets sharing the file
        if not explained[c.name]:
            fixed.append(("cause", c.name, f"explains no failure of this run; baseline says: {c.diagnosis}"))
    return [sorted(x) for x in (new, fixed, changed, known, not_run)] + [explained]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Compare svipc results with a baseline of known failures.")
    parser.add_argument("--baseline", required=True, action="append",
                        help="a baseline file (repeat to combine, e.g. the reference runtime's known divergences)")
    parser.add_argument("--strict", action="store_true", help="fail also when baseline entries now pass")
    parser.add_argument("results", nargs="+", help="result files (svipc run --json)")
    args = parser.parse_args(argv)
    try:
        baseline = Baseline()
        for path in args.baseline:
            baseline.update(load_baseline(path))
        results, _, incomplete = load_all(args.results)
    except ResultsError as e:
        print(f"svipc gate: {e}", file=sys.stderr)
        return 2
    new, fixed, changed, known, not_run, explained = compare(baseline, results)
    for title, rows in (("NEW FAILURE", new), ("FIXED", fixed), ("CHANGED", changed),
                        ("not run", not_run)):
        for backend, name, detail in rows:
            print(f"{title}: {name} [{backend}]: {detail}")
    for cause, count in explained.items():
        if count:
            print(f"known cause {cause}: {count} failures")
    skipped = sum(1 for r in results if r.status == "skip")
    print(f"gate: {len(results)} results, {len(new)} new failures, {len(fixed)} fixed, "
          f"{len(changed)} changed, {len(known)} known failures, {skipped} skipped, "
          f"{len(not_run)} baseline entries not run")
    for why in incomplete:
        print(f"gate: FAILED: {why}")
    if incomplete:
        return 1
    if new:
        print("gate: FAILED: failures the baseline does not list")
        return 1
    if fixed and args.strict:
        print("gate: FAILED (--strict): remove the fixed entries from the baseline")
        return 1
    print("gate: passed" + (" (tighten the baseline: some entries are fixed)" if fixed else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
