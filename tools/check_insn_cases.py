#!/usr/bin/env python3
"""Check the MMIO decoder's case table against binutils objdump.

tests/unit/insn_decode_cases.txt lists instructions (mode, bytes) with what
arch/x86_64/insn_decode.c must make of them. tests/unit/test_insn_decode.c
runs the decoder on every line; this script asks objdump what the same bytes
are and checks that the table agrees, so the decoder is checked against a
real disassembler through the table. It runs objdump once per mode: every
case sits in its own 32-byte slot padded with NOPs, so one wrong length
cannot shift the cases after it.

  check_insn_cases.py CASES           verify the table (exit 1 on a mismatch)
  check_insn_cases.py --generate OUT  rebuild the table from the encodings
                                      listed in generate() and objdump's view
  check_insn_cases.py --lenient FILE  the same check, but cases objdump cannot
                                      show (see merge_rex) are skipped: for the
                                      random decodes test_insn_decode writes

A line of the table (fields separated by spaces, '#' starts a comment):
  MODE HEX ok KIND key=value...
  MODE HEX reject CLASS [avail=N]
MODE is 16, 32 or 64, the code segment's default size; HEX the bytes.
KIND is load store store_imm alu xchg movs stos lods; the keys are
  len size reg addr seg mem   always; reg is a register name ('ah' is the high
                              byte, so the name gives number, size and
                              high_byte) or '-'; addr 2/4/8; seg es..gs
  mem=BASE,INDEX,SCALE,DISP   registers named at the address size, rip/eip,
                              '-'; DISP hex, modulo 2^(8*addr)
  alu= imm= rep=rep|repne     when present
  ovr lock sx to_reg          flags, when set
CLASS says why the decoder refuses, and what objdump must show for it:
  mod3       one instruction whose operands are all registers
  opcode     not an MMIO mnemonic (or (bad)), at the first instruction
  lock       'lock' on an instruction where the CPU raises #UD
  truncated  the bytes are one whole instruction, longer than avail=N
  toolong    more than 15 bytes: objdump gives up at 15 (prefixes alone, or (bad))
  rep0f      F2/F3 before 0F B6..BF
  movsxd16   MOVSXD with a 16-bit destination

What objdump cannot show comes from the bytes, by the SDM's rules, in
prefix_info() and default_seg(): the default segment (SS for rBP/rSP bases),
whether an override counted (null prefixes in 64-bit mode), and the address
size of a form with no register in it.

If objdump is missing the check prints a note and passes.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

MACH = {16: "i8086", 32: "i386", 64: "i386:x86-64"}
SLOT = 32

R8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]
R8REX = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil"] + ["r%db" % i for i in range(8, 16)]
R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"] + ["r%dw" % i for i in range(8, 16)]
R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] + ["r%dd" % i for i in range(8, 16)]
R64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi"] + ["r%d" % i for i in range(8, 16)]
REGNAMES = {}  # name -> (number, size, high_byte)
for _i, _n in enumerate(R8REX):
    REGNAMES[_n] = (_i, 1, False)
for _i in range(4, 8):
    REGNAMES[R8[_i]] = (_i, 1, True)
for _sz, _tab in ((2, R16), (4, R32), (8, R64)):
    for _i, _n in enumerate(_tab):
        REGNAMES[_n] = (_i, _sz, False)
ADDRREGS = {2: R16, 4: R32, 8: R64}
SIZES = {"BYTE": 1, "WORD": 2, "DWORD": 4, "QWORD": 8}
SEGS = ["es", "cs", "ss", "ds", "fs", "gs"]
ALUS = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp", "test"]
MMIO_MNEMONICS = {"mov", "movabs", "movzx", "movsx", "movsxd", "xchg", "movs", "stos",
                  "lods"} | set(ALUS)
LOCK_UD = {"mov", "movabs", "movzx", "movsx", "movsxd", "movs", "stos", "lods", "cmp", "test"}
PREFIX_WORDS = {"lock", "rep", "repz", "repe", "repnz", "repne", "xacquire", "xrelease",
                "data16", "data32", "addr16", "addr32", "cs", "ds", "es", "ss", "fs", "gs",
                "bnd", "notrack"}
REP_F3 = {"rep", "repz", "repe", "xrelease"}
REP_F2 = {"repnz", "repne", "xacquire"}
CLASSES = {"mod3", "opcode", "lock", "truncated", "toolong", "rep0f", "movsxd16"}


class Bad(Exception):
    pass


# ------------------------------------------------------------------ objdump

def objdump_batch(mode, blobs):
    """objdump's lines [(offset, length, text)] for each blob."""
    data = bytearray()
    for b in blobs:
        assert len(b) < SLOT
        data += b + b"\x90" * (SLOT - len(b))
    with tempfile.NamedTemporaryFile(suffix=".bin") as f:
        f.write(data)
        f.flush()
        out = subprocess.run(["objdump", "-D", "-b", "binary", "-m", MACH[mode], "-M", "intel",
                              "--insn-width=16", f.name], check=True, capture_output=True,
                             text=True).stdout
    per = [[] for _ in blobs]
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$", line)
        if not m:
            continue
        addr = int(m.group(1), 16)
        n = len(m.group(2).split())
        slot, off = divmod(addr, SLOT)
        if slot < len(blobs) and off < len(blobs[slot]):
            per[slot].append((off, n, m.group(3).split("#")[0].strip()))
    return per


