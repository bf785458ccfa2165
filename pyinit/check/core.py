"""Read a Dockerfile, build its final stage's image and run every rule on it."""

from __future__ import annotations

import os
import sys

from pyinit.check.chain import ChainChecker
from pyinit.check.dockerfile import MAX_BYTES, InputError, Instruction, Stage, parse_dockerfile
from pyinit.check.expand import Expander
from pyinit.check.image import Reader, resolve
from pyinit.check.rules import Diagnostic
from pyinit.check.stopsignal import check_stopsignal


def check_stages(
    stages: list[Stage],
    global_args: dict[str, str],
    read: Reader,
    dockerfile: str = "Dockerfile",
    expander: Expander | None = None,
) -> list[Diagnostic]:
    """Diagnostics for the final stage of ``stages`` (following FROM <earlier stage>)."""
    if not stages:
        return []
    expander = expander or Expander()
    image = resolve(stages, global_args, expander)
    found: list[tuple[Instruction | None, Diagnostic]] = []

    def report(instr: Instruction | None, code: str, message: str) -> None:
        if instr is not None:
            found.append((instr, Diagnostic(instr.line, instr.column, code, message)))

    stop = check_stopsignal(image, expander, report)
    checker = ChainChecker(image, read, dockerfile, stop)
    found.extend(checker.run())
    if expander.note is not None:
        line, why = expander.note
        message = f"{why}: such values are unknown, and rules that need them stay silent"
        found.append((None, Diagnostic(line, 1, "PI011", message)))
    seen: set[tuple[int, str]] = set()
    result: list[Diagnostic] = []
    for instr, diagnostic in found:
        key = (diagnostic.line, diagnostic.code)
        if key in seen or (instr is not None and diagnostic.code in instr.ignore):
            continue
        seen.add(key)
        result.append(diagnostic)
    result.sort(key=lambda d: (d.line, d.code))
    return result


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
    text = read_text(path)
    expander = Expander()
    stages, global_args = parse_dockerfile(text, path, expander)
    del text  # a 4 MB file: keep one copy in memory, the instructions
    if target is not None:
        names = [(stage.name or "").lower() for stage in stages]
        if target.lower() not in names:
            raise InputError(f"{path}: no stage named {target!r} (FROM ... AS {target})")
        stages = stages[: names.index(target.lower()) + 1]
    if context is None:
        context = os.path.dirname(path) if path != "-" else "."
    return check_stages(stages, global_args, context_reader(context or "."), path, expander)


def context_reader(context: str) -> Reader:
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
