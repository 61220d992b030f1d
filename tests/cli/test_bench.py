"""svipc-bench from the outside: a smoke of a few workloads counts exactly
what each definition says on kernel, ref and POSIX; a worker that counts
wrong is caught; the records are well-formed (reports/results.py reads
them); the host's IPC objects are untouched.  Never a timing assertion.
`make pytest` builds build/svipc-bench and the preload library first."""

import os
import subprocess
import sys

import pytest

from svipc_cli import ROOT, run

sys.path.insert(0, os.path.join(ROOT, "reports"))
import results  # noqa: E402

BENCH = os.path.join(ROOT, "build", "svipc-bench")

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="svipc-bench makes a private IPC namespace per round: needs root")


@pytest.fixture(scope="module")
def bench():
    if not os.access(BENCH, os.X_OK):
        pytest.fail(f"{BENCH} is not built (make pytest builds it)")
    return BENCH


def ipcs():
    return subprocess.run(["ipcs", "-a"], capture_output=True, text=True, check=True).stdout


def test_smoke_counts_and_records(bench, tmp_path):
    before = ipcs()
    out = tmp_path / "smoke.jsonl"
    r = run([bench, "--smoke", "--seed", "7", "-w", "msg-stream,sem-mutex,shm-ring", "-p", "1,3",
             "--json", str(out)], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    benches = results.load(str(out)).benches
    entries = {(b.workload, b.impl, b.procs) for b in benches}
    # each System V workload on kernel and ref, with its POSIX comparators
    expected = {(w, i, n) for w in ("msg-stream", "sem-mutex", "shm-ring") for i in ("kernel", "ref") for n in (1, 3)}
    expected |= {(w, "posix", n) for w in ("mq-stream", "psem-mutex", "futex-mutex", "psem-ring") for n in (1, 3)}
    assert entries == expected
    assert len(benches) == len(expected)
    for b in benches:
        assert b.smoke and not b.error, b.record
        assert 20 <= b.record["ops"] <= 100          # drawn from the seed
    # a workload's implementations did the same number of operations
    ops = {}
    for b in benches:
        ops.setdefault((b.record.get("compare") or b.workload, b.procs, b.workload), set()).add(b.record["ops"])
    assert all(len(v) == 1 for v in ops.values())
    assert ipcs() == before


def test_a_wrong_count_fails(bench, tmp_path):
    out = tmp_path / "wrong.jsonl"
    r = run([bench, "--smoke", "-w", "sem-mutex,msg-pingpong", "-i", "kernel,ref", "-p", "2",
             "--inject-miscount", "--json", str(out)], timeout=120)
    assert r.returncode == 1, r.stdout + r.stderr
    benches = results.load(str(out)).benches
    assert len(benches) == 4
    for b in benches:
        assert "operations" in b.error and "expected" in b.error, b.record


def test_bad_arguments(bench):
    r = run([bench, "-w", "no-such-workload"])
    assert r.returncode == 2 and "no workload 'no-such-workload'" in r.stderr
    r = run([bench, "-p", "0"])
    assert r.returncode == 2 and "process counts" in r.stderr


def test_a_round_that_cannot_run_says_why(bench, tmp_path):
    r = run([bench, "--smoke", "-w", "sem-mutex", "-i", "ref", "-p", "1", "--preload", "/nonexistent.so"])
    assert r.returncode == 2 and "/nonexistent.so" in r.stderr


def test_list_defines_every_operation(bench):
    r = run([bench, "--list"])
    assert r.returncode == 0
    names = [line.split()[0] for line in r.stdout.splitlines() if line and not line.startswith(" ")]
    assert "msg-stream" in names and "psem-ring" in names and len(names) >= 20
    assert r.stdout.count("one operation:") == len(names)


def test_observer_counts_agree_with_the_operations(bench, tmp_path):
    """The BPF observer's per-call counts against the workloads' own counts
    (a skip with its reason where BPF cannot load: no libbpf in the build,
    no BTF, the verifier's refusal)."""
    out = tmp_path / "observed.jsonl"
    r = run([bench, "--observe", "--smoke", "--seed", "5", "-w", "msg-stream,msg-pingpong,sem-mutex", "-p", "2",
             "--json", str(out)], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    if "running without the observer" in r.stdout:
        pytest.skip(r.stdout.splitlines()[0].split("running without the observer: ", 1)[1])
    benches = {(b.workload, b.impl): b for b in results.load(str(out)).benches}
    for b in benches.values():
        observed = b.record["observed"]
        assert observed["ops"] == b.record["ops"]
        for name, call in observed["calls"].items():
            assert sum(call["log2_ns"]) == call["calls"], name        # every call in one bucket

    def calls(workload, impl, name):
        return benches[(workload, impl)].record["observed"]["calls"].get(name, {}).get("calls", 0)

    def ops(workload, impl):
        return benches[(workload, impl)].record["ops"]

    def agrees(seen, expected):
        return abs(seen - expected) <= 0.01 * expected

    # kernel: one msgsnd and one msgrcv a message; two of each a round trip;
    # a critical section is two semops (the C library's semop is semtimedop here)
    for name in ("msgsnd", "msgrcv"):
        assert agrees(calls("msg-stream", "kernel", name), ops("msg-stream", "kernel"))
        assert agrees(calls("msg-pingpong", "kernel", name), 2 * ops("msg-pingpong", "kernel"))
    assert agrees(calls("sem-mutex", "kernel", "semop") + calls("sem-mutex", "kernel", "semtimedop"),
                  2 * ops("sem-mutex", "kernel"))
    # POSIX queues: mq_timedsend and mq_timedreceive the same way
    assert agrees(calls("mq-stream", "posix", "mq_timedsend"), ops("mq-stream", "posix"))
    assert agrees(calls("mq-pingpong", "posix", "mq_timedreceive"), 2 * ops("mq-pingpong", "posix"))
    # ref: no System V call reaches the kernel, its waits are futexes
    for workload in ("msg-stream", "msg-pingpong", "sem-mutex"):
        for name in ("msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop", "semctl"):
            assert calls(workload, "ref", name) == 0, (workload, name)
    assert calls("msg-pingpong", "ref", "futex") > 0
