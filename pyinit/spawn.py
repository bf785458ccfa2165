"""Start the child: fork, give it its session and terminal, restore signals, exec.

Like tini's ``spawn``/``restore_signals``: the child gets back exactly the
signal state pyinit was started with, not the one pyinit runs in.
"""

from __future__ import annotations

import _signal
import errno
import os

from pyinit.signals import (
    HANDED_MASK_BLOCKED,
    HANDED_MASK_VARIABLE,
    PYTHON_IGNORED,
    SIGCHLD,
    SIGCONT,
    SIGHUP,
    SIGINT,
    WAITED,
    parse_mask,
)

#: Exit statuses of the shell convention, also used by tini and dumb-init.
EXIT_NOT_FOUND = 127
EXIT_NOT_EXECUTABLE = 126
#: sysexits.h EX_OSERR, "an operating system error ... such as cannot fork, cannot create
#: pipe": the machine or the container ran out of processes, file descriptors or memory.
#: Below 126, so it never reads as "cannot execute" or "killed by a signal".
EXIT_OSERR = 71

#: What an exhausted resource looks like to fork, pipe and exec, in one line each.
EXHAUSTED = {
    errno.EAGAIN: "too many processes; the container's pids limit? (pids.max, ulimit -u)",
    errno.ENOMEM: "out of memory; the container's memory limit?",
    errno.EMFILE: "too many open files in pyinit (ulimit -n, RLIMIT_NOFILE)",
    errno.ENFILE: "too many open files on this machine (sysctl fs.file-max)",
}


class SpawnError(Exception):
    """The command could not be started: ``exit_code`` 127 or 126 for the command itself,
    EXIT_OSERR when the machine ran out of something (``EXHAUSTED``)."""

    def __init__(self, command: str, err: int, step: str = "") -> None:
        if err in EXHAUSTED:
            self.exit_code = EXIT_OSERR
            super().__init__(f"cannot start {command!r}: {step or 'exec'} failed: {EXHAUSTED[err]}")
            return
        self.exit_code = (
            EXIT_NOT_FOUND if err in (errno.ENOENT, errno.ENOTDIR) else EXIT_NOT_EXECUTABLE
        )
        reason = os.strerror(err)
        if err == errno.ENOENT and "/" not in command:
            from pyinit.text import printable  # PATH is the caller's text: one line

            reason = f"not found in PATH={printable(os.environ.get('PATH', os.defpath))}"
        elif err == errno.ENOENT:
            reason = "no such file"
        elif err == errno.EACCES:
            reason = "permission denied (is it executable? chmod +x, and no noexec mount)"
        elif err == errno.ENOEXEC:
            reason = "exec format error (a script without #! line, or a binary for another machine)"
        super().__init__(f"cannot run {command!r}: {reason}")


def take_handed_mask(current: set[int]) -> tuple[set[int] | None, str | None]:
    """The caller's signal mask that our frozen build's bootloader handed down, or None.

    The patched bootloaders exec pyinit with every signal blocked (so that a signal that
    comes early waits for pyinit) and put the caller's mask in _PYINIT_SIGMASK. The
    variable is removed either way, so the workload never sees it; it is trusted only when
    ``current`` (the mask we were started with) blocks all of HANDED_MASK_BLOCKED, as only
    they leave it: a stale copy in some other environment must never block the workload's
    signals. Also
    returns a malformed value (then ignored: ``current`` stays the mask), for the -v log.
    """
    handed = os.environ.pop(HANDED_MASK_VARIABLE, None)
    if handed is None or not HANDED_MASK_BLOCKED <= current:
        return None, None
    mask = parse_mask(handed)
    return mask, (handed if mask is None else None)


def unblock_handed() -> None:
    """For ``pyinit doctor``/``check`` in a frozen build: run with the caller's mask."""
    handed, _ = take_handed_mask(_signal.pthread_sigmask(_signal.SIG_BLOCK, ()))
    if handed is not None:
        _signal.pthread_sigmask(_signal.SIG_SETMASK, handed)


class SignalState:
    """The signal mask and the ignored signals pyinit was started with."""

    __slots__ = ("mask", "ignored", "malformed_handed")

    def __init__(
        self, mask: set[int], ignored: frozenset[int], malformed_handed: str | None = None
    ) -> None:
        self.mask = mask
        self.ignored = ignored
        self.malformed_handed = malformed_handed  # an ignored _PYINIT_SIGMASK, for the -v log

    @classmethod
    def block_all(cls) -> SignalState:
        """Block every catchable signal, and return the state from before.

        Blocked signals stay pending until sigwaitinfo takes them, so nothing
        that arrives before the child exists is lost; and a blocked signal is
        queued even for PID 1, where the kernel drops an unhandled one.
        """
        mask = _signal.pthread_sigmask(_signal.SIG_BLOCK, WAITED)
        handed, malformed = take_handed_mask(mask)
        if handed is not None:  # our frozen build's bootloader: see take_handed_mask
            mask = handed
        ignored = frozenset(
            signo
            for signo in WAITED - PYTHON_IGNORED
            if _signal.getsignal(signo) == _signal.SIG_IGN
        )
        if SIGCHLD in ignored:
            # With SIGCHLD ignored the kernel reaps children itself and sends no
            # SIGCHLD: pyinit would wait forever and lose the exit status.
            _signal.signal(SIGCHLD, _signal.SIG_DFL)
        return cls(mask, ignored, malformed)

    def restore(self) -> None:
        """In the child: undo what CPython and pyinit changed; keep the rest."""
        for signo in PYTHON_IGNORED | {SIGINT, SIGCHLD}:
            # SIGINT: CPython's KeyboardInterrupt handler; SIGCHLD: see block_all
            ignored = signo in self.ignored
            _signal.signal(signo, _signal.SIG_IGN if ignored else _signal.SIG_DFL)
        _signal.pthread_sigmask(_signal.SIG_SETMASK, self.mask)


