"""The wait-forward-reap loop, and the shutdown after the child exits.

One loop, one blocking call: ``sigwaitinfo`` on every catchable signal. The
idle init sleeps there and wakes only when a signal or a child's exit arrives:
no timeouts, no polling. SIGCHLD means "reap"; anything else means "forward".
"""

from __future__ import annotations

import _signal
import os
import time

from pyinit.log import DEBUG, ERROR, INFO, WARNING, log
from pyinit.signals import (
    FORWARDED,
    JOB_CONTROL,
    SIGCHLD,
    SIGCONT,
    SIGHUP,
    SIGKILL,
    SIGSTOP,
    SIGTERM,
    WAITED,
    signal_name,
    translate,
)
from pyinit.spawn import from_self

TYPE_CHECKING = False  # typing costs start-up time; type checkers treat this as True
if TYPE_CHECKING:
    from collections.abc import Iterator

    from pyinit.cli import Config

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def exit_code(status: int, expect: frozenset[int]) -> int:
    """The exit code for the child's wait status: its code, or 128+N for signal N."""
    code = os.waitstatus_to_exitcode(status)
    if code < 0:
        code = 128 - code
    return 0 if code in expect else code


def describe(status: int) -> str:
    code = os.waitstatus_to_exitcode(status)
    return f"exited with {code}" if code >= 0 else f"was killed by {signal_name(-code)}"


def _prctl(option: int, value: int) -> None:
    # ctypes costs ~4 ms of start-up, its C core _ctypes under 1 ms: call prctl
    # through the core, and fall back to ctypes (which also reports errno).
    try:
        import _ctypes

        prctl = _ctypes.dlsym(_ctypes.dlopen(None, os.RTLD_NOW), "prctl")
        if _ctypes.call_function(prctl, (option, value, 0, 0, 0)) == 0:
            return
    except (ImportError, AttributeError, OSError):
        pass
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(option, value, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()))


def become_subreaper(pdeath_signal: int) -> None:
    """Make orphans come to pyinit even when it is not PID 1 (unlike tini, always).

    PID 1 gets every orphan of its namespace from the kernel. Anywhere else
    (``docker run --init``-style wrappers, PyInstaller's bootloader, a shell)
    orphans would go to some other reaper and the group would escape us.
    """
    if pdeath_signal:
        _prctl(PR_SET_PDEATHSIG, pdeath_signal)
    if os.getpid() != 1:
        try:
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
        except OSError as error:
            log(
                WARNING,
                "subreaper",
                f"cannot become a child subreaper ({error}); orphans will "
                "go to the namespace's PID 1 instead",
            )


