"""Step 2: several partitions at once on dedicated CPUs, isolated by the
guest-physical map (EPT under VMX, NPT under SVM); on every engine."""
import re

import pexpect

PROBE = re.compile(r"\[isolation\] isolation: (.+?): (denied|ALLOWED)\r?$", re.M)


def test_three_partitions_isolated_crash_contained(boot, engine):
    b = boot(engine, cpus=4, mem=256, config="tests/configs/partitions.cfg")
    b.expect(r"tessera: 4 of 4 CPUs online")
    b.expect(r"tessera: config \S+: 3 partitions, 3 usable")
    b.expect_each([r"\[hello\] HELLO-OK",
                   r"partition crash FAILED: triple fault at rip 0x[0-9a-f]+",
                   r"\[isolation\] ISOLATION-DONE"])
    # hello keeps running after crash failed.
    out = b.output()
    failed_at = out.index("partition crash FAILED")
    b.expect(r"\[hello\] hello: tick \d+")
    out = b.output()
    assert re.search(r"\[hello\] hello: tick \d+", out[failed_at:]), "hello stopped with crash"
    assert "partition hello FAILED" not in out and "partition isolation FAILED" not in out

    # hello saw its own partition: name, one CPU, 16 MiB, its cmdline.
    assert "[hello] hello: name=hello cpus=1 memory=16 MiB" in out
    assert "cmdline='greeting=hi'" in out

    # isolation: every probe denied, nothing foreign found, and the
    # hypervisor reported the attempts.
    probes = PROBE.findall(out)
    assert len(probes) >= 15, probes
    assert [p for p in probes if p[1] != "denied"] == []
    assert re.search(r"\[isolation\] isolation: signature scan: 0 found", out)
    assert re.search(r"\[isolation\] isolation: \d+ probes, 0 allowed", out)
    for addr in ("0x1000000", "0xa0000", "0xfec01000", "0xfed00000", "0xfee01000"):
        assert f"partition isolation: memory violation: read at guest-physical {addr}" in out
    assert "partition isolation: denied I/O read of port 0x60" in out
    assert "partition isolation: denied rdmsr 0x480 (#GP)" in out
    assert "partition isolation: dropped IPI to apic 1: not a CPU of this partition" in out


def test_smp_partition_strict_violation_and_missing_kernel(boot, engine):
    b = boot(engine, cpus=5, mem=256, config="tests/configs/smp.cfg")
    b.expect(r"tessera: 5 of 5 CPUs online")
    b.expect_each([r"\[smp\] SMP-OK",
                   r"partition strict FAILED: memory violation: read at guest-physical "
                   r"0x1000000, rip 0x[0-9a-f]+",
                   r"partition ghost FAILED: kernel \\tessera\\does-not-exist\.elf not found"])
    out = b.output()
    assert "[smp] smp: 2 of 2 cpus up" in out
    assert "[smp] smp: apic ids 1,2" in out
    assert "[smp] smp: cpuid topology 2/2" in out, "CPUID shows the partition's CPUs" 
    assert "partition smp FAILED" not in out
    # The strict partition stopped at its first violation: no later probe ran.
    assert "[strict] isolation: io 0x60" not in out