def merge_rex(lines):
    """objdump prints a REX that does not precede the opcode (it is ignored,
    SDM Vol. 2A 2.2.1) as the end of an instruction of its own, prefixes
    before it included ("rex.W", "lock rex"): join it to the next line.
    objdump then decodes the next line without the prefixes before the REX,
    which the CPU still applies: the fourth field says such prefixes were
    lost, and such a view cannot check a case."""
    merged, carry, words = [], 0, []
    for off, n, text in lines:
        w = text.split()
        if w and w[-1].startswith("rex") and all(x in PREFIX_WORDS or x.startswith("rex")
                                                 for x in w):
            carry += n
            words += w
            continue
        lost = any(not x.startswith("rex") for x in words)
        merged.append((off - carry, n + carry, " ".join(words + [text]), lost))
        carry, words = 0, []
    return merged


def parse_text(text):
    words = text.split()
    prefixes = []
    while words and (words[0] in PREFIX_WORDS or words[0].startswith("rex")):
        prefixes.append(words.pop(0))
    mnem = words[0] if words else ""
    rest = " ".join(words[1:])
    ops = [parse_operand(o.strip()) for o in rest.split(",")] if rest else []
    return prefixes, mnem, ops


def parse_operand(s):
    if s in REGNAMES:
        return {"t": "reg", "name": s}
    m = re.fullmatch(r"(?:(BYTE|WORD|DWORD|QWORD) PTR )?(?:([c-gs]s):)?(\[[^\]]*\]|0x[0-9a-f]+)", s)
    if not m:
        return {"t": "other", "text": s}
    size, seg, body = m.groups()
    if body.startswith("0x") and not size and not seg:
        return {"t": "imm", "value": int(body, 16)}
    op = {"t": "mem", "size": SIZES.get(size), "seg": seg, "base": None, "index": None,
          "scale": 1, "disp": 0, "addrregs": set()}
    if body.startswith("0x"):
        op["disp"] = int(body, 16)
        return op
    first = True
    for sign, term in re.findall(r"([+-]?)([^+-]+)", body[1:-1]):
        if term.startswith("0x"):
            op["disp"] += -int(term, 16) if sign == "-" else int(term, 16)
            continue
        reg, _, scale = term.partition("*")
        op["addrregs"].add(reg)
        if reg in ("riz", "eiz"):
            op["scale"] = int(scale or 1)
        elif scale or not first:
            op["index"], op["scale"] = reg, int(scale or 1)
        else:
            op["base"] = reg
        first = False
    return op


def is_mmio_form(mnem, ops):
    """An MMIO mnemonic with a memory operand; not MOV Sreg (an 'other' operand)."""
    return (mnem in MMIO_MNEMONICS and any(o["t"] == "mem" for o in ops)
            and not any(o["t"] == "other" for o in ops))


def addr_of_regs(regs):
    for r in regs:
        if r in ("rip", "riz"):
            return 8
        if r in ("eip", "eiz"):
            return 4
        if r in REGNAMES:
            return REGNAMES[r][1]
    return None


# ------------------------------------------------------------------ the bytes' own rules

def prefix_info(mode, b):
    """Legacy prefixes and REX as SDM Vol. 2A 2.1.1 and 2.2.1 read them."""
    p = {"66": False, "67": False, "lock": False, "rep": None, "seg": None, "rex": 0}
    i = 0
    while i < len(b):
        x = b[i]
        if mode == 64 and 0x40 <= x <= 0x4f:
            p["rex"] = x
            i += 1
            continue
        if x == 0x66:
            p["66"] = True
        elif x == 0x67:
            p["67"] = True
        elif x == 0xf0:
            p["lock"] = True
        elif x in (0xf2, 0xf3):
            p["rep"] = "repne" if x == 0xf2 else "rep"
        elif x in (0x26, 0x2e, 0x36, 0x3e):
            if mode != 64:  # null prefixes in 64-bit mode (Vol. 1 3.7.4.1)
                p["seg"] = SEGS[(x >> 3) & 3]
        elif x in (0x64, 0x65):
            p["seg"] = SEGS[4 + (x & 1)]
        else:
            break
        p["rex"] = 0
        i += 1
    if mode == 64:
        p["addr"] = 4 if p["67"] else 8
    else:
        p["addr"] = 2 if (mode == 16) != p["67"] else 4
    return p


