"""The report generator on small result files: the HTML shows the summary,
the matrix, plots and divergences side by side; the JUnit file parses and
counts right; malformed input is refused with file and line."""

import json
import os
import xml.etree.ElementTree as ET

import pytest
from conftest import entry, result, write_results

import html_report
import junit
import markdown
import mutation
import report
from results import ResultsError, divergences, load, load_all

KERNEL_TRACE = [entry(0, "A", "msgget", "done", "msq#0"),
                entry(1, "A", "msgrcv", "done", "5", mtype="5", text='"hello"')]
REF_TRACE = [entry(0, "A", "msgget", "done", "msq#0"),
             entry(1, "A", "msgrcv", "done", "ENOMSG")]


def sample(tmp_path):
    records = [
        result("ok-1", "pass", file="suites/sem/semop.svipc"),
        result("ok-2", "pass", file="suites/msg/msgsnd.svipc"),
        result("broken", "fail", reason="suites/msg/msgrcv.svipc:7: step 2: A: msgrcv\n"
                                        "    expected: 5\n    actual:   ENOMSG"),
        result("slow", "timeout", reason="no answer from A within 300 ms"),
        result("later", "skip", backend="ref", reason="the reference runtime is not built"),
        result("diverges", "pass", trace=KERNEL_TRACE),
        result("diverges", "fail", backend="ref", trace=REF_TRACE,
               reason="diverges from the kernel (one: kernel, other: ref): entry 2 differs",
               divergence={"against": "kernel", "trace": KERNEL_TRACE, "entry": 1}),
        {"kind": "bench", "name": "engine -j1", "value": 150.0, "unit": "scenarios/s", "floor": 260.0},
    ]
    return write_results(tmp_path / "run.jsonl", records)


def test_html_has_summary_matrix_plots_and_both_traces(tmp_path):
    path = sample(tmp_path)
    results, benches, incomplete = load_all([path])
    assert incomplete == []
    page = html_report.build(results, benches, [path])
    assert "<h2>Summary</h2>" in page and "<h2>Areas and themes</h2>" in page
    assert page.count("data:image/png;base64,") == 3          # results, timing, throughput
    assert "http://" not in page and "https://" not in page     # opens without network
    # the divergence: both traces, labelled, the differing entry marked
    assert "diverges: kernel against run:ref" in page
    assert page.count("<tr class=differs>") == 2               # entry 2, on both sides
    assert "<mark>ENOMSG</mark>" in page and "<mark>text=&quot;hello&quot;</mark>" in page
    assert "<mark>msq#0</mark>" not in page                      # what agrees is not marked
    assert "build/svipc run suites/msg/msgrcv.svipc --name &#x27;diverges&#x27; --backend ref -v" in page
    # the matrix has areas and themes
    assert "<td>msg</td><td>msgrcv</td>" in page and "<td>sem</td><td>semop</td>" in page


def test_junit_parses_and_counts(tmp_path):
    results = load(sample(tmp_path)).results
    root = ET.fromstring(junit.build(results))
    cases = root.findall(".//testcase")
    assert len(cases) == len(results) == 7
    kernel = root.find("testsuite[@name='svipc.run:kernel']")
    assert kernel.get("tests") == "5" and kernel.get("failures") == "2"
    broken = root.find(".//testcase[@name='broken']/failure")
    assert "expected: 5" in broken.text and "actual:   ENOMSG" in broken.text
    assert root.find(".//testcase[@name='slow']/failure").get("type") == "timeout"
    assert root.find(".//testcase[@name='later']/skipped") is not None


def test_markdown_summary(tmp_path):
    results = load(sample(tmp_path)).results
    text = markdown.build(results)
    assert "| run:kernel | 3 | 1 | 1 | 0 | 0 |" in text
    assert "Divergences: 1." in text
    assert "- `broken` [run:kernel] fail:" in text
    assert "- 1 [run:ref] the reference runtime is not built" in text


