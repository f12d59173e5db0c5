#!/usr/bin/python3
"""`make bench`: measured figures for Tessera on the platform it runs on.

Two boots, read from the serial console:

  (a) Tessera with tests/configs/bench.cfg (3 CPUs: CPU 0 hypervisor,
      partition `bench` on CPU 1, `compute` on CPU 2):
        - cycles per CPUID exit and per VMCALL (HC_VERSION) round trip, and
          the empty-loop baseline, timed by the guest with RDTSC
          (tests/guests/bench.c);
        - compute's exit summary when it calls HC_EXIT: N exits in T ms of
          guest time -> exits per guest-second;
        - compute's own TSC cycles for its fixed workload;
        - the core's loaded size, from the loader's `core at ... (N KiB)`.
  (b) the same build/guests/compute.elf bare, without Tessera, started by
      tools/bench/mbboot.c (a minimal UEFI multiboot loader), 1 CPU.
  (c) tests/configs/linux.cfg: once the Linux partition's init has printed
      LINUX-OK and sits at its shell, its exits by reason over an idle
      stretch, per guest-second (`stats --reset`, wait, `stats`; the
      partition's uptime, from the TSC, gives the guest time).

Then a table on stdout and the same as JSON in build/bench/results.json.

Nothing here is a pass/fail threshold: timings are reported, never
asserted. The run fails only if a figure cannot be read at all (a
timeout, a partition FAILED, a wrong checksum), and says which.

Under Bochs (tools/emu.py: `clock: sync=none`, ips=50,000,000) the TSC
advances with retired instructions, so "cycles" are stable instruction
counts and a "guest second" is 50 M of them. Under QEMU's TCG (--emu qemu)
the machine runs with -icount shift=0: the TSC counts instructions too,
one nanosecond each, so a "guest second" is 10^9 of them. On hardware
(--emu kvm: nested, or a real machine) they are real cycles.
"""
import argparse
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import time

import pexpect

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import emu  # noqa: E402

BUILD = os.environ.get("TESSERA_BUILD", os.path.join(ROOT, "build"))
OUT = os.path.join(BUILD, "bench")
TESSERA_EFI = os.path.join(BUILD, "image", "tessera.efi")
MBBOOT_EFI = os.path.join(OUT, "mbboot.efi")
GUESTS = os.path.join(BUILD, "guests")
CONFIG = "tests/configs/bench.cfg"


def compute_checksum():
    """COMPUTE_CHECKSUM from tests/guests/compute_work.h."""
    with open(os.path.join(ROOT, "tests", "guests", "compute_work.h")) as f:
        return int(re.search(r"#define COMPUTE_CHECKSUM (0x[0-9a-fA-F]+)", f.read()).group(1), 16)


# Seconds per boot, from power-on to the last figure. Bochs needs ~10-30 s
# for OVMF and ~1 s of host time per emulated compute run; the bound only
# matters when something is broken.
RESTARTS = 100  # issue 4: `make bench` restarts a partition 100 times

# QEMU under -icount runs every vCPU on one TCG thread: a Linux boot there
# took 250 s of host time, and the x2APIC one (xAPIC on QEMU) longer.
TIMEOUT = {"bochs": 400, "kvm": 120, "qemu": 1200}


class BenchError(Exception):
    pass


def make_esp(out, efi, config, search=()):
    cmd = [sys.executable, os.path.join(ROOT, "tools", "mkesp.py"), "--efi", efi,
           "--config", config, "--out", out]
    for s in search:
        cmd += ["--search", s]
    subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def watch(name, machine, console, patterns, missing, timeout):
    """Feed console lines matching `patterns` (regex -> handler(match)) until
    missing() (what is still to come) is empty. A handler may raise
    BenchError; so does a timeout."""
    regexes = list(patterns)
    deadline = time.monotonic() + timeout
    while missing():
        left = deadline - time.monotonic()
        if left <= 0:
            raise BenchError(f"{name}: timed out after {timeout} s; still waiting for: "
                             + ", ".join(missing()))
        if not machine.alive():
            raise BenchError(f"{name}: the emulator stopped")
        i = console.expect(regexes + [pexpect.TIMEOUT, pexpect.EOF],
                           timeout=min(left, 5))
        if i < len(regexes):
            patterns[regexes[i]](console.match)
        elif i == len(regexes) + 1:
            raise BenchError(f"{name}: the console closed")


