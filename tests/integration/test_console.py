"""Step 3: the serial management console, driven as a user would, under
Bochs with an echo guest, a guest that floods its UART and one that
crashes and is restarted automatically."""
import json
import re

import pexpect

PROMPT = "tessera> "


def command(b, line, expect, timeout=None):
    """Type a command line and wait for a regex in its answer."""
    b.console.send(line + "\r")
    return b.expect(expect, timeout=timeout)


def listing(b):
    m = command(b, "list --json", r"(\[\{.*\}\])\r?\n")
    return {p["name"]: p for p in json.loads(m.group(1))}


def mem_free(b):
    m = command(b, "mem", r"memory: (\d+) KiB managed, (\d+) KiB free")
    return int(m.group(1)), int(m.group(2))


def lifecycle_cycles(b, name, cycles):
    """Issue 10: `cycles` rounds of stop, start, restart, pause and resume
    of partition `name`, each answered as it should be. Returns how many
    starts they made."""
    for cycle in range(cycles):
        command(b, f"stop {name}", rf"partition {name} stopped")
        command(b, f"start {name}", rf"partition {name} started")
        command(b, f"restart {name}", rf"partition {name} stopped")
        b.expect(rf"partition {name} started")
        command(b, f"pause {name}", rf"{name} paused \(resume {name} to continue\)")
        command(b, f"resume {name}", rf"{name} resumed")
    return 2 * cycles


def attach_echo(b, text):
    """Attach to the `echo` partition, type a line, see it echoed, detach."""
    command(b, "attach echo", r"\[attached to echo; Ctrl-\] detaches")
    b.console.send(text + "\r")
    b.expect(f"echo: got '{text}'")
    b.console.send("\x1d")
    b.expect(r"\[detached from echo\]")


def test_console(boot, engine):
    b = boot(engine, cpus=4, mem=256, config="tests/configs/console.cfg")
    b.expect(r"tessera: console ready")
    b.expect(r"\[echo\] echo: ready")

    # flood writes without pause the whole time, unmuted at first: every
    # command below must still be answered.
    parts = listing(b)
    assert set(parts) == {"echo", "flood", "crash"}
    assert parts["echo"]["state"] == "RUNNING" and parts["flood"]["state"] == "RUNNING"
    assert parts["echo"]["cpus"] == "1" and parts["echo"]["memory_mib"] == 16
    command(b, "list", r"flood\s+RUNNING\s+2\s+16M")
    command(b, "version", r"Tessera \d+\.\d+\.\d+, %s backend, 4 CPUs" % b.virt)

    # on_crash = restart: crash comes back, with a back-off, and list counts it.
    b.wait_output(r"partition crash will restart in 1 s")
    b.wait_output(r"partition crash will restart in 2 s")
    assert listing(b)["crash"]["restarts"] >= 1

    # stats rise for a guest making CPUID and I/O exits.
    m1 = command(b, "stats flood", r"flood vcpu 0 \(cpu 2\): (\d+) exits")
    io = int(b.expect(r"I/O instruction\s+(\d+)").group(1))
    m2 = command(b, "stats flood", r"flood vcpu 0 \(cpu 2\): (\d+) exits")
    cpuid = int(b.expect(r"CPUID\s+(\d+)").group(1))
    assert int(m2.group(1)) > int(m1.group(1)) and io > 0 and cpuid > 0

    # trace and regs.
    command(b, "trace flood 3", r"tracing the next 3 exits of flood")
    b.expect(r"trace flood vcpu 0: (I/O instruction|CPUID) rip=0x[0-9a-f]+")
    command(b, "regs flood", r"flood vcpu 0 \(cpu 2\), 32-bit code:")
    b.expect(r"rip=0000000000[0-9a-f]{6} rsp=")

    # stop: its output stops and its CPU idles; start: it boots again.
    command(b, "stop flood", r"partition flood stopped")
    command(b, "cpus", r"cpu 2 apic \d+ online: flood, idle")
    mark = len(b.output())
    b.console.expect(pexpect.TIMEOUT, timeout=5)
    assert "[flood]" not in b.output()[mark:], "a stopped partition kept printing"
    command(b, "start flood", r"\[flood\] flood: start")
    command(b, "mute flood", PROMPT)

    # attach: type to the guest, get its echo, detach.
    attach_echo(b, "hi there")

    # restart 20 times: the memory summary does not change.
    command(b, "stop crash", r"crash")
    before = mem_free(b)
    for _ in range(20):
        command(b, "restart echo", r"partition echo started")
    b.expect(r"\[echo\] echo: ready")
    assert mem_free(b) == before

    # bad input gets a clear error and nothing else breaks.
    command(b, "frobnicate", r"error: unknown command 'frobnicate'")
    command(b, "stop nosuch", r"error: no partition named 'nosuch'")
    command(b, "restart", r"error: restart: expects 1 argument")
    command(b, 'list "unterminated', r"error: ")
    # An over-long line, typed as a person types (a 16550 holds only 16
    # received bytes): the editor keeps 128 characters and beeps after.
    for _ in range(10):
        b.console.send("x" * 20)
        b.console.expect(pexpect.TIMEOUT, timeout=0.5)
    command(b, "", r"error: unknown command 'x{128}'")
    assert listing(b)["echo"]["state"] == "RUNNING"


