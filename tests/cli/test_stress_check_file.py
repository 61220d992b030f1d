"""svipc stress --check FILE: a recorded history checked again without
running anything, as a user who has a history from another machine (or
a violation printed by a CI log) would: a history written by --history
gets the verdict its run got; the lines a violation prints are a history
of their own that --check reads and finds violating again, with the
search's dead end named; a malformed file is an error naming its line,
exit 2, never a pass."""

import gzip
import json
import os
import re

import pytest

from svipc_cli import run, svipc  # noqa: F401 (fixture)

# A queue: one message sent, received twice.
TWICE = [
    '{"kind":"object","obj":3,"type":"queue","id":7,"slot":0,"qbytes":256}',
    '{"proc":0,"obj":3,"id":7,"op":"msgsnd","mtype":1,"size":2,"flags":0,"text":"6869","call":0,"return":10,"ret":0}',
    '{"proc":1,"obj":3,"id":7,"op":"msgrcv","msgtyp":0,"size":32,"flags":0,"call":20,"return":30,"ret":2,'
    '"rtype":1,"text":"6869"}',
    '{"proc":2,"obj":3,"id":7,"op":"msgrcv","msgtyp":0,"size":32,"flags":0,"call":40,"return":50,"ret":2,'
    '"rtype":1,"text":"6869"}',
]


def write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("".join(line + "\n" for line in lines))
    return str(path)


def test_a_violation_is_found_again_from_its_printed_lines(svipc, tmp_path):
    first = run([svipc, "stress", "--check", write(tmp_path, "twice.jsonl", TWICE)])
    assert first.returncode == 1, first.stdout + first.stderr
    assert "result: NOT linearizable" in first.stdout
    # the dead end names the second receive: the one no order can place
    dead_end = first.stdout.split("could place it:\n", 1)[1].splitlines()[0]
    assert '"proc":2' in dead_end and '"op":"msgrcv"' in dead_end
    assert "state: no message queued;" in first.stdout
    # what it printed reads back as a history, with the same verdict
    printed = [line.strip() for line in first.stdout.split("its history follows", 1)[1].splitlines()
               if line.startswith("  {")]
    assert len(printed) == len(TWICE)
    again = run([svipc, "stress", "--check", "-"], input="".join(line + "\n" for line in printed))
    assert again.returncode == 1 and "result: NOT linearizable" in again.stdout
    # received once, it is linearizable
    once = run([svipc, "stress", "--check", write(tmp_path, "once.jsonl", TWICE[:3])])
    assert once.returncode == 0 and "result: linearizable" in once.stdout


# A worker killed between taking an object's place in the table and writing
# it leaves an unwritten record: an object no event can name.
UNWRITTEN = '{"kind":"object","obj":4,"type":"unwritten","id":0,"slot":0}'


def test_an_unwritten_object_is_decided_and_no_event_may_name_it(svipc, tmp_path):
    r = run([svipc, "stress", "--check", write(tmp_path, "torn.jsonl", [UNWRITTEN] + TWICE[:3])])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "result: linearizable" in r.stdout and "undecided" not in r.stdout.split("result:", 1)[1]
    assert re.search(r"2 objects: 2 linearizable, 0 violations?, 0 undecided", r.stdout), r.stdout
    naming = TWICE[1].replace('"obj":3', '"obj":4')
    bad = run([svipc, "stress", "--check", write(tmp_path, "named.jsonl", [UNWRITTEN] + TWICE[:1] + [naming])])
    assert bad.returncode == 2, bad.stdout + bad.stderr
    assert "named.jsonl:3:" in bad.stderr and "must not name an unwritten object" in bad.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="svipc stress makes private PID and IPC namespaces: needs root")
def test_a_recorded_run_checks_the_same_again(svipc, tmp_path):
    history = str(tmp_path / "run.jsonl")
    recorded = run([svipc, "stress", "--backend", "kernel", "--ops", "3000", "--seed", "7", "--history", history],
                   timeout=120)
    assert recorded.returncode == 0, recorded.stdout + recorded.stderr
    events = re.search(r"history: (\d+) events on (\d+) objects", recorded.stdout).groups()
    checked = run([svipc, "stress", "--check", history], timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"history: .*: (\d+) events on (\d+) objects", checked.stdout).groups() == events
    assert "result: linearizable" in checked.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="svipc stress makes private PID and IPC namespaces: needs root")
