#!/bin/sh
# run-in-vm.sh: svipc's runner inside Debian 12's Linux 6.1, booted under
# qemu-system-x86_64 (TCG: no KVM here), for the linux-6.1 target.
#   run-in-vm.sh SVIPC --runner STEP_MS SCENARIO_MS PATH...
# The pool's jobs come on standard input and the results go to standard
# output, through the VM's second serial port (ttyS1, raw); the kernel's
# console goes to $SVIPC_VM_LOG (build/vm/console.log).  The initramfs
# holds busybox, a static svipc (SVIPC with -static: svipc-static beside it),
# util-linux's IPC tools with their libraries, and the catalog's PATHS,
# relative to the current directory as given.
# Must not: write outside its work directory, or leave the VM running: it
# powers off when the jobs end, and dies with this script.
set -eu
svipc=$1
shift
[ "$1" = "--runner" ] && shift
here=$(dirname "$svipc")
static="$here/svipc-static"
base="${SVIPC_VM_DIR:-$here/vm}"
work="$base/run-$$"                  # a runner's own: several may boot at once (-j)
log="${SVIPC_VM_LOG:-$base/console.log}"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

kernel=$(ls /boot/vmlinuz-6.1.* 2>/dev/null | sort | tail -n 1)
[ -n "$kernel" ] || { echo "run-in-vm.sh: no /boot/vmlinuz-6.1.* (Debian 12's linux-image-amd64: ci/install-deps.sh targets)" >&2; exit 2; }
[ -x "$static" ] || { echo "run-in-vm.sh: no $static (make vm)" >&2; exit 2; }
# busybox-static's /bin/busybox: a static program has no interpreter
busybox=/bin/busybox
{ [ -x "$busybox" ] && ! readelf -l "$busybox" 2>/dev/null | grep -q INTERP; } ||
    { echo "run-in-vm.sh: no static $busybox (Debian's busybox-static: ci/install-deps.sh targets)" >&2; exit 2; }

# The kernel without its compression: a PVH entry that boots in half the
# time under TCG.  Made once per kernel.
vmlinux="$base/vmlinux-$(basename "$kernel")"
if [ ! -s "$vmlinux" ]; then
    /usr/bin/python3 "$(dirname "$0")/extract-vmlinux.py" "$kernel" "$vmlinux.$$"
    mv "$vmlinux.$$" "$vmlinux"
fi

# The initramfs: busybox, svipc, the catalog, the arguments, /init.
root="$work/root"
rm -rf "$root"
mkdir -p "$root/bin" "$root/svipc" "$root/proc" "$root/sys" "$root/dev" "$root/tmp"
cp "$busybox" "$root/bin/busybox"
for tool in sh mount stty poweroff cat mkdir; do ln -s busybox "$root/bin/$tool"; done
cp "$static" "$root/svipc/svipc"
: > "$root/svipc/args"
step=$1 scenario=$2
shift 2
printf '%s\n%s\n' "$step" "$scenario" >> "$root/svipc/args"
for path in "$@"; do
    case "$path" in
        /*|*..*) echo "run-in-vm.sh: catalog paths must be relative and below the current directory: $path" >&2; exit 2 ;;
    esac
    mkdir -p "$root/svipc/$(dirname "$path")"
    cp -r "$path" "$root/svipc/$(dirname "$path")/"
    printf '%s\n' "$path" >> "$root/svipc/args"
done
# util-linux's ipcs, ipcrm, ipcmk and lsipc (the tool scenarios) with the
# libraries they load, and the host's users and groups, which the tools
# name (the golden traces were recorded with them)
for tool in ipcs ipcrm ipcmk lsipc; do
    path=$(command -v "$tool") || continue
    for f in "$path" $(ldd "$path" 2>/dev/null | grep -o '/[^ )]*'); do
        mkdir -p "$root$(dirname "$f")"
        cp -L "$f" "$root$f"
    done
done
mkdir -p "$root/etc"
cp /etc/passwd /etc/group "$root/etc/"
cp "$(dirname "$0")/init" "$root/init"
chmod +x "$root/init"
image="$work/initramfs.cpio.gz"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$image"

# 2 GiB: shmget accounts a segment against RAM and swap when it is made
# (shmem_acct_size, mm/shmem.c, under the default overcommit heuristic); a
# 1 GiB segment in the catalog needs more than 1 GiB of guest memory
/usr/bin/python3 "${SVIPC_RELAY:-$(dirname "$0")/relay.py}" qemu-system-x86_64 -accel tcg,thread=multi -smp "${SVIPC_VM_CPUS:-2}" -m "${SVIPC_VM_MEMORY:-2048}" -display none -monitor none -no-reboot \
    -kernel "$vmlinux" -initrd "$image" -append "console=ttyS0 quiet panic=-1" \
    -serial "file:$log" -serial stdio
