#!/usr/bin/env python3
"""Boot each test guest under plain QEMU (no hypervisor) and check its output.

Usage: qemu_smoke.py [--dir build/guests] [--qemu qemu-system-i386] [GUEST...]

QEMU loads Multiboot v1 ELF kernels itself (-kernel), so this checks the
guests' own machinery without Tessera: multiboot header and info parsing,
serial output, the fault handling that turns VMCALL's #UD into "no
hypervisor", the probes, AP start-up (xAPIC there: QEMU's TCG has no
x2APIC), the triple fault, and UART input. Exits 1 if any guest failed.
Plain QEMU grants every access, so isolation reports ALLOWED for most
probes here: only its completion and the signature scan are checked.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
from check_multiboot import check  # noqa: E402


def compute_checksum():
    with open(os.path.join(HERE, "compute_work.h")) as f:
        return re.search(r"#define COMPUTE_CHECKSUM (0x[0-9a-f]+)u", f.read()).group(1)


# name: (extra QEMU arguments, [(regex to wait for, bytes to send then)])
CASES = {
    "hello": (["-append", "greeting=hello"], [
        (r"hello: no hypervisor\r?\n", None),
        (r"hello: mbi mem_upper=\d+ KiB cmdline='[^']*greeting=hello'\r?\n", None),
        (r"HELLO-OK\r?\n", None),
        (r"hello: tick 1\r?\n", None),
        (r"hello: tick 2\r?\n", None),
    ]),
    "isolation": (["-initrd", "@SIG@"], [
        (r"isolation: mem 0x000a0000 \(legacy hole\): (denied|ALLOWED)\r?\n", None),
        (r"isolation: vmxon: denied\r?\n", None),
        (r"isolation: cpuid.1:ecx.vmx: denied\r?\n", None),
        (r"isolation: init foreign apic 7: sent\r?\n", None),
        # the module QEMU loads holds both signatures once
        (r"isolation: signature scan: 2 found\r?\n", None),
        (r"isolation: \d+ probes, \d+ allowed\r?\n", None),
        (r"ISOLATION-DONE\r?\n", None),
    ]),
    "crash": (["-d", "cpu_reset", "-D", "@LOG@"], [
        (r"crash: about to triple fault\r?\n", None),
        ("@EXIT@", None),
    ]),
    "smp": (["-smp", "3", "-append", "cpus=3"], [
        (r"smp: 3 of 3 cpus up\r?\n", None),
        (r"smp: apic ids 0,1,2\r?\n", None),
        (r"SMP-OK\r?\n", None),
    ]),
    "compute": ([], [
        (r"compute: checksum=%s cycles=\d+\r?\n" % compute_checksum(), None),
        (r"COMPUTE-DONE\r?\n", None),
    ]),
    "echo": ([], [
        (r"echo: ready\r?\n", b"abc\r"),
        (r"abc\r?\necho: got 'abc'\r?\n", b"xy\x7fz\r\n"),
        (r"echo: got 'xz'\r?\n", None),
    ]),
    # Without a hypervisor: one CPU, UART lines only.
    "chatter": ([], [
        (r"chatter: 1 cpu\r?\n", None),
        (r"chatter: uart 0 xxxxx end\r?\n", None),
        (r"chatter: uart 41 x{6} end\r?\n", None),
    ]),
    "portloop": (["-append", "seconds=1"], [
        (r"portloop: reading port 0x60 for 1 s\r?\n", None),
        (r"portloop: \d+ reads of port 0x60 in 1 s\r?\n", None),
        (r"PORTLOOP-DONE\r?\n", None),
    ]),
    "platform": ([], [
        (r"platform: rtc 20\d\d-\d\d-\d\d \d\d:\d\d:\d\d\r?\n", None),
        (r"platform: nvram ok\r?\n", None),
        (r"platform: pit 65536 ticks = \d+ tsc cycles: tsc \d+ Hz, cpuid says \d+ Hz\r?\n", None),
        # SeaBIOS's RSDP, found by the same legacy scan (ACPI 6.5 5.2.5.1).
        (r"platform: rsdp at 0x[0-9a-f]+ rev \d, madt: 1 cpus, ioapic at 0xfec00000 gsi 0, "
         r"checksums ok\r?\n", None),
        (r"PLATFORM-DONE\r?\n", None),
    ]),
    # QEMU's -kernel speaks Multiboot v1 only: the v1 header boots it.
    "mb2info": ([], [
        (r"mb2: booted by multiboot v1\r?\n", None),
        (r"MB2-DONE\r?\n", None),
    ]),
    # -icount: TCG's timers otherwise fire late and coalesce under load,
    # and the guest's LAPIC-timer-against-PIT check (2 %) would fail.
    "apic_xapic": (["-smp", "2", "-append", "cpus=2", "-icount", "shift=auto"], [
        (r"apic: xapic build, partition \(none\), 2 cpus, apic ids 0,1 \(no hypervisor\)\r?\n", None),
        (r"apic: ap ipi received, vector 0x40, on apic 1, \d+ tsc cycles after it was sent\r?\n",
         None),
        (r"apic: timer periodic 10 ticks, every ~\d+ tsc cycles", None),
        (r"apic: lapic timer clock \d+ Hz by the pit, \d+ Hz by its periodic ticks: agree", None),
        (r"APIC-DONE xapic ok\r?\n", None),
    ]),
    # QEMU 7.2's TCG has no x2APIC: the guest must say so and stop.
    "apic_x2apic": (["-smp", "2", "-append", "cpus=2"], [
        (r"apic: cpuid\.1:ecx\.x2apic = 0\r?\n", None),
        (r"APIC-FAIL cpuid\.1:ecx\.x2apic is clear\r?\n", None),
    ]),
    "hold": (["-append", "ms=5"], [
        (r"hold: holding for 5 ms\r?\n", None),
        (r"hold: HC_TEST_HOLD returned -100\r?\n", None),
    ]),
}


def run(qemu, elf, name, timeout):
    args, steps = CASES[name]
    with tempfile.TemporaryDirectory(prefix="guest-%s-" % name) as tmp:
        return run_in(qemu, elf, args, steps, tmp, timeout)


def run_in(qemu, elf, args, steps, tmp, timeout):
    sig = os.path.join(tmp, "sig.bin")
    with open(sig, "wb") as f:
        f.write(b"..TESSERA-NEIGHBOUR-SECRET..TESSERA-HYPERVISOR-SECRET..")
    log = os.path.join(tmp, "qemu.log")
    args = [a.replace("@SIG@", sig).replace("@LOG@", log) for a in args]
    cmd = [qemu, "-kernel", elf, "-display", "none", "-serial", "stdio",
           "-monitor", "none", "-no-reboot", "-m", "64"] + args
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    out = bytearray()

    def reader():
        while True:
            b = proc.stdout.read1(4096)
            if not b:
                return
            out.extend(b)
    t = threading.Thread(target=reader, daemon=True)
    t.start()
    pos, err = 0, None
    deadline = time.time() + timeout
    for pattern, send in steps:
        while True:
            if pattern == "@EXIT@":
                if proc.poll() is not None:
                    text = open(log, errors="replace").read() if os.path.exists(log) else ""
                    if "Triple fault" not in text:
                        err = "QEMU exited but logged no triple fault"
                    break
            else:
                m = re.compile(pattern.encode()).search(bytes(out), pos)
                if m:
                    pos = m.end()
                    break
            if time.time() > deadline:
                err = "timed out waiting for %r" % pattern
                break
            time.sleep(0.05)
        if err:
            break
        if send:
            proc.stdin.write(send)
            proc.stdin.flush()
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    t.join(1)
    return err, out.decode(errors="replace")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "build", "guests"))
    ap.add_argument("--qemu", default="qemu-system-i386")
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("guests", nargs="*", default=list(CASES))
    a = ap.parse_args()
    failed = passed = 0
    for name in a.guests:
        elf = os.path.join(a.dir, name + ".elf")
        with open(elf, "rb") as f:
            err = "; ".join(check(f.read(), []))
        out = ""
        if not err:
            err, out = run(a.qemu, elf, name, a.timeout)
        if err:
            failed += 1
            print("FAIL %s: %s\n--- output ---\n%s\n---" % (name, err, out.strip()))
        else:
            passed += 1
            print("ok   %s" % name)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
