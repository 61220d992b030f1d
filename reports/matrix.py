#!/usr/bin/env python3
"""svipc's target matrix: Linux and every target side by side.

    reports/matrix.py [--baselines DIR] [--out DIR] RESULTS.jsonl [MORE.jsonl ...]

Each RESULTS file is one `svipc run --target NAME --json` run (its results
name the target).  Every failure is explained by a cause of the target's
baseline (DIR/TARGET.txt, default ci/baseline; reports/baseline.py has the
format) or reported as unexplained.  Writes DIR/targets.html (summary per
target; areas and themes against targets; the causes, each with its count
on every target, its diagnosis, the simplest scenario that shows it and the
programs that confirm it; the unexplained failures) and DIR/targets.md
(the summary and causes, for a README or a CI log), and prints the Markdown.
Exit status: 0 when every failure has a cause and every run is complete; 1
otherwise; 2 when an input cannot be read (file:line: reason).
Must not: run anything, or change a baseline.
"""

import argparse
import html
import os
import sys
from collections import OrderedDict

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import html_report  # noqa: E402
from baseline import Baseline, load_baseline  # noqa: E402
from results import FAILING, ResultsError, load  # noqa: E402


class TargetRun:
    """One target's results, and what its baseline says of their failures."""

    def __init__(self, run_file, baseline):
        self.file = run_file
        self.results = run_file.results
        self.target = (run_file.end or {}).get("target") or \
            (self.results[0].target if self.results else run_file.label)
        self.baseline = baseline
        self.causes = OrderedDict()       # cause name -> [results]
        self.unexplained = []
        for r in self.results:
            if r.status not in FAILING:
                continue
            cause = baseline.cause_of(r) if baseline else None
            if cause:
                self.causes.setdefault(cause.name, []).append(r)
            else:
                self.unexplained.append(r)

    def count(self, *statuses):
        return sum(1 for r in self.results if r.status in statuses)

    @property
    def minutes(self):
        seconds = (self.file.end or {}).get("seconds")
        return None if seconds is None else seconds / 60

    @property
    def observed(self):
        methods = sorted({r.observed for r in self.results if r.observed})
        return ", ".join(methods) or "-"


def _baseline_for(target, directory):
    path = os.path.join(directory, f"{target}.txt")
    return load_baseline(path) if os.path.exists(path) else None


def _all_causes(runs):
    causes = OrderedDict()
    for run in runs:
        for c in (run.baseline.causes if run.baseline else []):
            causes.setdefault(c.name, c)
    return causes