def default_seg(base):
    """SS for a base of rBP or rSP, BP in 16-bit forms (Vol. 1 Table 3-5)."""
    return "ss" if base in ("bp", "ebp", "rbp", "sp", "esp", "rsp") else "ds"


# ------------------------------------------------------------------ objdump -> fields

def view_fields(mode, b, text):
    """The table's fields for bytes b as objdump shows them (text), or Bad."""
    prefixes, mnem, ops = parse_text(text)
    p = prefix_info(mode, b)
    f = {"len": len(b)}
    mems = [o for o in ops if o["t"] == "mem"]
    regs = [o for o in ops if o["t"] == "reg"]
    imms = [o for o in ops if o["t"] == "imm"]
    if not is_mmio_form(mnem, ops):
        raise Bad("objdump: '%s' is not an MMIO form" % text)
    if "lock" in prefixes:
        f["lock"] = True
    reps = [w for w in prefixes if w in REP_F3 | REP_F2]
    if reps:
        f["rep"] = "rep" if reps[-1] in REP_F3 else "repne"
    reg = regs[0]["name"] if regs else None
    if mnem in ("movs", "stos", "lods"):
        f["kind"] = mnem
        mem = mems[-1] if mnem == "movs" else mems[0]  # MOVS: the source
        if mnem == "movs":
            reg = None
    elif mnem in ("mov", "movabs"):
        mem = mems[0]
        if ops[0]["t"] == "mem":
            f["kind"] = "store_imm" if imms else "store"
        else:
            f["kind"] = "load"
    elif mnem in ("movzx", "movsx", "movsxd"):
        f["kind"] = "load"
        mem = mems[0]
        if mnem != "movzx" and REGNAMES[reg][1] > mem["size"]:
            f["sx"] = True
    elif mnem == "xchg":
        f["kind"] = "xchg"
        mem = mems[0]
    else:
        f["kind"] = "alu"
        f["alu"] = mnem
        mem = mems[0]
        if ops[0]["t"] == "reg":
            f["to_reg"] = True
    f["reg"] = reg or "-"
    f["size"] = mem["size"] or REGNAMES[reg][1]
    if imms:
        f["imm"] = imms[0]["value"]
    addr = addr_of_regs(mem["addrregs"]) or p["addr"]
    if addr != p["addr"]:
        raise Bad("objdump uses %d-byte addresses, the prefixes say %d" % (addr, p["addr"]))
    f["addr"] = addr
    if mnem == "stos":
        f["seg"] = "es"
    elif p["seg"]:
        f["seg"], f["ovr"] = p["seg"], True
    else:
        f["seg"] = default_seg(mem["base"])
    # An override objdump does not show, or one it shows that the prefixes
    # do not make (the implicit ds: of absolute and string operands aside).
    shown = mem["seg"]
    implicit = "ds" if mnem in ("movs", "lods") or not mem["addrregs"] else None
    if mnem == "stos":
        implicit = "es"
    if f.get("ovr") and shown != f["seg"] or not f.get("ovr") and shown not in (None, implicit):
        raise Bad("objdump shows segment %s, the prefixes say %s" % (shown, f["seg"]))
    disp = mem["disp"] % (1 << (8 * addr))
    f["mem"] = "%s,%s,%d,%#x" % (mem["base"] or "-", mem["index"] or "-", mem["scale"], disp)
    return f


def format_fields(f):
    out = [f["kind"]]
    for k in ("len", "size", "reg", "addr", "seg", "mem"):
        out.append("%s=%s" % (k, f[k]))
    if "alu" in f:
        out.append("alu=" + f["alu"])
    if "imm" in f:
        out.append("imm=%#x" % f["imm"])
    if "rep" in f:
        out.append("rep=" + f["rep"])
    for k in ("ovr", "lock", "sx", "to_reg"):
        if f.get(k):
            out.append(k)
    return " ".join(out)


