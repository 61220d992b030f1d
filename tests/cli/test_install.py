"""make install PREFIX=/usr into a temporary DESTDIR: the installed svipc
finds its catalog and library from its own path, away from the source tree;
--version says the version and the catalog's commit; svipc(1) renders with
man -l without a warning.  And the build tree keeps its behaviour."""

import os
import re
import shutil
import subprocess

import pytest
from svipc_cli import svipc, ROOT, read_results, run  # noqa: F401 (svipc: a fixture)


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    destdir = tmp_path_factory.mktemp("destdir")
    out = run(["make", "--no-print-directory", "install", "PREFIX=/usr", f"DESTDIR={destdir}"])
    assert out.returncode == 0, out.stdout + out.stderr
    return destdir


def test_files_go_where_they_belong(staged):
    usr = staged / "usr"
    assert os.access(usr / "bin" / "svipc", os.X_OK)
    assert (usr / "lib" / "svipc" / "libsvipc-ref.so").is_file()
    share = usr / "share" / "svipc" / "suites"
    for f in ("coverage.map", "golden/linux.jsonl", "README.md", "msg/msgget.svipc", "sem/semop.svipc"):
        assert (share / f).is_file(), f
    installed = sorted(str(p.relative_to(share)) for p in share.rglob("*.svipc"))
    source = sorted(str(p.relative_to(os.path.join(ROOT, "suites"))) for p in
                    __import__("pathlib").Path(ROOT, "suites").rglob("*.svipc"))
    assert installed == source                                   # the whole catalog
    assert (usr / "share" / "man" / "man1" / "svipc.1").is_file()


def test_installed_svipc_runs_from_another_directory(staged, tmp_path):
    svipc = str(staged / "usr" / "bin" / "svipc")
    share = staged / "usr" / "share" / "svipc" / "suites"
    away = tmp_path / "elsewhere"
    away.mkdir()
    env = dict(os.environ, SVIPC_STATE_DIR=str(tmp_path / "state"))
    version = run([svipc, "--version"], cwd=away, env=env)
    assert version.returncode == 0
    lines = version.stdout.splitlines()
    assert re.fullmatch(r"svipc \d+\.\d+\.\d+", lines[0])
    assert lines[1].startswith("catalog commit: ")
    assert f"catalog: {share.resolve()}" in lines
    assert f"library: {(staged / 'usr' / 'lib' / 'svipc' / 'libsvipc-ref.so').resolve()}" in lines
    # a small file of the installed catalog, named
    one = run([svipc, "run", "--backend", "kernel", str(share / "msg" / "msgget.svipc")], cwd=away, env=env)
    assert one.returncode == 0 and one.stdout.rstrip().endswith("17 passed, 0 failed, 0 skipped"), one.stdout
    # the default catalog is the installed one, with its golden traces
    results = tmp_path / "r.jsonl"
    default = run([svipc, "run", "--backend", "kernel", "--filter", "msgget-key-*", "--golden",
                   str(share / "golden" / "linux.jsonl"), "--json", str(results)], cwd=away, env=env)
    assert default.returncode == 0, default.stdout + default.stderr
    got, end = read_results(results)
    assert end["complete"] and len(got) > 0
    assert all(r["file"].startswith(str(share.resolve())) for r in got)
    listed = run([svipc, "list"], cwd=away, env=env)
    assert len(listed.stdout.splitlines()) == len(run([os.path.join(ROOT, "build", "svipc"), "list"]).stdout
                                                   .splitlines())


@pytest.mark.skipif(os.geteuid() != 0, reason="svipc-bench's rounds run in private IPC namespaces: needs root")
def test_installed_svipc_bench_finds_its_library_and_workers(staged, tmp_path):
    built = os.path.join(ROOT, "build", "svipc-bench")
    if not os.access(built, os.X_OK):
        pytest.skip("svipc-bench is not built here (make pytest builds it): nothing of it to install")
    bench = staged / "usr" / "bin" / "svipc-bench"
    assert os.access(bench, os.X_OK)
    away = tmp_path / "elsewhere"
    away.mkdir()
    # ref is the installed library: a ref round runs, from another directory
    r = run([str(bench), "--smoke", "-w", "msg-pingpong", "-p", "2", "-i", "kernel,ref"], cwd=away, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(r"msg-pingpong\s+ref\s+\d+ operations, counts and final state as defined", r.stdout), r.stdout
    # a worker built for this machine is found in lib/svipc
    workers = sorted(p.name for p in (staged / "usr" / "lib" / "svipc").glob("svipc-bench-worker.*"))
    built_workers = sorted(os.path.basename(p) for p in __import__("glob").glob(
        os.path.join(ROOT, "build", "svipc-bench-worker.*")))
    assert workers == built_workers


def test_the_build_tree_reads_as_before(svipc):
    version = run([svipc, "--version"])
    assert "catalog: suites" in version.stdout.splitlines()
    listed = run([svipc, "list", "-v", "--filter", "msgget-key-0*"])
    assert listed.stdout.split("\t")[1].startswith("suites/msg/msgget.svipc:")


def test_version_names_the_commit_it_was_built_from(svipc):
    described = run(["git", "describe", "--always", "--dirty", "--tags"])
    if described.returncode != 0:
        pytest.skip("not a git checkout: the build says it has no commit")
    line = run([svipc, "--version"]).stdout.splitlines()[1]
    commit = described.stdout.strip().removesuffix("-dirty")
    assert line.startswith(f"catalog commit: {commit}")


def test_man_page_renders_without_warnings(staged):
    if not shutil.which("man"):
        pytest.fail("man is missing (Debian's man-db: ci/install-deps.sh installs it)")
    page = staged / "usr" / "share" / "man" / "man1" / "svipc.1"
    out = subprocess.run(["man", "--warnings=w", "-E", "UTF-8", "-l", str(page)], capture_output=True, text=True,
                         timeout=60, env=dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8", MAN_KEEP_FORMATTING=""))
    assert out.returncode == 0 and out.stderr == "", out.stderr
    text = out.stdout
    for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "ROOTLESS RUNS", "EXIT STATUS",
                    "FILES", "ENVIRONMENT", "EXAMPLES", "SEE ALSO"):
        assert re.search(rf"^{section}$", text, re.M), section
    # every option of `svipc run --help` is in the page
    usage = run([os.path.join(ROOT, "build", "svipc"), "--help"]).stdout
    for option in set(re.findall(r"^  (-[-\w]+)", usage, re.M)):
        assert option in text, option
