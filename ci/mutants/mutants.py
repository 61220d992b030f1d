#!/usr/bin/env python3
"""mutants.py: the catalog's mutation score, measured on impl/'s model.

    ci/mutants/mutants.py [--jobs N] [--only GLOB] [--write-killed]      # every mutant
    ci/mutants/mutants.py --sample N --seed S                            # known-killed ones
    ci/mutants/mutants.py --list                                         # the mutants, not run

Each mutant (operators.py) is one exact edit of a model file.  It is
compiled with the project's flags (one that does not compile is counted
and set aside) and linked with the other objects into a svipc of its own,
in a scratch directory; the catalog then runs on the model backend against
the golden Linux traces: first the scenario blocks that execute the edited
lines (coverage.py), then, if none of them failed, the whole catalog.  A
mutant the model backend lets through runs once more on the reference
backend (the same svipc, whose ref_runtime.c drives the mutated model, and
the preload library built from the mutated file too, for the tool steps'
programs), on the blocks that execute its lines there; then, built with
ASan and UBSan, on the model; then, for the files the stress workload
reaches, under `svipc stress` on the reference backend, each history
checked by the unmutated svipc.  A failure, a timeout, a crash, a hang or
a violation kills the mutant (the stage that did is its record's "stage"); a mutant
every stage passes survives, unless suites/mutants-equivalent.txt says why
it is equivalent.  Score: killed / (compiled - equivalent).

Outputs: a table per file and per operator class, every survivor with its
file, line and edit; results as JSON Lines (--out, one record a mutant and
a final score record); with --write-killed, the ids the run killed
(ci/mutants/killed.txt, what --sample draws from).
Exit status: 0 done (and, with --min-score, the score reached); 1 a score
below --min-score, a known-killed mutant of the sample survived, or an
equivalent mutant was killed (its line is wrong); 2 the run could not be
done (the unmutated model fails the catalog, a bad equivalent file, ...).

Must not: write into the source tree (but --write-killed's file), run more
than --jobs mutants at once, or leave a process behind.
"""

import argparse
import concurrent.futures
import fnmatch
import glob
import hashlib
import json
import os
import queue
import random
import re
import select
import shlex
import signal
import subprocess
import sys
import time
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import coverage  # noqa: E402
from catalog import Golden, block_key, blocks_of, write_selection  # noqa: E402
from operators import CLASSES, mutants_of  # noqa: E402

DEFAULT_FILES = ["msg", "sem", "shm", "ids", "perm", "ns", "proc", "cred"]
# A mutant's run: its address space and its time are bounded, whatever the edit did.
ADDRESS_SPACE = 4 << 30
SELECTION_DEADLINE = 30
CATALOG_DEADLINE = 60
WALL_FACTOR = 10
# The sanitized stage: an invalid read or write, an overflow, a use after
# free, reported by ASan or UBSan (leaks are not behaviour: not looked for).
SANITIZER_ENV = {"ASAN_OPTIONS": "detect_leaks=0:abort_on_error=1:malloc_context_size=5:quarantine_size_mb=32",
                 "UBSAN_OPTIONS": "print_stacktrace=0:halt_on_error=1"}
SANITIZER_REPORT = "SUMMARY: "
# The stress stage: the workload that reaches each file's code, the runs
# (processes, seed) and their size; a run's wall-clock bound.
STRESS_WORKLOAD = {"msg.c": "msg", "sem.c": "sem", "shm.c": "shm", "ns.c": "mixed", "ids.c": "mixed"}
STRESS_RUNS = ((8, 1), (8, 2), (32, 3))
STRESS_OPS = 20000
STRESS_WALL = 120
# Where a kill can come from, and those the known-killed list leaves out
# (the sample replays the model backend only).
KILL_STAGES = ("selection", "catalog", "ref", "sanitized", "stress")
NOT_REPLAYED = ("ref", "sanitized", "stress")
# A step that runs one of util-linux's programs (on ref: with the preload library).
TOOL_STEP = re.compile(r"^\s*\w+: tool ", re.M)


class Failure(Exception):
    """The run cannot be done: exit status 2 with this message."""


def log(msg):
    print(f"mutants: {msg}", file=sys.stderr, flush=True)


def fingerprint(m):
    """The edit itself, whatever its id: a known-killed id counts only while its edit is the same."""
    return hashlib.sha1((m.before + "\0" + m.after).encode()).hexdigest()[:12]


def one_line(text, width=110):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


