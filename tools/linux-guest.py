#!/usr/bin/python3
"""Build the Linux test guest from Debian's own packages: a stock cloud
kernel and an initramfs around busybox-static (docs/linux-guests.md).

  tools/linux-guest.py --out build/linux

writes build/linux/vmlinuz (the unmodified bzImage from
linux-image-*-cloud-amd64) and build/linux/initrd.img (a gzipped newc cpio
with busybox and the init script below). Nothing but `apt-get download` is
fetched; the .deb files are kept in build/linux/debs so a second run needs
no network. The cpio is written here in Python, so the `cpio` tool is not
needed.

The init script prints one line the tests look for,
  LINUX-OK cpus=N memtotal=K kB e820ram=R kB
(R: the RAM the boot map gave it, summed from /sys/firmware/memmap) then runs a shell on the console. With `tessera.poweroff` on the kernel
command line it powers off instead (the ACPI S5 path).
"""
import argparse
import glob
import gzip
import os
import shutil
import subprocess
import sys
import tempfile

INIT = r"""#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
cpus=$(grep -c ^processor /proc/cpuinfo)
mem=$(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo)
ram=0
for d in /sys/firmware/memmap/*; do
    if [ "$(cat $d/type)" = "System RAM" ]; then
        ram=$(( ram + $(cat $d/end) - $(cat $d/start) + 1 ))
    fi
done
echo "LINUX-OK cpus=$cpus memtotal=$mem kB e820ram=$(( ram / 1024 )) kB"
if grep -q tessera.poweroff /proc/cmdline; then
    echo "linux: powering off"
    poweroff -f
fi
echo "linux: shell on the console; 'poweroff -f' powers the partition off"
while true; do
    setsid cttyhack sh -l
done
"""

PROFILE = r"""export PS1='linux# '
export PATH=/bin:/sbin
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def resolve_kernel_package():
    """The versioned package behind linux-image-cloud-amd64 (the package
    lists are refreshed once if they do not know it)."""
    for attempt in range(2):
        out = subprocess.run(["apt-cache", "depends", "linux-image-cloud-amd64"],
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("Depends: linux-image-"):
                return line.split(": ", 1)[1].strip()
        if attempt == 0 and os.geteuid() == 0:
            print("linux-guest: apt-get update")
            run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
    sys.exit("linux-guest: cannot resolve linux-image-cloud-amd64 (run 'apt-get update' first)")


def download(debs, names):
    os.makedirs(debs, exist_ok=True)
    for name in names:
        if glob.glob(os.path.join(debs, f"{name}_*.deb")):
            continue
        print(f"linux-guest: apt-get download {name}")
        run(["apt-get", "download", name], cwd=debs, stdout=subprocess.DEVNULL)
    return [glob.glob(os.path.join(debs, f"{n}_*.deb"))[0] for n in names]


def extract(deb, dest):
    run(["dpkg-deb", "-x", deb, dest])


def cpio_newc(entries):
    """entries: (path, mode, data-bytes or None for dirs) -> newc archive."""
    out = bytearray()
    ino = 1

    def add(name, mode, data):
        nonlocal ino, out
        name_b = name.encode() + b"\0"
        hdr = "070701" + "".join(f"{x:08x}" for x in (
            ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(name_b), 0))
        out += hdr.encode() + name_b
        out += b"\0" * ((4 - len(out) % 4) % 4)
        out += data
        out += b"\0" * ((4 - len(out) % 4) % 4)
        ino += 1

    for name, mode, data in entries:
        add(name, mode, data or b"")
    add("TRAILER!!!", 0, b"")
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="build/linux")
    a = ap.parse_args()
    out = os.path.abspath(a.out)
    debs = os.path.join(out, "debs")
    kpkg = resolve_kernel_package()
    kdeb, bdeb = download(debs, [kpkg, "busybox-static"])

    with tempfile.TemporaryDirectory() as tmp:
        extract(kdeb, os.path.join(tmp, "k"))
        extract(bdeb, os.path.join(tmp, "b"))
        vmlinuz = glob.glob(os.path.join(tmp, "k", "boot", "vmlinuz-*"))[0]
        shutil.copyfile(vmlinuz, os.path.join(out, "vmlinuz"))
        with open(os.path.join(tmp, "b", "bin", "busybox"), "rb") as f:
            busybox = f.read()

    d, x, r = 0o040755, 0o100755, 0o100644
    entries = [("bin", d, None), ("sbin", d, None), ("proc", d, None), ("sys", d, None),
               ("dev", d, None), ("etc", d, None), ("root", d, None), ("tmp", d, None),
               ("bin/busybox", x, busybox), ("init", x, INIT.encode()),
               ("etc/profile", r, PROFILE.encode())]
    with open(os.path.join(out, "initrd.img"), "wb") as f:
        f.write(gzip.compress(cpio_newc(entries), 6))
    print(f"linux-guest: {kpkg}: {out}/vmlinuz "
          f"({os.path.getsize(os.path.join(out, 'vmlinuz'))} bytes), "
          f"initrd.img ({os.path.getsize(os.path.join(out, 'initrd.img'))} bytes)")


if __name__ == "__main__":
    main()
