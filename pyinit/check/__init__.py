"""``pyinit check [Dockerfile ...]``: lint Dockerfiles for PID-1 pitfalls.

This module is the command line: options, configuration, output, exit status. The rules
are in the modules beside it (rules.py is the catalogue, core.py runs them). Importing it
is cheap (no parser, no json, no argparse): it is imported only for ``pyinit check``.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # importing typing costs ~11 ms; type checkers treat this as True
if TYPE_CHECKING:
    from typing import NoReturn

    from pyinit.check.config import Settings
    from pyinit.check.rules import Diagnostic

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
FORMATS = ("text", "json", "sarif", "github")
THRESHOLDS = ("error", "warning", "info", "none")
PARSERS = {  # module: what the user is told is missing
    "dockerfile_parse": "the Dockerfile parser (dockerfile-parse)",
    "tree_sitter_bash": "the sh parser (tree-sitter-bash)",
}

DESCRIPTION = """\
Lint Dockerfiles for PID-1 pitfalls: shell-form ENTRYPOINT/CMD, no init, entrypoint
scripts and sh -c that do not exec, bad STOPSIGNAL, rewrites that cancel it, inits that
are not installed, su/sudo and npm start in front of the app. Only the final stage
counts. Exit status: 0 nothing at or above the failure threshold (default: error),
1 something is, 2 usage, configuration or input error. Silence rules for one
instruction with a comment on the line(s) above it:
# pyinit-check ignore=PI003,PI008
Configuration: [tool.pyinit.check] in ./pyproject.toml, or ./.pyinit-check.toml.
"""


class _Usage(Exception):
    pass


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


def _argument_parser() -> object:
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise _Usage(message)

        def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
            if message:
                sys.stderr.write(message)
            raise _Exit(status)

    parser = Parser(
        prog="pyinit check",
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="Dockerfile",
        help="files to check (default ./Dockerfile; - reads stdin)",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (compiler form), json, sarif (SARIF 2.1.0), github (workflow annotations)",
    )
    parser.add_argument(
        "--failure-threshold",
        "-t",
        choices=THRESHOLDS,
        help="exit 1 only for findings of this severity or worse (default error)",
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="configuration file (default: ./.pyinit-check.toml, else ./pyproject.toml)",
    )
    parser.add_argument(
        "--context",
        metavar="DIR",
        help="build context for entrypoint scripts (default: each Dockerfile's folder)",
    )
    parser.add_argument(
        "--ignore",
        action="append",
        default=[],
        metavar="CODES",
        help="rule codes to skip, comma separated (PI003,PI008); repeatable",
    )
    parser.add_argument(
        "--target",
        metavar="STAGE",
        help="check this stage (as docker build --target) instead of the last one",
    )
    parser.add_argument("--list-rules", action="store_true", help="print the rules and exit")
    return parser


def main(argv: list[str]) -> int:
    """Entry point of ``pyinit check``; returns the exit status, never raises."""
    try:
        return _main(argv)
    except _Usage as error:
        _error(f"{error} (see pyinit check --help)")
        return EXIT_ERROR
    except _Exit as done:
        return done.code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `pyinit check | head`: stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR
    except MemoryError:
        _error("out of memory")
        return EXIT_ERROR
    except Exception as error:  # a bug: still one line, never a traceback
        from pyinit.text import printable

        _error(f"internal error: {type(error).__name__}: {printable(str(error))[:200]}")
        return EXIT_ERROR


def _error(message: str) -> None:
    sys.stderr.write(f"pyinit check: {message}\n")


def _main(argv: list[str]) -> int:
    options = _argument_parser().parse_args(argv)  # type: ignore[attr-defined]
    import importlib

    for module, what in PARSERS.items():
        try:
            importlib.import_module(module)
        except ImportError:
            _error(f"{what} is missing: pip install 'pyinit-pid1[check]'")
            return EXIT_ERROR
    from pyinit.check import config, formats
    from pyinit.check.core import check_file
    from pyinit.check.dockerfile import InputError, codes_of
    from pyinit.check.rules import RULES, at_least

    if options.list_rules:
        print(formats.rules_text())
        return EXIT_CLEAN
    ignore = codes_of(",".join(options.ignore))
    unknown = sorted(ignore - set(RULES))
    if unknown:
        raise _Usage(f"--ignore: unknown rule {unknown[0]!r} (see --list-rules)")
    if options.context is not None and not os.path.isdir(options.context):
        raise _Usage(f"--context {options.context!r} is not a directory")
    try:
        settings = config.load(options.config)
    except config.ConfigError as error:
        _error(str(error))
        return EXIT_ERROR

    found: list[tuple[str, Diagnostic]] = []
    failed = failing = False
    for path in options.files or ["Dockerfile"]:
        chosen: Settings = settings.for_path(path)
        threshold = options.failure_threshold or chosen.threshold
        try:
            diagnostics = check_file(path, options.context, options.target)
        except InputError as error:
            from pyinit.text import printable

            _error(printable(str(error)))
            failed = True
            continue
        for diagnostic in diagnostics:
            if diagnostic.code in ignore or diagnostic.code in chosen.ignore:
                continue
            diagnostic.severity = chosen.severity.get(diagnostic.code, diagnostic.severity)
            found.append((path, diagnostic))
            failing = failing or at_least(diagnostic.severity, threshold)

    output = formats.FORMATTERS[options.format](found)
    if output:
        sys.stdout.write(output)
    if failed:
        return EXIT_ERROR
    return EXIT_FOUND if failing else EXIT_CLEAN
