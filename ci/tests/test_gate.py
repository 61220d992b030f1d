"""The CI gate: passes on the baseline, fails on a new failure or divergence,
reports fixed entries, refuses malformed baselines with file and line."""

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "reports", "tests"))
sys.path.insert(0, os.path.join(HERE, ".."))

from conftest import entry, result, write_results  # noqa: E402

import gate  # noqa: E402

BASELINE = """# known failures
kernel  known-bad  fail     the kernel returns EINVAL here (bug 123)
ref     slow-one   timeout  the model does not time out yet   # trailing comment
"""


def run_gate(tmp_path, records, baseline=BASELINE, extra=(), **write):
    b = tmp_path / "baseline.txt"
    b.write_text(baseline)
    r = write_results(tmp_path / "run.jsonl", records, **write)
    return gate.main(["--baseline", str(b), *extra, r])


def test_passes_on_the_baseline(tmp_path, capsys):
    records = [result("good", "pass"), result("known-bad", "fail", reason="EINVAL"),
               result("slow-one", "timeout", backend="ref", reason="deadline")]
    assert run_gate(tmp_path, records) == 0
    out = capsys.readouterr().out
    assert "0 new failures" in out and "2 known failures" in out and "gate: passed" in out


def test_fails_on_an_injected_divergence(tmp_path, capsys):
    records = [result("good", "pass"), result("known-bad", "fail", reason="EINVAL"),
               result("slow-one", "timeout", backend="ref"),
               result("good", "fail", backend="ref", reason="diverges from the kernel: entry 1 differs",
                      trace=[entry(0, "A", "msgget", "done", "msq#1")],
                      divergence={"against": "kernel", "trace": [entry(0, "A", "msgget", "done", "msq#0")],
                                  "entry": 0})]
    assert run_gate(tmp_path, records) == 1
    out = capsys.readouterr().out
    assert "NEW FAILURE: good [ref]: fail: diverges from the kernel" in out
    assert "gate: FAILED" in out


def test_reports_fixed_entries_and_strict_fails_on_them(tmp_path, capsys):
    records = [result("known-bad", "pass"), result("slow-one", "timeout", backend="ref")]
    assert run_gate(tmp_path, records) == 0
    out = capsys.readouterr().out
    assert "FIXED: known-bad [kernel]: passes now; baseline says: the kernel returns EINVAL here (bug 123)" in out
    assert "tighten the baseline" in out
    assert run_gate(tmp_path, records, extra=["--strict"]) == 1


def test_changed_and_not_run_are_named(tmp_path, capsys):
    records = [result("known-bad", "timeout", reason="hang")]
    assert run_gate(tmp_path, records) == 0
    out = capsys.readouterr().out
    assert "CHANGED: known-bad [kernel]: listed as fail, now timeout: hang" in out
    assert "not run: slow-one [ref]" in out


@pytest.mark.parametrize("text, reason", [
    ("kernel only-two\n", "write BACKEND SCENARIO STATUS REASON"),
    ("kernel x passed because\n", "status 'passed' is not one of"),
    ("kernel x fail a\nkernel x fail b\n", "kernel x is listed twice"),
])
def test_malformed_baseline_names_file_and_line(tmp_path, capsys, text, reason):
    assert run_gate(tmp_path, [result("x", "pass")], baseline="# header\n" + text) == 2
    err = capsys.readouterr().err
    assert f"baseline.txt:{2 if 'twice' not in reason else 3}: " in err and reason in err


def test_an_incomplete_run_fails_the_gate_with_that_reason(tmp_path, capsys):
    records = [result("good", "pass"), result("known-bad", "fail", reason="EINVAL")]
    # killed between two lines: no end record
    assert run_gate(tmp_path, records, end=False) == 1
    out = capsys.readouterr().out
    assert "gate: FAILED: incomplete run:" in out and "has no end record" in out
    # killed in the middle of a line: the complete lines are read, the run is incomplete
    assert run_gate(tmp_path, records, end=False, tail='{"name": "later", "sta') == 1
    out = capsys.readouterr().out
    assert "2 results" in out and "the last line is cut short" in out and "gate: FAILED: incomplete run" in out
    # the same results, finished: the gate passes
    assert run_gate(tmp_path, records) == 0


