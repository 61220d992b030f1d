"""A self-contained HTML report of svipc results: one file, plots embedded as
PNG data, no network needed to read it.

Sections: summary per run and backend; a matrix of areas and themes against
runs and backends; divergences with both traces side by side and the
differing entries marked; failures with the command that reruns each; timing
per area; benchmarks when given; the catalog's mutation score when given
(ci/mutants/mutants.py).  Must not: read result files or print.
"""

import base64
import datetime
import html
import io
from collections import OrderedDict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)

import bench_report  # noqa: E402
import stress_report  # noqa: E402
from results import FAILING, divergences  # noqa: E402

COLOURS = {"pass": "#2e7d32", "fail": "#c62828", "timeout": "#ef6c00", "error": "#6a1b9a", "skip": "#9e9e9e"}

STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 2em; }
table { border-collapse: collapse; margin: 0.5em 0; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; vertical-align: top; }
td.num { text-align: right; }
.pass { background: #e8f5e9; } .fail { background: #ffebee; } .skip { background: #f5f5f5; }
.timeout { background: #fff3e0; } .error { background: #f3e5f5; }
tr.differs td { background: #fff59d; font-weight: bold; }
pre { background: #f7f7f7; padding: 0.5em; overflow-x: auto; white-space: pre-wrap; }
code { background: #f0f0f0; padding: 0 0.2em; }
.side { display: flex; gap: 1em; } .side > div { flex: 1; min-width: 0; }
.muted { color: #777; }
img { max-width: 100%; height: auto; }
mark { background: #ff8a65; }
"""


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _columns(results):
    cols = OrderedDict()
    for r in results:
        cols.setdefault(r.column, []).append(r)
    return cols


def _count(members, status):
    return sum(1 for r in members if r.status == status)


def _summary(results, divs):
    cols = _columns(results)
    rows = []
    for column, members in cols.items():
        ndiv = sum(1 for d in divs if d.right.column == column)
        rows.append(f"<tr><td>{html.escape(column)}</td>" +
                    "".join(f'<td class="num {s}">{_count(members, s)}</td>' for s in
                            ("pass", "fail", "timeout", "error", "skip")) +
                    f'<td class="num">{ndiv}</td><td class="num">{len(members)}</td></tr>')
    total = "".join(f'<td class="num">{_count(results, s)}</td>' for s in ("pass", "fail", "timeout", "error", "skip"))
    rows.append(f"<tr><th>all</th>{total}<td class='num'>{len(divs)}</td><td class='num'>{len(results)}</td></tr>")
    return ("<table><tr><th>run:backend</th><th>passed</th><th>failed</th><th>timed out</th><th>errors</th>"
            "<th>skipped</th><th>divergences</th><th>scenarios</th></tr>" + "".join(rows) + "</table>")


def _areas(results):
    return sorted({r.area for r in results})


def _results_plot(results):
    cols = list(_columns(results))
    areas = _areas(results)
    fig, ax = plt.subplots(figsize=(min(11, max(6, 1.2 * len(areas) * max(1, len(cols)))), 3.5))
    width = 0.8 / max(1, len(cols))
    for ci, column in enumerate(cols):
        bottom = [0] * len(areas)
        for status in ("pass", "fail", "timeout", "error", "skip"):
            heights = [sum(1 for r in results if r.column == column and r.area == a and r.status == status)
                       for a in areas]
            xs = [i + ci * width for i in range(len(areas))]
            ax.bar(xs, heights, width * 0.95, bottom=bottom, color=COLOURS[status],
                   label=status if ci == 0 else None)
            bottom = [b + h for b, h in zip(bottom, heights)]
    ax.set_xticks([i + width * (len(cols) - 1) / 2 for i in range(len(areas))])
    ax.set_xticklabels(areas)
    ax.set_ylabel("scenarios")
    ax.set_title("Results per area" + (" (bars: " + ", ".join(cols) + ")" if len(cols) > 1 else ""))
    ax.legend(fontsize="small")
    return _png(fig)


def _matrix(results):
    cols = list(_columns(results))
    keys = sorted({(r.area, r.theme) for r in results})
    head = "<tr><th>area</th><th>theme</th>" + "".join(f"<th>{html.escape(c)}</th>" for c in cols) + "</tr>"
    rows = []
    for area, theme in keys:
        cells = []
        for c in cols:
            members = [r for r in results if r.column == c and r.area == area and r.theme == theme]
            if not members:
                cells.append("<td class='muted'>-</td>")
                continue
            bad = sum(1 for r in members if r.status in FAILING)
            skip = _count(members, "skip")
            cls = "fail" if bad else "skip" if skip == len(members) else "pass"
            text = f"{_count(members, 'pass')} passed" + (f", {bad} failed" if bad else "") + \
                   (f", {skip} skipped" if skip else "")
            cells.append(f"<td class='{cls}'>{text}</td>")
        rows.append(f"<tr><td>{html.escape(area)}</td><td>{html.escape(theme)}</td>{''.join(cells)}</tr>")
    return "<table>" + head + "".join(rows) + "</table>"


def _marked(text, differs):
    return f"<mark>{html.escape(text)}</mark>" if differs else html.escape(text)


def _entry_row(entry, other, index, differs):
    """One trace entry; in a differing row, what differs from OTHER is marked."""
    if entry is None:
        return f"<tr class='differs'><td>{index + 1}</td><td colspan='4' class='muted'>(no entry)</td></tr>"
    other = other or {}
    mine, theirs = entry.get("fields") or {}, other.get("fields") or {}
    fields = " ".join(_marked(f"{k}={v}", differs and theirs.get(k) != v) for k, v in mine.items())
    cell = lambda key: _marked(str(entry.get(key) or "-"), differs and entry.get(key) != other.get(key))
    return (f"<tr{' class=differs' if differs else ''}><td>{index + 1}</td>"
            f"<td>{cell('proc')}</td><td>{cell('op')}</td><td>{cell('status')}</td>"
            f"<td>{cell('ret')} {fields}</td></tr>")


def _trace_table(label, trace, other, differing):
    n = max(len(trace), len(other))
    at = lambda t, i: t[i] if i < len(t) else None
    rows = [_entry_row(at(trace, i), at(other, i), i, i in differing) for i in range(n)]
    return (f"<div><h4>{html.escape(label)}</h4><table><tr><th>#</th><th>proc</th><th>op</th><th>status</th>"
            f"<th>outcome</th></tr>{''.join(rows)}</table></div>")


def _divergences(divs):
    if not divs:
        return "<p>No divergence.</p>"
    parts = []
    for d in divs:
        differing = set(d.differing)
        parts.append(
            f"<h3>{html.escape(d.name)}: {html.escape(d.left_label)} against {html.escape(d.right_label)}</h3>"
            f"<p>Entries that differ: {', '.join(str(i + 1) for i in d.differing)}. "
            f"Rerun: <code>{html.escape(d.right.rerun_command())}</code></p>"
            f"<div class='side'>{_trace_table(d.left_label, d.left_trace, d.right.trace, differing)}"
            f"{_trace_table(d.right_label, d.right.trace, d.left_trace, differing)}</div>")
    return "".join(parts)


def _failures(results):
    failing = [r for r in results if r.status in FAILING]
    if not failing:
        return "<p>No failure.</p>"
    return "".join(
        f"<h3 class='{r.status}'>{html.escape(r.status.upper())} {html.escape(r.name)} "
        f"<span class='muted'>[{html.escape(r.column)}] {html.escape(r.file)}:{r.line}</span></h3>"
        f"<pre>{html.escape(r.reason)}</pre><p>Rerun: <code>{html.escape(r.rerun_command())}</code></p>"
        for r in failing)


def _timing(results):
    cols = list(_columns(results))
    areas = _areas(results)
    rows = []
    means = {}
    for c in cols:
        for a in areas:
            ms = [r.ms for r in results if r.column == c and r.area == a and r.status != "skip"]
            if not ms:
                continue
            means[(c, a)] = sum(ms) / len(ms)
            rows.append(f"<tr><td>{html.escape(c)}</td><td>{html.escape(a)}</td><td class='num'>{len(ms)}</td>"
                        f"<td class='num'>{sum(ms) / 1000:.2f}</td><td class='num'>{means[(c, a)]:.1f}</td>"
                        f"<td class='num'>{max(ms):.1f}</td></tr>")
    table = ("<table><tr><th>run:backend</th><th>area</th><th>scenarios run</th><th>total s</th>"
             "<th>mean ms</th><th>max ms</th></tr>" + "".join(rows) + "</table>")
    if not means:
        return table
    cols = [c for c in cols if any(key[0] == c for key in means)]   # all-skipped backends have no timing
    fig, ax = plt.subplots(figsize=(6, 3))
    width = 0.8 / max(1, len(cols))
    for ci, c in enumerate(cols):
        ax.bar([i + ci * width for i in range(len(areas))], [means.get((c, a), 0) for a in areas],
               width * 0.95, label=c)
    ax.set_xticks([i + width * (len(cols) - 1) / 2 for i in range(len(areas))])
    ax.set_xticklabels(areas)
    ax.set_ylabel("mean ms per scenario")
    ax.set_title("Timing per area")
    ax.legend(fontsize="small")
    return table + f"<img alt='timing per area' src='{_png(fig)}'>"


def _benchmarks(benches):
    if not benches:
        return "<p class='muted'>No benchmark results were given (make bench writes build/bench.jsonl).</p>"
    workloads = bench_report.section(benches, _png, plt)
    benches = [b for b in benches if not b.workload]
    if not benches:
        return workloads
    rows = "".join(f"<tr><td>{html.escape(b.name)}</td><td class='num'>{b.value:.1f}</td>"
                   f"<td>{html.escape(b.unit)}</td><td class='num'>{'' if b.floor is None else f'{b.floor:.1f}'}"
                   f"</td><td class='num'>{'' if not b.floor else f'{b.value / b.floor:.2f}'}</td></tr>"
                   for b in benches)
    fig, ax = plt.subplots(figsize=(6, 3))
    names = [b.name for b in benches]
    ax.barh(names, [b.value for b in benches], color="#1565c0", label="measured")
    floors = [b.floor or 0 for b in benches]
    if any(floors):
        ax.barh(names, floors, fill=False, edgecolor="#000", label="floor")
    ax.set_xlabel(benches[0].unit or "value")
    ax.set_title("Throughput")
    ax.legend(fontsize="small")
    return (workloads + "<h3>The engine</h3><table><tr><th>benchmark</th><th>value</th><th>unit</th><th>floor</th>"
            "<th>ratio</th></tr>" + rows + f"</table><img alt='throughput' src='{_png(fig)}'>")


MUTANT_COLOURS = {"killed": "#2e7d32", "survived": "#c62828", "equivalent": "#9e9e9e"}


def _percent(score):
    return "-" if score is None else f"{score:.1f}%"


def _mutation_table(title, rows):
    head = (f"<tr><th>{title}</th><th>mutants</th><th>not compiling</th><th>equivalent</th><th>killed</th>"
            "<th>survived</th><th>score</th></tr>")
    body = "".join(
        f"<tr><td>{html.escape(name)}</td>" +
        "".join(f"<td class='num'>{row[k]}</td>" for k in ("mutants", "uncompilable", "equivalent", "killed")) +
        f"<td class='num {'fail' if row['survived'] else 'pass'}'>{row['survived']}</td>"
        f"<td class='num'>{_percent(row['score'])}</td></tr>"
        for name, row in rows.items())
    return "<table>" + head + body + "</table>"


def _mutation_plot(rows):
    names = list(rows)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 1))
    left = [0] * len(names)
    for status, colour in MUTANT_COLOURS.items():
        widths = [rows[n][status] for n in names]
        ax.barh(names, widths, left=left, color=colour, label=status)
        left = [a + b for a, b in zip(left, widths)]
    ax.invert_yaxis()
    ax.set_xlabel("mutants")
    ax.set_title("Mutants per operator class")
    ax.legend(fontsize="small")
    return _png(fig)


def _mutant_rows(mutants, extra):
    return "".join(
        f"<tr><td><code>{html.escape(m['id'])}</code></td><td>{html.escape(m['file'])}:{m['line']}</td>"
        f"<td><pre>{html.escape(m['before'])}</pre></td><td><pre>{html.escape(m['after']) or '(removed)'}</pre></td>"
        f"<td>{html.escape(extra(m))}</td></tr>" for m in mutants)


def _mutation(mutation):
    """The mutation score of the catalog: planted faults in the model, and
    whether the catalog on the model against the golden traces noticed."""
    if mutation is None:
        return "<p class='muted'>No mutation run was given (make mutants writes build/mutants/results.jsonl).</p>"
    if mutation.summary is None:
        return f"<p class='fail'><strong>{html.escape(mutation.incomplete)}</strong></p>"
    s = mutation.summary
    score = "-" if s["score"] is None else f"{s['score']:.2f}%"
    scored = s["mutants"] - s["uncompilable"] - s["equivalent"]
    survivors = mutation.with_status("survived")
    equivalent = mutation.with_status("equivalent")
    head = "<tr><th>id</th><th>where</th><th>model</th><th>mutant</th><th>{}</th></tr>"
    sanitized = sum(1 for m in mutation.with_status("killed") if m.get("where") == "sanitized")
    ref = sum(1 for m in mutation.with_status("killed") if m.get("where") == "ref")
    stress = sum(1 for m in mutation.with_status("killed") if m.get("where") == "stress")
    part = (f" <strong class='fail'>Only {s['mutants']} of the {s['generated']} mutants have a record: "
            "the score is of those.</strong>" if s.get("every_mutant") is False else "")
    return (f"<p><strong>{score}</strong> of the mutants that are not equivalent were killed: {s['killed']} of "
            f"{scored} ({s['mutants']} mutants of the model, {s['equivalent']} equivalent, "
            f"{s['uncompilable']} not compiling{', a sample' if s.get('sample') else ''}; {s['seconds']:.0f} s); "
            f"{sanitized} of the kills only by ASan or UBSan, {ref} only on the reference runtime, {stress} only "
            f"by svipc stress (a history checked against the unmodified model).{part}</p>" + _mutation_table("file", s["by_file"]) + _mutation_table("operator class", s["by_op"]) +
            f"<img alt='mutants per operator class' src='{_mutation_plot(s['by_op'])}'>" +
            f"<h3>Survivors ({len(survivors)})</h3>" +
            ("<table>" + head.format("why no scenario kills it") +
             _mutant_rows(survivors, lambda m: m.get("why", "unexplained: no scenario tells it apart yet")) +
             "</table>" if survivors else "<p>None.</p>") +
            f"<details><summary>Equivalent mutants ({len(equivalent)}), each with why</summary><table>" +
            head.format("why it is equivalent") + _mutant_rows(equivalent, lambda m: m.get("why", "")) +
            "</table></details>")


def _incomplete(incomplete):
    return "".join(f"<p class='fail'><strong>{html.escape(why)}</strong></p>" for why in incomplete)


def build(results, benches, inputs, incomplete=(), mutation=None, stress=()):
    """INCOMPLETE: why each incomplete run is ("incomplete run: ..."), shown first;
    MUTATION: a mutation run (mutation.load), or None; STRESS: svipc stress
    summaries (stress_report.load)."""
    divs = divergences(results)
    generated = datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    plot = _results_plot(results) if results else None
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>svipc report</title><style>{STYLE}</style></head>
<body>
<h1>svipc report</h1>
<p class="muted">Generated {generated} from {html.escape(", ".join(inputs))}.</p>
<h2>Summary</h2>
{_incomplete(incomplete)}
{_summary(results, divs)}
{f"<img alt='results per area' src='{plot}'>" if plot else ""}
<h2>Areas and themes</h2>
{_matrix(results)}
<h2>Divergences ({len(divs)})</h2>
{_divergences(divs)}
<h2>Failures ({sum(1 for r in results if r.status in FAILING)})</h2>
{_failures(results)}
<h2>Timing</h2>
{_timing(results)}
<h2>Benchmarks</h2>
{_benchmarks(benches)}
<h2>Stress</h2>
{stress_report.section(list(stress))}
<h2>Mutation score</h2>
{_mutation(mutation)}
</body></html>
"""
