"""svipc stress --target: the workers run on a target (a wrapper, qemu-user,
gVisor), their history comes back on a pipe and is checked here; what a
target cannot run says why and runs nothing; a violation found there is
shrunk by scenarios run there. And --history -: the history alone on
standard output, every message on standard error."""

import glob
import json
import os
import shutil

import pytest

from svipc_cli import run, svipc  # noqa: F401 (fixture)

root_only = pytest.mark.skipif(os.geteuid() != 0,
                               reason="svipc stress makes private PID and IPC namespaces: needs root")


def lines_of(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@root_only
def test_history_on_standard_output_is_json_lines_alone(svipc):
    r = run([svipc, "stress", "--ops", "2000", "-n", "2", "--seed", "3", "--no-check", "--history", "-"],
            timeout=120)
    assert r.returncode == 2, r.stderr             # not checked: said by the status
    history = lines_of(r.stdout)                   # every line of stdout is JSON
    assert history[0]["kind"] == "run"
    assert history[0]["operations"] == 2000 and history[0]["procs"] == 2 and history[0]["seed"] == 3
    events = [e for e in history if "op" in e]
    assert len(events) == history[0]["events"] >= 2000
    assert "ran: 2000 operations" in r.stderr and "result: not checked" in r.stderr


@root_only
def test_a_wrapped_run_is_checked_here(svipc, tmp_path):
    summary, history = tmp_path / "s.json", tmp_path / "h.jsonl"
    r = run([svipc, "stress", "--ops", "3000", "-n", "2", "--seed", "4", "--target", "exec:env",
             "--json", str(summary), "--history", str(history)], timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "on target exec:env, seed 4" in r.stdout
    assert "history: target exec:env:" in r.stdout and "result: linearizable" in r.stdout
    # its own messages come through, each line named by the target
    assert "[target exec:env] ran: 3000 operations" in r.stderr, r.stderr
    assert all(line.startswith("[target exec:env] ") for line in r.stderr.splitlines()), r.stderr
    s = json.loads(summary.read_text())
    assert s["target"] == "exec:env" and s["backend"] == "kernel" and s["operations"] == 3000
    assert s["seed"] == 4 and s["result"] == "linearizable"
    run_line = lines_of(history.read_text())[0]
    assert run_line["target"] == "exec:env" and run_line["operations"] == 3000
    # the history written here checks the same again
    again = run([svipc, "stress", "--check", str(history)], timeout=120)
    assert again.returncode == 0 and "result: linearizable" in again.stdout, again.stdout + again.stderr


@pytest.mark.parametrize("target,why", [
    ("qemu-aarch64", "stress on qemu-aarch64 is not supported"),
    ("linux-6.1", "stress on linux-6.1 is not supported"),
    ("exec:/no/such/wrapper", "no program /no/such/wrapper"),
])
def test_a_target_that_cannot_run_stress_says_why_and_runs_nothing(svipc, target, why):
    r = run([svipc, "stress", "--ops", "100", "--target", target], timeout=60)
    assert r.returncode == 2
    assert why in r.stderr and "nothing was run" in r.stderr, r.stderr
    assert "ran:" not in r.stdout


def test_an_unknown_target_is_named(svipc):
    r = run([svipc, "stress", "--ops", "100", "--target", "bogus"], timeout=60)
    assert r.returncode == 2 and "unknown target bogus" in r.stderr, r.stderr


@root_only
def test_a_target_that_writes_no_history_is_not_a_pass(svipc):
    r = run([svipc, "stress", "--ops", "100", "--target", "exec:false"], timeout=60)
    assert r.returncode == 2
    assert "target exec:false wrote no history (it ended with status 1" in r.stderr, r.stderr
    assert "result:" not in r.stdout


@root_only
@pytest.mark.skipif(not shutil.which("runsc"), reason="no runsc here (ci/install-deps.sh targets)")
def test_gvisor_negative_msgtyp_is_found_and_shrunk_there(svipc, tmp_path):
    # gVisor's msgrcv with msgtyp < 0 skips a message whose type equals
    # |msgtyp| (ci/targets/repro/g08): a run of small queues finds it, and
    # the shrinker, running its scenarios on gVisor, makes it a few steps
    scenario = tmp_path / "found.svipc"
    before = set(glob.glob("/tmp/svipc-shrink-*")) | set(glob.glob("/tmp/runsc-do*"))
    r = run([svipc, "stress", "--ops", "4000", "-n", "2", "--seed", "7", "--target", "gvisor", "--workload", "msg",
             "--rmid", "300", "--kill-ms", "0", "--sysctl-ms", "0", "--shrink", str(scenario)], timeout=600)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "result: NOT linearizable" in r.stdout
    assert "steps that fail on kernel on target gvisor" in r.stdout, r.stdout
    # nothing of the shrinker's or the sandbox's is left behind
    assert set(glob.glob("/tmp/svipc-shrink-*")) | set(glob.glob("/tmp/runsc-do*")) <= before
    text = scenario.read_text()
    steps = [line for line in text.splitlines() if ":" in line and line.startswith("  ") and
             not line.strip().startswith(("doc", "procs"))]
    assert len(steps) <= 10, text
    assert "--target gvisor" in text
    # the scenario passes here and fails there
    here = run([svipc, "run", str(scenario), "--backend", "model,kernel"], timeout=120)
    assert here.returncode == 0, here.stdout + here.stderr
    there = run([svipc, "run", str(scenario), "--target", "gvisor", "--golden", "none"], timeout=300)
    assert there.returncode == 1, there.stdout + there.stderr


@root_only
def test_golden_none_judges_a_target_by_the_scenario_alone(svipc, tmp_path):
    # a scenario Linux has no recorded trace of (as the shrinker makes)
    scenario = tmp_path / "own.svipc"
    scenario.write_text("scenario own-expectations\n"
                        "  procs S A\n"
                        "  S: msgget IPC_PRIVATE IPC_CREAT|0600 -> $q\n"
                        "  A: msgsnd $q 3 \"abc\" IPC_NOWAIT => 0\n"
                        "  A: msgrcv $q 32 -3 IPC_NOWAIT => 3 mtype=3 text=\"abc\"\n"
                        "end\n")
    judged = run([svipc, "run", str(scenario), "--target", "exec:env"], timeout=120)
    assert judged.returncode == 1 and "no recorded trace for this scenario" in judged.stdout, judged.stdout
    alone = run([svipc, "run", str(scenario), "--target", "exec:env", "--golden", "none"], timeout=120)
    assert alone.returncode == 0 and "1 passed" in alone.stdout, alone.stdout + alone.stderr
