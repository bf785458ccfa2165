"""pytest plugin: the ``pid1`` fixture tests graceful shutdown without Docker.

``pid1.run([...])`` starts a command under pyinit as PID 1 of a new PID namespace
(``unshare --pid --fork --mount-proc``, plus ``--user --map-root-user`` when not root) and
returns a handle::

    def test_server_stops_cleanly(pid1):
        srv = pid1.run(["my-server", "--port", "0"])
        srv.wait_for_output(r"listening on http://\\S+:(\\d+)", timeout=10)
        result = srv.stop("TERM", timeout=10)
        assert result.returncode == 0
        assert result.clean, result  # nothing left alive, no zombies, no timeout

pytest loads this module in every run of anyone who installs pyinit, so it imports
nothing heavy at module level (psutil and subprocess are imported when a test uses it).
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:  # pragma: no cover
    import subprocess

__all__ = ["Pid1", "Pid1Process", "ProcInfo", "StopResult", "namespace_support", "pid1"]

_POLL = 0.02  # seconds between looks at the namespace while stopping
_PROBE: tuple[bool, str] | None = None


# --------------------------------------------------------------------------- probing


def unshare_command() -> list[str]:
    """The unshare prefix: a new PID namespace with its own /proc, PID 1 killed with us."""
    cmd = ["unshare"]
    if os.geteuid() != 0:
        cmd += ["--user", "--map-root-user"]
    return cmd + ["--pid", "--fork", "--mount-proc", "--kill-child"]


def namespace_support() -> tuple[bool, str]:
    """``(True, "")`` when PID namespaces work here, else ``(False, reason)``. Probed once."""
    global _PROBE
    if _PROBE is None:
        _PROBE = _probe()
    return _PROBE


def _probe() -> tuple[bool, str]:
    import shutil
    import subprocess

    if not sys.platform.startswith("linux"):
        return False, f"PID namespaces need Linux (this is {sys.platform})"
    if shutil.which("unshare") is None:
        return False, "`unshare` (util-linux) is not on PATH"
    cmd = [*unshare_command(), "true"]
    try:
        r = subprocess.run(
            cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=15
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, f"`{' '.join(cmd)}` failed: {e}"
    if r.returncode != 0:
        why = (r.stderr.strip().splitlines() or [f"exit status {r.returncode}"])[-1]
        return False, f"`{' '.join(cmd)}` failed: {why}"
    return True, ""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ProcInfo:
    """A process of the namespace, as seen from the test (``pid`` is the host pid)."""

    pid: int
    nspid: int
    ppid: int
    name: str
    status: str
    cmdline: tuple[str, ...]

    def __str__(self) -> str:
        cmd = " ".join(self.cmdline) or f"[{self.name}]"
        return f"pid {self.pid} (ns {self.nspid}, {self.status}): {cmd}"


@dataclass(repr=False)
class StopResult:
    """What ``stop()`` saw.

    ``returncode`` is pyinit's exit status (the app's, as pyinit passes it on; negative when
    pyinit itself was killed, e.g. ``-9`` after a timeout). ``seconds`` runs from the signal
    to pyinit's exit. ``survivors`` are processes still alive when the app had gone and
    pyinit gave up on them (or at the timeout); ``zombies`` are processes left as zombies.
    """

    signal: str | None
    returncode: int | None
    seconds: float
    timed_out: bool
    survivors: list[ProcInfo] = field(default_factory=list)
    zombies: list[ProcInfo] = field(default_factory=list)
    output: str = ""

    @property
    def clean(self) -> bool:
        """Stopped in time, nothing left alive, no zombies."""
        return not self.timed_out and not self.survivors and not self.zombies

    def __str__(self) -> str:
        lines = [
            f"stop({self.signal}): exit {self.returncode} after {self.seconds:.2f} s"
            + (" (TIMED OUT, namespace killed)" if self.timed_out else "")
        ]
        lines += [f"  still alive: {p}" for p in self.survivors]
        lines += [f"  zombie:      {p}" for p in self.zombies]
        tail = self.output[-2000:]
        if tail:
            lines.append("  output (last 2000 chars):")
            lines += [f"    | {ln}" for ln in tail.splitlines()]
        return "\n".join(lines)

    # `assert result.clean, result` shows this in pytest's failure report.
    __repr__ = __str__


class Pid1Timeout(AssertionError):
    """``wait_for_output`` did not see its pattern in time."""


# --------------------------------------------------------------------------- handle


def _signum(sig: str | int) -> int:
    from pyinit.signals import parse_signal  # lazily: the plugin loads in every pytest run

    return sig if isinstance(sig, int) else parse_signal(sig)


def _nspid(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("NSpid:"):
                    return int(line.split()[-1])
    except (OSError, ValueError):
        pass
    return pid


class Pid1Process:
    """A command running under pyinit as PID 1 of its own PID namespace (see ``Pid1.run``)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        init_args: Sequence[str] = (),
        grace: float | None = 1.0,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        start_timeout: float = 10.0,
    ) -> None:
        import subprocess
        import threading

        if isinstance(argv, (str, bytes)):
            raise TypeError("pid1.run() takes a list of arguments, not a string")
        self.argv = [os.fspath(a) for a in argv]
        self.grace = grace
        init = [sys.executable, "-m", "pyinit", *init_args]
        if grace is not None:
            init += ["--grace", f"{grace:g}"]
        self.command = [*unshare_command(), "--", *init, "--", *self.argv]
        self._lock = threading.Condition()
        self._chunks: list[tuple[int, bytes]] = []
        self._open_streams = 2
        self._result: StopResult | None = None
        self.started = time.monotonic()
        self._popen: subprocess.Popen[bytes] = subprocess.Popen(
            self.command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            cwd=cwd,
            start_new_session=True,  # keep the terminal's Ctrl-C away from it
        )
        self._threads: list[threading.Thread] = []
        for idx, stream in ((1, self._popen.stdout), (2, self._popen.stderr)):
            assert stream is not None
            t = threading.Thread(
                target=self._pump, args=(idx, stream.fileno()), daemon=True, name="pid1-reader"
            )
            t.start()
            self._threads.append(t)
        #: host pid of the unshare process
        self.unshare_pid = self._popen.pid
        #: host pid of pyinit (PID 1 inside the namespace)
        self.pid: int | None = None
        #: host pid of the command (pyinit's child)
        self.main_pid: int | None = None
        self._wait_started(start_timeout)

    # -- output ---------------------------------------------------------------

    def _pump(self, idx: int, fd: int) -> None:
        while True:
            try:
                data = os.read(fd, 65536)
            except OSError:
                data = b""
            with self._lock:
                if not data:
                    self._open_streams -= 1
                    self._lock.notify_all()
                    return
                self._chunks.append((idx, data))
                self._lock.notify_all()

    def _text(self, which: int = 0) -> str:
        with self._lock:
            raw = b"".join(d for i, d in self._chunks if which in (0, i))
        return raw.decode("utf-8", errors="replace")

    @property
    def output(self) -> str:
        """stdout and stderr so far, interleaved in the order they arrived."""
        return self._text(0)

    @property
    def stdout(self) -> str:
        return self._text(1)

    @property
    def stderr(self) -> str:
        """The command's stderr and pyinit's ``[pyinit]`` log lines."""
        return self._text(2)

    def wait_for_output(
        self, pattern: str | re.Pattern[str], timeout: float = 10.0
    ) -> re.Match[str]:
        """Wait until stdout+stderr matches ``pattern`` (searched from the start, multiline).

        Raises ``Pid1Timeout`` (an AssertionError) with the output so far when the deadline
        passes or the process ends first.
        """
        rx = re.compile(pattern, re.MULTILINE) if isinstance(pattern, str) else pattern
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                text = self.output  # (the lock is re-entrant)
                m = rx.search(text)
                if m:
                    return m
                if self._open_streams == 0:
                    self._popen.poll()
                    raise Pid1Timeout(
                        f"process ended (exit {self._popen.returncode}) before its output "
                        f"matched {rx.pattern!r}; output:\n{text[-4000:]}"
                    )
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Pid1Timeout(
                        f"no output matched {rx.pattern!r} within {timeout:g} s; "
                        f"output:\n{text[-4000:]}"
                    )
                self._lock.wait(min(left, 0.5))

    # -- processes ------------------------------------------------------------

    def _wait_started(self, timeout: float) -> None:
        """Wait until pyinit runs and has started the command (its signal setup is done)."""
        import psutil

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._popen.poll() is not None:
                break
            try:
                kids = psutil.Process(self.unshare_pid).children()
                if kids:
                    init = kids[0]
                    if self.pid is None and "pyinit" in " ".join(init.cmdline()):
                        self.pid = init.pid
                    if self.pid is not None:
                        grand = init.children()
                        if grand:
                            self.main_pid = min(grand, key=lambda p: p.create_time()).pid
                            return
            except psutil.Error:
                pass
            time.sleep(0.005)
        if self._popen.returncode is None and self.pid is None:
            self.kill()
            raise RuntimeError(f"pyinit did not start within {timeout:g} s: {self.command}")

    def processes(self) -> list[ProcInfo]:
        """Every process in the namespace except pyinit itself, zombies included."""
        import psutil

        if self.pid is None:
            return []
        try:
            kids = psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            return []
        out: list[ProcInfo] = []
        for p in kids:
            try:
                with p.oneshot():
                    status, name, ppid = p.status(), p.name(), p.ppid()
                    try:
                        cmdline = tuple(p.cmdline())
                    except psutil.ZombieProcess:
                        cmdline = ()
                out.append(ProcInfo(p.pid, _nspid(p.pid), ppid, name, status, cmdline))
            except psutil.Error:
                continue
        return out

    @property
    def returncode(self) -> int | None:
        return self._popen.poll()

    def signal(self, sig: str | int = "TERM") -> None:
        """Send a signal (``"TERM"``, ``"SIGHUP"``, ``15``) to pyinit, which forwards it."""
        num = _signum(sig)
        if self.pid is None:
            raise RuntimeError("pyinit is not running")
        if self._popen.poll() is not None:
            return  # it has ended: its pid may belong to someone else by now
        try:
            os.kill(self.pid, num)
        except ProcessLookupError:
            pass

    # -- stopping -------------------------------------------------------------

    def stop(self, signal: str | int | None = "TERM", timeout: float = 10.0) -> StopResult:
        """Send ``signal`` to pyinit and wait up to ``timeout`` s for everything to end.

        On timeout the whole namespace is SIGKILLed. ``signal=None`` only waits.
        Calling ``stop`` again returns the first result.
        """
        if self._result is not None:
            return self._result
        zombie_seen: dict[tuple[int, str], tuple[ProcInfo, float, float]] = {}

        def look() -> list[ProcInfo]:
            procs = self.processes()
            now = time.monotonic()
            for p in procs:
                if p.status == "zombie":
                    key = (p.pid, p.name)
                    first = zombie_seen.get(key, (p, now, now))[1]
                    zombie_seen[key] = (p, first, now)
            return procs

        before = look()
        if any(p.status == "zombie" for p in before):
            # Is it a zombie someone is about to reap, or one left behind? Watch briefly.
            end = time.monotonic() + 0.15
            while time.monotonic() < end and any(p.status == "zombie" for p in look()):
                time.sleep(_POLL)
        from pyinit.signals import signal_name

        name = None if signal is None else signal_name(_signum(signal))
        t0 = time.monotonic()
        if signal is not None and self.pid is not None:
            self.signal(signal)
        deadline = t0 + timeout
        main_gone_at: float | None = None
        # Processes seen alive after the command had gone, with the last time seen alive.
        after_main: dict[int, tuple[ProcInfo, float]] = {}
        last: list[ProcInfo] = before
        timed_out = False
        import subprocess

        while True:
            try:
                self._popen.wait(timeout=_POLL)
                break
            except subprocess.TimeoutExpired:
                pass
            now = time.monotonic()
            procs = look()
            if self._popen.poll() is not None:
                break  # pyinit ended while we looked: that view may be torn down
            last = procs
            main_alive = any(p.pid == self.main_pid and p.status != "zombie" for p in procs)
            if not main_alive:
                if main_gone_at is None:
                    main_gone_at = now
                for p in procs:
                    if p.status != "zombie" and p.pid != self.main_pid:
                        # keep the first view: a later one may catch it dying from our SIGKILL,
                        # its cmdline already empty but not yet a zombie
                        first = after_main.get(p.pid)
                        after_main[p.pid] = (first[0] if first else p, now)
            if now >= deadline:
                timed_out = True
                break
        end = time.monotonic()
        survivors: list[ProcInfo] = []
        if timed_out:
            survivors = [p for p in last if p.status != "zombie"]
            self._kill_namespace()
        elif main_gone_at is not None and after_main:
            waited = end - main_gone_at
            # With --grace G, pyinit waits up to G s for the rest: if it took (about) all of
            # it, the processes it was waiting for were SIGKILLed at the end.
            # Survivors: still alive (not yet a zombie) until just before pyinit's end.
            if self.grace is None or waited >= self.grace * 0.9:
                margin = max(0.1, 5 * _POLL)
                survivors = sorted(
                    (p for p, seen in after_main.values() if seen >= end - margin),
                    key=lambda p: p.pid,
                )
        zombies = [p for p, first, lastseen in zombie_seen.values() if lastseen - first >= 0.1]
        rc = self._popen.wait()
        if timed_out:
            rc = -9  # we SIGKILLed it (unshare may report that as 1)
        self._join_readers(2.0)
        self._result = StopResult(
            signal=name,
            returncode=rc,
            seconds=round(end - t0, 3),
            timed_out=timed_out,
            survivors=survivors,
            zombies=zombies,
            output=self.output,
        )
        return self._result

    def wait(self, timeout: float = 10.0) -> StopResult:
        """Wait for the command to end on its own (no signal)."""
        return self.stop(None, timeout)

    def _kill_namespace(self) -> None:
        """SIGKILL PID 1 (the kernel then kills the whole namespace), then unshare if need be."""
        import subprocess

        if self.pid is not None:
            try:
                os.kill(self.pid, 9)  # SIGKILL
            except (ProcessLookupError, PermissionError):
                pass
            try:
                self._popen.wait(timeout=5)  # unshare reaps PID 1 and exits
                return
            except subprocess.TimeoutExpired:
                pass
        self._popen.kill()  # --kill-child: PID 1 gets SIGKILL when unshare dies
        try:
            self._popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def _join_readers(self, timeout: float) -> None:
        for t in self._threads:
            t.join(timeout)

    def kill(self) -> None:
        """SIGKILL everything in the namespace and release the pipes."""
        if self._popen.poll() is None:
            self._kill_namespace()
        self._join_readers(5.0)
        for stream in (self._popen.stdout, self._popen.stderr):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass

    def __enter__(self) -> Pid1Process:
        return self

    def __exit__(self, *exc: object) -> None:
        self.kill()


class Pid1:
    """The ``pid1`` fixture: starts commands under pyinit as PID 1 and cleans them up."""

    def __init__(self) -> None:
        self.started: list[Pid1Process] = []

    def run(self, argv: Sequence[str], **options: Any) -> Pid1Process:
        """Start ``argv`` as ``unshare ... python -m pyinit [init_args] --grace G -- argv``.

        Options: ``grace`` (seconds, default 1; None leaves pyinit's default) is how long
        pyinit waits for the other processes once the command has exited, so that ``stop()``
        can see who outlives it; ``init_args`` are extra pyinit options (``["-r",
        "TERM:INT"]``); ``env``, ``cwd``; ``start_timeout`` (default 10 s).
        """
        proc = Pid1Process(argv, **options)
        self.started.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.started:
            proc.kill()


@pytest.fixture
def pid1() -> Iterator[Pid1]:
    """Run commands under pyinit as PID 1 of a new PID namespace; see ``Pid1.run``."""
    ok, reason = namespace_support()
    if not ok:
        pytest.skip(f"pid1: PID namespaces are not available: {reason}")
    mgr = Pid1()
    try:
        yield mgr
    finally:
        mgr.close()
