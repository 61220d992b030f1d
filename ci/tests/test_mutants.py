"""The mutation tool's C reading and operators on small functions: each class
finds its sites and makes exact edits, ids survive unrelated edits, the
catalog's blocks and the equivalent file are read as documented."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "mutants"))

import catalog  # noqa: E402
import mutants  # noqa: E402
from csource import CSyntaxError, parse  # noqa: E402
from operators import mutants_of  # noqa: E402

SOURCE = """#include <errno.h>
struct q { int n; int stime; struct q *next; };

static long send(struct q *q, int flags, int size, long now)
{
    if (!q)
        return -EINVAL;
    if (size > 8192)
        return -E2BIG;
    if (flags & 04000)
        return -EAGAIN;
    q->stime = now;
    q->n++;
    for (struct q *p = q; p; p = p->next)
        p->n += 1;
    for (int i = 0; i < size; i++)
        q->n--;
    return 0;
}

static void free_all(struct q *q)
{
    q->n = 0;
}
"""


def by_id(text=SOURCE):
    return {m.id: m for m in mutants_of(text, "impl/x.c")}


def test_functions_and_statements_are_read():
    src = parse(SOURCE, "impl/x.c")
    assert [f.name for f in src.functions] == ["send", "free_all"]
    kinds = [s.kind for s in src.functions[0].body.children]
    assert kinds == ["if", "if", "if", "expr", "expr", "for", "for", "return"]


def test_every_class_edits_exactly():
    ms = by_id()
    apply = lambda i: ms[i].apply(SOURCE)
    assert "if (size >= 8192)" in apply("x.c:send:rel:0")
    assert "if (size > 8193)" in apply("x.c:send:bound:0")
    assert "return -EAGAIN;\n    if (flags" not in apply("x.c:send:errno:0") and \
        "return -E2BIG;\n    if (size" in apply("x.c:send:errno:0")             # EINVAL -> its neighbour E2BIG
    assert "return -EINVAL;" in apply("x.c:send:errno:2")                         # EAGAIN -> EINVAL, cyclically
    assert "if (!q)" not in apply("x.c:send:check-del:0")
    swapped = apply("x.c:send:check-order:1")                                     # E2BIG's check after EAGAIN's
    assert swapped.index("EAGAIN") < swapped.index("E2BIG")
    assert "q->stime = now;" not in apply("x.c:send:stmt-del:0")
    assert "if (!(flags & 04000))" in apply("x.c:send:flag:0")
    assert "p = q->next" not in apply("x.c:send:loop-first:0") and "continue;" in apply("x.c:send:loop-first:0")
    assert "int i = 1;" in apply("x.c:send:loop-first:1")
    assert "p && p->next;" in apply("x.c:send:loop-last:0")
    assert "i < size - 1;" in apply("x.c:send:loop-last:1")


def test_a_null_check_is_not_moved_after_what_it_guards():
    moved = lambda ms: [m for m in ms.values() if m.op == "check-order" and "!q" in m.before]
    assert len(moved(by_id())) == 1                      # the size check does not read q
    assert moved(by_id(SOURCE.replace("if (size > 8192)", "if (q->n > size)"))) == []


def test_ids_survive_an_unrelated_edit_and_teardown_is_left_alone():
    before = by_id()
    after = by_id(SOURCE.replace("static void free_all", "static int other(int a)\n{\n    return a < 3;\n}\n\n"
                                                         "static void free_all"))
    assert set(before) <= set(after)
    assert all(before[i].before == after[i].before and before[i].after == after[i].after for i in before)
    teardown = by_id(SOURCE.replace("free_all", "model_msg_free_all"))
    assert [i for i in before if ":free_all:" in i] and not [i for i in teardown if "free_all" in i]


def test_what_cannot_be_read_is_said_with_file_and_line():
    with pytest.raises(CSyntaxError) as e:
        parse("int f(void)\n{\n    if (x\n}\n", "impl/bad.c")
    assert str(e.value).startswith("impl/bad.c:")


def test_blocks_are_scenarios_with_their_place(tmp_path):
    (tmp_path / "a.svipc").write_text("# c\nscenario one\n  procs A\nend\n\nscenario two-{n}\n  for n in 1 2\nend\n")
    blocks = catalog.blocks_of(str(tmp_path))
    assert [(b.name, b.line) for b in blocks] == [("one", 2), ("two-{n}", 6)]
    assert blocks[1].text == "scenario two-{n}\n  for n in 1 2\nend\n"


def test_the_equivalent_file_needs_a_reason_for_each(tmp_path):
    good = tmp_path / "eq.txt"
    good.write_text("# why\nx.c:send:rel:0  size never reaches 8192 here\n")
    assert mutants.read_reasons(str(good)) == {"x.c:send:rel:0": "size never reaches 8192 here"}
    bad = tmp_path / "bad.txt"
    bad.write_text("x.c:send:rel:0\n")
    with pytest.raises(mutants.Failure) as e:
        mutants.read_reasons(str(bad))
    assert str(e.value).startswith(f"{bad}:1: ")


def test_the_known_killed_list_names_each_killer_by_file_and_scenario(tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "a.svipc").write_text("scenario one-{n}\n  for n in 1 2\nend\n")
    block = catalog.blocks_of(str(tmp_path / "s"))[0]
    assert catalog.block_key(block, str(tmp_path)) == "s/a.svipc:one-{n}"
    killed = tmp_path / "killed.txt"
    killed.write_text("# header\nx.c:send:rel:0 0123456789ab s/a.svipc:one-{n}\nx.c:send:eq:0 ba9876543210 -\n")
    assert mutants.read_killed(str(killed)) == {"x.c:send:rel:0": ("0123456789ab", "s/a.svipc:one-{n}"),
                                                "x.c:send:eq:0": ("ba9876543210", None)}
    killed.write_text("x.c:send:rel:0\n")
    with pytest.raises(mutants.Failure) as e:
        mutants.read_killed(str(killed))
    assert str(e.value).startswith(f"{killed}:1: ")


def test_each_kill_says_its_stage_and_only_the_model_backends_are_known_killed(tmp_path, capsys):
    """The score counts the kills of each stage (ref, sanitized, stress included); the
    known-killed list, which the sample replays on the model backend, holds
    only the model backend's kills."""
    ms = [m for m in mutants_of(SOURCE, "impl/x.c")][:6]
    stages = ["selection", "catalog", "ref", "sanitized", "stress", None]
    records = {}
    for m, stage in zip(ms, stages):
        r = {"kind": "mutant", "id": m.id, "file": m.file, "op": m.op, "line": m.line, "before": m.before,
             "after": m.after, "fingerprint": mutants.fingerprint(m)}
        if stage:
            r.update(status="killed", how="fail", where=stage, stage=stage, by="", reason="r", block="s/a.svipc:one")
        else:
            r.update(status="survived")
        records[m.id] = r
    args = mutants.argparse.Namespace(only=[], sample=None, records=None, write_killed=True, min_score=None,
                                      equivalent=str(tmp_path / "none.txt"), killed=str(tmp_path / "killed.txt"),
                                      survivors=str(tmp_path / "survivors.txt"), explained={ms[5].id: "why"})
    out = str(tmp_path / "results.jsonl")
    assert mutants.finish(args, 0.0, ["x"], ms, 0, {}, {m.id for m in ms}, records, out) == 0
    with open(out, encoding="utf-8") as f:
        summary = [mutants.json.loads(line) for line in f][-1]
    assert summary["by_stage"] == {"selection": 1, "catalog": 1, "ref": 1, "sanitized": 1, "stress": 1}
    assert "killed by stage: selection 1, catalog 1, ref 1, sanitized 1, stress 1" in capsys.readouterr().out
    assert sorted(mutants.read_killed(args.killed)) == sorted(m.id for m in ms[:2])


