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
    assert "3 groups of at most 4 processes, each on 2 queues, 2 sets and 1 segment" in r.stdout
    objects, events = read_history(history)
    callers = defaultdict(set)
    for e in events:
        if e["obj"] != "all":
            callers[e["obj"]].add(e["proc"])
    assert len(callers) >= 15                  # 3 groups x 5 slots, all used
    for obj, procs in callers.items():
        # workers 0-3, 4-7 and 8-11: an object's callers are of one group
        assert len({p // 4 for p in procs}) == 1, (obj, procs)
        assert objects[obj]["slot"] // 5 == min(procs) // 4, (obj, objects[obj]["slot"], procs)
    assert {o["slot"] for o in objects.values()} == set(range(15))


@root_only
def test_group_0_puts_every_worker_on_every_object(svipc, tmp_path):
    history = str(tmp_path / "h.jsonl")
    r = run([svipc, "stress", "--ops", "4000", "-n", "6", "--group", "0", "--seed", "5", "--kill-ms", "0",
             "--rmid", "0", "--history", history], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    objects, events = read_history(history)
    assert len(objects) == 5
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
    limits = int(re.search(r"(\d+) limit changes", r.stdout).group(1))
    assert killed > 1000
    assert events == ran + killed + 8 + limits  # every call, a death per worker, each limit write


@root_only
@pytest.mark.parametrize("backend", ["kernel", "ref"])
def test_segments_are_shared_outlive_their_removal_and_are_checked(svipc, tmp_path, backend):
    """The shm workload: workers attach and detach, store words that
    others load (through attachments of their own), read shm_nattch and
    SHM_DEST, and keep using an attachment after IPC_RMID; the history
    holds all of it, and is linearizable."""
    history = str(tmp_path / "h.jsonl")
    r = run([svipc, "stress", "--backend", backend, "--workload", "shm", "--ops", "20000", "-n", "4",
             "--seed", "11", "--rmid", "100", "--history", history], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "workload shm" in r.stdout and "result: linearizable" in r.stdout
    objects, events = read_history(history)
    assert {o["type"] for o in objects.values()} == {"segment"}
    ops = defaultdict(int)
    for e in events:
        ops[e["op"]] += 1
    assert all(ops[op] > 100 for op in ("shmat", "shmdt", "store", "load", "shmstat")), dict(ops)
    assert ops["rmid"] > 0 and ops["death"] > 0
    # a word stored by one worker is loaded by another
    writer = {e["text"]: e["proc"] for e in events if e["op"] == "store"}
    assert any(e["op"] == "load" and e.get("text") in writer and writer[e["text"]] != e["proc"] for e in events)
    # a removed segment is still attached, used and shown as SHM_DEST
    assert any(e["op"] == "shmstat" and e.get("dest") == 1 and e["ret"] >= 1 for e in events)
    removed_at = {e["obj"]: e["return"] for e in events if e["op"] == "rmid" and e.get("ret") == 0}
    assert any(e["op"] in ("store", "load") and e["obj"] in removed_at and e["call"] > removed_at[e["obj"]]
               for e in events)


@root_only
@pytest.mark.parametrize("backend", ["kernel", "ref"])
def test_limits_lowered_under_the_workers_are_in_the_history(svipc, tmp_path, backend):
    """--sysctl-ms: a process of its own lowers kernel.msgmax or semopm
    and puts it back; each write is an event, some sends fail EINVAL and
    some semops E2BIG meanwhile, and the history is linearizable (each
    call meets the limit as it was when it began)."""
    history, summary = str(tmp_path / "h.jsonl"), tmp_path / "s.json"
    r = run([svipc, "stress", "--backend", backend, "--seconds", "3", "-n", "4", "--seed", "2", "--sysctl-ms", "20",
             "--history", history, "--json", str(summary)], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    objects, events = read_history(history)
    writes = [e for e in events if e["op"] == "sysctl"]
    assert len(writes) >= 20 and {w["limit"] for w in writes} == {"msgmax", "semopm"}
    assert all(w["obj"] == "all" and w["ret"] == 0 for w in writes)
    lowered = {w["value"] for w in writes}
    assert 16 in lowered and 2 in lowered and 8192 in lowered
    assert any(e["op"] == "msgsnd" and e.get("errno") == "EINVAL" for e in events)
    assert any(e["op"] == "semop" and e.get("errno") == "E2BIG" for e in events)
    s = json.loads(summary.read_text())
    assert s["limit_changes"] == len(writes) and s["latency"]["sysctl"]["calls"] == len(writes)
    # without the writer: no write, no such failure
    r = run([svipc, "stress", "--backend", backend, "--ops", "4000", "-n", "4", "--seed", "2", "--sysctl-ms", "0",
             "--history", history], timeout=120)
    assert r.returncode == 0 and "; 0 limit changes" in r.stdout, r.stdout + r.stderr
    objects, events = read_history(history)
    assert not any(e["op"] == "sysctl" or (e["op"] == "semop" and e.get("errno") == "E2BIG") for e in events)
