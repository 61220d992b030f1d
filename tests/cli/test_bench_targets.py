"""svipc-bench --target from the outside: on each target this machine has
(gVisor, qemu-user for x86_64, aarch64, arm and i386, exec:CMD), a short
smoke of System V workloads runs the rounds inside the target, counts
exactly what each definition says and ends in the defined state, with the
same operations as the kernel's entry beside it, and its worker saw the
target's system (the emulated architecture, gVisor's kernel); a worker that
counts wrong is caught through the target; a target this machine lacks is
skipped with the reason while the rest runs; linux-6.1 is refused for
benchmarks with why.  A missing target skips its test with the reason.
Never a timing assertion.  `make pytest` builds the workers (make
bench-workers) first."""

import os
import shutil
import sys

import pytest

from svipc_cli import ROOT, bench, ipcs, run  # noqa: F401 (bench: a fixture)

sys.path.insert(0, os.path.join(ROOT, "reports"))
import results  # noqa: E402


pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="svipc-bench makes a private IPC namespace per round: needs root")

# target -> what uname's machine must start with inside (None: this machine's)
TARGETS = {"gvisor": None, "qemu-x86_64": "x86_64", "qemu-aarch64": "aarch64", "qemu-arm": "arm",
           "qemu-i386": "i", "exec:env": None}


def skipped_because(stdout, target):
    """The reason svipc-bench gave for skipping TARGET, or None."""
    mark = f"svipc-bench: target {target} skipped: "
    for line in stdout.splitlines():
        if line.startswith(mark):
            return line[len(mark):]
    return None


def smoke(bench, tmp_path, target, workloads, procs, *extra):
    out = tmp_path / "targets.jsonl"
    if out.exists():
        out.unlink()        # --json appends
    r = run([bench, "--smoke", "--seed", "5", "-w", workloads, "-i", "kernel", "-p", procs, "--target", target,
             "--json", str(out), *extra], timeout=300)
    why = skipped_because(r.stdout, target)
    if why:
        pytest.skip(f"{target}: {why}")
    benches = results.load(str(out)).benches if out.exists() else []
    return r, benches


@pytest.mark.parametrize("target", list(TARGETS))
def test_a_target_counts_exactly(bench, tmp_path, target):
    before = ipcs()
    workloads = ("sem-mutex", "msg-stream", "shm-ring")
    r, benches = smoke(bench, tmp_path, target, ",".join(workloads), "1,3")
    assert r.returncode == 0, r.stdout + r.stderr
    entries = {(b.workload, b.impl, b.procs) for b in benches}
    assert entries == {(w, i, n) for w in workloads for i in ("kernel", target) for n in (1, 3)}
    ops = {}
    for b in benches:
        assert b.smoke and not b.error, b.record
        ops.setdefault((b.workload, b.procs), set()).add(b.record["ops"])
    assert all(len(v) == 1 for v in ops.values())     # the target did what the kernel did
    host = os.uname()
    for b in benches:
        if b.impl != target:
            assert "inside" not in b.record
            continue
        assert b.record["target"] == target
        sysname, release, machine = b.record["inside"].split()[:3]
        if TARGETS[target]:
            assert machine.startswith(TARGETS[target]), b.record["inside"]
        if target == "gvisor":
            assert release != host.release, b.record["inside"]    # gVisor's own kernel, not this one
        else:
            assert release == host.release, b.record["inside"]    # qemu-user and a wrapper: this kernel
    assert ipcs() == before


@pytest.mark.parametrize("target", ["qemu-arm", "gvisor"])
def test_a_wrong_count_is_caught_through_a_target(bench, tmp_path, target):
    r, benches = smoke(bench, tmp_path, target, "sem-mutex", "2", "--inject-miscount")
    assert r.returncode == 1, r.stdout + r.stderr
    failed = [b for b in benches if b.impl == target]
    assert len(failed) == 1 and "operations" in failed[0].error and "expected" in failed[0].error, failed


def test_a_final_state_is_checked_through_a_target(bench, tmp_path):
    """gVisor keeps counting a removed, unattached segment in SHM_INFO's
    used_ids (ci/targets/repro/g20_shm_info_used.c): shm-create's final
    state check sees it there and not on the kernel."""
    r, benches = smoke(bench, tmp_path, "gvisor", "shm-create", "1")
    assert r.returncode == 1, r.stdout + r.stderr
    by_impl = {b.impl: b for b in benches}
    assert not by_impl["kernel"].error
    assert "segments are left at the end" in by_impl["gvisor"].error, by_impl["gvisor"].record


def test_a_missing_target_is_skipped_with_why(bench, tmp_path):
    out = tmp_path / "missing.jsonl"
    env = dict(os.environ, PATH="/nonexistent")
    r = run([bench, "--smoke", "-w", "sem-mutex", "-i", "kernel", "-p", "1", "--target", "qemu-arm,gvisor",
             "--target", "linux-6.1", "--json", str(out)], env=env, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "needs qemu-arm" in skipped_because(r.stdout, "qemu-arm")
    assert "needs runsc" in skipped_because(r.stdout, "gvisor")
    assert "not supported for benchmarks" in skipped_because(r.stdout, "linux-6.1")
    assert "3 of 3 targets skipped" in r.stdout
    assert {b.impl for b in results.load(str(out)).benches} == {"kernel"}


def test_a_target_without_its_worker_is_skipped_with_why(bench, tmp_path):
    alone = tmp_path / "svipc-bench"
    shutil.copy(bench, alone)
    r = run([str(alone), "--smoke", "-w", "sem-mutex", "-i", "kernel", "-p", "1", "--target", "exec:env"],
            timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "make bench-workers" in skipped_because(r.stdout, "exec:env")


def test_an_unknown_target_is_an_error(bench):
    r = run([bench, "--smoke", "-w", "sem-mutex", "--target", "qemu-mips"])
    assert r.returncode == 2 and "unknown target qemu-mips" in r.stderr
    r = run([bench, "--smoke", "-w", "sem-mutex", "--target", "nosuch"])
    assert r.returncode == 2 and "unknown target nosuch" in r.stderr


def test_a_wrapper_that_loses_the_result_fails_and_noise_before_it_is_ignored(bench, tmp_path):
    """exec:true runs nothing and prints nothing: the round fails saying so.
    A wrapper that prints before starting the worker: its result is read
    from after the noise."""
    r, benches = smoke(bench, tmp_path, "exec:true", "sem-mutex", "1")
    assert r.returncode == 1, r.stdout + r.stderr
    lost = [b for b in benches if b.impl == "exec:true"]
    assert len(lost) == 1 and "no complete result" in lost[0].error, lost
    noisy = tmp_path / "noisy"
    noisy.write_text('#!/bin/sh\necho "svipc-bench-round 1"\necho noise\nexec "$@"\n')
    noisy.chmod(0o755)
    r, benches = smoke(bench, tmp_path, f"exec:{noisy}", "sem-mutex", "1")
    assert r.returncode == 0, r.stdout + r.stderr
    assert all(b.smoke and not b.error for b in benches) and len(benches) == 2
