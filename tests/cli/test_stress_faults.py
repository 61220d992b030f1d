"""svipc stress against the runtime's test-only concurrency bugs
(build/svipc-faults, SVIPC_REF_FAULT=NAME; impl/ref_runtime.c under
REF_TEST_FAULTS): each is found by `svipc stress` on ref at its default
settings, and `--shrink` makes one of its violations a scenario of at most
10 steps that `svipc run` fails with the bug and passes without it (on
kernel, model and ref).  Seeded and bounded: the seeds are tried in order
within a time budget (a concurrent run is never the same twice, so the
budget, not one seed, is what is asserted).  `make pytest` builds
build/svipc-faults first."""

import json
import os
import re
import time

import pytest

from svipc_cli import ROOT, SVIPC, run

FAULTS_BIN = os.path.join(ROOT, "build", "svipc-faults")

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="svipc stress makes private PID and IPC namespaces: needs root")

# A short run on one object shrinks best (its calls replayed in the order
# they were invoked stay close to what happened); undo-twice needs deaths
# of processes asleep in a call, semop-split waiters next to many-sembuf
# semops.
SHRINK_RUNS = {
    "lost-wakeup": ["--workload", "sem", "--sets", "1", "-n", "3", "--ops", "60", "--kill-ms", "0"],
    "semop-split": ["--workload", "sem", "--sets", "1", "-n", "5", "--ops", "100", "--kill-ms", "0",
                    "--interrupt-us", "5000"],
    "double-delivery": ["--workload", "msg", "--queues", "1", "-n", "3", "--ops", "60", "--kill-ms", "0"],
    "undo-twice": ["--workload", "sem", "--sets", "1", "-n", "3", "--ops", "60", "--kill-ms", "3",
                   "--undo", "50"],
}

STEP = re.compile(r"^\s+(\w+: |signal |wait )")


@pytest.fixture(scope="module")
def faults():
    if not os.access(FAULTS_BIN, os.X_OK):
        pytest.fail(f"{FAULTS_BIN} is not built (make pytest builds it: make faults)")
    return FAULTS_BIN


def with_fault(name):
    env = dict(os.environ)
    env["SVIPC_REF_FAULT"] = name
    return env


def without_fault():
    env = dict(os.environ)
    env.pop("SVIPC_REF_FAULT", None)
    return env


@pytest.mark.parametrize("fault", sorted(SHRINK_RUNS))
def test_found_at_default_settings_within_60_seconds(faults, fault):
    start, seed, outputs = time.monotonic(), 1, []
    while time.monotonic() - start < 60:
        r = run([faults, "stress", "--backend", "ref", "--seed", str(seed)], env=with_fault(fault), timeout=180)
        outputs.append(r.stdout[-400:])
        if r.returncode == 1:
            assert "result: NOT linearizable" in r.stdout
            return
        assert r.returncode in (0, 2), r.stdout + r.stderr
        seed += 1
    pytest.fail(f"{fault}: no violation in 60 s ({seed - 1} runs):\n" + "\n".join(outputs[-3:]))


def test_shipped_runtime_has_no_fault_switch():
    """svipc and the preload library ignore SVIPC_REF_FAULT: the runtime in
    them is built without REF_TEST_FAULTS."""
    for built in ("build/libsvipc-ref.so", "build/impl/ref_runtime.o"):
        with open(os.path.join(ROOT, built), "rb") as f:
            assert b"SVIPC_REF_FAULT" not in f.read(), built
    path = os.path.join(ROOT, "suites", "regressions", "stress-ref-faults.svipc")
    for fault in SHRINK_RUNS:
        r = run([SVIPC, "run", path, "--backend", "ref"], env=with_fault(fault), timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("fault", sorted(SHRINK_RUNS))
def test_shrunk_to_a_scenario_of_at_most_10_steps(faults, fault, tmp_path):
    out = tmp_path / f"{fault}.svipc"
    start, seed, tail, text, steps = time.monotonic(), 1, "", "", []
    while time.monotonic() - start < 150 and not 0 < len(steps) <= 10:
        if out.exists():
            out.unlink()
        r = run([faults, "stress", "--backend", "ref", "--seed", str(seed), "--deadline", "30",
                 "--shrink", str(out), "--shrink-seconds", "30", "--json", str(tmp_path / "s.json")] + SHRINK_RUNS[fault],
                env=with_fault(fault), timeout=180)
        tail = r.stdout[-600:]
        assert r.returncode in (0, 1, 2), r.stdout + r.stderr
        seed += 1
        if out.exists():
            text = out.read_text()
            steps = [line for line in text.splitlines() if STEP.match(line)]
    assert 0 < len(steps) <= 10, f"{fault}: nothing shrunk to 10 steps in 150 s ({seed - 1} runs); last:\n{tail}{text}"
    shrunk = json.loads((tmp_path / "s.json").read_text())["shrunk"]    # the summary names the scenario
    assert shrunk["reproduced"] and shrunk["scenario"] == str(out) and shrunk["steps"] > 0, shrunk
    # fails with the bug, passes without it, on every backend
    r = run([faults, "run", str(out), "--backend", "ref"], env=with_fault(fault), timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    r = run([SVIPC, "run", str(out), "--backend", "kernel,model,ref"], env=without_fault(), timeout=120)
    assert r.returncode == 0, text + r.stdout + r.stderr


def test_regressions_fail_with_their_bug_only(faults):
    path = os.path.join(ROOT, "suites", "regressions", "stress-ref-faults.svipc")
    for fault in SHRINK_RUNS:
        r = run([faults, "run", path, "--backend", "ref"], env=with_fault(fault), timeout=120)
        assert r.returncode == 1, r.stdout + r.stderr
        assert f"FAIL stress-{fault}-seed-" in r.stdout, r.stdout
    r = run([faults, "run", path, "--backend", "ref"], env=without_fault(), timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
