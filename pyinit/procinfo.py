"""Decode the signal masks of ``/proc/PID/status`` (pure functions, no I/O).

``/proc/PID/status`` shows five 64-bit masks as hex: ``SigPnd`` (pending for the thread),
``ShdPnd`` (pending for the whole process), ``SigBlk`` (blocked), ``SigIgn`` (ignored) and
``SigCgt`` (caught: a handler is installed). Bit ``n - 1`` stands for signal ``n``, so
``SigCgt: 0000000000004002`` means SIGINT (2) and SIGTERM (15) have handlers.
"""

from __future__ import annotations

import signal as _signal

MASK_FIELDS = ("SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")

#: Highest signal number on Linux.
NSIG_MAX = 64

# The names below are the generic Linux numbering (x86, arm, arm64, riscv, s390, powerpc).
# On other architectures the table is corrected from the ``signal`` module at import.
_GENERIC = {
    1: "SIGHUP",
    2: "SIGINT",
    3: "SIGQUIT",
    4: "SIGILL",
    5: "SIGTRAP",
    6: "SIGABRT",
    7: "SIGBUS",
    8: "SIGFPE",
    9: "SIGKILL",
    10: "SIGUSR1",
    11: "SIGSEGV",
    12: "SIGUSR2",
    13: "SIGPIPE",
    14: "SIGALRM",
    15: "SIGTERM",
    16: "SIGSTKFLT",
    17: "SIGCHLD",
    18: "SIGCONT",
    19: "SIGSTOP",
    20: "SIGTSTP",
    21: "SIGTTIN",
    22: "SIGTTOU",
    23: "SIGURG",
    24: "SIGXCPU",
    25: "SIGXFSZ",
    26: "SIGVTALRM",
    27: "SIGPROF",
    28: "SIGWINCH",
    29: "SIGIO",
    30: "SIGPWR",
    31: "SIGSYS",
}

# Aliases accepted when parsing a name.
_ALIASES = {"SIGPOLL": "SIGIO", "SIGIOT": "SIGABRT", "SIGCLD": "SIGCHLD"}


def _build_table() -> dict[int, str]:
    if int(_signal.SIGUSR1) == 10 and int(_signal.SIGCHLD) == 17:
        table = dict(_GENERIC)
    else:  # mips, sparc, alpha, parisc: trust the C library's numbering
        table = {}
        for sig in _signal.Signals:
            if 0 < sig.value < 32 and not sig.name.startswith("SIGRT"):
                table.setdefault(sig.value, sig.name)
    rtmin = int(getattr(_signal, "SIGRTMIN", 34))
    rtmax = int(getattr(_signal, "SIGRTMAX", 64))
    for num in range(32, NSIG_MAX + 1):
        if num < rtmin:
            # glibc keeps 32 and 33 for its threads; they have no name of their own.
            table[num] = f"SIG{num}"
        elif num == rtmin:
            table[num] = "SIGRTMIN"
        elif num == rtmax:
            table[num] = "SIGRTMAX"
        else:
            table[num] = f"SIGRTMIN+{num - rtmin}"
    return table


SIGNAL_NAMES: dict[int, str] = _build_table()
_BY_NAME: dict[str, int] = {name: num for num, name in SIGNAL_NAMES.items()}
_RTMIN = next(num for num, name in SIGNAL_NAMES.items() if name == "SIGRTMIN")
_RTMAX = next(num for num, name in SIGNAL_NAMES.items() if name == "SIGRTMAX")


def signal_name(num: int) -> str:
    """``15`` -> ``"SIGTERM"``; unknown numbers become ``"SIG<n>"``."""
    return SIGNAL_NAMES.get(num, f"SIG{num}")


def signal_number(text: str) -> int:
    """Parse ``"TERM"``, ``"SIGTERM"``, ``"sigterm"``, ``"15"``, ``"RTMIN+3"`` or ``"SIGRTMAX-1"``.

    Raises ``ValueError`` with a one-line message for anything else.
    """
    raw = text.strip()
    if not raw:
        raise ValueError("empty signal name")
    if raw.isdigit():
        num = int(raw)
        if 1 <= num <= NSIG_MAX:
            return num
        raise ValueError(f"signal number out of range 1-{NSIG_MAX}: {raw}")
    name = raw.upper()
    if not name.startswith("SIG"):
        name = "SIG" + name
    name = _ALIASES.get(name, name)
    if name in _BY_NAME:
        return _BY_NAME[name]
    for base, num in (("SIGRTMIN", _RTMIN), ("SIGRTMAX", _RTMAX)):
        for sign in ("+", "-"):
            prefix = base + sign
            if name.startswith(prefix) and name[len(prefix) :].isdigit():
                off = int(name[len(prefix) :])
                value = num + off if sign == "+" else num - off
                if _RTMIN <= value <= _RTMAX:
                    return value
                raise ValueError(f"real-time signal out of range: {raw}")
    raise ValueError(f"unknown signal: {raw}")


