"""Decode the signal masks of ``/proc/PID/status`` (pure functions, no I/O).

``/proc/PID/status`` shows five 64-bit masks as hex: ``SigPnd`` (pending for the thread),
``ShdPnd`` (pending for the whole process), ``SigBlk`` (blocked), ``SigIgn`` (ignored) and
``SigCgt`` (caught: a handler is installed). Bit ``n - 1`` stands for signal ``n``, so
``SigCgt: 0000000000004002`` means SIGINT (2) and SIGTERM (15) have handlers.
"""

from __future__ import annotations

from pyinit import signals

MASK_FIELDS = ("SigPnd", "ShdPnd", "SigBlk", "SigIgn", "SigCgt")


def signal_name(num: int) -> str:
    """``15`` -> ``"SIGTERM"``; 32 and 33, which glibc keeps for itself, are ``"SIG32"``."""
    return signals.signal_name(num) if num in signals.VALID else f"SIG{num}"


def signal_number(text: str) -> int:
    """``"TERM"``, ``"sigterm"``, ``"15"``, ``"RTMIN+3"``, ``"SIG33"`` -> the number.

    Raises ``ValueError`` with a one-line message for anything else (0 included).
    """
    signo = signals.parse_signal(text, reserved=True)
    if signo == 0:
        raise ValueError("0 is not a signal")
    return signo


def parse_mask(hexmask: str) -> frozenset[int]:
    """Decode a hex mask from /proc (``"0000000000004002"``) into signal numbers ``{2, 15}``."""
    decoded = signals.decode_mask(hexmask.strip())
    if decoded is None:
        raise ValueError(f"not a hex signal mask: {hexmask!r}")
    return decoded


def mask_hex(signums: frozenset[int] | set[int]) -> str:
    """The other way: ``{2, 15}`` -> ``"0000000000004002"``."""
    return signals.format_mask(signums, 16)


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


# Signals whose default action is not to end the process (ignore, stop or continue).
_HARMLESS_DEFAULT = {signals.SIGCHLD, signals.SIGCONT, signals.SIGSTOP, *signals.JOB_CONTROL,
                     signals.SIGURG, signals.SIGWINCH}  # fmt: skip


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
    if signum in (signals.SIGKILL, signals.SIGSTOP):
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
    if signum not in _HARMLESS_DEFAULT:
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
