#!/usr/bin/python3
# extract-vmlinux.py: the uncompressed kernel (an ELF with a PVH entry) out of
# a bzImage, for qemu-system-x86_64 -kernel: under TCG the decompression
# alone takes seconds.  Debian 12's kernels are compressed with xz.
#   extract-vmlinux.py BZIMAGE OUT
# Must not: write anything but OUT.
import lzma
import sys

def main():
    data = open(sys.argv[1], 'rb').read()
    at = data.find(b'\xfd7zXZ\x00')
    while at >= 0:
        try:
            out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
        except lzma.LZMAError:
            out = b''
        if out.startswith(b'\x7fELF'):
            open(sys.argv[2], 'wb').write(out)
            return 0
        at = data.find(b'\xfd7zXZ\x00', at + 1)
    sys.stderr.write('extract-vmlinux.py: no xz-compressed ELF kernel in %s\n' % sys.argv[1])
    return 1

sys.exit(main())
