"""The benchmark section of the HTML report for svipc-bench's workload
records: scaling curves (operations per second against processes, one line
per implementation and comparator, the rounds' spread as error bars), the
ratio table (each implementation and comparator against the kernel at each
N), failed entries with why, and smoke records as what was counted.
Must not: read files, print, or judge a figure (there is no threshold).
"""

import html
from collections import OrderedDict

STYLES = {"kernel": ("#1565c0", "-o"), "ref": ("#c62828", "-s"), "posix": ("#2e7d32", "--^")}


def _series(records):
    """{(workload, impl): {procs: Bench}} in the order records came."""
    out = OrderedDict()
    for b in records:
        out.setdefault((b.workload, b.impl), {})[b.procs] = b
    return out


def _group(b):
    """The System V workload a record belongs with (a comparator's compare)."""
    return (b.record or {}).get("compare") or b.workload


def _curves(timed, png, plt):
    groups = OrderedDict()
    for b in timed:
        groups.setdefault(_group(b), []).append(b)
    cols = 3
    rows = (len(groups) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax in axes.flat[len(groups):]:
        ax.set_visible(False)
    for ax, (group, records) in zip(axes.flat, groups.items()):
        for (workload, impl), points in _series(records).items():
            procs = sorted(points)
            values = [points[p].value for p in procs]
            low = [points[p].value - points[p].record["min"] for p in procs]
            high = [points[p].record["max"] - points[p].value for p in procs]
            colour, style = STYLES.get(impl, ("#555", "-x"))
            label = impl if workload == group else f"{workload} ({impl})"
            ax.errorbar(procs, values, yerr=[low, high], fmt=style, color=colour, capsize=2, label=label)
        ax.set_title(group, fontsize="small")
        ax.set_xscale("log", base=2)
        ax.set_xticks(sorted({b.procs for b in records}))
        ax.set_xticklabels([str(p) for p in sorted({b.procs for b in records})])
        ax.set_yscale("log")
        ax.set_xlabel("processes", fontsize="x-small")
        ax.set_ylabel("operations/s", fontsize="x-small")
        ax.tick_params(labelsize="x-small")
        ax.legend(fontsize="xx-small")
    fig.tight_layout()
    return f"<img alt='scaling curves' src='{png(fig)}'>"


def _ratio_table(timed):
    kernel = {(b.workload, b.procs): b.value for b in timed if b.impl == "kernel"}
    procs = sorted({b.procs for b in timed})
    rows = OrderedDict()
    for b in timed:
        if b.impl != "kernel":
            rows.setdefault((b.workload, b.impl, _group(b)), {})[b.procs] = b.value
    head = "".join(f"<th>N={p}</th>" for p in procs)
    out = [f"<table><tr><th>workload</th><th>against the kernel's</th>{head}</tr>"]
    for (workload, impl, group), values in rows.items():
        cells = []
        for p in procs:
            k = kernel.get((group, p))
            v = values.get(p)
            cells.append(f"<td class='num'>{v / k:.2f}</td>" if k and v is not None else "<td></td>")
        out.append(f"<tr><td>{html.escape(workload)} ({html.escape(impl)})</td><td>{html.escape(group)}</td>"
                   f"{''.join(cells)}</tr>")
    out.append("</table>")
    kernel_rows = []
    for (workload, p), v in kernel.items():
        kernel_rows.append((workload, p, v))
    if kernel_rows:
        out.append("<p class='muted'>The kernel's medians, operations per second:</p><table><tr><th>workload</th>"
                   f"{head}</tr>")
        by_workload = OrderedDict()
        for workload, p, v in kernel_rows:
            by_workload.setdefault(workload, {})[p] = v
        for workload, values in by_workload.items():
            out.append(f"<tr><td>{html.escape(workload)}</td>" +
                       "".join(f"<td class='num'>{values[p]:.0f}</td>" if p in values else "<td></td>"
                               for p in procs) + "</tr>")
        out.append("</table>")
    return "".join(out)


def _bucket_at(hist, fraction):
    """The log2 bucket holding the call at FRACTION of the histogram."""
    total, seen = sum(hist), 0
    for b, n in enumerate(hist):
        seen += n
        if total and seen >= fraction * total:
            return b
    return len(hist) - 1


def _duration(bucket):
    ns = 2 ** (bucket + 1)
    return f"{ns} ns" if ns < 1000 else f"{ns / 1000:.0f} us" if ns < 10 ** 6 else f"{ns / 1e6:.0f} ms"


def _per_op(n, ops):
    return f"{n / max(ops, 1):.3g}"


def _observed(records):
    rows, sched_rows = [], []
    for b in records:
        observed = (b.record or {}).get("observed")
        if not observed:
            continue
        for name, call in observed["calls"].items():
            hist = call["log2_ns"]
            rows.append(f"<tr><td>{html.escape(b.name)}</td><td>{html.escape(name)}</td>"
                        f"<td class='num'>{_per_op(call['calls'], observed['ops'])}</td>"
                        f"<td class='num'>{call.get('errors', 0)}</td>"
                        f"<td class='num'>{call.get('slept', '')}</td>"
                        f"<td class='num'>&lt; {_duration(_bucket_at(hist, 0.5))}</td>"
                        f"<td class='num'>&lt; {_duration(_bucket_at(hist, 0.99))}</td>"
                        f"<td class='num'>&lt; {_duration(len(hist) - 1)}</td></tr>")
        sched = observed.get("sched")
        if sched:
            wake = sched["wake_log2_ns"]
            sched_rows.append(f"<tr><td>{html.escape(b.name)}</td>"
                              f"<td class='num'>{_per_op(sched['switches'], observed['ops'])}</td>"
                              f"<td class='num'>{_per_op(sched['preempted'], observed['ops'])}</td>"
                              f"<td class='num'>{_per_op(sched['migrations'], observed['ops'])}</td>"
                              f"<td class='num'>{_per_op(sched['wakeups'], observed['ops'])}</td>" +
                              (f"<td class='num'>&lt; {_duration(_bucket_at(wake, 0.5))}</td>"
                               f"<td class='num'>&lt; {_duration(_bucket_at(wake, 0.99))}</td>" if sum(wake) else
                               "<td></td><td></td>") + "</tr>")
    if not rows:
        return ""
    out = ["<h4>Observed in the kernel (svipc-bench --observe)</h4><p class='muted'>Each IPC call and futex of "
           "the entry's processes timed from sys_enter to sys_exit by BPF, in log2 buckets; the round's setup, "
           "teardown and start barrier included. Slept: calls that went to sleep at least once.</p>"
           "<table><tr><th>entry</th><th>call</th><th>per operation</th><th>errors</th><th>slept</th>"
           "<th>median</th><th>99th percentile</th><th>longest</th></tr>" + "".join(rows) + "</table>"]
    if sched_rows:
        out.append("<p class='muted'>The scheduler (sched_switch, sched_wakeup) on the same processes, per "
                   "operation: switches out (asleep or preempted), of them preempted, migrations (switched in on "
                   "another CPU than last time), wake-ups of a sleeper, and how long a woken process waited "
                   "for a CPU.</p><table><tr><th>entry</th><th>switches</th><th>preempted</th><th>migrations</th>"
                   "<th>wake-ups</th><th>wake-up to run, median</th><th>99th percentile</th></tr>" +
                   "".join(sched_rows) + "</table>")
    out.append(_histogram_plots(records))
    return "".join(out)


# ---------- latency histograms as inline SVG (no script, no network) ----------

_CALL_COLOUR, _WAKE_COLOUR = "#1565c0", "#2e7d32"
_BUCKET_W, _ROW_H, _LABEL_W, _COUNT_W = 12, 26, 150, 70


def _svg_text(x, y, text, anchor="start", size=10):
    return (f"<text x='{x}' y='{y}' font-size='{size}' text-anchor='{anchor}' "
            f"font-family='sans-serif'>{html.escape(text)}</text>")


def histogram_svg(title, rows):
    """One entry's histograms as an SVG: ROWS are (label, log2 histogram,
    colour, note), one row each, bars of the share of that row's count in
    each bucket [2^b, 2^(b+1)) ns on one shared axis, the median marked."""
    used = [b for _, hist, _, _ in rows for b, n in enumerate(hist) if n]
    if not used:
        return ""
    lo, hi = max(min(used) - 1, 0), max(used) + 1
    width = _LABEL_W + (hi - lo + 1) * _BUCKET_W + _COUNT_W
    height = 18 + len(rows) * _ROW_H + 28
    parts = [f"<svg class='hist' width='{width}' height='{height}' viewBox='0 0 {width} {height}' role='img' "
             f"aria-label='{html.escape(title, quote=True)}'><title>{html.escape(title)}</title>",
             _svg_text(0, 12, title, size=11)]

    def x_of(b):
        return _LABEL_W + (b - lo) * _BUCKET_W

    for i, (label, hist, colour, note) in enumerate(rows):
        top = 18 + i * _ROW_H
        base = top + _ROW_H - 4
        peak = max(hist) if hist else 0
        total = sum(hist)
        parts.append(_svg_text(_LABEL_W - 6, base - 6, label, "end"))
        parts.append(f"<line x1='{x_of(lo)}' y1='{base}' x2='{x_of(hi + 1)}' y2='{base}' stroke='#bbb'/>")
        for b, n in enumerate(hist):
            if not n:
                continue
            h = max(1, round(n / peak * (_ROW_H - 8)))
            parts.append(f"<rect x='{x_of(b) + 1}' y='{base - h}' width='{_BUCKET_W - 2}' height='{h}' "
                         f"fill='{colour}'><title>{html.escape(label)}: {n} of {total} in "
                         f"[{_ns(2 ** b)}, {_ns(2 ** (b + 1))})</title></rect>")
        median = _bucket_at(hist, 0.5)
        parts.append(f"<path d='M{x_of(median) + _BUCKET_W / 2} {top + 2} l-4 -4 h8 z' fill='#000'>"
                     f"<title>median in [{_ns(2 ** median)}, {_ns(2 ** (median + 1))})</title></path>")
        parts.append(_svg_text(x_of(hi + 1) + 6, base - 6, note))
    axis = 18 + len(rows) * _ROW_H
    parts.append(f"<line x1='{x_of(lo)}' y1='{axis}' x2='{x_of(hi + 1)}' y2='{axis}' stroke='#000'/>")
    for b in range(lo, hi + 2):
        major = b % 5 == 0
        parts.append(f"<line x1='{x_of(b)}' y1='{axis}' x2='{x_of(b)}' y2='{axis + (5 if major else 2)}' "
                     "stroke='#000'/>")
        if major:
            parts.append(_svg_text(x_of(b), axis + 16, _ns(2 ** b), "middle", 9))
    parts.append("</svg>")
    return "".join(parts)


def _ns(ns):
    """A duration in ns, short, two digits: 512 ns, 1 us (2^10), 33 ms (2^25)."""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("us", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.2g} {unit}"
    return f"{ns} ns"


def _histogram_plots(records):
    """Per workload, a folded list of each observed entry's histograms."""
    groups = OrderedDict()
    for b in records:
        observed = (b.record or {}).get("observed")
        if not observed:
            continue
        rows = [(name, call["log2_ns"], _CALL_COLOUR, f"{_per_op(call['calls'], observed['ops'])}/op")
                for name, call in sorted(observed["calls"].items(), key=lambda kv: -kv[1]["calls"])]
        sched = observed.get("sched")
        if sched and sum(sched["wake_log2_ns"]):
            rows.append(("wake-up to run", sched["wake_log2_ns"], _WAKE_COLOUR,
                         f"{_per_op(sched['wakeups'], observed['ops'])}/op"))
        svg = histogram_svg(b.name, rows)
        if svg:
            groups.setdefault(_group(b), []).append(svg)
    if not groups:
        return ""
    out = ["<h4>Latency histograms (svipc-bench --observe)</h4><p class='muted'>One row per call (blue) and the "
           "wake-up-to-run latency (green): bars are the share of that row's calls in each log2 bucket of "
           "duration, [2^b, 2^(b+1)) ns, on a shared axis; the triangle marks the median bucket; the right "
           "column is calls per operation. Hover a bar for its count.</p>"]
    for group, svgs in groups.items():
        out.append(f"<details><summary>{html.escape(group)} ({len(svgs)} entries)</summary>" +
                   "".join(f"<div>{svg}</div>" for svg in svgs) + "</details>")
    return "".join(out)


def section(benches, png, plt):
    """HTML for the workload records among BENCHES ("" when there are none)."""
    records = [b for b in benches if b.workload]
    if not records:
        return ""
    timed = [b for b in records if not b.error and not b.smoke]
    failed = [b for b in records if b.error]
    smoke = [b for b in records if b.smoke]
    loads = [b.record.get("load") for b in records if isinstance(b.record.get("load"), (int, float))]
    parts = ["<h3>Workloads (svipc-bench)</h3>"]
    if loads:
        parts.append(f"<p class='muted'>Load average while measured: {min(loads):.2f} to {max(loads):.2f}. "
                     "Figures taken under load say little alone; only the side-by-side ratios of one run "
                     "compare.</p>")
    if timed:
        parts.append("<p>Median operations per second of the measured rounds; bars: the slowest and the fastest "
                     "round. One operation is what each workload's definition says (svipc-bench --list).</p>")
        parts.append(_curves(timed, png, plt))
        parts.append("<h4>Ratios to the kernel (above 1: faster than the kernel)</h4>")
        parts.append(_ratio_table(timed))
    parts.append(_observed(records))
    if failed:
        parts.append("<h4>Failed entries</h4><table><tr><th>entry</th><th>why</th></tr>" +
                     "".join(f"<tr><td>{html.escape(b.name)}</td><td class='fail'>{html.escape(b.error)}</td></tr>"
                             for b in failed) + "</table>")
    if smoke:
        parts.append(f"<p>{len(smoke)} smoke entries: counted and checked, not timed.</p>")
    return "".join(parts)