def test_a_run_recorded_without_its_check_is_checked_elsewhere(svipc, tmp_path):
    history = str(tmp_path / "unchecked.jsonl")
    recorded = run([svipc, "stress", "--backend", "ref", "--ops", "2000", "--seed", "3", "--no-check",
                    "--history", history], timeout=120)
    assert recorded.returncode == 2, recorded.stdout + recorded.stderr      # nothing was checked: no pass
    assert "result: not checked (--no-check" in recorded.stdout
    assert not re.search(r"^check:", recorded.stdout, re.M)
    checked = run([svipc, "stress", "--check", history], timeout=120)
    assert checked.returncode == 0 and "result: linearizable" in checked.stdout, checked.stdout
    alone = run([svipc, "stress", "--no-check"])
    assert alone.returncode == 2 and "--no-check needs --history FILE" in alone.stderr


@pytest.mark.parametrize("bad,why", [
    ('{"proc":0,"obj":9,"id":7,"op":"msgsnd","mtype":1,"size":0,"flags":0,"text":"","call":0,"return":1,"ret":0}',
     "must name an object declared before it"),
    ('{"proc":0,"obj":3,"id":7,"op":"msgfly","call":0,"return":1,"ret":0}', 'unknown op "msgfly"'),
    ('{"proc":0,"obj":3,"id":7,"op":"msgsnd","mtype":1,"size":3,"flags":0,"text":"6869","call":0,"return":1,"ret":0}',
     "must be 3 bytes in hex"),
    ('{"proc":0,"obj":3,"id":7,"op":"msgrcv","msgtyp":0,"size":32,"flags":0,"call":5,"return":1,"ret":0}',
     "not before its \"call\""),
    ('{"proc":0,"obj":3', "not JSON"),
])
def test_a_malformed_history_names_its_line(svipc, tmp_path, bad, why):
    path = write(tmp_path, "bad.jsonl", TWICE[:2] + [bad] + TWICE[2:])
    r = run([svipc, "stress", "--check", path])
    assert r.returncode == 2, r.stdout + r.stderr
    assert f"{path}:3:" in r.stderr and why in r.stderr, r.stderr
    assert "result:" not in r.stdout


def test_check_excludes_running_options_and_missing_files(svipc, tmp_path):
    r = run([svipc, "stress", "--check", str(tmp_path / "none.jsonl")])
    assert r.returncode == 2 and "No such file" in r.stderr
    r = run([svipc, "stress", "--check", write(tmp_path, "t.jsonl", TWICE), "--history", str(tmp_path / "h.jsonl")])
    assert r.returncode == 2 and "--check reads a history" in r.stderr
    r = run([svipc, "stress", "--check", write(tmp_path, "empty.jsonl", [])])
    assert r.returncode == 2 and "no objects" in r.stderr


def test_a_crowded_queue_is_decided_within_a_small_bound(svipc):
    """A queue's 3,108 calls from a 16-process kernel run (msg_qbytes full,
    six senders asleep at once, MSG_COPY and typed receives around them):
    the search that tried calls in the order they were invoked left it
    undecided at 512 MiB after 2.6 million steps; trying first the call
    that must be placed soonest decides it in under 400,000."""
    path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stress-queue-16-procs.jsonl.gz")
    with gzip.open(path, "rt") as f:
        history = f.read()
    r = run([svipc, "stress", "--check", "-", "--check-steps", "1000000", "--check-mib", "256"], input=history)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"history: -: 3108 events on 1 objects", r.stdout)
    assert "1 linearizable, 0 violations, 0 undecided" in r.stdout


def test_json_summary_of_a_check_names_the_violation(svipc, tmp_path):
    summary = tmp_path / "s.json"
    r = run([svipc, "stress", "--check", write(tmp_path, "twice.jsonl", TWICE), "--json", str(summary)])
    assert r.returncode == 1
    s = json.loads(summary.read_text())
    assert s["kind"] == "stress" and s["ran"] is False and s["status"] == 1
    assert s["result"] == "NOT linearizable" and s["events"] == 3
    assert s["check"]["violations"] == 1 and s["check"]["objects"] == 1
    problem = s["check"]["problems"][0]
    assert problem["verdict"] == "violation" and problem["dead_end_state"] == "no message queued"
    assert problem["dead_end_call"]["proc"] == 2 and problem["dead_end_call"]["op"] == "msgrcv"
    assert s["latency"]["msgrcv"]["calls"] == 2 and s["latency"]["msgrcv"]["p50_us"] == 0.01


