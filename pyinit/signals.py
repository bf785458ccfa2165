"""Signal names and numbers, and the pure rules of what pyinit forwards.

Nothing here makes a system call, so every rule is unit-testable.

We use the C module ``_signal`` rather than ``signal``: the public module only
adds enum wrappers, and importing ``enum`` costs ~6 ms on every container start.
"""

from __future__ import annotations

import _signal

TYPE_CHECKING = False  # typing costs start-up time; type checkers treat this as True
if TYPE_CHECKING:
    from collections.abc import Iterable

SIGCHLD: int = _signal.SIGCHLD
SIGCONT: int = _signal.SIGCONT
SIGHUP: int = _signal.SIGHUP
SIGINT: int = _signal.SIGINT
SIGKILL: int = _signal.SIGKILL
SIGPIPE: int = _signal.SIGPIPE
SIGSTOP: int = _signal.SIGSTOP
SIGTERM: int = _signal.SIGTERM
SIGTSTP: int = _signal.SIGTSTP
SIGTTIN: int = _signal.SIGTTIN
SIGTTOU: int = _signal.SIGTTOU
SIGXFSZ: int = _signal.SIGXFSZ
SIGRTMIN: int = _signal.SIGRTMIN
SIGRTMAX: int = _signal.SIGRTMAX

#: Every signal number this system can deliver (1-31 and the real-time ones,
#: minus the two glibc keeps for itself).
VALID: frozenset[int] = frozenset(_signal.valid_signals())

#: What pyinit takes from the kernel with sigwaitinfo: everything catchable.
#: KILL and STOP cannot be caught, blocked or waited for.
WAITED: frozenset[int] = VALID - {SIGKILL, SIGSTOP}

#: What pyinit forwards: SIGCHLD is about pyinit's own children, never the app's.
FORWARDED: frozenset[int] = WAITED - {SIGCHLD}

#: The kernel's synchronous signals (SYNCHRONOUS_MASK in kernel/signal.c): a fault raises them
#: in the thread that caused it.
SYNCHRONOUS: frozenset[int] = frozenset(
    {
        _signal.SIGSEGV,
        _signal.SIGBUS,
        _signal.SIGILL,
        _signal.SIGTRAP,
        _signal.SIGFPE,
        _signal.SIGSYS,
    }
)

#: What our patched bootloaders leave blocked when they exec pyinit, and so the test for
#: trusting _PYINIT_SIGMASK (spawn.take_handed_mask; the C patches test the same set): every
#: standard signal but KILL and STOP, which nobody can block, and the synchronous ones, which
#: qemu-user cannot keep blocked for its guest across an exec (tests/test_arm64.py). A caller
#: that blocks all of these on purpose is not a case any init has to serve.
HANDED_MASK_BLOCKED: frozenset[int] = frozenset(range(1, 32)) - {SIGKILL, SIGSTOP} - SYNCHRONOUS

#: Terminal stop signals. For a process group they become SIGSTOP, because the
#: kernel discards TSTP/TTIN/TTOU sent to an orphaned process group, which the
#: child's new session is (dumb-init's rule, see its README "Session behavior").
JOB_CONTROL: frozenset[int] = frozenset({SIGTSTP, SIGTTIN, SIGTTOU})

#: CPython sets these to SIG_IGN before any Python code runs, so their state at
#: start-up cannot be read back; the child gets them at SIG_DFL (as runc, tini
#: and subprocess.Popen(restore_signals=True) all leave them).
PYTHON_IGNORED: frozenset[int] = frozenset({SIGPIPE, SIGXFSZ})

#: Environment variable in which our patched bootloaders hand down the signal mask their
#: caller started them with (packaging/bootloader/README.md): they keep the child that
#: becomes pyinit fully blocked, so pyinit's own mask says nothing about the caller's.
HANDED_MASK_VARIABLE = "_PYINIT_SIGMASK"


def decode_mask(text: str) -> frozenset[int] | None:
    """Every signal (1..64) whose bit is set in a mask written as /proc/PID/status writes
    ``SigBlk``; None if ``text`` is not in that one strict format: 1 to 16 lowercase hex
    digits, bit N-1 for signal N. The one mask decoder: ``_PYINIT_SIGMASK``
    (:func:`parse_mask`) and ``pyinit doctor``'s /proc reader both use it."""
    if not 0 < len(text) <= 16 or text.strip("0123456789abcdef"):
        return None
    bits = int(text, 16)
    return frozenset(signo for signo in range(1, 65) if bits >> (signo - 1) & 1)


def parse_mask(text: str) -> set[int] | None:
    """The signals of a _PYINIT_SIGMASK value; None if ``text`` is malformed.

    The format is :func:`decode_mask`'s. The bootloaders' C parses it by the same rule
    (``_pyi_parse_sigmask`` in packaging/bootloader/pyinit-bootloader.patch); both are
    tested with the vectors in tests/sigmask-vectors.txt. Signals the C library keeps for
    itself (glibc: 32, 33) are not in the result: nobody can block them.
    """
    decoded = decode_mask(text)
    return None if decoded is None else set(decoded & VALID)


def format_mask(signals: Iterable[int], width: int = 0) -> str:
    """The mask text of ``signals`` (the inverse of :func:`decode_mask`), zero-padded to
    ``width`` digits (/proc writes 16)."""
    bits = 0
    for signo in signals:
        if 1 <= signo <= 64:
            bits |= 1 << (signo - 1)
    return f"{bits:0{width}x}"