def boot(name, emu_name, cpus, esp, handlers, missing, workdir, after=None, mem=256,
         timeout=None):
    """One emulator run; returns (the emulator's ips) once missing() is
    empty (and after(console), if given, has run), or raises BenchError
    with the tail of the serial output."""
    m = emu.Machine(emu_name, cpus=cpus, mem=mem, esp=esp, workdir=workdir,
                    icount=emu_name == "qemu")
    log_path = os.path.join(OUT, f"serial-{emu_name}-{name}.log")
    log = open(log_path, "w")
    t0 = time.monotonic()
    print(f"bench: ({name}) booting {emu_name} with {cpus} CPU(s); serial log {log_path}",
          flush=True)
    try:
        console = m.start(logfile=log)
        watch(name, m, console, handlers, missing, timeout or TIMEOUT[emu_name])
        if after:
            after(console)
    except (BenchError, pexpect.TIMEOUT) as e:
        log.flush()
        tail = open(log_path, errors="replace").read()
        tail = re.sub(r"\x1b\[[0-9;=?]*[A-Za-z]", "", tail)[-2000:]  # OVMF's screen codes
        raise BenchError(f"{e}\n----- last serial output -----\n{tail}\n"
                         f"----- emulator log -----\n{m.emulator_log()[-1500:]}") from None
    finally:
        m.stop()
        log.close()
    print(f"bench: ({name}) done in {time.monotonic() - t0:.0f} s of host time", flush=True)
    return m.ips


def fail_on(what):
    def handler(match):
        raise BenchError(f"{what}: {match.group(0).strip()}")
    return handler


