#!/usr/bin/python3
"""Lay out an EFI system partition for Tessera.

  OUT/                       a folder (Bochs reads it through vvfat)
    EFI/BOOT/BOOTX64.EFI     the loader with the core inside
    tessera/tessera.cfg      the config
    tessera/...              the files the config names (guest kernels)
  OUT.img                    the same as a FAT image (for QEMU), made with mtools

Files named in the config are looked up under tests/guests' build output
build/linux (tools/linux-guest.py) and configs/ by basename, so a config can say \\tessera\\hello.elf.
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
    a = ap.parse_args()

    if os.path.exists(a.out):
        shutil.rmtree(a.out)
    os.makedirs(os.path.join(a.out, "EFI", "BOOT"))
    os.makedirs(os.path.join(a.out, "tessera"))
    shutil.copy(a.efi, os.path.join(a.out, "EFI", "BOOT", "BOOTX64.EFI"))

    if not a.no_config:
        text = open(a.config).read()
        shutil.copy(a.config, os.path.join(a.out, "tessera", "tessera.cfg"))
        search = a.search + ["build/guests", "build/linux", "configs"]
        for p in config_files(text):
            rel = esp_relative(p)
            base = os.path.basename(rel)
            src = next((os.path.join(d, base) for d in search
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
