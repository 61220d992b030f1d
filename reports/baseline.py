"""Baselines: what an implementation is known to fail, and why.

One concern: read a baseline file and say, for a failing result, which
entry of the baseline explains it.  A baseline holds two kinds of entry:

    BACKEND  SCENARIO-NAME  STATUS  REASON...
        one known failure (Linux's and the reference runtime's baselines);

    cause NAME  DIAGNOSIS...
        simplest SCENARIO-NAME        the instance that shows it most simply
        checked PATH...               the minimal program(s) outside svipc
                                      that confirm the diagnosis
        match SCENARIO-GLOB [| STEP-GLOB [| ACTUAL-GLOB]]
        ...
        targets NAME...               (optional) the targets it is seen on,
                                      when the file serves several
        one divergence of a target (gVisor, qemu-user, another kernel), and
        the failures it explains: every failure that one of its `match`
        lines fits (fnmatch patterns over the instance's name, the step's
        source text "A: msgsnd $q 1 ..." and what the run saw instead:
        "EINVAL", or for a trace that differs from the golden one the
        difference "ret: 0 against 1").

    include FILE
        the entries of another baseline (a path relative to this one):
        the four qemu-user targets share their causes.

'#' starts a comment.  Errors name the file and line.
Must not: read result files, print, or decide what a gate does with the
answer (ci/gate.py and reports/matrix.py do).
"""

import fnmatch
import os
from dataclasses import dataclass, field

from results import FAILING, ResultsError, open_input


@dataclass
class Cause:
    name: str
    diagnosis: str
    path: str
    line: int
    simplest: str = ""
    checked: list = field(default_factory=list)
    matches: list = field(default_factory=list)     # [(scenario, step, actual) globs]
    targets: list = field(default_factory=list)     # [] for every target

    def explains(self, sig, target):
        if self.targets and target not in self.targets:
            return False
        return any(all(fnmatch.fnmatchcase(value, pattern) for value, pattern in zip(sig, m))
                   for m in self.matches)


@dataclass
class Baseline:
    entries: dict = field(default_factory=dict)      # (backend, name) -> (status, reason)
    causes: list = field(default_factory=list)

    def update(self, other):
        for key in other.entries:
            if key in self.entries:
                raise ResultsError(f"{key[0]} {key[1]} is listed in two baselines")
        names = {c.name for c in self.causes}
        for c in other.causes:
            if c.name in names:
                raise ResultsError(f"{c.path}:{c.line}: cause {c.name} is defined twice")
        self.entries.update(other.entries)
        self.causes += other.causes

    def cause_of(self, result):
        """The first cause that explains a failing RESULT, or None."""
        sig = signature(result)
        return next((c for c in self.causes if c.explains(sig, result.target)), None)


def signature(result):
    """(name, step, actual) of a failing result: what `match` lines test.
    STEP is the failing step's source ("A: msgsnd $q 1 ..."), ACTUAL what
    the run saw ("EINVAL", "blocks") or how its trace differs from the
    golden one ("ret: 0 against 1; mtype: ..."), or the first line of the
    reason when neither applies (a timeout, an error)."""
    lines = [line.strip() for line in (result.reason or "").splitlines()]
    step = actual = ""
    for line in lines:
        if not step and ": step " in line:
            tail = line.split(": step ", 1)[1]
            step = tail.split(": ", 1)[1] if ": " in tail else tail
        elif line.startswith("actual:"):
            actual = line[len("actual:"):].strip()
        elif line.startswith("differs from the golden trace") and "): " in line:
            actual = line.rsplit("): ", 1)[1]
            if not step and "(step " in line:
                step = line.split(", ", 2)[-1].split(")", 1)[0]      # "A msgsnd" from "(step 7, line 114, A msgsnd)"
    if not actual and lines:
        actual = lines[0]
    return (result.name, step, actual)


def _words_after(line, keyword):
    return line[len(keyword):].strip()


