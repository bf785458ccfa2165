"""pytest plugin: the ``pid1`` fixture tests graceful shutdown without Docker.

``pid1.run([...])`` starts a command under an init as PID 1 of a new PID namespace
(``unshare --pid --fork --mount-proc``, plus ``--user --map-root-user`` when not root) and
returns a handle::

    def test_server_stops_cleanly(pid1):
        srv = pid1.run(["my-server", "--port", "0"])
        srv.wait_for_output(r"listening on http://\\S+:(\\d+)", timeout=10)
        result = srv.stop("TERM", timeout=10)
        assert result.returncode == 0
        assert result.clean, result  # nothing left alive, no zombies, no timeout

The init is this interpreter's pyinit by default; ``init=`` takes another: a path
(``"dist/pyinit"``, ``"/usr/bin/tini"``) or a command prefix (``["tini", "-g", "--"]``).
When the init is pyinit, its JSON log events come back on a side channel (``--log-file``),
never mixed into the app's output, and name what it had to SIGKILL.

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
from typing import TYPE_CHECKING, Any, Union

import pytest

if TYPE_CHECKING:  # pragma: no cover
    import subprocess

__all__ = [
    "Pid1",
    "Pid1Process",
    "Pid1Timeout",
    "ProcInfo",
    "StopResult",
    "init_command",
    "namespace_support",
    "pid1",
]

_POLL = 0.02  # seconds between looks at the namespace while stopping
_IS_PYINIT: dict[tuple[str, float], bool] = {}

#: ``PYINIT_PID1_TESTS=require`` (or ``pytest --pid1-require``): a missing PID namespace
#: fails the test instead of skipping it, so CI cannot go green having tested nothing.
REQUIRE_VARIABLE = "PYINIT_PID1_TESTS"

InitSpec = Union[None, str, "os.PathLike[str]", Sequence[str]]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("pid1").addoption(
        "--pid1-require",
        action="store_true",
        default=False,
        help=f"fail, not skip, tests using the pid1 fixture where PID namespaces are not "
        f"available (also: {REQUIRE_VARIABLE}=require)",
    )


# --------------------------------------------------------------------------- probing


def unshare_command() -> list[str]:
    """The unshare prefix: a new PID namespace with its own /proc, PID 1 killed with us."""
    from pyinit.namespace import unshare_command  # lazily: see the module's docstring

    return unshare_command()


def namespace_support() -> tuple[bool, str]:
    """``(True, "")`` when PID namespaces work here, else ``(False, reason)``. Probed once."""
    from pyinit.namespace import support

    return support()


# --------------------------------------------------------------------------- inits


def init_command(
    init: InitSpec,
    *,
    is_pyinit: bool,
    init_args: Sequence[str] = (),
    grace: float | None = None,
    log_file: str | None = None,
) -> list[str]:
    """The init's part of the command line, up to the app's argv (a pure decision).

    ``None``: this interpreter's ``python -m pyinit``. A path: that executable; for pyinit
    (the frozen binary) the same options as the module gets. A sequence: a command prefix,
    used exactly as given. pyinit gets ``--grace`` and, with ``log_file``, its JSON log
    there at ``-v`` (the ``spawn`` event names the app); the rest are passed ``init_args``.
    """
    if init is not None and not isinstance(init, (str, os.PathLike)):
        return [os.fspath(word) for word in init]
    base = [sys.executable, "-m", "pyinit"] if init is None else [os.fspath(init)]
    command = [*base, *init_args]
    if is_pyinit:
        if log_file is not None:
            command += ["-v", "--log-format", "json", "--log-file", log_file]
        if grace is not None:
            command += ["--grace", f"{grace:g}"]
    return [*command, "--"]


def _resolve_path(init: str | os.PathLike[str]) -> str:
    """A path or a name on PATH -> an absolute path to an executable, or ValueError."""
    import shutil

    text = os.fspath(init)
    found = os.path.abspath(text) if "/" in text else shutil.which(text)
    if found is None or not os.path.isfile(found) or not os.access(found, os.X_OK):
        where = "not an executable file" if "/" in text else "not found on PATH"
        raise ValueError(f"pid1.run(init={text!r}): {where}")
    return found


def _is_pyinit(path: str) -> bool:
    """Does ``path --version`` say pyinit? (Asked once per file and modification time.)"""
    import subprocess

    key = (path, os.stat(path).st_mtime)
    if key not in _IS_PYINIT:
        try:
            r = subprocess.run(
                [path, "--version"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=30,
            )
            _IS_PYINIT[key] = r.stdout.startswith("pyinit ")
        except (OSError, subprocess.TimeoutExpired):
            _IS_PYINIT[key] = False
    return _IS_PYINIT[key]


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

    ``returncode`` is the init's exit status (the app's, as the init passes it on; negative
    when the init itself was killed, e.g. ``-9`` after a timeout). ``seconds`` runs from the
    signal to the init's exit. ``survivors`` are processes that outlived the app and were
    SIGKILLed: with pyinit, the ones its ``kill`` events name (after ``--grace``); with other
    inits (or pyinit without ``grace``), the ones still alive when the init exited, which the
    kernel kills with PID 1; at a timeout, everything still alive. ``zombies`` are processes
    left as zombies. ``events`` are pyinit's JSON log events (empty for other inits).
    """

    signal: str | None
    returncode: int | None
    seconds: float
    timed_out: bool
    survivors: list[ProcInfo] = field(default_factory=list)
    zombies: list[ProcInfo] = field(default_factory=list)
    output: str = ""
    init: str = "pyinit"
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Stopped in time, nothing left alive, no zombies."""
        return not self.timed_out and not self.survivors and not self.zombies

    def __str__(self) -> str:
        lines = [
            f"stop({self.signal}) under {self.init}: exit {self.returncode} after "
            f"{self.seconds:.2f} s" + (" (TIMED OUT, namespace killed)" if self.timed_out else "")
        ]
        lines += [f"  SIGKILLed:   {p}" for p in self.survivors]
        lines += [f"  zombie:      {p}" for p in self.zombies]
        lines += [
            f"  pyinit {e.get('level')}: {e.get('message')}"
            for e in self.events
            if e.get("level") in ("warning", "error")
        ]
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


def _exiting(pid: int | None) -> bool:
    """Has ``pid`` begun to exit (or gone)? The kernel sets PF_EXITING first thing in
    do_exit, before PID 1's exit kills the rest of its namespace: a look taken while it
    was not yet set saw the namespace whole. (/proc/PID/stat field 9, ``flags``.)"""
    if pid is None:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return True
    return fields[0] in (b"Z", b"X") or bool(int(fields[6]) & 0x4)  # PF_EXITING


class Pid1Process:
    """A command running under an init as PID 1 of its own PID namespace (see ``Pid1.run``)."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        init: InitSpec = None,
        init_args: Sequence[str] = (),
        grace: float | None = 1.0,
        env: dict[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
        start_timeout: float = 10.0,
    ) -> None:
        import subprocess
        import tempfile
        import threading

        from pyinit.namespace import Namespace

        if isinstance(argv, (str, bytes)):
            raise TypeError("pid1.run() takes a list of arguments, not a string")
        if isinstance(init, bytes):
            raise TypeError("pid1.run(init=...) takes a path or a list of arguments")
        self.argv = [os.fspath(a) for a in argv]
        self.grace = grace
        if init is None:
            init, self.is_pyinit, self.init = None, True, "pyinit"
        elif isinstance(init, (str, os.PathLike)):
            init = _resolve_path(init)
            self.is_pyinit = _is_pyinit(init)
            self.init = f"{init} (pyinit)" if self.is_pyinit else init
        else:
            init = [os.fspath(word) for word in init]
            if not init:
                raise ValueError("pid1.run(init=[]): the command prefix is empty")
            self.is_pyinit, self.init = False, " ".join(init)
        #: pyinit's JSON log, a file of its own: never mixed into the app's output
        self.events_path: str | None = None
        if self.is_pyinit:
            fd, self.events_path = tempfile.mkstemp(prefix="pid1-events-", suffix=".jsonl")
            os.close(fd)
        self._events: list[dict[str, Any]] = []
        self._events_read = 0
        self.init_argv = init_command(
            init,
            is_pyinit=self.is_pyinit,
            init_args=init_args,
            grace=grace,
            log_file=self.events_path,
        )
        self._lock = threading.Condition()
        self._chunks: list[tuple[int, bytes]] = []
        self._open_streams = 2
        self._result: StopResult | None = None
        self.started = time.monotonic()
        try:
            self._namespace = Namespace(
                [*self.init_argv, *self.argv],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                cwd=cwd,
            )
        except BaseException:
            if self.events_path is not None:
                os.unlink(self.events_path)
            raise
        self.command = self._namespace.command
        self._popen: subprocess.Popen[bytes] = self._namespace.proc
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
        #: host pid of the init (PID 1 inside the namespace)
        self.pid: int | None = None
        #: host pid of the command (the init's child)
        self.main_pid: int | None = None
        self._init_pids: set[int] = set()
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
        """The command's stderr (another init's messages too; pyinit's are in ``events``)."""
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
                    # unshare closed its pipes as it exited, but may not be reapable yet:
                    # the kernel closes a process's files before it becomes a zombie
                    end = time.monotonic() + 5
                    while self._popen.poll() is None and time.monotonic() < end:
                        time.sleep(0.002)
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

    @property
    def events(self) -> list[dict[str, Any]]:
        """pyinit's JSON log events so far (``spawn``, ``kill``, ``exit``, ...); [] for other
        inits. pyinit writes them to a file of their own, not to the app's output."""
        import json

        if self.events_path is None:
            return []
        try:
            with open(self.events_path, "rb") as f:
                f.seek(self._events_read)
                data = f.read()
        except OSError:
            return list(self._events)
        complete = data[: data.rfind(b"\n") + 1]
        self._events_read += len(complete)
        for line in complete.decode("utf-8", "replace").splitlines():
            try:
                self._events.append(json.loads(line))
            except ValueError:
                self._events.append({"event": "unparsed", "level": "error", "message": line})
        return list(self._events)

    def _wait_started(self, timeout: float) -> None:
        """Wait until the init runs and has started the command: pyinit says so in its
        ``spawn`` event (its signal setup is done by then); another init's first child."""
        import psutil

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._popen.poll() is not None:
                break
            self.pid = self._namespace.pid1()
            try:
                if self.pid is not None and self._find_main():
                    return
            except psutil.Error:
                pass
            time.sleep(0.005)
        if self._popen.poll() is None and (self.pid is None or self.main_pid is None):
            self.kill()
            what = "did not start" if self.pid is None else "did not start the command"
            raise RuntimeError(f"{self.init} {what} within {timeout:g} s: {self.command}")

    def _find_main(self) -> bool:
        import psutil

        init = psutil.Process(self.pid)
        if not self.is_pyinit:
            kids = init.children()
            if not kids:
                return False
            main = min(kids, key=lambda p: p.create_time())
            # Started means exec'd: until then the child is a copy of the init, which may
            # still be setting it up (tini's child makes its process group itself, so a
            # SIGTERM that tini -g sends to that group before is lost: ESRCH, "Child was
            # dead when forwarding signal").
            if main.cmdline() == init.cmdline():
                return False
            self.main_pid = main.pid
            self._init_pids = {init.pid}
            return True
        spawned = [e for e in self.events if e.get("event") == "spawn" and "child" in e]
        if not spawned:
            return False
        nspid = int(spawned[0]["child"])
        for p in init.children(recursive=True):
            if _nspid(p.pid) == nspid:
                self.main_pid = p.pid
                # the init's own processes: PID 1 and, for the single-file pyinit, the
                # bootloader's child in between
                chain, up = {init.pid}, p.ppid()
                while up not in chain and up > 1:
                    chain.add(up)
                    up = psutil.Process(up).ppid()
                self._init_pids = chain
                return True
        return False

    def processes(self) -> list[ProcInfo]:
        """Every process in the namespace except the init's own, zombies included."""
        import psutil

        if self.pid is None:
            return []
        try:
            kids = psutil.Process(self.pid).children(recursive=True)
        except psutil.Error:
            return []
        out: list[ProcInfo] = []
        for p in kids:
            if p.pid in self._init_pids:
                continue
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
        """Send a signal (``"TERM"``, ``"SIGHUP"``, ``15``) to the init, which forwards it."""
        num = _signum(sig)
        if self.pid is None:
            raise RuntimeError(f"{self.init} is not running")
        if self._popen.poll() is not None:
            return  # it has ended: its pid may belong to someone else by now
        try:
            os.kill(self.pid, num)
        except ProcessLookupError:
            pass

    # -- stopping -------------------------------------------------------------

    def stop(self, signal: str | int | None = "TERM", timeout: float = 10.0) -> StopResult:
        """Send ``signal`` to the init and wait up to ``timeout`` s for everything to end.

        On timeout the whole namespace is SIGKILLed. ``signal=None`` only waits.
        Calling ``stop`` again returns the first result.
        """
        if self._result is not None:
            return self._result
        zombie_seen: dict[tuple[int, str], tuple[ProcInfo, float, float]] = {}
        # The first view of each live process, by namespace pid: what pyinit's events name.
        seen: dict[int, ProcInfo] = {}

        def look() -> list[ProcInfo]:
            procs = self.processes()
            now = time.monotonic()
            for p in procs:
                known = seen.get(p.nspid)
                if p.status != "zombie" and (known is None or known.pid != p.pid):
                    seen[p.nspid] = p
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
        # The latest whole view of the namespace while the init still ran.
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
                break  # the init ended while we looked: that view may be torn down
            if not _exiting(self.pid):
                last = procs  # the init ran on after this look: not a torn-down view
            if now >= deadline:
                timed_out = True
                break
        end = time.monotonic()
        survivors: list[ProcInfo] = []
        if timed_out:
            survivors = [p for p in last if p.status != "zombie"]
            self._namespace.kill()
        rc = self._popen.wait()
        if timed_out:
            rc = -9  # we SIGKILLed it (unshare may report that as 1)
        elif self.is_pyinit and self.grace is not None:
            # pyinit names each process it SIGKILLs after --grace: its `kill` events.
            survivors = [
                seen.get(int(e["child"]))
                or ProcInfo(0, int(e["child"]), 0, str(e.get("name", "")), "killed", ())
                for e in self.events
                if e.get("event") == "kill" and "child" in e
            ]
        else:
            # The kernel SIGKILLs what is left of a namespace with its PID 1. Another init
            # says nothing about it: a guess from timing, what was alive in our last look
            # (up to _POLL s before the init's end). Not the command: the init exits after
            # it, and its fate is the returncode. The first view of each names it best (a
            # later one may catch it dying, its cmdline already empty).
            survivors = sorted(
                (
                    seen.get(p.nspid, p)
                    for p in last
                    if p.status != "zombie" and p.pid != self.main_pid
                ),
                key=lambda p: p.pid,
            )
        zombies = [p for p, first, lastseen in zombie_seen.values() if lastseen - first >= 0.1]
        self._join_readers(2.0)
        self._result = StopResult(
            signal=name,
            returncode=rc,
            seconds=round(end - t0, 3),
            timed_out=timed_out,
            survivors=survivors,
            zombies=zombies,
            output=self.output,
            init=self.init,
            events=self.events,
        )
        return self._result

    def wait(self, timeout: float = 10.0) -> StopResult:
        """Wait for the command to end on its own (no signal)."""
        return self.stop(None, timeout)

    def _join_readers(self, timeout: float) -> None:
        for t in self._threads:
            t.join(timeout)

    def kill(self) -> None:
        """SIGKILL everything in the namespace and release the pipes and the events file."""
        self._namespace.kill()
        self._join_readers(5.0)
        if self.events_path is not None:
            self.events  # noqa: B018 - read the last ones before the file goes
            try:
                os.unlink(self.events_path)
            except OSError:
                pass
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
    """The ``pid1`` fixture: starts commands under an init as PID 1 and cleans them up."""

    def __init__(self) -> None:
        self.started: list[Pid1Process] = []

    def run(self, argv: Sequence[str], **options: Any) -> Pid1Process:
        """Start ``argv`` as ``unshare ... INIT -- argv`` and wait until it runs.

        ``init``: ``None`` (this interpreter's ``python -m pyinit``), a path or a name on
        PATH (``"dist/pyinit"``, ``"/usr/bin/tini"``; ``--`` is put between it and argv), or a
        command prefix used as given (``["tini", "-g", "--"]``). A path that says it is
        pyinit (``--version``) is run like the module: with ``grace`` and its JSON events.

        ``grace`` (seconds, default 1; None leaves pyinit's default; pyinit only) is how long
        pyinit waits for the other processes once the command has exited, so that ``stop()``
        can see who outlives it; ``init_args`` are extra options for the init given as None
        or a path (``["-r", "TERM:INT"]``, tini's ``["-g"]``); ``env``, ``cwd``;
        ``start_timeout`` (default 10 s).
        """
        proc = Pid1Process(argv, **options)
        self.started.append(proc)
        return proc

    def close(self) -> None:
        for proc in self.started:
            proc.kill()


def _required(config: pytest.Config) -> bool:
    return bool(config.getoption("--pid1-require", default=False)) or (
        os.environ.get(REQUIRE_VARIABLE, "") == "require"
    )


@pytest.fixture
def pid1(request: pytest.FixtureRequest) -> Iterator[Pid1]:
    """Run commands under an init as PID 1 of a new PID namespace; see ``Pid1.run``.

    Where PID namespaces are not available the test is skipped with the reason, or fails
    with ``--pid1-require`` or ``PYINIT_PID1_TESTS=require``."""
    ok, reason = namespace_support()
    if not ok:
        message = f"pid1: PID namespaces are not available: {reason}"
        if _required(request.config):
            pytest.fail(f"{message} (--pid1-require or {REQUIRE_VARIABLE}=require)")
        pytest.skip(message)
    mgr = Pid1()
    try:
        yield mgr
    finally:
        mgr.close()
