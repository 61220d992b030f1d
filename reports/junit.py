"""JUnit XML from svipc results: one testsuite per run and backend, one
testcase per scenario instance; failures carry the step and both outcomes
(svipc's reason text).  Must not: read files or print."""

import xml.etree.ElementTree as ET
from collections import OrderedDict


def build(results, incomplete=()):
    """INCOMPLETE: why each incomplete run is; each is an errored testcase of
    its own, so a CI system does not count an incomplete run as passed."""
    suites = OrderedDict()
    for r in results:
        suites.setdefault(r.column, []).append(r)
    root = ET.Element("testsuites", name="svipc")
    for column, members in suites.items():
        counts = {s: sum(1 for r in members if r.status == s) for s in ("fail", "timeout", "error", "skip")}
        suite = ET.SubElement(root, "testsuite", name=f"svipc.{column}", tests=str(len(members)),
                              failures=str(counts["fail"] + counts["timeout"]),
                              errors=str(counts["error"]), skipped=str(counts["skip"]),
                              time=f"{sum(r.ms for r in members) / 1000:.3f}")
        for r in members:
            case = ET.SubElement(suite, "testcase", name=r.name, classname=f"svipc.{r.area}.{r.theme}",
                                 file=r.file, line=str(r.line), time=f"{r.ms / 1000:.3f}")
            first_line = r.reason.splitlines()[0] if r.reason else r.status
            if r.status in ("fail", "timeout"):
                el = ET.SubElement(case, "failure", message=first_line, type=r.status)
                el.text = r.reason + "\nrerun: " + r.rerun_command()
            elif r.status == "error":
                el = ET.SubElement(case, "error", message=first_line, type="error")
                el.text = r.reason
            elif r.status == "skip":
                ET.SubElement(case, "skipped", message=r.reason or "skipped")
    if incomplete:
        suite = ET.SubElement(root, "testsuite", name="svipc.run", tests=str(len(incomplete)), failures="0",
                              errors=str(len(incomplete)), skipped="0", time="0")
        for why in incomplete:
            case = ET.SubElement(suite, "testcase", name="complete run", classname="svipc.run")
            ET.SubElement(case, "error", message=why, type="incomplete").text = why
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"
