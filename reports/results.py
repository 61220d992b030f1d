"""Reading svipc result files (JSON Lines, as `svipc run --json` writes them).

One concern: turn files into validated records, or fail with "file:line: reason".
A run's results end with an end record ({"kind": "run", "complete": true,
"results": N, ...}); a file without it, or whose last line is cut short (a
run killed mid-write), is an incomplete run: its complete lines are read and
the file says why it is incomplete.
Must not: print, decide pass/fail policy (the report and the gate do), or
refuse a file only because its run was cut short.
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
    target: str = "native"    # where the implementation ran (svipc run --target)
    observed: str = ""        # how blocking was observed there (proc-syscall, wchan, mark+state)
    record: dict = None       # the object as read, every key kept (what a merge writes back)

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
class RunFile:
    """What one result file holds."""
    path: str
    label: str
    results: list
    benches: list
    incomplete: str = ""      # why the run is incomplete; "" when it ended (or the file holds benchmarks only)
    end: dict = None          # the end record: counts, "target", "seconds" ("shard": one shard of a run)


@dataclass
class Bench:
    """A benchmark record: an engine figure (name, value, unit, floor), or
    one workload on one implementation at N processes (svipc-bench: the
    median of its rounds in value, their spread in min and max; "error"
    when a round failed; "smoke" when it was counted, not timed)."""
    name: str
    value: float
    unit: str
    floor: float = None
    workload: str = ""
    impl: str = ""
    procs: int = 0
    error: str = ""
    smoke: bool = False
    record: dict = None


def _number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _observed(path, lineno, observed, key="observed", ops=True):
    """The observer's counts (observe/observe_json.h): svipc-bench --observe's "observed"
    {"ops": N, "calls": {name: {"calls", "errors", "log2_ns", ...}}, "sched": {...}}, and
    svipc run --observe's "observed_kernel" (no "ops").  "sched" is absent in older records."""
    def count(v):
        return isinstance(v, int) and not isinstance(v, bool) and v >= 0

    def histogram(h, total):
        return isinstance(h, list) and all(count(n) for n in h) and sum(h) == total
    if not isinstance(observed, dict) or (ops and not count(observed.get("ops"))) \
            or not isinstance(observed.get("calls"), dict):
        _fail(path, lineno, f'"{key}" needs ' + ('"ops" and "calls"' if ops else '"calls"'))
    for name, call in observed["calls"].items():
        if not isinstance(call, dict) or not count(call.get("calls")) or not histogram(call.get("log2_ns"), call["calls"]):
            _fail(path, lineno, f'"{key}" call "{name}": "calls" and a "log2_ns" histogram that sums to them')
        if "slept" in call and not (count(call["slept"]) and call["slept"] <= call["calls"]):
            _fail(path, lineno, f'"{key}" call "{name}": "slept" is a count of at most its calls')
    sched = observed.get("sched")
    if sched is not None:
        if not isinstance(sched, dict) or not all(count(sched.get(k)) for k in
                                                  ("switches", "preempted", "sleeps", "migrations", "wakeups")) \
                or sched["preempted"] + sched["sleeps"] != sched["switches"] \
                or not histogram(sched.get("wake_log2_ns"), sched["wakeups"]):
            _fail(path, lineno, f'"{key}" "sched": switches (preempted + sleeps), wake-ups and a "wake_log2_ns" '
                                'histogram that sums to them')


