"""Issue 10: the stop that used to time out, on the default demo, driven
through the console as a user would, under Bochs (the lifecycle under
load is in test_lifecycle_load.py)."""
import re

from test_console import command, listing

CYCLES = 30


def test_stop_during_isolation_scan_completes(boot, engine):
    """The default demo: `restart isolation`, then `stop isolation` while
    the guest scans its memory for foreign secrets, a long stretch with
    interrupts off and no VM exit. The stop must complete every time (it
    used to time out: the kick was an interrupt, which that guest held
    off; now it is an NMI)."""
    b = boot(engine, cpus=4, mem=512, config="configs/default.cfg")
    b.expect(r"tessera: console ready")
    b.expect(r"\[isolation\] ISOLATION-DONE")
    for cycle in range(CYCLES):
        command(b, "restart isolation", r"partition isolation started")
        # The last probe before the scan: INIT to foreign APICs.
        b.expect(r"partition isolation: dropped IPI to apic 7")
        b.console.send("stop isolation\r")
        i = b.console.expect([r"partition isolation stopped",
                              r"partition isolation: vcpu \d+ \(cpu \d+\) did not stop"],
                             timeout=b.timeout)
        assert i == 0, f"cycle {cycle}: the stop did not complete"
        assert listing(b)["isolation"]["state"] == "STOPPED"
    assert listing(b)["hello"]["state"] == "RUNNING"
    assert not re.search(r"EXCEPTION|did not stop", b.output())
