#!/bin/sh
# ci/install-deps.sh: install the Debian packages svipc needs, by group.
#   ci/install-deps.sh [GROUP...]      (no group: base)
# Idempotent: installs only what is missing, so Make targets may call it freely.
# Must not: use pip, download anything outside Debian's archive, or touch IPC state.
set -eu

# base: what `make run` and `make check` need.
#   Build:   libjansson-dev (trace JSON), pkgconf.
#   Tests:   libcriterion-dev (the project's own unit tests).
#   Tools:   util-linux (ipcmk, ipcrm, ipcs, lsipc: the tool steps of suites/tools/,
#            and ipcs to check for leaks).
#   Reports: python3-matplotlib (plots), python3-pytest (their tests), for /usr/bin/python3.
#   Drop-in: python3-sysv-ipc (an unmodified program run on the preload library).
#   Coverage: manpages-dev (the pages whose items suites/coverage.map must list).
#   Sanitizers and fuzzing: clang-14 and libclang-rt-14-dev (ASan, UBSan, libFuzzer).
#   Rootless runs: uidmap (newuidmap and newgidmap, for a user's /etc/subuid range).
#   Installing: man-db and groff-base (svipc(1) rendered by man -l in the tests).
#   CI: yamllint (ci/github-actions.yml checked; actionlint is not packaged in Debian).
group_base="pkgconf libjansson-dev libcriterion-dev util-linux python3-matplotlib python3-pytest python3-sysv-ipc manpages-dev clang-14 libclang-rt-14-dev uidmap man-db groff-base yamllint"

# targets: the implementations svipc judges besides the host's kernel (make targets).
#   gvisor:      runsc.
#   qemu-*:      qemu-user, and a static C library per architecture for its puppets
#                (the cross compilers and their libc6-dev-*-cross; x86_64 uses the host's).
#   linux-6.1:   qemu-system-x86 (TCG), Debian 12's kernel (linux-image-amd64), and for
#                the initramfs busybox-static and cpio.
group_targets="runsc qemu-user gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-arm-linux-gnueabihf libc6-dev-armhf-cross gcc-i686-linux-gnu libc6-dev-i386-cross qemu-system-x86 linux-image-amd64 busybox-static cpio"

[ $# -gt 0 ] || set -- base
packages=""
for group in "$@"; do
    case "$group" in
        base) packages="$packages $group_base" ;;
        targets) packages="$packages $group_targets" ;;
        *) echo "ci/install-deps.sh: unknown group '$group' (groups: base, targets)" >&2; exit 2 ;;
    esac
done

missing=""
for p in $packages; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
        "install ok installed") ;;
        *) missing="$missing $p" ;;
    esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
else
    sudo=
fi
echo "svipc: installing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# An update failure (no network) should not hide a cached package list.
$sudo apt-get update -qq >&2 || echo "svipc: apt-get update failed; trying the cached package lists" >&2
# the targets' cross toolchains need their recommends (crossbuild-essential-*)
recommends=--no-install-recommends
case " $* " in *" targets "*) recommends= ;; esac
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $recommends $missing >&2
