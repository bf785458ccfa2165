"""The STOPSIGNAL rules (PI006-PI008), and the signal facts the other rules share.

Docker parses STOPSIGNAL with Linux numbering (names, or any number from 1 to 64), as
pyinit.signals does; only its parse_signal and signal_name are used here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

from pyinit.signals import parse_signal as _parse_signal
from pyinit.signals import signal_name

if TYPE_CHECKING:
    from pyinit.check.dockerfile import Instruction
    from pyinit.check.expand import Expander
    from pyinit.check.image import Image

SIGTERM, SIGKILL, SIGSTOP = (_parse_signal(name) for name in ("TERM", "KILL", "STOP"))
IGNORED_BY_DEFAULT = frozenset(_parse_signal(name) for name in ("CHLD", "CONT", "URG", "WINCH"))
STOP_BY_DEFAULT = frozenset(_parse_signal(name) for name in ("TSTP", "TTIN", "TTOU"))
HIGHEST = 64  # Linux's _NSIG - 1: Docker accepts every number up to it


def parse_signal(text: str) -> int | None:
    """``"SIGTERM"``, ``"term"``, ``"15"``, ``"RTMIN+3"`` -> number; None if not a signal.

    ``"0"`` gives 0 (callers decide: a rewrite target of 0 means drop). Docker takes any
    number up to 64, also the two real-time signals glibc keeps for itself.
    """
    word = text.strip()
    if word.isascii() and word.isdigit():
        return int(word) if int(word) <= HIGHEST else None
    try:
        return _parse_signal(word)
    except ValueError:
        return None


Report = Callable[["Instruction | None", str, str], None]


def check_stopsignal(image: Image, expander: Expander, report: Report) -> int:
    """Report PI006-PI008 for the image's STOPSIGNAL; return the stop signal in effect."""
    instr = image.stopsignal
    if instr is None:
        return SIGTERM
    text = expander.expand(instr.value.strip(), instr.line, image.args, image.env)
    if "$" in text or not text:
        return SIGTERM
    number = parse_signal(text)
    if not number:
        report(
            instr,
            "PI006",
            f"invalid STOPSIGNAL {text}: not a signal name or number "
            "(SIGTERM, SIGINT, SIGQUIT, ... or 1-64)",
        )
        return SIGTERM
    name = signal_name(number)
    if number == SIGKILL:
        report(
            instr,
            "PI007",
            "STOPSIGNAL SIGKILL cannot be caught: the app never gets to shut down "
            "cleanly; use SIGTERM (or the app's graceful-stop signal)",
        )
    elif number == SIGSTOP:
        report(
            instr,
            "PI007",
            "STOPSIGNAL SIGSTOP cannot be caught and only freezes the container: "
            "`docker stop` waits out its timeout and SIGKILLs; use SIGTERM",
        )
    elif number in IGNORED_BY_DEFAULT | STOP_BY_DEFAULT:
        action = "ignored" if number in IGNORED_BY_DEFAULT else "a stop, not an exit,"
        report(
            instr,
            "PI008",
            f"STOPSIGNAL {name} is {action} by default: unless the app handles it, "
            "`docker stop` waits out its timeout and SIGKILLs",
        )
    return number