@pytest.mark.skipif(os.geteuid() != 0, reason="svipc stress makes private PID and IPC namespaces: needs root")
def test_json_summary_of_a_run_counts_what_ran(svipc, tmp_path):
    summary = tmp_path / "s.json"
    r = run([svipc, "stress", "--backend", "ref", "--ops", "2000", "--seed", "11", "-n", "3", "--json", str(summary)],
            timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    s = json.loads(summary.read_text())
    assert s["ran"] and s["backend"] == "ref" and s["procs"] == 3 and s["seed"] == 11
    assert 2000 <= s["operations"] <= 2002 and s["ops_per_s"] > 0   # each process: ceil(2000 / 3)
    calls = sum(v["calls"] for op, v in s["latency"].items() if op != "sysctl")
    assert calls == s["operations"]            # every operation is a call of the history
    assert s["latency"].get("sysctl", {"calls": 0})["calls"] == s["limit_changes"]   # the writer's, apart
    assert s["check"]["linearizable"] == s["check"]["objects"] and s["check"]["problems"] == []
    bare = tmp_path / "bare.json"
    r = run([svipc, "stress", "--backend", "ref", "--ops", "2000", "--seed", "11", "-n", "3", "--no-history",
             "--json", str(bare)], timeout=120)
    assert r.returncode == 2                   # nothing was checked: never a pass
    b = json.loads(bare.read_text())
    assert b["recorded"] is False and "check" not in b and b["result"] == "not checked (--no-history)"


def test_a_killed_processs_pending_calls_are_decided_by_its_end(svipc):
    """A queue's 7,509 calls from a 2-process kernel run with a SIGKILL every
    50 ms (16 calls never returned, the workers' deaths beside them): a
    search that carried each pending call to the end of the history left it
    undecided after 1 million steps; deciding each one by its process's end
    (it took effect, if ever, before the process was reaped) takes under
    10,000."""
    path = os.path.join(os.path.dirname(__file__), "..", "fixtures", "stress-queue-2-procs-killed.jsonl.gz")
    with gzip.open(path, "rt") as f:
        history = f.read()
    r = run([svipc, "stress", "--check", "-", "--check-steps", "100000"], input=history)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"history: -: \d+ events on 1 objects, 16 pending", r.stdout), r.stdout
    assert "1 linearizable, 0 violations, 0 undecided" in r.stdout


# A segment: A stores a word, B loads the old one after the store returned.
STALE = [
    '{"kind":"object","obj":0,"type":"segment","id":0,"slot":0,"size":4096}',
    '{"proc":0,"obj":0,"op":"shmat","call":10,"return":20,"ret":0}',
    '{"proc":1,"obj":0,"op":"shmat","call":30,"return":40,"ret":0}',
    '{"proc":0,"obj":0,"op":"store","word":1,"text":"0100000000010000","call":50,"return":60,"ret":0}',
    '{"proc":1,"obj":0,"op":"load","word":1,"call":70,"return":80,"ret":0,"text":"0000000000000000"}',
    '{"proc":1,"obj":0,"op":"shmstat","call":90,"return":100,"ret":2,"dest":0}',
    '{"proc":0,"obj":0,"op":"rmid","call":110,"return":120,"ret":0}',
    '{"proc":0,"obj":0,"op":"shmdt","call":130,"return":140,"ret":0}',
    '{"proc":1,"obj":"all","op":"death","call":150,"return":160,"ret":0}',
]


def test_a_stale_word_is_a_violation_found_again_from_its_lines(svipc, tmp_path):
    r = run([svipc, "stress", "--check", write(tmp_path, "stale.jsonl", STALE)])
    assert r.returncode == 1, r.stdout + r.stderr
    dead_end = r.stdout.split("could place it:\n", 1)[1].splitlines()[0]
    assert '"op":"load"' in dead_end and '"proc":1' in dead_end
    assert "state: words 0 0x10000000001 0 0; attached: proc 0 proc 1" in r.stdout
    fresh = list(STALE)
    fresh[4] = fresh[4].replace("0000000000000000", "0100000000010000")
    r = run([svipc, "stress", "--check", write(tmp_path, "fresh.jsonl", fresh)])
    assert r.returncode == 0 and "result: linearizable" in r.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="svipc run --backend kernel makes private namespaces: needs root")
