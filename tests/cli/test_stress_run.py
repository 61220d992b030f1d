"""svipc stress as a long run uses it: workers in groups with objects of
their own (no object has more callers than a check can order), a history
bounded by memory that stops the whole run when it is full (said, and
never a plain pass), objects that stay alive however many are removed,
and a check split over processes that decides exactly what one process
decides."""

import json
import os
import re
from collections import defaultdict

import pytest

from svipc_cli import run, svipc  # noqa: F401 (fixture)

root_only = pytest.mark.skipif(os.geteuid() != 0,
                               reason="svipc stress makes private PID and IPC namespaces: needs root")


def read_history(path):
    objects, events = {}, []
    with open(path) as f:
        for line in f:
            j = json.loads(line)
            if j.get("kind") == "object":
                objects[j["obj"]] = j
            elif "op" in j:
                events.append(j)
    return objects, events


@root_only
def test_each_group_of_workers_has_objects_of_its_own(svipc, tmp_path):
    history = str(tmp_path / "h.jsonl")
    r = run([svipc, "stress", "--ops", "6000", "-n", "12", "--group", "4", "--seed", "5", "--kill-ms", "0",
             "--history", history], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "3 groups of at most 4 processes, each on 2 queues and 2 sets" in r.stdout
    objects, events = read_history(history)
    callers = defaultdict(set)
    for e in events:
        if e["obj"] != "all":
            callers[e["obj"]].add(e["proc"])
    assert len(callers) >= 12                  # 3 groups x 4 slots, all used
    for obj, procs in callers.items():
        # workers 0-3, 4-7 and 8-11: an object's callers are of one group
        assert len({p // 4 for p in procs}) == 1, (obj, procs)
        assert objects[obj]["slot"] // 4 == min(procs) // 4, (obj, objects[obj]["slot"], procs)
    assert {o["slot"] for o in objects.values()} == set(range(12))


@root_only
def test_group_0_puts_every_worker_on_every_object(svipc, tmp_path):
    history = str(tmp_path / "h.jsonl")
    r = run([svipc, "stress", "--ops", "4000", "-n", "6", "--group", "0", "--seed", "5", "--kill-ms", "0",
             "--rmid", "0", "--history", history], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    objects, events = read_history(history)
    assert len(objects) == 4
    for obj in objects:
        assert {e["proc"] for e in events if e["obj"] == obj} == set(range(6))


@root_only
def test_a_full_history_stops_every_worker_and_is_not_a_pass(svipc, tmp_path):
    summary = tmp_path / "s.json"
    r = run([svipc, "stress", "--seconds", "20", "-n", "4", "--seed", "3", "--max-events", "4000",
             "--json", str(summary)], timeout=120)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "stopped early: the history was full (--max-events)" in r.stdout
    assert "result: linearizable, but the run stopped early" in r.stdout
    s = json.loads(summary.read_text())
    assert s["stopped_early"] == "the history was full (--max-events)" and s["status"] == 2
    # the run ended at once, not after 20 s; the bound is the history's
    # events and a chunk of 512 a worker (a worker's last chunk is its own)
    assert s["operations"] <= 4000 + 4 * 512 and s["seconds"] < 10
    assert s["check"]["linearizable"] == s["check"]["objects"]


@root_only
def test_removed_objects_are_replaced_for_the_whole_run(svipc, tmp_path):
    """With a removal every 100 operations, a run makes hundreds of
    objects: each removal is followed by a new object in its slot, so the
    calls keep finding live objects (a run limited to 256 objects spent
    most of its calls on removed ones, EINVAL)."""
    history = str(tmp_path / "h.jsonl")
    r = run([svipc, "stress", "--ops", "60000", "-n", "4", "--seed", "9", "--rmid", "100", "--kill-ms", "0",
             "--history", history], timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    objects, events = read_history(history)
    assert len(objects) > 300
    gone = sum(1 for e in events if e.get("errno") in ("EINVAL", "EIDRM"))
    assert gone < len(events) // 20, (gone, len(events))


def test_a_check_in_two_processes_decides_what_one_decides(svipc, tmp_path):
    """The recorded 16-process queue and the 2-process kill history, with
    objects of many sizes: the verdicts, counts and steps are the same
    with --check-jobs 1 and 2."""
    fixtures = os.path.join(os.path.dirname(__file__), "..", "fixtures")
    import gzip
    lines = []
    for name in ("stress-queue-16-procs.jsonl.gz", "stress-queue-2-procs-killed.jsonl.gz"):
        with gzip.open(os.path.join(fixtures, name), "rt") as f:
            lines.append(f.read())
    outs = []
    for jobs in ("1", "2"):
        for text in lines:
            r = run([svipc, "stress", "--check", "-", "--check-jobs", jobs], input=text, timeout=300)
            assert r.returncode == 0, r.stdout + r.stderr
            outs.append(re.sub(r" in [0-9.]+ s \([0-9]+ events checked/s\)", "", r.stdout))
    assert outs[:2] == outs[2:]


@root_only
def test_workers_killed_every_millisecond_leave_a_whole_history(svipc):
    """A SIGKILL every millisecond: a worker killed between publishing its
    event and counting it must not cost another worker's events (the
    history once trusted the counts and dropped that many events from its
    last chunk: 3 false violations in 30 s at this rate)."""
    r = run([svipc, "stress", "--seconds", "6", "-n", "8", "--kill-ms", "1", "--seed", "21"], timeout=180)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr
    ran = int(re.search(r"ran: (\d+) operations", r.stdout).group(1))
    killed = int(re.search(r"(\d+) workers killed and replaced", r.stdout).group(1))
    events = int(re.search(r"history: (\d+) events", r.stdout).group(1))
    assert killed > 1000
    assert events == ran + killed + 8          # every call, and a death per worker
