"""A command as PID 1 of a new PID namespace: the one launcher that the ``pid1`` fixture
(pyinit/pytest_plugin.py), the project's tests (tests/support.py) and the benchmark
(bench/harness.py) share.

``unshare --pid --fork --mount-proc --kill-child CMD``, plus ``--user --map-root-user`` when
not root: unshare forks, its child execs CMD, and CMD is PID 1 of a namespace with its own
/proc. When PID 1 dies the kernel kills every other process of the namespace
(zap_pid_ns_processes), and ``--kill-child`` has PID 1 killed when unshare dies: nothing
outlives a killed run. A tool, not the init: the init never imports it (tests/test_layout.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

_PROBE: tuple[bool, str] | None = None


def unshare_command() -> list[str]:
    """The unshare prefix: a new PID namespace with its own /proc, PID 1 killed with us."""
    command = ["unshare"]
    if os.geteuid() != 0:
        command += ["--user", "--map-root-user"]
    return [*command, "--pid", "--fork", "--mount-proc", "--kill-child"]


def support() -> tuple[bool, str]:
    """``(True, "")`` when PID namespaces work here, else ``(False, reason)``. Probed once."""
    global _PROBE
    if _PROBE is None:
        _PROBE = _probe()
    return _PROBE


def _probe() -> tuple[bool, str]:
    if not sys.platform.startswith("linux"):
        return False, f"PID namespaces need Linux (this is {sys.platform})"
    if shutil.which("unshare") is None:
        return False, "`unshare` (util-linux) is not on PATH"
    command = [*unshare_command(), "true"]
    try:
        result = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return False, f"`{' '.join(command)}` failed: {error}"
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        return False, f"`{' '.join(command)}` failed: {why}"
    return True, ""


def children(pid: int) -> list[int]:
    """``pid``'s children, oldest first ([] once it is gone)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as file:
            return [int(word) for word in file.read().split()]
    except OSError:
        return []


def _cmdline(pid: int) -> bytes | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            return file.read()
    except OSError:
        return None


class Namespace:
    """``unshare ... CMD`` started; ``pid1()`` is CMD's host pid once it runs."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        stdin: Any = subprocess.DEVNULL,
        stdout: Any = subprocess.DEVNULL,
        stderr: Any = subprocess.DEVNULL,
        start_new_session: bool = True,  # a terminal's Ctrl-C goes to the test, not to it
        **popen: Any,
    ) -> None:
        self.command = [*unshare_command(), "--", *(os.fspath(word) for word in argv)]
        self.proc: subprocess.Popen[Any] = subprocess.Popen(
            self.command,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            start_new_session=start_new_session,
            **popen,
        )
        self._unshare = _cmdline(self.proc.pid)
        self._pid1: int | None = None

    def pid1(self) -> int | None:
        """Host pid of PID 1 once it has exec'd CMD, else None (a look, no wait): until its
        exec the child unshare forked still has unshare's command line."""
        if self._pid1 is None:
            kids = children(self.proc.pid)
            if kids and _cmdline(kids[0]) not in (None, b"", self._unshare):
                self._pid1 = kids[0]
        return self._pid1

    def wait_pid1(self, timeout: float = 10.0) -> int:
        """Wait until PID 1 runs CMD; RuntimeError if unshare ends first or time runs out."""
        deadline = time.monotonic() + timeout
        delay = 0.001
        while True:
            pid = self.pid1()
            if pid is not None:
                return pid
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.command} exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.command}: PID 1 did not start within {timeout:g} s")
            time.sleep(delay)
            delay = min(delay * 2, 0.02)

    def kill(self, timeout: float = 10.0) -> None:
        """SIGKILL PID 1, which takes the namespace down, and wait for unshare; if PID 1 was
        never seen, kill unshare (--kill-child then kills PID 1)."""
        if self.proc.poll() is not None:
            return
        pid = self.pid1()
        if pid is not None:
            try:
                os.kill(pid, 9)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self.proc.wait(timeout)  # unshare reaps PID 1 and exits
                return
            except subprocess.TimeoutExpired:
                pass
        self.proc.kill()
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass

    def __enter__(self) -> Namespace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()