# ------------------------------------------------------------------ runs
def run_partitioned(emu_name):
    """(a) Tessera with bench.cfg."""
    esp = os.path.join(OUT, "esp-tessera")
    make_esp(esp, TESSERA_EFI, os.path.join(ROOT, CONFIG))
    r = {"bench": {}, "summaries": {}}

    def core(m):
        r["core_kib"] = int(m.group(1))

    def bench(m):
        r["bench"][m.group(1)] = int(m.group(2))

    def compute(m):
        r["compute_checksum"] = int(m.group(1), 16)
        r["compute_cycles"] = int(m.group(2))

    def summary(m):
        reasons = {}
        for item in filter(None, (s.strip() for s in m.group(4).split(","))):
            reason, _, n = item.rpartition(" ")
            reasons[reason] = int(n)
        r["summaries"][m.group(1)] = {"exits": int(m.group(2)), "ms": int(m.group(3)),
                                      "top_reasons": reasons}

    handlers = {
        r"tessera: core at 0x[0-9a-f]+ \((\d+) KiB\)": core,
        r"\[bench\] bench: (cpuid|vmcall|loop|xapic_eoi|xapic_read|xapic_icr|x2apic_eoi|"
        r"x2apic_icr) cycles=(\d+)\r?\n": bench,
        r"\[compute\] compute: checksum=0x([0-9a-f]+) cycles=(\d+)\r?\n": compute,
        r"tessera: partition (\w+): (\d+) exits in (\d+) ms \(([^)\r\n]*)\)": summary,
        r"tessera: partition \w+ FAILED: [^\r\n]*": fail_on("a partition failed"),
        r"tessera: cannot continue: [^\r\n]*": fail_on("Tessera stopped"),
        r"tessera: returning to the firmware": fail_on("the loader gave up"),
    }

    def missing():
        want = [("core_kib" in r, "the loader's 'core at' line")]
        want += [(k in r["bench"], f"'bench: {k} cycles='")
                 for k in ("cpuid", "vmcall", "loop", "xapic_eoi", "xapic_read", "xapic_icr")]
        want += [("compute_cycles" in r, "'compute: checksum=... cycles='")]
        want += [(p in r["summaries"], f"partition {p}'s exit summary")
                 for p in ("bench", "compute")]
        return [what for ok, what in want if not ok]

    def restarts(console):
        """Restart the bench partition RESTARTS times through the console;
        the memory summary must come back the same (no leak)."""
        def mem():
            console.send("mem\r")
            console.expect(r"memory: (\d+) KiB managed, (\d+) KiB free", timeout=120)
            return int(console.match.group(2))

        console.send("mute\r")
        before = mem()
        t0 = time.monotonic()
        for _ in range(RESTARTS):
            console.send("restart bench\r")
            console.expect(r"partition bench started", timeout=120)
        host_s = time.monotonic() - t0
        after = mem()
        r["restarts"] = {"count": RESTARTS, "free_kib_before": before,
                         "free_kib_after": after, "host_s_per_restart": round(host_s / RESTARTS, 2)}
        if before != after:
            raise BenchError(f"memory leak: {before} KiB free before {RESTARTS} restarts, "
                             f"{after} KiB after")

    # Not under QEMU's -icount: one TCG thread then runs every vCPU in
    # turn, and a stop's 2 s of guest time (the TSC counts instructions)
    # can pass before the stopping vCPU gets its turn. The tests restart
    # partitions under QEMU without -icount; Bochs gives the figure.
    if emu_name == "qemu":
        r["restarts"] = None
    r["ips"] = boot("tessera", emu_name, 3, esp, handlers, missing,
                    os.path.join(OUT, "run-tessera"),
                    after=None if emu_name == "qemu" else restarts)
    return r


def run_bare(emu_name):
    """(b) compute.elf without Tessera, through mbboot.efi."""
    esp = os.path.join(OUT, "esp-bare")
    # mkesp.py copies the files a config names (found by basename), so a
    # two-line config puts compute.elf at \mbboot\kernel.elf.
    stage = os.path.join(OUT, "bare-files")
    os.makedirs(stage, exist_ok=True)
    shutil.copy(os.path.join(GUESTS, "compute.elf"), os.path.join(stage, "kernel.elf"))
    cfg = os.path.join(stage, "mbboot.cfg")
    with open(cfg, "w") as f:
        f.write("# made by tools/bench.py: only so mkesp.py copies the kernel\n"
                "kernel = \\mbboot\\kernel.elf\n")
    make_esp(esp, MBBOOT_EFI, cfg, search=[stage])
    r = {}

    def compute(m):
        r["compute_checksum"] = int(m.group(1), 16)
        r["compute_cycles"] = int(m.group(2))

    def no_hv(m):
        r["no_hypervisor"] = True

    handlers = {
        r"(?<!\] )compute: checksum=0x([0-9a-f]+) cycles=(\d+)\r?\n": compute,
        # Its HC_EXIT must fault (#UD): proof that nothing was underneath.
        r"compute: no hypervisor, halting": no_hv,
        r"compute: HC_EXIT returned [^\r\n]*": fail_on("a hypervisor answered the bare run"),
        r"mbboot: cannot [^\r\n]*": fail_on("mbboot"),
        r"guest: exception [^\r\n]*": fail_on("the bare guest faulted"),
    }

    def missing():
        want = [("compute_cycles" in r, "'compute: checksum=... cycles='"),
                ("no_hypervisor" in r, "'compute: no hypervisor'")]
        return [what for ok, what in want if not ok]

    boot("bare", emu_name, 1, esp, handlers, missing, os.path.join(OUT, "run-bare"))
    return r