def load_baseline(path, _including=()):
    """The Baseline of the file at PATH, or ResultsError naming file and line."""
    base = Baseline()
    cause = None
    if os.path.abspath(path) in _including:
        raise ResultsError(f"{path}: includes itself")
    with open_input(path) as handle:
        for lineno, text in enumerate(handle, 1):
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            indented = text[:1] in (" ", "\t")
            if indented:
                if cause is None:
                    raise ResultsError(f"{path}:{lineno}: an indented line belongs to a cause (start it with 'cause NAME DIAGNOSIS')")
                keyword = stripped.split(None, 1)[0]
                rest = _words_after(stripped, keyword)
                if keyword == "simplest":
                    if not rest or cause.simplest:
                        raise ResultsError(f"{path}:{lineno}: one 'simplest SCENARIO-NAME' per cause")
                    cause.simplest = rest
                elif keyword == "checked":
                    if not rest:
                        raise ResultsError(f"{path}:{lineno}: 'checked' names the program(s) that confirm the diagnosis")
                    for program in rest.split():
                        where = os.path.join(os.path.dirname(os.path.abspath(path)), "..", "..", program)
                        if not os.path.exists(where) and not os.path.exists(program):
                            raise ResultsError(f"{path}:{lineno}: {program}: no such file")
                        cause.checked.append(program)
                elif keyword == "targets":
                    if not rest or cause.targets:
                        raise ResultsError(f"{path}:{lineno}: one 'targets NAME...' per cause")
                    cause.targets = rest.split()
                elif keyword == "match":
                    parts = [p.strip() for p in rest.split(" | ")]
                    if not rest or len(parts) > 3 or any(not p for p in parts):
                        raise ResultsError(f"{path}:{lineno}: write 'match SCENARIO-GLOB [| STEP-GLOB [| ACTUAL-GLOB]]'")
                    cause.matches.append(tuple(parts))
                else:
                    raise ResultsError(f"{path}:{lineno}: '{keyword}': a cause has simplest, checked, match and targets lines")
                continue
            words = stripped.split(None, 2)
            if words[0] == "include":
                cause = _finish(path, cause)
                if len(words) != 2:
                    raise ResultsError(f"{path}:{lineno}: write 'include FILE'")
                other = os.path.join(os.path.dirname(path), words[1])
                try:
                    base.update(load_baseline(other, _including + (os.path.abspath(path),)))
                except ResultsError as e:
                    raise ResultsError(f"{path}:{lineno}: {e}") from e
                continue
            if words[0] == "cause":
                if len(words) < 3:
                    raise ResultsError(f"{path}:{lineno}: write 'cause NAME DIAGNOSIS'")
                _finish(path, cause)
                if any(c.name == words[1] for c in base.causes):
                    raise ResultsError(f"{path}:{lineno}: cause {words[1]} is defined twice")
                cause = Cause(words[1], words[2], path, lineno)
                base.causes.append(cause)
                continue
            cause = _finish(path, cause)
            words = stripped.split(None, 3)
            if len(words) < 4:
                raise ResultsError(f"{path}:{lineno}: write BACKEND SCENARIO STATUS REASON, or 'cause NAME DIAGNOSIS'")
            backend, name, status, reason = words
            if status not in FAILING:
                raise ResultsError(f"{path}:{lineno}: status '{status}' is not one of {', '.join(FAILING)}")
            if (backend, name) in base.entries:
                raise ResultsError(f"{path}:{lineno}: {backend} {name} is listed twice")
            base.entries[(backend, name)] = (status, reason)
    _finish(path, cause)
    return base


def _finish(path, cause):
    if cause is not None:
        for what in ("simplest", "matches", "checked"):
            if not getattr(cause, what):
                raise ResultsError(f"{path}:{cause.line}: cause {cause.name} has no "
                                   f"{'match' if what == 'matches' else what} line")
    return None
