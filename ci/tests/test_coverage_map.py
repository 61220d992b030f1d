"""ci/tests/test_coverage_map.py: suites/coverage.map lists everything the
installed manual pages document: every ERRORS entry, and every flag and
command each page defines in its own paragraph (.TP), limits aside; and
every option of util-linux's ipcmk(1), ipcrm(1), ipcs(1) and lsipc(1), as
the page writes its forms (-q,--queues).

Must not: check the scenarios (svipc coverage does), or pass on a machine
without the pages: it skips and says why.
"""
import gzip
import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAP = os.path.join(ROOT, "suites", "coverage.map")
MAN = "/usr/share/man"
PAGES = ["msgget.2", "msgop.2", "msgctl.2", "semget.2", "semop.2", "semctl.2", "shmget.2", "shmop.2",
         "shmctl.2"]

# MSGMAX, SEMVMX, SHMLBA ...: limits the pages describe, not flags or commands
LIMIT = re.compile(r"^(MSG|SEM|SHM)[A-Z]+$")


def page_text(page):
    name, section = page.rsplit(".", 1)
    path = os.path.join(MAN, f"man{section}", f"{page}.gz")
    if not os.path.exists(path):
        pytest.skip(f"{path} is not installed (Debian's manpages-dev; ci/install-deps.sh installs it)")
    with gzip.open(path, "rt", errors="replace") as f:
        return f.read()


def documented(page):
    """(errnos, flags and commands) that PAGE defines."""
    text = page_text(page)
    errors = re.search(r"^\.SH ERRORS\n(.*?)^\.SH ", text, re.S | re.M)
    assert errors, f"{page} has no ERRORS section"
    errnos = set(re.findall(r"^\.TP\n\.BR? (E[A-Z0-9]+)", errors.group(1), re.M))
    names = set(re.findall(r"^\.TP\n\.BR? ((?:IPC|MSG|SEM|SHM|GET|SET)[A-Z_0-9]*)", text, re.M))
    return errnos, {n for n in names if not LIMIT.match(n)}


def mapped():
    items = {}
    with open(MAP) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if len(words) >= 3:
                items.setdefault(words[0], set()).add((words[1], words[2]))
    return items


@pytest.mark.parametrize("page", PAGES)
def test_every_documented_item_is_in_the_map(page):
    errnos, names = documented(page)
    items = mapped().get("{}({})".format(*page.rsplit(".", 1)), set())
    missing = [f"errno {e}" for e in sorted(errnos) if ("errno", e) not in items]
    missing += [f"flag or command {n}" for n in sorted(names)
                if ("flag", n) not in items and ("command", n) not in items]
    assert not missing, f"{page}: not in suites/coverage.map: {', '.join(missing)}"


def test_the_map_names_no_errno_the_page_does_not_list():
    for page in PAGES:
        errnos, _ = documented(page)
        items = mapped().get("{}({})".format(*page.rsplit(".", 1)), set())
        extra = sorted(name for kind, name in items if kind == "errno" and name not in errnos)
        assert not extra, f"{page}: the map lists errnos the page does not: {extra}"


TOOL_PAGES = ["ipcmk.1", "ipcrm.1", "ipcs.1", "lsipc.1"]


def options(page):
    """Each option PAGE describes, its forms joined by ',' ("-q,--queues"):
    the lines that start an item with a bold option (asciidoctor's man pages)."""
    text = page_text(page)
    found = set()
    for line in text.splitlines():
        if not line.startswith("\\fB\\-"):
            continue
        forms = [f.replace("\\-", "-") for f in re.findall(r"\\fB(\\-[^\\ ]*(?:\\-[^\\ ]*)*)\\fP", line)]
        if forms:
            found.add(",".join(forms))
    assert found, f"{page} lists no options"
    return found


@pytest.mark.parametrize("page", TOOL_PAGES)
def test_every_option_of_the_tools_is_in_the_map(page):
    items = mapped().get("{}({})".format(*page.rsplit(".", 1)), set())
    listed = {name for kind, name in items if kind == "option"}
    missing = sorted(options(page) - listed)
    assert not missing, f"{page}: options not in suites/coverage.map: {', '.join(missing)}"
