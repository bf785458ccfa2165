"""The wait-forward-reap loop, and the shutdown after the child exits.

One loop, one blocking call: ``sigwaitinfo`` on every catchable signal. The
idle init sleeps there and wakes only when a signal or a child's exit arrives:
no timeouts, no polling. SIGCHLD means "reap"; anything else means "forward".
"""

from __future__ import annotations

import _signal
import os
import time

from pyinit import oom
from pyinit.log import DEBUG, ERROR, INFO, WARNING, log
from pyinit.route import DROP, IGNORE, REAP, REST, RUNNING, SHUTDOWN, Route, route, verbatim
from pyinit.signals import SIGCONT, SIGKILL, SIGSTOP, SIGTERM, WAITED, signal_name
from pyinit.spawn import FOREGROUND, NO_TERMINAL, from_self

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
    try:
        if pdeath_signal:
            _prctl(PR_SET_PDEATHSIG, pdeath_signal)
        if os.getpid() != 1:
            _prctl(PR_SET_CHILD_SUBREAPER, 1)
    except OSError as error:
        log(WARNING, "prctl", f"prctl failed ({error}): no subreaper or parent-death signal")


def reap(flags: int = os.WNOHANG) -> Iterator[tuple[int, int]]:
    """Every (pid, status) that can be collected now, without blocking."""
    while True:
        try:
            pid, status = os.waitpid(-1, flags)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, status