LINUX_CONFIG = "tests/configs/linux.cfg"
# The same Linux with its APICs handed over in x2APIC mode and no I/O APIC
# (noapic): without interrupt remapping that is how Linux keeps x2APIC.
LINUX_X2APIC_CONFIG = "tests/configs/linux-x2apic.cfg"
LINUX_IDLE_S = 60  # host seconds of idle shell to count exits over


def run_linux_idle(emu_name, config, tag):
    """(c) an idle Linux partition: exits per guest-second, by reason."""
    esp = os.path.join(OUT, "esp-" + tag)
    make_esp(esp, TESSERA_EFI, os.path.join(ROOT, config),
             search=[os.path.join(BUILD, "linux")])
    r = {}

    def ready(m):
        r["ready"] = True

    handlers = {
        r"\[linux\] linux: shell on the console": ready,
        r"tessera: partition \w+ FAILED: [^\r\n]*": fail_on("a partition failed"),
    }

    def missing():
        return [] if "ready" in r else ["the Linux partition's shell"]

    def uptime(console):
        console.send("list --json\r")
        console.expect(r"(\[\{.*\}\])\r?\n", timeout=120)
        return {p["name"]: p for p in json.loads(console.match.group(1))}["linux"]["uptime_s"]

    def idle(console):
        console.send("mute\r")
        console.expect(pexpect.TIMEOUT, timeout=10)  # let boot work settle
        console.send("stats --reset linux\r")
        console.expect(r"linux vcpu 1", timeout=120)
        t0 = uptime(console)
        console.expect(pexpect.TIMEOUT, timeout=LINUX_IDLE_S)
        # The whole answer: `stats`, then `version` as an end marker.
        console.send("stats linux\rversion\r")
        console.expect(r"Tessera \d+\.\d+\.\d+, ", timeout=120)
        text = console.before
        reasons, total = {}, 0
        for m in re.finditer(r"linux vcpu \d \(cpu \d+\): (\d+) exits\r?\n((?:  [^\r\n]+\r?\n)*)",
                             text):
            total += int(m.group(1))
            for line in m.group(2).splitlines():
                reason, _, n = line.strip().rpartition(" ")
                reasons[reason.strip()] = reasons.get(reason.strip(), 0) + int(n)
        t1 = uptime(console)
        secs = max(t1 - t0, 1)
        r["idle"] = {"guest_s": secs, "exits": total,
                     "exits_per_guest_second": round(total / secs, 1),
                     "per_second_by_reason": {k: round(v / secs, 1) for k, v in reasons.items()}}

    boot(tag, emu_name, 4, esp, handlers, missing, os.path.join(OUT, "run-" + tag),
         after=idle, mem=512, timeout=1800)
    return r["idle"]


# ------------------------------------------------------------------ sizes
def elf_loaded_bytes(path):
    """Sum of PT_LOAD memory sizes of an ELF32/ELF64 file."""
    data = open(path, "rb").read()
    if data[:4] != b"\x7fELF":
        return None
    if data[4] == 1:
        phoff, = struct.unpack_from("<I", data, 28)
        phentsize, phnum = struct.unpack_from("<HH", data, 42)
        fmt, memsz_at = "<IIIIIIII", 5
    else:
        phoff, = struct.unpack_from("<Q", data, 32)
        phentsize, phnum = struct.unpack_from("<HH", data, 54)
        fmt, memsz_at = "<IIQQQQQQ", 6
    total = 0
    for i in range(phnum):
        ph = struct.unpack_from(fmt, data, phoff + i * phentsize)
        if ph[0] == 1:
            total += ph[memsz_at]
    return total


def guest_names():
    """GUESTS from tests/guests/guests.mk (so stale ELFs are left out)."""
    with open(os.path.join(ROOT, "tests", "guests", "guests.mk")) as f:
        m = re.search(r"^GUESTS\s*:?=\s*(.*)$", f.read(), re.M)
    return m.group(1).split() if m else []


