"""Step 5 (issue 11): the PC inside a partition, as a bare-metal kernel
uses it, under Bochs. tools/emu.py starts Bochs' RTC at 2025-12-04 00:00
UTC."""
import re

from test_console import command


def test_rtc_and_pit(boot):
    b = boot("bochs", cpus=2, mem=256, config="tests/configs/platform.cfg")
    # The machine's date, read once at boot.
    m = b.expect(r"tessera: date (\d{4})-(\d\d)-(\d\d) \d\d:\d\d:\d\d \(from the RTC\)")
    assert m.groups() == ("2025", "12", "04")
    b.expect(r"tessera: console ready")
    # The partition's RTC shows the same day (its first read is seconds
    # after the hypervisor's).
    m = b.expect(r"\[platform\] platform: rtc (\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)")
    assert m.groups()[:3] == ("2025", "12", "04")
    assert int(m.group(4)) == 0 and int(m.group(5)) < 10
    b.expect(r"\[platform\] platform: nvram ok")
    # The TSC rate measured with PIT channel 2 agrees with CPUID 15H
    # within 0.5 % (both follow the same clock under Bochs; on hardware
    # the PIT runs from the host TSC too).
    m = b.expect(r"\[platform\] platform: pit 65536 ticks = (\d+) tsc cycles: "
                 r"tsc (\d+) Hz, cpuid says (\d+) Hz")
    measured, claimed = int(m.group(2)), int(m.group(3))
    assert claimed > 0 and abs(measured - claimed) <= claimed // 200, (measured, claimed)
    b.expect(r"\[platform\] PLATFORM-DONE")
    # Its ports are its own devices now: nothing was denied.
    assert not re.search(r"partition platform: (denied|no device)", b.output())
    command(b, "info platform", r"events since the start: memory 0, port 0,")
    # The console's log level: the answers, and a clear error.
    command(b, "log level", r"log level: normal \(what a format probes at boot is only counted\)")
    command(b, "log level loud", r"error: log level: 'loud' is not normal or verbose")
    command(b, "log level verbose", r"log level: verbose")
