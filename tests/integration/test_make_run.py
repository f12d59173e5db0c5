"""Issue 11: `make run KERNEL=... APPEND=...` (tools/mkesp.py --kernel)
and a config of one's own next to its kernels, booted under Bochs."""
import os
import shutil

from conftest import BUILD
from test_console import listing

HELLO = os.path.join(BUILD, "guests", "hello.elf")


def test_host_kernel_and_own_config(boot, engine, tmp_path):
    # A config in a folder of its own, naming a kernel that lies beside it
    # (found there first: no such file in build/guests).
    mine = tmp_path / "mine"
    mine.mkdir()
    shutil.copy(HELLO, mine / "mykernel.elf")
    (mine / "my.cfg").write_text("[hypervisor]\nserial = com1\nconsole_cpu = 0\n\n"
                                 "[partition own]\ncpus = 1\nmemory = 16M\n"
                                 "kernel = \\tessera\\mykernel.elf\ncmdline = greeting=own\n")
    b = boot(engine, cpus=3, mem=256, config=str(mine / "my.cfg"),
             esp_args=["--kernel", HELLO, "--append", "greeting=from-the-host"])
    b.expect(r"tessera: console ready")
    b.expect_each([r"\[own\] hello: mbi mem_upper=\d+ KiB cmdline='greeting=own'",
                   r"\[user\] hello: mbi mem_upper=\d+ KiB cmdline='greeting=from-the-host'"])
    parts = listing(b)
    assert parts["own"]["state"] == "RUNNING" and parts["own"]["cpus"] == "1"
    assert parts["user"]["state"] == "RUNNING" and parts["user"]["cpus"] == "2"