def test_console_without_a_kept_cpu(boot, engine):
    """console_cpu = none: every CPU runs a partition and the console shares
    CPU 0 with `spin`, which spins with interrupts off and never exits on
    its own. The console must still answer, attach, and stop, start and
    restart the partition whose CPU it runs on."""
    b = boot(engine, cpus=2, mem=256, config="tests/configs/shared-console.cfg")
    b.expect_each([r"the console shares cpu 0 with partition spin",
                   r"tessera: console ready"])
    b.wait_output(r"\[spin\] spin: spinning with interrupts off")
    b.wait_output(r"\[echo\] echo: ready")

    parts = listing(b)
    assert parts["spin"]["state"] == "RUNNING" and parts["echo"]["state"] == "RUNNING"
    command(b, "cpus", r"cpu 0 apic \d+ online: spin, running \(shared with the console\)")

    # Only a timer makes spin exit, so the console ran because of it: VMX's
    # preemption timer ("timer" exits), or under SVM the machine's PIT
    # sent to CPU 0 ("external interrupt" exits).
    command(b, "stats spin", r"spin vcpu 0 \(cpu 0\): (\d+) exits")
    kind = {"vmx": "timer", "svm": "external interrupt"}[b.virt]
    assert int(b.expect(kind + r"\s+(\d+)").group(1)) > 0

    # regs of the vCPU the console interrupted.
    command(b, "regs spin", r"spin vcpu 0 \(cpu 0\), 32-bit code:")
    b.expect(r"rip=0000000000[0-9a-f]{6} rsp=")

    # attach to the partition on the other CPU.
    attach_echo(b, "shared")

    # stop, start and restart the partition on the console's own CPU.
    command(b, "stop spin", r"partition spin stopped")
    command(b, "cpus", r"cpu 0 apic \d+ online: spin, idle \(shared with the console\)")
    command(b, "version", r"Tessera \d+\.\d+\.\d+, %s backend, 2 CPUs" % b.virt)
    command(b, "start spin", r"\[spin\] spin: spinning")
    before, starts = mem_free(b), listing(b)["spin"]["starts"]
    for _ in range(5):
        command(b, "restart spin", r"partition spin started")
        b.expect(r"\[spin\] spin: spinning")
    # Issue 10: 100 rounds against the partition on the console's CPU.
    command(b, "mute spin", r"tessera> ")
    starts += 5 + lifecycle_cycles(b, "spin", 100)
    assert mem_free(b) == before
    parts = listing(b)
    assert parts["spin"]["state"] == "RUNNING" and parts["spin"]["starts"] == starts
    assert parts["echo"]["state"] == "RUNNING"
    command(b, "cpus", r"cpu 0 apic \d+ online: spin, running \(shared with the console\)")
    b.expect(r"cpu 1 apic \d+ online: echo, (running|idle)")
    assert not re.search(r"did not|EXCEPTION|hypervisor bug", b.output())
