"""Rootless runs: a user without root runs scenarios in a user namespace that
svipc makes (harness/userns.h).  Two users made for the test: one with a range
in /etc/subuid and /etc/subgid (newuidmap: real distinct users, so the
permission scenarios run and match the traces recorded as root), one without
(one id: the scenarios that need more are skipped, each saying why, and the
others run).  Needs root to make the users; skipped, saying why, where there
is no root or no unprivileged user namespace."""

import os
import pwd
import shutil
import subprocess
import tempfile

import pytest
from svipc_cli import svipc, ROOT, read_results, run  # noqa: F401 (svipc: a fixture)

RANGED_USER = "svipc-test-rootless"
ONE_ID_USER = "svipc-test-oneid"
# a few files of the catalog: most of their instances need one id only;
# permissions.svipc needs distinct users throughout
FILES = ["suites/msg/msgsnd.svipc", "suites/sem/semget.svipc", "suites/msg/msgctl.svipc",
         "suites/common/permissions.svipc"]
NEEDS_IDS = "common/permissions.svipc"
SINGLE_REASON = "needs ids other than 0 (distinct users and groups), and the run's user namespace maps one id"


def ranges(path):
    """The (start, count) of every range of /etc/subuid or /etc/subgid."""
    out = []
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                parts = line.strip().split(":")
                if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                    out.append((int(parts[1]), int(parts[2])))
    return out


def has_range(user, path):
    if not os.path.exists(path):
        return False
    with open(path, encoding="utf-8") as f:
        return any(line.split(":")[0] in (user, str(pwd.getpwnam(user).pw_uid)) for line in f)


def make_user(name, subids):
    """The user NAME (made if absent: a system user without a home), with a
    range of 65536 subordinate ids when SUBIDS (added, after every range
    already given, if it has none)."""
    try:
        pwd.getpwnam(name)
    except KeyError:
        made = run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name])
        assert made.returncode == 0, made.stderr
    if subids and not (has_range(name, "/etc/subuid") and has_range(name, "/etc/subgid")):
        start = max([100000] + [s + c for s, c in ranges("/etc/subuid") + ranges("/etc/subgid")])
        span = f"{start}-{start + 65535}"
        added = run(["usermod", "--add-subuids", span, "--add-subgids", span, name])
        assert added.returncode == 0, added.stderr
    return pwd.getpwnam(name)


@pytest.fixture(scope="module")
def sandbox(svipc):
    """svipc and the files, copied where any user can read them (the tree may
    sit in a directory only root can enter)."""
    if os.geteuid() != 0:
        pytest.skip("making the test's users needs root")
    if not shutil.which("setpriv") or not shutil.which("newuidmap"):
        pytest.skip("needs setpriv (util-linux) and newuidmap (uidmap): ci/install-deps.sh installs them")
    with open("/proc/sys/user/max_user_namespaces", encoding="ascii") as f:
        if int(f.read()) == 0:
            pytest.skip("user namespaces are disabled here (user.max_user_namespaces is 0)")
    top = tempfile.mkdtemp(prefix="svipc-rootless-")
    os.chmod(top, 0o755)
    shutil.copy2(svipc, os.path.join(top, "svipc"))
    for path in FILES + ["suites/golden/linux.jsonl"]:
        os.makedirs(os.path.join(top, os.path.dirname(path)), exist_ok=True)
        shutil.copy2(os.path.join(ROOT, path), os.path.join(top, path))
    for d, _, files in os.walk(top):
        os.chmod(d, 0o755)
        for f in files:
            os.chmod(os.path.join(d, f), 0o755 if f == "svipc" else 0o644)
    yield top
    shutil.rmtree(top, ignore_errors=True)