def markdown(runs):
    lines = ["| target | passed | failed (explained) | unexplained | skipped | minutes | blocking observed by |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for run in runs:
        failed = run.count(*FAILING)
        minutes = "-" if run.minutes is None else f"{run.minutes:.1f}"
        lines.append(f"| {run.target} | {run.count('pass')} | {failed} ({failed - len(run.unexplained)}) | "
                     f"{len(run.unexplained)} | {run.count('skip')} | {minutes} | {run.observed} |")
    causes = _all_causes(runs)
    if causes:
        lines += ["", "| cause | " + " | ".join(r.target for r in runs) + " | diagnosis |",
                  "|---|" + "---:|" * len(runs) + "---|"]
        for name, c in causes.items():
            counts = " | ".join(str(len(r.causes.get(name, []))) or "0" for r in runs)
            lines.append(f"| {name} | {counts} | {c.diagnosis} |")
    for run in runs:
        if run.file.incomplete:
            lines.append(f"\n**{run.target}: {run.file.incomplete}**")
        for r in run.unexplained[:20]:
            first = r.reason.splitlines()[0] if r.reason else r.status
            lines.append(f"- unexplained on {run.target}: {r.name}: {first}")
        if len(run.unexplained) > 20:
            lines.append(f"- ... and {len(run.unexplained) - 20} more unexplained on {run.target}")
    return "\n".join(lines) + "\n"


def _summary_html(runs):
    rows = []
    for run in runs:
        failed = run.count(*FAILING)
        minutes = "-" if run.minutes is None else f"{run.minutes:.1f}"
        cls = "fail" if run.unexplained or run.file.incomplete else "pass"
        rows.append(f"<tr class='{cls}'><td>{html.escape(run.target)}</td><td class='num'>{run.count('pass')}</td>"
                    f"<td class='num'>{failed}</td><td class='num'>{failed - len(run.unexplained)}</td>"
                    f"<td class='num'>{len(run.unexplained)}</td><td class='num'>{run.count('skip')}</td>"
                    f"<td class='num'>{minutes}</td><td>{html.escape(run.observed)}</td>"
                    f"<td>{html.escape(run.file.incomplete)}</td></tr>")
    return ("<table><tr><th>target</th><th>passed</th><th>failed</th><th>explained by a cause</th>"
            "<th>unexplained</th><th>skipped</th><th>minutes</th><th>blocking observed by</th><th></th></tr>"
            + "".join(rows) + "</table>")


def _causes_html(runs):
    causes = _all_causes(runs)
    if not causes:
        return "<p>No baseline names a cause.</p>"
    head = "<tr><th>cause</th>" + "".join(f"<th>{html.escape(r.target)}</th>" for r in runs) + \
           "<th>diagnosis</th><th>simplest scenario</th><th>confirmed by</th></tr>"
    rows = []
    for name, c in causes.items():
        cells = "".join(f"<td class='num {'fail' if r.causes.get(name) else ''}'>{len(r.causes.get(name, []))}</td>"
                        for r in runs)
        rows.append(f"<tr><td>{html.escape(name)}</td>{cells}<td>{html.escape(c.diagnosis)}</td>"
                    f"<td><code>{html.escape(c.simplest)}</code></td>"
                    f"<td>{'<br>'.join(html.escape(p) for p in c.checked)}</td></tr>")
    return "<table>" + head + "".join(rows) + "</table>"


def _unexplained_html(runs):
    parts = []
    for run in runs:
        for r in run.unexplained:
            parts.append(f"<h3 class='{r.status}'>{html.escape(run.target)}: {html.escape(r.name)} "
                         f"<span class='muted'>{html.escape(r.file)}:{r.line}</span></h3>"
                         f"<pre>{html.escape(r.reason)}</pre><p>Rerun: <code>build/svipc run {html.escape(r.file)} "
                         f"--name '{html.escape(r.name)}' --target {html.escape(run.target)} -v</code></p>")
    return "".join(parts) or "<p>Every failure has a cause.</p>"


def build_html(runs, inputs):
    results = []
    for run in runs:
        for r in run.results:
            r.run = run.target
            results.append(r)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>svipc targets</title><style>{html_report.STYLE}</style></head>
<body>
<h1>svipc: Linux and its targets side by side</h1>
<p class="muted">From {html.escape(", ".join(inputs))}. A failure is a scenario whose outcome or trace differs from
Linux 6.18's (the golden traces); a cause groups the failures one divergence explains.</p>
<h2>Summary</h2>
{_summary_html(runs)}
<h2>Areas and themes</h2>
{html_report._matrix(results)}
<h2>Divergences by cause</h2>
{_causes_html(runs)}
<h2>Unexplained failures ({sum(len(r.unexplained) for r in runs)})</h2>
{_unexplained_html(runs)}
</body></html>
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description="Linux and svipc's targets side by side, divergences by cause.")
    parser.add_argument("results", nargs="+", help="one result file per target (svipc run --target T --json F)")
    parser.add_argument("--baselines", default="ci/baseline", help="the folder of TARGET.txt baselines")
    parser.add_argument("--out", default="build/report", help="output folder (default: build/report)")
    args = parser.parse_args(argv)
    try:
        runs = []
        for path in args.results:
            f = load(path)
            target = (f.end or {}).get("target") or (f.results[0].target if f.results else f.label)
            runs.append(TargetRun(f, _baseline_for(target, args.baselines) or Baseline()))
    except ResultsError as e:
        print(f"svipc matrix: {e}", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    text = markdown(runs)
    with open(os.path.join(args.out, "targets.md"), "w", encoding="utf-8") as f:
        f.write(text)
    with open(os.path.join(args.out, "targets.html"), "w", encoding="utf-8") as f:
        f.write(build_html(runs, args.results))
    print(text, end="")
    print(os.path.abspath(os.path.join(args.out, "targets.html")))
    bad = any(r.unexplained or r.file.incomplete for r in runs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
