#!/usr/bin/env python3
"""Check that a test guest is a Multiboot v1 ELF32 kernel Tessera can boot.

Usage: check_multiboot.py [--forbid STRING]... FILE...

Checks (Multiboot Specification 0.6.96, section 3.1):
  - a header in the first 8192 bytes, 32-bit aligned: magic 0x1BADB002,
    flags, checksum with magic + flags + checksum == 0 (mod 2^32);
  - flags: bit 0 (page-align modules) and bit 1 (memory info) set; bit 2
    (video mode, refused by Tessera) and bit 16 (a.out kludge: we want the
    ELF headers used) clear; no other bit of the low 16 ("required") set;
  - an ELF32 i386 executable whose entry point lies in a PT_LOAD segment's
    file-backed part, every PT_LOAD at a physical address >= 1 MiB;
  - with --forbid: the file does not contain STRING (plain ASCII).
Exits 1 with one line per problem. No dependencies beyond Python 3.
"""
import struct
import sys

MB_MAGIC = 0x1BADB002
MB_SEARCH = 8192
PT_LOAD = 1


def check(data, forbid):
    errors = []
    for off in range(0, min(len(data), MB_SEARCH) - 11, 4):
        magic, flags, checksum = struct.unpack_from("<III", data, off)
        if magic == MB_MAGIC:
            break
    else:
        return ["no multiboot header (magic 0x1BADB002) in the first 8192 bytes"]
    if (magic + flags + checksum) & 0xFFFFFFFF:
        errors.append("bad checksum 0x%08x for flags 0x%08x" % (checksum, flags))
    if flags & 3 != 3:
        errors.append("flags 0x%08x: bits 0 and 1 must be set" % flags)
    if flags & (1 << 2):
        errors.append("flags 0x%08x: bit 2 (video mode) is not supported" % flags)
    if flags & (1 << 16):
        errors.append("flags 0x%08x: bit 16 (a.out kludge) set; want the ELF loaded" % flags)
    if flags & 0xFFF8:
        errors.append("flags 0x%08x: unknown required bits" % flags)

    if data[:4] != b"\x7fELF" or len(data) < 52:
        return errors + ["not an ELF file"]
    if data[4] != 1 or data[5] != 1:
        errors.append("not ELF32 little-endian (class %d, data %d)" % (data[4], data[5]))
        return errors
    (e_type, e_machine, _ver, e_entry, e_phoff, _shoff, _flags, _ehsize,
     e_phentsize, e_phnum) = struct.unpack_from("<HHIIIIIHHH", data, 16)
    if e_type != 2:
        errors.append("ELF type %d, want 2 (EXEC)" % e_type)
    if e_machine != 3:
        errors.append("ELF machine %d, want 3 (i386)" % e_machine)
    in_load = False
    loads = 0
    for i in range(e_phnum):
        (p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz, _pf,
         _align) = struct.unpack_from("<IIIIIIII", data, e_phoff + i * e_phentsize)
        if p_type != PT_LOAD:
            continue
        loads += 1
        if p_paddr < 0x100000:
            errors.append("PT_LOAD at paddr 0x%x is below 1 MiB" % p_paddr)
        if p_offset + p_filesz > len(data):
            errors.append("PT_LOAD at 0x%x runs past the end of the file" % p_paddr)
        if p_vaddr <= e_entry < p_vaddr + p_filesz:
            in_load = True
    if not loads:
        errors.append("no PT_LOAD segment")
    elif not in_load:
        errors.append("entry 0x%08x is not inside a PT_LOAD segment" % e_entry)
    for s in forbid:
        if s.encode() in data:
            errors.append("contains the forbidden string %r" % s)
    return errors


def main(argv):
    forbid, files = [], []
    it = iter(argv)
    for a in it:
        if a == "--forbid":
            forbid.append(next(it))
        else:
            files.append(a)
    if not files:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bad = 0
    for f in files:
        with open(f, "rb") as fh:
            errors = check(fh.read(), forbid)
        for e in errors:
            print("%s: %s" % (f, e), file=sys.stderr)
        bad += bool(errors)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
