"""The Dockerfile model: text -> stages of instructions, in one linear pass.

The lexing follows the Dockerfile reference (https://docs.docker.com/reference/dockerfile/):
parser directives (``# escape=``), comment lines, continuation lines (also with comment
and blank lines in between), and heredocs (``RUN <<EOF`` ... ``EOF``). It is written here
and not left to dockerfile-parse because that library's ``structure`` appends each
continuation line to the instruction's text (``str +=`` on a dict item: quadratic; 600k
continuation lines take minutes) and its word splitter, a Python loop per character,
made the heredoc scan of a 4 MB RUN line take over two minutes. Every step here is
linear in the input and no step recurses on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Callable

from pyinit.check.expand import Expander

MAX_BYTES = 4 * 1024 * 1024  # what `pyinit check` reads of one file
#: The longest exec form / python-literal we hand to a parser that builds nested objects.
MAX_LITERAL = 64 * 1024
MAX_HEREDOCS = 64  # heredocs of one instruction; BuildKit's own parser has no use for more


_NO_CODES: frozenset[str] = frozenset()  # shared: an empty frozenset costs 216 bytes


class InputError(Exception):
    """A file we cannot check; the message is one line for the user."""


class Heredoc:
    __slots__ = ("name", "body", "line")

    def __init__(self, name: str, body: str, line: int) -> None:
        self.name = name
        self.body = body
        self.line = line  # 1-based line of the heredoc's first body line


class Instruction:
    # Slots: a 4 MB Dockerfile can hold 700k instructions, and they must fit in 300 MB.
    __slots__ = ("keyword", "value", "line", "column", "heredocs", "ignore")

    def __init__(
        self,
        keyword: str,
        value: str,
        line: int,
        column: int = 1,
        heredocs: tuple[Heredoc, ...] = (),
        ignore: frozenset[str] = _NO_CODES,
    ) -> None:
        self.keyword = keyword  # upper case
        self.value = value  # continuation lines joined, comment lines dropped
        self.line = line  # 1-based first line
        self.column = column  # 1-based
        self.heredocs = heredocs
        self.ignore = ignore  # codes silenced by a pragma comment above it

    def __repr__(self) -> str:
        return f"Instruction({self.keyword!r}, {self.value[:40]!r}, line={self.line})"


class Stage:
    __slots__ = ("base", "name", "instructions", "line")

    def __init__(self, base: str, name: str | None, instructions: list[Instruction],
                 line: int = 0) -> None:  # fmt: skip
        self.base = base  # the image or earlier stage it starts FROM
        self.name = name  # FROM ... AS name
        self.instructions = instructions
        self.line = line  # the FROM's line


_DIRECTIVE = re.compile(r"\s*#\s*([a-zA-Z]+)\s*=\s*(.*?)\s*$")
_INSTRUCTION = re.compile(r"\s*(\S+)(?:\s+(.*))?$", re.S)
_FROM = re.compile(r"(?:--\S+\s+)*(\S+)(?:\s+[aA][sS]\s+(\S+))?")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one by one (a list of them would double a 4 MB file's memory)."""
    start, end = 0, len(text)
    while start < end:
        stop = text.find("\n", start)
        if stop < 0:
            stop = end
        line = text[start:stop]
        yield line[:-1] if line.endswith("\r") else line
        start = stop + 1


_KEYWORDS: dict[str, str] = {}  # one string per keyword, however many instructions


