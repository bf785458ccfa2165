"""Shared helpers for the core tests: run pyinit (as PID 1 or not) and watch it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, NoReturn, TypeVar

import pytest

from pyinit.namespace import Namespace, children

PYINIT = [sys.executable, "-m", "pyinit"]
PROGRAMS = Path(__file__).parent / "programs"
T = TypeVar("T")

#: Set to ``require`` (scripts/test does) to make a missing environment a failure.
FROZEN_TESTS = "PYINIT_FROZEN_TESTS"  # the frozen binaries in dist/, with our bootloaders
CONTAINER_TESTS = "PYINIT_CONTAINER_TESTS"  # podman + runc, docker, cgroups
PID1_TESTS = "PYINIT_PID1_TESTS"  # PID namespaces, and the reference inits (tini, dumb-init)


def unavailable(reason: str, variable: str = FROZEN_TESTS) -> NoReturn:
    """Skip a test whose environment is missing, or fail it where ``variable=require``
    (CI): a required environment that is missing must never go green as a skip."""
    if os.environ.get(variable, "") == "require":
        pytest.fail(f"{reason} ({variable}=require)")
    pytest.skip(reason)


def wait_for(predicate: Callable[[], T], timeout: float = 10.0, what: str = "condition") -> T:
    """Poll ``predicate`` until it returns something truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    delay = 0.001
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(delay)
        delay = min(delay * 2, 0.05)


#: Strings only our patched bootloaders contain (packaging/bootloader/): PyInstaller's (in front
#: of dist/pyinit) and staticx's (in front of dist/pyinit-static). Without them the binary was
#: built with the stock one (build-binary's fallback, --stock-bootloader).
PYINSTALLER_PATCH_MARKER = b"[pyinit] error: cannot unpack: no writable temporary directory"
STATICX_PATCH_MARKER = b"staticx bootloader): "


def has_patched_bootloader(binary: Path) -> bool:
    """Was the bootloader in front of ``binary`` (PID 1) built with our patch?"""
    with open(binary, "rb") as file:
        head = file.read(1 << 20)  # the bootloader: PyInstaller's ~100 kB, staticx's ~1 MB
    static = b"STATICX_PROG_PATH" in head  # staticx's, with PyInstaller's behind it
    return (STATICX_PATCH_MARKER if static else PYINSTALLER_PATCH_MARKER) in head


#: Signals pyinit does not forward unchanged in its default (session) mode: KILL and STOP
#: cannot be caught; CHLD is about pyinit's own children; TSTP/TTIN/TTOU become SIGSTOP
#: (test_job_control.py).
NOT_VERBATIM = {
    signal.SIGKILL,
    signal.SIGSTOP,
    signal.SIGCHLD,
    signal.SIGTSTP,
    signal.SIGTTIN,
    signal.SIGTTOU,
}


def signal_name(signo: int) -> str:
    """How tests/programs/recorder.py names ``signo``: SIGTERM, SIGRTMIN+3."""
    try:
        return signal.Signals(signo).name
    except ValueError:
        return f"SIGRTMIN+{signo - signal.SIGRTMIN}"


def program(name: str, *args: str) -> list[str]:
    """Command line of a helper program in tests/programs."""
    return [sys.executable, str(PROGRAMS / name), *args]


def descendants(pid: int) -> list[int]:
    found = []
    stack = children(pid)
    while stack:
        child = stack.pop()
        found.append(child)
        stack.extend(children(child))
    return found


def status(pid: int) -> dict[str, str]:
    """/proc/PID/status as a dict ({} if the process is gone)."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return dict(line.split(":\t", 1) for line in text.splitlines() if ":\t" in line)


def state(pid: int) -> str:
    """One-letter process state (R, S, T, Z, ...), or '' if gone."""
    return status(pid).get("State", "")[:1]


def has_signal(mask_hex: str, signo: int) -> bool:
    """Is ``signo`` set in a /proc/PID/status mask such as SigBlk?"""
    return bool(int(mask_hex, 16) >> (signo - 1) & 1)


def kill_tree(pid: int) -> None:
    for victim in [pid, *descendants(pid)]:
        try:
            os.kill(victim, 9)
        except ProcessLookupError:
            pass


def zombies_under(pid: int) -> list[int]:
    return [child for child in descendants(pid) if state(child) == "Z"]


class Running:
    """A started process whose stdout and stderr lines are collected by threads; with
    ``pid1=True`` PID 1 of a new PID namespace (pyinit.namespace, which the pid1 fixture
    and the benchmark use too)."""

    def __init__(self, argv: list[str], pid1: bool = False, **popen: object) -> None:
        options: dict[str, object] = {
            "stdin": popen.pop("stdin", subprocess.DEVNULL),
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "text": True,
            "errors": "replace",
            "start_new_session": popen.pop("start_new_session", False),
            **popen,
        }
        self.namespace = Namespace(argv, **options) if pid1 else None
        self.proc: subprocess.Popen[str] = (
            self.namespace.proc if self.namespace else subprocess.Popen(argv, **options)  # type: ignore[call-overload]
        )
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.pumps = [
            threading.Thread(target=self._pump, args=(stream, sink), daemon=True)
            for stream, sink in (
                (self.proc.stdout, self.stdout),
                (self.proc.stderr, self.stderr),
            )
        ]
        for pump in self.pumps:
            pump.start()

    @staticmethod
    def _pump(stream: object, sink: list[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            sink.append(line.rstrip("\n"))

    @property
    def pid(self) -> int:
        """Host pid of pyinit (under unshare: the child of the unshare process)."""
        if self.namespace is None:
            return self.proc.pid
        return self.namespace.wait_pid1()

    def child(self) -> int:
        """Host pid of pyinit's main child."""
        pid = self.pid
        return wait_for(lambda: children(pid)[:1], what="the child to start")[0]

    def kill(self, signo: int) -> None:
        os.kill(self.pid, signo)

    def expect_line(self, text: str, timeout: float = 10.0) -> str:
        """Wait until a stdout line contains ``text``; return the first such line."""

        def find() -> str | None:
            return next((line for line in self.stdout if text in line), None)

        try:
            return wait_for(find, timeout, what=f"a line with {text!r}")
        except AssertionError as error:
            raise AssertionError(f"{error}; stdout={self.stdout} stderr={self.stderr}") from None

    def expect_exact(self, text: str, timeout: float = 10.0) -> None:
        """Wait until a stdout line is exactly ``text``."""
        self.expect_line(text, timeout)  # for the error message
        wait_for(lambda: text in self.stdout, timeout, what=f"the line {text!r}")

    def wait(self, timeout: float = 20.0) -> int:
        """Wait for exit; also until its output is read to the end (pipes closed)."""
        code = self.proc.wait(timeout)
        for pump in self.pumps:
            pump.join(timeout)
        return code

    def log(self) -> str:
        """stderr so far (complete once the process has exited and its pipe drained)."""
        return "\n".join(self.stderr)

    def close(self) -> None:
        """Kill what is left: the whole tree (pyinit outlives a killed parent)."""
        if self.namespace is not None:
            self.namespace.kill()
        elif self.proc.poll() is None:
            kill_tree(self.proc.pid)
            self.proc.wait(5)
