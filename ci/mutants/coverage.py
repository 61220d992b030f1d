"""coverage.py: which scenario blocks execute which lines of the model.

svipc is built once with the mutated files compiled for gcov (-O0
--coverage); every block of the catalog runs alone on the model backend
with its counters written to a directory of its own (GCOV_PREFIX), and
gcov's JSON says which lines ran.  The runner that executes the model
leaves by _exit, which writes no counters: gcov_exit.c, linked with
--wrap=_exit, writes them first (and, with --wrap=ref_txn, after each
transaction of the reference runtime, whose puppets are killed at a
scenario's end).  The map is cached under the build
directory, keyed by a digest of everything that could change it (impl/,
harness/, the catalog): a second run reuses it.

A second map, of the reference backend (--backend ref: the model run by
the puppets themselves through impl/ref_runtime.c, the code that only the
runtime reaches included), is made the same way for the mutation run's ref
stage (map-ref.json); there a block that does not pass alone is left out
of the map, and said, instead of stopping the run (the stage must select
only blocks the unmutated runtime passes).

Must not: touch the source tree; run more than JOBS processes at once.
"""

import concurrent.futures
import glob
import hashlib
import json
import os
import shutil
import subprocess

from catalog import blocks_of

HERE = os.path.dirname(os.path.abspath(__file__))


def digest(repo, suites):
    h = hashlib.sha256()
    paths = sorted(glob.glob(os.path.join(repo, "impl", "*.[ch]")) + glob.glob(os.path.join(repo, "harness", "*.[ch]")) +
                   [os.path.join(HERE, "gcov_exit.c")])
    for base, dirs, files in os.walk(suites):
        dirs.sort()
        paths += [os.path.join(base, f) for f in sorted(files) if f.endswith(".svipc")]
    for p in paths:
        h.update(os.path.relpath(p, repo).encode() + b"\0")
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


class Coverage:
    """The map: for each model file, line -> indexes of the blocks that ran it."""

    def __init__(self, blocks, lines):
        self.blocks = blocks
        self.lines = lines          # {"impl/msg.c": {line: [block, ...]}}

    def block_of_instance(self, name):
        """The block an instance of the catalog belongs to, or None."""
        if not hasattr(self, "_by_instance"):
            self._by_instance = {n: b for b in self.blocks for n in b.instances}
        return self._by_instance.get(name)

    def runs_model(self, block):
        """Whether BLOCK ran any line of the model: a block the model backend
        skips whole (only kernel, tool steps) ran none, and runs nothing."""
        if not hasattr(self, "_running"):
            self._running = {i for m in self.lines.values() for v in m.values() for i in v}
        return block.index in self._running

    def blocks_for(self, path, lines):
        hit = set()
        for ln in lines:
            hit.update(self.lines.get(path, {}).get(ln, ()))
        return [self.blocks[i] for i in sorted(hit)]


def build(tools, files, workdir, log):
    """svipc with FILES compiled for gcov, in WORKDIR/obj: the binary."""
    obj = os.path.join(workdir, "obj")
    os.makedirs(obj, exist_ok=True)
    covered = []
    for path in files:
        out = os.path.join(obj, os.path.basename(path)[:-2] + ".o")
        tools.compile(path, out, extra=["-O0", "--coverage"])
        covered.append(out)
    shim = os.path.join(obj, "gcov_exit.o")
    tools.compile(os.path.join(HERE, "gcov_exit.c"), shim, extra=["-O0"], warnings=True)
    binary = os.path.join(workdir, "svipc-cov")
    tools.link(binary, replace={os.path.basename(o): o for o in covered}, extra_objects=[shim],
               extra=["--coverage", "-Wl,--wrap=_exit", "-Wl,--wrap=ref_txn"])
    log(f"coverage: svipc built with {len(files)} files for gcov")
    return binary, obj


def lines_of_run(gcda_dir, obj, repo):
    """The lines run, from the counters in GCDA_DIR: {"impl/x.c": set(lines)}."""
    gcdas = sorted(f for f in os.listdir(gcda_dir) if f.endswith(".gcda")) if os.path.isdir(gcda_dir) else []
    if not gcdas:
        return {}
    for f in gcdas:
        link = os.path.join(gcda_dir, f[:-5] + ".gcno")
        if not os.path.exists(link):
            os.symlink(os.path.join(obj, f[:-5] + ".gcno"), link)
    out = subprocess.run(["gcov", "--json-format", "--stdout"] + gcdas, cwd=gcda_dir, capture_output=True,
                         text=True, check=True).stdout
    ran = {}
    for line in out.splitlines():
        if not line.strip():
            continue
        for f in json.loads(line)["files"]:
            rel = os.path.relpath(os.path.abspath(os.path.join(gcda_dir, f["file"])), repo)
            hit = {ln["line_number"] for ln in f["lines"] if ln["count"] > 0}
            if hit:
                ran.setdefault(rel, set()).update(hit)
    return ran