def check_reject(mode, b, cls, avail, lines):
    """Whether objdump's view of b supports refusing it for cls."""
    merged = merge_rex(lines)
    one = len(merged) == 1 and merged[0][0] == 0 and merged[0][1] == len(b)
    prefixes, mnem, ops = parse_text(merged[0][2]) if merged else ([], "", [])
    mems = [o for o in ops if o["t"] == "mem"]
    if cls == "mod3":
        if not one or mems or mnem in ("", "(bad)"):
            raise Bad("objdump sees a memory operand or no whole instruction")
    elif cls == "opcode":
        if is_mmio_form(mnem, ops):
            raise Bad("objdump sees an MMIO form")
    elif cls == "lock":
        reg_dst = ops and ops[0]["t"] == "reg"
        if not one or "lock" not in prefixes or not (mnem in LOCK_UD or reg_dst):
            raise Bad("objdump sees no LOCK where #UD is due")
    elif cls == "truncated":
        if not one or avail is None or avail >= len(b) or mnem not in MMIO_MNEMONICS:
            raise Bad("objdump does not see one MMIO instruction longer than avail")
    elif cls == "toolong":
        # objdump stops at 15 bytes with the prefixes alone, or (bad).
        if len(b) <= 15 or mnem not in ("", "(bad)"):
            raise Bad("objdump decodes an instruction of at most 15 bytes")
    elif cls == "rep0f":
        if not one or mnem not in ("movzx", "movsx") or not set(prefixes) & (REP_F3 | REP_F2):
            raise Bad("objdump sees no F2/F3 before MOVZX/MOVSX")
    elif cls == "movsxd16":
        regs = [o["name"] for o in ops if o["t"] == "reg"]
        if not one or mnem != "movsxd" or REGNAMES[regs[0]][1] != 2:
            raise Bad("objdump sees no 16-bit MOVSXD")
    else:
        raise Bad("unknown class " + cls)


# ------------------------------------------------------------------ the table

def parse_table(path):
    cases = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            body = line.split("#")[0].split()
            if not body:
                continue
            mode, hexs, status = int(body[0]), body[1], body[2]
            case = {"line": lineno, "mode": mode, "bytes": bytes.fromhex(hexs), "status": status}
            if status == "ok":
                f_ = {"kind": body[3]}
                for kv in body[4:]:
                    k, eq, v = kv.partition("=")
                    f_[k] = v if eq else True
                for k in ("len", "size", "addr"):
                    f_[k] = int(f_[k])
                if "imm" in f_:
                    f_["imm"] = int(f_["imm"], 16)
                case["fields"] = f_
            else:
                case["class"] = body[3]
                case["avail"] = None
                for kv in body[4:]:
                    if kv.startswith("avail="):
                        case["avail"] = int(kv[6:])
            cases.append(case)
    return cases


def run_objdump(cases):
    for mode in (16, 32, 64):
        mine = [c for c in cases if c["mode"] == mode]
        for c, lines in zip(mine, objdump_batch(mode, [c["bytes"] for c in mine]) if mine else []):
            c["objdump"] = lines


def objdump_view(c):
    merged = merge_rex(c["objdump"])
    if any(m[3] for m in merged):
        raise Unverifiable("objdump drops the prefixes before a misplaced REX")
    if len(merged) != 1 or merged[0][0] != 0 or merged[0][1] != len(c["bytes"]):
        raise Bad("objdump does not see one %d-byte instruction: %s" % (len(c["bytes"]), merged))
    return view_fields(c["mode"], c["bytes"], merged[0][2])


class Unverifiable(Bad):
    pass


def objdump_version():
    return subprocess.run(["objdump", "--version"], capture_output=True,
                          text=True).stdout.splitlines()[0]


def check(path, lenient=False):
    if not shutil.which("objdump"):
        print("check_insn_cases: objdump not found, %s not checked (apt-get install binutils)"
              % path)
        return 0
    cases = parse_table(path)
    run_objdump(cases)
    bad = skipped = 0
    for c in cases:
        try:
            if c["status"] == "ok":
                want = format_fields(objdump_view(c))
                have = format_fields(c["fields"])
                if want != have:
                    raise Bad("objdump says  %s\n      table says %s" % (want, have))
            elif c["status"] == "reject":
                check_reject(c["mode"], c["bytes"], c["class"], c["avail"], c["objdump"])
            else:
                raise Bad("status must be ok or reject")
        except Unverifiable as e:
            if lenient:
                skipped += 1
                continue
            bad += 1
            print("%s:%d: %d %s: %s" % (path, c["line"], c["mode"], c["bytes"].hex(), e))
        except Bad as e:
            bad += 1
            print("%s:%d: %d %s: %s" % (path, c["line"], c["mode"], c["bytes"].hex(), e))
    print("check_insn_cases: %s: %d cases, %d agree with objdump%s (%s)" %
          (os.path.basename(path), len(cases), len(cases) - bad - skipped,
           ", %d it cannot show" % skipped if skipped else "", objdump_version()))
    return 1 if bad else 0


# ------------------------------------------------------------------ generating the table

