"""Helpers of the CLI tests (not a conftest: reports/tests has the conftest
that ci/tests imports by name).

svipc as its users meet it, from the outside: the built program
(build/svipc) run as a command.  `make pytest` builds it first."""

import json
import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SVIPC = os.path.join(ROOT, "build", "svipc")
BENCH = os.path.join(ROOT, "build", "svipc-bench")
PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="session")
def svipc():
    if not os.access(SVIPC, os.X_OK):
        pytest.fail(f"{SVIPC} is not built (make pytest builds it)")
    return SVIPC


def run(args, timeout=300, **kw):
    """A command's CompletedProcess, text out, bounded in time."""
    kw.setdefault("capture_output", True)
    kw.setdefault("cwd", ROOT)
    return subprocess.run(args, text=True, timeout=timeout, **kw)


def read_results(path):
    """(results, end record or None) of a --json file."""
    results, end = [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            obj = json.loads(line)
            if obj.get("kind") == "run":
                end = obj
            else:
                results.append(obj)
    return results, end


def comparable(result):
    """What two runs of one instance must agree on: its status and its trace
    as svipc compares traces (no timings, raw values or lines)."""
    trace = [{k: e.get(k) for k in ("proc", "op", "status", "ret", "fields")} for e in result.get("trace", [])]
    return result["status"], json.dumps(trace, sort_keys=True)


@pytest.fixture(scope="module")
def bench():
    """build/svipc-bench, which make pytest builds (a test module imports
    this fixture by name)."""
    if not os.access(BENCH, os.X_OK):
        pytest.fail(f"{BENCH} is not built (make pytest builds it)")
    return BENCH


def ipcs():
    """The host's IPC objects as ipcs -a lists them."""
    return subprocess.run(["ipcs", "-a"], capture_output=True, text=True, check=True).stdout
