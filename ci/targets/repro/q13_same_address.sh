#!/bin/sh
# q13_same_address.sh [RUNNER...]: run build/repro/q13_shmat_address.ARCH twice (under RUNNER, e.g.
# "qemu-aarch64", with ARCH from $ARCH, default x86_64) and say whether both processes attached their
# segment at the same address (qemu-user) or not (Linux with address randomisation).
# Must not: touch the host's IPC objects (each run is in its own IPC namespace).
root=$(cd "$(dirname "$0")/../../.." && pwd)
program="$root/build/repro/q13_shmat_address.${ARCH:-x86_64}"
[ -x "$program" ] || { echo "q13_same_address.sh: no $program (make repros)" >&2; exit 2; }
first=$(unshare -i "$@" "$program") && second=$(unshare -i "$@" "$program") || exit 2
if [ "$first" = "$second" ]; then
    echo "DIVERGES two processes' shmat(NULL): both at $first (linux: different addresses)"; exit 1
fi
echo "linux    two processes' shmat(NULL): $first and $second"
