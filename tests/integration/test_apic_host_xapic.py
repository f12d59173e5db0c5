"""Issue 11, host xAPIC: the hypervisor drives its own local APICs through
the MMIO page when it cannot use x2APIC (QEMU's TCG CPUs have none, and
step 6 runs there). The xAPIC test build (make xapic-image) takes that
path under Bochs: its kicks, NMIs, AP start-up and the guests' passed-on
APIC accesses all go through MMIO."""
import re

from conftest import XAPIC_IMAGE, machine_fixture
from test_apic import EOL, run_checks
from test_console import command

machine = machine_fixture("apic-host-xapic", cpus=5, mem=256, efi=XAPIC_IMAGE,
                          config="tests/configs/apic-host-xapic.cfg")


def test_host_xapic_runs_the_xapic_guest(booted):
    b = booted
    b.expect(r"tessera: vmx: [^\r\n]*; host APIC in xAPIC mode")
    b.expect(r"tessera: 5 of 5 CPUs online")
    assert run_checks(b, "apicx", "xapic") == "xapic"
    # The console still answers: its CPU is kicked through the xAPIC ICR.
    command(b, "list", r"apicx\s+RUNNING")


def test_no_x2apic_to_offer(booted):
    """A partition configured to start in x2APIC mode cannot, where the
    hardware APIC is in xAPIC mode: Tessera says so, and the guest's CPUID
    tells the truth (no x2APIC), which the x2APIC build prints; its
    x2APIC MSRs then #GP, as on a CPU in xAPIC mode (SDM Vol. 3A
    11.12.1.2), and Tessera says why."""
    b = booted
    b.wait_output(r"\[apic2\] apic: cpuid\.1:ecx\.x2apic = 0" + EOL)
    b.wait_output(r"tessera: partition apic2: denied wrmsr 0x8[0-9a-f]{2} value 0x[0-9a-f]+ "
                  r"\(#GP\): the APIC is not in x2APIC mode" + EOL)
    out = b.raw_output()
    assert re.search(r"tessera: partition apic2: apic = x2apic, but this machine's APICs run "
                     r"in xAPIC mode: its CPUs start in xAPIC mode" + EOL, out)
    assert re.search(r"\[apic2\] apic: apic_base at start 0xfee00900: enabled, base "
                     r"0xfee00000, bsp, xapic mode" + EOL, out)
    assert "APIC-DONE x2apic" not in out
    # The neighbour is unaffected.
    assert "partition apicx FAILED" not in out