class Tools:
    """Compiling and linking like the Makefile does."""

    def __init__(self, repo, cc, cflags, objects, libs, ldflags=None):
        self.repo, self.cc, self.cflags, self.objects, self.libs = repo, cc, cflags, objects, libs
        self.ldflags = self.cflags if ldflags is None else ldflags

    def compile(self, src, out, extra=(), warnings=True):
        cmd = [self.cc] + self.cflags + ["-g0", "-I" + os.path.join(self.repo, "impl")] + list(extra) + \
            ["-c", src, "-o", out]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            if warnings:
                raise Failure(f"cannot compile {src}:\n{p.stderr}")
            return p.stderr
        return None

    def link(self, binary, replace=None, extra_objects=(), extra=()):
        replace = replace or {}
        objs = []
        for o in self.objects:
            key = os.path.basename(o)
            objs.append(replace[key] if key in replace and o.endswith("/impl/" + key) else o)
        p = subprocess.run([self.cc] + self.ldflags + ["-Wl,-z,now", "-o", binary] + objs + list(extra_objects) +
                           list(extra) + self.libs, capture_output=True, text=True)
        if p.returncode != 0:
            raise Failure(f"cannot link {binary}:\n{p.stderr}")

    def link_shared(self, library, replace):
        """The preload library from the objects (the Makefile's PIC_OBJ), those in REPLACE replaced."""
        objs = [replace.get(os.path.basename(o), o) for o in self.objects]
        p = subprocess.run([self.cc] + self.ldflags + ["-shared", "-o", library] + objs + self.libs,
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise Failure(f"cannot link {library}:\n{p.stderr}")


def read_reasons(path, what="an equivalent mutant needs its id and why it is equivalent"):
    """{id: why} from the equivalent file or the survivors file (ID WHY,
    one a line; # comments); WHAT: the message for a line without its why."""
    out = {}
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = line.split(None, 1)
            if len(parts) < 2:
                raise Failure(f"{path}:{n}: {what}")
            if parts[0] in out:
                raise Failure(f"{path}:{n}: {parts[0]} is listed twice")
            out[parts[0]] = parts[1]
    return out


def read_killed(path):
    """{id: (fingerprint, block key or None)} from the known-killed list
    (ID FINGERPRINT [FILE:SCENARIO], one a line; # comments)."""
    out = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                parts = line.split()
                if not parts or parts[0].startswith("#"):
                    continue
                if len(parts) not in (2, 3):
                    raise Failure(f"{path}:{n}: a known-killed mutant is ID FINGERPRINT [FILE:SCENARIO]")
                out[parts[0]] = (parts[1], parts[2] if len(parts) == 3 and parts[2] != "-" else None)
    return out


class Stopped(Exception):
    """SIGINT or SIGTERM: the runs in progress were ended."""


class Runner:
    """svipc runs of the model backend, stopped at the first failure.  Each
    run is a session of its own; stop() ends them all and refuses new ones."""

    def __init__(self, repo, suites, golden_path, golden):
        self.repo, self.suites, self.golden_path, self.golden = repo, suites, golden_path, golden
        self.active, self.stopping = set(), False

    def stop(self):
        self.stopping = True
        for pid in list(self.active):
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def command(self, cmd, wall):
        """CMD run in a session of its own, at most WALL seconds: (status,
        stdout, stderr), status None when it did not end in time."""
        if self.stopping:
            raise Stopped()
        p = subprocess.Popen(cmd, cwd=self.repo, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.active.add(p.pid)
        try:
            out, err = p.communicate(timeout=wall)
            return p.returncode, out, err
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            return None, "", ""
        finally:
            self.active.discard(p.pid)

    def run(self, svipc, paths, golden_path, workdir, deadline, sanitized=False, backend="model", env_extra=None):
        """(killed, how, by, reason): killed by the first failing instance, a
        crash or a hang; how: fail, timeout, crash, hang, sanitizer, or "" when
        all passed.  SANITIZED: SVIPC is built with ASan and UBSan (whose
        shadow memory needs the address space unbounded).  BACKEND: model,
        or ref (ENV_EXTRA: the preload library its tool steps load)."""
        rfd, wfd = os.pipe()
        state = os.path.join(workdir, "state")
        errors = open(os.path.join(workdir, "stderr"), "w+")
        # the sanitizers' shadow memory and the ref arena's 4 GiB mapping need the address space unbounded
        limits = [f"--cpu={deadline}"] if sanitized or backend != "model" else \
            [f"--as={ADDRESS_SPACE}", f"--cpu={deadline}"]
        cmd = ["prlimit"] + limits + ["--", svipc, "run"] + paths + \
            ["--backend", backend, "--golden", golden_path, "--json", f"/dev/fd/{wfd}",
             "--scenario-deadline", "10000", "--step-deadline", "5000"]
        env = dict(os.environ, SVIPC_STATE_DIR=state, **(env_extra or {}))
        if sanitized:
            env.update(SANITIZER_ENV)
        if self.stopping:
            raise Stopped()
        p = subprocess.Popen(cmd, cwd=self.repo, env=env,
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errors,
                             pass_fds=(wfd,), start_new_session=True)
        self.active.add(p.pid)
        os.close(wfd)
        # DEADLINE is CPU time (prlimit: a loop); a run that sleeps is bounded by
        # svipc's own deadlines, so the wall clock only guards against the
        # unforeseen, generously: a loaded machine must not make a hang of a slow run
        end = time.monotonic() + WALL_FACTOR * deadline
        buf, verdict, ran = b"", None, 0
        try:
            while verdict is None:
                left = end - time.monotonic()
                if left <= 0:
                    verdict = (True, "hang", "", f"no end after {WALL_FACTOR * deadline} s")
                    break
                ready, _, _ = select.select([rfd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(rfd, 65536)
                if not chunk:
                    break
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    r = json.loads(line)
                    if "name" not in r:
                        continue
                    ran += 1
                    if r["status"] not in ("pass", "skip"):
                        verdict = (True, "timeout" if r["status"] == "timeout" else "fail", r["name"],
                                   one_line(r.get("reason", r["status"]), 200))
                        break
        finally:
            os.close(rfd)
            if verdict is not None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            status = p.wait()
            self.active.discard(p.pid)
            errors.seek(0)
            err = errors.read()
            errors.close()
        if sanitized and SANITIZER_REPORT in err:
            where = next((ln for ln in err.splitlines() if SANITIZER_REPORT in ln), "")
            return True, "sanitizer", verdict[2] if verdict else "", one_line(where, 200)
        if verdict is not None:
            return verdict
        if status < 0 or status > 2:
            return True, "crash", "", f"svipc ended with status {status}: {one_line(err[-300:], 200)}"
        if status == 1:
            return True, "fail", "", one_line(err[-300:], 200) or "svipc found a failure"
        if status == 2:
            raise Failure(f"svipc could not run {' '.join(paths)}: {err.strip()[-500:]}")
        if ran == 0:
            raise Failure(f"svipc ran nothing of {' '.join(paths)}")
        return False, "", "", ""


def write_rest(cov, selected, golden, workdir):
    """The catalog but SELECTED, one file per scenario file: (paths, golden subset)."""
    rest = os.path.join(workdir, "rest")
    if os.path.isdir(rest):
        for f in os.listdir(rest):
            os.unlink(os.path.join(rest, f))
    os.makedirs(rest, exist_ok=True)
    chosen = {b.index for b in selected}
    groups = OrderedDict()
    for b in cov.blocks:
        # not the blocks the model backend skips whole: a rest made only of
        # them would test nothing, which svipc refuses (exit 2)
        if b.index not in chosen and cov.runs_model(b):
            groups.setdefault(b.path, []).append(b)
    paths = []
    for k, group in enumerate(groups.values()):
        paths.append(os.path.join(rest, f"{k:03d}.svipc"))
        write_selection(paths[-1], group)
    gold = golden.write_subset(os.path.join(workdir, "rest.golden.jsonl"),
                               [n for group in groups.values() for b in group for n in b.instances])
    return paths, gold


def sanitized_run(m, text, san, runner, blocks, workdir):
    """The mutant built with ASan and UBSan, run on the blocks that execute
    its lines: (killed, how, by, reason), or None when it cannot be built so."""
    name = os.path.basename(m.file)
    src = os.path.join(workdir, name)           # the mutated file, written by evaluate
    obj = os.path.join(workdir, name[:-2] + ".san.o")
    if san.compile(src, obj, warnings=False) is not None:
        return None
    binary = os.path.join(workdir, "svipc-san")
    san.link(binary, replace={name[:-2] + ".o": obj})
    sel = os.path.join(workdir, "selection.svipc")
    write_selection(sel, blocks)
    gold = runner.golden.write_subset(os.path.join(workdir, "selection.golden.jsonl"),
                                      [n for b in blocks for n in b.instances])
    return runner.run(binary, [sel], gold, workdir, CATALOG_DEADLINE, sanitized=True)


def ref_run(m, ref, runner, blocks, binary, workdir):
    """The ref stage: the mutant's svipc on the reference backend, its
    preload library (for the tool steps' programs) built from the mutated
    file, on BLOCKS, those that execute its lines there: (killed, how, by,
    reason), or None when the library cannot be built so."""
    name = os.path.basename(m.file)
    src = os.path.join(workdir, name)           # the mutated file, written by evaluate
    obj = os.path.join(workdir, name[:-2] + ".pic.o")
    library = os.path.join(workdir, "libsvipc-ref.so")
    if os.path.exists(library):
        os.unlink(library)                      # never a former mutant's
    if ref.compile(src, obj, extra=["-fPIC", "-fvisibility=hidden"], warnings=False) is not None:
        return None
    ref.link_shared(library, replace={name[:-2] + ".o": obj})
    sel = os.path.join(workdir, "selection.svipc")
    write_selection(sel, blocks)
    gold = runner.golden.write_subset(os.path.join(workdir, "selection.golden.jsonl"),
                                      [n for b in blocks for n in b.instances])
    return runner.run(binary, [sel], gold, workdir, CATALOG_DEADLINE, backend="ref",
                      env_extra={"SVIPC_REF_LIBRARY": library})


def stress_args(procs, seed, workload):
    """One run of the stress stage, as svipc stress's arguments."""
    return ["stress", "--backend", "ref", "-n", str(procs), "--ops", str(STRESS_OPS), "--seed", str(seed),
            "--workload", workload]


def recording(history):
    """A run that writes its history to HISTORY and leaves the check to another svipc."""
    return ["--history", history, "--no-check", "--deadline", "60"]


def stress_run(m, runner, binary, unmutated, workdir):
    """The stress stage: what only concurrency reaches (a waiter decided
    but not yet resumed when the next call comes, a death between two
    calls), which no scenario's one step at a time can.  The mutant's svipc
    runs `svipc stress` on the reference backend, whose runtime drives the
    mutated model, and writes the history without checking it; the
    unmutated svipc checks it against the unmutated model.  A violation, a
    crash of the run or of its workers, or a hang kills: (killed, how, by,
    reason), or None when no workload reaches the file."""
    workload = STRESS_WORKLOAD.get(os.path.basename(m.file))
    if workload is None:
        return None
    history = os.path.join(workdir, "stress.jsonl")
    for procs, seed in STRESS_RUNS:
        args = stress_args(procs, seed, workload)
        by = "svipc " + " ".join(args)
        if os.path.exists(history):
            os.unlink(history)
        status, out, err = runner.command([binary] + args + recording(history), STRESS_WALL)
        if status is None:
            return True, "hang", by, f"no end after {STRESS_WALL} s"
        if status < 0 or status > 2 or "ended abnormally" in err:
            return True, "crash", by, one_line(f"status {status}: {err.strip()[-300:]}", 200)
        if not os.path.exists(history):   # the unmutated svipc writes one (stress_baseline)
            return True, "fail", by, one_line(f"no history: {err.strip()[-300:]}", 200)
        status, out, err = runner.command([unmutated, "stress", "--check", history], STRESS_WALL)
        if status == 1:
            found = next((ln for ln in out.splitlines() if ln.startswith("check:")), "not linearizable")
            return True, "violation", by, one_line(found, 200)
    return False, "", "", ""


def stress_baseline(runner, unmutated, workdir):
    """The stress stage's runs on the unmutated svipc must record and check
    without a violation, or every mutant would look killed.  An undecided
    object (the checker's search bound reached) kills nothing, in a mutant's
    run as here: it is said, not refused."""
    history = os.path.join(workdir, "stress.jsonl")
    for procs, seed in STRESS_RUNS:
        for workload in sorted(set(STRESS_WORKLOAD.values())):
            args = stress_args(procs, seed, workload) + recording(history)
            status, out, err = runner.command([unmutated] + args, STRESS_WALL)
            if status != 2 or not os.path.exists(history):
                raise Failure(f"the stress stage cannot run: svipc {' '.join(args)}: status {status}: "
                              f"{err.strip()[-300:]}")
            status, out, err = runner.command([unmutated, "stress", "--check", history], STRESS_WALL)
            if status == 2 and "result: undecided" in out:
                log(f"stress stage: svipc {' '.join(args)}: undecided on the unmutated runtime (the "
                    "check's search bound): its mutants' runs can be undecided too, which kills nothing")
            elif status != 0:
                said = " ".join(ln for ln in out.splitlines() if ln.startswith(("check:", "result:", "violation")))
                raise Failure(f"the unmutated runtime's stress history is not linearizable (svipc "
                              f"{' '.join(args)}, status {status}: {one_line(said or err, 300)}; the "
                              f"history: {history}): nothing can be measured")
            os.unlink(history)


STAGES = ("model", "ref", "sanitized", "stress")


def evaluate(m, text, tools, runner, cov, workdir, first=None, san=None, ref=None, ref_cov=None, stress=None,
             stages=STAGES):
    """Build and run one mutant in WORKDIR; its result record.  FIRST: the
    blocks to run first instead of the coverage selection (the sample: the
    block that killed the mutant last time), run against the whole golden file.
    REF, REF_COV: the preload library's tools and the reference backend's
    coverage map, for the ref stage (none: no ref stage).  STRESS: the
    unmutated svipc that checks the stress stage's histories (none: no
    stress stage); STAGES: those to run ("model": the selection, then the
    catalog; the others as named), fewer for an earlier run's survivors."""
    t0 = time.monotonic()
    rec = OrderedDict(kind="mutant", id=m.id, file=m.file, function=m.function, op=m.op, line=m.line,
                      before=m.before, after=m.after, fingerprint=fingerprint(m))
    name = os.path.basename(m.file)
    src = os.path.join(workdir, name)
    with open(src, "w", encoding="utf-8") as f:
        f.write(m.apply(text))
    obj = os.path.join(workdir, name[:-2] + ".o")
    error = tools.compile(src, obj, warnings=False)
    rec["build_seconds"] = round(time.monotonic() - t0, 2)
    if error is not None:
        first_error = next((ln for ln in error.splitlines() if "error" in ln), error.strip()[:200])
        rec.update(status="uncompilable", reason=one_line(first_error.replace(workdir + "/", ""), 200))
        rec["seconds"] = round(time.monotonic() - t0, 2)
        return rec
    binary = os.path.join(workdir, "svipc")
    tools.link(binary, replace={name[:-2] + ".o": obj})
    rec["build_seconds"] = round(time.monotonic() - t0, 2)
    # the small blocks first: they are the pointed ones, and the first failure ends the run
    if "model" not in stages:
        blocks = []
        rec["stages"] = ",".join(stages)
    elif first:
        blocks = first
    else:
        blocks = sorted(cov.blocks_for(m.file, m.lines), key=lambda b: (len(b.instances), b.index)) if cov else []
    rec["selected"] = len(blocks)
    killed = False
    if blocks:
        sel = os.path.join(workdir, "selection.svipc")
        gold = runner.golden_path
        write_selection(sel, blocks)
        if not first:
            gold = runner.golden.write_subset(os.path.join(workdir, "selection.golden.jsonl"),
                                              [n for b in blocks for n in b.instances])
        killed, how, by, reason = runner.run(binary, [sel], gold, workdir, SELECTION_DEADLINE)
        where = "selection"
    if not killed and "model" in stages:
        # the rest of the catalog: every block the selection did not run
        paths, gold = [runner.suites], runner.golden_path
        if cov and not first:           # the catalog as the coverage run read it, whatever changed since
            paths, gold = write_rest(cov, blocks, runner.golden, workdir)
        if paths:                       # none when the selection was every block the model runs
            killed, how, by, reason = runner.run(binary, paths, gold, workdir, CATALOG_DEADLINE)
            where = "catalog"
    if not killed and ref is not None and ref_cov is not None and not first and "ref" in stages:
        # what only the runtime shows: the code it alone runs (the
        # model_*_wait_resolved questions, a decision between a waiter's
        # wake-up and its resume), the preload library of the tool steps
        ref_blocks = sorted(ref_cov.blocks_for(m.file, m.lines), key=lambda b: (len(b.instances), b.index))
        if not ref_blocks:
            # lines the preload library runs in a tool step's program (the
            # /proc/sysvipc text and sysctls it serves from the arena) are
            # not in the map, whose counters are svipc's: the blocks with
            # tool steps stand for them
            ref_blocks = [b for b in ref_cov.blocks if b.instances and TOOL_STEP.search(b.text)]
        rec["ref_selected"] = len(ref_blocks)
        verdict = ref_run(m, ref, runner, ref_blocks, binary, workdir) if ref_blocks else None
        if verdict is not None and verdict[0]:
            killed, how, by, reason = verdict
            where = "ref"
    if not killed and san is not None and cov is not None and not first and "sanitized" in stages:
        # what no trace shows but a memory error does: the lines' blocks under the sanitizers
        lines_blocks = cov.blocks_for(m.file, m.lines)
        verdict = sanitized_run(m, text, san, runner, lines_blocks, workdir) if lines_blocks else None
        # only a report of the sanitizers kills here: the instrumented build is
        # several times slower, and a run cut by its CPU limit ("the runner
        # died") says nothing about the mutant
        if verdict is not None and verdict[0] and verdict[1] == "sanitizer":
            killed, how, by, reason = verdict
            where = "sanitized"
    if not killed and stress is not None and not first and "stress" in stages:
        verdict = stress_run(m, runner, binary, stress, workdir)
        if verdict is not None and verdict[0]:
            killed, how, by, reason = verdict
            where = "stress"
    if killed:
        # where: the stage (selection, catalog, ref, sanitized, stress), as "stage" too
        rec.update(status="killed", how=how, where=where, stage=where, by=by, reason=reason)
        killer = cov.block_of_instance(by) if cov and by else None
        if killer is not None:
            rec["block"] = block_key(killer, runner.repo)
        elif first and where == "selection" and len(first) == 1:
            rec["block"] = block_key(first[0], runner.repo)
    else:
        rec.update(status="survived")
    rec["seconds"] = round(time.monotonic() - t0, 2)
    return rec


def tally(records, key):
    rows = OrderedDict()
    for r in records:
        row = rows.setdefault(r[key], OrderedDict(mutants=0, uncompilable=0, equivalent=0, killed=0, survived=0))
        row["mutants"] += 1
        row[r["status"]] += 1
    for row in rows.values():
        scored = row["mutants"] - row["uncompilable"] - row["equivalent"]
        row["score"] = round(100.0 * row["killed"] / scored, 2) if scored else None
    return rows


def print_table(title, rows, out):
    print(f"\n{title:<14} {'mutants':>8} {'no-build':>8} {'equiv':>6} {'killed':>7} {'survived':>8} {'score':>7}",
          file=out)
    total = OrderedDict(mutants=0, uncompilable=0, equivalent=0, killed=0, survived=0)
    for name, row in rows.items():
        for k in total:
            total[k] += row[k]
        score = "-" if row["score"] is None else f"{row['score']:.1f}%"
        print(f"{name:<14} {row['mutants']:>8} {row['uncompilable']:>8} {row['equivalent']:>6} {row['killed']:>7} "
              f"{row['survived']:>8} {score:>7}", file=out)
    scored = total["mutants"] - total["uncompilable"] - total["equivalent"]
    score = f"{100.0 * total['killed'] / scored:.1f}%" if scored else "-"
    print(f"{'all':<14} {total['mutants']:>8} {total['uncompilable']:>8} {total['equivalent']:>6} "
          f"{total['killed']:>7} {total['survived']:>8} {score:>7}", file=out)


def generate(repo, files):
    texts, mutants = {}, []
    for name in files:
        path = f"impl/{name}.c"
        with open(os.path.join(repo, path), encoding="utf-8") as f:
            texts[path] = f.read()
        mutants += mutants_of(texts[path], path)
    seen, unique = {}, []
    for m in mutants:                   # two edits that make one program are one mutant
        if m.digest not in seen:
            seen[m.digest] = m.id
            unique.append(m)
    return texts, unique, len(mutants) - len(unique)


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description="The catalog's mutation score on impl/'s model.")
    ap.add_argument("--files", default=",".join(DEFAULT_FILES), help="model files, by name (msg,sem,...)")
    ap.add_argument("--only", action="append", default=[], help="only mutants whose id matches GLOB")
    ap.add_argument("--list", action="store_true", help="print the mutants (id, line, edit) and stop")
    ap.add_argument("--jobs", "-j", type=int, default=2)
    ap.add_argument("--sample", type=int, help="run N mutants drawn from the known-killed list")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-select", action="store_true", help="no coverage selection: the whole catalog each")
    ap.add_argument("--svipc", default=os.path.join(repo, "build", "svipc"), help="the unmutated svipc")
    ap.add_argument("--objects", default="", help="the objects svipc is linked from (the Makefile's)")
    ap.add_argument("--cc", default="cc")
    ap.add_argument("--cflags", default="-O2 -std=gnu11 -Wall -Wextra -Werror")
    ap.add_argument("--libs", default="-ljansson -ldl")
    ap.add_argument("--san-objects", default="", help="the ASan/UBSan objects (the Makefile's SAN_OBJ; default "
                    "build/san's, when build/san/svipc is built): a survivor is run once more built with "
                    "them, on the blocks that execute its lines")
    ap.add_argument("--no-san", action="store_true", help="no sanitized stage")
    ap.add_argument("--san-cc", default="clang-14")
    ap.add_argument("--san-cflags", default="-O1 -std=gnu11 -Wall -Wextra -Werror "
                    "-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer "
                    "-fsanitize=fuzzer-no-link")
    ap.add_argument("--san-ldflags", default="-fsanitize=address,undefined")
    ap.add_argument("--san-libs", default="-ljansson -ldl")
    ap.add_argument("--no-ref", action="store_true", help="no ref stage: a survivor of the model backend is not "
                    "run on the reference backend")
    ap.add_argument("--no-stress", action="store_true", help="no stress stage: a survivor of msg.c, sem.c, "
                    "shm.c, ns.c or ids.c is not run under svipc stress on the reference backend")
    ap.add_argument("--stages", default=",".join(STAGES), help="the stages to run, a comma list of "
                    f"{', '.join(STAGES)} (model: the selection, then the catalog); fewer for the survivors of an "
                    "earlier run (with --only; score both with --records)")
    ap.add_argument("--pic-objects", default="", help="the preload library's objects (the Makefile's PIC_OBJ; "
                    "default build/pic/*.o), for the ref stage's library built from the mutated file")
    ap.add_argument("--preload", default=os.path.join(repo, "build", "libsvipc-ref.so"),
                    help="the unmutated preload library, for the reference backend's coverage run")
    ap.add_argument("--suites", default=os.path.join(repo, "suites"))
    ap.add_argument("--golden", default=os.path.join(repo, "suites", "golden", "linux.jsonl"))
    ap.add_argument("--equivalent", default=os.path.join(repo, "suites", "mutants-equivalent.txt"))
    ap.add_argument("--survivors", default=os.path.join(repo, "suites", "mutants-survivors.txt"),
                    help="the survivors explained: why no scenario kills each, and what would")
    ap.add_argument("--killed", default=os.path.join(here, "killed.txt"), help="the known-killed list")
    ap.add_argument("--write-killed", action="store_true", help="rewrite the known-killed list from this run")
    ap.add_argument("--work", default=os.path.join(repo, "build", "mutants"), help="scratch and outputs")
    ap.add_argument("--out", help="results (JSON Lines; default WORK/results.jsonl, or sample.jsonl)")
    ap.add_argument("--records", nargs="+", help="score these earlier runs' records (results or .partial "
                    "files; the last record of a mutant counts) instead of running")
    ap.add_argument("--min-score", type=float, help="exit 1 below this score (percent)")
    args = ap.parse_args(argv)
    args.work = os.path.abspath(args.work)     # coverage.py strips the gcda paths by its depth
    runner_of_run = []

    def stop(signum, frame):
        log(f"signal {signum}: the runs in progress are ended, nothing is written but the .partial file")
        for r in runner_of_run:
            r.stop()
        raise Stopped()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        return run(args, repo, runner_of_run)
    except Failure as e:
        log(str(e))
        return 2
    except Stopped:
        for r in runner_of_run:
            r.stop()
        return 130


def run(args, repo, runner_of_run):
    t0 = time.monotonic()
    files = [f.strip() for f in args.files.split(",") if f.strip()]
    texts, mutants, duplicates = generate(repo, files)
    if args.only:
        mutants = [m for m in mutants if any(fnmatch.fnmatchcase(m.id, g) for g in args.only)]
    if args.list:
        for m in mutants:
            print(f"{m.id}\t{m.file}:{m.line}\t{one_line(m.before, 70)}  ->  {one_line(m.after, 70)}")
        return 0
    equivalent = read_reasons(args.equivalent)
    explained = read_reasons(args.survivors, "a survivor needs its id and why no scenario kills it")
    both = sorted(set(equivalent) & set(explained))
    if both:
        raise Failure(f"{both[0]} is listed both as equivalent ({args.equivalent}) and as a survivor "
                      f"({args.survivors})")
    args.explained = explained
    known = {m.id for m in mutants}
    if args.sample is not None:
        killed_list = read_killed(args.killed)
        if not killed_list:
            raise Failure(f"{args.killed}: no known-killed mutants (make mutants writes it)")
        candidates = [m for m in mutants if killed_list.get(m.id, (None,))[0] == fingerprint(m)]
        named = [m for m in candidates if killed_list[m.id][1]]
        if len(named) >= args.sample:   # those whose killer is named run in seconds
            candidates = named
        if len(candidates) < args.sample:
            raise Failure(f"{args.killed}: only {len(candidates)} of its mutants are still the same edits: "
                          "the list is stale (make mutants rewrites it)")
        mutants = random.Random(args.seed).sample(candidates, args.sample)
        mutants.sort(key=lambda m: m.id)
    if not mutants:
        raise Failure("no mutant to run")
    if args.records:
        return finish(args, t0, files, mutants, duplicates, equivalent, known, *from_records(args, mutants))
    objects = args.objects.split() or sorted(glob.glob(os.path.join(repo, "build", "harness", "*.o")) +
                                             glob.glob(os.path.join(repo, "build", "impl", "*.o")))
    tools = Tools(repo, args.cc, shlex.split(args.cflags), objects, shlex.split(args.libs))
    san = None
    san_objects = args.san_objects.split()
    if not san_objects and os.path.exists(os.path.join(repo, "build", "san", "svipc")):
        san_objects = sorted(glob.glob(os.path.join(repo, "build", "san", "harness", "*.o")) +
                             glob.glob(os.path.join(repo, "build", "san", "impl", "*.o")))
    if san_objects and args.sample is None and not args.no_san:
        san = Tools(repo, args.san_cc, shlex.split(args.san_cflags), san_objects,
                    shlex.split(args.san_libs), ldflags=shlex.split(args.san_ldflags))
    elif args.sample is None and not args.no_san:
        log("no sanitized stage: no ASan/UBSan objects (make build/san/svipc, or --san-objects)")
    ref = None
    if not args.no_ref and args.sample is None and not args.no_select:
        pic = args.pic_objects.split() or sorted(glob.glob(os.path.join(repo, "build", "pic", "*.o")))
        if not pic or not os.path.exists(args.preload):
            raise Failure("the ref stage needs the preload library and its objects (make all), "
                          "or --no-ref")
        ref = Tools(repo, args.cc, shlex.split(args.cflags), pic, ["-ldl"])
    stress = None
    if args.sample is None and not args.no_stress:
        if os.geteuid() == 0:
            stress = os.path.abspath(args.svipc)
        else:
            log("no stress stage: svipc stress makes PID and IPC namespaces (run as root)")
    stages = tuple(x.strip() for x in args.stages.split(",") if x.strip())
    if not stages or any(x not in STAGES for x in stages):
        raise Failure(f"--stages: a comma list of {', '.join(STAGES)}, not '{args.stages}'")
    if args.sample is not None and stages != STAGES:
        raise Failure("--stages: the sample runs the model stage only, as it is")
    if "stress" in stages and stress is None and stages != STAGES:
        raise Failure("--stages stress: the stress stage cannot run here (--no-stress, or not root)")
    os.makedirs(args.work, exist_ok=True)
    golden = Golden(args.golden)
    runner = Runner(repo, args.suites, args.golden, golden)
    runner_of_run.append(runner)

    # The unmutated model must pass, or every mutant would look killed.
    base = os.path.join(args.work, "baseline")
    os.makedirs(base, exist_ok=True)
    killed, how, by, reason = runner.run(args.svipc, [args.suites], args.golden, base, CATALOG_DEADLINE)
    if killed:
        raise Failure(f"the unmutated model fails the catalog ({how} {by}: {reason}): nothing can be measured")

    if stress is not None and "stress" in stages:
        stress_baseline(runner, stress, base)

    cov = None
    if not args.no_select:
        cache = os.path.join(args.work, "coverage")
        fresh = os.path.exists(os.path.join(cache, "map.json"))
        if args.sample is None or fresh:
            os.makedirs(cache, exist_ok=True)
            try:
                cov = coverage.load_or_build(tools, repo, args.suites,
                                             [os.path.join(repo, f"impl/{f}.c")
                                              for f in sorted(set(files) | set(DEFAULT_FILES))],
                                             cache, args.jobs, log)
            except RuntimeError as e:
                raise Failure(str(e))
    ref_cov = None
    if cov is not None and ref is not None:
        ref_cov = coverage.load_or_build(tools, repo, args.suites,
                                         [os.path.join(repo, f"impl/{f}.c")
                                          for f in sorted(set(files) | set(DEFAULT_FILES))],
                                         os.path.join(args.work, "coverage"), args.jobs, log, backend="ref",
                                         env_extra={"SVIPC_REF_LIBRARY": os.path.abspath(args.preload)})
    log(f"{len(mutants)} mutants of {', '.join(files)}" + (f" ({duplicates} duplicates set aside)"
                                                             if duplicates and args.sample is None else "") +
        (", each with its coverage selection first" if cov else ", each against the whole catalog"))

    slots = queue.Queue()
    for k in range(args.jobs):
        d = os.path.join(args.work, "work", str(k))
        os.makedirs(d, exist_ok=True)
        slots.put(d)

    killers = {}
    if args.sample is not None:         # each known-killed mutant's killer first, when it is still there
        by_key = {block_key(b, repo): b for b in blocks_of(args.suites)}
        killers = {m.id: [by_key[killed_list[m.id][1]]] for m in mutants if killed_list[m.id][1] in by_key}

    def job(m):
        d = slots.get()
        try:
            return evaluate(m, texts[m.file], tools, runner, cov, d, killers.get(m.id), san, ref, ref_cov, stress,
                            stages)
        finally:
            slots.put(d)

    out = args.out or os.path.join(args.work, "sample.jsonl" if args.sample is not None else
                                   "only.jsonl" if args.only else "results.jsonl")
    records = {}
    # each record as it completes (a run stopped half-way leaves what it did),
    # then the whole file in the mutants' order
    partial = open(out + ".partial", "w", encoding="utf-8")
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs)
    try:
        futures = {pool.submit(job, m): m for m in mutants}
        for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            m = futures[fut]
            records[m.id] = fut.result()
            partial.write(json.dumps(records[m.id]) + "\n")
            partial.flush()
            if n % 50 == 0 or n == len(mutants):
                log(f"{n}/{len(mutants)} run, {time.monotonic() - t0:.0f} s")
    finally:
        runner.stopping = runner.stopping or len(records) < len(mutants)
        pool.shutdown(wait=True, cancel_futures=True)
    partial.close()
    return finish(args, t0, files, mutants, duplicates, equivalent, known, records, out)


def from_records(args, mutants):
    """Records of earlier runs (--records, .partial files included): each
    mutant's last record whose edit is the mutant's own: (records, out)."""
    by_id = {m.id: m for m in mutants}
    records = {}
    for path in args.records:
        with open(path, encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                try:
                    r = json.loads(line)
                except json.JSONDecodeError as e:
                    raise Failure(f"{path}:{n}: not JSON: {e.msg}")
                if r.get("kind") != "mutant" or r.get("id") not in by_id:
                    continue
                if r.get("fingerprint") != fingerprint(by_id[r["id"]]):
                    continue            # an edit that changed since: not this mutant's record
                if r["status"] == "equivalent":
                    r["status"] = "survived"        # judged again from the equivalent file
                r.pop("why", None)
                records[r["id"]] = r
    if not records:
        raise Failure("no record of these mutants in " + " ".join(args.records))
    name_killers(records, args, repo_of(args))
    log(f"{len(records)} of {len(mutants)} mutants have a record in {' '.join(args.records)}")
    os.makedirs(args.work, exist_ok=True)
    return records, args.out or os.path.join(args.work, "results.jsonl")


def repo_of(args):
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def name_killers(records, args, repo):
    """A record of an older run names what killed it by instance only: its
    block from the last coverage map, if there is one (the sample checks it
    still kills, and falls back to the catalog otherwise)."""
    cache = os.path.join(args.work, "coverage", "map.json")
    if not os.path.exists(cache):
        return
    with open(cache, encoding="utf-8") as f:
        instances = json.load(f)["instances"]
    blocks = blocks_of(args.suites)
    if len(blocks) != len(instances):
        return                          # the catalog changed since the map: no names from it
    owner = {n: block_key(b, repo) for b, names in zip(blocks, instances) for n in names}
    for r in records.values():
        if r["status"] == "killed" and "block" not in r and r.get("where") not in ("sanitized", "ref") and \
                r.get("by") in owner:
            r["block"] = owner[r["by"]]


def finish(args, t0, files, mutants, duplicates, equivalent, known, records, out):
    """The score, the tables, the outputs and the exit status, from RECORDS."""
    ordered = [records[m.id] for m in mutants if m.id in records]
    measured_all = len(ordered) == len(mutants)

    stale = []
    for r in ordered:
        if r["id"] in equivalent:
            if r["status"] == "survived":
                r["status"] = "equivalent"
                r["why"] = equivalent[r["id"]]
            elif r["status"] == "killed":
                stale.append(r)
    explained = args.explained
    killed_survivors = [r for r in ordered if r["id"] in explained and r["status"] == "killed"]
    for r in ordered:
        if r["status"] == "survived" and r["id"] in explained:
            r["why"] = explained[r["id"]]
    unexplained = [r for r in ordered if r["status"] == "survived" and "why" not in r]
    in_run = tuple(f"{f}.c:" for f in files)
    unknown = sorted((i, args.equivalent) for i in set(equivalent) - known if i.startswith(in_run)) + \
        sorted((i, args.survivors) for i in set(explained) - known if i.startswith(in_run)) \
        if not args.only and args.sample is None else []

    seconds = round(time.monotonic() - t0, 1)
    by_file, by_op = tally(ordered, "file"), tally(ordered, "op")
    by_op = OrderedDict((c, by_op[c]) for c in CLASSES if c in by_op)
    counts = {k: sum(1 for r in ordered if r["status"] == k)
              for k in ("killed", "survived", "equivalent", "uncompilable")}
    scored = len(ordered) - counts["uncompilable"] - counts["equivalent"]
    score = round(100.0 * counts["killed"] / scored, 2) if scored else None
    by_stage = OrderedDict((k, 0) for k in KILL_STAGES)
    for r in ordered:
        if r["status"] == "killed":
            stage = r.get("stage", r.get("where", "?"))
            by_stage[stage] = by_stage.get(stage, 0) + 1
    summary = OrderedDict(kind="mutants", complete=True, sample=args.sample is not None, mutants=len(ordered),
                          generated=len(mutants), every_mutant=measured_all,
                          mutant_seconds=round(sum(r.get("seconds", 0) for r in ordered), 1),
                          duplicates=duplicates, score=score, seconds=seconds, **counts,
                          unexplained=len(unexplained),
                          by_stage=by_stage, by_file=by_file, by_op=by_op)

    with open(out + ".tmp", "w", encoding="utf-8") as f:
        for r in ordered:
            f.write(json.dumps(r) + "\n")
        f.write(json.dumps(summary) + "\n")
    os.replace(out + ".tmp", out)
    if os.path.exists(out + ".partial") and not args.records:
        os.unlink(out + ".partial")

    report = sys.stdout
    print_table("file", by_file, report)
    print_table("operator", by_op, report)
    survivors = [r for r in ordered if r["status"] == "survived"]
    if survivors:
        print(f"\nsurvivors ({len(survivors)}):", file=report)
        for r in survivors:
            print(f"  {r['id']}  {r['file']}:{r['line']}\n      {one_line(r['before'])}\n"
                  f"   -> {one_line(r['after']) or '(removed)'}\n"
                  f"      {'why: ' + r['why'] if 'why' in r else 'UNEXPLAINED: add the scenario that kills it, or say why none can in ' + args.survivors}",
                  file=report)
    for r in killed_survivors:
        print(f"\nlisted as a survivor but killed: {r['id']} by {r.get('by') or r['how']} (remove its line "
              f"from {args.survivors})", file=report)
    for r in stale:
        print(f"\nlisted equivalent but killed: {r['id']} ({r['file']}:{r['line']}) by {r['by'] or r['how']}: "
              f"{r['reason']}", file=report)
    for i, where in unknown:
        print(f"\n{where}: {i} is no mutant any more (remove or renew its line)", file=report)
    if not measured_all:
        print(f"\n{len(mutants) - len(ordered)} of the {len(mutants)} mutants have no record: the score is of "
              f"{len(ordered)}", file=report)
    print("\nkilled by stage: " + ", ".join(f"{k} {v}" for k, v in by_stage.items()), file=report)
    print(f"\nscore: {counts['killed']} killed of {scored} ({len(ordered)} mutants, {counts['equivalent']} "
          f"equivalent, {counts['uncompilable']} not compiling): "
          f"{'-' if score is None else f'{score:.2f}%'} in {seconds:.0f} s; results in {out}", file=report)

    if args.write_killed and args.sample is None and not args.only and (measured_all or args.records):
        with open(args.killed + ".tmp", "w", encoding="utf-8") as f:
            f.write("# The mutants the last full run killed (id, fingerprint of the edit, the scenario\n"
                    "# that killed it): what make mutants-sample draws from, each run with its killer\n"
                    "# first.  Written by make mutants; do not edit.\n")
            for r in ordered:
                # not those only the sanitizers, the ref or the stress stage saw (the sample runs
                # the model backend), nor those killed by a deadline (a loaded machine's too)
                if r["status"] == "killed" and r.get("where") not in NOT_REPLAYED and \
                        r.get("how") not in ("hang", "timeout"):
                    f.write(f"{r['id']} {r['fingerprint']} {r.get('block', '-')}\n")
        os.replace(args.killed + ".tmp", args.killed)

    status = 0
    if args.sample is not None and survivors:
        print(f"\nmutants-sample: {len(survivors)} known-killed mutant(s) survived: a scenario or the model "
              "lost what killed them", file=report)
        status = 1
    if args.sample is not None and counts["uncompilable"]:
        print("\nmutants-sample: known-killed mutants no longer compile", file=report)
        status = 1
    if stale or unknown:
        status = 1
    if unexplained and args.sample is None and not args.only:
        print(f"\n{len(unexplained)} survivor(s) unexplained: each needs a scenario that kills it, or a line "
              f"in {args.survivors} saying why none can", file=report)
        status = 1
    if args.min_score is not None and (score is None or score < args.min_score):
        print(f"\nscore below {args.min_score}%", file=report)
        status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