def le(v, n):
    return (v % (1 << (8 * n))).to_bytes(n, "little")


def mem16_forms():
    """Every 16-bit ModRM memory form (Table 2-1): (mod, rm, tail bytes)."""
    d8 = [0x12, 0x80, 0x7f, 0xff]
    d16 = [0x1234, 0x8000, 0xfffe, 0x00f0]
    for mod in range(3):
        for rm in range(8):
            k = mod * 8 + rm
            if mod == 0:
                tail = le(d16[k % 4], 2) if rm == 6 else b""
            elif mod == 1:
                tail = le(d8[k % 4], 1)
            else:
                tail = le(d16[k % 4], 2)
            yield mod, rm, 0, tail


def mem32_forms(long64, full):
    """32/64-bit ModRM forms (Tables 2-2, 2-3; 2-5 with REX): (mod, rm, rex
    bits X/B, tail). full: every SIB base and index, with REX in 64-bit."""
    d8 = [0x12, 0x80, 0x7f, 0xf0]
    d32 = [0xfee000f0, 0x80000000, 0x00001000, 0xfffffff0]
    rexes = [0, 1] if long64 else [0]  # REX.B
    k = 0

    def disp(mod, nobase=False):
        nonlocal k
        k += 1
        if nobase or mod == 2:
            return le(d32[k % 4], 4)
        return le(d8[k % 4], 1) if mod == 1 else b""

    for rb in rexes:
        for mod in range(3):
            for rm in range(8):
                if rm == 4:
                    continue
                yield mod, rm, rb, disp(mod, mod == 0 and rm == 5)
    # SIB: every base with every mod (index rCX, scale cycling)...
    for rb in rexes:
        for mod in range(3):
            for base in range(8):
                ss = (base + mod) % 4
                yield mod, 4, rb, bytes([ss << 6 | 1 << 3 | base]) + disp(mod, mod == 0 and base == 5)
    if not full:
        return
    # ...every index (4 = none, unless REX.X) with every scale, and the
    # no-base form with each index.
    for rx in ([0, 2] if long64 else [0]):
        for index in range(8):
            for ss in range(4):
                mod = 1 + (index + ss) % 2
                yield mod, 4, rx, bytes([ss << 6 | index << 3 | 3]) + disp(mod)
            yield 0, 4, rx, bytes([(index % 4) << 6 | index << 3 | 5]) + disp(0, True)


def rex_byte(w=0, r=0, x=0, b=0):
    return 0x40 | w << 3 | r << 2 | x << 1 | b


