#!/usr/bin/env python3
"""Write the hand-built seed inputs of tests/fuzz/corpus/ (tests/fuzz/README.md).

    python3 tests/fuzz/seeds.py [--out tests/fuzz/corpus]

Each seed is a small, valid input that takes its harness deep into the
code: a kernel that loads, an ACPI image whose MADT parses, page tables
that translate, a device driver's real register sequence. The fuzzer
mutates from there. Other seeds are real files copied in by hand (the
config files, the test guests, a static PIE; see the README); this script
leaves those alone, and running it again rewrites the same bytes.

Layouts are written out from the specifications, as the unit tests do:
ELF (System V gABI), Multiboot 0.6.96 and 2.0, Linux boot.rst, ACPI 6.5,
the Intel SDM (paging, instruction encodings), the 16550, 8259A, 8254,
MC146818A and 82093AA data sheets.
"""
import argparse
import os
import struct


def u8(v):
    return struct.pack("<B", v & 0xFF)


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u32(v):
    return struct.pack("<I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def put(buf, off, data):
    buf[off:off + len(data)] = data


def fix8(buf, lo, hi, at):
    """Make bytes [lo, hi) sum to 0 mod 256 by setting buf[at]."""
    buf[at] = 0
    buf[at] = (-sum(buf[lo:hi])) & 0xFF


# ------------------------------------------------------------------ ELF

def elf32(segments, entry, size, etype=2):
    """An ELF32 i386 file of size bytes: segments are (offset, vaddr,
    paddr, filesz, memsz, flags), program headers right after the ELF
    header."""
    f = bytearray(size)
    put(f, 0, b"\x7fELF" + bytes([1, 1, 1]) + bytes(9))
    put(f, 16, u16(etype) + u16(3) + u32(1) + u32(entry) + u32(52) + u32(0) + u32(0))
    put(f, 40, u16(52) + u16(32) + u16(len(segments)) + u16(40) + u16(0) + u16(0))
    for i, (off, va, pa, fsz, msz, flg) in enumerate(segments):
        put(f, 52 + 32 * i, u32(1) + u32(off) + u32(va) + u32(pa) + u32(fsz) + u32(msz) +
            u32(flg) + u32(0x1000))
    return f


def elf64(phdrs, entry, size, etype=2):
    """An ELF64 x86-64 file: phdrs are (type, flags, offset, vaddr, paddr,
    filesz, memsz)."""
    f = bytearray(size)
    put(f, 0, b"\x7fELF" + bytes([2, 1, 1]) + bytes(9))
    put(f, 16, u16(etype) + u16(62) + u32(1) + u64(entry) + u64(64) + u64(0) + u32(0))
    put(f, 52, u16(64) + u16(56) + u16(len(phdrs)) + u16(64) + u16(0) + u16(0))
    for i, (typ, flg, off, va, pa, fsz, msz) in enumerate(phdrs):
        put(f, 64 + 56 * i, u32(typ) + u32(flg) + u64(off) + u64(va) + u64(pa) + u64(fsz) +
            u64(msz) + u64(0x1000))
    return f


def code(f, lo, hi, mul=7, add=1):
    for i in range(lo, hi):
        f[i] = ((i * mul + add) & 0xFF) | 1


def mb1_header(f, off, flags, addrs=None):
    """Multiboot 0.6.96 3.1.1: magic, flags, checksum; 3.1.3 address fields."""
    magic = 0x1BADB002
    put(f, off, u32(magic) + u32(flags) + u32(-(magic + flags)))
    if addrs:
        put(f, off + 12, b"".join(u32(a) for a in addrs))


def elf_seeds():
    # ELF64 static PIE shaped like the hypervisor core (test_elf.c): code,
    # then a data segment with the dynamic array, three Elf64_Rela (two
    # RELATIVE, one NONE) and the two pointers they relocate, and bss.
    f = elf64([(1, 5, 0, 0, 0, 0x200, 0x200),
               (1, 6, 0x200, 0x1200, 0x1200, 0x180, 0x300),
               (2, 6, 0x200, 0x1200, 0x1200, 0x60, 0x60)], 0x100, 0x380, etype=3)
    code(f, 0x100, 0x190)
    dyn = [(7, 0x1260), (8, 72), (9, 24), (0x6FFFFFF9, 2), (0, 0)]
    put(f, 0x200, b"".join(u64(t) + u64(v) for t, v in dyn))
    rela = [(0x1300, 8, 0x1310), (0x1308, 8, 0x1338), (0, 0, 0)]
    put(f, 0x260, b"".join(u64(o) + u64(i) + u64(a) for o, i, a in rela))
    code(f, 0x310, 0x36A, 3, 5)
    yield "pie64-like-core", f
    # ELF32 with two segments, a gap and bss (test_multiboot.c's k32).
    f = elf32([(0, 0x100000, 0x100000, 0x200, 0x200, 5),
               (0x200, 0xC0102000, 0x102000, 0x100, 0x1800, 6)], 0x100100, 0x300)
    code(f, 0x100, 0x300)
    mb1_header(f, 0x80, 3)
    yield "elf32-two-segments", f


# ------------------------------------------------------------ Multiboot

def multiboot_seeds():
    f = elf32([(0, 0x100000, 0x100000, 0x200, 0x200, 5),
               (0x200, 0xC0102000, 0x102000, 0x100, 0x1800, 6)], 0x100100, 0x300)
    code(f, 0x100, 0x300)
    mb1_header(f, 0x80, 3)  # page align, memory info
    yield "elf32-mb1", f
    # A higher-half ELF64: vaddr 0xffffffff80180000, paddr 0x180000.
    f = elf64([(1, 7, 0, 0xFFFFFFFF80180000, 0x180000, 0x200, 0x1000)],
              0xFFFFFFFF80180100, 0x200)
    code(f, 0xA0, 0x200, 3, 5)
    mb1_header(f, 0x80, 0)
    yield "elf64-higher-half-mb1", f
    # A flat binary with the address fields (flag 16), loaded at 1 MiB,
    # bss to 0x108000, entry at 0x100040.
    f = bytearray(0x400)
    code(f, 0x40, 0x400)
    mb1_header(f, 0x10, (1 << 16) | 2, [0x100010, 0x100000, 0, 0x108000, 0x100040])
    yield "aout-kludge-mb1", f


def mb2_header(tags):
    """Multiboot2 3.1.1: magic, architecture 0, length, checksum, then
    tags (type, flags, payload), each 8-byte aligned, then the end tag."""
    body = bytearray()
    for typ, flags, payload in tags + [(0, 0, b"")]:
        t = u16(typ) + u16(flags) + u32(8 + len(payload)) + payload
        body += t + bytes((-len(t)) % 8)
    magic, length = 0xE85250D6, 16 + len(body)
    return u32(magic) + u32(0) + u32(length) + u32(-(magic + length)) + bytes(body)


def multiboot2_seeds():
    # A flat image: address tag (header_addr, load_addr, load_end 0 = to
    # the end, bss_end) and entry tag; an information request for the
    # ACPI RSDP and memory map (optional), module alignment.
    f = bytearray(0x600)
    code(f, 0x200, 0x600)
    hdr = mb2_header([(1, 1, u32(15) + u32(6) + u32(14)),
                      (2, 0, u32(0x100000) + u32(0x100000) + u32(0) + u32(0x110000)),
                      (3, 0, u32(0x100200)),
                      (6, 0, b"")])
    put(f, 0, hdr)
    yield "flat-address-entry-mb2", f
    # An ELF32 with a relocatable tag (min 1 MiB, max 64 MiB, align 1 MiB,
    # preference none) and a console tag that is not required.
    f = elf32([(0, 0x100000, 0x100000, 0x400, 0x2000, 7)], 0x100300, 0x400)
    code(f, 0x300, 0x400)
    put(f, 0x80, mb2_header([(10, 0, u32(0x100000) + u32(0x4000000) + u32(0x100000) + u32(0)),
                             (4, 1, u32(0)),
                             (1, 0, u32(1) + u32(3))]))
    yield "elf32-relocatable-mb2", f


# ------------------------------------------------------------ bzImage

def bzimage(version=0x020F, relocatable=True, pref=0x400000, init_size=0x400000,
            pm_size=0x400, sig=32, setup_sects=4, syssize=True):
    """boot.rst "The Real-Mode Kernel Header", like test_linux_boot.c's
    kimg_make() but small: setup sectors, then protected-mode code."""
    setup = ((setup_sects or 4) + 1) * 512  # 0 means 4
    f = bytearray(setup + pm_size + sig)
    hdr_end = 0x26C if version >= 0x020A else 0x23C
    f[0x1F1] = setup_sects
    put(f, 0x1F4, u32(pm_size // 16 if syssize else 0))
    put(f, 0x1FA, u16(0xFFFF) + u16(0x0801) + u16(0xAA55))
    f[0x200] = 0xEB
    f[0x201] = hdr_end - 0x202
    put(f, 0x202, b"HdrS" + u16(version))
    put(f, 0x20E, u16(0x1234))
    f[0x211] = 0x01 | 0x20 | 0x40  # LOADED_HIGH, QUIET, KEEP_SEGMENTS
    put(f, 0x214, u32(0x100000))
    put(f, 0x22C, u32(0x7FFFFFFF))  # initrd_addr_max
    put(f, 0x230, u32(0x200000))    # kernel_alignment
    f[0x234] = 1 if relocatable else 0
    f[0x235] = 21
    put(f, 0x236, u16(0x7F))
    put(f, 0x238, u32(2047))        # cmdline_size
    if version >= 0x020A:
        put(f, 0x250, u64(0xDEADBEEF))  # setup_data: must be cleared
        put(f, 0x258, u64(pref))
        put(f, 0x260, u32(init_size))
        put(f, 0x264, u32(0x190) + u32(0x4321))
    for i in range(pm_size):
        f[setup + i] = (i * 13 + 5) & 0xFF
    for i in range(sig):
        f[setup + pm_size + i] = 0xEE
    return f


def linux_seeds():
    yield "bzimage-2.15-relocatable", bzimage()
    yield "bzimage-2.10-fixed", bzimage(version=0x020A, relocatable=False, pref=0x200000,
                                        init_size=0x300000)
    yield "bzimage-2.06-no-syssize", bzimage(version=0x0206, relocatable=False, sig=0,
                                             syssize=False, setup_sects=0)


# ------------------------------------------------------------------ ACPI

def sdt(sig, body, rev=1):
    """ACPI 6.5 5.2.6: the 36-byte header, then the body; checksum fixed."""
    t = bytearray(sig + u32(36 + len(body)) + u8(rev) + u8(0) + b"TESSRA" + b"FUZZTBL " +
                  u32(1) + u32(0x46555A5A) + u32(1) + bytes(body))
    fix8(t, 0, len(t), 9)
    return t


def madt():
    """5.2.12: local APIC address, PCAT_COMPAT, then entries."""
    e = b""
    e += u8(0) + u8(8) + u8(0) + u8(0) + u32(1)          # CPU 0, enabled
    e += u8(0) + u8(8) + u8(1) + u8(2) + u32(1)          # CPU 1 (APIC 2)
    e += u8(0) + u8(8) + u8(2) + u8(4) + u32(2)          # online capable
    e += u8(9) + u8(16) + u16(0) + u32(0x100) + u32(1) + u32(3)  # x2APIC 256
    e += u8(9) + u8(16) + u16(0) + u32(2) + u32(1) + u32(4)      # repeats APIC 2
    e += u8(1) + u8(12) + u8(1) + u8(0) + u32(0xFEC00000) + u32(0)  # I/O APIC
    e += u8(2) + u8(10) + u8(0) + u8(0) + u32(2) + u16(0)       # IRQ 0 -> GSI 2
    e += u8(2) + u8(10) + u8(0) + u8(9) + u32(9) + u16(0xD)     # SCI, level low
    e += u8(4) + u8(6) + u8(0xFF) + u16(5) + u8(1)              # local APIC NMI
    e += u8(5) + u8(12) + u16(0) + u64(0xFEE00000)              # address override
    return sdt(b"APIC", u32(0xFEE00000) + u32(1) + e, rev=3)


def rsdp(rev, rsdt=0, xsdt=0):
    r = bytearray(b"RSD PTR " + u8(0) + b"TESSRA" + u8(rev) + u32(rsdt))
    if rev >= 2:
        r += u32(36) + u64(xsdt) + u8(0) + bytes(3)
    fix8(r, 0, 20, 8)
    if rev >= 2:
        fix8(r, 0, 36, 32)
    return r


def acpi_image(parts):
    """An image of fake physical memory: {offset: bytes}."""
    end = max(off + len(b) for off, b in parts.items())
    img = bytearray(end)
    for off, b in parts.items():
        put(img, off, b)
    return img


def acpi_seeds():
    m = madt()
    facp = sdt(b"FACP", bytes(244 - 36), rev=6)
    mcfg = sdt(b"MCFG", bytes(8) + u64(0xE0000000) + u16(0) + u8(0) + u8(0xFF) + u32(0))
    xsdt = sdt(b"XSDT", u64(0x100) + u64(0x300) + u64(0x400))
    img = acpi_image({0: rsdp(2, 0, 0x40), 0x40: xsdt, 0x100: m, 0x300: facp, 0x400: mcfg})
    yield "rsdp2-xsdt-madt", u8(0) + img
    yield "rsdp2-xsdt-madt-fixsums", u8(1) + img
    rsdt = sdt(b"RSDT", u32(0x300) + u32(0x100))
    yield "rsdp1-rsdt-madt", u8(0) + acpi_image({0: rsdp(0, 0x40), 0x40: rsdt, 0x100: m,
                                                  0x300: facp})
    # A broken XSDT (bad checksum): the parser falls back to the RSDT.
    bad = bytearray(xsdt)
    bad[10] ^= 0x55
    yield "xsdt-bad-rsdt-fallback", u8(2) + acpi_image({0: rsdp(2, 0x80, 0x40), 0x40: bad,
                                                         0x80: rsdt, 0x100: m, 0x300: facp})


# ------------------------------------------------------------------ MMIO

def mmio_seeds(cases):
    """A few encodings of each kind from the decoder's own case table
    (tests/unit/insn_decode_cases.txt, checked against objdump), good and
    refused, plus register and device values after the 15 bytes."""
    per_group = {}
    with open(cases) as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            w = line.split()
            bits, hexbytes, status, kind = w[0], w[1], w[2], w[3]
            group = (bits, status, kind)
            if per_group.get(group, 0) >= 4:
                continue
            per_group[group] = per_group.get(group, 0) + 1
            b = bytes.fromhex(hexbytes)
            tail = b""
            if status == "ok" and len(b) < 15:
                tail = bytes(15 - len(b)) + bytes(range(1, 1 + 8 * 18))
            yield "case-%s-%s-%s-%s" % (bits, status, kind, hexbytes), b + tail


# ------------------------------------------------------------ page tables

CR0_PE, CR0_PG = 1, 1 << 31
CR4_PSE, CR4_PAE, CR4_LA57 = 1 << 4, 1 << 5, 1 << 12
EFER_LME, EFER_LMA = 1 << 8, 1 << 10
P, RW, PS = 1, 2, 0x80


def walk_seed(cr0, cr3, cr4, efer, gva, ln, ram):
    """The harness's header, then RAM from 0; the harness zero-fills past
    the input, so trailing zeros are left out."""
    return (u64(cr0) + u64(cr3) + u64(cr4) + u64(efer) + u64(gva) + u8(ln) +
            bytes(ram).rstrip(b"\0"))


def guest_walk_seeds():
    # To keep the seeds small, one page at 0x1000 holds every level's
    # table: each entry of the walk is at its own index and points back at
    # the page, the last one at the data page at 0x2000 (a pattern of its
    # addresses in its first 64 bytes). Reads of 16 bytes at page offset
    # 0x38 run past the pattern into zeros.
    ram = bytearray(0x2040)
    for i in range(0x2000, 0x2040):
        ram[i] = i & 0xFF
    yield "no-paging", walk_seed(CR0_PE, 0, 0, 0, 0x2008, 16, ram)

    # 32-bit paging (SDM 4.3): PDE 1 -> the page as PT, PTE 3 -> data;
    # PDE 2 a 4 MiB page at 0 (CR4.PSE).
    r = bytearray(ram)
    put(r, 0x1000 + 1 * 4, u32(0x1000 | P | RW))
    put(r, 0x1000 + 3 * 4, u32(0x2000 | P))
    put(r, 0x1000 + 2 * 4, u32(0x0 | P | PS))
    yield "32bit-4k", walk_seed(CR0_PE | CR0_PG, 0x1000, 0, 0, 0x403038, 16, r)
    yield "32bit-4m-pse", walk_seed(CR0_PE | CR0_PG, 0x1000, CR4_PSE, 0, 0x802010, 8, r)

    # PAE (SDM 4.4): PDPTE 1 (no RW: reserved there) -> the page as PD,
    # PDE 4 -> as PT, PTE 5 -> data; PDE 6 a 2 MiB page at 0.
    r = bytearray(ram)
    put(r, 0x1000 + 1 * 8, u64(0x1000 | P))
    put(r, 0x1000 + 4 * 8, u64(0x1000 | P | RW))
    put(r, 0x1000 + 5 * 8, u64(0x2000 | P))
    put(r, 0x1000 + 6 * 8, u64(0x0 | P | PS))
    yield "pae-4k", walk_seed(CR0_PE | CR0_PG, 0x1000, CR4_PAE, 0,
                              (1 << 30) | (4 << 21) | (5 << 12) | 0x38, 16, r)
    yield "pae-2m", walk_seed(CR0_PE | CR0_PG, 0x1000, CR4_PAE, 0,
                              (1 << 30) | (6 << 21) | 0x2010, 16, r)

    # 4-level (SDM 4.5): PML4E 256 (the upper half) and 0 -> the page,
    # PDPTE 1 -> PD, PDE 2 -> PT, PTE 3 -> data (XD set: ignored); PDE 4 a
    # 2 MiB page, PDPTE 5 a 1 GiB page, both at 0. 5-level: PML5E 7 -> the
    # page as PML4.
    r = bytearray(ram)
    put(r, 0x1000 + 0 * 8, u64(0x1000 | P | RW))
    put(r, 0x1000 + 256 * 8, u64(0x1000 | P | RW))
    put(r, 0x1000 + 1 * 8, u64(0x1000 | P | RW))
    put(r, 0x1000 + 2 * 8, u64(0x1000 | P | RW))
    put(r, 0x1000 + 3 * 8, u64(0x2000 | P | (1 << 63)))
    put(r, 0x1000 + 4 * 8, u64(0x0 | P | PS))
    put(r, 0x1000 + 5 * 8, u64(0x0 | P | PS))
    put(r, 0x1000 + 7 * 8, u64(0x1000 | P | RW))
    lm = (CR0_PE | CR0_PG, 0x1000, CR4_PAE, EFER_LME | EFER_LMA)
    yield "4level-4k-upper-half", walk_seed(*lm, 0xFFFF800000000000 | (1 << 30) | (2 << 21) |
                                            (3 << 12) | 0x38, 16, r)
    yield "4level-2m", walk_seed(*lm, (1 << 30) | (4 << 21) | 0x2008, 8, r)
    yield "4level-1g", walk_seed(*lm, (5 << 30) | 0x2008, 8, r)
    yield "5level-4k", walk_seed(CR0_PE | CR0_PG, 0x1000, CR4_PAE | CR4_LA57,
                                 EFER_LME | EFER_LMA,
                                 (7 << 48) | (1 << 30) | (2 << 21) | (3 << 12) | 0x38, 16, r)


# ------------------------------------------------------------ devices

def vuart_seeds():
    rd = lambda o: u8(o)
    wr = lambda o, v: u8(0x40 | o) + u8(v)
    push = lambda s: u8(0x80 | len(s)) + s
    # Linux 8250 autoconfig and set-up, then receive and transmit.
    s = (wr(3, 0x80) + wr(0, 1) + wr(1, 0) + wr(3, 0x03) + rd(0) + rd(1) + wr(2, 0xC7) +
         rd(2) + wr(4, 0x0B) + wr(7, 0x5A) + rd(7) + wr(1, 0x0F) + rd(2) + rd(2) +
         push(b"hello\r") + rd(5) + rd(2) + b"".join(rd(0) for _ in range(7)) + rd(5) +
         wr(0, ord("o")) + wr(0, ord("k")) + rd(2) + rd(6) + wr(2, 0x07) + rd(8))
    yield "linux-8250", s
    yield "fifo-overflow", push(bytes(range(0x30, 0x30 + 40))) + push(bytes(40)) + \
        b"".join(rd(0) for _ in range(70)) + u8(0xC0) + rd(5)


def vpic_seeds():
    wr = lambda p, v: u8(0x20 | p) + u8(v)
    rd = lambda p: u8(p)
    irq = lambda i, lvl: u8(0x40 | (0x10 if lvl else 0) | i)
    ack = u8(0x60)
    M_CMD, M_DATA, S_CMD, S_DATA, ELCR_M, ELCR_S = range(6)
    # Linux init_8259A: ICW1-4 on both chips, masks, then a serial IRQ 4
    # (edge), an SCI on IRQ 9 (level through the ELCR), EOIs, OCW3 reads.
    init = (wr(M_DATA, 0xFF) + wr(S_DATA, 0xFF) + wr(M_CMD, 0x11) + wr(M_DATA, 0x30) +
            wr(M_DATA, 0x04) + wr(M_DATA, 0x01) + wr(S_CMD, 0x11) + wr(S_DATA, 0x38) +
            wr(S_DATA, 0x02) + wr(S_DATA, 0x01) + wr(M_DATA, 0xEB) + wr(S_DATA, 0xFD))
    s = (init + irq(4, 1) + ack + irq(4, 0) + wr(M_CMD, 0x20) + wr(ELCR_S, 0x02) + irq(9, 1) +
         ack + wr(S_CMD, 0x0B) + rd(S_CMD) + wr(S_CMD, 0x61) + wr(M_CMD, 0x62) + ack +
         irq(9, 0) + wr(M_CMD, 0x0A) + rd(M_CMD) + rd(ELCR_M) + rd(ELCR_S) +
         u8(0x80) + u16(0x4D0))
    yield "linux-init-irq4-sci", s
    # Auto-EOI, single mode, and a timer tick.
    yield "aeoi-single", (wr(M_CMD, 0x13) + wr(M_DATA, 0x08) + wr(M_DATA, 0x03) +
                          wr(M_DATA, 0x00) + irq(0, 1) + ack + irq(0, 0) + irq(0, 1) + ack)


def vlapic_seeds():
    EN, EXTD, BSP, BASE = 1 << 11, 1 << 10, 1 << 8, 0xFEE00000
    setb = lambda v, x2=True, bits=3: u8((bits << 1) | (1 if x2 else 0)) + u64(v)
    rd = lambda r: u8(0x20) + u8(r)
    wr = lambda r, v: u8(0x40) + u8(r) + u64(v)
    # xAPIC: SVR, TPR, LINT0 ExtINT, LINT1 NMI, an IPI by its two halves,
    # LDR/DFR, EOI; then x2APIC mode: ICR as one MSR, self IPI, a faulting
    # write, and the way Linux disables x2APIC (disabled, then xAPIC).
    s = (rd(0x02) + rd(0x03) + wr(0x0F, 0x1FF) + wr(0x08, 0xFF) + wr(0x35, 0x700) +
         wr(0x36, 0x400) + rd(0x35) + wr(0x31, 0x01000000) + wr(0x30, 0x4500) +
         wr(0x0D, 0x01000000) + wr(0x0E, 0x0FFFFFFF) + u8(0x80) + u8(0x01) + wr(0x0B, 0) +
         setb(BASE | EN | EXTD | BSP) + rd(0x02) + wr(0x30, (3 << 32) | 0x40FD) +
         wr(0x3F, 0xEE) + wr(0x0B, 1) + wr(0x28, 0) + rd(0x0E) + u8(0x60) + u8(0x03) +
         u64(0x01050014) + setb(BASE) + setb(BASE | EN) + setb(0xFED00000 | EN) + rd(0x0F))
    yield "xapic-x2apic-linux", s
    yield "reset-x2apic", u8(0xE3) + u8(5) + rd(0x02) + wr(0x30, 0xFF << 32 | 0x4020) + \
        setb(BASE | EN) + setb(BASE | EXTD)


def ioapic_seeds():
    rd = lambda off, size=4: u8(0x00 | {1: 0, 2: 1, 4: 2, 8: 7}[size]) + u16(8 + off)
    wr = lambda off, v, size=4: u8(0x20 | {1: 0, 2: 1, 4: 2, 8: 7}[size]) + u16(8 + off) + u32(v)
    sel = lambda r: wr(0x00, r)
    level = lambda pin, lvl: u8(0x40 | (0x10 if lvl else 0)) + u8(pin)
    # Linux: read the ID and version, program pin 4 (the serial port) edge
    # and pin 9 (the SCI) level, active low, to CPU 0; unmask; interrupts;
    # EOI by the register and by the local APIC's message.
    s = (sel(0x00) + rd(0x10) + sel(0x01) + rd(0x10) + sel(0x02) + rd(0x10) +
         sel(0x00) + wr(0x10, 0x02000000) +
         sel(0x10 + 2 * 4 + 1) + wr(0x10, 0) + sel(0x10 + 2 * 4) + wr(0x10, 0x31) +
         sel(0x10 + 2 * 9 + 1) + wr(0x10, 0x01000000) + sel(0x10 + 2 * 9) +
         wr(0x10, 0xA000 | 0x39) + level(9, 1) + level(9, 0) + rd(0x10) +
         u8(0x60) + u8(4) + u8(0x60) + u8(4) + wr(0x40, 0x39) + level(9, 1) +
         u8(0x80) + u8(0x39) + u8(0xA0) + u8(9) + wr(0x00, 0x15, 1) + rd(0x00, 1) +
         rd(0x40) + rd(0x14) + rd(0x10, 8))
    yield "linux-serial-sci", s


def rtc_seeds():
    boot = u8(125) + u8(12) + u8(4) + u8(23) + u8(59) + u8(58) + u32(123456789)
    wr = lambda r, v: u8(0x40) + u8(r) + u8(v)
    rd = lambda r: u8(0x60) + u8(r)
    step = lambda unit, n: u8(0x80) + u8(unit) + u16(n)
    edges = u8(0xA0)
    # Linux mc146818_get_time (UIP poll, then the fields), then setting the
    # clock (SET, binary 24-hour, write, release), a 1024 Hz periodic
    # interrupt, an alarm, update interrupts over a day and a leap second.
    s = (boot + rd(0x0A) + rd(0x00) + rd(0x02) + rd(0x04) + rd(0x07) + rd(0x08) + rd(0x09) +
         rd(0x32) + rd(0x0B) + rd(0x0D) +
         wr(0x0B, 0x86) + wr(0x00, 30) + wr(0x02, 59) + wr(0x04, 23) + wr(0x07, 28) +
         wr(0x08, 2) + wr(0x09, 24) + wr(0x32, 20) + wr(0x0B, 0x06) + step(3, 2) + rd(0x07) +
         wr(0x0A, 0x26) + wr(0x0B, 0x46) + step(2, 3) + edges + rd(0x0C) + step(1, 977) +
         edges + u8(0xC0) + wr(0x01, 0xFF) + wr(0x03, 0xC0) + wr(0x05, 0) + wr(0x0B, 0x26) +
         step(3, 3600) + edges + rd(0x0C) + wr(0x0B, 0x12) + step(3, 86400 % 65536) + edges +
         wr(0x0A, 0x70) + step(2, 500) + wr(0x0A, 0x20) + step(2, 700) + rd(0x0A) +
         u8(0x02) + u8(1) + u8(0x22) + u8(1) + u32(0x3E0B) + u8(0x00) + u8(2))
    yield "linux-rtc", s
    yield "bcd-12h", u8(99) + u8(1) + u8(1) + u8(0) + u8(0) + u8(0) + u32(0) + \
        wr(0x0B, 0x00) + rd(0x04) + step(3, 43200) + rd(0x04) + wr(0x04, 0x92) + rd(0x04)


def pit_seeds():
    wr = lambda port, v: u8(0x40 | (4 if port == 0x61 else port - 0x40)) + u8(v)
    rd = lambda port: u8(0x60 | (3 if port == 0x61 else port - 0x40))
    step = lambda unit, n: u8(0x80) + u8(unit) + u16(n)
    edges = u8(0xA0)
    # Linux pit_calibrate_tsc: gate 2 high, speaker off; counter 2 mode 0,
    # LSB then MSB of 0xFFFF... polled through port 0x61 bit 5; then
    # counter 0 in mode 2 at 100 Hz for the tick; read-back and latch.
    s = (u32(1000) + wr(0x61, 0x01) + wr(0x43, 0xB0) + wr(0x42, 0x9B) + wr(0x42, 0x2E) +
         rd(0x61) + step(1, 5000) + rd(0x61) + step(1, 5000) + rd(0x61) +
         wr(0x43, 0x34) + wr(0x40, 0x9C) + wr(0x40, 0x2E) + step(2, 25) + edges +
         wr(0x43, 0x00) + rd(0x40) + rd(0x40) + wr(0x43, 0xE2) + rd(0x40) + rd(0x40) + rd(0x40) +
         step(2, 1000) + edges + wr(0x43, 0x36) + wr(0x40, 0x00) + wr(0x40, 0x00) +
         step(3, 10) + edges + wr(0x43, 0x30) + wr(0x40, 0x10) + wr(0x40, 0x00) + step(0, 500) +
         edges + wr(0x61, 0x00) + wr(0x43, 0x92) + wr(0x42, 0x05) + wr(0x61, 0x01) +
         step(1, 3) + rd(0x42) + wr(0x43, 0x17) + wr(0x40, 0x99) + rd(0x40))
    yield "linux-calibrate-tick", s


def acpi_pm_seeds():
    io = lambda write, size, port, v=0: (u8((0x80 if write else 0) | {1: 0, 2: 1, 4: 2}[size]) +
                                         (u32(v) if write else b"") + u8(port - 0x5FC))
    # OSPM: read PM1_STS/EN and PM1_CNT, set GBL_EN and PWRBTN_EN, clear
    # status, then S5 (SLP_TYP 5 | SLP_EN) and the reset register.
    s = (io(0, 2, 0x600) + io(0, 2, 0x602) + io(0, 2, 0x604) + io(1, 2, 0x602, 0x0120) +
         io(1, 2, 0x600, 0xFFFF) + io(0, 4, 0x600) + io(1, 2, 0x604, 0x1401) +
         io(0, 1, 0x605) + io(1, 2, 0x604, 0x3401) + io(1, 1, 0x605, 0x34) +
         io(1, 1, 0x608, 1) + io(0, 1, 0x608) + io(0, 4, 0x606) + io(0, 2, 0x5FF) +
         u8(0x40) + io(0, 1, 0x609))
    yield "ospm-s5-reset", s


def devbus_seeds():
    pio = lambda dev, base, ln: u8(dev << 4) + u16(base) + u16(ln)
    mmio = lambda dev, base, ln: u8((dev << 4) | 1) + u64(base) + u32(ln)
    acc = lambda space_mmio, write, size, addr, v=0: (
        u8(0x40 | (0x10 if write else 0) | (8 if space_mmio else 0) | {1: 0, 2: 1, 4: 2, 8: 7}[size]) +
        (u64(addr) if space_mmio else u16(addr)) + (u64(v) if write else b""))
    # A partition's bus: vUART, PIC pair, RTC, then the I/O APIC window;
    # an overlapping add; accesses inside, across an end and outside.
    s = (pio(0, 0x3F8, 8) + pio(1, 0x20, 2) + pio(1, 0xA0, 2) + pio(3, 0x70, 2) +
         mmio(2, 0xFEC00000, 0x1000) + pio(3, 0x3FC, 4) + mmio(2, 0xFEC00800, 0x10) +
         acc(0, 1, 1, 0x3F8, 0x41) + acc(0, 0, 1, 0x3FD) + acc(0, 0, 2, 0x3FF) +
         acc(1, 1, 4, 0xFEC00010, 0x12345678) + acc(1, 0, 4, 0xFEC00FFE) +
         acc(1, 0, 8, 0xFEC00FF8) + acc(0, 0, 1, 0x71) + u8(0x80) + u16(0x21) +
         u8(0xC3) + u16(0x3F8) + u8(0xC0) + u16(0x3F8))
    yield "partition-bus", s


def console_seeds():
    yield "list", b"list\r"
    yield "help-stats", b"help restart\r\nstats hello --reset\r\n"
    yield "history-up", b"resta\tcompute\rlist --json\n\x1b[A\x1b[A\r"
    yield "edit-keys", (b"atach\x7f\x7f\x7ftach hello\x1b[D\x1b[D\x1b[C\x08X\x1b[H\x1b[F"
                        b"\x15info \"a b\"\r")
    yield "cancel-escapes", (b"stop hello\x03trace hello 20\x1bOA\x1bOB\x1b[1~\x1b[4~\x1b[7~"
                             b"\x1b[8~\x1b[2;5D\r")
    yield "options", b"log level verbose\r\nre\rlist \"--json\" -- --x\r"
    yield "too-long", b"a" * 140 + b"\r" + b" ".join([b"w"] * 10) + b"\r"


HARNESSES = {
    "elf": elf_seeds,
    "multiboot": multiboot_seeds,
    "multiboot2": multiboot2_seeds,
    "linux_boot": linux_seeds,
    "acpi": acpi_seeds,
    "guest_walk": guest_walk_seeds,
    "vuart": vuart_seeds,
    "vpic": vpic_seeds,
    "vlapic": vlapic_seeds,
    "ioapic": ioapic_seeds,
    "rtc": rtc_seeds,
    "pit": pit_seeds,
    "acpi_pm": acpi_pm_seeds,
    "devbus": devbus_seeds,
    "console": console_seeds,
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(here, "corpus"))
    args = ap.parse_args()
    cases = os.path.join(here, "..", "unit", "insn_decode_cases.txt")
    gens = dict(HARNESSES, mmio=lambda: mmio_seeds(cases))
    for name, gen in sorted(gens.items()):
        d = os.path.join(args.out, name)
        os.makedirs(d, exist_ok=True)
        n = 0
        for seed, data in gen():
            with open(os.path.join(d, seed), "wb") as f:
                f.write(bytes(data))
            n += 1
        print("%-11s %d seeds" % (name, n))


if __name__ == "__main__":
    main()
