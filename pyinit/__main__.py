"""Entry point: ``pyinit [OPTIONS] [--] COMMAND [ARGS...]`` and ``python -m pyinit``."""

from __future__ import annotations

import errno
import os
import sys

from pyinit.cli import EXIT_USAGE, SUBCOMMANDS, Action, UsageError, parse
from pyinit.log import ERROR, INFO, log
from pyinit.spawn import (
    EXHAUSTED,
    EXIT_OSERR,
    NO_TERMINAL,
    SignalState,
    SpawnError,
    plan_terminal,
    spawn,
    unblock_handed,
)
from pyinit.supervisor import Supervisor, become_subreaper

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in pyinit before the child started
#: sysexits.h EX_IOERR: pyinit's own output (--help, a tool's report) could not be written.
EXIT_IOERR = 74
#: How a full disk, a closed reader or a closed stdout fails a write.
OUTPUT_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EBADF})


class OutputError(Exception):
    """stdout cannot take pyinit's output; the message is one line for the user."""


def _output_failed(error: OSError, what: str) -> OutputError:
    if error.errno not in OUTPUT_ERRNOS:
        raise error
    return OutputError(f"cannot write {what} to stdout: {error.strerror}")


def _write_out(text: str, what: str) -> None:
    # os.write, not sys.stdout: that is None when fd 1 was closed before we started.
    data = text.encode()
    try:
        while data:
            data = data[os.write(1, data) :]
    except OSError as error:
        raise _output_failed(error, what) from None


def _subcommand(name: str, argv: list[str]) -> int:
    """``pyinit doctor`` and ``pyinit check``: tools, imported only when asked for."""
    import importlib

    if sys.stdout is None:  # fd 1 closed: print() would drop the report without a word
        raise OutputError("cannot write the report: stdout is closed")
    tool = importlib.import_module(f"pyinit.{name}")
    try:
        code = int(tool.main(argv))
        sys.stdout.flush()  # here, not at exit, so that a full disk is reported
    except OSError as error:
        raise _output_failed(error, "the report") from None
    return code


def run(argv: list[str]) -> int:
    if argv and argv[0] in SUBCOMMANDS:
        unblock_handed()
        return _subcommand(argv[0], argv[1:])
    # First of all, so that no signal is lost: from here on every catchable
    # signal waits in the pending set until the loop takes it.
    state = SignalState.block_all()
    try:
        config = parse(argv, os.environ)
    except UsageError as error:
        log(ERROR, "usage", f"error: {error}; see 'pyinit --help'")
        return EXIT_USAGE
    if isinstance(config, Action):
        _write_out(config.text, f"the {config.name} text")
        return 0
    log.level = config.verbosity
    log.json = config.log_json
    if config.log_file is not None:
        # Close-on-exec: the log is pyinit's, the child must not inherit (or hold open) it.
        try:
            log.fd = os.open(
                config.log_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666
            )
        except OSError as error:
            why = f"--log-file {config.log_file!r}: {error.strerror}"
            log(ERROR, "usage", f"error: {why}; see 'pyinit --help'")
            return EXIT_USAGE
    if state.malformed_handed is not None:  # rare: an environment pyinit did not make
        from pyinit.text import printable

        value = printable(state.malformed_handed)
        log(INFO, "sigmask", f"ignoring a malformed _PYINIT_SIGMASK={value!r}")

    become_subreaper(config.pdeath_signal)
    terminal = plan_terminal() if config.session else NO_TERMINAL
    try:
        child = spawn(config.command, config.session, terminal, state)
    except SpawnError as error:
        log(ERROR, "exec", f"{error}; exiting with {error.exit_code}", code=error.exit_code)
        return error.exit_code
    log(INFO, "spawn", f"started {' '.join(config.command)!r} as pid {child}", child=child)
    return Supervisor(config, child, terminal).run()


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:  # SIGINT before block_all (interpreter start-up), or in a tool
        return 130
    except OutputError as error:
        log(ERROR, "output", f"error: {error}; exiting with {EXIT_IOERR}", code=EXIT_IOERR)
        return EXIT_IOERR
    except MemoryError:
        return _exhausted(errno.ENOMEM)
    except OSError as error:
        # Only these: EAGAIN means "too many processes" at fork alone (spawn.SpawnError).
        if error.errno in (errno.ENOMEM, errno.EMFILE, errno.ENFILE):
            return _exhausted(error.errno)
        log(ERROR, "internal-error", f"internal error: {error!r}; please report it")
        return EXIT_INTERNAL
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        log(ERROR, "internal-error", f"internal error: {error!r}; please report it")
        return EXIT_INTERNAL


def _exhausted(err: int) -> int:
    log(ERROR, "exhausted", f"error: {EXHAUSTED[err]}; exiting with {EXIT_OSERR}", code=EXIT_OSERR)
    return EXIT_OSERR


def main_exit() -> None:
    """Run and exit without interpreter teardown (~1.5 ms): nothing is left to clean up."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream must not turn into a traceback
            pass
    if getattr(sys, "frozen", False):  # remove the folder we were unpacked into, if any
        from pyinit.frozen import remove_own

        remove_own()
    os._exit(code)


if __name__ == "__main__":
    main_exit()