#: How the child gets the terminal (``plan_terminal``).
NO_TERMINAL = ""  # no terminal on stdin, or not ours: the child gets a new session
NEW_SESSION = "session"  # we led the session and let go: the child leads a new one with it
FOREGROUND = "foreground"  # we are in the foreground but not a leader: the child takes it


def plan_terminal() -> str:
    """Decide how the child gets pyinit's controlling terminal (session mode only).

    A session leader (PID 1 under ``docker run -t``) gives the terminal up with
    TIOCNOTTY so that the child, in a session of its own, can take it. The kernel
    then sends SIGHUP and SIGCONT to the terminal's foreground group, that is to
    pyinit itself; the supervisor drops those (``from_self``) so that they never
    reach the child (dumb-init #136).

    A process in the foreground that does not lead its session (started from a
    shell, or as the child of PyInstaller's onefile bootloader) cannot give the
    terminal away to another session. The child then gets a process group of its
    own in this session and is made the foreground group, as tini does: it owns
    Ctrl-C and job control, and terminal signals no longer reach pyinit, so none
    arrives twice (once from the terminal, once forwarded by a bootloader).
    """
    try:
        if not os.isatty(0):
            return NO_TERMINAL
        if os.getsid(0) == os.getpid():
            import fcntl
            import termios

            fcntl.ioctl(0, termios.TIOCNOTTY)
            return NEW_SESSION
        if os.tcgetpgrp(0) == os.getpgrp():
            return FOREGROUND
    except OSError:
        pass  # not our controlling terminal
    return NO_TERMINAL


def from_self(signo: int, sender: int, code: int, own_pid: int) -> bool:
    """Is this the SIGHUP/SIGCONT the kernel sent on our TIOCNOTTY?

    The kernel sends them as SI_USER (code 0) with the sender set to the process
    that made the call: pyinit. Nobody else can have pyinit's pid, so unlike
    dumb-init's "ignore the next two", a real SIGHUP is never lost.
    """
    return signo in (SIGHUP, SIGCONT) and code == 0 and sender == own_pid


def _exec_child(command: tuple[str, ...], session: bool, terminal: str, state: SignalState) -> None:
    if session and terminal == FOREGROUND:
        os.setpgid(0, 0)
        try:  # SIGTTOU is still blocked here, so a background group may do this
            os.tcsetpgrp(0, os.getpid())
        except OSError:
            pass  # no terminal for the child; it still runs
    elif session:
        os.setsid()
        if terminal == NEW_SESSION:
            import fcntl
            import termios

            try:
                fcntl.ioctl(0, termios.TIOCSCTTY, 0)
            except OSError:
                pass  # no terminal for the child; it still runs
    state.restore()
    os.execvp(command[0], command)


def spawn(command: tuple[str, ...], session: bool, terminal: str, state: SignalState) -> int:
    """Fork and exec ``command``; return its pid, or raise SpawnError.

    A close-on-exec pipe carries the exec error back: EOF means exec succeeded.
    """
    try:
        read_end, write_end = os.pipe()  # both close-on-exec (PEP 446)
    except OSError as error:
        raise SpawnError(command[0], error.errno or errno.EMFILE, "pipe") from None
    try:
        pid = os.fork()
    except OSError as error:
        os.close(read_end)
        os.close(write_end)
        raise SpawnError(command[0], error.errno or errno.EAGAIN, "fork") from None
    if pid == 0:  # the child: never return into pyinit's code
        code = EXIT_NOT_EXECUTABLE
        try:
            os.close(read_end)
            _exec_child(command, session, terminal, state)
        except OSError as error:
            code = error.errno or errno.EINVAL
        except BaseException:
            code = errno.EINVAL
        try:
            os.write(write_end, str(code).encode())
        finally:
            os._exit(EXIT_NOT_EXECUTABLE)
    # Leave the caller's directory at once, before the child can look (dumb-init does
    # this right after fork too): pyinit must not keep it busy, and the child, forked
    # before this line, keeps it as its own working directory.
    try:
        os.chdir("/")
    except OSError:
        pass
    os.close(write_end)
    report = b""
    while chunk := os.read(read_end, 16):
        report += chunk
    os.close(read_end)
    if report:
        os.waitpid(pid, 0)
        raise SpawnError(command[0], int(report) if report.isdigit() else errno.EINVAL)
    return pid
