"""Step 1: the loader hands the machine to the core, and every CPU turns on
hardware virtualization: VMX root operation under Bochs, SVM under QEMU's
TCG (the backend is chosen from CPUID). A CPU with neither (QEMU's qemu64
without svm) gets one clear sentence, and Tessera halts."""
import re

import pexpect

from conftest import FAULT_IMAGE

BANNER = r"Tessera \d+\.\d+\.\d+ - partitioning hypervisor - UEFI loader"
MEMORY = r"tessera: memory: (\d+) MiB RAM, (\d+) MiB free, hypervisor (\d+) KiB"


def check_memory(m, mem_mib):
    ram, free, hv_kib = (int(x) for x in m.groups())
    # RAM reported is what the firmware's map calls usable: a little less
    # than the emulator's size, never more.
    assert mem_mib * 0.85 <= ram <= mem_mib, (ram, mem_mib)
    assert 0 < free < ram
    assert hv_kib > 0


# How each engine's CPUs are found (Bochs' OVMF publishes no ACPI tables)
# and what its backend says of itself.
CPUS_FROM = {"bochs": r"UEFI MP Services", "qemu": r"ACPI MADT"}
DESCRIBE = {
    "vmx": r"vmx: revision 0x[0-9a-f]+, EPT yes, unrestricted guest yes",
    "svm": r"svm: revision \d+, \d+ ASIDs, NPT yes, next-RIP save (yes|no), "
           r"decode assists (yes|no)",
}


def test_one_cpu_enters_virtualization(boot, engine):
    b = boot(engine, cpus=1, mem=256)
    b.expect(BANNER)
    b.expect(r"leaving UEFI boot services")
    b.expect(r"tessera: core \S+ started")
    check_memory(b.expect(MEMORY), 256)
    b.expect(r"tessera: cpus: 1 \(from %s\)" % CPUS_FROM[engine])
    b.expect(DESCRIBE[b.virt])
    b.expect(r"cpu 0 online apic=0 %s=on" % b.virt)
    b.expect(r"tessera: 1 of 1 CPUs online, %s on" % b.virt)
    b.expect(r"tessera: ready")
    # `version` names the backend too.
    b.console.send("version\r")
    b.expect(r"Tessera \d+\.\d+\.\d+, %s backend, 1 CPUs" % b.virt)


def test_four_cpus_enter_virtualization(boot, engine):
    b = boot(engine, cpus=4, mem=256)
    b.expect(BANNER)
    b.expect(r"tessera: cpus: 4 \(from %s\)" % CPUS_FROM[engine])
    seen = {}
    for _ in range(4):
        m = b.expect(r"cpu (\d) (online|failed) apic=(\d+)([^\r\n]*)\r?\n")
        assert m.group(2) == "online", m.group(0)
        assert m.group(4).strip() == "%s=on" % b.virt
        seen[int(m.group(1))] = int(m.group(3))
    assert sorted(seen) == [0, 1, 2, 3]
    assert len(set(seen.values())) == 4, "each CPU has its own APIC ID"
    b.expect(r"tessera: 4 of 4 CPUs online, %s on" % b.virt)
    b.expect(r"tessera: ready")


def test_no_virtualization_says_so_and_halts(boot):
    b = boot("qemu-novirt", cpus=2, mem=256, config="tests/configs/missing-kernel.cfg")
    b.expect(BANNER)
    # A file the config names but the ESP lacks fails that partition only:
    # the loader says so and goes on.
    b.expect(r"cannot load \\tessera\\does-not-exist\.elf: not found "
             r"\(its partition will not start\)")
    b.expect(r"tessera: core \S+ started")
    b.expect(MEMORY)
    b.expect(r"this CPU has neither Intel VT-x \(CPUID.1:ECX.VMX = 0\) nor AMD-V "
             r"\(CPUID.80000001H:ECX.SVM = 0\)")
    b.expect(r"tessera: halted")
    # Nothing after the halt: give it a few seconds to misbehave.
    b.console.expect(pexpect.TIMEOUT, timeout=5)
    out = b.output()
    assert "online apic" not in out and "EXCEPTION" not in out


def test_missing_config_returns_to_firmware(boot):
    b = boot("qemu", cpus=1, mem=256, no_config=True)
    b.expect(BANNER)
    b.expect(r"cannot read config \\tessera\\tessera\.cfg: not found")
    b.expect(r"tessera: returning to the firmware")
    # The firmware carries on with its next boot option / menu.
    b.expect(r"BdsDxe|Boot Manager|UiApp|Shell")
    assert "leaving UEFI boot services" not in b.output()


def test_fault_in_core_is_reported(boot):
    b = boot("qemu", cpus=1, mem=256, efi=FAULT_IMAGE)
    b.expect(r"tessera: selftest: reading an unmapped address")
    m = b.expect(r"!!! EXCEPTION (#PF page fault) \(vector 14\) on cpu 0, error code 0x([0-9a-f]+)")
    assert int(m.group(2), 16) & 1 == 0, "not-present fault"
    b.expect(r"rip=[0-9a-f]{16}")
    b.expect(r"cr2=00007fff00000000")
    b.expect(r"!!! cpu 0 stopped")
    assert re.search(r"rax=[0-9a-f]{16} rbx=", b.output())