def test_a_survivor_needs_its_why_and_a_killed_one_loses_its_line(tmp_path, capsys):
    """A full run fails on a survivor that suites/mutants-survivors.txt does
    not explain, and names it; an explained one carries its why into the
    results; a listed one that was killed is reported, to remove its line."""
    ms = [m for m in mutants_of(SOURCE, "impl/x.c")][:3]
    records = {}
    for m, status in zip(ms, ["survived", "survived", "killed"]):
        r = {"kind": "mutant", "id": m.id, "file": m.file, "op": m.op, "line": m.line, "before": m.before,
             "after": m.after, "fingerprint": mutants.fingerprint(m), "status": status}
        if status == "killed":
            r.update(how="fail", where="selection", stage="selection", by="one", reason="r")
        records[m.id] = r
    listed = tmp_path / "survivors.txt"
    listed.write_text(f"# comment\n{ms[0].id}  needs 21,846 objects\n{ms[2].id}  was thought unkillable\n")
    args = mutants.argparse.Namespace(only=[], sample=None, records=None, write_killed=False, min_score=None,
                                      equivalent=str(tmp_path / "none.txt"), killed=str(tmp_path / "killed.txt"),
                                      survivors=str(listed), explained=mutants.read_reasons(str(listed)))
    out = str(tmp_path / "results.jsonl")
    assert mutants.finish(args, 0.0, ["x"], ms, 0, {}, {m.id for m in ms}, records, out) == 1
    said = capsys.readouterr().out
    assert "why: needs 21,846 objects" in said
    assert f"{ms[1].id}  impl/x.c:" in said and "UNEXPLAINED" in said
    assert "1 survivor(s) unexplained" in said
    assert f"listed as a survivor but killed: {ms[2].id} by one" in said
    with open(out, encoding="utf-8") as f:
        rows = [mutants.json.loads(line) for line in f]
    assert rows[0]["why"] == "needs 21,846 objects" and "why" not in rows[1]
    assert rows[-1]["unexplained"] == 1
    # explained, the run passes
    listed.write_text(f"{ms[0].id}  needs 21,846 objects\n{ms[1].id}  the host's RAM\n")
    args.explained = mutants.read_reasons(str(listed))
    assert mutants.finish(args, 0.0, ["x"], ms, 0, {}, {m.id for m in ms}, records, out) == 0


