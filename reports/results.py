"""Reading svipc result files (JSON Lines, as `svipc run --json` writes them).

One concern: turn files into validated records, or fail with "file:line: reason".
Must not: print, or decide pass/fail policy (the report and the gate do).
"""

import json
import os
from dataclasses import dataclass, field

STATUSES = ("pass", "fail", "timeout", "skip", "error")
FAILING = ("fail", "timeout", "error")
COMPARED_KEYS = ("proc", "op", "status", "ret", "fields")   # as svipc's trace_compare


class ResultsError(Exception):
    """A result file that cannot be read: the message names file and line."""


@dataclass
class Result:
    run: str                  # which input file (a run on one machine or kernel)
    name: str
    backend: str
    status: str
    file: str = ""
    line: int = 0
    reason: str = ""
    ms: float = 0.0
    trace: list = field(default_factory=list)
    divergence: dict = None   # {"against": "kernel"|"golden", "trace": [...], "entry": N}

    @property
    def area(self):
        """msg, sem, shm, common: the folder of the scenario's file."""
        return os.path.basename(os.path.dirname(self.file)) or "other"

    @property
    def theme(self):
        """msgrcv, undo, ...: the scenario file's name."""
        return os.path.splitext(os.path.basename(self.file))[0] or "other"

    @property
    def column(self):
        return f"{self.run}:{self.backend}"

    def rerun_command(self):
        return f"build/svipc run {self.file} --name '{self.name}' --backend {self.backend} -v"


@dataclass
class Bench:
    name: str
    value: float
    unit: str
    floor: float = None


def comparable(entry):
    return {k: entry.get(k) for k in COMPARED_KEYS if k in entry}


def differing_entries(a, b):
    """Indexes where two traces differ, by the same keys svipc compares."""
    n = max(len(a or []), len(b or []))
    out = []
    for i in range(n):
        ea = a[i] if a and i < len(a) else None
        eb = b[i] if b and i < len(b) else None
        if ea is None or eb is None or comparable(ea) != comparable(eb):
            out.append(i)
    return out


def open_input(path):
    """A result or baseline file opened for reading, or ResultsError naming it."""
    try:
        return open(path, encoding="utf-8")
    except OSError as e:
        raise ResultsError(f"{path}: {e.strerror}") from e


def _fail(path, lineno, reason):
    raise ResultsError(f"{path}:{lineno}: {reason}")


def load(path, run=None):
    """Results and benchmark records of one file; RUN labels it (default: its name)."""
    run = run or os.path.splitext(os.path.basename(path))[0]
    results, benches = [], []
    with open_input(path) as handle:
        for lineno, text in enumerate(handle, 1):
            if not text.strip():
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                _fail(path, lineno, f"not JSON: {e.msg} at column {e.colno}")
            if not isinstance(obj, dict):
                _fail(path, lineno, "a result is a JSON object")
            if obj.get("kind") == "bench":
                if not isinstance(obj.get("name"), str) or not isinstance(obj.get("value"), (int, float)):
                    _fail(path, lineno, "a bench record needs a string \"name\" and a number \"value\"")
                benches.append(Bench(obj["name"], float(obj["value"]), obj.get("unit", ""), obj.get("floor")))
                continue
            for key in ("name", "backend", "status"):
                if not isinstance(obj.get(key), str):
                    _fail(path, lineno, f"a result needs a string \"{key}\"")
            if obj["status"] not in STATUSES:
                _fail(path, lineno, f"unknown status \"{obj['status']}\" (expected one of {', '.join(STATUSES)})")
            trace = obj.get("trace", [])
            if not isinstance(trace, list):
                _fail(path, lineno, "\"trace\" must be a list")
            results.append(Result(run=run, name=obj["name"], backend=obj["backend"], status=obj["status"],
                                  file=obj.get("file", ""), line=int(obj.get("line", 0)),
                                  reason=obj.get("reason", "") or "", ms=float(obj.get("ms", 0.0)),
                                  trace=trace, divergence=obj.get("divergence")))
    return results, benches


def load_all(paths):
    """Results and benchmarks of several files; two files with one name get distinct labels."""
    results, benches, seen = [], [], {}
    for path in paths:
        label = os.path.splitext(os.path.basename(path))[0]
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label}#{seen[label]}"
        r, b = load(path, label)
        results += r
        benches += b
    return results, benches


@dataclass
class Divergence:
    name: str
    left_label: str
    left_trace: list
    right_label: str
    right: Result
    differing: list           # entry indexes that differ


def divergences(results):
    """Every pair of traces of one scenario that disagree: those svipc found
    (against the kernel or a golden file), and the same scenario and backend
    compared across the runs given."""
    found = []
    for r in results:
        if r.divergence:
            other = r.divergence.get("trace") or []
            found.append(Divergence(r.name, r.divergence.get("against", "other"), other,
                                    r.column, r, differing_entries(other, r.trace)))
    by_key = {}
    for r in results:
        if r.status != "skip":
            by_key.setdefault((r.name, r.backend), []).append(r)
    for (name, _), group in sorted(by_key.items()):
        first = group[0]
        for other in group[1:]:
            diff = differing_entries(first.trace, other.trace)
            if diff:
                found.append(Divergence(name, first.column, first.trace, other.column, other, diff))
    return found