def reap() -> Iterator[tuple[int, int]]:
    """Every (pid, status) that can be collected now, without blocking."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status


class Supervisor:
    """Forwards signals to one child (or its group) and reaps everything."""

    def __init__(self, config: Config, child: int) -> None:
        self.config = config
        self.child = child
        self.pid = os.getpid()
        self.status: int | None = None  # the child's wait status, once it exits
        self.signal_child = os.killpg if config.session else os.kill
        # The hot path: signals sent on as they are, with nothing to log and no
        # rule of their own (rewrites, job control, the TIOCNOTTY HUP/CONT). The
        # fewer Python lines between sigwaitinfo and kill, the lower the latency.
        self.verbatim = frozenset()
        if not log.enabled(INFO):
            self.verbatim = FORWARDED - {SIGHUP, SIGCONT} - config.rewrites.keys()

    # -- the loop ---------------------------------------------------------
    def run(self) -> int:
        """Supervise until the child exits; shut down; return pyinit's exit code."""
        while self.status is None:
            self.step(_signal.sigwaitinfo(WAITED))
        try:
            self.shutdown()
        except Exception as error:  # noqa: BLE001 - still exit with the child's status
            log(ERROR, "internal-error", f"internal error during shutdown: {error!r}")
        log(INFO, "child-exit", f"child {self.child} {describe(self.status)}", status=self.status)
        code = exit_code(self.status, self.config.expect)
        log(INFO, "exit", f"exiting with {code}", code=code)
        return code

    def step(self, info: _signal.struct_siginfo) -> None:
        """Handle one signal. A bug here is logged and survived: PID 1 must not die."""
        signo = info.si_signo
        try:
            if signo in self.verbatim:
                self.signal_child(self.child, signo)
            elif signo == SIGCHLD:
                self.handle_sigchld()
            elif from_self(signo, info.si_pid, info.si_code, self.pid):
                log(DEBUG, "ignore", f"ignoring {signal_name(signo)} from TIOCNOTTY")
            else:
                self.forward(signo)
        except ProcessLookupError:
            pass  # the child is gone; its SIGCHLD is on the way
        except Exception as error:  # noqa: BLE001 - the supervisor must keep running
            log(ERROR, "internal-error", f"internal error, still supervising: {error!r}")

    def handle_sigchld(self) -> None:
        for pid, status in reap():
            if pid == self.child:
                self.status = status
            else:
                level = WARNING if self.config.warn_on_reap else DEBUG
                log(level, "reap", f"reaped orphan {pid} ({describe(status)})", child=pid)

    def forward(self, signo: int) -> None:
        target = translate(signo, self.config.rewrites)
        if target == 0:
            log(INFO, "drop", f"dropped {signal_name(signo)}", signal=signal_name(signo))
            return
        self.send(target)
        if log.enabled(INFO):
            what = signal_name(signo)
            if target != signo:
                what += f" as {signal_name(target)}"
            scope = "group" if self.config.session else "child"
            log(
                INFO,
                "forward",
                f"forwarded {what} to {scope} {self.child}",
                signal=signal_name(target),
                received=signal_name(signo),
            )
        if self.config.session and signo in JOB_CONTROL:
            # dumb-init's Ctrl-Z rule: the group is stopped, now stop ourselves so
            # a shell that started us sees the job stop. A no-op as PID 1.
            os.kill(self.pid, SIGSTOP)

    def send(self, signo: int) -> None:
        """Send to the child's process group, or to the child alone with -c.

        In session mode the child leads its group (setsid or setpgid in spawn), and
        a group leader can neither setsid nor start another group, so the group
        signal always reaches it. With -c it may move, and is signalled by pid.
        """
        try:
            self.signal_child(self.child, signo)
        except ProcessLookupError:
            pass  # already gone; its SIGCHLD is on the way

    # -- shutdown ---------------------------------------------------------
    def shutdown(self) -> None:
        """The child has exited: SIGTERM the rest of its group; with --grace, wait, then KILL."""
        if self.config.session:
            try:
                os.killpg(self.child, SIGTERM)
            except ProcessLookupError:
                pass
        if self.config.grace is None:
            return
        for pid in children(self.pid):
            _kill(pid, SIGTERM)  # orphans re-parented to us, outside the group
        deadline = time.monotonic() + self.config.grace
        while any_children():
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill_survivors()
                return
            info = _signal.sigtimedwait(WAITED, left)
            if info is not None and info.si_signo == SIGCHLD:
                self.handle_sigchld()
            elif info is not None:
                self.step(info)

    def kill_survivors(self) -> None:
        """SIGKILL every descendant still alive after --grace, naming each."""
        while True:
            for pid, name in descendants(self.pid):
                log(
                    WARNING,
                    "kill",
                    f"pid {pid} ({name}) still running after --grace "
                    f"{self.config.grace:g}s: sending SIGKILL",
                    child=pid,
                    name=name,
                )
                _kill(pid, SIGKILL)
            try:
                pid, status = os.waitpid(-1, 0)
            except ChildProcessError:
                return
            log(DEBUG, "reap", f"reaped {pid} ({describe(status)})", child=pid)


def _kill(pid: int, signo: int) -> None:
    try:
        os.kill(pid, signo)
    except ProcessLookupError:
        pass


def any_children() -> bool:
    """Is any child left (running, or a zombie not yet reaped)?"""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def children(pid: int) -> list[int]:
    import psutil  # only on the --grace path

    return [child.pid for child in psutil.Process(pid).children()]


def descendants(pid: int) -> list[tuple[int, str]]:
    import psutil  # only on the --grace path

    found = []
    for process in psutil.Process(pid).children(recursive=True):
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                found.append((process.pid, process.name()))
        except psutil.NoSuchProcess:
            pass
    return found
