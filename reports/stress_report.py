"""The stress section of the HTML report, from `svipc stress --json` files.

Each file is one run (or one recorded history checked again): its
backend (and the target it ran on, if any), processes, operations per
second, deaths, the latency of each call (percentiles from the
history), what the check decided, and every
violating or undecided object with the search's dead end.  Runs of one
backend at several process counts make a scaling table.  Run as a
command (`python3 reports/stress_report.py FILE...`, as make stress-matrix
does), it prints the runs as a text table.
Must not: judge a run (svipc stress's exit status does) or read anything
but the files given.
"""

import html
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from results import ResultsError  # noqa: E402


def load(path):
    """The summary record of a `svipc stress --json` file."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise ResultsError(f"{path}: {e.strerror}") from e
    try:
        record = json.loads(text)
    except json.JSONDecodeError as e:
        raise ResultsError(f"{path}:{e.lineno}: not JSON: {e.msg}") from e
    if not isinstance(record, dict) or record.get("kind") != "stress":
        raise ResultsError(f'{path}:1: not a svipc stress --json summary (no "kind": "stress")')
    for key in ("ran", "result", "status"):
        if key not in record:
            raise ResultsError(f'{path}:1: a stress summary needs "{key}"')
    record["path"] = path
    return record


def _implementation(record):
    """The backend, and where it ran when that was a target ("kernel on gvisor")."""
    backend = record.get("backend", "(recorded)")
    return f"{backend} on {record['target']}" if record.get("target") else backend


def _cell(value, fmt="{}"):
    return "" if value is None else html.escape(fmt.format(value))


def _result_class(record):
    return "pass" if record["status"] == 0 else "fail" if record["status"] == 1 else "skip"


def _runs(records):
    rows = []
    for r in records:
        check = r.get("check") or {}
        rows.append(
            "<tr>" + "".join(f"<td>{c}</td>" for c in (
                _cell(_implementation(r)), _cell(r.get("procs")), _cell(r.get("seed")),
                _cell(r.get("operations")), _cell(r.get("ops_per_s"), "{:,.0f}"),
                _cell(r.get("kills")), _cell(r.get("limit_changes")), _cell(check.get("objects")),
                _cell(check.get("undecided")),
                _cell(check.get("violations")), _cell(check.get("events_per_s"), "{:,.0f}"),
                f"<span class='{_result_class(r)}'>{html.escape(r['result'])}</span>"
                + (f" ({html.escape(r['stopped_early'])})" if r.get("stopped_early") else ""))) + "</tr>")
    return ("<table><tr><th>backend</th><th>procs</th><th>seed</th><th>operations</th><th>ops/s</th>"
            "<th>killed</th><th>limit writes</th><th>objects</th><th>undecided</th><th>violations</th><th>checked events/s</th>"
            "<th>result</th></tr>" + "".join(rows) + "</table>")


def _scaling(records):
    """ops/s per backend and process count (the best of the runs at each)."""
    table = {}
    for r in records:
        if r.get("ran") and r.get("ops_per_s") and r.get("recorded", True):
            key = (_implementation(r), r["procs"])
            table[key] = max(table.get(key, 0), r["ops_per_s"])
    backends = sorted({b for b, _ in table})
    procs = sorted({p for _, p in table})
    if len(procs) < 2:
        return ""
    head = "".join(f"<th>{p}</th>" for p in procs)
    rows = "".join(f"<tr><td>{html.escape(b)}</td>" +
                   "".join(f"<td>{table[(b, p)]:,.0f}</td>" if (b, p) in table else "<td></td>" for p in procs) +
                   "</tr>" for b in backends)
    return (f"<h4>Operations per second by processes</h4><table><tr><th>backend</th>{head}</tr>{rows}</table>")


def _latency(records):
    rows = []
    for r in records:
        for op, l in sorted((r.get("latency") or {}).items()):
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in (
                _cell(_implementation(r)), _cell(r.get("procs")), html.escape(op), _cell(l["calls"]),
                _cell(l["failed"]), _cell(l["eintr"]), _cell(l["p50_us"], "{:.1f}"), _cell(l["p90_us"], "{:.1f}"),
                _cell(l["p99_us"], "{:.1f}"), _cell(l["max_us"], "{:.1f}"))) + "</tr>")
    if not rows:
        return ""
    return ("<h4>Latency per call (µs, from the history's instants)</h4><table><tr><th>backend</th><th>procs</th>"
            "<th>call</th><th>calls</th><th>failed</th><th>EINTR</th><th>p50</th><th>p90</th><th>p99</th>"
            "<th>max</th></tr>" + "".join(rows) + "</table>")


def _problems(records):
    out = []
    for r in records:
        for p in (r.get("check") or {}).get("problems", []):
            call = json.dumps(p["dead_end_call"]) if "dead_end_call" in p else ""
            out.append(f"<tr><td>{html.escape(r['path'])}</td><td>{p['object']}</td>"
                       f"<td class='{'fail' if p['verdict'] == 'violation' else 'skip'}'>{html.escape(p['verdict'])}</td>"
                       f"<td>{p['events']}</td><td>{html.escape(p['why'])}</td>"
                       f"<td>{html.escape(p.get('dead_end_state', ''))}</td><td><code>{html.escape(call)}</code></td></tr>")
        shrunk = r.get("shrunk")
        if shrunk:
            what = (f"shrunk to <code>{html.escape(shrunk['scenario'])}</code> ({shrunk['steps']} steps)"
                    if shrunk.get("reproduced") else f"not shrunk: {html.escape(shrunk.get('why', ''))}")
            out.append(f"<tr><td>{html.escape(r['path'])}</td><td>{shrunk['object']}</td><td class='fail'>"
                       f"scenario</td><td></td><td colspan='3'>{what}</td></tr>")
    if not out:
        return ""
    return ("<h4>Violations and undecided objects</h4><p class='muted'>The dead end is the deepest point the "
            "search reached: the object's state there and the call no order could place (`svipc stress --check` "
            "re-checks a history; `--shrink` makes a violation a scenario).</p><table><tr><th>run</th><th>object</th>"
            "<th>verdict</th><th>calls</th><th>why</th><th>state at the dead end</th><th>call</th></tr>"
            + "".join(out) + "</table>")


def section(records):
    if not records:
        return ("<p class='muted'>No stress results were given (svipc stress --json FILE; make stress writes "
                "build/stress-kernel.json and build/stress-ref.json).</p>")
    return ("<p class='muted'>svipc stress: random concurrent operations, each object's history checked for "
            "linearizability against the model. Undecided is never a pass.</p>" + _runs(records) +
            _scaling(records) + _latency(records) + _problems(records))


TEXT_COLUMNS = ("backend", "procs", "seconds", "ops/s", "killed", "limits", "objects", "events", "check s", "events/s",
                "undecided", "violations", "result")


def text_table(records):
    """The runs as aligned text, one a line (by backend, then processes)."""
    rows = [TEXT_COLUMNS]
    for r in sorted(records, key=lambda r: (_implementation(r), r.get("procs") or 0)):
        check = r.get("check") or {}

        def num(v, fmt="{:,.0f}"):
            return "" if v is None else fmt.format(v)
        rows.append((_implementation(r), num(r.get("procs"), "{}"), num(r.get("seconds"), "{:.0f}"),
                     num(r.get("ops_per_s")), num(r.get("kills"), "{}"), num(r.get("limit_changes"), "{}"),
                     num(check.get("objects"), "{}"),
                     num(r.get("events")), num(check.get("seconds"), "{:.0f}"), num(check.get("events_per_s")),
                     num(check.get("undecided"), "{}"), num(check.get("violations"), "{}"),
                     r["result"] + (f" ({r['stopped_early']})" if r.get("stopped_early") else "")))
    widths = [max(len(row[i]) for row in rows) for i in range(len(TEXT_COLUMNS))]
    return "\n".join("  ".join(c.rjust(w) if i < len(row) - 1 else c for i, (c, w) in enumerate(zip(row, widths)))
                     .rstrip() for row in rows)


def main(argv):
    if not argv:
        print("usage: stress_report.py SUMMARY.json...  (svipc stress --json files)", file=sys.stderr)
        return 2
    try:
        records = [load(path) for path in argv]
    except ResultsError as e:
        print(f"stress_report: {e}", file=sys.stderr)
        return 2
    print(text_table(records))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