def test_a_checked_history_is_shrunk_against_a_backend(svipc, tmp_path):
    """--check with --shrink: the violation of a history recorded elsewhere
    is made a scenario and run on --backend.  The kernel loads the stored
    word, so the scenario passes there and nothing is written; the
    candidate kept shows a segment's steps as the catalog writes them,
    on which the model and the kernel agree."""
    out = tmp_path / "shrunk.svipc"
    env = dict(os.environ, SVIPC_SHRINK_KEEP="1")
    r = run([svipc, "stress", "--check", write(tmp_path, "stale.jsonl", STALE), "--backend", "kernel",
             "--shrink", str(out), "--shrink-seconds", "20"], env=env, timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "do not fail on kernel" in r.stdout and not out.exists()
    kept = re.search(r"candidates kept in (\S+)", r.stderr).group(1)
    candidate = open(os.path.join(kept, "candidates.svipc")).read()
    for step in ('A: shmat $m 0 0 -> $a0', 'A: write $a0+8 "w0000000"',
                 'B: read $a1+8 8 => 0 data="w0000000"', "B: shmctl $m IPC_STAT => 0 shm_nattch=2 mode=0600",
                 "signal B SIGKILL", "S: shmctl $m IPC_STAT => EINVAL"):
        assert step in candidate, candidate
    agree = run([svipc, "run", os.path.join(kept, "candidates.svipc"), "--backend", "model,kernel"], timeout=120)
    assert agree.returncode == 0, agree.stdout + agree.stderr
    for name in os.listdir(kept):
        os.unlink(os.path.join(kept, name))
    os.rmdir(kept)


def test_a_history_cut_short_is_refused_not_checked(svipc, tmp_path):
    # the run line counts its events: a file that lost its last lines (a
    # copy cut off, a target's pipe closed early) is an error, never a pass
    head = '{"kind":"run","backend":"kernel","objects":1,"events":3}'
    cut = write(tmp_path, "cut.jsonl", [head] + TWICE[:3])
    r = run([svipc, "stress", "--check", cut])
    assert r.returncode == 2, r.stdout + r.stderr
    assert "cut short: 2 events of the 3 its run line counts" in r.stderr, r.stderr
    whole = run([svipc, "stress", "--check", write(tmp_path, "whole.jsonl", [head] + TWICE)])
    assert whole.returncode == 1 and "result: NOT linearizable" in whole.stdout, whole.stdout + whole.stderr


def test_a_history_of_more_objects_than_16_bits_count_reads_back_whole(svipc, tmp_path):
    # a 5-minute run at 128 processes makes about 76,000 objects: each
    # event must stay with its own.  Each queue holds one message (8 bytes
    # of 8), sent without waiting, and all sends come before all receives:
    # two objects' events in one queue would be a send that succeeded on a
    # full queue, a violation
    n = 70000
    lines = ['{"kind":"run","backend":"kernel","objects":%d,"events":%d}' % (n, 2 * n)]
    for i in range(n):
        lines.append('{"kind":"object","obj":%d,"type":"queue","id":%d,"slot":0,"qbytes":8}' % (i, i))
    for i in range(n):
        text = ("%08x" % i).encode().hex()
        lines.append('{"proc":0,"obj":%d,"id":%d,"op":"msgsnd","mtype":1,"size":8,"flags":2048,"text":"%s",'
                     '"call":%d,"return":%d,"ret":0}' % (i, i, text, 2 * i, 2 * i + 1))
    for i in range(n):
        text = ("%08x" % i).encode().hex()
        lines.append('{"proc":0,"obj":%d,"id":%d,"op":"msgrcv","msgtyp":0,"size":32,"flags":2048,"call":%d,'
                     '"return":%d,"ret":8,"rtype":1,"text":"%s"}' % (i, i, 2 * n + 2 * i, 2 * n + 2 * i + 1, text))
    r = run([svipc, "stress", "--check", write(tmp_path, "many.jsonl", lines)], timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr
    assert "check: 70000 objects: 70000 linearizable, 0 violations" in r.stdout, r.stdout[-2000:]
