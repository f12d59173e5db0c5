"""Step 1: the loader hands the machine to the core, and every CPU enters
VMX root operation. Bochs provides VMX; QEMU TCG does not (it emulates AMD
SVM), so there Tessera must say so clearly and halt."""
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


def test_bochs_one_cpu_enters_vmx(boot):
    b = boot("bochs", cpus=1, mem=256)
    b.expect(BANNER)
    b.expect(r"leaving UEFI boot services")
    b.expect(r"tessera: core \S+ started")
    check_memory(b.expect(MEMORY), 256)
    b.expect(r"tessera: cpus: 1 \(from UEFI MP Services\)")
    b.expect(r"vmx: revision 0x[0-9a-f]+, EPT yes, unrestricted guest yes")
    b.expect(r"cpu 0 online apic=0 vmx=on")
    b.expect(r"tessera: 1 of 1 CPUs online, vmx on")
    b.expect(r"tessera: ready")


def test_bochs_four_cpus_enter_vmx(boot):
    b = boot("bochs", cpus=4, mem=256)
    b.expect(BANNER)
    b.expect(r"tessera: cpus: 4 \(from UEFI MP Services\)")
    seen = {}
    for _ in range(4):
        m = b.expect(r"cpu (\d) (online|failed) apic=(\d+)([^\r\n]*)\r?\n")
        assert m.group(2) == "online", m.group(0)
        assert m.group(4).strip() == "vmx=on"
        seen[int(m.group(1))] = int(m.group(3))
    assert sorted(seen) == [0, 1, 2, 3]
    assert len(set(seen.values())) == 4, "each CPU has its own APIC ID"
    b.expect(r"tessera: 4 of 4 CPUs online, vmx on")
    b.expect(r"tessera: ready")


def test_qemu_without_vmx_says_so_and_halts(boot):
    b = boot("qemu", cpus=2, mem=256, config="tests/configs/missing-kernel.cfg")
    b.expect(BANNER)
    # A file the config names but the ESP lacks fails that partition only:
    # the loader says so and goes on.
    b.expect(r"cannot load \\tessera\\does-not-exist\.elf: not found "
             r"\(its partition will not start\)")
    b.expect(r"tessera: core \S+ started")
    b.expect(MEMORY)
    b.expect(r"this CPU has AMD SVM, not Intel VMX; Tessera needs Intel VT-x")
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
