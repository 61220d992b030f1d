"""The live status line of svipc run: drawn on standard error when it is a
terminal (a pseudo-terminal here), redrawn in place and erased at the end;
nothing extra when standard error is not a terminal, with -q, or with
TERM=dumb; standard output the same either way."""

import os
import pty
import re
import select
import subprocess
import time

from svipc_cli import svipc, ROOT  # noqa: F401 (svipc: a fixture)

FILES = ["suites/msg/msgctl.svipc", "suites/msg/msgget.svipc"]
STATUS = re.compile(r"\rsvipc: (\d+)/(\d+) done, (\d+) failed, (\d+:\d\d) elapsed, about (\S+) left\x1b\[K")


def read_terminal(master, seconds=120):
    """What the terminal received until every writer closed it (within SECONDS)."""
    screen, deadline = b"", time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:                    # EIO: every writer has closed the terminal
            break
        if not chunk:
            break
        screen += chunk
    os.close(master)
    return screen.decode()


def run_with_terminal(svipc, extra=(), env=None):
    """svipc run with standard error on a pseudo-terminal: (status, stdout,
    what the terminal received)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([svipc, "run", *FILES, "--backend", "kernel,model", *extra], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=slave, stdin=subprocess.DEVNULL,
                            env=dict(os.environ, **(env or {})))
    os.close(slave)
    screen = read_terminal(master)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 0, out
    return out, screen


def run_without_terminal(svipc, extra=()):
    out = subprocess.run([svipc, "run", *FILES, "--backend", "kernel,model", *extra], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout, out.stderr


def test_status_line_on_a_terminal(svipc):
    out, screen = run_with_terminal(svipc, env={"TERM": "xterm"})
    lines = STATUS.findall(screen)
    assert lines, repr(screen[:300])
    total = int(lines[0][1])
    assert total == 2 * 31                               # two backends, 31 instances
    done = [int(d) for d, *_ in lines]
    assert done == sorted(done) and done[-1] == total   # counts up to the end
    assert all(int(t) == total and f == "0" for _, t, f, *_ in lines)
    # the last drawing is erased: nothing of it stays on the screen
    assert screen.endswith("\r\x1b[K")
    assert STATUS.sub("", screen).replace("\r\x1b[K", "") == ""
    # standard output is what it is without a terminal
    plain_out, plain_err = run_without_terminal(svipc)
    assert out == plain_out and plain_err == ""


def test_failures_so_far_are_counted(svipc):
    wrong = os.path.join(ROOT, "tests", "fixtures", "wrong-expectation.svipc")
    master, slave = pty.openpty()
    proc = subprocess.Popen([svipc, "run", wrong, FILES[0]], cwd=ROOT, stdout=subprocess.PIPE, stderr=slave,
                            env=dict(os.environ, TERM="xterm"))
    os.close(slave)
    screen = read_terminal(master)
    out = proc.stdout.read().decode()
    proc.stdout.close()
    assert proc.wait(timeout=120) == 1
    lines = STATUS.findall(screen)
    assert lines and lines[-1][2] == "1"                  # the failure, counted
    assert "FAIL wrong-expectation [kernel]" in out


def test_quiet_and_dumb_terminals_get_nothing(svipc):
    plain_out, _ = run_without_terminal(svipc)
    out, screen = run_with_terminal(svipc, extra=["-q"], env={"TERM": "xterm"})
    assert screen == "" and out == plain_out
    out, screen = run_with_terminal(svipc, env={"TERM": "dumb"})
    assert screen == "" and out == plain_out
