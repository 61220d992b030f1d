"""svipc run --observe from the outside: each scenario on the kernel and
ref carries what the kernel saw its processes do ("observed_kernel": the
IPC calls, exactly as many as its trace's IPC steps, and the blocked
step's sleep in the call that blocked), the model carries none, runners in
parallel keep their scenarios apart, and svipc show prints it; where it
cannot observe the run says why once and goes on; without --observe
nothing of the observer is loaded.  Skips with the reason where BPF cannot
load.  Never a timing assertion."""

import collections
import os

import pytest

from svipc_cli import read_results, run, svipc  # noqa: F401  (svipc: a fixture)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="the observer loads BPF programs: needs root")

BLOCKED = "proc2-signal-to-a-blocked-msgrcv[step=[msgrcv $q 8 0 0]]"
COUNTED = ("msgsnd", "msgrcv", "semop", "semtimedop", "shmat", "shmdt")   # never called by svipc itself


@pytest.fixture(scope="module")
def observed_run(svipc, tmp_path_factory):  # noqa: F811
    d = tmp_path_factory.mktemp("observe")
    out = d / "r.jsonl"
    r = run([svipc, "run", "--filter", "proc2-signal-to-a-blocked-*", "--backend", "kernel,ref,model", "-j", "2",
             "--observe", "-q", "--json", str(out)], env=dict(os.environ, SVIPC_STATE_DIR=str(d)), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    if "running without the observer" in r.stderr:
        pytest.skip(r.stderr.split("running without the observer: ", 1)[1].splitlines()[0])
    results, end = read_results(out)
    return d, results, end, r


def test_every_process_backend_is_observed(observed_run):
    _, results, end, r = observed_run
    assert end["observer"] == "on"
    assert r.stderr.count("svipc: --observe:") == 1
    assert len(results) == 12
    for res in results:
        assert res["status"] == "pass", res
        assert ("observed_kernel" in res) == (res["backend"] != "model"), res["backend"]


def test_calls_match_the_trace_and_sleeps_sit_in_the_blocked_call(observed_run):
    _, results, _, _ = observed_run
    for res in results:
        if res["backend"] != "kernel":
            continue
        steps = collections.Counter(e["op"] for e in res["trace"] if e.get("status") in ("done", "blocked"))
        seen = res["observed_kernel"]["calls"]
        for name in COUNTED:
            assert seen.get(name, {}).get("calls", 0) == steps.get(name, 0), (res["name"], name)
        blocked = [e["op"] for e in res["trace"] if e.get("status") == "blocked"]
        assert len(blocked) == 1, res["name"]
        # the one step that blocked slept in its call; no other IPC call slept
        for name, call in seen.items():
            if name in COUNTED:
                assert call["slept"] == (1 if name == blocked[0] else 0), (res["name"], name, call)
        assert seen[blocked[0]]["asleep_ns"] > 0
        sched = res["observed_kernel"]["sched"]
        assert sched["switches"] == sched["preempted"] + sched["sleeps"] and sched["sleeps"] >= 1
    # ref: its System V calls never reach the kernel; the blocked call is a futex that slept
    for res in results:
        if res["backend"] == "ref":
            seen = res["observed_kernel"]["calls"]
            assert not set(seen) & {"msgget", "msgsnd", "msgrcv", "msgctl", "semget", "semop", "semtimedop",
                                    "semctl"}, res["name"]
            assert seen["futex"]["slept"] >= 1, res["name"]


def test_show_prints_what_the_kernel_saw(svipc, observed_run):  # noqa: F811
    d, _, _, _ = observed_run
    r = run([svipc, "show", BLOCKED], env=dict(os.environ, SVIPC_STATE_DIR=str(d)))
    assert r.returncode == 0, r.stderr
    lines = [line for line in r.stdout.splitlines() if "seen in the kernel" in line]
    assert len(lines) == 2                       # kernel and ref; the model has none
    assert "msgrcv 1 (1 failed, 1 slept" in lines[0]


def test_a_run_that_cannot_observe_says_why_once(svipc, tmp_path):  # noqa: F811
    out = tmp_path / "r.jsonl"
    r = run([svipc, "run", "--filter", "msgmisc-stime-*", "--target", "exec:env", "--observe", "-q",
             "--json", str(out)], env=dict(os.environ, SVIPC_STATE_DIR=str(tmp_path)))
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stderr.count("running without the observer") == 1
    assert "runs the system under test elsewhere" in r.stderr
    results, end = read_results(out)
    assert results and all("observed_kernel" not in res for res in results)
    assert end["observer"].startswith("the observer watches this host's kernel")


def test_without_observe_nothing_of_it_is_loaded(svipc, tmp_path):  # noqa: F811
    r = run([svipc, "run", "--filter", "msgmisc-stime-*", "-q", "--json", str(tmp_path / "r.jsonl")],
            env=dict(os.environ, SVIPC_STATE_DIR=str(tmp_path), LD_DEBUG="libs"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "libsvipc-observe" not in r.stderr and "libbpf" not in r.stderr
    results, end = read_results(tmp_path / "r.jsonl")
    assert results and all("observed_kernel" not in res for res in results) and "observer" not in end