def sizes():
    guests = {}
    for g in guest_names():
        p = os.path.join(GUESTS, g + ".elf")
        if os.path.exists(p):
            guests[g] = {"file_bytes": os.path.getsize(p), "loaded_bytes": elf_loaded_bytes(p)}
    core = os.path.join(BUILD, "image", "core.stripped")
    return {
        "tessera_efi_bytes": os.path.getsize(TESSERA_EFI),
        "core_elf_bytes": os.path.getsize(core) if os.path.exists(core) else None,
        "mbboot_efi_bytes": os.path.getsize(MBBOOT_EFI),
        "guests": guests,
    }


# ------------------------------------------------------------------ report
def derive(part, bare, linux, emu_name):
    b = part["bench"]
    comp = part["summaries"]["compute"]
    loop = b.get("loop", 0)
    res = {
        "platform": {
            "emulator": emu_name,
            "detail": (f"Bochs corei7_skylake_x, clock sync=none, ips={part['ips']}: "
                       "TSC = retired instructions" if emu_name == "bochs" else
                       "QEMU -accel kvm -cpu host: TSC = host cycles" if emu_name == "kvm" else
                       "QEMU -accel tcg -cpu max -icount shift=0: TSC = instructions run "
                       "(1 ns each)"),
            "cpus_tessera": 3, "cpus_bare": 1,
        },
        "exit_cost_cycles": {
            "cpuid_round_trip": b["cpuid"],
            "vmcall_round_trip": b["vmcall"],
            "loop_baseline": loop,
            "cpuid_minus_baseline": b["cpuid"] - loop,
            "vmcall_minus_baseline": b["vmcall"] - loop,
        },
        "apic_cost_cycles": {k: b[k] - loop for k in ("xapic_eoi", "xapic_read", "xapic_icr",
                                                      "x2apic_eoi", "x2apic_icr") if k in b},
        "compute_exits": {
            "exits": comp["exits"], "guest_ms": comp["ms"],
            "exits_per_guest_second": (round(comp["exits"] / (comp["ms"] / 1000), 1)
                                       if comp["ms"] else None),
            "top_reasons": comp["top_reasons"],
        },
        "bench_partition_exits": part["summaries"]["bench"],
        "compute_cycles": {
            "partition": part["compute_cycles"],
            "bare": bare["compute_cycles"],
            "partition_over_bare": round(part["compute_cycles"] / bare["compute_cycles"], 4),
        },
        "sizes": dict(sizes(), core_loaded_kib=part["core_kib"]),
        "restarts": part["restarts"],
        "linux_idle": linux,
    }
    return res


def rows_of(res):
    e, c, x, s = (res["exit_cost_cycles"], res["compute_cycles"], res["compute_exits"],
                  res["sizes"])
    rows = [
        ("platform", res["platform"]["detail"]),
        ("CPUID exit round trip", f"{e['cpuid_round_trip']} cycles "
                                  f"({e['cpuid_minus_baseline']} over the loop)"),
        ("VMCALL HC_VERSION round trip", f"{e['vmcall_round_trip']} cycles "
                                         f"({e['vmcall_minus_baseline']} over the loop)"),
        ("empty loop iteration (baseline)", f"{e['loop_baseline']} cycles"),
    ] + [
        (f"APIC: {k.replace('_', ' ')}", f"{v} cycles over the loop")
        for k, v in res["apic_cost_cycles"].items()
    ] + [
        ("compute: exits after boot", f"{x['exits']} in {x['guest_ms']} ms of guest time"),
        ("compute: exits per guest-second", f"{x['exits_per_guest_second']}"),
        ("compute: top exit reasons", ", ".join(f"{k} {v}" for k, v in x["top_reasons"].items())),
        ("compute: cycles in a partition", f"{c['partition']}"),
        ("compute: cycles bare (mbboot)", f"{c['bare']}"),
        ("compute: partition / bare", f"{c['partition_over_bare']:.4f}"),
        (f"restart x{RESTARTS}",
         f"free memory {res['restarts']['free_kib_before']} KiB before, "
         f"{res['restarts']['free_kib_after']} KiB after; "
         f"{res['restarts']['host_s_per_restart']} s of host time each"
         if res["restarts"] else "not measured under -icount (see tools/bench.py)"),
    ] + [
        row for mode, li in res["linux_idle"].items() for row in (
            (f"idle Linux, {mode} (2 vCPUs)",
             f"{li['exits_per_guest_second']} exits per guest-second over {li['guest_s']} s"),
            (f"idle Linux, {mode}: by reason, per second",
             ", ".join(f"{k} {v}" for k, v in li["per_second_by_reason"].items())))
    ] + [
        ("tessera.efi", f"{s['tessera_efi_bytes']} bytes"),
        ("core, loaded", f"{s['core_loaded_kib']} KiB"),
        ("mbboot.efi", f"{s['mbboot_efi_bytes']} bytes"),
    ]
    for g, v in s["guests"].items():
        rows.append((f"guest {g}.elf", f"{v['file_bytes']} bytes "
                                       f"({v['loaded_bytes']} loaded)"))
    return rows


