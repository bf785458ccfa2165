"""``pyinit check [Dockerfile ...]``: lint Dockerfiles for PID-1 pitfalls.

Diagnostics come in compiler form (``Dockerfile:12:1: PI001 ...``) or as JSON. Exit
status: 0 clean, 1 something found, 2 bad usage, an unreadable file or no parser.
The rules live in :mod:`pyinit.check_rules`; this module reads the files, parses them
with dockerfile-parse (the ``check`` extra, as is tree-sitter-bash for scripts) and
prints. It is imported only for ``pyinit check``.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # importing typing costs ~11 ms; type checkers treat this as True
if TYPE_CHECKING:
    from typing import NoReturn

    from pyinit.check_rules import Diagnostic, Stage

EXIT_CLEAN, EXIT_FOUND, EXIT_ERROR = 0, 1, 2
MAX_BYTES = 4 * 1024 * 1024
PARSERS = {  # module: what the user is told is missing
    "dockerfile_parse": "the Dockerfile parser (dockerfile-parse)",
    "tree_sitter_bash": "the sh parser (tree-sitter-bash)",
}

DESCRIPTION = """\
Lint Dockerfiles for PID-1 pitfalls: shell-form ENTRYPOINT/CMD, no init, entrypoint
scripts and sh -c that do not exec, bad STOPSIGNAL, rewrites that cancel it. Only
the final stage counts. Exit status: 0 clean, 1 problems found, 2 usage or input
error. Silence a rule for one instruction with a comment on the line(s) above it:
# pyinit: ignore=PI003
"""


class InputError(Exception):
    """A file we cannot check; the message is one line for the user."""


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
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
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
    except Exception as error:  # a bug: still one line, never a traceback
        _error(f"internal error: {type(error).__name__}: {error}")
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
    from pyinit import check_rules

    if options.list_rules:
        print(rules_text())
        return EXIT_CLEAN
    ignore = _codes(",".join(options.ignore))
    unknown = sorted(ignore - set(check_rules.RULES))
    if unknown:
        raise _Usage(f"--ignore: unknown rule {unknown[0]!r} (see --list-rules)")
    if options.context is not None and not os.path.isdir(options.context):
        raise _Usage(f"--context {options.context!r} is not a directory")

    found: list[tuple[str, Diagnostic]] = []
    failed = False
    for path in options.files or ["Dockerfile"]:
        try:
            diagnostics = check_file(path, options.context, options.target)
        except InputError as error:
            _error(str(error))
            failed = True
            continue
        found.extend((path, d) for d in diagnostics if d.code not in ignore)

    if options.format == "json":
        print(json_text(found))
    else:
        for path, diagnostic in found:
            print(f"{path}:{diagnostic.line}:{diagnostic.column}: {diagnostic.code} "
                  f"{diagnostic.message}")  # fmt: skip
    if failed:
        return EXIT_ERROR
    return EXIT_FOUND if found else EXIT_CLEAN


def json_text(found: list[tuple[str, Diagnostic]]) -> str:
    import json

    from pyinit.check_rules import RULES

    return json.dumps(
        [
            {
                "path": path,
                "line": d.line,
                "column": d.column,
                "code": d.code,
                "rule": RULES[d.code].name,
                "severity": d.severity,
                "message": d.message,
            }
            for path, d in found
        ],
        indent=2,
    )


def rules_text() -> str:
    import textwrap

    from pyinit.check_rules import RULES

    blocks = []
    for rule in RULES.values():
        lines = [f"{rule.code} {rule.name} ({rule.severity})"]
        for label, text in (("what", rule.what), ("why", rule.why), ("fix", rule.fix)):
            lines.append(
                textwrap.fill(
                    text, 88, initial_indent=f"  {label + ':':6}", subsequent_indent=" " * 8
                )
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# ---------------------------------------------------------------------------- input


def read_text(path: str) -> str:
    """The Dockerfile's text, or InputError with a one-line reason."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_BYTES + 1)
    else:
        if os.path.isdir(path):
            raise InputError(
                f"{path}: is a directory; pass the Dockerfile in it "
                f"({os.path.join(path, 'Dockerfile')})"
            )
        try:
            with open(path, "rb") as file:
                data = file.read(MAX_BYTES + 1)
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise InputError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MiB; not a Dockerfile")
    if b"\0" in data:
        raise InputError(f"{path}: binary data (NUL bytes); not a Dockerfile")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{path}: not UTF-8 text (byte {error.start}); not a Dockerfile") from None


