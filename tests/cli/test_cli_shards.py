"""svipc run --shard I/N: a partition of the selected instances by a hash of
their names, the same in svipc and in reports/shards.py, stable as the
catalog grows; four shards run on two runners each, merged, give the results
of one run."""

import os
import sys

from svipc_cli import svipc, PYTHON, ROOT, comparable, read_results, run  # noqa: F401 (svipc: a fixture)

sys.path.insert(0, os.path.join(ROOT, "reports"))
import shards  # noqa: E402

SUBSET = ["suites/msg/msgctl.svipc", "suites/sem/semget.svipc", "suites/shm/shmctl.svipc",
          "suites/common/permissions.svipc"]


def names(svipc, *args):
    out = run([svipc, "list", *args])
    assert out.returncode == 0, out.stderr
    return out.stdout.splitlines()


def test_shards_partition_the_catalog_as_reports_computes_them(svipc):
    everything = names(svipc)
    assert len(everything) > 1000
    parts = [names(svipc, "--shard", f"{i}/4") for i in range(1, 5)]
    assert sorted(sum(parts, [])) == sorted(everything)            # each instance once
    for i, part in enumerate(parts, 1):
        assert all(shards.shard_of(n, 4) == i for n in part)
        assert len(part) > len(everything) / 8                       # spread, not lumped


def test_shards_are_stable_as_the_catalog_grows(svipc):
    msg = set(names(svipc, "suites/msg"))
    for i in range(1, 4):
        alone = names(svipc, "suites/msg", "--shard", f"{i}/3")
        within = [n for n in names(svipc, "--shard", f"{i}/3") if n in msg]
        assert alone == within


def test_bad_shards_are_refused(svipc):
    for bad in ("0/4", "5/4", "1/0", "x", "1/", "/4", "1/1001", "2/3/4"):
        out = run([svipc, "run", "suites/common/ftok.svipc", "--shard", bad])
        assert out.returncode == 2 and "--shard takes I/N" in out.stderr, bad


def test_an_empty_shard_says_so(svipc):
    ftok = names(svipc, "suites/common/ftok.svipc")
    empty = next(i for i in range(1, 1001) if all(shards.shard_of(n, 1000) != i for n in ftok))
    out = run([svipc, "run", "suites/common/ftok.svipc", "--shard", f"{empty}/1000"])
    assert out.returncode == 2
    assert f"shard {empty}/1000 holds none of the {len(ftok)} selected instances" in out.stderr


def test_four_shards_on_two_runners_give_the_results_of_one_run(svipc, tmp_path):
    backends = ["--backend", "kernel,model"]
    whole = tmp_path / "whole.jsonl"
    out = run([svipc, "run", *SUBSET, *backends, "-j", "2", "--json", str(whole)])
    assert out.returncode == 0, out.stdout + out.stderr
    parts = []
    for i in range(1, 5):
        part = tmp_path / f"part-{i}.jsonl"
        out = run([svipc, "run", *SUBSET, *backends, "-j", "2", "--shard", f"{i}/4", "--json", str(part)])
        assert out.returncode == 0, out.stdout + out.stderr
        _, end = read_results(part)
        assert end["shard"]["index"] == i and end["shard"]["count"] == 4
        parts.append(str(part))
    merged = tmp_path / "merged.jsonl"
    out = run([PYTHON, "reports/report.py", "--merge", str(merged), "--out", str(tmp_path / "report"), *parts])
    assert out.returncode == 0, out.stderr
    one, one_end = read_results(whole)
    joined, joined_end = read_results(merged)
    assert {(r["name"], r["backend"]): comparable(r) for r in joined} == \
        {(r["name"], r["backend"]): comparable(r) for r in one}
    for key in ("results", "passed", "failed", "skipped"):
        assert joined_end[key] == one_end[key]
    assert joined_end["results"] == 2 * len(names(svipc, *SUBSET))
    # and the gate and coverage read the merged file as a whole run
    gate = run([PYTHON, "ci/gate.py", "--baseline", "ci/baseline/linux.txt", str(merged)])
    assert gate.returncode == 0, gate.stdout + gate.stderr
    # without one shard, the merge names it and the merged file is incomplete
    out = run([PYTHON, "reports/report.py", "--merge", str(merged), "--out", str(tmp_path / "report"),
               *parts[:2], parts[3]])
    assert out.returncode == 2 and "shard 3/4 is missing" in out.stderr
    assert read_results(merged)[1] is None
    gate = run([PYTHON, "ci/gate.py", "--baseline", "ci/baseline/linux.txt", str(merged)])
    assert gate.returncode == 1 and "incomplete run" in gate.stdout + gate.stderr
