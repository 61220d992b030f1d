"""Shared helpers for the report and gate tests: small result files made here."""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "..", "ci"))


def entry(step, proc, op, status, ret, **fields):
    return {"step": step, "line": 10 + step, "proc": proc, "op": op, "status": status, "ret": ret,
            "fields": fields, "raw": {"ret": 0}}


def result(name, status, backend="kernel", reason="", trace=None, file="suites/msg/msgrcv.svipc", **extra):
    r = {"name": name, "file": file, "line": 3, "backend": backend, "status": status, "ms": 4.5,
         "trace": trace if trace is not None else [entry(0, "A", "msgget", "done", "msq#0")]}
    if reason:
        r["reason"] = reason
    r.update(extra)
    return r


def end_record(records):
    """The record svipc writes once a run is done: it counts the results."""
    results = [r for r in records if "kind" not in r]
    count = lambda s: sum(1 for r in results if r["status"] == s)
    return {"kind": "run", "complete": True, "results": len(results), "passed": count("pass"),
            "failed": len(results) - count("pass") - count("skip"), "skipped": count("skip")}


def write_results(path, records, end=True, tail=""):
    """RECORDS as svipc writes them; END: with the end record of a finished
    run; TAIL: text after the last line (a line cut short)."""
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
        if end and any("kind" not in r for r in records):
            f.write(json.dumps(end_record(records)) + "\n")
        f.write(tail)
    return str(path)