def generate():
    """(mode, bytes, status, class, avail) for every case of the table."""
    out = []

    def ok(mode, b):
        out.append((mode, bytes(b), "ok", None, None))

    def rej(mode, b, cls, avail=None):
        out.append((mode, bytes(b), "reject", cls, avail))

    # 1. Every memory form of every address size, on MOV r,r/m (8B) and
    # MOV r/m,r (89), the register cycling through all of them.
    for mode, pre in ((16, b""), (32, b"\x67")):
        for i, (mod, rm, _, tail) in enumerate(mem16_forms()):
            ok(mode, pre + bytes([0x8b if i % 2 == 0 else 0x89, mod << 6 | (i % 8) << 3 | rm]) + tail)
    for mode, pre, long64, full in ((32, b"", False, True), (16, b"\x67", False, False),
                                    (64, b"", True, True), (64, b"\x67", True, False)):
        for i, (mod, rm, rxb, tail) in enumerate(mem32_forms(long64, full)):
            reg = i % (16 if long64 else 8)
            rex = b""
            if long64 and (rxb or reg >= 8 or i % 3 == 0):
                rex = bytes([rex_byte(w=i % 3 == 0, r=reg >> 3, x=rxb >> 1, b=rxb & 1)])
            op = 0x8b if i % 2 == 0 else 0x89
            ok(mode, pre + rex + bytes([op, mod << 6 | (reg & 7) << 3 | rm]) + tail)

    # 2. Every opcode with each operand size: (opcode bytes, ModRM /digit or
    # None for /r, immediate: None, 1 or 'z', byte operands).
    modrm_ops = [([0x88], None, None, True), ([0x89], None, None, False),
                 ([0x8a], None, None, True), ([0x8b], None, None, False),
                 ([0xc6], 0, 1, True), ([0xc7], 0, "z", False),
                 ([0x0f, 0xb6], None, None, False), ([0x0f, 0xb7], None, None, False),
                 ([0x0f, 0xbe], None, None, False), ([0x0f, 0xbf], None, None, False),
                 ([0x84], None, None, True), ([0x85], None, None, False),
                 ([0xf6], 0, 1, True), ([0xf7], 0, "z", False),
                 ([0x86], None, None, True), ([0x87], None, None, False)]
    for alu in range(8):
        for low in range(4):
            modrm_ops.append(([alu << 3 | low], None, None, low % 2 == 0))
        modrm_ops += [([0x80], alu, 1, True), ([0x81], alu, "z", False), ([0x83], alu, 1, False)]
    imms = {1: [0x7f, 0x80, 0xff, 0x01], 2: [0x8000, 0x1234, 0xffff],
            4: [0x80000000, 0xfee000f0, 0x12345678, 0x7fffffff]}
    mems = {16: [(0, 7, b""), (1, 2, b"\x80"), (2, 4, b"\x00\x03"), (0, 6, b"\xf0\x00")],
            32: [(0, 0, b""), (1, 4, b"\x24\x08"), (2, 5, le(0xfffffffc, 4)),
                 (0, 5, le(0xfee00300, 4)), (0, 4, b"\x8d" + le(0x10, 4))],
            64: [(0, 0, b""), (1, 4, b"\x24\xf8"), (2, 6, le(0x400, 4)), (0, 5, le(0x100, 4)),
                 (0, 4, b"\x25" + le(0xfee000b0, 4))]}
    sizes = {16: [b"", b"\x66"], 32: [b"", b"\x66"],
             64: [b"", b"\x66", b"\x48", b"\x44", b"\x4c", b"\x66\x48", b"\x41"]}
    n = 0
    for mode in (16, 32, 64):
        for k, (opc, digit, imm, byteop) in enumerate(modrm_ops):
            variants = sizes[mode]
            if byteop and mode == 64:
                variants = [b"", b"\x40", b"\x44", b"\x66"]
            if k >= 16:  # the ALU forms: two sizes each, in turn
                variants = [variants[(k + j) % len(variants)] for j in (0, 1)]
            for v in variants:
                n += 1
                mod, rm, tail = mems[mode][n % len(mems[mode])]
                if mode == 64 and (v[-1:] == b"\x41") and rm in (4, 5):
                    mod, rm, tail = 1, 3, b"\x40"
                reg = digit if digit is not None else n % 8
                p = prefix_info(mode, v)
                if byteop:
                    osz = 1
                elif p["rex"] & 8:
                    osz = 8
                else:
                    osz = 2 if (mode == 16) != p["66"] else 4
                if opc == [0x0f, 0xb7] and osz == 2 and n % 2:
                    continue  # keep a few of MOVZX r16, m16
                b = v + bytes(opc) + bytes([mod << 6 | reg << 3 | rm]) + tail
                if imm == 1:
                    b += le(imms[1][n % 4], 1)
                elif imm == "z":
                    isz = 2 if osz == 2 else 4
                    b += le(imms[isz][n % len(imms[isz])], isz)
                ok(mode, b)
    # MOVSXD, 64-bit mode only: with REX.W, REX.R, REX.B, none, 66 under REX.W.
    for v in (b"\x48", b"\x4c", b"\x4d", b"", b"\x44", b"\x66\x48"):
        for tail in (b"\x00", b"\x44\x24\x10", b"\x05" + le(0x200, 4)):
            ok(64, v + b"\x63" + bytes([tail[0] | ((v[-1:] == b"\x4c") << 3)]) + tail[1:])

    # 3. MOV with moffs, every address size and operand size.
    moffs = {2: [0x1234, 0x8000], 4: [0xfee000f0, 0x80000000], 8: [0xfee00020, 0xffffffff12345678]}
    for mode in (16, 32, 64):
        pres = [b"", b"\x66", b"\x67", b"\x66\x67"] + ([b"\x48", b"\x67\x48"] if mode == 64 else [])
        for i, pre in enumerate(pres):
            for op in (0xa0, 0xa1, 0xa2, 0xa3):
                a = prefix_info(mode, pre)["addr"]
                ok(mode, pre + bytes([op]) + le(moffs[a][(i + op) % 2], a))

    # 4. String instructions with rep, operand and address sizes, overrides.
    for mode in (16, 32, 64):
        pres = [b"", b"\xf3", b"\xf2", b"\x66", b"\xf3\x66", b"\x67", b"\xf3\x67", b"\x64",
                b"\x26", b"\xf2\xf3"]
        if mode == 64:
            pres += [b"\x48", b"\xf3\x48", b"\xf3\x67\x48", b"\x65\x48"]
        else:
            pres += [b"\x2e", b"\x65\xf3"]
        for pre in pres:
            for op in (0xa4, 0xa5, 0xaa, 0xab, 0xac, 0xad):
                ok(mode, pre + bytes([op]))

    # 5. Segment overrides, repeated and conflicting prefixes, REX placement.
    for mode in (16, 32, 64):
        m = {16: b"\x8b\x46\x10", 32: b"\x8b\x45\x10", 64: b"\x8b\x45\x10"}[mode]
        m2 = {16: b"\x89\x07", 32: b"\x89\x04\x24", 64: b"\x89\x04\x24"}[mode]
        for s in (0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65):
            ok(mode, bytes([s]) + m)
            ok(mode, bytes([s]) + m2)
            ok(mode, bytes([s]) + (b"" if mode == 16 else b"\x66") + b"\xc7\x00\x34\x12")  # imm16
        for pre in (b"\x26\x64", b"\x64\x26", b"\x64\x65", b"\x3e\x36", b"\x66\x66", b"\x67\x67",
                    b"\x66\x67\x66", b"\xf3", b"\xf2", b"\x2e\x3e\x26\x36\x64"):
            ok(mode, pre + m)
        for pre in (b"\xf0", b"\xf0\x66", b"\x66\xf0", b"\xf2\xf0", b"\xf3\xf0", b"\x64\xf0"):
            ok(mode, pre + b"\x01\x00")      # lock add [..], r
            ok(mode, pre + b"\x87\x00")      # lock xchg
            ok(mode, pre + b"\x80\x30\x01")  # lock xor [..], imm8
        ok(mode, b"\xf3\x88\x00")            # xrelease mov
        ok(mode, b"\xf3\xc7\x00\x01\x00" + (b"\x00\x00" if mode != 16 else b""))
    for b in (b"\x48\x66\x89\x00", b"\x41\x48\x8b\x00", b"\x48\x41\x8b\x00", b"\x40\x66\x88\x20",
              b"\x4c\x67\x8b\x00", b"\x66\x4c\x8b\x00", b"\x40\x40\x88\x30", b"\x44\x88\x20",
              b"\x49\x64\x88\x20", b"\x64\x49\x8b\x04\x24", b"\x41\x8b\x45\x00",
              b"\x41\x8b\x44\x25\x00", b"\x43\x8b\x04\x2c", b"\x42\x8b\x04\x25\x00\x00\x00\x00",
              b"\x41\x8b\x05\x00\x01\x00\x00", b"\x67\x41\x8b\x05\x00\x01\x00\x00",
              b"\x40\x8a\x24\x24", b"\x8a\x24\x24", b"\x66\x2e\x67\x48\xc7\x84\x88\x00\x10\x00\x00\xff\xff\xff\xff"):
        ok(64, b)
    # 15 bytes exactly: the longest legal forms.
    ok(32, b"\x66" * 5 + b"\x3e\xc7\x84\x88" + le(0x1000, 4) + le(0xabcd, 2))
    ok(32, b"\x26" * 4 + b"\xc7\x84\x88" + le(0x1000, 4) + le(0x1234abcd, 4))
    ok(64, b"\x64\x67\x66\x48\xc7\x84\x88" + le(0x1000, 4) + le(0x12345678, 4))
    ok(16, b"\x66\x67\x66\x26\xc7\x84\x88" + le(0x1000, 4) + le(0x1234abcd, 4))
    ok(64, b"\x66" * 13 + b"\x8b\x00")

    # 6. Refusals.
    for mode in (16, 32, 64):
        for opc, digit, imm, _ in modrm_ops[::3] + [([0x8b], None, None, False), ([0x63], None, None, False)]:
            if opc == [0x63] and mode != 64:
                continue
            b = bytes(opc) + bytes([0xc0 | (2 if digit is None else digit) << 3 | 1])
            b += b"\x12" if imm == 1 else (b"\x34\x12" if mode == 16 else b"\x78\x56\x34\x12") if imm else b""
            rej(mode, b, "mod3")
        for b in (b"\x0f\x05", b"\x90", b"\xc3", b"\x8d\x00", b"\xfe\x00", b"\xff\x00", b"\xff\x30",
                  b"\x8f\x00", b"\xf6\x10", b"\xf6\x18", b"\xf7\x20", b"\xc6\x08\x12", b"\xc7\x38",
                  b"\x04\x12", b"\x3c\x12", b"\x8c\x00", b"\x8e\x00", b"\x0f\x01\x00", b"\xd8\x00",
                  b"\x0f\x10\x00", b"\x0f\xa3\x00", b"\x0f\xc3\x00", b"\xa6", b"\xf3\xa6",
                  b"\xae", b"\x0f\xb8\x00", b"\xe8\x00\x00", b"\xc4\x00", b"\xcc", b"\x0f\xaf\x00"):
            rej(mode, b, "opcode")
        for b in (b"\xf0\x89\x00", b"\xf0\x8b\x00", b"\xf0\x88\x00", b"\xf0\xc6\x00\x01",
                  b"\xf0\xa1" + bytes(2 if mode == 16 else 4 if mode == 32 else 8),
                  b"\xf0\xa4", b"\xf0\xaa", b"\xf3\xf0\xab", b"\xf0\xac", b"\xf0\x0f\xb6\x00",
                  b"\xf0\x38\x00", b"\xf0\x3b\x00", b"\xf0\x02\x00", b"\xf0\x33\x00", b"\xf0\x84\x00",
                  b"\xf0\x80\x38\x12", b"\xf0\x83\x38\x12", b"\xf0\xf6\x00\x12"):
            rej(mode, b, "lock")
        for b in (b"\xf3\x0f\xb6\x00", b"\xf2\x0f\xbf\x00", b"\xf3\x0f\xbe\x00", b"\xf2\x0f\xb7\x00"):
            rej(mode, b, "rep0f")
        rej(mode, b"\x66" * 16 + b"\x8b\x00", "toolong")
        rej(mode, b"\x66" * 14 + b"\x8b\x00", "toolong")
        if mode == 16:
            rej(mode, b"\x3e" * 12 + b"\xc7\x80" + le(0, 2) + le(0x0201, 2), "toolong")
        else:
            rej(mode, b"\x3e" * 8 + b"\xc7\x80" + le(0, 4) + le(0x04030201, 4), "toolong")
        rej(mode, b"\x26\x64\x66\x67" * 4 + b"\x88\x00", "toolong")
    for mode in (16, 32):
        for b in (b"\x40\x8b\x00", b"\x48\x89\x00", b"\x4f\x8b\x00", b"\x63\x00", b"\x0f\x05"):
            rej(mode, b, "opcode")
    rej(64, b"\x82\x00\x12", "opcode")
    rej(64, b"\x66\x63\x00", "movsxd16")
    rej(64, b"\x66\x63\x44\x24\x08", "movsxd16")
    # Truncated: every proper prefix of a few long instructions.
    for mode, b in ((64, b"\x66\x2e\x67\x48\xc7\x84\x88\x00\x10\x00\x00\xff\xff\xff\xff"),
                    (64, b"\x48\xa1" + le(0xfee00020, 8)), (64, b"\x8b\x05" + le(0x100, 4)),
                    (64, b"\x42\x0f\xb6\x44\x20\x10"), (32, b"\x64\xf3\xa5"),
                    (32, b"\x81\x84\x24" + le(0x100, 4) + le(0x5678, 4)),
                    (16, b"\xc7\x86\x34\x12\x78\x56"), (16, b"\x67\x66\x8b\x44\x24\x08"),
                    (32, b"\x0f\xbf\x05" + le(0xfee00300, 4))):
        for k in range(len(b)):
            rej(mode, b, "truncated", avail=k)
    return out


