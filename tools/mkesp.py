#!/usr/bin/python3
"""Lay out an EFI system partition for Tessera.

  OUT/                       a folder (Bochs reads it through vvfat)
    EFI/BOOT/BOOTX64.EFI     the loader with the core inside
    tessera/tessera.cfg      the config
    tessera/...              the files the config names (guest kernels)
  OUT.img                    the same as a FAT image (for QEMU), made with mtools

Files named in the config are looked up first relative to the config
file's own folder (the path as written, then its basename there), so a
config of your own next to its kernels just works; then by basename under
the test guests' build output, build/linux (tools/linux-guest.py) and
configs/, so a config can say \\tessera\\hello.elf.

--kernel PATH [--initrd PATH] [--append ARGS] [--format linux|multiboot]
adds one partition, `user`, booting a kernel from the host (what
`make run KERNEL=...` does, the QEMU habit), on the first CPU the config
leaves free, or (--alone) as the only partition, on CPU 1.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys


def config_files(cfg_text):
    """Paths the config names with kernel/modules/initrd keys."""
    out = []
    for line in cfg_text.splitlines():
        m = re.match(r"\s*(kernel|initrd|modules)\s*=\s*(.*)$", line)
        if not m:
            continue
        for p in m.group(2).split(","):
            p = p.split("#")[0].strip()
            if p:
                out.append(p)
    return out


def esp_relative(path):
    return path.replace("\\", "/").lstrip("/")


def used_cpus(cfg_text):
    """CPU indices the config's partitions take (cpus = 1, 2-3, 5)."""
    used = set()
    for m in re.finditer(r"^\s*cpus\s*=\s*([0-9,\- ]+)", cfg_text, re.M):
        for part in m.group(1).split(","):
            part = part.strip()
            if "-" in part:
                lo, hi = part.split("-")
                used.update(range(int(lo), int(hi) + 1))
            elif part:
                used.add(int(part))
    return used


def user_partition(cfg_text, kernel, initrd, append, fmt, alone):
    """The config with a [partition user] that boots a host kernel."""
    fmt = fmt or ("linux" if open(kernel, "rb").read(0x206)[0x202:0x206] == b"HdrS"
                  else "multiboot")
    if alone:
        head = re.split(r"^\s*\[partition ", cfg_text, maxsplit=1, flags=re.M)[0]
        cfg_text, cpu = head.rstrip() + "\n", 1
    else:
        used = used_cpus(cfg_text) | {0}
        cpu = next(c for c in range(64) if c not in used)
    lines = ["", "# Added by `make run KERNEL=...` (tools/mkesp.py --kernel).",
             "[partition user]",
             f"cpus = {cpu}" if fmt != "linux" else f"cpus = {cpu}-{cpu + 1}",
             f"memory = {'256M' if fmt == 'linux' else '32M'}",
             f"kernel = \\tessera\\user\\{os.path.basename(kernel)}",
             f"format = {fmt}"]
    if initrd:
        lines.append(f"initrd = \\tessera\\user\\{os.path.basename(initrd)}")
    if append:
        lines.append(f"cmdline = {append}")
    return cfg_text.rstrip() + "\n" + "\n".join(lines) + "\n", cpu + (2 if fmt == "linux" else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--efi", required=True)
    ap.add_argument("--config", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--search", action="append", default=[],
                    help="folders searched for files the config names")
    ap.add_argument("--no-config", action="store_true",
                    help="leave the config out (to test the loader's error path)")
    ap.add_argument("--image-mib", type=int, default=64)
    ap.add_argument("--kernel", help="add a partition booting this host kernel")
    ap.add_argument("--initrd", help="with --kernel: its initrd")
    ap.add_argument("--append", help="with --kernel: its command line")
    ap.add_argument("--format", choices=["linux", "multiboot"],
                    help="with --kernel: its format (default: linux for a bzImage)")
    ap.add_argument("--alone", action="store_true",
                    help="with --kernel: the only partition (the config's are left out)")
    ap.add_argument("--print-cpus", action="store_true",
                    help="with --kernel: print how many CPUs the machine needs")
    a = ap.parse_args()
    for f in (a.kernel, a.initrd):
        if f and not os.path.isfile(f):
            print(f"mkesp: {f}: no such file", file=sys.stderr)
            return 1
    if a.print_cpus:
        need = 0
        if a.kernel:
            _, need = user_partition(open(a.config).read(), a.kernel, a.initrd, a.append,
                                     a.format, a.alone)
        print(need)
        return 0

    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(os.path.join(a.out, "EFI", "BOOT"))
    os.makedirs(os.path.join(a.out, "tessera"))
    shutil.copy(a.efi, os.path.join(a.out, "EFI", "BOOT", "BOOTX64.EFI"))

    if not a.no_config:
        text = open(a.config).read()
        if a.kernel:
            text, _ = user_partition(text, a.kernel, a.initrd, a.append, a.format, a.alone)
            for f in (a.kernel, a.initrd):
                if f:
                    os.makedirs(os.path.join(a.out, "tessera", "user"), exist_ok=True)
                    shutil.copy(f, os.path.join(a.out, "tessera", "user",
                                                os.path.basename(f)))
        with open(os.path.join(a.out, "tessera", "tessera.cfg"), "w") as f:
            f.write(text)
        cfg_dir = os.path.dirname(os.path.abspath(a.config))
        build = os.environ.get("TESSERA_BUILD", "build")
        search = a.search + [os.path.join(build, "guests"), os.path.join(build, "linux"),
                             "configs"]
        for p in config_files(text):
            rel = esp_relative(p)
            base = os.path.basename(rel)
            if os.path.isfile(os.path.join(a.out, rel)):
                continue  # the user partition's own files, copied above
            here = [os.path.join(cfg_dir, rel), os.path.join(cfg_dir, base)]
            src = next((f for f in here if os.path.isfile(f)), None) or \
                next((os.path.join(d, base) for d in search
                      if os.path.isfile(os.path.join(d, base))), None)
            if src is None:
                # Not an error here: a missing file is a case the loader
                # reports itself (and the tests check that it does).
                print(f"mkesp: note: {p} not found, left out", file=sys.stderr)
                continue
            dst = os.path.join(a.out, rel)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(src, dst)

    img = a.out.rstrip("/") + ".img"
    if os.path.exists(img):
        os.remove(img)
    subprocess.run(["mformat", "-C", "-i", img, "-T", str(a.image_mib * 2048),
                    "-h", "64", "-s", "32", "::"], check=True)
    for root, dirs, files in os.walk(a.out):
        rel = os.path.relpath(root, a.out)
        for d in dirs:
            subprocess.run(["mmd", "-i", img, "::/" + os.path.join(rel, d).lstrip("./")],
                           check=True)
        for f in files:
            dst = "::/" + os.path.normpath(os.path.join(rel, f))
            subprocess.run(["mcopy", "-i", img, os.path.join(root, f), dst], check=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
