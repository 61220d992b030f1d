"""A short Markdown summary of svipc results, for a pull-request comment.
Must not: read files or print."""

from collections import OrderedDict

from results import FAILING, divergences

MAX_LISTED = 20


def build(results, incomplete=()):
    """INCOMPLETE: why each incomplete run is ("incomplete run: ..."), said first."""
    columns = OrderedDict()
    for r in results:
        columns.setdefault(r.column, []).append(r)
    lines = ["## svipc results", ""]
    for why in incomplete:
        lines += [f"**{why}**", ""]
    lines += ["| run:backend | passed | failed | timed out | errors | skipped |", "|---|---:|---:|---:|---:|---:|"]
    for column, members in columns.items():
        count = lambda s: sum(1 for r in members if r.status == s)
        lines.append(f"| {column} | {count('pass')} | {count('fail')} | {count('timeout')} | "
                     f"{count('error')} | {count('skip')} |")
    divs = divergences(results)
    lines += ["", f"Divergences: {len(divs)}."]
    failing = [r for r in results if r.status in FAILING]
    if failing:
        lines += ["", f"### Failures ({len(failing)})", ""]
        for r in failing[:MAX_LISTED]:
            first = r.reason.splitlines()[0] if r.reason else r.status
            lines.append(f"- `{r.name}` [{r.column}] {r.status}: {first}")
        if len(failing) > MAX_LISTED:
            lines.append(f"- ... and {len(failing) - MAX_LISTED} more (see the HTML report)")
    skipped = OrderedDict()
    for r in results:
        if r.status == "skip":
            key = f"[{r.column}] {r.reason or 'no reason given'}"
            skipped[key] = skipped.get(key, 0) + 1
    if skipped:
        lines += ["", "### Skipped", ""] + [f"- {n} {why}" for why, n in skipped.items()]
    return "\n".join(lines) + "\n"