def test_a_malformed_line_before_the_last_is_still_an_error(tmp_path, capsys):
    records = [result("good", "pass")]
    assert run_gate(tmp_path, records, end=False, tail='{"name": \n{"kind": "run"}\n') == 2
    assert "run.jsonl:2: not JSON" in capsys.readouterr().err


CAUSES = """# a target's divergences, by cause
cause G3 msgctl(IPC_RMID) of a removed id returns 0; Linux EINVAL
    simplest badid-msgctl-ipc-rmid-negative[id=-1]
    checked ci/targets/repro/g03_msg_rmid_missing.c
    match badid-msgctl-* | *msgctl* IPC_RMID* | 0
cause Q9 padding keeps the caller's bytes; Linux zero-fills it
    simplest msgctl2-info-empty
    checked ci/targets/repro/q09_pad_zeroed.c
    targets qemu-aarch64
    match msgctl2-* | * | pad: *
"""

RMID_REASON = ("suites/common/invalid-ids.svipc:9: step 2: A: msgctl -1 IPC_RMID => EINVAL\n"
               "    expected: EINVAL\n    actual:   0\n    (expected failure with EINVAL)")
PAD_REASON = ("differs from the golden trace (one: golden, other: this run): entry 2 (step 2, line 67, A msgctl): "
              "pad: (absent) against 2")


def test_a_cause_explains_the_failures_it_matches_on_its_targets(tmp_path, capsys):
    records = [result("badid-msgctl-ipc-rmid-negative[id=-1]", "fail", reason=RMID_REASON, target="gvisor"),
               result("msgctl2-info-empty", "fail", reason=PAD_REASON, target="qemu-aarch64")]
    assert run_gate(tmp_path, records, baseline=CAUSES) == 0
    out = capsys.readouterr().out
    assert "known cause G3: 1 failures" in out and "known cause Q9: 1 failures" in out
    assert "0 new failures" in out


def test_a_failure_no_cause_explains_is_new(tmp_path, capsys):
    other = RMID_REASON.replace("actual:   0", "actual:   EPERM")
    records = [result("badid-msgctl-ipc-rmid-negative[id=-1]", "fail", reason=other),
               result("msgctl2-info-empty", "fail", reason=PAD_REASON, target="qemu-arm")]
    assert run_gate(tmp_path, records, baseline=CAUSES) == 1
    out = capsys.readouterr().out
    assert "NEW FAILURE: badid-msgctl-ipc-rmid-negative[id=-1]" in out
    assert "NEW FAILURE: msgctl2-info-empty" in out       # Q9 is qemu-aarch64's only
    assert "FIXED: G3 [cause]: explains no failure of this run" in out


@pytest.mark.parametrize("text, message", [
    ("cause X diagnosis\n    match a\n    checked ci/gate.py\n", "cause X has no simplest line"),
    ("cause X diagnosis\n    simplest a\n    checked ci/gate.py\n", "cause X has no match line"),
    ("cause X diagnosis\n    simplest a\n    match a\n", "cause X has no checked line"),
    ("cause X diagnosis\n    simplest a\n    match a\n    checked no/such/file.c\n", "no/such/file.c: no such file"),
    ("cause X diagnosis\n    simplest a\n    match a | b | c | d\n    checked ci/gate.py\n", "write 'match"),
    ("    simplest a\n", "an indented line belongs to a cause"),
    ("cause X\n", "write 'cause NAME DIAGNOSIS'"),
    ("cause X d\n    simplest a\n    match a\n    checked ci/gate.py\n    colour red\n", "'colour'"),
    ("include no-such.txt\n", "no-such.txt"),
])
def test_malformed_causes_are_named_with_file_and_line(tmp_path, capsys, text, message):
    assert run_gate(tmp_path, [result("good", "pass")], baseline=text) == 2
    assert message in capsys.readouterr().err


def test_included_baselines_share_causes_and_an_include_loop_is_refused(tmp_path, capsys):
    (tmp_path / "common.txt").write_text(CAUSES)
    records = [result("badid-msgctl-ipc-rmid-negative[id=-1]", "fail", reason=RMID_REASON, target="qemu-arm")]
    assert run_gate(tmp_path, records, baseline="include common.txt\n") == 0
    (tmp_path / "loop.txt").write_text("include baseline.txt\n")
    assert run_gate(tmp_path, records, baseline="include loop.txt\n") == 2
    assert "includes itself" in capsys.readouterr().err
