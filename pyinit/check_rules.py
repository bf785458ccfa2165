"""The rules of ``pyinit check``: the image model, a small sh reader, and the PID-1 checks.

:mod:`pyinit.check` turns a Dockerfile into :class:`Stage` objects (with dockerfile-parse)
and prints what :func:`check_stages` finds. Nothing here reads files: scripts from the
build context come in through the ``read`` callback, so every rule is testable alone.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field
from typing import Callable, Optional

# ---------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str  # "error": it breaks `docker stop`; "warning": it may, or it is odd
    what: str
    why: str
    fix: str


RULES: dict[str, Rule] = {
    rule.code: rule
    for rule in (
        Rule(
            "PI001",
            "shell-form-entrypoint",
            "error",
            "ENTRYPOINT in shell form (ENTRYPOINT python app.py)",
            "Docker runs it as /bin/sh -c '...': the shell is PID 1, the kernel drops SIGTERM "
            "for it (no handler) and it never forwards the signal, so `docker stop` waits "
            "its full timeout and SIGKILLs. Shell form also ignores CMD and `docker run` args.",
            'Use exec form: ENTRYPOINT ["python", "app.py"] (or start the text with exec).',
        ),
        Rule(
            "PI002",
            "shell-form-cmd",
            "error",
            "CMD in shell form that ends up between PID 1 and the app",
            'Without ENTRYPOINT (or with an entrypoint script that execs "$@") the shell '
            "becomes PID 1, as in PI001. Under an init the shell is the init's child: tini "
            "(without -g) signals only the shell, which dies and leaves the app to SIGKILL; "
            "group-signalling inits exit as soon as the shell dies, cutting the app's "
            "shutdown short. Only pyinit --grace waits for the app. After a program "
            "ENTRYPOINT the words /bin/sh -c '...' become its arguments.",
            'Use exec form: CMD ["python", "app.py"] (or start the text with exec).',
        ),
        Rule(
            "PI003",
            "no-init",
            "warning",
            "no init as PID 1 in the final stage",
            "PID 1 gets no default signal actions (SIGTERM without a handler is dropped) "
            "and must reap orphaned zombies; most apps do neither.",
            'ENTRYPOINT ["pyinit", "--"] (or tini, dumb-init, catatonit, s6), or run with '
            "`docker run --init` / compose `init: true` and ignore PI003.",
        ),
        Rule(
            "PI004",
            "entrypoint-script-no-exec",
            "error",
            "entrypoint script from the build context whose last command is not exec'ed",
            "The script's shell stays as the parent of the app: as PID 1 it drops and never "
            "forwards SIGTERM; under an init it gets the signal and dies, so the app is "
            "SIGKILLed mid-shutdown and the exit code is the shell's.",
            'End the script with exec: exec "$@" or exec python app.py.',
        ),
        Rule(
            "PI005",
            "sh-c-no-exec",
            "error",
            '`sh -c "..."` in an exec-form ENTRYPOINT/CMD whose command is not exec\'ed',
            "Same as PI004: the shell sits between PID 1 (or the init) and the app.",
            'Start the last command with exec: ["sh", "-c", "migrate && exec app"].',
        ),
        Rule(
            "PI006",
            "invalid-stopsignal",
            "error",
            "STOPSIGNAL that is not a signal (unknown name, 0, above 64)",
            "Docker cannot parse or deliver it: the build or `docker stop` fails.",
            "Use a name such as SIGTERM, SIGINT, SIGQUIT or a number from 1 to 64.",
        ),
        Rule(
            "PI007",
            "uncatchable-stopsignal",
            "error",
            "STOPSIGNAL SIGKILL or SIGSTOP",
            "Neither can be caught: SIGKILL gives the app no chance to shut down cleanly; "
            "SIGSTOP only freezes it, and `docker stop` SIGKILLs it after the timeout.",
            "Use SIGTERM, or the signal the app shuts down gracefully on.",
        ),
        Rule(
            "PI008",
            "inert-stopsignal",
            "warning",
            "STOPSIGNAL whose default action is not to terminate (CHLD, CONT, URG, WINCH: "
            "ignored; TSTP, TTIN, TTOU: stop)",
            "Unless the app handles it, nothing happens and `docker stop` waits out its "
            "timeout. (httpd handles SIGWINCH on purpose: ignore PI008 there.)",
            "Use SIGTERM, or the signal the app documents for a graceful stop.",
        ),
        Rule(
            "PI009",
            "stopsignal-rewritten",
            "error",
            "the init rewrites the stop signal away (pyinit -r TERM:0, dumb-init --rewrite "
            "15:0) or into SIGKILL/SIGSTOP or a signal ignored by default",
            "The stop signal (STOPSIGNAL, else SIGTERM) never reaches the app as a signal it "
            "can act on: `docker stop` always waits its timeout and SIGKILLs (or, rewritten "
            "to SIGKILL, the app never gets to clean up).",
            "Drop the rewrite, or rewrite the stop signal into one the app handles "
            "(pyinit -r TERM:INT).",
        ),
        Rule(
            "PI010",
            "exec-form-not-json",
            "error",
            "ENTRYPOINT/CMD that looks like exec form but is not a JSON array of strings",
            "Docker silently falls back to shell form (/bin/sh -c \"['app']\"): the "
            "command fails to start, or the shell is PID 1 as in PI001.",
            'Use JSON: double quotes, commas, strings only: ["python", "app.py"].',
        ),
    )
}


@dataclass
class Diagnostic:
    line: int
    column: int
    code: str
    message: str

    @property
    def severity(self) -> str:
        return RULES[self.code].severity


# ---------------------------------------------------------------------------- model


@dataclass
class Heredoc:
    name: str
    body: str
    line: int  # 1-based line of the heredoc's first body line


@dataclass
class Instruction:
    keyword: str  # upper case
    value: str  # continuation lines joined, as dockerfile-parse gives it
    line: int  # 1-based first line
    column: int  # 1-based
    heredocs: list[Heredoc] = field(default_factory=list)
    ignore: frozenset[str] = frozenset()


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction]


@dataclass
class _File:
    dest: str  # absolute path in the image
    dest_is_dir: bool
    src: str | None = None  # context-relative source (may hold * ? [)
    content: str | None = None  # heredoc text
    offset: int = 0  # Dockerfile line before a heredoc's first line


_DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


@dataclass
class _Image:
    entrypoint: Instruction | None = None
    cmd: Instruction | None = None
    stopsignal: Instruction | None = None
    shell: list[str] = field(default_factory=lambda: ["/bin/sh", "-c"])
    workdir: str = "/"
    env: dict[str, str] = field(default_factory=lambda: {"PATH": _DEFAULT_PATH})
    args: dict[str, str] = field(default_factory=dict)
    files: list[_File] = field(default_factory=list)


Reader = Callable[[str], Optional[tuple[str, str]]]  # context path -> (display name, text)

# ---------------------------------------------------------------------------- signals
# Linux numbering as Docker parses STOPSIGNAL (case-insensitive, SIG optional).

_SIGNALS: dict[str, int] = {
    "HUP": 1, "INT": 2, "QUIT": 3, "ILL": 4, "TRAP": 5, "ABRT": 6, "IOT": 6, "BUS": 7,
    "FPE": 8, "KILL": 9, "USR1": 10, "SEGV": 11, "USR2": 12, "PIPE": 13, "ALRM": 14,
    "TERM": 15, "STKFLT": 16, "CHLD": 17, "CLD": 17, "CONT": 18, "STOP": 19, "TSTP": 20,
    "TTIN": 21, "TTOU": 22, "URG": 23, "XCPU": 24, "XFSZ": 25, "VTALRM": 26, "PROF": 27,
    "WINCH": 28, "IO": 29, "POLL": 29, "PWR": 30, "SYS": 31, "UNUSED": 31,
}  # fmt: skip
_RTMIN, _RTMAX = 34, 64
_NAMES = {num: "SIG" + name for name, num in reversed(list(_SIGNALS.items()))}
_IGNORED_BY_DEFAULT = {17, 18, 23, 28}
_STOP_BY_DEFAULT = {20, 21, 22}
SIGTERM, SIGKILL, SIGSTOP = 15, 9, 19


def parse_signal(text: str) -> int | None:
    """``"SIGTERM"``, ``"term"``, ``"15"``, ``"RTMIN+3"`` -> number; None if not a signal.

    ``"0"`` gives 0 (callers decide: a rewrite target of 0 means drop).
    """
    word = text.strip().upper()
    if word.isdigit():
        number = int(word)
        return number if number <= _RTMAX else None
    word = word[3:] if word.startswith("SIG") else word
    if word in _SIGNALS:
        return _SIGNALS[word]
    for base, value, sign in (("RTMIN", _RTMIN, "+"), ("RTMAX", _RTMAX, "-")):
        if word == base:
            return value
        if word.startswith(base + sign) and word[6:].isdigit():
            number = value + int(word[6:]) * (1 if sign == "+" else -1)
            return number if _RTMIN <= number <= _RTMAX else None
    return None


def signal_name(number: int) -> str:
    if number in _NAMES:
        return _NAMES[number]
    if _RTMIN <= number <= _RTMAX:
        return f"SIGRTMIN+{number - _RTMIN}" if number != _RTMIN else "SIGRTMIN"
    return str(number)


# ---------------------------------------------------------------------------- sh reader
# Just enough of POSIX sh to find the command a script (or `sh -c` text) ends with:
# quotes, $( ), backquotes, line continuations, comments, heredocs, ; & && || |,
# if/case/while/until/for, { }, ( ) and function definitions.


class _ShError(Exception):
    pass


@dataclass
class _Tok:
    kind: str  # "word", "op", "redir", "nl", "eof"
    raw: str
    plain: str  # quotes removed (words only)
    line: int


_OPS = (";;&", ";;", ";&", "&&", "||", "|&", ";", "&", "|", "(", ")")
_REDIRS = ("<<-", "<<<", "<<", ">>", "<&", ">&", "<>", ">|", "&>>", "&>", "<", ">")
_META = " \t\r\n;&|()<>"


def _closing(src: str, i: int, opener: str, closer: str) -> int:
    """Index just after the ``closer`` that matches ``src[i] == opener``."""
    n = len(src)
    if opener == closer:  # "..." or `...`
        j = i + 1
        while j < n:
            c = src[j]
            if c == "\\":
                j += 2
            elif c == closer:
                return j + 1
            elif opener == '"' and src.startswith("$(", j):
                j = _closing(src, j + 1, "(", ")")
            elif opener == '"' and c == "`":
                j = _closing(src, j, "`", "`")
            else:
                j += 1
        raise _ShError(f"unterminated {opener}")
    depth, j = 0, i
    while j < n:
        c = src[j]
        if c == "\\":
            j += 2
            continue
        if c == "'":
            end = src.find("'", j + 1)
            if end < 0:
                raise _ShError("unterminated '")
            j = end + 1
            continue
        if c in '"`':
            j = _closing(src, j, c, c)
            continue
        if c == opener:
            depth += 1
        elif c == closer:
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    raise _ShError(f"unterminated {opener}")


def _tokenize(src: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n, line = 0, len(src), 1
    heredocs: list[tuple[str, bool]] = []
    want_delim: bool | None = None  # strip-tabs flag of a pending << delimiter
    while i < n:
        c = src[i]
        if c == "\\" and src.startswith("\n", i + 1):
            i, line = i + 2, line + 1
            continue
        if c in " \t\r":
            i += 1
            continue
        if c == "\n":
            toks.append(_Tok("nl", "\n", "", line))
            i, line = i + 1, line + 1
            for delim, strip in heredocs:  # skip the bodies, in order
                while i < n:
                    end = src.find("\n", i)
                    end = n if end < 0 else end
                    body_line = src[i:end]
                    i, line = end + 1, line + 1
                    if (body_line.lstrip("\t") if strip else body_line) == delim:
                        break
            heredocs = []
            continue
        if c == "#":
            end = src.find("\n", i)
            i = n if end < 0 else end
            continue
        op = next((o for o in _OPS if src.startswith(o, i)), None)
        redir = next((r for r in _REDIRS if src.startswith(r, i)), None)
        if redir and (not op or len(redir) >= len(op)):
            toks.append(_Tok("redir", redir, "", line))
            i += len(redir)
            if redir in ("<<", "<<-"):
                want_delim = redir == "<<-"
            continue
        if op:
            toks.append(_Tok("op", op, "", line))
            i += len(op)
            continue
        start, start_line, plain = i, line, []
        while i < n and src[i] not in _META:
            c = src[i]
            if c == "\\":
                if src.startswith("\n", i + 1):
                    line += 1
                else:
                    plain.append(src[i + 1 : i + 2])
                i += 2
            elif c == "'":
                end = src.find("'", i + 1)
                if end < 0:
                    raise _ShError("unterminated '")
                plain.append(src[i + 1 : end])
                i = end + 1
            elif c == '"':
                end = _closing(src, i, '"', '"')
                plain.append(src[i + 1 : end - 1].replace('\\"', '"'))
                i = end
            elif c == "`":
                end = _closing(src, i, "`", "`")
                plain.append(src[i:end])
                i = end
            elif c == "$" and src.startswith("(", i + 1):
                end = _closing(src, i + 1, "(", ")")
                plain.append(src[i:end])
                i = end
            elif c == "$" and src.startswith("{", i + 1):
                end = _closing(src, i + 1, "{", "}")
                plain.append(src[i:end])
                i = end
            else:
                plain.append(c)
                i += 1
        raw = src[start:i]
        line = start_line + raw.count("\n")
        word = "".join(plain)
        if raw.isdigit() and i < n and src[i] in "<>":
            continue  # an IO number: 2>&1
        if want_delim is not None:
            heredocs.append((word, want_delim))
            want_delim = None
        toks.append(_Tok("word", raw, word, start_line))
    toks.append(_Tok("eof", "", "", line))
    return toks


@dataclass
class _Simple:
    words: list[str]  # plain
    text: str
    line: int


@dataclass
class _Node:
    kind: str  # "andor", "pipe", "if", "case", "loop", "group", "subshell", "func", "not"
    parts: list[object]  # nodes, or bodies (lists of _Item) for if/case/loop/...
    name: str = ""


@dataclass
class _Item:
    node: object
    background: bool = False


_RESERVED = {"if", "then", "elif", "else", "fi", "do", "done", "case", "esac", "while",
             "until", "for", "{", "}", "!", "in", "function"}  # fmt: skip


class _Parser:
    def __init__(self, toks: list[_Tok]) -> None:
        self.toks = toks
        self.pos = 0

    def peek(self) -> _Tok:
        return self.toks[self.pos]

    def take(self) -> _Tok:
        tok = self.toks[self.pos]
        if tok.kind != "eof":
            self.pos += 1
        return tok

    def at_word(self, *words: str) -> bool:
        tok = self.peek()
        return tok.kind == "word" and tok.raw == tok.plain and tok.raw in words

    def at_op(self, *ops: str) -> bool:
        tok = self.peek()
        return tok.kind == "op" and tok.raw in ops

    def expect_word(self, word: str) -> None:
        if not self.at_word(word):
            raise _ShError(f"expected {word}")
        self.take()

    def newlines(self) -> None:
        while self.peek().kind == "nl":
            self.take()

    def body(self, stop_words: tuple[str, ...] = (), stop_ops: tuple[str, ...] = ()) -> list:
        items: list[_Item] = []
        while True:
            self.newlines()
            tok = self.peek()
            if tok.kind == "eof" or self.at_word(*stop_words) or self.at_op(*stop_ops):
                return items
            if tok.kind == "op" and tok.raw not in ("(",):
                raise _ShError(f"unexpected {tok.raw}")
            item = _Item(self.and_or())
            if self.at_op("&"):
                self.take()
                item.background = True
            elif self.at_op(";"):
                self.take()
            elif self.peek().kind not in ("nl", "eof") and not self.at_op(*stop_ops):
                if not self.at_word(*stop_words):
                    raise _ShError(f"unexpected {self.peek().raw}")
            items.append(item)

    def and_or(self) -> object:
        nodes = [self.pipeline()]
        while self.at_op("&&", "||"):
            self.take()
            self.newlines()
            nodes.append(self.pipeline())
        return nodes[0] if len(nodes) == 1 else _Node("andor", nodes)

    def pipeline(self) -> object:
        negate = self.at_word("!")
        if negate:
            self.take()
        nodes = [self.command()]
        while self.at_op("|", "|&"):
            self.take()
            self.newlines()
            nodes.append(self.command())
        node = nodes[0] if len(nodes) == 1 else _Node("pipe", nodes)
        return _Node("not", [node]) if negate else node

    def redirects(self) -> None:
        while self.peek().kind == "redir":
            self.take()
            if self.take().kind != "word":
                raise _ShError("redirection without a target")

    def command(self) -> object:
        tok = self.peek()
        if self.at_word("if"):
            node = self.if_clause()
        elif self.at_word("while", "until"):
            self.take()
            self.body(("do",))
            self.expect_word("do")
            node = _Node("loop", [self.body(("done",))])
            self.expect_word("done")
        elif self.at_word("for"):
            self.take()
            if self.take().kind != "word":
                raise _ShError("for without a name")
            self.newlines()
            if self.at_word("in"):
                while self.take().kind == "word":
                    pass
            elif self.at_op(";"):
                self.take()
            self.newlines()
            self.expect_word("do")
            node = _Node("loop", [self.body(("done",))])
            self.expect_word("done")
        elif self.at_word("case"):
            node = self.case_clause()
        elif self.at_word("{"):
            self.take()
            node = _Node("group", [self.body(("}",))])
            self.expect_word("}")
        elif self.at_op("("):
            self.take()
            node = _Node("subshell", [self.body((), (")",))])
            if not self.at_op(")"):
                raise _ShError("expected )")
            self.take()
        elif self.at_word("function"):
            self.take()
            name = self.take().plain
            if self.at_op("("):
                self.take()
                self.take()
            self.newlines()
            return _Node("func", [self.command()], name)
        else:
            return self.simple(tok)
        self.redirects()
        return node

    def simple(self, first: _Tok) -> object:
        words: list[_Tok] = []
        while True:
            tok = self.peek()
            if tok.kind == "redir":
                self.redirects()
            elif tok.kind == "word":
                words.append(self.take())
            else:
                break
        if len(words) == 1 and self.at_op("("):  # name() compound-command
            self.take()
            if not self.at_op(")"):
                raise _ShError("expected )")
            self.take()
            self.newlines()
            return _Node("func", [self.command()], words[0].plain)
        if not words and first.kind != "redir":
            raise _ShError(f"unexpected {first.raw or 'end of input'}")
        text = " ".join(tok.raw for tok in words)
        return _Simple([tok.plain for tok in words], text, first.line)

    def if_clause(self) -> _Node:
        self.take()
        bodies: list[list[_Item]] = []
        while True:
            self.body(("then",))
            self.expect_word("then")
            bodies.append(self.body(("elif", "else", "fi")))
            if self.at_word("elif"):
                self.take()
                continue
            break
        node = _Node("if", bodies, "")
        if self.at_word("else"):
            self.take()
            bodies.append(self.body(("fi",)))
            node.name = "else"
        self.expect_word("fi")
        return node

    def case_clause(self) -> _Node:
        self.take()
        self.take()
        self.newlines()
        self.expect_word("in")
        bodies: list[list[_Item]] = []
        node = _Node("case", bodies)
        while True:
            self.newlines()
            if self.at_word("esac"):
                break
            if self.at_op("("):
                self.take()
            while True:
                tok = self.take()
                if tok.kind != "word":
                    raise _ShError("bad case pattern")
                if tok.plain == "*":
                    node.name = "else"
                if not self.at_op("|"):
                    break
                self.take()
            if not self.at_op(")"):
                raise _ShError("expected ) in case")
            self.take()
            bodies.append(self.body(("esac",), (";;", ";&", ";;&")))
            if self.at_op(";;", ";&", ";;&"):
                self.take()
        self.expect_word("esac")
        return node


def parse_sh(src: str) -> list[_Item] | None:
    """The top-level commands of a script, or None if it is not sh we can read."""
    try:
        parser = _Parser(_tokenize(src))
        items = parser.body()
        if parser.peek().kind != "eof":
            return None
        return items
    except (_ShError, IndexError, RecursionError):
        return None


@dataclass
class Verdict:
    """How a script ends: "exec" (replaced by another program), "problem" (a command
    runs under the shell), "handled" (traps the stop signal and waits), "neutral" (only
    short built-ins) or "unknown" (sources another file, eval, unreadable)."""

    kind: str
    line: int = 0
    text: str = ""
    reason: str = ""
    targets: list[list[str]] = field(default_factory=list)


# Commands that return at once: a script that ends with them ends; look further up.
_SHORT = {":", "true", "false", "exit", "return", "set", "unset", "export", "readonly",
          "local", "declare", "typeset", "shift", "cd", "umask", "ulimit", "trap", "echo",
          "printf", "test", "[", "[[", "mkdir", "chmod", "chown", "ln", "rm", "cp", "mv",
          "touch", "alias", "hash", "type", "getopts"}  # fmt: skip


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name.isidentifier()


class _Judge:
    def __init__(self, items: list[_Item], stop_words: set[str]) -> None:
        self.funcs: dict[str, object] = {}
        self.traps = False
        self.stop_words = stop_words
        self.depth = 0
        self._scan(items)

    def _scan(self, obj: object) -> None:
        if isinstance(obj, list):
            for element in obj:
                self._scan(element)
        elif isinstance(obj, _Item):
            self._scan(obj.node)
        elif isinstance(obj, _Node):
            if obj.kind == "func":
                self.funcs[obj.name] = obj.parts[0]
            self._scan(obj.parts)
        elif isinstance(obj, _Simple) and obj.words[:1] == ["trap"]:
            specs = {word.upper().removeprefix("SIG") for word in obj.words[2:]}
            if specs & self.stop_words:
                self.traps = True

    def body(self, items: list[_Item]) -> Verdict:
        for item in reversed(items):
            verdict = self.item(item)
            if verdict.kind != "neutral":
                return verdict
        return Verdict("neutral")

    def item(self, item: _Item) -> Verdict:
        if isinstance(item.node, _Node) and item.node.kind == "func":
            return Verdict("neutral")
        verdict = self.node(item.node)
        if item.background and verdict.kind in ("exec", "problem"):
            return Verdict(
                "problem",
                verdict.line,
                verdict.text,
                "runs in the background and the script ends (or waits) in the shell",
            )
        return verdict

    def node(self, node: object) -> Verdict:
        if isinstance(node, _Simple):
            return self.simple(node)
        assert isinstance(node, _Node)
        if node.kind in ("if", "case"):
            verdicts = [self.body(body) for body in node.parts]  # type: ignore[arg-type]
            for kind in ("problem", "unknown"):
                for verdict in verdicts:
                    if verdict.kind == kind:
                        return verdict
            targets = [t for v in verdicts for t in v.targets]
            if any(v.kind == "exec" for v in verdicts):
                return Verdict("exec", targets=targets)
            if any(v.kind == "handled" for v in verdicts):
                return Verdict("handled")
            return Verdict("neutral")
        if node.kind == "loop":
            verdict = self.body(node.parts[0])  # type: ignore[arg-type]
            if verdict.kind == "problem" and not verdict.reason:
                verdict.reason = "runs in a loop in the shell"
            return verdict
        if node.kind == "group":
            return self.body(node.parts[0])  # type: ignore[arg-type]
        if node.kind == "subshell":
            verdict = self.body(node.parts[0])  # type: ignore[arg-type]
            if verdict.kind in ("exec", "problem"):
                return Verdict(
                    "problem",
                    verdict.line,
                    verdict.text,
                    "runs in a ( subshell ): exec there replaces only the subshell",
                )
            return verdict
        if node.kind == "not":
            return self.node(node.parts[0])
        if node.kind == "pipe":
            for part in node.parts:
                verdict = self.node(part)
                if verdict.kind in ("exec", "problem"):
                    return Verdict(
                        "problem",
                        verdict.line,
                        verdict.text,
                        "runs in a pipeline, which the shell waits for",
                    )
            return Verdict("neutral")
        if node.kind == "andor":
            verdicts = [self.node(part) for part in node.parts]
            if any(v.kind == "exec" for v in verdicts):
                return Verdict("exec", targets=[t for v in verdicts for t in v.targets])
            for verdict in reversed(verdicts):
                if verdict.kind != "neutral":
                    return verdict
            return Verdict("neutral")
        return Verdict("neutral")  # func definitions

    def simple(self, node: _Simple) -> Verdict:
        words = list(node.words)
        while words and _is_assignment(words[0]):
            words.pop(0)
        if words[:1] in (["command"], ["builtin"]):
            if words[1:2] and words[1].startswith("-"):
                return Verdict("neutral")  # command -v NAME
            words.pop(0)
        if not words:
            return Verdict("neutral")
        name = words[0]
        if name == "exec":
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                option = rest.pop(0)
                if option == "--":
                    break
                if option == "-a" and rest:
                    rest.pop(0)
            return (
                Verdict("exec", node.line, node.text, targets=[rest])
                if rest
                else (Verdict("neutral"))
            )
        if name in self.funcs and self.depth < 8:
            self.depth += 1
            try:
                verdict = self.node(self.funcs[name])
            finally:
                self.depth -= 1
            if verdict.kind == "problem" and not verdict.reason:
                verdict.reason = f"in function {name}"
            return verdict
        if name == "wait":
            if self.traps:
                return Verdict("handled", node.line, node.text)
            return Verdict(
                "problem",
                node.line,
                node.text,
                "waits for a background job, and no trap passes the stop signal on to it",
            )
        if name in (".", "source", "eval"):
            return Verdict("unknown", node.line, node.text)
        if name in _SHORT:
            return Verdict("neutral")
        return Verdict("problem", node.line, node.text)


def judge_sh(src: str, stop_signal: int = SIGTERM) -> Verdict:
    """How the script ``src`` ends, from the point of view of signal delivery."""
    items = parse_sh(src)
    if items is None:
        return Verdict("unknown")
    name = signal_name(stop_signal).removeprefix("SIG")
    judge = _Judge(items, {name, str(stop_signal)})
    verdict = judge.body(items)
    if verdict.kind == "problem" and judge.traps and not verdict.reason:
        verdict.reason = "a trap does not run while the shell waits for a foreground command"
    return verdict


# ---------------------------------------------------------------------------- programs

_SHELLS = {"sh", "bash", "dash", "ash", "ksh", "mksh", "zsh", "busybox"}
_INITS = {"pyinit", "tini", "tini-static", "docker-init", "dumb-init", "catatonit"}
_OTHER_INITS = {"s6-svscan", "s6-linux-init", "runsvdir", "runit", "runit-init", "my_init",
                "supervisord", "systemd", "init", "openrc-init", "s6-overlay-suexec"}  # fmt: skip
# Programs that exec the rest of their arguments after options and N words of their own.
_WRAPPERS = {"gosu": 1, "su-exec": 1, "s6-setuidgid": 1, "setpriv": 0, "nice": 0,
             "chpst": 0, "env": 0}  # fmt: skip
_WRAPPER_VALUE_OPTIONS = {"-n", "-u", "-U", "-g"}
_GETOPT = {
    "pyinit": ("hcgr:e:sp:wvlV", ["help", "single-child", "process-group", "rewrite=",
               "expect=", "grace=", "subreaper", "pdeath=", "warn-on-reap", "verbose",
               "log-format=", "license", "version"]),
    "tini": ("hsvVgwlp:e:", []),
    "dumb-init": ("hcr:vV", ["help", "single-child", "rewrite=", "verbose", "version"]),
    "catatonit": ("ghLPV", []),
}  # fmt: skip


@dataclass
class _Init:
    name: str
    group: bool  # signals the child's whole process group
    grace: bool  # waits for the app after the main child dies (pyinit --grace)
    rewrites: list[str]  # FROM:TO
    child: list[str] | None  # None: does not run a command we can follow


def _init_of(argv: list[str], env: dict[str, str]) -> _Init | None:
    base = posixpath.basename(argv[0])
    args = argv[1:]
    if base.startswith("python") and args[:2] == ["-m", "pyinit"]:
        base, args = "pyinit", args[2:]
    if base.startswith("tini") or base == "docker-init":
        base = "tini"
    if base not in _INITS and base not in _OTHER_INITS and argv[0] != "/init":
        return None
    if base not in _GETOPT:
        return _Init(base, True, True, [], None)
    import getopt

    short, long = _GETOPT[base]
    try:
        options, child = getopt.getopt(args, short, long)
    except getopt.GetoptError:
        return _Init(base, True, True, [], None)
    flags = {name for name, _ in options}
    values = [value for name, value in options if name in ("-r", "--rewrite")]
    if base == "pyinit":
        group = env.get("DUMB_INIT_SETSID") != "0" or "TINI_KILL_PROCESS_GROUP" in env
        group = (group and not flags & {"-c", "--single-child"}) or "-g" in flags
        grace = any(name == "--grace" and _positive(value) for name, value in options)
        grace = grace or _positive(env.get("PYINIT_GRACE", ""))
        return _Init(base, group, grace, values, child)
    if base == "tini":
        group = "-g" in flags or "TINI_KILL_PROCESS_GROUP" in env
        return _Init(base, group, False, [], child)
    if base == "dumb-init":
        group = not flags & {"-c", "--single-child"} and env.get("DUMB_INIT_SETSID") != "0"
        return _Init(base, group, False, values, child)
    return _Init(base, "-g" in flags, False, [], child)


def _positive(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _shell_of(argv: list[str]) -> tuple[str, str | None, list[str]] | None:
    """``["sh", "-ec", "TEXT", "a0", "a1"]`` -> ("sh", "TEXT", ["a1"]) (the -c text and $@);
    ``["bash", "x.sh", "a"]`` -> ("bash", None, ["x.sh", "a"]) (a script and its args)."""
    base = posixpath.basename(argv[0])
    args = argv[1:]
    if base == "busybox":
        if not args or args[0] not in _SHELLS - {"busybox"}:
            return None
        base, args = args[0], args[1:]
    if base not in _SHELLS:
        return None
    command = False
    while args and args[0][:1] in ("-", "+") and args[0] not in ("-", "--"):
        option = args.pop(0)
        if option in ("-o", "+o", "-O", "+O") and args:
            args.pop(0)
        elif option.startswith("-") and not option.startswith("--") and "c" in option:
            command = True
    if args[:1] in (["-"], ["--"]):
        args.pop(0)
    if command:
        if not args:
            return None
        return base, args[0], args[2:]
    return (base, None, args) if args else None


def _strip_wrappers(argv: list[str]) -> list[str]:
    while argv and posixpath.basename(argv[0]) in _WRAPPERS:
        fixed = _WRAPPERS[posixpath.basename(argv[0])]
        argv = argv[1:]
        while argv and (argv[0].startswith("-") or _is_assignment(argv[0])):
            option = argv.pop(0)
            if option == "--":
                break
            if option in _WRAPPER_VALUE_OPTIONS and argv:
                argv.pop(0)
        argv = argv[fixed:]
    return argv


def _exec_form(words: list[str]) -> str:
    return "[" + ", ".join(json.dumps(word) for word in words) + "]"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _suggest(text: str) -> str:
    """Exec form for a shell-form text when it is a plain command, else ``["..."]``."""
    import shlex

    body = text.strip()
    if body.startswith("exec "):
        body = body[5:]
    if any(c in body for c in "$`;&|<>(){}*?~\\") or "\n" in body:
        return '["..."]'
    try:
        words = shlex.split(body)
    except ValueError:
        return '["..."]'
    return _exec_form(words) if words else '["..."]'


# ---------------------------------------------------------------------------- image


def _expand(text: str, image: _Image) -> str:
    from dockerfile_parse.util import WordSplitter

    return WordSplitter(text, args=image.args, envs=image.env).dequote()


def _words(text: str, image: _Image) -> list[str]:
    from dockerfile_parse.util import WordSplitter

    return list(WordSplitter(text, args=image.args, envs=image.env).split())


def _key_values(text: str, image: _Image, expand: bool) -> dict[str, str]:
    from dockerfile_parse.util import get_key_val_dictionary

    try:
        return get_key_val_dictionary(text, env_replace=expand, args=image.args, envs=image.env)
    except (ValueError, IndexError):
        return {}


def _copy(instr: Instruction, image: _Image, images: dict[str, _Image]) -> None:
    rest = instr.value.strip()
    flags: dict[str, str] = {}
    while rest.startswith("--"):
        flag, _, rest = rest.partition(" ")
        name, _, value = flag[2:].partition("=")
        flags[name] = value
        rest = rest.strip()
    words: list[str] = []
    if rest.startswith("["):
        try:
            loaded = json.loads(rest)
            if isinstance(loaded, list) and all(isinstance(w, str) for w in loaded):
                words = [_expand(word, image) for word in loaded]
        except ValueError:
            pass
    if not words:
        words = _words(rest, image)
    if len(words) < 2:
        return
    *sources, dest = words
    many = len(sources) > 1 or dest.endswith("/")
    dest = posixpath.normpath(posixpath.join(image.workdir, dest))
    heredocs = iter(instr.heredocs)
    source_image = images.get(flags.get("from", "").lower())
    for source in sources:
        if source.startswith("<<"):
            doc = next(heredocs, None)
            if doc is not None:
                path = posixpath.join(dest, doc.name) if many else dest
                image.files.append(_File(path, False, content=doc.body, offset=doc.line - 1))
            continue
        if "://" in source or source.startswith("git@"):
            continue
        if "from" in flags:
            if source_image is None:
                continue
            found = _find_file(source_image, posixpath.normpath(posixpath.join("/", source)))
            if found is not None:
                path = posixpath.join(dest, posixpath.basename(source)) if many else dest
                image.files.append(_File(path, False, found.src, found.content, found.offset))
            continue
        src = posixpath.normpath(source.lstrip("/")) if source.strip("/.") else "."
        image.files.append(_File(dest, many, src))


def _find_file(image: _Image, path: str) -> _File | None:
    """The newest COPY that put ``path`` into the image, as a file-level entry."""
    import fnmatch

    for entry in reversed(image.files):
        if entry.content is not None or not entry.dest_is_dir:
            if entry.dest == path:
                return entry
        if entry.content is not None or entry.src is None:
            continue
        prefix = entry.dest.rstrip("/") + "/"
        if not path.startswith(prefix):
            continue
        rel = path[len(prefix) :]
        src = entry.src
        if any(c in src for c in "*?["):
            if "/" not in rel and fnmatch.fnmatchcase(rel, posixpath.basename(src)):
                return _File(path, False, posixpath.join(posixpath.dirname(src), rel))
            continue
        if not entry.dest_is_dir and rel != posixpath.basename(src):
            # COPY src /dir (no slash): a file lands in /dir/src if /dir exists, a
            # directory's content lands in /dir.
            return _File(path, False, posixpath.normpath(posixpath.join(src, rel)))
        if rel == posixpath.basename(src):
            return _File(path, False, src)
        return _File(path, False, posixpath.normpath(posixpath.join(src, rel)))
    return None


def _resolve(stages: list[Stage], global_args: dict[str, str]) -> tuple[_Image, dict]:
    images: dict[str, _Image] = {}
    image = _Image()
    for index, stage in enumerate(stages):
        parent = images.get(stage.base.lower())
        if parent is not None:
            image = _Image(
                parent.entrypoint, parent.cmd, parent.stopsignal, list(parent.shell),
                parent.workdir, dict(parent.env), {}, list(parent.files),
            )  # fmt: skip
        else:
            image = _Image()
        cmd_inherited = image.cmd is not None
        for instr in stage.instructions:
            keyword = instr.keyword
            if keyword == "ENTRYPOINT":
                image.entrypoint = instr
                if cmd_inherited:
                    image.cmd = None
            elif keyword == "CMD":
                image.cmd = instr
                cmd_inherited = False
            elif keyword == "STOPSIGNAL":
                image.stopsignal = instr
            elif keyword == "SHELL":
                try:
                    shell = json.loads(instr.value)
                    if isinstance(shell, list) and shell and all(isinstance(w, str) for w in shell):
                        image.shell = shell
                except ValueError:
                    pass
            elif keyword == "WORKDIR":
                image.workdir = posixpath.normpath(
                    posixpath.join(image.workdir, _expand(instr.value.strip(), image))
                )
            elif keyword == "ENV":
                image.env.update(_key_values(instr.value, image, True))
            elif keyword == "ARG":
                for name, value in _key_values(instr.value, image, False).items():
                    if "=" in instr.value:
                        image.args[name] = _expand(value, image)
                    elif name in global_args:
                        image.args[name] = global_args[name]
            elif keyword in ("COPY", "ADD"):
                _copy(instr, image, images)
        images[str(index)] = image
        if stage.name:
            images[stage.name.lower()] = image
    return image, images


# ---------------------------------------------------------------------------- checks


@dataclass
class _Cmd:
    instr: Instruction
    exec_form: bool
    argv: list[str]  # exec form
    text: str  # shell form


def _command(instr: Instruction | None) -> _Cmd | None:
    if instr is None:
        return None
    value = instr.value.strip()
    if value.startswith("["):
        try:
            loaded = json.loads(value)
        except ValueError:
            loaded = None
        if isinstance(loaded, list) and all(isinstance(word, str) for word in loaded):
            return _Cmd(instr, True, loaded, "")
    return _Cmd(instr, False, [], value)


class _Checker:
    def __init__(self, image: _Image, read: Reader, dockerfile: str) -> None:
        self.image = image
        self.dockerfile = dockerfile
        self.read = read
        self.out: list[tuple[Instruction, Diagnostic]] = []
        self.stop = SIGTERM
        self.entrypoint = _command(image.entrypoint)
        self.cmd = _command(image.cmd)
        self.top: Instruction | None = None  # first of ENTRYPOINT/CMD: PI003, PI009 go here
        self.anchor: Instruction | None = None  # the one being followed: PI004, PI005
        self.seen_scripts: set[str] = set()

    def report(self, instr: Instruction | None, code: str, message: str) -> None:
        if instr is not None:
            self.out.append((instr, Diagnostic(instr.line, instr.column, code, message)))

    # -- STOPSIGNAL

    def stopsignal(self) -> None:
        instr = self.image.stopsignal
        if instr is None:
            return
        text = _expand(instr.value.strip(), self.image)
        if "$" in text or not text:
            return
        number = parse_signal(text)
        if not number:
            self.report(
                instr,
                "PI006",
                f"invalid STOPSIGNAL {text}: not a signal name or number "
                "(SIGTERM, SIGINT, SIGQUIT, ... or 1-64)",
            )
            return
        self.stop = number
        name = signal_name(number)
        if number == SIGKILL:
            self.report(
                instr,
                "PI007",
                "STOPSIGNAL SIGKILL cannot be caught: the app never gets to shut down "
                "cleanly; use SIGTERM (or the app's graceful-stop signal)",
            )
        elif number == SIGSTOP:
            self.report(
                instr,
                "PI007",
                "STOPSIGNAL SIGSTOP cannot be caught and only freezes the container: "
                "`docker stop` waits out its timeout and SIGKILLs; use SIGTERM",
            )
        elif number in _IGNORED_BY_DEFAULT | _STOP_BY_DEFAULT:
            action = "ignored" if number in _IGNORED_BY_DEFAULT else "a stop, not an exit,"
            self.report(
                instr,
                "PI008",
                f"STOPSIGNAL {name} is {action} by default: unless the app handles it, "
                "`docker stop` waits out its timeout and SIGKILLs",
            )

    # -- the chain from PID 1 to the app

    def run(self) -> list[tuple[Instruction, Diagnostic]]:
        self.stopsignal()
        bad = [c for c in (self.entrypoint, self.cmd) if c and c.text.startswith("[")]
        for cmd in bad:
            self.report(
                cmd.instr,
                "PI010",
                f"{cmd.instr.keyword} looks like exec form but is not a JSON array of "
                f"strings, so Docker runs it as shell form ({self.image.shell[0]} -c "
                f"{_short(cmd.text, 30)!r}); write {_suggest_json(cmd.text)}",
            )
        if bad:
            return self.out
        ep = self.entrypoint
        if ep is not None and ep.exec_form and not ep.argv:
            ep = None  # ENTRYPOINT []: CMD alone runs
        if ep is None:
            self.top = self.cmd.instr if self.cmd else None
            self.run_cmd(None)
        elif ep.exec_form:
            self.top = self.anchor = ep.instr
            cmd = self.cmd
            if (
                _shell_of(ep.argv) is None
                and cmd
                and cmd.exec_form
                and _shell_of([*ep.argv, *cmd.argv])
            ):  # ENTRYPOINT ["sh", "-c"] + CMD ["app --flag"]
                self.walk([*ep.argv, *cmd.argv], [], None)
            else:
                self.walk(ep.argv, [], None, tail=True)
        else:
            self.top = self.anchor = ep.instr
            self.shell_form(ep, None, "PI001")
        return self.out

    def shell_form(self, cmd: _Cmd, init: _Init | None, code: str) -> None:
        """ENTRYPOINT or CMD text that Docker runs as ``/bin/sh -c TEXT``."""
        shell = self.image.shell[0]
        verdict = judge_sh(cmd.text, self.stop)
        if verdict.kind == "exec":
            for target in verdict.targets:
                self.walk(target, [], init)
            return
        if verdict.kind in ("unknown", "neutral"):
            return
        if verdict.kind == "problem" and not (init is not None and init.group and init.grace):
            keyword = "ENTRYPOINT" if code == "PI001" else "CMD"
            if init is None:
                what = f"{shell} becomes PID 1 and never forwards {signal_name(self.stop)}"
            else:
                what = f"runs as `{shell} -c` under {init.name}: {self.middle(init)}"
            ignored = " (and CMD is ignored)" if code == "PI001" and self.cmd else ""
            self.report(
                cmd.instr,
                code,
                f"shell-form {keyword}: {what}; use exec form {_suggest(cmd.text)}{ignored}",
            )
        if init is None:
            self.no_init(shell)

    def no_init(self, program: str) -> None:
        self.report(
            self.top,
            "PI003",
            f"no init: {posixpath.basename(program)} is PID 1, so signals it has no handler "
            "for are dropped and orphaned zombies are never reaped; use "
            'ENTRYPOINT ["pyinit", "--", ...] (or tini, dumb-init), or run with '
            "`docker run --init`",
        )

    def middle(self, init: _Init | None) -> str:
        """What goes wrong when a shell sits between PID 1 (or the init) and the app."""
        if init is None:
            return f"the shell is PID 1 and never forwards {signal_name(self.stop)}"
        if not init.group:
            return (
                f"{init.name} signals only the shell, which dies: the app never sees "
                f"{signal_name(self.stop)} and is SIGKILLed"
            )
        grace = " (pyinit --grace would wait)" if init.name == "pyinit" else ""
        return (
            f"the shell dies on {signal_name(self.stop)} and {init.name} exits with it, "
            f"cutting the app's shutdown short with SIGKILL{grace}"
        )

    def advice(self, verdict: Verdict) -> str:
        if verdict.reason:
            return "make the app the last command and exec it"
        return f"write `exec {_short(verdict.text, 40)}`"

    def run_cmd(self, init: _Init | None) -> None:
        """Follow CMD: what runs without ENTRYPOINT, after an init that has no command of
        its own, or when an entrypoint script execs "$@"."""
        cmd = self.cmd
        if cmd is None or (cmd.exec_form and not cmd.argv):
            return
        self.anchor = cmd.instr
        if cmd.exec_form:
            self.walk(cmd.argv, [], init)
        else:
            self.shell_form(cmd, init, "PI002")

    def walk(self, argv: list[str], args: list[str], init: _Init | None, tail: bool = False,
             depth: int = 0) -> None:  # fmt: skip
        """``argv`` is what PID 1 (or ``init``'s child) executes, ``args`` what "$@" holds;
        with ``tail``, CMD follows as more arguments."""
        argv = _strip_wrappers(list(argv))
        if depth > 8:
            return
        if argv[:1] in (["$@"], ["${@}"], ["$*"]):
            if args:
                self.walk(args, [], init, tail, depth + 1)
            elif tail:
                self.run_cmd(init)
            return
        if not argv or "$" in argv[0]:
            return
        found = _init_of(argv, self.image.env)
        if found is not None:
            self.rewrites(found)
            outer = init or found  # an init under an init: the outer one gets the signal
            if found.child:
                self.walk(found.child, [], outer, tail, depth + 1)
            elif found.child is not None and tail:
                self.run_cmd(outer)
            return
        shell = _shell_of(argv)
        if shell is not None:
            name, text, rest = shell
            if text is not None:
                self.sh_c(name, text, rest, init, depth)
            else:
                self.script(rest[0], rest[1:], init, tail, name, depth)
            return
        if self.script(argv[0], argv[1:], init, tail, None, depth):
            return
        cmd = self.cmd
        cmd_init = tail and cmd and cmd.exec_form and cmd.argv and _init_of(cmd.argv, {})
        if init is None and not cmd_init:  # (a script we cannot read may exec an init in CMD)
            self.no_init(argv[0])
        if tail and cmd is not None and not cmd.exec_form and cmd.text:
            self.report(
                cmd.instr,
                "PI002",
                f"shell-form CMD is passed to {posixpath.basename(argv[0])} as the arguments "
                f"{self.image.shell[0]} -c '...'; use exec form {_suggest(cmd.text)}",
            )

    def sh_c(self, name: str, text: str, args: list[str], init: _Init | None, depth: int) -> None:
        verdict = judge_sh(text, self.stop)
        if verdict.kind == "exec":
            for target in verdict.targets:
                self.walk(target, args, init, depth=depth + 1)
            return
        if verdict.kind == "problem" and not (init is not None and init.group and init.grace):
            self.report(
                self.anchor,
                "PI005",
                f"`{name} -c` without exec: `{_short(verdict.text, 40)}` "
                f"{verdict.reason or 'runs as a child of the shell'}, so {self.middle(init)}; "
                f"{self.advice(verdict)}",
            )
        if init is None and verdict.kind in ("problem", "handled"):
            self.no_init(name)

    def script(self, path: str, args: list[str], init: _Init | None, tail: bool,
               via_shell: str | None, depth: int) -> bool:  # fmt: skip
        """Check an entrypoint script from the build context; False if it is not one."""
        found = self.find(path)
        if found is None:
            if via_shell and init is None:
                self.no_init(via_shell)
            return via_shell is not None
        display, text, offset = found
        if via_shell is None:
            interpreter = _interpreter(text)
            if interpreter is None:
                return False
            shebang_init = _init_of(interpreter, self.image.env)
            if shebang_init is not None:  # #!/usr/bin/dumb-init /bin/sh
                self.rewrites(shebang_init)
                init = init or shebang_init
                interpreter = shebang_init.child or []
            if not interpreter or _shell_of([*interpreter, path]) is None:
                return False
        if display in self.seen_scripts:
            return True
        self.seen_scripts.add(display)
        verdict = judge_sh(text, self.stop)
        if verdict.kind == "exec":
            for target in verdict.targets:
                self.walk(target, args, init, tail, depth + 1)
        elif verdict.kind == "problem" and not (init is not None and init.group and init.grace):
            self.report(
                self.anchor,
                "PI004",
                f"entrypoint script {display}:{verdict.line + offset}: last command "
                f"`{_short(verdict.text, 40)}` {verdict.reason or 'is not exec' + chr(39) + 'ed'}"
                f", so {self.middle(init)}; {self.advice(verdict)}",
            )
        if init is None and verdict.kind in ("problem", "handled"):
            self.no_init(posixpath.basename(path))
        if verdict.kind == "problem" and verdict.text.split()[:1] in (['"$@"'], ["$@"]):
            self.walk(["$@"], args, init, tail, depth + 1)  # what "$@" runs has its own say
        return True

    def find(self, program: str) -> tuple[str, str, int] | None:
        """(name for messages, text, line offset) of a file COPY'd into the image."""
        if "/" in program:
            candidates = [posixpath.normpath(posixpath.join(self.image.workdir, program))]
        else:
            path = self.image.env.get("PATH", _DEFAULT_PATH)
            candidates = [posixpath.join(d, program) for d in path.split(":") if d]
        for candidate in candidates:
            entry = _find_file(self.image, candidate)
            if entry is None:
                continue
            if entry.content is not None:  # a COPY heredoc: Dockerfile lines
                return self.dockerfile, entry.content, entry.offset
            if entry.src is not None:
                found = self.read(entry.src)
                if found is not None:
                    return found[0], found[1], 0
        return None

    def rewrites(self, init: _Init) -> None:
        stop = signal_name(self.stop)
        where = (
            f"STOPSIGNAL at line {self.image.stopsignal.line}"
            if self.image.stopsignal
            else "no STOPSIGNAL, so SIGTERM"
        )
        for rewrite in init.rewrites:
            source, _, target = rewrite.partition(":")
            if parse_signal(source) != self.stop:
                continue
            number = parse_signal(target)
            wait = "`docker stop` will wait out its timeout and SIGKILL"
            if number == 0:
                effect = f"drops {stop}"
            elif number == SIGKILL:
                effect, wait = f"turns {stop} into SIGKILL", "the app never gets to clean up"
            elif number == SIGSTOP:
                effect = f"turns {stop} into SIGSTOP, which only freezes the app"
            elif number in _IGNORED_BY_DEFAULT:
                effect = f"turns {stop} into {signal_name(number)}, ignored by default"
            else:
                continue
            self.report(
                self.top,
                "PI009",
                f"{init.name} -r {rewrite} {effect}, the stop signal ({where}): {wait}",
            )


def _suggest_json(text: str) -> str:
    try:
        import ast

        words = ast.literal_eval(text)
        if isinstance(words, list) and all(isinstance(word, str) for word in words):
            return _exec_form(words)
    except (ValueError, SyntaxError):
        pass
    return '["..."]'


def _interpreter(text: str) -> list[str] | None:
    """The #! line as argv (``#!/usr/bin/env -S bash -e`` -> ["bash", "-e"])."""
    if not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].split()
    if words and posixpath.basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-") and not _is_assignment(w)]
    return words or None


def check_stages(
    stages: list[Stage], global_args: dict[str, str], read: Reader, dockerfile: str = "Dockerfile"
) -> list[Diagnostic]:
    """Diagnostics for the final stage of ``stages`` (following FROM <earlier stage>)."""
    if not stages:
        return []
    image, _ = _resolve(stages, global_args)
    found = _Checker(image, read, dockerfile).run()
    seen: set[tuple[int, str]] = set()
    result: list[Diagnostic] = []
    for instr, diagnostic in found:
        key = (diagnostic.line, diagnostic.code)
        if key in seen or diagnostic.code in instr.ignore:
            continue
        seen.add(key)
        result.append(diagnostic)
    result.sort(key=lambda d: (d.line, d.code))
    return result
