"""The target matrix: Linux and targets side by side, failures by cause,
unexplained ones named and failing the run."""

import json

import matrix
from conftest import result, write_results

REASON = ("suites/common/invalid-ids.svipc:9: step 2: A: msgctl -1 IPC_RMID => EINVAL\n"
          "    expected: EINVAL\n    actual:   0\n")

GVISOR = """cause G3 msgctl(IPC_RMID) of a removed id returns 0; Linux EINVAL
    simplest badid-msgctl-ipc-rmid-negative[id=-1]
    checked ci/targets/repro/g03_msg_rmid_missing.c
    match badid-msgctl-* | * | 0
"""


def runs(tmp_path, unexplained):
    native = write_results(tmp_path / "native.jsonl", [result("a", "pass", target="native"),
                                                        result("badid-msgctl-ipc-rmid-negative[id=-1]", "pass")])
    records = [result("a", "fail" if unexplained else "pass", target="gvisor", reason="actual:   EPERM"),
               result("badid-msgctl-ipc-rmid-negative[id=-1]", "fail", target="gvisor", reason=REASON)]
    gvisor = write_results(tmp_path / "gvisor.jsonl", records)
    lines = open(gvisor).read().splitlines()
    end = json.loads(lines[-1])
    end.update(target="gvisor", seconds=600.0)
    with open(gvisor, "w") as f:
        f.write("\n".join(lines[:-1] + [json.dumps(end)]) + "\n")
    (tmp_path / "baselines").mkdir()
    (tmp_path / "baselines" / "gvisor.txt").write_text(GVISOR)
    return [native, gvisor]


def test_every_failure_has_a_cause(tmp_path, capsys):
    files = runs(tmp_path, unexplained=False)
    assert matrix.main(["--baselines", str(tmp_path / "baselines"), "--out", str(tmp_path / "out"), *files]) == 0
    md = capsys.readouterr().out
    assert "| gvisor | 1 | 1 (1) | 0 | 0 | 10.0 |" in md
    assert "| G3 | 0 | 1 | msgctl(IPC_RMID) of a removed id returns 0; Linux EINVAL |" in md
    html = (tmp_path / "out" / "targets.html").read_text()
    assert "Divergences by cause" in html and "g03_msg_rmid_missing.c" in html


def test_an_unexplained_failure_is_named_and_fails(tmp_path, capsys):
    files = runs(tmp_path, unexplained=True)
    assert matrix.main(["--baselines", str(tmp_path / "baselines"), "--out", str(tmp_path / "out"), *files]) == 1
    assert "- unexplained on gvisor: a: actual:   EPERM" in capsys.readouterr().out
