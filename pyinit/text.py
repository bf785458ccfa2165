"""Text from other processes and files, made safe to print.

A process name, a command line or a Dockerfile line is chosen by whoever started that
process or wrote that file. Printed raw, its ESC, OSC, BEL, CR or newline bytes drive the
reader's terminal and can forge pyinit's own lines (a comm of ``"x\\n[pyinit] ok"``). Every
such string goes through :func:`printable` before it reaches text output; JSON output keeps
the exact value (JSON escapes it already).
"""

from __future__ import annotations

#: os.fsdecode() turns a byte that is not valid UTF-8 into a lone surrogate U+DC80..U+DCFF.
_SURROGATE_ESCAPE_LOW, _SURROGATE_ESCAPE_HIGH = 0xDC80, 0xDCFF


def _escape(char: str) -> str:
    code = ord(char)
    if _SURROGATE_ESCAPE_LOW <= code <= _SURROGATE_ESCAPE_HIGH:
        return f"\\x{code - 0xDC00:02x}"  # the original byte
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def printable(text: str) -> str:
    """``text`` with every non-printable character shown as ``\\xNN``/``\\uNNNN``.

    Non-printable is what ``str.isprintable`` says: C0 and C1 controls, DEL, line and
    paragraph separators, and format characters such as U+202E (right-to-left override).
    The space stays. A backslash is doubled, so an escape in the output always means an
    escaped character and never a literal ``\\x1b`` in the input. The result is one line.
    """
    if text.isprintable() and "\\" not in text:
        return text
    return "".join(
        "\\\\" if char == "\\" else char if char.isprintable() else _escape(char) for char in text
    )