def run_as(user, top, *args):
    """svipc run as USER (no capability at all) in TOP: (process, results, end)."""
    work = tempfile.mkdtemp(prefix="work-", dir=top)
    os.chown(work, user.pw_uid, user.pw_gid)
    results = os.path.join(work, "results.jsonl")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "SVIPC_STATE_DIR": os.path.join(work, "state"), "LANG": "C"}
    probe = run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups",
                 "unshare", "--user", "true"], cwd=top, env=env)
    if probe.returncode != 0:
        pytest.skip(f"unprivileged user namespaces are not allowed here: {probe.stderr.strip()}")
    out = run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups",
               os.path.join(top, "svipc"), "run", *FILES, "--json", results, *args], cwd=top, env=env)
    got, end = read_results(results)
    return out, got, end


def test_subordinate_ids_give_distinct_users(sandbox):
    user = make_user(RANGED_USER, subids=True)
    before = run(["ipcs"]).stdout
    out, results, end = run_as(user, sandbox, "--backend", "kernel,ref", "--golden", "suites/golden/linux.jsonl")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "svipc: not root: the run has a user namespace of its own: uid 0 is you" in out.stderr
    assert "of /etc/subuid" in out.stderr
    assert end and end["skipped"] == 0 and end["failed"] == 0
    # the permission scenarios ran as distinct users, on both backends,
    # and their traces are those recorded as root (--golden)
    perms = [r for r in results if r["file"].endswith(NEEDS_IDS)]
    assert len(perms) == 2 * 11 and all(r["status"] == "pass" for r in perms)
    setuids = {e["op"] for r in perms for e in r["trace"]}
    assert "setuid" in setuids
    assert run(["ipcs"]).stdout == before                     # the host's IPC objects untouched


def test_one_id_runs_most_and_says_why_for_the_rest(sandbox):
    user = make_user(ONE_ID_USER, subids=False)
    assert not has_range(ONE_ID_USER, "/etc/subuid"), "the one-id user was given a range by someone"
    out, results, end = run_as(user, sandbox, "--backend", "kernel")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "one id, 0, is you" in out.stderr and f"/etc/subuid has no range for {ONE_ID_USER}" in out.stderr
    skipped = [r for r in results if r["status"] == "skip"]
    ran = [r for r in results if r["status"] == "pass"]
    assert end["failed"] == 0 and len(ran) + len(skipped) == len(results)
    assert len(ran) > 2 * len(skipped)                           # most instances ran
    assert all(r["reason"].startswith(SINGLE_REASON) for r in skipped)
    # every instance of the permissions file needs distinct users
    assert {r["name"] for r in results if r["file"].endswith(NEEDS_IDS)} <= {r["name"] for r in skipped}
    # and the skip class is printed once, with its count
    assert f"skipped: {len(skipped)} [kernel] {SINGLE_REASON}" in out.stdout


def test_as_root_nothing_is_skipped(sandbox, tmp_path):
    """A root run of the same files skips nothing and says nothing of user
    namespaces: what the one-id run skips is its user namespace's doing."""
    out = run([os.path.join(sandbox, "svipc"), "run", *FILES, "--backend", "kernel"], cwd=sandbox,
              env=dict(os.environ, SVIPC_STATE_DIR=str(tmp_path)))
    assert out.returncode == 0 and out.stdout.rstrip().endswith("passed, 0 failed, 0 skipped"), out.stdout
    assert "user namespace" not in out.stderr


def test_stress_runs_without_root_in_a_user_namespace(sandbox):
    """svipc stress as a user with one id: its own user, PID and IPC
    namespaces, a checked history, and the host's objects untouched."""
    user = make_user(ONE_ID_USER, subids=False)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
    before = run(["ipcs"]).stdout
    for backend in ("kernel", "ref"):
        out = run(["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--init-groups",
                   os.path.join(sandbox, "svipc"), "stress", "--backend", backend, "--ops", "3000", "-n", "3",
                   "--seed", "4"], cwd=sandbox, env=env)
        if "unprivileged user namespaces" in out.stderr or "user.max_user_namespaces" in out.stderr:
            pytest.skip(out.stderr.strip())
        assert out.returncode == 0, out.stdout + out.stderr
        assert "the run has a user namespace of its own" in out.stderr
        assert "result: linearizable" in out.stdout and "0 undecided" in out.stdout
    assert run(["ipcs"]).stdout == before