def test_runs_of_two_machines_are_compared(tmp_path):
    a = write_results(tmp_path / "linux.jsonl", [result("s", "pass", trace=KERNEL_TRACE)])
    b = write_results(tmp_path / "emulator.jsonl", [result("s", "pass", trace=REF_TRACE)])
    results, _, _ = load_all([a, b])
    found = divergences(results)
    assert len(found) == 1
    assert (found[0].left_label, found[0].right_label, found[0].differing) == \
        ("linux:kernel", "emulator:kernel", [1])


@pytest.mark.parametrize("line, reason", [
    ("not json", "not JSON"),
    ('{"name": "x", "backend": "kernel", "status": "pass", "line": "three"}', '"line" has the wrong type'),
    ('{"kind": "run", "complete": true, "results": 5}', "counts another number of results"),
    ('{"kind": "run", "complete": false, "results": 1}', 'needs "complete": true'),
    ('{"kind": "weather"}', 'unknown "kind"'),
    ('{"name": "x", "backend": "kernel"}', 'needs a string "status"'),
    ('{"name": "x", "backend": "kernel", "status": "maybe"}', 'unknown status "maybe"'),
    ('[1, 2]', "a result is a JSON object"),
    ('{"name": "x", "backend": "kernel", "status": "pass", "trace": 3}', '"trace" must be a list'),
])
def test_malformed_input_names_file_and_line(tmp_path, line, reason):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"name": "ok", "backend": "kernel", "status": "pass"}\n' + line + "\n\n")
    with pytest.raises(ResultsError) as e:
        load(str(path))
    assert str(e.value).startswith(f"{path}:2: ") and reason in str(e.value)


