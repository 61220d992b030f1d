"""ci/github-actions.yml: valid YAML by yamllint's rules (strict), and a
matrix over every target svipc knows and over shards, merged per target by
reports/report.py --merge before the gate.  actionlint is not packaged in
Debian; where it is on PATH, it checks the workflow too."""

import os
import re
import shutil
import subprocess

import pytest
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
WORKFLOW = os.path.join(ROOT, "ci", "github-actions.yml")


def load():
    with open(WORKFLOW, encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_yamllint_strict():
    if not shutil.which("yamllint"):
        pytest.fail("yamllint is missing (Debian's yamllint: ci/install-deps.sh installs it)")
    out = subprocess.run(["yamllint", "-s", "-c", os.path.join(ROOT, "ci", "yamllint.yml"), WORKFLOW],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def test_actionlint_where_installed():
    if not shutil.which("actionlint"):
        pytest.skip("actionlint is not packaged in Debian: yamllint and the checks below only")
    out = subprocess.run(["actionlint", WORKFLOW], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr


def known_targets():
    """The targets svipc names (harness/target.c), but exec:CMD, a wrapper of the user's."""
    out = subprocess.run([os.path.join(ROOT, "build", "svipc"), "run", "--target", "no-such-target"],
                         capture_output=True, text=True, timeout=60)
    listed = re.search(r"\(known: ([^)]*)\)", out.stderr)
    assert listed, out.stderr
    return [t for t in listed.group(1).split(", ") if not t.startswith("exec:")]


def test_matrix_covers_every_target_and_shard():
    jobs = load()["jobs"]
    matrix = jobs["shard"]["strategy"]["matrix"]
    assert sorted(matrix["target"]) == sorted(known_targets())
    shards = int(load()["env"]["SHARDS"])
    assert matrix["shard"] == list(range(1, shards + 1))
    run = " ".join(step.get("run", "") for step in jobs["shard"]["steps"])
    assert "--shard ${{ matrix.shard }}/$SHARDS" in run and "--target ${{ matrix.target }}" in run
    # one merge per target, of its shards, before its gate
    assert sorted(jobs["merge"]["strategy"]["matrix"]["target"]) == sorted(known_targets())
    assert jobs["merge"]["needs"] == "shard"
    steps = [step.get("run", "") for step in jobs["merge"]["steps"]]
    merge_at = next(i for i, s in enumerate(steps) if "reports/report.py --merge build/results.jsonl" in s)
    gate_at = next(i for i, s in enumerate(steps) if "make gate" in s)
    assert merge_at < gate_at
