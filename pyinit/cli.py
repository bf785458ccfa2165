"""argv + environment -> one frozen Config (or an action such as --help).

Options are tini's and dumb-init's, with the same meaning; where the two
disagree the README's migration table says what pyinit chose. Parsing stops at
the first word that is not an option, so ``pyinit cmd -x`` passes ``-x`` on.
"""

from __future__ import annotations

import sys

from pyinit import DOCUMENTATION, __version__
from pyinit.log import DEBUG, WARNING
from pyinit.signals import parse_rewrite, parse_signal, rewrite_table

TYPE_CHECKING = False  # typing costs ~4 ms of start-up; type checkers treat this as True
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

EXIT_USAGE = 2
MAX_GRACE = 86400  # seconds: a day
SUBCOMMANDS = ("doctor", "check")

USAGE = f"""\
usage: pyinit [OPTIONS] [--] COMMAND [ARGS...]
       pyinit doctor [PID] | pyinit check [Dockerfile ...]

Runs COMMAND as a child in its own session, forwards signals to it, reaps
zombies and exits with its exit status (128+N if it died of signal N).

options:
  -c, --single-child       signal only the child, not its process group, and
                           do not start a new session (env DUMB_INIT_SETSID=0)
  -g, --process-group      signal the child's process group (the default;
                           env TINI_KILL_PROCESS_GROUP)
  -r, --rewrite FROM:TO    send TO when FROM arrives; names or numbers
                           (TERM:INT, 15:2); TO 0 drops FROM. Repeatable
  -e, --expect CODE        exit 0 when the child exits with CODE. Repeatable
      --grace SECONDS      when the child exits, wait up to SECONDS for every
                           other process to exit, then SIGKILL the rest
                           (env PYINIT_GRACE)
  -s, --subreaper          accepted for tini; pyinit is always a subreaper
                           when it is not PID 1 (env TINI_SUBREAPER)
  -p, --pdeath SIGNAL      pyinit gets SIGNAL when its parent dies
  -w, --warn-on-reap       warn about each orphan reaped
  -v, --verbose            more output; repeat for more (env TINI_VERBOSITY,
                           DUMB_INIT_DEBUG=1)
      --log-format FORMAT  text (default) or json: one JSON object per line
      --log-file PATH      append the log to PATH instead of stderr (also
                           /dev/fd/N: a descriptor pyinit was given)
  -l, --license            show the license and exit
  -V, --version            show the version and exit
  -h, --help               show this help and exit

exit status: the child's; 2 bad usage; 126 COMMAND not executable;
127 COMMAND not found; 71 out of processes, open files or memory;
74 stdout not writable.

Documentation: {DOCUMENTATION}
"""

LICENSE = """\
pyinit is released under the MIT License.

Permission is hereby granted, free of charge, to any person obtaining a copy of
this software and associated documentation files (the "Software"), to deal in
the Software without restriction, including without limitation the rights to
use, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of
the Software, and to permit persons to whom the Software is furnished to do so,
subject to the following conditions: the above copyright notice and this
permission notice shall be included in all copies or substantial portions of the
Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
"""

_SHORT = "hcgr:e:sp:wvlV"
_LONG = [
    "help",
    "single-child",
    "process-group",
    "rewrite=",
    "expect=",
    "grace=",
    "subreaper",
    "pdeath=",
    "warn-on-reap",
    "verbose",
    "log-format=",
    "log-file=",
    "license",
    "version",
]


class UsageError(Exception):
    """Bad argv or environment; the message is one line for the user."""


class Config:
    """Everything pyinit needs to run, decided once; frozen after construction."""

    __slots__ = (
        "command",
        "session",
        "rewrites",
        "expect",
        "grace",
        "verbosity",
        "log_json",
        "log_file",
        "warn_on_reap",
        "pdeath_signal",
    )
    command: tuple[str, ...]
    session: bool  # own session + signal the group (False: -c, single child)
    rewrites: dict[int, int]  # signal -> signal to send (0: drop); includes defaults
    expect: frozenset[int]  # exit codes mapped to 0
    grace: float | None  # seconds to wait for descendants after the child exits
    verbosity: int
    log_json: bool
    log_file: str | None  # None: stderr
    warn_on_reap: bool
    pdeath_signal: int  # 0: none

    def __init__(self, **values: object) -> None:
        for name in self.__slots__:
            object.__setattr__(self, name, values[name])

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Config is frozen")

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Config({fields})"


class Action:
    """Something to do instead of running a command: help, version, license."""

    __slots__ = ("name", "text")

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.text = text


def _getopt() -> object:
    # getopt does ``from gettext import gettext``, which drags in ``re`` and
    # ``enum`` (~10 ms per container start). A None entry in sys.modules makes
    # that import fail, and getopt then falls back to plain strings, as it does
    # when bootstrapping CPython.
    if "getopt" not in sys.modules and "gettext" not in sys.modules:
        sys.modules["gettext"] = None  # type: ignore[assignment]
        try:
            import getopt
        finally:
            del sys.modules["gettext"]
    import getopt

    return getopt


