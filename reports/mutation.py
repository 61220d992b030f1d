"""Reading a mutation run's results (ci/mutants/mutants.py writes them).

One record a mutant ({"kind": "mutant", "id", "file", "line", "op",
"status", "before", "after", ...}) and a final score record ({"kind":
"mutants", "complete": true, "score", "by_file", "by_op", ...}).  A file
without its score record is an incomplete run.
Must not: print, or judge the score (the Makefile's --min-score does).
"""

import json
from dataclasses import dataclass, field

from results import ResultsError, open_input

MUTANT_STATUSES = ("killed", "survived", "equivalent", "uncompilable")


@dataclass
class Mutation:
    path: str
    mutants: list = field(default_factory=list)     # the records, as dicts
    summary: dict = None                             # the score record; None when incomplete

    @property
    def incomplete(self):
        return "" if self.summary else f"incomplete mutation run: {self.path} has no score record"

    def with_status(self, status):
        return [m for m in self.mutants if m["status"] == status]


def _fail(path, lineno, reason):
    raise ResultsError(f"{path}:{lineno}: {reason}")


def load(path):
    out = Mutation(path)
    with open_input(path) as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                _fail(path, lineno, f"not JSON: {e.msg} at column {e.colno}")
            if not isinstance(obj, dict):
                _fail(path, lineno, "a record is a JSON object")
            if out.summary is not None:
                _fail(path, lineno, "a record after the score record")
            if obj.get("kind") == "mutants":
                if obj.get("complete") is not True or obj.get("mutants") != len(out.mutants):
                    _fail(path, lineno, "the score record needs \"complete\": true and the number of mutants")
                out.summary = obj
                continue
            if obj.get("kind") != "mutant":
                _fail(path, lineno, 'unknown "kind" (mutant or mutants)')
            for key in ("id", "file", "op", "status", "before", "after"):
                if not isinstance(obj.get(key), str):
                    _fail(path, lineno, f"a mutant needs a string \"{key}\"")
            if not isinstance(obj.get("line"), int):
                _fail(path, lineno, "a mutant needs its \"line\"")
            if obj["status"] not in MUTANT_STATUSES:
                _fail(path, lineno, f"unknown status \"{obj['status']}\"")
            out.mutants.append(obj)
    return out
