"""Fixtures for booting Tessera in an emulator and reading its serial port.

`boot(emu=..., cpus=..., config=...)` lays out an ESP in a temporary folder
(tools/mkesp.py), starts the emulator (tools/emu.py) and returns a pexpect
console. Everything the guest printed is kept in serial.log next to the
ESP and shown when a test fails.
"""
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import emu  # noqa: E402

# TESSERA_BUILD: another build folder (make BUILD=...), for a second
# checkout or a helper's build beside the main one.
BUILD = os.environ.get("TESSERA_BUILD", os.path.join(ROOT, "build"))
IMAGE = os.path.join(BUILD, "image", "tessera.efi")
FAULT_IMAGE = os.path.join(BUILD, "fault", "tessera.efi")
HOOKS_IMAGE = os.path.join(BUILD, "hooks", "tessera.efi")
XAPIC_IMAGE = os.path.join(BUILD, "xapic", "tessera.efi")

# The engines every integration test runs on: Bochs emulates Intel VMX,
# QEMU's TCG AMD SVM (tools/emu.py). TESSERA_ENGINES=bochs (or qemu)
# narrows a run to one. A test takes the `engine` fixture and boots
# boot(engine, ...); a module's machine_fixture is made once per engine.
ENGINES = [e for e in os.environ.get("TESSERA_ENGINES", "bochs,qemu").split(",") if e]
# What each engine's CPU offers, as the boot log names it.
VIRT = {"bochs": "vmx", "qemu": "svm", "kvm": "vmx|svm"}


def engine_id(e):
    return f"{VIRT.get(e, e)}-{e}"


@pytest.fixture(params=ENGINES, ids=engine_id)
def engine(request):
    return request.param


# Seconds. Bochs needs ~30 s for OVMF alone; these are upper bounds that
# only matter when something is broken.
BOCHS_TIMEOUT = 240
QEMU_TIMEOUT = 90


def make_esp(out, config, efi=IMAGE, no_config=False, esp_args=()):
    cmd = [sys.executable, os.path.join(ROOT, "tools", "mkesp.py"), "--efi", efi,
           "--config", os.path.join(ROOT, config), "--out", out] + list(esp_args)
    if no_config:
        cmd.append("--no-config")
    subprocess.run(cmd, check=True, cwd=ROOT)
    return out


class Booted:
    def __init__(self, machine, console, log_path, timeout, engine="bochs"):
        self.machine, self.console, self.log_path = machine, console, log_path
        self.timeout = timeout
        self.engine = engine

    @property
    def virt(self):
        """"vmx" or "svm": the backend this engine runs."""
        return VIRT[self.engine]

    def expect(self, pattern, timeout=None):
        """Wait for a regex on the serial console; return the match."""
        self.console.expect(pattern, timeout=timeout or self.timeout)
        return self.console.match

    def wait_output(self, pattern, timeout=None, since=0):
        """Wait until a regex matches anywhere in the output so far, or
        after offset `since` of it (for messages that may come before or
        after the ones expect() reads)."""
        import re
        import time
        import pexpect
        end = time.time() + (timeout or self.timeout)
        while time.time() < end:
            m = re.search(pattern, self.output()[since:])
            if m:
                return m
            self.console.expect([pexpect.TIMEOUT, pexpect.EOF], timeout=1)
        raise AssertionError(f"never saw {pattern!r} on the console")

    def expect_each(self, patterns, timeout=None):
        """Wait for every regex in patterns, in whatever order they come
        (several CPUs print at once)."""
        todo = list(patterns)
        while todo:
            i = self.console.expect(todo, timeout=timeout or self.timeout)
            del todo[i]

    def output(self):
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def raw_output(self):
        """The output as the terminal got it: "\r" and "\r\n" kept (output()
        reads with universal newlines, which turns both into "\n")."""
        with open(self.log_path, errors="replace", newline="") as f:
            return f.read()


def start_machine(workdir, emu_name="bochs", cpus=1, mem=256,
                  config="tests/configs/no-partitions.cfg", efi=IMAGE, no_config=False,
                  esp_args=()):
    """Boot one emulator in workdir; returns (Booted, machine, serial log)."""
    esp = make_esp(os.path.join(workdir, "esp"), config, efi=efi, no_config=no_config,
                   esp_args=esp_args)
    m = emu.Machine(emu_name, cpus=cpus, mem=mem, esp=esp, workdir=os.path.join(workdir, "emu"))
    log_path = os.path.join(workdir, "serial.log")
    log = open(log_path, "w")
    console = m.start(logfile=log)
    timeout = BOCHS_TIMEOUT if emu_name == "bochs" else QEMU_TIMEOUT
    return Booted(m, console, log_path, timeout, emu_name), m, log


def show_logs(m, log_path, chars=6000):
    print("\n----- serial output -----")
    print(open(log_path, errors="replace").read()[-chars:])
    print("----- emulator log -----")
    print(m.emulator_log())


def call_failed(request):
    rep = getattr(request.node, "rep_call", None)
    return rep is not None and rep.failed


def machine_fixture(name, ready=(), engines=None, **kw):
    """A module-scoped fixture `machine`: one emulator booted for a whole
    test file per engine (the tests run in file order on it), ready once
    each regex in ready has been seen. Tests take `booted` to use it, and
    `booted_engine` to know which engine it is."""
    @pytest.fixture(scope="module", params=engines or ENGINES, ids=engine_id)
    def machine(tmp_path_factory, request):
        emu_name = request.param
        args = dict(kw)
        if isinstance(args.get("config"), dict):  # a config per engine
            args["config"] = args["config"][emu_name]
        b, m, log = start_machine(str(tmp_path_factory.mktemp(f"{name}-{emu_name}")), emu_name,
                                  **args)
        b.engine = emu_name
        for pattern in ready:
            b.expect(pattern)
        yield b, m
        log.close()
        m.stop()
    return machine


@pytest.fixture
def booted(machine, request):
    """The module's machine (machine_fixture); its logs are shown when
    the test fails."""
    b, m = machine
    yield b
    if call_failed(request):
        show_logs(m, b.log_path)


@pytest.fixture
def boot(tmp_path, request):
    machines = []

    def _boot(emu_name="bochs", **kw):
        b, m, log = start_machine(str(tmp_path), emu_name, **kw)
        machines.append((m, log))
        return b

    yield _boot

    for m, log in machines:
        log.close()
        if call_failed(request):
            show_logs(m, log.name)
        m.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, "rep_" + rep.when, rep)