def table(results):
    """One table: a row per figure, a column per engine measured."""
    names = list(results)
    per = {n: dict(rows_of(results[n])) for n in names}
    labels = []
    for n in names:
        labels += [k for k, _ in rows_of(results[n]) if k not in labels]
    w = max(len(k) for k in labels)
    lines = ["", "Tessera benchmark (measured, not asserted)"]
    if len(names) == 1:
        lines.append("-" * (w + 40))
        lines += [f"{k:<{w}}  {per[names[0]].get(k, '-')}" for k in labels]
    else:
        lines.append("-" * (w + 40))
        for k in labels:
            lines.append(f"{k:<{w}}  " + " | ".join(f"{n}: {per[n].get(k, '-')}" for n in names))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--emu", default="bochs",
                    help="bochs (default; emulated VMX), qemu (TCG, emulated SVM, "
                         "-icount) or kvm (nested); several, comma-separated "
                         "(bochs,qemu), give one table with a column each")
    a = ap.parse_args()
    engines = [e for e in a.emu.split(",") if e]
    for e in engines:
        if e not in TIMEOUT:
            print(f"bench: unknown engine {e!r} (bochs, qemu, kvm)", file=sys.stderr)
            return 1
    for f in (TESSERA_EFI, MBBOOT_EFI, os.path.join(GUESTS, "bench.elf"),
              os.path.join(GUESTS, "compute.elf")):
        if not os.path.exists(f):
            print(f"bench: {os.path.relpath(f, ROOT)} is missing; run `make bench`",
                  file=sys.stderr)
            return 1
    os.makedirs(OUT, exist_ok=True)
    results = {}
    for emu_name in engines:
        try:
            part = run_partitioned(emu_name)
            bare = run_bare(emu_name)
            linux = {"xapic": run_linux_idle(emu_name, LINUX_CONFIG, "linux-xapic"),
                     "x2apic": run_linux_idle(emu_name, LINUX_X2APIC_CONFIG, "linux-x2apic")}
            want = compute_checksum()
            for name, r in (("partition", part), ("bare", bare)):
                if r["compute_checksum"] != want:
                    raise BenchError(f"compute ({name}) checksum 0x{r['compute_checksum']:08x}, "
                                     f"want 0x{want:08x}: the CPU computed wrong")
        except BenchError as e:
            print(f"bench: FAILED ({emu_name}): {e}", file=sys.stderr)
            return 1
        results[emu_name] = derive(part, bare, linux, emu_name)
    print(table(results))
    path = os.path.join(OUT, "results.json")
    with open(path, "w") as f:
        json.dump(results[engines[0]] if len(engines) == 1 else results, f, indent=2)
        f.write("\n")
    print(f"\nbench: written to {os.path.relpath(path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