def parse_dockerfile(
    text: str, path: str = "Dockerfile", expander: Expander | None = None
) -> tuple[list[Stage], dict[str, str]]:
    """Stages (FROM onwards) and the global ARGs before the first FROM (expanded in FROM
    by ``expander``, which keeps the file's expansion budget)."""
    expander = expander or Expander()
    lines = _lines(text)
    escape = "\\"
    number = 0  # 0-based number of the next line from ``lines``
    pending: str | None = None  # a line read ahead
    for line in lines:  # parser directives: only before anything else
        match = _DIRECTIVE.match(line)
        if not match:
            pending = line
            break
        if match.group(1).lower() == "escape" and match.group(2) in ("\\", "`"):
            escape = match.group(2)
        number += 1

    stages: list[Stage] = []
    global_args: dict[str, str] = {}
    ignore: set[str] = set()
    while True:
        if pending is not None:
            line, pending = pending, None
        else:
            line = next(lines, None)  # type: ignore[arg-type]
            if line is None:
                break
        number += 1
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            ignore |= pragma_codes(stripped[1:])
            continue
        start = number
        pieces = [line]
        while _continues(pieces[-1], escape):
            pieces[-1] = pieces[-1].rstrip()[:-1]
            following = None
            for following in lines:
                number += 1
                if following.strip() and not following.lstrip().startswith("#"):
                    break  # comment and blank lines inside a continuation are dropped
                following = None
            if following is None:
                break
            pieces.append(following)
        joined = "".join(pieces)
        match = _INSTRUCTION.match(joined)
        keyword = match.group(1).upper() if match else ""
        keyword = _KEYWORDS.setdefault(keyword, keyword)
        value = (match.group(2) or "").strip() if match else ""
        column = len(line) - len(line.lstrip()) + 1
        heredocs: list[Heredoc] = []
        if keyword in ("RUN", "COPY", "ADD") and not value.startswith("[") and "<<" in value:
            for name, strip in heredoc_markers(value):
                first = number + 1
                body: list[str] = []
                for body_line in lines:
                    number += 1
                    if strip:
                        body_line = body_line.lstrip("\t")
                    if body_line == name:
                        break
                    body.append(body_line)
                heredocs.append(Heredoc(name, "\n".join(body) + "\n", first))
        instr = Instruction(
            keyword, value, start, column, tuple(heredocs) if heredocs else (),
            frozenset(ignore) if ignore else _NO_CODES,
        )  # fmt: skip
        if ignore:
            ignore = set()
        if keyword == "FROM":
            expanded = expander.expand(value, start, global_args, None)
            found = _FROM.match(expanded.strip())
            base, name = (found.group(1), found.group(2)) if found else (expanded, None)
            stages.append(Stage(base, name, [], start))
        elif not stages:
            if keyword == "ARG":
                global_args.update(expander.key_values(value, start, global_args, None, True))
        else:
            stages[-1].instructions.append(instr)
    if not stages:
        raise InputError(f"{path}: no FROM instruction; not a Dockerfile")
    return stages, global_args


def pragma_codes(comment: str) -> set[str]:
    """The codes a comment silences for the next instruction: ``pyinit-check
    ignore=PI003,PI004`` (hadolint's form), or the older ``pyinit: ignore=PI003``."""
    text = comment.strip()
    lower = text.lower()
    for prefix in ("pyinit-check ", "pyinit-check:", "pyinit:"):
        if lower.startswith(prefix):
            rest = text[len(prefix) :].strip()
            break
    else:
        return set()
    key, equals, codes = rest.partition("=")
    if not equals or key.strip().lower() != "ignore":
        return set()
    return codes_of(codes)


def codes_of(text: str) -> set[str]:
    """``"PI003, pi008"`` -> {"PI003", "PI008"}."""
    return {code.upper() for code in text.replace(" ", ",").split(",") if code}


def _continues(line: str, escape: str) -> bool:
    return line.rstrip().endswith(escape)


# A word that starts a heredoc: optional fd digits, <<, optional -, the name (maybe quoted).
# Quoted strings are skipped whole so that "<<EOF" in quotes is no heredoc; one regex pass.
_HEREDOC_SCAN = re.compile(
    r"""'[^']*'?|"(?:[^"\\]|\\.)*"?|\\.|(?:(?<=\s)|^)\d*<<(-?)(["']?)([A-Za-z0-9_.-]+)\2"""
    r"""|[^'"\\<\s]+|\s+|<+""",
    re.S,
)


def heredoc_markers(value: str) -> list[tuple[str, bool]]:
    """``<<EOF``, ``<<-EOF``, ``<<"EOF"`` words of a RUN/COPY/ADD, in order."""
    markers = []
    for match in _HEREDOC_SCAN.finditer(value):
        if match.group(3):
            markers.append((match.group(3), match.group(1) == "-"))
            if len(markers) >= MAX_HEREDOCS:
                break
    return markers


def string_list(text: str, parse: Callable[[str], object] = json.loads) -> list[str] | None:
    """``'["a", "b"]'`` -> ["a", "b"]; None unless ``text`` parses as a list of strings.

    An exec form is one flat list: deeper nesting is refused before any parser sees it
    (json and ast recurse per level: RecursionError, MemoryError).
    """
    text = text.strip()
    if len(text) > MAX_LITERAL or text[1:].lstrip()[:1] in ("[", "{", "("):
        return None
    try:
        loaded = parse(text)
    except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
        return None
    if isinstance(loaded, list) and all(isinstance(word, str) for word in loaded):
        return loaded
    return None


class Command:
    """An ENTRYPOINT or CMD: exec form (``argv``) or shell form (``text``)."""

    __slots__ = ("instr", "exec_form", "argv", "text")

    def __init__(self, instr: Instruction, exec_form: bool, argv: list[str], text: str) -> None:
        self.instr = instr
        self.exec_form = exec_form
        self.argv = argv
        self.text = text


def command(instr: Instruction | None) -> Command | None:
    if instr is None:
        return None
    value = instr.value.strip()
    argv = string_list(value) if value.startswith("[") else None
    return Command(instr, False, [], value) if argv is None else Command(instr, True, argv, "")
