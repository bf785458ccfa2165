"""``pyinit doctor`` argument parsing, exit codes and output."""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from typing import NoReturn

from pyinit.doctor import procinfo
from pyinit.doctor.analysis import examine
from pyinit.doctor.proc import Unreadable, read_status, signals_only
from pyinit.doctor.render import render, render_signals
from pyinit.doctor.report import EXIT_UNREADABLE, EXIT_USAGE
from pyinit.text import printable

PROG = "pyinit doctor"


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _build_parser() -> _Parser:
    p = _Parser(
        prog=PROG,
        description="Explain how PID 1 (or PID) handles the stop signals, show its process "
        "tree, zombies and processes a group-wide signal will miss.",
        epilog="Exit codes: 0 nothing wrong, 1 problems found, 2 usage error, "
        "3 cannot read the process.",
    )
    add = p.add_argument
    add("pid", nargs="?", help="process to examine (default: PID 1 of this PID namespace; "
        "in a pod whose PID 1 is the sandbox, this container's top process)")  # fmt: skip
    add("--json", action="store_true", help="print one JSON object for machines")
    add("--signals", action="store_true", help="print only the decoded signal masks of PID")
    add("--stopsignal", metavar="SIG", help="the container's STOPSIGNAL (default SIGTERM)")
    add("--wait", metavar="SECONDS", type=float, default=0.5,
        help="how long to watch zombies to see whether they get reaped (default 0.5)")  # fmt: skip
    return p


def _parse_pid(text: str | None) -> int | None:
    if text is None:
        return None
    t = text.strip()
    if not t.isdigit() or int(t) < 1:
        raise UsageError(f"PID must be a positive number, got {text!r}")
    return int(t)


def _err(msg: str) -> None:
    print(f"{PROG}: error: {printable(msg)}", file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        pid = _parse_pid(args.pid)
        try:
            stopsig = procinfo.signal_number(args.stopsignal or "SIGTERM")
        except ValueError as e:
            raise UsageError(f"--stopsignal: {e}") from None
        if not (args.wait >= 0 and args.wait < 3600):
            raise UsageError("--wait must be between 0 and 3600 seconds")
    except UsageError as e:
        _err(f"{e} (see --help)")
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return int(e.code or 0)

    try:
        target = _thread_group(pid or 1)
        if args.signals:
            data = signals_only(target)
            return _emit(json.dumps(data, indent=2) if args.json else render_signals(data), 0)
        report = examine(target, stopsig, args.wait, follow_sandbox=pid is None)
        if target != (pid or 1):
            report.notes.insert(0, f"{pid} is a thread of process {target}; examined {target}")
    except Unreadable as e:
        _err(str(e))
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        return 130
    text = json.dumps(asdict(report), indent=2) if args.json else render(report)
    return _emit(text, report.exit_code)


def _thread_group(pid: int) -> int:
    """A thread id given as PID stands for its process (the thread group leader)."""
    tgid = read_status(pid).get("Tgid", "")
    return int(tgid) if tgid.isdigit() and int(tgid) > 0 else pid


def _emit(text: str, code: int) -> int:
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `pyinit doctor | head`: fine, and no traceback
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