def all_skipped(results):
    with open(results, encoding="utf-8") as f:
        return all(json.loads(line).get("status", "skip") == "skip" for line in f if line.strip())


def run_block(binary, obj, block, workdir, repo, backend="model", env_extra=None):
    """Run one block alone on BACKEND; its instances, whether it passed, the lines it ran."""
    d = os.path.join(workdir, "blocks", str(block.index))
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    scenario = os.path.join(d, "block.svipc")
    with open(scenario, "w", encoding="utf-8") as f:
        f.write(block.text)
    results = os.path.join(d, "results.jsonl")
    gcda = os.path.join(d, "gcda")
    env = dict(os.environ, GCOV_PREFIX=gcda, GCOV_PREFIX_STRIP=str(obj.count("/")),
               SVIPC_STATE_DIR=os.path.join(d, "state"), **(env_extra or {}))
    p = subprocess.run([binary, "run", scenario, "--backend", backend, "--json", results], cwd=repo, env=env,
                       capture_output=True, text=True, timeout=120)
    names, failed = [], []
    with open(results, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            if "name" in r:
                names.append(r["name"])
                if r["status"] not in ("pass", "skip"):
                    failed.append(f"{r['name']}: {r['status']} {r.get('reason', '')}")
    tested_nothing = p.returncode == 2 and names and len(failed) == 0 and all_skipped(results)
    if p.returncode != 0 and not tested_nothing:
        failed.append(f"svipc exited {p.returncode}: {p.stderr.strip()[-300:]}")
    ran = lines_of_run(gcda, obj, repo)
    shutil.rmtree(d, ignore_errors=True)
    return names, failed, ran


def load_or_build(tools, repo, suites, files, workdir, jobs, log, backend="model", env_extra=None):
    """The map of BACKEND (model or ref), from the cache or made now."""
    key = digest(repo, suites)
    cache = os.path.join(workdir, "map.json" if backend == "model" else f"map-{backend}.json")
    what = "coverage" if backend == "model" else f"coverage ({backend})"
    blocks = blocks_of(suites)
    rel_blocks = [os.path.relpath(b.path, repo) for b in blocks]
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as f:
            data = json.load(f)
        if data.get("key") == key and data.get("files") == sorted(files):
            for b, names in zip(blocks, data["instances"]):
                b.instances = names
            lines = {p: {int(k): v for k, v in m.items()} for p, m in data["lines"].items()}
            log(f"{what}: cached map of {len(blocks)} blocks ({cache})")
            return Coverage(blocks, lines)
    binary, obj = build(tools, files, workdir, log)
    lines, problems = {}, []
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {pool.submit(run_block, binary, obj, b, workdir, repo, backend, env_extra): b for b in blocks}
        for n, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            b = futures[fut]
            names, failed, ran = fut.result()
            b.instances = names
            problems += [f"{rel_blocks[b.index]}:{b.line}: {why}" for why in failed]
            if failed and backend != "model":
                continue                # never selected: the unmutated runtime fails it already
            for path, hit in ran.items():
                for ln in hit:
                    lines.setdefault(path, {}).setdefault(ln, []).append(b.index)
            if n % 100 == 0:
                log(f"{what}: {n}/{len(blocks)} blocks")
    finally:                            # stopped (a signal): the blocks in progress end within their own deadline
        pool.shutdown(wait=True, cancel_futures=True)
    if problems and backend == "model":
        raise RuntimeError("blocks that do not pass alone on the model:\n  " + "\n  ".join(problems[:20]))
    if problems:
        log(f"{what}: {len(problems)} block(s) left out, not passing alone:\n  " + "\n  ".join(problems[:20]))
    if not lines:                       # a map of nothing would select nothing, and test nothing
        raise RuntimeError(f"{what}: no block ran a line of {', '.join(files)} (the counters were not found)")
    for m in lines.values():
        for v in m.values():
            v.sort()
    with open(cache + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"key": key, "files": sorted(files), "instances": [b.instances for b in blocks],
                   "lines": lines}, f)
    os.replace(cache + ".tmp", cache)
    log(f"{what}: map of {len(blocks)} blocks written ({cache})")
    return Coverage(blocks, lines)
