"""Issue 11, host xAPIC: the hypervisor drives its own local APICs through
the MMIO page when it cannot use x2APIC (QEMU's TCG CPUs have none, and
step 6 runs there). The xAPIC test build (make xapic-image) takes that
path under Bochs: its kicks, NMIs, AP start-up and the guests' passed-on
APIC accesses all go through MMIO."""
from conftest import XAPIC_IMAGE, machine_fixture
from test_apic import check_no_x2apic, run_checks
from test_console import command

# Bochs only: under QEMU the normal image already drives the host APIC in
# xAPIC mode (test_apic.py runs there).
machine = machine_fixture("apic-host-xapic", cpus=5, mem=256, efi=XAPIC_IMAGE,
                          config="tests/configs/apic-host-xapic.cfg", engines=["bochs"])


def test_host_xapic_runs_the_xapic_guest(booted):
    b = booted
    b.expect(r"tessera: vmx: [^\r\n]*; host APIC in xAPIC mode")
    b.expect(r"tessera: 5 of 5 CPUs online")
    assert run_checks(b, "apicx", "xapic") == "xapic"
    # The console still answers: its CPU is kicked through the xAPIC ICR.
    command(b, "list", r"apicx\s+RUNNING")


def test_no_x2apic_to_offer(booted):
    check_no_x2apic(booted, configured=True)