def _digits(text: str) -> bool:
    # str.isdigit alone takes any Unicode digit ("١٥", "²"); ASCII ones are 0-9 only.
    return text.isascii() and text.isdigit()


def _number(text: str, what: str, high: int, fraction: bool = False) -> float:
    """``text`` as a number from 0 to ``high``: ASCII digits ``[0-9]+``, with ``fraction``
    also ``[0-9]+.[0-9]+``. Not int()/float() alone: they take any Unicode digit
    (``"١٥"`` is 15), ``1e0``, ``1_0``, spaces, ``inf`` and ``nan``.
    """
    whole, dot, part = text.partition(".") if fraction else (text, "", "")
    shape = f"seconds from 0 to {high}, such as 2 or 2.5" if fraction else f"0 to {high}"
    if not _digits(whole) or (dot and not _digits(part)):
        kind = "" if fraction else "a whole number "
        raise UsageError(f"{what} {text!r} is not a number: use {kind}{shape} (ASCII digits)")
    # The length first: int() refuses strings of over 4300 digits (CPython 3.11+).
    if len(whole.lstrip("0")) > len(str(high)) or float(text) > high:
        raise UsageError(f"{what} {text!r} is out of range ({shape})")
    return float(text) if fraction else int(text)


def _signal_option(text: str, what: str) -> int:
    try:
        signo = parse_signal(text)
    except ValueError as error:
        raise UsageError(f"{what}: {error}") from None
    if signo == 0:
        raise UsageError(f"{what}: 0 is not a signal")
    return signo


def parse(argv: Sequence[str], env: Mapping[str, str]) -> Config | Action:
    """Decide everything from argv (without the program name) and the environment."""
    getopt = _getopt()
    try:
        options, command = getopt.getopt(list(argv), _SHORT, _LONG)  # type: ignore[attr-defined]
    except getopt.GetoptError as error:  # type: ignore[attr-defined]
        raise UsageError(str(error)) from None

    single_child = env.get("DUMB_INIT_SETSID") == "0"
    if "TINI_KILL_PROCESS_GROUP" in env:
        single_child = False
    verbosity = WARNING
    if env.get("TINI_VERBOSITY", "") != "":
        verbosity = int(_number(env["TINI_VERBOSITY"], "TINI_VERBOSITY", DEBUG))
    if env.get("DUMB_INIT_DEBUG") == "1":
        verbosity = DEBUG
    grace: float | None = None
    if env.get("PYINIT_GRACE", "") != "":
        grace = _number(env["PYINIT_GRACE"], "PYINIT_GRACE", MAX_GRACE, fraction=True)
    rewrites: dict[int, int] = {}
    expect: set[int] = set()
    pdeath = 0
    warn_on_reap = False
    log_json = False
    log_file: str | None = None
    chosen: set[str] = set()

    for option, value in options:
        if option in ("-h", "--help"):
            return Action("help", USAGE)
        if option in ("-V", "--version"):
            return Action("version", f"pyinit {__version__}\n")
        if option in ("-l", "--license"):
            return Action("license", LICENSE)
        if option in ("-c", "--single-child"):
            single_child = True
            chosen.add("-c")
        elif option in ("-g", "--process-group"):
            single_child = False
            chosen.add("-g")
        elif option in ("-r", "--rewrite"):
            try:
                source, target = parse_rewrite(value)
            except ValueError as error:
                raise UsageError(str(error)) from None
            rewrites[source] = target
        elif option in ("-e", "--expect"):
            expect.add(int(_number(value, "exit code", 255)))
        elif option == "--grace":
            grace = _number(value, "--grace", MAX_GRACE, fraction=True)
        elif option in ("-p", "--pdeath"):
            pdeath = _signal_option(value, "-p")
        elif option in ("-w", "--warn-on-reap"):
            warn_on_reap = True
        elif option in ("-v", "--verbose"):
            verbosity = min(verbosity + 1, DEBUG)
        elif option == "--log-format":
            if value not in ("text", "json"):
                raise UsageError(f"--log-format {value!r}: use text or json")
            log_json = value == "json"
        elif option == "--log-file":
            if value == "":
                raise UsageError("--log-file: the path is empty")
            log_file = value
        # -s/--subreaper: nothing to do, see supervisor.become_subreaper().

    if chosen == {"-c", "-g"}:
        raise UsageError("-c (signal only the child) and -g (signal its group) contradict")
    if not command:
        raise UsageError("no command given (usage: pyinit [OPTIONS] -- COMMAND [ARGS...])")
    if command[0] == "":
        raise UsageError("the command is an empty string")
    session = not single_child
    return Config(
        command=tuple(command),
        session=session,
        rewrites=rewrite_table(session, rewrites),
        expect=frozenset(expect),
        grace=grace,
        verbosity=verbosity,
        log_json=log_json,
        log_file=log_file,
        warn_on_reap=warn_on_reap,
        pdeath_signal=pdeath,
    )