def _bench(path, lineno, obj):
    """A "bench" record checked, as a Bench."""
    if not isinstance(obj.get("name"), str):
        _fail(path, lineno, 'a bench record needs a string "name"')
    if "workload" not in obj:
        if not _number(obj.get("value")):
            _fail(path, lineno, 'a bench record needs a string "name" and a number "value"')
        if obj.get("floor") is not None and not _number(obj["floor"]):
            _fail(path, lineno, '"floor" has the wrong type')
        return Bench(obj["name"], float(obj["value"]), obj.get("unit", ""), obj.get("floor"), record=obj)
    for key in ("workload", "impl"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            _fail(path, lineno, f'a workload\'s bench record needs a string "{key}"')
    for key in ("procs", "ops"):
        if not isinstance(obj.get(key), int) or isinstance(obj[key], bool) or obj[key] < 1:
            _fail(path, lineno, f'a workload\'s bench record needs "{key}", a number of at least 1')
    if "observed" in obj:
        _observed(path, lineno, obj["observed"])
    common = dict(workload=obj["workload"], impl=obj["impl"], procs=obj["procs"], record=obj)
    if "error" in obj:
        if not isinstance(obj["error"], str) or not obj["error"]:
            _fail(path, lineno, '"error" says why, in a string')
        return Bench(obj["name"], 0.0, "", error=obj["error"], **common)
    if obj.get("smoke") is True:
        return Bench(obj["name"], 0.0, "", smoke=True, **common)
    rounds = obj.get("rounds")
    if not _number(obj.get("value")) or not isinstance(rounds, list) or not rounds \
            or not all(_number(r) and r > 0 for r in rounds):
        _fail(path, lineno, 'a timed bench record needs a number "value" and its "rounds" (operations per second)')
    if not (_number(obj.get("min")) and _number(obj.get("max")) and obj["min"] <= obj["value"] <= obj["max"]):
        _fail(path, lineno, 'a timed bench record\'s "value" lies between its "min" and "max"')
    return Bench(obj["name"], float(obj["value"]), obj.get("unit", ""), **common)


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


def _end_record(path, lineno, obj, count):
    if obj.get("complete") is not True or not isinstance(obj.get("results"), int) \
            or isinstance(obj.get("results"), bool):
        _fail(path, lineno, 'an end record needs "complete": true and a number of "results"')
    if obj["results"] != count:
        _fail(path, lineno, "the end record counts another number of results than the file holds")


def load(path, run=None):
    """The results and benchmark records of one file, as a RunFile; RUN
    labels it (default: its name)."""
    run = run or os.path.splitext(os.path.basename(path))[0]
    results, benches = [], []
    with open_input(path) as handle:
        try:
            text = handle.read()
        except UnicodeDecodeError as e:
            raise ResultsError(f"{path}: not UTF-8 text ({e.reason})") from e
    lines = text.split("\n")
    ended = cut = False
    end = None
    for lineno, line in enumerate(lines, 1):
        last = lineno == len(lines)          # the text after the last newline: "" or a line without one
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            if last:
                cut = f"{path}:{lineno}: the last line is cut short ({e.msg} at column {e.colno})"
                break
            _fail(path, lineno, f"not JSON: {e.msg} at column {e.colno}")
        if not isinstance(obj, dict):
            _fail(path, lineno, "a result is a JSON object")
        if ended:
            _fail(path, lineno, "a record after the end of the run")
        if obj.get("kind") == "run":
            _end_record(path, lineno, obj, len(results))
            ended, end = True, obj
            continue
        if obj.get("kind") == "bench":
            benches.append(_bench(path, lineno, obj))
            continue
        if "kind" in obj:
            _fail(path, lineno, 'unknown "kind" (run, bench, or none for a result)')
        for key in ("name", "backend", "status"):
            if not isinstance(obj.get(key), str):
                _fail(path, lineno, f"a result needs a string \"{key}\"")
        if obj["status"] not in STATUSES:
            _fail(path, lineno, f"unknown status \"{obj['status']}\" (expected one of {', '.join(STATUSES)})")
        trace = obj.get("trace", [])
        if not isinstance(trace, list):
            _fail(path, lineno, "\"trace\" must be a list")
        for key, types in (("file", str), ("reason", (str, type(None))), ("line", int), ("ms", (int, float)),
                           ("divergence", (dict, type(None))), ("target", str), ("observed", str)):
            if key in obj and (not isinstance(obj[key], types) or isinstance(obj[key], bool)):
                _fail(path, lineno, f"\"{key}\" has the wrong type")
        if "observed_kernel" in obj:
            _observed(path, lineno, obj["observed_kernel"], "observed_kernel", ops=False)
        results.append(Result(run=run, name=obj["name"], backend=obj["backend"], status=obj["status"],
                              file=obj.get("file", ""), line=int(obj.get("line", 0)),
                              reason=obj.get("reason", "") or "", ms=float(obj.get("ms", 0.0)),
                              trace=trace, divergence=obj.get("divergence"),
                              target=obj.get("target", "native"), observed=obj.get("observed", ""), record=obj))
    incomplete = ""
    if cut:
        incomplete = f"incomplete run: {cut}"
    elif not ended and (results or not benches):
        incomplete = f"incomplete run: {path} has no end record (the run was stopped before its end)"
    return RunFile(path, run, results, benches, incomplete, end)


def load_all(paths):
    """Results, benchmarks and incomplete runs ("incomplete run: ..." each)
    of several files; two files with one name get distinct labels.  The
    shards of one run (svipc run --shard) are joined into that run
    (shards.py): a missing or cut shard makes it an incomplete run, named."""
    import shards                     # shards.py reads files with this module
    results, benches, incomplete, seen = [], [], [], {}
    files = []
    for path in paths:
        label = os.path.splitext(os.path.basename(path))[0]
        seen[label] = seen.get(label, 0) + 1
        if seen[label] > 1:
            label = f"{label}#{seen[label]}"
        files.append(load(path, label))
    for f in shards.join_runs(files):
        results += f.results
        benches += f.benches
        if f.incomplete:
            incomplete.append(f.incomplete)
    return results, benches, incomplete


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