#: Linux's names for signals 1-31, by number: the kernel's asm-generic numbering, which
#: x86, arm, arm64, riscv, s390 and powerpc use (man 7 signal, "Signal numbering for
#: standard signals"). Our own table, not the running Python's ``signal`` module: 3.9 and
#: 3.10 have no name for 16 (SIGSTKFLT), so a name would depend on which Python runs us.
NAMES: tuple[str, ...] = (
    "",
    "SIGHUP",
    "SIGINT",
    "SIGQUIT",
    "SIGILL",
    "SIGTRAP",
    "SIGABRT",
    "SIGBUS",
    "SIGFPE",
    "SIGKILL",
    "SIGUSR1",
    "SIGSEGV",
    "SIGUSR2",
    "SIGPIPE",
    "SIGALRM",
    "SIGTERM",
    "SIGSTKFLT",
    "SIGCHLD",
    "SIGCONT",
    "SIGSTOP",
    "SIGTSTP",
    "SIGTTIN",
    "SIGTTOU",
    "SIGURG",
    "SIGXCPU",
    "SIGXFSZ",
    "SIGVTALRM",
    "SIGPROF",
    "SIGWINCH",
    "SIGIO",
    "SIGPWR",
    "SIGSYS",
)

#: Other names Linux accepts on input for the same numbers; output uses ``NAMES``.
ALIASES: dict[str, int] = {"SIGIOT": 6, "SIGCLD": 17, "SIGPOLL": 29}

_BY_NAME: dict[str, int] = {name: signo for signo, name in enumerate(NAMES) if name}
_BY_NAME.update(ALIASES)
_BY_NAME.update(SIGRTMIN=SIGRTMIN, SIGRTMAX=SIGRTMAX)
SIGURG: int = _BY_NAME["SIGURG"]
SIGWINCH: int = _BY_NAME["SIGWINCH"]


def signal_name(signo: int) -> str:
    """``15`` -> ``"SIGTERM"``, ``36`` -> ``"SIGRTMIN+2"``, ``0`` -> ``"0 (drop)"``."""
    if signo == 0:
        return "0 (drop)"
    if 0 < signo < len(NAMES):
        return NAMES[signo]
    if SIGRTMIN <= signo <= SIGRTMAX:
        if signo - SIGRTMIN <= SIGRTMAX - signo:
            return f"SIGRTMIN+{signo - SIGRTMIN}" if signo > SIGRTMIN else "SIGRTMIN"
        return f"SIGRTMAX-{SIGRTMAX - signo}" if signo < SIGRTMAX else "SIGRTMAX"
    return f"signal {signo}"


def parse_signal(text: str, *, reserved: bool = False) -> int:
    """A signal by number or name: ``15``, ``TERM``, ``SIGTERM``, ``sigterm``, ``RTMIN+3``.

    Raises ValueError with a message fit for the user. ``0`` is returned as 0;
    callers decide whether it is allowed. The one signal parser; the policy of what a
    caller accepts beyond the signals this system delivers is an argument: ``reserved``
    also takes the numbers the C library keeps for itself (glibc: 32 and 33), also as
    ``SIG33``, which a /proc reader (``pyinit doctor``) meets in other processes' masks.
    """
    if not text.isascii():  # else int() reads "١٥" as 15 and upper() "ſigterm" as SIGTERM
        raise ValueError(f"{text!r} is not a signal name or number: use ASCII, e.g. TERM or 15")
    word = text.strip().upper()
    if reserved and word.startswith("SIG") and word[3:].isdigit():
        word = word[3:]
    if word.isdigit():
        signo = int(word)
        if signo == 0 or signo in VALID or (reserved and 1 <= signo <= SIGRTMAX):
            return signo
        raise ValueError(f"{text!r} is not a signal number on this system (1-{SIGRTMAX})")
    if not word.startswith("SIG"):
        word = "SIG" + word
    for base, sign in (("SIGRTMIN", 1), ("SIGRTMAX", -1)):
        if word.startswith(base) and word != base:
            offset = word[len(base) :].replace(" ", "")
            if offset[:1] in "+-" and offset[1:].isdigit():
                signo = _BY_NAME[base] + int(offset)
                if SIGRTMIN <= signo <= SIGRTMAX and (offset[0] == "+") == (sign > 0):
                    return signo
            raise ValueError(
                f"{text!r} is not a real-time signal ({base}{'+' if sign > 0 else '-'}N)"
            )
    if word in _BY_NAME:
        return _BY_NAME[word]
    raise ValueError(f"{text!r} is not a signal name or number (try TERM, INT, HUP, USR1 or 15)")


def parse_rewrite(text: str) -> tuple[int, int]:
    """``"TERM:INT"`` or ``"15:2"`` -> ``(15, 2)``; ``"TERM:0"`` drops SIGTERM."""
    source, colon, target = text.partition(":")
    if not colon or not source or not target:
        raise ValueError(
            f"rewrite {text!r} is not FROM:TO (e.g. TERM:INT, 15:2, or TERM:0 to drop)"
        )
    signo = parse_signal(source)
    if signo not in FORWARDED:
        raise ValueError(
            f"rewrite {text!r}: {signal_name(signo) if signo else '0'} is never forwarded"
        )
    return signo, parse_signal(target)


def rewrite_table(session: bool, user: dict[int, int]) -> dict[int, int]:
    """The full rewrite table: the job-control defaults of session mode, then the user's."""
    table = dict.fromkeys(JOB_CONTROL, SIGSTOP) if session else {}
    table.update(user)
    return table


def translate(signo: int, table: dict[int, int]) -> int:
    """The signal to send for ``signo``; 0 means drop it."""
    return table.get(signo, signo)
