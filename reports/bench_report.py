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


def _observed(records):
    rows = []
    for b in records:
        observed = (b.record or {}).get("observed")
        if not observed:
            continue
        for name, call in observed["calls"].items():
            hist = call["log2_ns"]
            rows.append(f"<tr><td>{html.escape(b.name)}</td><td>{html.escape(name)}</td>"
                        f"<td class='num'>{call['calls'] / max(observed['ops'], 1):.3g}</td>"
                        f"<td class='num'>{call.get('errors', 0)}</td>"
                        f"<td class='num'>&lt; {_duration(_bucket_at(hist, 0.5))}</td>"
                        f"<td class='num'>&lt; {_duration(_bucket_at(hist, 0.99))}</td>"
                        f"<td class='num'>&lt; {_duration(len(hist) - 1)}</td></tr>")
    if not rows:
        return ""
    return ("<h4>Observed in the kernel (svipc-bench --observe)</h4><p class='muted'>Each IPC call and futex of "
            "the entry's processes timed from sys_enter to sys_exit by BPF, in log2 buckets; the round's setup, "
            "teardown and start barrier included.</p><table><tr><th>entry</th><th>call</th><th>per operation</th>"
            "<th>errors</th><th>median</th><th>99th percentile</th><th>longest</th></tr>" + "".join(rows) +
            "</table>")


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