class FakeRunner:
    """runner.command's answers, in order: (status, stdout, stderr); the
    history file the mutant's run writes is made as a real run would."""

    def __init__(self, answers, history_dir):
        self.answers, self.calls, self.history_dir = list(answers), [], history_dir

    def command(self, cmd, wall):
        self.calls.append(cmd)
        if "--no-check" in cmd:
            with open(cmd[cmd.index("--history") + 1], "w", encoding="utf-8") as f:
                f.write("{}\n")
        return self.answers.pop(0)


def test_the_stress_stage_kills_on_the_unmutated_check_and_only_there(tmp_path):
    m = next(m for m in mutants_of(SOURCE, "impl/msg.c"))
    clean = [(2, "result: not checked", ""), (0, "check: 1 objects: 1 linearizable", "")]
    # every run recorded and checked clean: survives, after all the runs
    r = FakeRunner(clean * len(mutants.STRESS_RUNS), tmp_path)
    assert mutants.stress_run(m, r, "mutant-svipc", "svipc", str(tmp_path)) == (False, "", "", "")
    checks = [c for c in r.calls if "--check" in c]
    assert len(checks) == len(mutants.STRESS_RUNS) and all(c[0] == "svipc" for c in checks)
    assert all(c[0] == "mutant-svipc" and "--workload" in c and c[c.index("--workload") + 1] == "msg"
               for c in r.calls if "--no-check" in c)
    # the unmutated svipc finds a violation in the second run's history: killed there
    r = FakeRunner(clean + [(2, "", ""), (1, "check: 2 objects: 1 linearizable, 1 violations", "")], tmp_path)
    killed, how, by, reason = mutants.stress_run(m, r, "mutant-svipc", "svipc", str(tmp_path))
    assert killed and how == "violation" and "--seed 2" in by and "1 violations" in reason
    # a run that does not end, or whose workers crash, kills without a check
    assert mutants.stress_run(m, FakeRunner([(None, "", "")], tmp_path), "m", "s", str(tmp_path))[1] == "hang"
    crashed = FakeRunner([(2, "", "svipc stress: 1 workers ended abnormally")], tmp_path)
    assert mutants.stress_run(m, crashed, "m", "s", str(tmp_path))[1] == "crash"
    # a file no workload reaches has no stress stage
    other = next(m for m in mutants_of(SOURCE, "impl/perm.c"))
    assert mutants.stress_run(other, FakeRunner([], tmp_path), "m", "s", str(tmp_path)) is None


def test_a_golden_subset_with_no_line_is_the_whole_file(tmp_path):
    """Blocks whose instances skip on Linux have no golden line: svipc
    refuses an empty golden file, so the whole one stands in."""
    whole = tmp_path / "linux.jsonl"
    whole.write_text('{"name": "a", "trace": []}\n{"name": "b", "trace": []}\n')
    golden = catalog.Golden(str(whole))
    part = str(tmp_path / "part.jsonl")
    assert golden.write_subset(part, ["b", "not-recorded"]) == part
    assert open(part, encoding="utf-8").read() == '{"name": "b", "trace": []}\n'
    assert golden.write_subset(part, ["not-recorded"]) == str(whole)
