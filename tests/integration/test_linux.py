"""Step 4: an unmodified Debian cloud kernel with a busybox initramfs
(tools/linux-guest.py) in a partition of 2 CPUs and 256 MiB, beside a
bare-metal partition, under Bochs: it boots, sees its CPUs and memory, the
console reaches its shell, it reboots and powers off through ACPI.
Slow: Linux takes minutes there."""
import re

import pexpect

from test_console import PROMPT, command, listing

LINUX_TIMEOUT = 900  # seconds of host time for Linux to reach its init
MIB = 256
# What the e820 map gives Linux: its memory less the legacy hole
# [0xa0000, 0x100000) and the page of ACPI tables below it (linux_boot.h).
E820_RAM_KIB = MIB * 1024 - (0x100000 - 0xa0000) // 1024 - 4


def test_linux_partition(boot, engine):
    b = boot(engine, cpus=4, mem=512, config="tests/configs/linux.cfg")
    b.expect(r"partition linux: Linux boot protocol 2\.\d+")
    b.expect(r"tessera: console ready")

    m = b.wait_output(r"\[linux\] LINUX-OK cpus=(\d+) memtotal=(\d+) kB e820ram=(\d+) kB",
                      timeout=LINUX_TIMEOUT)
    cpus, memtotal, e820ram = (int(x) for x in m.groups())
    assert cpus == 2, "Linux must see exactly the partition's 2 CPUs"
    assert e820ram == E820_RAM_KIB, "Linux must get exactly the configured memory"
    assert 0.75 * MIB * 1024 < memtotal < e820ram
    b.wait_output(r"\[hello\] hello: tick \d+")

    parts = listing(b)
    assert parts["linux"]["state"] == "RUNNING" and parts["hello"]["state"] == "RUNNING"
    # What Linux probes at boot (PCI, COM2-4, model-specific MSRs) is
    # counted, not printed line by line.
    out = b.output()
    assert not re.search(r"partition linux: (no device at port|denied [rw]dmsr)", out)
    assert parts["linux"]["events"]["absent"] > 0 and parts["linux"]["events"]["msr"] > 0

    # The console reaches the Linux shell through the virtual UART.
    b.wait_output(r"\[linux\] linux: shell on the console", timeout=LINUX_TIMEOUT)
    command(b, "attach linux", r"\[attached to linux; Ctrl-\] detaches")
    b.console.send("\r")
    b.expect(r"linux# ", timeout=LINUX_TIMEOUT)
    b.console.send("echo sum=$((6*7)) cpus=$(nproc)\r")
    b.expect(r"sum=42 cpus=2", timeout=LINUX_TIMEOUT)
    # ttyS0 has its interrupt, IRQ 4 through the partition's I/O APIC
    # (issue 11: a stock command line, no `noapic`), so Linux does not
    # poll the port; its local APICs are in xAPIC mode (Linux leaves
    # x2APIC without interrupt remapping).
    b.console.send("grep ttyS0 /proc/interrupts\r")
    b.expect(r"4:\s+\d+\s+\d+\s+IO-APIC\s+4-edge\s+ttyS0", timeout=LINUX_TIMEOUT)
    # Its clock comes from the partition's RTC, which starts from the
    # machine's (tools/emu.py: Bochs' RTC starts on 2025-12-04).
    b.console.send("date -u +%Y-%m-%d\r")
    b.expect(r"\n2025-12-0[45]\r*\n", timeout=LINUX_TIMEOUT)

    # reboot inside Linux restarts that partition (ACPI reset register),
    # from the pristine images; hello runs on. With the log level verbose
    # its boot-time probing is printed again.
    b.console.send("\x1d")
    b.expect(r"\[detached from linux\]")
    command(b, "log level verbose", r"log level: verbose")
    command(b, "attach linux", r"\[attached to linux; Ctrl-\] detaches")
    b.console.send("\r")
    b.expect(r"linux# ", timeout=LINUX_TIMEOUT)
    mark = len(b.output())
    b.console.send("reboot -f\r")
    b.console.send("\x1d")
    b.expect(r"\[detached from linux\]")
    b.wait_output(r"tessera: partition linux reset itself; starting it again", since=mark)
    m = b.wait_output(r"\[linux\] LINUX-OK cpus=(\d+) memtotal=\d+ kB e820ram=(\d+) kB",
                      timeout=LINUX_TIMEOUT, since=mark)
    assert (int(m.group(1)), int(m.group(2))) == (2, E820_RAM_KIB)
    assert re.search(r"partition linux: no device at port 0xcf8", b.output()[mark:])
    command(b, "log level normal", r"log level: normal")
    b.wait_output(r"\[linux\] linux: shell on the console", timeout=LINUX_TIMEOUT, since=mark)
    parts = listing(b)
    assert parts["linux"]["state"] == "RUNNING" and parts["hello"]["state"] == "RUNNING"
    mark = len(b.output())
    b.wait_output(r"\[hello\] hello: tick \d+", since=mark)
    command(b, "attach linux", r"\[attached to linux; Ctrl-\] detaches")
    b.console.send("\r")
    b.expect(r"linux# ", timeout=LINUX_TIMEOUT)

    # poweroff inside Linux stops that partition only (ACPI S5).
    b.console.send("poweroff -f\r")
    b.console.send("\x1d")
    b.wait_output(r"tessera: partition linux powered off", timeout=LINUX_TIMEOUT)
    b.expect(r"\[detached from linux\]")
    parts = listing(b)
    assert parts["linux"]["state"] == "STOPPED"
    assert parts["hello"]["state"] == "RUNNING"
    mark = len(b.output())
    b.console.expect(pexpect.TIMEOUT, timeout=10)
    assert re.search(r"\[hello\] hello: tick \d+", b.output()[mark:]), \
        "hello stopped ticking when Linux powered off"
    command(b, "cpus", r"cpu 1 apic \d+ online: linux, idle")
    b.console.send("\r")
    b.expect(PROMPT)
