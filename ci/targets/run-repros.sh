#!/bin/sh
# ci/targets/run-repros.sh [TARGET...]: run each minimal reproducer of the
# targets' baselines (ci/targets/repro/*.c, built by `make repros` into
# build/repro/NAME.ARCH) on Linux here and on each target, and print a
# matrix: "ok" (Linux's behaviour), "DIV(n)" (n checks differ from Linux),
# or "?rcN" (the program did not finish).  Every run's output goes to
# build/repro/repros.txt.  Targets: native gvisor qemu-x86_64 qemu-aarch64
# qemu-arm qemu-i386 (default: all that this machine has).
# Each program runs in a fresh IPC namespace (unshare -i; gVisor's sandbox
# has its own), so the host's IPC objects are never seen or touched.
# Must not: decide a baseline; it only shows what each program says.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/build/repro"
[ -d "$bin" ] || { echo "run-repros.sh: no $bin (make repros)" >&2; exit 2; }
[ $# -gt 0 ] || set -- native gvisor qemu-x86_64 qemu-aarch64 qemu-arm qemu-i386
out="$bin/repros.txt"
: > "$out"
printf '%-24s' repro
for t in "$@"; do printf '%-14s' "$t"; done
echo
for src in "$root"/ci/targets/repro/[gq][0-9]*.c; do
    name=$(basename "$src" .c)
    printf '%-24s' "$name"
    for t in "$@"; do
        case $t in
            native) cmd="unshare -i $bin/$name.x86_64" ;;
            gvisor) cmd="runsc --network=none do $bin/$name.x86_64" ;;
            qemu-x86_64) cmd="unshare -i qemu-x86_64 $bin/$name.x86_64" ;;
            qemu-aarch64) cmd="unshare -i qemu-aarch64 $bin/$name.aarch64" ;;
            qemu-arm) cmd="unshare -i qemu-arm $bin/$name.armhf" ;;
            qemu-i386) cmd="unshare -i qemu-i386 $bin/$name.i386" ;;
            *) echo "run-repros.sh: unknown target $t" >&2; exit 2 ;;
        esac
        program=${cmd##* }
        if [ ! -x "$program" ] || ! command -v "${cmd%% *}" >/dev/null; then
            printf '%-14s' "-"
            continue
        fi
        text=$(timeout 60 $cmd 2>&1)
        rc=$?
        printf '=== %s on %s (rc=%s)\n%s\n' "$name" "$t" "$rc" "$text" >> "$out"
        n=$(printf '%s\n' "$text" | grep -c '^DIVERGES')
        if [ "$n" -gt 0 ]; then
            printf '%-14s' "DIV($n)"
        elif printf '%s\n' "$text" | grep -q '^# all linux-like'; then
            printf '%-14s' ok
        else
            printf '%-14s' "?rc$rc"
        fi
    done
    echo
done
echo "(each program's output: $out)"