def parse_mask(hexmask: str) -> frozenset[int]:
    """Decode a hex mask from /proc (``"0000000000004002"``) into signal numbers ``{2, 15}``."""
    text = hexmask.strip()
    if not text:
        raise ValueError("empty signal mask")
    try:
        value = int(text, 16)
    except ValueError:
        raise ValueError(f"not a hex signal mask: {hexmask!r}") from None
    if value < 0:
        raise ValueError(f"not a hex signal mask: {hexmask!r}")
    out = set()
    bit = 1
    while value:
        if value & 1:
            out.add(bit)
        value >>= 1
        bit += 1
    return frozenset(out)


def mask_names(hexmask: str) -> list[str]:
    """Decode a hex mask into signal names, lowest number first."""
    return [signal_name(n) for n in sorted(parse_mask(hexmask))]


def parse_status(text: str) -> dict[str, str]:
    """Parse the ``Key:\\tvalue`` lines of /proc/PID/status into a dict (values stripped)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def decode_masks(status: dict[str, str]) -> dict[str, list[str]]:
    """``{"SigCgt": ["SIGINT", "SIGTERM"], ...}`` for each mask field present in ``status``."""
    return {f: mask_names(status[f]) for f in MASK_FIELDS if f in status}


def disposition(status: dict[str, str], signum: int) -> str:
    """``"caught"``, ``"ignored"`` or ``"default"`` for ``signum`` (blocking is separate)."""
    if signum in parse_mask(status.get("SigCgt", "0")):
        return "caught"
    if signum in parse_mask(status.get("SigIgn", "0")):
        return "ignored"
    return "default"


def is_blocked(status: dict[str, str], signum: int) -> bool:
    return signum in parse_mask(status.get("SigBlk", "0"))


def is_pending(status: dict[str, str], signum: int) -> bool:
    return signum in parse_mask(status.get("SigPnd", "0")) | parse_mask(status.get("ShdPnd", "0"))


def signal_state(status: dict[str, str], signum: int) -> str:
    """One word for the report: ``caught``, ``ignored``, ``blocked`` or ``default``.

    ``blocked`` wins over ``default`` (the signal is queued until the process takes it,
    which is how an init that waits with sigwaitinfo/signalfd works); a caught or
    ignored signal keeps that word even when it is also blocked.
    """
    disp = disposition(status, signum)
    if disp == "default" and is_blocked(status, signum):
        return "blocked"
    return disp


def _fatal_default(signum: int) -> bool:
    """Does the default action end the process (terminate or core dump)?"""
    name = signal_name(signum)
    return name not in ("SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG",
                        "SIGWINCH")  # fmt: skip


def meaning(
    signum: int, state: str, *, pid1: bool, pending: bool = False, stop: bool = True
) -> tuple[str, str]:
    """Plain-words meaning of a signal state, and a severity: ``ok``, ``warn`` or ``problem``.

    ``stop`` says whether ``signum`` is the signal the process is asked to stop with
    (``docker stop``); for other signals a drop is only a warning.
    """
    consequence = (
        "`docker stop` waits its full timeout (10 s), then SIGKILLs"
        if stop
        else "sending it does nothing"
    )
    bad = "problem" if stop else "warn"
    name = signal_name(signum)
    if signum in (9, 19):  # SIGKILL, SIGSTOP
        return f"{name} cannot be caught, blocked or ignored", "ok"
    if state == "caught":
        if pending:
            return f"a handler is installed but {name} is pending: the process is not taking it", (
                "warn"
            )
        return f"a handler is installed: the process decides what {name} does", "ok"
    if state == "ignored":
        if pid1:
            return f"ignored: {name} is thrown away; {consequence}", bad
        return f"ignored: {name} is thrown away and the process keeps running", bad
    if state == "blocked":
        if pending:
            return (
                f"blocked and pending: {name} is queued but nobody takes it (stuck or not waiting)",
                "problem",
            )
        return (
            f"blocked: {name} is queued until the process takes it "
            "(fine for an init that waits with sigwaitinfo/signalfd, as tini and pyinit do)",
            "ok",
        )
    # default
    if pid1:
        return (
            f"default action, and PID 1 gets none: the kernel drops {name}; {consequence}",
            bad,
        )
    if _fatal_default(signum):
        return f"default action: {name} ends the process at once (no clean shutdown)", "ok"
    return f"default action: {name} does not end the process", "warn"


# rt_sigtimedwait(2) numbers; glibc's sigwait/sigwaitinfo/sigtimedwait all use it.
RT_SIGTIMEDWAIT = {"x86_64": 128, "aarch64": 137, "riscv64": 137, "i686": 177, "i386": 177,
                   "armv7l": 177, "ppc64le": 176, "s390x": 177}  # fmt: skip


def parse_syscall(text: str) -> tuple[int, list[int]] | None:
    """Parse /proc/PID/syscall (``"128 0x7ffd... 0x... ..."``) into (number, args).

    Returns None when the process is not in a system call (``running``, ``-1 ...``).
    """
    parts = text.split()
    if not parts or not parts[0].lstrip("-").isdigit():
        return None
    nr = int(parts[0])
    if nr < 0:
        return None
    try:
        args = [int(a, 16) for a in parts[1:7]]
    except ValueError:
        return None
    return nr, args


def mask_from_bytes(raw: bytes) -> frozenset[int]:
    """Decode a kernel ``sigset_t`` read from memory (little or native endian, 8 bytes)."""
    import sys

    value = int.from_bytes(raw[:8], sys.byteorder)
    return parse_mask(f"{value:x}")
