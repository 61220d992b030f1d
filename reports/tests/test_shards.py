"""Shards of one run joined (reports/shards.py) on small result files made
here: a complete set merges into one run with its end record; a missing, cut,
duplicated, foreign or misplaced shard is named, never silently merged."""

import json

import pytest
from conftest import result, write_results

import report
import shards
from results import ResultsError, load, load_all

NAMES = [f"scenario-{i}" for i in range(40)]
SELECTION = {"count": 4, "instances": len(NAMES), "selection": "00000000deadbeef", "backends": "kernel",
             "target": "native"}


def shard_records(index, names=NAMES, **shard):
    records = [result(n, "skip" if n.endswith("7") else "pass", line=i)
               for i, n in enumerate(names) if shards.shard_of(n, 4) == index]
    info = dict(SELECTION, index=index, **shard)
    return records, info


def write_shard(tmp_path, index, end=True, tail="", names=NAMES, **shard):
    records, info = shard_records(index, names, **shard)
    path = write_results(tmp_path / f"part-{index}.jsonl", records, end=False, tail="")
    with open(path, "a", encoding="utf-8") as f:
        if end:
            passed = sum(1 for r in records if r["status"] == "pass")
            f.write(json.dumps({"kind": "run", "complete": True, "results": len(records), "passed": passed,
                                "failed": 0, "skipped": len(records) - passed, "shard": info}) + "\n")
        f.write(tail)
    return path


def test_hash_is_harness_shard_c():
    # values printed by harness/shard.c's shard_hash (tests/cli/test_shards.py
    # compares whole catalogs' shards with svipc list --shard)
    assert shards.shard_hash("") == 0xefd01f60ba992926
    assert shards.shard_hash("a") == 0x82a2a958a9bece5b
    assert shards.shard_hash("msgget-key-0[expect=ENOENT]") == 0x25ed8acc56f14b05
    assert shards.shard_hash("perm-msgctl-msg-stat-any-as-supplementary-mode-0400[expect=$q]") == 0x20199b5804f3e3ec


def test_every_instance_in_exactly_one_shard_and_spread():
    counts = [sum(1 for n in NAMES if shards.shard_of(n, 4) == i) for i in range(1, 5)]
    assert sum(counts) == len(NAMES) and min(counts) >= 4


def test_complete_shards_merge_into_one_run(tmp_path):
    paths = [write_shard(tmp_path, i) for i in (3, 1, 4, 2)]
    run, problems = shards.merge([load(p) for p in paths])
    assert problems == []
    assert sorted(r.name for r in run.results) == sorted(NAMES)
    assert run.end["complete"] is True and run.end["results"] == len(NAMES)
    assert run.end["skipped"] == sum(1 for n in NAMES if n.endswith("7"))
    out = tmp_path / "merged.jsonl"
    shards.write(str(out), run)
    again = load(str(out))
    assert again.incomplete == "" and len(again.results) == len(NAMES)
    # the records are written back as read
    assert again.results[0].record == run.results[0].record


def test_report_joins_shards_given_as_one_run(tmp_path):
    paths = [write_shard(tmp_path, i) for i in (1, 2, 3, 4)]
    results, _, incomplete = load_all(paths)
    assert incomplete == []
    assert {r.run for r in results} == {"part"}          # one column, not four


def test_missing_shard_is_named_and_merged_file_is_incomplete(tmp_path, capsys):
    paths = [write_shard(tmp_path, i) for i in (1, 2, 4)]
    out = tmp_path / "merged.jsonl"
    assert report.main(["--merge", str(out), "--out", str(tmp_path / "r")] + paths) == 2
    err = capsys.readouterr().err
    assert "shard 3/4 is missing" in err
    merged = load(str(out))
    assert merged.end is None and "no end record" in merged.incomplete
    _, _, incomplete = load_all(paths)
    assert incomplete == ["incomplete run: part: shard 3/4 is missing"]


def test_cut_shard_is_named(tmp_path):
    paths = [write_shard(tmp_path, i) for i in (1, 2, 4)]
    paths.append(write_shard(tmp_path, 3, end=False, tail='{"name": "scenario-'))
    run, problems = shards.merge([load(p) for p in paths])
    assert len(problems) == 1
    assert problems[0].startswith("shard 3/4 (") and "part-3.jsonl) is cut short: incomplete run:" in problems[0]
    assert run.end is None and "is cut short" in run.incomplete
    # its complete lines are kept, the run says it is incomplete
    assert len(run.results) == sum(1 for n in NAMES if shards.shard_of(n, 4) != 3) + \
        sum(1 for n in NAMES if shards.shard_of(n, 4) == 3)


def test_shard_given_twice_is_refused(tmp_path):
    paths = [write_shard(tmp_path, i) for i in (1, 2, 3, 4)]
    twice = tmp_path / "again.jsonl"
    twice.write_text(open(paths[1], encoding="utf-8").read())
    with pytest.raises(shards.ShardError, match="shard 2/4 is given twice"):
        shards.merge([load(p) for p in paths + [str(twice)]])


def test_shards_of_different_runs_are_refused(tmp_path):
    paths = [write_shard(tmp_path, i) for i in (1, 2, 3)]
    other = tmp_path / "other"
    other.mkdir()
    paths.append(write_shard(other, 4, selection="0000000000000001"))
    with pytest.raises(shards.ShardError, match="different runs"):
        shards.merge([load(p) for p in paths])
    paths[-1] = write_shard(other, 4, backends="kernel,ref")
    with pytest.raises(shards.ShardError, match="different runs"):
        load_all(paths)


def test_result_in_the_wrong_shard_is_refused(tmp_path):
    paths = [write_shard(tmp_path, i) for i in (1, 2, 3, 4)]
    stray = next(n for n in NAMES if shards.shard_of(n, 4) == 2)
    text = open(paths[0], encoding="utf-8").read().splitlines()
    end = json.loads(text[-1])
    end["results"] += 1
    end["passed"] += 1
    text = text[:-1] + [json.dumps(result(stray, "pass")), json.dumps(end)]
    with open(paths[0], "w", encoding="utf-8") as f:
        f.write("\n".join(text) + "\n")
    with pytest.raises(ResultsError, match=f"{stray}.*belongs to shard 2/4, not 1/4"):
        shards.merge([load(p) for p in paths])


def test_whole_run_is_not_a_shard(tmp_path):
    paths = [write_shard(tmp_path, i) for i in (1, 2, 3, 4)]
    whole = write_results(tmp_path / "whole.jsonl", [result("x", "pass")])
    with pytest.raises(shards.ShardError, match="whole run"):
        shards.merge([load(p) for p in paths + [whole]])
    with pytest.raises(shards.ShardError, match="none of the files is a shard"):
        shards.merge([load(whole)])


def test_short_count_is_named(tmp_path):
    paths = [write_shard(tmp_path, i, instances=len(NAMES) + 1) for i in (1, 2, 3, 4)]
    run, problems = shards.merge([load(p) for p in paths])
    assert problems == [f"the shards hold {len(NAMES)} results, but the run selected {len(NAMES) + 1} "
                        "instances on 1 backend(s)"]
    assert run.end is None