def test_cli_writes_all_three_or_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert report.main(["--out", str(out), sample(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == str(out / "report.html")
    assert sorted(os.listdir(out)) == ["junit.xml", "report.html", "summary.md"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{\n")
    empty = tmp_path / "empty"
    assert report.main(["--out", str(empty), str(bad)]) == 2
    assert f"{bad}:1: not JSON" in capsys.readouterr().err
    assert not empty.exists()


def test_a_run_killed_mid_write_is_an_incomplete_run_not_a_malformed_file(tmp_path, capsys):
    records = [result("ok-1", "pass"), result("broken", "fail", reason="expected 5")]
    cut = write_results(tmp_path / "killed.jsonl", records, end=False, tail='{"name": "ok-2", "backe')
    f = load(cut)
    assert [r.name for r in f.results] == ["ok-1", "broken"]
    assert f.incomplete.startswith(f"incomplete run: {cut}:3: the last line is cut short")
    stopped = write_results(tmp_path / "stopped.jsonl", records, end=False)
    assert "has no end record" in load(stopped).incomplete
    assert load(write_results(tmp_path / "done.jsonl", records)).incomplete == ""
    # the report is written, and says so everywhere
    out = tmp_path / "out"
    assert report.main(["--out", str(out), cut]) == 0
    assert "incomplete run" in capsys.readouterr().err
    assert "incomplete run" in (out / "report.html").read_text()
    assert "**incomplete run" in (out / "summary.md").read_text()
    root = ET.parse(out / "junit.xml").getroot()
    assert root.find("testsuite[@name='svipc.run']/testcase/error").get("type") == "incomplete"


def test_a_record_after_the_end_of_the_run_is_refused(tmp_path):
    path = write_results(tmp_path / "two.jsonl", [result("a", "pass")], tail=json.dumps(result("b", "pass")) + "\n")
    with pytest.raises(ResultsError) as e:
        load(path)
    assert str(e.value).startswith(f"{path}:3: a record after the end of the run")


def mutation_run(tmp_path, end=True):
    def mutant(i, op, status, **extra):
        m = {"kind": "mutant", "id": f"msg.c:send_loop:{op}:{i}", "file": "impl/msg.c", "function": "send_loop",
             "op": op, "line": 250 + i, "before": "if (!q)\n    return -EINVAL;", "after": "", "status": status}
        m.update(extra)
        return m
    mutants = [mutant(0, "check-del", "killed", by="msgsnd-bad-id"), mutant(1, "rel", "survived"),
               mutant(2, "rel", "equivalent", why="ids are never negative here"), mutant(3, "stmt-del", "uncompilable")]
    row = lambda k, s, e, u: {"mutants": k + s + e + u, "uncompilable": u, "equivalent": e, "killed": k,
                              "survived": s, "score": round(100.0 * k / (k + s), 2) if k + s else None}
    summary = {"kind": "mutants", "complete": True, "mutants": 4, "score": 50.0, "seconds": 12.5, "killed": 1,
               "survived": 1, "equivalent": 1, "uncompilable": 1, "by_file": {"impl/msg.c": row(1, 1, 1, 1)},
               "by_op": {"rel": row(0, 1, 1, 0), "check-del": row(1, 0, 0, 0), "stmt-del": row(0, 0, 0, 1)}}
    path = tmp_path / "mutants.jsonl"
    path.write_text("".join(json.dumps(m) + "\n" for m in mutants + ([summary] if end else [])))
    return str(path)


def test_the_mutation_section_shows_score_survivors_and_why_equivalent(tmp_path):
    page = html_report.build([], [], [], mutation=mutation.load(mutation_run(tmp_path)))
    section = page[page.index("<h2>Mutation score</h2>"):]
    assert "<strong>50.00%</strong>" in section and "1 of 2 (4 mutants of the model, 1 equivalent" in section
    assert "<td>impl/msg.c</td>" in section and "<td>check-del</td>" in section
    assert "<h3>Survivors (1)</h3>" in section and "msg.c:send_loop:rel:1" in section
    assert "ids are never negative here" in section
    assert "data:image/png;base64," in section
    incomplete = html_report.build([], [], [], mutation=mutation.load(mutation_run(tmp_path, end=False)))
    assert "incomplete mutation run" in incomplete


def test_a_malformed_mutation_run_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"kind": "mutant", "id": "x", "file": "impl/msg.c", "op": "rel", "status": "maybe", '
                    '"before": "", "after": "", "line": 3}\n')
    with pytest.raises(ResultsError) as e:
        mutation.load(str(path))
    assert str(e.value).startswith(f"{path}:1: unknown status")


def test_cli_takes_a_mutation_run(tmp_path):
    out = tmp_path / "out"
    assert report.main(["--out", str(out), "--mutants", mutation_run(tmp_path), sample(tmp_path)]) == 0
    assert "msg.c:send_loop:rel:1" in (out / "report.html").read_text()


def stress_summary(tmp_path, name, procs, ops_per_s, status=0, problems=()):
    record = {"kind": "stress", "ran": True, "backend": "ref", "workload": "mixed", "procs": procs, "seed": 4,
              "operations": 1000, "seconds": 1.0, "ops_per_s": ops_per_s, "kills": 2, "killed_at_deadline": 0,
              "recorded": True, "events": 1002,
              "latency": {"semop": {"calls": 600, "returned": 599, "failed": 40, "eintr": 12, "p50_us": 1.5,
                                    "p90_us": 800.0, "p99_us": 2100.0, "max_us": 4000.0}},
              "check": {"objects": 4, "linearizable": 4 - len(problems), "violations": status == 1,
                        "undecided": status == 2, "steps": 9000, "seconds": 0.1, "events_per_s": 10020,
                        "problems": list(problems)},
              "result": {0: "linearizable", 1: "NOT linearizable", 2: "undecided"}[status], "status": status}
    path = tmp_path / name
    path.write_text(json.dumps(record) + "\n")
    return str(path)


def test_the_stress_section_shows_runs_scaling_latency_and_dead_ends(tmp_path):
    import stress_report
    undecided = {"object": 3, "verdict": "undecided", "events": 700, "pending": 1,
                 "why": "search bound reached: 5000000 steps", "dead_end_state": "values 1 0 2",
                 "dead_end_call": {"proc": 2, "op": "semop", "sops": [[0, -1, 0]]}}
    runs = [stress_report.load(stress_summary(tmp_path, "a.json", 2, 50000)),
            stress_report.load(stress_summary(tmp_path, "b.json", 8, 120000, status=2, problems=[undecided]))]
    page = html_report.build([], [], [], stress=runs)
    section = page[page.index("<h2>Stress</h2>"):page.index("<h2>Mutation score</h2>")]
    assert "<td>120,000</td>" in section and "<td>50,000</td>" in section
    assert "<th>2</th><th>8</th>" in section                      # the scaling table
    assert "<td>semop</td>" in section and "<td>2100.0</td>" in section
    assert "search bound reached" in section and "values 1 0 2" in section
    assert "<span class='skip'>undecided</span>" in section
    assert "No stress results" in html_report.build([], [], [])


def test_a_violation_shows_the_scenario_it_was_shrunk_to(tmp_path):
    import stress_report
    violation = {"object": 5, "verdict": "violation", "events": 40, "pending": 0, "why": "no order of its calls"}
    path = stress_summary(tmp_path, "v.json", 3, 1000, status=1, problems=[violation])
    record = json.loads(open(path).read())
    record["shrunk"] = {"object": 5, "reproduced": True, "steps": 7, "scenario": "found.svipc"}
    open(path, "w").write(json.dumps(record))
    page = html_report.build([], [], [], stress=[stress_report.load(path)])
    assert "shrunk to <code>found.svipc</code> (7 steps)" in page
    record["shrunk"] = {"object": 5, "reproduced": False, "why": "the scenario written does not fail on ref"}
    open(path, "w").write(json.dumps(record))
    page = html_report.build([], [], [], stress=[stress_report.load(path)])
    assert "not shrunk: the scenario written does not fail on ref" in page


def test_stress_runs_as_a_text_table_with_why_a_run_stopped_early(tmp_path, capsys):
    import stress_report
    a = stress_summary(tmp_path, "a.json", 128, 163520)
    b = tmp_path / "b.json"
    record = json.loads(open(stress_summary(tmp_path, "b0.json", 2, 9000, status=2)).read())
    record["stopped_early"] = "the history was full (--max-events)"
    b.write_text(json.dumps(record))
    assert stress_report.main([a, str(b)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:4] == ["backend", "procs", "seconds", "ops/s"]
    assert lines[1].split()[:4] == ["ref", "2", "1", "9,000"]        # by processes
    assert lines[1].endswith("undecided (the history was full (--max-events))")
    assert lines[2].split()[:4] == ["ref", "128", "1", "163,520"] and lines[2].endswith("linearizable")
    assert stress_report.main([str(tmp_path / "missing.json")]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_cli_takes_stress_summaries_and_refuses_other_files(tmp_path, capsys):
    out = tmp_path / "out"
    one = stress_summary(tmp_path, "one.json", 4, 9000)
    assert report.main(["--out", str(out), "--stress", one, "--stress", one, sample(tmp_path)]) == 0
    assert "<h2>Stress</h2>" in (out / "report.html").read_text()
    other = tmp_path / "other.json"
    other.write_text('{"kind": "bench"}\n')
    assert report.main(["--out", str(tmp_path / "none"), "--stress", str(other), sample(tmp_path)]) == 2
    assert f"{other}:1: not a svipc stress --json summary" in capsys.readouterr().err


def test_a_run_on_a_target_is_named_by_its_target(tmp_path):
    import stress_report
    path = stress_summary(tmp_path, "g.json", 2, 3000, status=1,
                          problems=[{"object": 1, "verdict": "violation", "events": 5, "pending": 0, "why": "no order"}])
    record = json.loads(open(path).read())
    record.update(backend="kernel", target="gvisor")
    open(path, "w").write(json.dumps(record))
    here = stress_report.load(stress_summary(tmp_path, "k.json", 8, 9000))
    runs = [stress_report.load(path), here]
    page = html_report.build([], [], [], stress=runs)
    assert "<td>kernel on gvisor</td>" in page and "<td>ref</td>" in page
    assert "kernel on gvisor" in stress_report.text_table(runs)
