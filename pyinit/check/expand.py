"""Dockerfile variable expansion (``$VAR``, ``${VAR:-x}``) within a budget.

dockerfile-parse's WordSplitter does the expansion and the quoting. Unbounded, 40 lines
of ``ARG A{i}=${A{i-1}}${A{i-1}}`` double a value per line (24 GB at line 40), and the
splitter's per-character Python loop makes megabytes of text cost tens of seconds. So
every expansion is priced before it runs: a value longer than :data:`MAX_VALUE` (or that
would grow past it), more than :data:`MAX_REFERENCES` references in one text, or more
than :data:`MAX_WORK` characters through the splitter in one file, and the result is
:data:`UNKNOWN` instead, with one PI011 note on the instruction where it happened.
"""

from __future__ import annotations

import re

MAX_VALUE = 8 * 1024  # characters of one expanded value
MAX_REFERENCES = 64  # $VAR references in one text
MAX_WORK = 128 * 1024  # characters through the word splitter per file (~1 s)
#: What an unknown value reads as: it holds a ``$``, which every rule takes as "cannot tell".
UNKNOWN = "${?}"

_REFERENCE = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)|([A-Za-z_][A-Za-z0-9_]*))")


class Expander:
    """Expansion with one file's budget; :attr:`note` says where the budget ran out."""

    def __init__(self) -> None:
        self.work = 0
        self.note: tuple[int, str] | None = None  # (line, why) of the first refusal

    def _affordable(self, text: str, line: int, *scopes: dict[str, str] | None) -> bool:
        why = ""
        size = len(text)
        if len(text) > MAX_VALUE:
            why = f"a text of {len(text)} characters (over {MAX_VALUE})"
        elif "$" in text:
            references = 0
            for match in _REFERENCE.finditer(text):
                references += 1
                if references > MAX_REFERENCES:
                    why = f"more than {MAX_REFERENCES} variable references in one text"
                    break
                name = match.group(1) or match.group(2)
                size += max((len(scope.get(name, "")) for scope in scopes if scope), default=0)
            if not why and size > MAX_VALUE:
                why = f"a value that would grow to {size} characters (over {MAX_VALUE})"
        if not why and self.work + size > MAX_WORK:
            why = f"more than {MAX_WORK // 1024} KiB of text to expand in one file"
        if why:
            if self.note is None:
                self.note = (line, why)
            return False
        self.work += size  # the splitter's cost: what it reads and what it writes
        return True

    def expand(self, text: str, line: int, args: dict[str, str] | None,
               env: dict[str, str] | None) -> str:  # fmt: skip
        """``text`` with its variables expanded and quotes removed, or UNKNOWN."""
        if "$" not in text and not any(q in text for q in "\"'\\"):
            return text
        if _tainted(text, args, env) or not self._affordable(text, line, args, env):
            return UNKNOWN
        from dockerfile_parse.util import WordSplitter

        try:
            return WordSplitter(text, args=args or {}, envs=env or {}).dequote()
        except Exception:  # noqa: BLE001 - the splitter's own errors: unknown, as above
            return UNKNOWN

    def words(self, text: str, line: int, args: dict[str, str] | None,
              env: dict[str, str] | None) -> list[str] | None:  # fmt: skip
        """``text`` split into words as the shell would, expanded; None if unknown."""
        if not any(c in text for c in "$\"'\\"):
            return text.split()
        if _tainted(text, args, env) or not self._affordable(text, line, args, env):
            return None
        from dockerfile_parse.util import WordSplitter

        try:
            return list(WordSplitter(text, args=args or {}, envs=env or {}).split())
        except Exception:  # noqa: BLE001
            return None

    def key_values(self, text: str, line: int, args: dict[str, str] | None,
                   env: dict[str, str] | None, expand: bool) -> dict[str, str]:  # fmt: skip
        """``A=1 B="x y"`` (or ``A 1``) of ENV/ARG; a value it cannot afford is UNKNOWN."""
        if _tainted(text, args, env) or not self._affordable(text, line, args, env):
            names = {m.group(1) for m in re.finditer(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", text)}
            return dict.fromkeys(names, UNKNOWN)
        from dockerfile_parse.util import get_key_val_dictionary

        try:
            values = get_key_val_dictionary(text, env_replace=expand, args=args, envs=env)
        except Exception:  # noqa: BLE001
            return {}
        return {k: v if len(v) <= MAX_VALUE else UNKNOWN for k, v in values.items()}


def _tainted(text: str, *scopes: dict[str, str] | None) -> bool:
    """Whether ``text`` refers to a variable whose value is already UNKNOWN."""
    if "$" not in text:
        return False
    for match in _REFERENCE.finditer(text):
        name = match.group(1) or match.group(2)
        if any(scope and UNKNOWN in scope.get(name, "") for scope in scopes):
            return True
    return False
