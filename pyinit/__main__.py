"""Entry point: ``pyinit [OPTIONS] [--] COMMAND [ARGS...]`` and ``python -m pyinit``."""

from __future__ import annotations

import os
import sys

from pyinit.cli import EXIT_USAGE, SUBCOMMANDS, Action, UsageError, parse
from pyinit.log import ERROR, INFO, log
from pyinit.spawn import (
    NO_TERMINAL,
    SignalState,
    SpawnError,
    plan_terminal,
    spawn,
    unblock_handed,
)
from pyinit.supervisor import Supervisor, become_subreaper

EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug in pyinit before the child started


def _subcommand(name: str, argv: list[str]) -> int:
    """``pyinit doctor`` and ``pyinit check``: tools, imported only when asked for."""
    import importlib

    tool = importlib.import_module(f"pyinit.{name}")
    return int(tool.main(argv))


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
        sys.stdout.write(config.text)
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

    become_subreaper(config.pdeath_signal)
    terminal = plan_terminal() if config.session else NO_TERMINAL
    try:
        child = spawn(config.command, config.session, terminal, state)
    except SpawnError as error:
        log(ERROR, "exec", f"{error}; exiting with {error.exit_code}", code=error.exit_code)
        return error.exit_code
    log(INFO, "spawn", f"started {' '.join(config.command)!r} as pid {child}", child=child)
    try:
        os.chdir("/")  # do not keep the caller's directory busy; the child keeps it
    except OSError:
        pass
    return Supervisor(config, child, terminal).run()


def main(argv: list[str] | None = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else argv)
    except KeyboardInterrupt:  # SIGINT before block_all (interpreter start-up), or in a tool
        return 130
    except Exception as error:  # noqa: BLE001 - one line, never a traceback
        log(ERROR, "internal-error", f"internal error: {error!r}; please report it")
        return EXIT_INTERNAL


def main_exit() -> None:
    """Run and exit without interpreter teardown (~1.5 ms): nothing is left to clean up."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - a closed stream must not turn into a traceback
            pass
    os._exit(code)


if __name__ == "__main__":
    main_exit()
