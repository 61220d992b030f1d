#!/usr/bin/python3
# relay.py: the VM's second serial port as this process's standard input and
# output, once the runner inside is ready: it says SVIPC-READY on the port
# after putting it in raw mode; what came before (nothing, normally) and the
# marker are not passed on, and nothing is sent in before it.
#   relay.py QEMU ARGS...   (ARGS give the port as -serial stdio)
# Must not: change a byte of what crosses once both ends are ready.
import ctypes
import os
import select
import signal
import subprocess
import sys

MARKER = b'SVIPC-READY\n'
PR_SET_PDEATHSIG = 1


def die_with_parent():
    """The VM goes when the relay goes, however it goes."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def main():
    vm = subprocess.Popen(sys.argv[1:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0,
                          preexec_fn=die_with_parent)
    into, out = vm.stdin.fileno(), vm.stdout.fileno()
    seen = b''
    while MARKER not in seen:
        chunk = os.read(out, 4096)
        if not chunk:
            sys.stderr.write('relay.py: the VM ended before its runner was ready\n')
            return 2
        seen += chunk
    rest = seen[seen.index(MARKER) + len(MARKER):]
    if rest:
        os.write(1, rest)
    ends = [0, out]
    while out in ends:
        ready, _, _ = select.select(ends, [], [])
        for fd in ready:
            data = os.read(fd, 65536)
            if fd == 0:
                if data:
                    os.write(into, data)
                else:
                    ends.remove(0)     # no more jobs: the runner was told the end
            elif data:
                os.write(1, data)
            else:
                ends.remove(out)
    return vm.wait()

sys.exit(main())
