"""svipc-bench's records in reports: what results.py accepts and refuses
(file:line: reason), and the benchmark section: scaling curves, the ratio
table against the kernel, failed entries with why."""

import json

import pytest
from conftest import write_results

import html_report
from results import ResultsError, load, load_all


def timed(workload, impl, procs, value, compare=None):
    return {"kind": "bench", "name": f"{workload} {impl} N={procs}", "workload": workload, "impl": impl,
            "procs": procs, "ops": 1000, "compare": compare, "load": 3.5, "definition": "one thing",
            "value": value, "unit": "ops/s", "min": value * 0.9, "max": value * 1.2,
            "rounds": [value * 0.9, value, value * 1.2], "cpu_us_per_op": 2.0, "vcsw_per_op": 0.0}


def records():
    out = []
    for n, k in ((1, 100000.0), (2, 80000.0), (4, 50000.0)):
        out += [timed("sem-mutex", "kernel", n, k), timed("sem-mutex", "ref", n, k / 4),
                timed("psem-mutex", "posix", n, k * 2, compare="sem-mutex")]
    out.append({"kind": "bench", "name": "msg-full ref N=2", "workload": "msg-full", "impl": "ref", "procs": 2,
                "ops": 200, "error": "process 1 did 99 operations, 100 expected"})
    return out


def test_section_has_curves_ratios_and_failures(tmp_path):
    path = write_results(tmp_path / "bench.jsonl", records())
    results, benches, incomplete = load_all([path])
    assert incomplete == [] and results == [] and len(benches) == 10
    page = html_report.build(results, benches, [path])
    assert "Workloads (svipc-bench)" in page and "alt='scaling curves'" in page
    assert "Load average while measured: 3.50 to 3.50" in page
    # ref at a quarter of the kernel, POSIX at twice, at every N
    assert page.count("<td class='num'>0.25</td>") == 3 and page.count("<td class='num'>2.00</td>") == 3
    assert "<td>psem-mutex (posix)</td><td>sem-mutex</td>" in page
    assert "process 1 did 99 operations, 100 expected" in page


@pytest.mark.parametrize("change, reason", [
    ({"procs": 0}, '"procs", a number of at least 1'),
    ({"ops": "many"}, '"ops", a number of at least 1'),
    ({"impl": 3}, 'a string "impl"'),
    ({"rounds": []}, 'its "rounds"'),
    ({"min": 200000.0}, 'between its "min" and "max"'),
    ({"error": ""}, '"error" says why'),
])
def test_malformed_records_are_refused_with_file_and_line(tmp_path, change, reason):
    bad = timed("sem-mutex", "kernel", 1, 1000.0)
    bad.update(change)
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(timed("sem-mutex", "ref", 1, 10.0)) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(ResultsError, match=rf"bad.jsonl:2: .*{reason}"):
        load(str(path))


def test_smoke_records_are_counts_not_figures(tmp_path):
    smoke = {"kind": "bench", "name": "sem-mutex kernel N=1", "workload": "sem-mutex", "impl": "kernel",
             "procs": 1, "ops": 42, "smoke": True}
    path = write_results(tmp_path / "smoke.jsonl", [smoke])
    results, benches, _ = load_all([path])
    assert benches[0].smoke and benches[0].record["ops"] == 42
    page = html_report.build(results, benches, [path])
    assert "1 smoke entries: counted and checked, not timed" in page and "scaling curves" not in page


def test_observations_are_checked_and_shown(tmp_path):
    rec = timed("msg-stream", "kernel", 2, 50000.0)
    rec["observed"] = {"ops": 1000, "calls": {"msgrcv": {"calls": 1000, "errors": 0,
                                                         "log2_ns": [0] * 9 + [900, 90, 0, 0, 0, 0, 0, 0, 10]}}}
    path = write_results(tmp_path / "obs.jsonl", [rec])
    results, benches, _ = load_all([path])
    page = html_report.build(results, benches, [path])
    assert "Observed in the kernel" in page
    assert ("<td>msgrcv</td><td class='num'>1</td><td class='num'>0</td><td class='num'></td>"
            "<td class='num'>&lt; 1 us</td><td class='num'>&lt; 2 us</td><td class='num'>&lt; 262 us</td>") in page
    rec["observed"]["calls"]["msgrcv"]["calls"] = 999          # the histogram no longer sums to it
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(rec) + "\n")
    with pytest.raises(ResultsError, match='bad.jsonl:1: "observed" call "msgrcv"'):
        load(str(bad))


def observed_record():
    rec = timed("msg-pingpong", "kernel", 2, 50000.0)
    rec["observed"] = {
        "ops": 100,
        "calls": {"msgsnd": {"calls": 200, "errors": 0, "slept": 0, "total_ns": 100000, "asleep_ns": 0,
                             "log2_ns": [0] * 8 + [150, 50]},
                  "msgrcv": {"calls": 200, "errors": 0, "slept": 120, "total_ns": 3000000, "asleep_ns": 2000000,
                             "log2_ns": [0] * 8 + [70, 10, 0, 0, 0, 100, 20]}},
        "sched": {"switches": 250, "preempted": 120, "sleeps": 130, "migrations": 5, "wakeups": 125,
                  "asleep_ns": 2100000, "switches_per_op": 2.5, "migrations_per_op": 0.05,
                  "wake_log2_ns": [0] * 8 + [100, 0, 0, 25]}}
    return rec


def test_the_scheduler_and_the_histograms_are_shown(tmp_path):
    path = write_results(tmp_path / "obs.jsonl", [observed_record()])
    results, benches, _ = load_all([path])
    page = html_report.build(results, benches, [path])
    # the scheduler per operation: switches, preempted, migrations, wake-ups, wake-up to run
    assert ("<tr><td>msg-pingpong kernel N=2</td><td class='num'>2.5</td><td class='num'>1.2</td>"
            "<td class='num'>0.05</td><td class='num'>1.25</td><td class='num'>&lt; 512 ns</td>"
            "<td class='num'>&lt; 4 us</td></tr>") in page
    # one inline SVG for the entry: a row per call and one for the wake-ups,
    # a bar per non-empty bucket, the median marked per row; nothing fetched
    assert page.count("<svg class='hist'") == 1
    svg = page[page.index("<svg class='hist'"):page.index("</svg>")]
    assert svg.count("<rect") == 2 + 4 + 2 and svg.count("<path") == 3
    assert "msgrcv: 100 of 200 in [8.2 us, 16 us)" in svg
    assert "http" not in svg and "<script" not in page.split("Latency histograms")[1]


def test_a_bad_scheduler_record_is_refused(tmp_path):
    rec = observed_record()
    rec["observed"]["sched"]["wakeups"] = 124                  # the histogram no longer sums to it
    bad = write_results(tmp_path / "bad.jsonl", [rec])
    with pytest.raises(ResultsError, match='"observed" "sched"'):
        load(str(bad))