def write_table(path):
    cases = generate()
    by_mode = {}
    for i, c in enumerate(cases):
        by_mode.setdefault(c[0], []).append(i)
    views = [None] * len(cases)
    for mode, idx in by_mode.items():
        for i, lines in zip(idx, objdump_batch(mode, [cases[i][1] for i in idx])):
            views[i] = lines
    seen = set()
    rows = []
    bad = 0
    for (mode, b, status, cls, avail), lines in zip(cases, views):
        if (mode, b, avail) in seen:
            continue
        seen.add((mode, b, avail))
        text = " / ".join(t for _, _, t in lines)
        try:
            if status == "ok":
                body = format_fields(objdump_view({"mode": mode, "bytes": b, "objdump": lines}))
            else:
                check_reject(mode, b, cls, avail, lines)
                body = cls + (" avail=%d" % avail if avail is not None else "")
        except Bad as e:
            bad += 1
            print("%d %s: %s" % (mode, b.hex(), e))
            continue
        rows.append("%d %s %s %s  # %s" % (mode, b.hex(), status, body, text))
    if bad:
        raise SystemExit("%d generated cases disagree with objdump; table not written" % bad)
    with open(path, "w") as f:
        f.write("# MMIO decoder cases (arch/x86_64/insn_decode.c), checked against\n"
                "# objdump by tools/check_insn_cases.py, which also wrote this file\n"
                "# (--generate) and explains its format. The comment on each line is\n"
                "# objdump -M intel's text.\n")
        f.write("\n".join(rows) + "\n")
    print("wrote %d cases to %s" % (len(rows), path))


def main(argv):
    if len(argv) == 3 and argv[1] == "--generate":
        write_table(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "--lenient":
        return check(argv[2], lenient=True)
    if len(argv) != 2:
        print(__doc__)
        return 2
    return check(argv[1])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
