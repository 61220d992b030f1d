"""The shards of one run (`svipc run --shard I/N --json FILE`) joined into that run.

A shard's result file ends with an end record whose "shard" says which part of
which selection it holds: {"index": I, "count": N, "instances": M (selected
before sharding), "selection": a fingerprint of their names, the backends and
the target, "backends": "kernel,ref", "target": "native"}.  Joining checks, and
names, everything that would make the joined run lie:
  - shards of different selections, or one shard given twice, are refused;
  - every result must be in the shard its name hashes to (harness/shard.c's
    function, computed here too), else the file is refused;
  - a missing shard, or one cut short (a file without its end record, whose
    results all hash to one shard of the group), makes the joined run
    incomplete, saying which shard and why; it is never silently merged;
  - the results of a complete join count instances x backends.
Must not: print, or decide pass or fail.
"""

import dataclasses
import json
import os

from results import ResultsError, RunFile

MASK = (1 << 64) - 1
SHARD_KEYS = ("count", "instances", "selection", "backends", "target")


class ShardError(ResultsError):
    """Shard files that cannot be joined: the message names the files."""


def shard_hash(name):
    """harness/shard.c's shard_hash: FNV-1a (64 bits), then MurmurHash3's fmix64."""
    h = 0xcbf29ce484222325
    for byte in name.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001b3) & MASK
    h ^= h >> 33
    h = (h * 0xff51afd7ed558ccd) & MASK
    h ^= h >> 33
    h = (h * 0xc4ceb9fe1a85ec53) & MASK
    h ^= h >> 33
    return h


def shard_of(name, count):
    """The shard (1..COUNT) the instance NAME belongs to."""
    return shard_hash(name) % count + 1


def _shard(f):
    """The "shard" of F's end record, or None (a whole run, or no end record)."""
    shard = (f.end or {}).get("shard")
    if shard is None:
        return None
    ok = isinstance(shard, dict) and all(isinstance(shard.get(k), int) and not isinstance(shard.get(k), bool)
                                         for k in ("index", "count", "instances")) \
        and all(isinstance(shard.get(k), str) for k in ("selection", "backends", "target")) \
        and 1 <= shard["index"] <= shard["count"]
    if not ok:
        raise ShardError(f"{f.path}: the end record's \"shard\" is malformed (it needs index, count, instances, "
                         "selection, backends and target)")
    return shard


def _label(files):
    """The joined run's label: what the shard files' labels share ("results"
    for results-1 ... results-4), or "shards"."""
    labels = [f.label for f in files]
    prefix = os.path.commonprefix(labels).rstrip("-_.#0123456789")
    return prefix or "shards"


def _sort_key(backends):
    order = {b: i for i, b in enumerate(backends.split(","))}
    return lambda r: (r.file, r.line, r.name, order.get(r.backend, len(order)))


def _join(group, cut_candidates):
    """One selection's shard files (GROUP, each with its end record) and the
    files without an end record that may be its cut shards: the joined
    RunFile, its "shard" description, and the files taken as cut shards."""
    first = _shard(group[0])
    count = first["count"]
    by_index = {}
    for f in group:
        shard = _shard(f)
        for key in SHARD_KEYS:
            if shard[key] != first[key]:
                raise ShardError(f"{group[0].path} and {f.path} are shards of different runs ({key}: "
                                 f"{first[key]!r} and {shard[key]!r})")
        if shard["index"] in by_index:
            raise ShardError(f"shard {shard['index']}/{count} is given twice: {by_index[shard['index']].path} "
                             f"and {f.path}")
        by_index[shard["index"]] = f
    problems, cut = [], []
    for f in cut_candidates:
        homes = {shard_of(r.name, count) for r in f.results}
        if len(homes) == 1 and next(iter(homes)) not in by_index:
            index = homes.pop()
            by_index[index] = f
            cut.append(f)
            problems.append(f"shard {index}/{count} ({f.path}) is cut short: {f.incomplete}")
    for index in range(1, count + 1):
        if index not in by_index:
            problems.append(f"shard {index}/{count} is missing")
    results = []
    for index, f in sorted(by_index.items()):
        for r in f.results:
            home = shard_of(r.name, count)
            if home != index:
                raise ShardError(f"{f.path}: {r.name} [{r.backend}] belongs to shard {home}/{count}, not "
                                 f"{index}/{count}")
        results += f.results
    backends = first["backends"].split(",")
    if not problems and len(results) != first["instances"] * len(backends):
        problems.append(f"the shards hold {len(results)} results, but the run selected {first['instances']} "
                        f"instances on {len(backends)} backend(s)")
    label = _label(group + cut)
    joined = [dataclasses.replace(r, run=label) for r in sorted(results, key=_sort_key(first["backends"]))]
    members = group + cut
    incomplete = f"incomplete run: {label}: " + "; ".join(problems) if problems else ""
    end = None
    if not problems:
        count_of = lambda s: sum(1 for r in joined if r.status == s)
        end = {"kind": "run", "complete": True, "results": len(joined), "passed": count_of("pass"),
               "failed": len(joined) - count_of("pass") - count_of("skip"), "skipped": count_of("skip"),
               "shards": {k: first[k] for k in SHARD_KEYS}}
    run = RunFile(path=", ".join(f.path for f in members), label=label, results=joined,
                  benches=[b for f in members for b in f.benches], incomplete=incomplete, end=end)
    return run, problems, cut


def join_runs(files):
    """FILES (RunFile, in the order given) with the shards of each run
    joined into one RunFile in the place of its first shard; other files as
    they were.  ShardError for shards that cannot be joined."""
    groups = {}
    for f in files:
        shard = _shard(f)
        if shard is not None:
            groups.setdefault(shard["selection"], []).append(f)
    if not groups:
        return list(files)
    unended = [f for f in files if f.end is None and f.results]
    joined, taken = {}, set()
    for selection, group in groups.items():
        run, _, cut = _join(group, [f for f in unended if id(f) not in taken])
        taken.update(id(f) for f in cut)
        joined[selection] = run
    out, placed = [], set()
    for f in files:
        shard = _shard(f)
        if shard is not None:
            if shard["selection"] not in placed:
                placed.add(shard["selection"])
                out.append(joined[shard["selection"]])
        elif id(f) not in taken:
            out.append(f)
    return out


def merge(files):
    """The one run FILES are the shards of: (RunFile, problems).  Refused
    (ShardError) unless every file is a shard of one selection, or a cut one."""
    group = [f for f in files if _shard(f) is not None]
    if not group:
        raise ShardError("none of the files is a shard (svipc run --shard I/N --json FILE writes one)")
    selections = {_shard(f)["selection"] for f in group}
    if len(selections) > 1:
        raise ShardError("the files are shards of different runs: " +
                         ", ".join(f"{f.path} ({_shard(f)['selection']})" for f in group))
    others = [f for f in files if _shard(f) is None]
    run, problems, cut = _join(group, [f for f in others if f.end is None and f.results])
    taken = {id(f) for f in cut}
    for f in others:
        if id(f) not in taken:
            what = "a whole run" if f.end is not None else f"not a shard of this run ({f.incomplete})"
            raise ShardError(f"{f.path} is {what}: it cannot be merged with shards")
    return run, problems


def write(path, run):
    """RUN's results as one result file at PATH (its records as read), with
    its end record only if it is complete; written beside PATH and renamed."""
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w", encoding="utf-8") as out:
        for r in run.results:
            out.write(json.dumps(r.record, separators=(",", ":")) + "\n")
        if run.end is not None:
            out.write(json.dumps(run.end, separators=(",", ":")) + "\n")
    os.replace(temporary, path)