def check_file(
    path: str, context: str | None = None, target: str | None = None
) -> list[Diagnostic]:
    from pyinit.check_rules import check_stages

    text = read_text(path)
    stages, global_args = parse_dockerfile(text, path)
    if target is not None:
        names = [(stage.name or "").lower() for stage in stages]
        if target.lower() not in names:
            raise InputError(f"{path}: no stage named {target!r} (FROM ... AS {target})")
        stages = stages[: names.index(target.lower()) + 1]
    if context is None:
        context = os.path.dirname(path) if path != "-" else "."
    return check_stages(stages, global_args, _context_reader(context or "."), path)


def _context_reader(context: str) -> object:
    root = os.path.realpath(context)

    def read(relative: str) -> tuple[str, str] | None:
        full = os.path.realpath(os.path.join(root, relative))
        if os.path.commonpath([root, full]) != root or not os.path.isfile(full):
            return None
        try:
            with open(full, "rb") as file:
                data = file.read(MAX_BYTES)
        except OSError:
            return None
        if b"\0" in data:
            return None
        display = os.path.normpath(os.path.join(context, relative))
        return display, data.decode("utf-8", "replace")

    return read


# ---------------------------------------------------------------------------- parsing


def parse_dockerfile(text: str, path: str = "Dockerfile") -> tuple[list[Stage], dict[str, str]]:
    """Stages (FROM onwards) and the global ARGs before the first FROM.

    dockerfile-parse does the lexing (continuation lines, comments, the escape
    directive); heredoc bodies, which it does not know, are cut out here: the
    lines after a RUN/COPY/ADD that has ``<<WORD`` up to the line ``WORD`` belong
    to that instruction, whatever dockerfile-parse made of them.
    """
    import io

    from dockerfile_parse import DockerfileParser
    from dockerfile_parse.parser import image_from
    from dockerfile_parse.util import WordSplitter, get_key_val_dictionary

    from pyinit.check_rules import Heredoc, Instruction, Stage

    lines = text.splitlines()
    structure = DockerfileParser(fileobj=io.BytesIO(text.encode("utf-8"))).structure
    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    skip_to = -1  # 0-based last line of the current heredoc bodies
    ignore: set[str] = set()
    for entry in structure:
        start, end = entry["startline"], entry["endline"]
        if start <= skip_to:
            continue
        keyword, value = entry["instruction"], entry["value"] or ""
        if keyword == "COMMENT":
            ignore |= _ignore_codes(value)
            continue
        first = lines[start] if start < len(lines) else ""
        instr = Instruction(
            keyword, value, start + 1, len(first) - len(first.lstrip()) + 1,
            ignore=frozenset(ignore),
        )  # fmt: skip
        ignore = set()
        if keyword in ("RUN", "COPY", "ADD") and not value.lstrip().startswith("["):
            position = end + 1
            for name, strip in _heredoc_markers(value, WordSplitter):
                body: list[str] = []
                first_body = position
                while position < len(lines):
                    line = lines[position]
                    position += 1
                    if (line.lstrip("\t") if strip else line) == name:
                        break
                    body.append(line.lstrip("\t") if strip else line)
                instr.heredocs.append(Heredoc(name, "\n".join(body) + "\n", first_body + 1))
            skip_to = position - 1
        if keyword == "FROM":
            expanded = WordSplitter(value, args=global_args, envs={}).dequote()
            image, name = image_from(expanded)
            stages.append(Stage(image or expanded, name, []))
        elif not stages:
            if keyword == "ARG":
                try:
                    global_args.update(
                        get_key_val_dictionary(value, env_replace=True, args=global_args)
                    )
                except (ValueError, IndexError):
                    pass
        else:
            stages[-1].instructions.append(instr)
    if not stages:
        raise InputError(f"{path}: no FROM instruction; not a Dockerfile")
    return stages, global_args


def _ignore_codes(comment: str) -> set[str]:
    """``pyinit: ignore=PI003,PI008`` -> {"PI003", "PI008"}."""
    head, colon, rest = comment.partition(":")
    if not colon or head.strip().lower() != "pyinit":
        return set()
    key, equals, codes = rest.strip().partition("=")
    if not equals or key.strip().lower() != "ignore":
        return set()
    return _codes(codes)


def _codes(text: str) -> set[str]:
    """``"PI003, pi008"`` -> {"PI003", "PI008"}."""
    return {code.upper() for code in text.replace(" ", ",").split(",") if code}


def _heredoc_markers(value: str, splitter: type) -> list[tuple[str, bool]]:
    """``<<EOF``, ``<<-EOF``, ``<<"EOF"`` words of a RUN/COPY/ADD, in order."""
    markers = []
    try:
        words = list(splitter(value).split(dequote=False))
    except Exception:
        return []
    for word in words:
        word = word.lstrip("0123456789")
        if not word.startswith("<<") or word.startswith("<<<"):
            continue
        name = word[2:]
        strip = name.startswith("-")
        name = name[1:] if strip else name
        name = name.strip("'\"")
        if name and "<" not in name:
            markers.append((name, strip))
    return markers