class Supervisor:
    """Forwards signals to one child (or its group) and reaps everything."""

    def __init__(self, config: Config, child: int, terminal: str = NO_TERMINAL) -> None:
        self.config = config
        self.child = child
        self.pid = os.getpid()
        self.status: int | None = None  # the child's wait status, once it exits
        self.own_proc: bool | None = None  # is /proc our namespace's? see proc_is_own
        self.signal_child = os.killpg if config.session else os.kill
        # The hot path: signals that route() sends on unchanged with nothing to log. The
        # fewer Python lines between sigwaitinfo and kill, the lower the latency.
        self.verbatim = verbatim(config, log.level, self.pid == 1)
        # A child in the terminal's foreground group of our session can be
        # stopped by Ctrl-Z: watch for that like a shell does (see child_stopped).
        self.wait_flags = os.WNOHANG | (os.WUNTRACED if terminal == FOREGROUND else 0)
        self.oom = oom.Watch()  # the memory cgroup's OOM-kill count, to explain a SIGKILL

    # -- the loop ---------------------------------------------------------
    def run(self) -> int:
        """Supervise until the child exits; shut down; return pyinit's exit code."""
        # The hot path, inlined, with its names bound to locals: see __init__.
        wait, waited = _signal.sigwaitinfo, WAITED
        verbatim, signal_child, child = self.verbatim, self.signal_child, self.child
        while self.status is None:
            info = wait(waited)
            signo = info.si_signo
            if signo in verbatim:
                try:
                    signal_child(child, signo)
                    continue
                except Exception:  # noqa: BLE001 - step() below handles every case
                    pass
            self.step(info, RUNNING)
        log(INFO, "child-exit", f"child {self.child} {describe(self.status)}", status=self.status)
        try:
            self.shutdown()
        except Exception as error:  # noqa: BLE001 - still exit with the child's status
            log(ERROR, "internal-error", f"internal error during shutdown: {error!r}")
        code = exit_code(self.status, self.config.expect)
        log(INFO, "exit", f"exiting with {code}", code=code)
        return code

    def step(self, info: _signal.struct_siginfo, phase: str) -> None:
        """Carry out route()'s decision for one signal. A bug here is logged and
        survived: PID 1 must not die."""
        signo = info.si_signo
        try:
            sender_is_us = from_self(signo, info.si_pid, info.si_code, self.pid)
            decided = route(signo, sender_is_us, self.config, phase, self.pid == 1)
            if decided.kind == REAP and phase == RUNNING:
                self.handle_sigchld()
            elif decided.kind == REAP:
                self.reap_rest()
            elif decided.kind == IGNORE:
                log(DEBUG, "ignore", f"ignoring {signal_name(signo)} from TIOCNOTTY")
            elif decided.kind == DROP:
                log(INFO, "drop", f"dropped {signal_name(signo)}", signal=signal_name(signo))
            else:
                self.carry_out(signo, decided)
        except Exception as error:  # noqa: BLE001 - the supervisor must keep running
            log(ERROR, "internal-error", f"internal error, still supervising: {error!r}")

    def carry_out(self, signo: int, decided: Route) -> None:
        if decided.target == REST:
            self.send_rest(decided.signal)
        else:
            self.send(decided.signal)
        if log.enabled(decided.level):
            what = signal_name(signo)
            if decided.signal != signo:
                what += f" as {signal_name(decided.signal)}"
            whom = "the rest of the group" if decided.target == REST else decided.target
            log(
                decided.level,
                "forward",
                f"forwarded {what} to {whom} {self.child}",
                signal=signal_name(decided.signal),
                received=signal_name(signo),
            )
        if decided.stop_self:
            log(INFO, "stop", "stopping too, so that the shell that started pyinit sees it")
            os.kill(self.pid, SIGSTOP)  # we continue here on fg or bg

    def handle_sigchld(self) -> None:
        for pid, status in reap(self.wait_flags):
            if os.WIFSTOPPED(status):
                if pid == self.child:
                    self.child_stopped()
            elif pid == self.child:
                self.status = status
                oom.report(self.oom, pid, status, main_child=True)
            else:
                level = WARNING if self.config.warn_on_reap else DEBUG
                log(level, "reap", f"reaped orphan {pid} ({describe(status)})", child=pid)
                if self.config.warn_on_reap or log.enabled(INFO):  # -w or -v
                    oom.report(self.oom, pid, status, main_child=False)

    def child_stopped(self) -> None:
        """Ctrl-Z stopped the child, which owns the terminal (spawn.FOREGROUND).

        If a shell started us (our parent is in our session but not our group),
        stop too, so that it sees its job stop; when it continues us with ``fg``,
        give the terminal back to the child, and continue the child. Otherwise
        nobody could resume us (the onefile bootloader's child under ``docker run
        -it``), so continue the child at once: Ctrl-Z does nothing, as for the
        orphaned group the child has in session mode.
        """
        parent = os.getppid()
        if os.getsid(parent) == os.getsid(0) and os.getpgid(parent) != os.getpgrp():
            log(INFO, "stop", "child stopped: stopping too, for the shell that started pyinit")
            os.kill(self.pid, SIGSTOP)  # we continue here on fg or bg
            try:
                if os.tcgetpgrp(0) == os.getpgrp():  # fg: the shell gave us the terminal
                    os.tcsetpgrp(0, self.child)
            except OSError:
                pass
        self.send(SIGCONT)

    def send(self, signo: int) -> None:
        """Send to the child's process group, or to the child alone with -c.

        The child leads its group (spawn gives it a session or a group). A session
        leader cannot leave its group; a child that was only given a group can
        (setpgid), and then the group is empty: send to the child itself.
        """
        try:
            self.signal_child(self.child, signo)
        except ProcessLookupError:
            if self.config.session:
                _kill(self.child, signo)

    # -- shutdown ---------------------------------------------------------
    def shutdown(self) -> None:
        """The child has exited: SIGTERM the rest of its group; with --grace, wait, then KILL.

        Each SIGTERM is followed by SIGCONT: a stopped process keeps it pending.
        """
        self.send_rest(SIGTERM)
        self.send_rest(SIGCONT)
        if self.config.grace is None:
            return
        deadline = time.monotonic() + self.config.grace
        while any_children():
            left = deadline - time.monotonic()
            if left <= 0:
                self.kill_survivors()
                return
            self.shutdown_step(_signal.sigtimedwait(WAITED, left))

    def send_rest(self, signo: int) -> None:
        """After the child's exit: to its group, and with --grace to every orphan too.

        Never to the child's pid: once reaped it may belong to another process. The
        orphans are read from /proc only when it is our namespace's (``proc_is_own``);
        without it, PID 1 reaches them with ``kill(-1)``: everything in the namespace
        but itself, so also processes whose parent still runs (they are next to be
        killed anyway). Not PID 1, only the child's group can be reached.
        """
        if self.config.session:
            try:
                os.killpg(self.child, signo)
            except ProcessLookupError:
                pass
        if self.config.grace is not None:
            if self.proc_is_own():
                for pid in children(self.pid):
                    _kill(pid, signo)
            elif self.pid == 1:
                _kill(-1, signo)

    def proc_is_own(self) -> bool:
        """Is /proc our PID namespace's, so that its pids are ours? Said once if not.

        Checked on the --grace path only, when first needed: it costs two reads of /proc.
        """
        if self.own_proc is None:
            from pyinit.procfs import foreign_proc

            problem = foreign_proc(self.pid)
            self.own_proc = problem is None
            if problem is not None:
                reach = (
                    "kill(-1) reaches them all"
                    if self.pid == 1
                    else "only the child's process group can be signalled"
                )
                log(
                    WARNING,
                    "foreign-proc",
                    f"--grace: {problem}, so survivors cannot be named and {reach}; "
                    "give the container a /proc of its own (unshare --mount-proc)",
                    problem=problem,
                )
        return self.own_proc

    def shutdown_step(self, info: _signal.struct_siginfo | None) -> None:
        if info is not None:
            self.step(info, SHUTDOWN)

    def reap_rest(self) -> None:
        for pid, status in reap():
            log(DEBUG, "reap", f"reaped {pid} ({describe(status)})", child=pid)

    def kill_survivors(self) -> None:
        """SIGKILL every descendant still alive after --grace, naming each once.

        As PID 1 one ``kill(-1, SIGKILL)`` reaches exactly our namespace (never PID 1
        itself) and no pid read from /proc is ever signalled; /proc, if it is ours, only
        names the survivors. Not PID 1, each descendant found in our own /proc is killed
        by pid; with a /proc that is not ours, only the child's group (``send_rest``).
        A process in uninterruptible sleep does not die of SIGKILL until it wakes:
        after KILL_WAIT seconds pyinit gives up on it and exits anyway.
        """
        named: set[int] = set()
        deadline = time.monotonic() + KILL_WAIT
        pid1 = self.pid == 1
        while any_children():
            if self.proc_is_own():
                for pid, name in descendants(self.pid):
                    if pid not in named:
                        named.add(pid)
                        message = survivor_message(pid, name, self.config.grace or 0)
                        log(WARNING, "kill", message, child=pid, name=name)
                        if not pid1:
                            _kill(pid, SIGKILL)
            blind = not (pid1 or self.own_proc)  # a subreaper that cannot find survivors
            if pid1:
                _kill(-1, SIGKILL)
            elif blind:
                self.send_rest(SIGKILL)  # the child's group, if it has one
            left = deadline - time.monotonic()
            if left <= 0 or (blind and not self.config.session):
                gone = f"still not gone {KILL_WAIT:g}s after SIGKILL: exiting anyway"
                if blind:
                    gone = "survivors are left running: without its PID namespace's /proc "
                    gone += "pyinit cannot find them"
                log(ERROR, "kill", gone)
                return
            self.shutdown_step(_signal.sigtimedwait(WAITED, left))


def survivor_message(pid: int, name: str, grace: float) -> str:
    """The kill log line; ``name`` is the process's own choice, so it is escaped."""
    from pyinit.text import printable

    return f"pid {pid} ({printable(name)}) still running after --grace {grace:g}s: sending SIGKILL"


#: Seconds to wait for SIGKILLed survivors (a process in D state dies only when it wakes).
KILL_WAIT = 5.0


def _kill(pid: int, signo: int) -> None:
    try:
        os.kill(pid, signo)
    except OSError:
        pass  # gone, or not ours to signal: nothing more pyinit can do about it


def any_children() -> bool:
    """Is any child left (running, or a zombie not yet reaped)?"""
    try:
        os.waitid(os.P_ALL, 0, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return False
    return True


def children(pid: int) -> list[int]:
    import psutil  # only on the --grace path

    try:
        return [child.pid for child in psutil.Process(pid).children()]
    except psutil.Error:
        return []


def descendants(pid: int) -> list[tuple[int, str]]:
    import psutil  # only on the --grace path

    found = []
    try:
        tree = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    for process in tree:
        try:
            if process.status() != psutil.STATUS_ZOMBIE:
                found.append((process.pid, process.name()))
        except psutil.Error:
            pass
    return found
