"""The rules of ``pyinit check``: the image model, the sh judge and the PID-1 checks.

:mod:`pyinit.check` turns a Dockerfile into :class:`Stage` objects (with dockerfile-parse)
and prints what :func:`check_stages` finds. Nothing here reads files: scripts from the
build context come in through the ``read`` callback, so every rule is testable alone.
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Callable, Optional

from pyinit import signals
from pyinit.signals import signal_name

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tree_sitter import Node

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
# Docker parses STOPSIGNAL with Linux numbering, as pyinit.signals does on this host.

SIGTERM, SIGKILL, SIGSTOP = signals.SIGTERM, signals.SIGKILL, signals.SIGSTOP
_IGNORED_BY_DEFAULT = {signals.SIGCHLD, signals.SIGCONT, signals.SIGURG, signals.SIGWINCH}
_STOP_BY_DEFAULT = signals.JOB_CONTROL


def parse_signal(text: str) -> int | None:
    """``"SIGTERM"``, ``"term"``, ``"15"``, ``"RTMIN+3"`` -> number; None if not a signal.

    ``"0"`` gives 0 (callers decide: a rewrite target of 0 means drop). Docker takes any
    number up to 64, also the two real-time signals glibc keeps for itself.
    """
    if text.strip().isdigit():
        return int(text) if int(text) <= signals.SIGRTMAX else None
    try:
        return signals.parse_signal(text)
    except ValueError:
        return None


# ---------------------------------------------------------------------------- sh reader
# tree-sitter-bash parses the script (or `sh -c` text); we only judge its last command.


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
# Statements that are not commands: assignments, export/local/unset, [ ] and [[ ]] tests,
# definitions, a lone redirection (`>file`).
_INERT = {"variable_assignment", "variable_assignments", "declaration_command", "unset_command",
          "test_command", "function_definition", "redirected_statement"}  # fmt: skip
_NOT_STATEMENTS = {"comment", "elif_clause", "else_clause", "heredoc_body"}


def _is_assignment(word: str) -> bool:
    name, eq, _ = word.partition("=")
    return bool(eq) and name.isidentifier()


def _text(node: Node) -> str:
    return node.text.decode("utf-8", "replace")


def _word(node: Node) -> str:
    """A word with its quotes removed, as the shell passes it (expansions left as text)."""
    import shlex

    try:
        words = shlex.split(_text(node))
    except ValueError:
        return _text(node)
    return words[0] if len(words) == 1 else _text(node)


def _statements(node: Node, after: str | None = None) -> list[tuple[Node, bool]]:
    """The statements in ``node`` (after its token ``after``), each with "ends with &"."""
    found: list[tuple[Node, bool]] = []
    started = after is None
    for child in node.children:
        if not started:
            started = child.type == after
        elif child.type == "&" and found:
            found[-1] = (found[-1][0], True)
        elif child.is_named and child.type not in _NOT_STATEMENTS:
            found.append((child, False))
    return found


def _parse_sh(src: str) -> Node | None:
    """The syntax tree of ``src``, or None if it is not sh we can read."""
    from tree_sitter import Language, Parser
    from tree_sitter_bash import language

    tree = Parser(Language(language())).parse(src.encode("utf-8", "replace"))
    return None if tree.root_node.has_error else tree.root_node


class _Judge:
    def __init__(self, root: Node, stop_words: set[str]) -> None:
        self.funcs: dict[str, Node] = {}
        self.traps = False
        self.depth = 0
        stack = [root]
        while stack:  # functions and traps count wherever they are defined; the last wins
            node = stack.pop()
            stack.extend(reversed(node.named_children))
            if node.type == "function_definition":
                name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
                if name is not None and body is not None:
                    self.funcs[_text(name)] = body
            elif node.type == "command" and self.words(node)[:1] == ["trap"]:
                specs = {word.upper().removeprefix("SIG") for word in self.words(node)[2:]}
                self.traps = self.traps or bool(specs & stop_words)

    @staticmethod
    def words(command: Node) -> list[str]:
        name = command.child_by_field_name("name")
        arguments = command.children_by_field_name("argument")
        return [_word(word) for word in ([name] if name else []) + arguments]

    def body(self, node: Node, after: str | None = None) -> Verdict:
        """The last statement in ``node`` that is not neutral decides."""
        for statement, background in reversed(_statements(node, after)):
            verdict = self.node(statement)
            if background and verdict.kind in ("exec", "problem"):
                reason = "runs in the background and the script ends (or waits) in the shell"
                return Verdict("problem", verdict.line, verdict.text, reason)
            if verdict.kind != "neutral":
                return verdict
        return Verdict("neutral")

    def branches(self, verdicts: list[Verdict]) -> Verdict:
        """if/case: one bad branch spoils it; else any exec counts."""
        for kind in ("problem", "unknown"):
            for verdict in verdicts:
                if verdict.kind == kind:
                    return verdict
        if any(v.kind == "exec" for v in verdicts):
            return Verdict("exec", targets=[t for v in verdicts for t in v.targets])
        if any(v.kind == "handled" for v in verdicts):
            return Verdict("handled")
        return Verdict("neutral")

    def node(self, node: Node) -> Verdict:
        kind = node.type
        if kind == "command":
            return self.command(node)
        if kind == "redirected_statement" and node.child_by_field_name("body") is not None:
            body = node.child_by_field_name("body")
            # tree-sitter reads `exec 2>&1 app x` as a redirect to 1, app and x: for sh,
            # the words after a redirect's target are more arguments of the command.
            extra = [d for r in node.children_by_field_name("redirect")
                     for d in r.children_by_field_name("destination")[1:]]  # fmt: skip
            if body.type == "command":
                return self.command(body, extra)
            return self.node(body) if not extra else Verdict("unknown")
        if kind == "negated_command":
            return self.node(node.named_children[0])
        if kind == "if_statement":
            branches = [node] + [c for c in node.named_children if c.type == "elif_clause"]
            verdicts = [self.body(branch, "then") for branch in branches]
            verdicts += [self.body(c) for c in node.named_children if c.type == "else_clause"]
            return self.branches(verdicts)
        if kind == "case_statement":
            items = [c for c in node.named_children if c.type == "case_item"]
            return self.branches([self.body(item, ")") for item in items])
        if kind in ("while_statement", "until_statement", "for_statement", "c_style_for_statement"):
            body = node.child_by_field_name("body")
            verdict = self.body(body) if body is not None else Verdict("neutral")
            if verdict.kind == "problem" and not verdict.reason:
                verdict.reason = "runs in a loop in the shell"
            return verdict
        if kind == "compound_statement":  # { ...; } or an arithmetic (( ... ))
            return Verdict("neutral") if node.children[0].type == "((" else self.body(node)
        if kind in ("subshell", "pipeline"):
            verdict = self.body(node) if kind == "subshell" else self.pipeline(node)
            if verdict.kind not in ("exec", "problem"):
                return verdict
            reason = (
                "runs in a ( subshell ): exec there replaces only the subshell"
                if kind == "subshell"
                else "runs in a pipeline, which the shell waits for"
            )
            return Verdict("problem", verdict.line, verdict.text, reason)
        if kind == "list":  # a && b || c
            verdicts = [self.node(part) for part in node.named_children]
            if any(v.kind == "exec" for v in verdicts):
                return Verdict("exec", targets=[t for v in verdicts for t in v.targets])
            return next((v for v in reversed(verdicts) if v.kind != "neutral"), Verdict("neutral"))
        if kind in _INERT:
            return Verdict("neutral")
        return Verdict("unknown", node.start_point[0] + 1, _text(node))  # (( )), coproc, ...

    def pipeline(self, node: Node) -> Verdict:
        verdicts = [self.node(part) for part in node.named_children]
        return next((v for v in verdicts if v.kind in ("exec", "problem")), Verdict("neutral"))

    def command(self, node: Node, extra: Sequence[Node] = ()) -> Verdict:
        words = self.words(node) + [_word(word) for word in extra]
        line = node.start_point[0] + 1
        parts = [c for c in node.named_children if c.type != "file_redirect"] + list(extra)
        text = " ".join(_text(part) for part in parts)
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
            return Verdict("exec", line, text, targets=[rest]) if rest else Verdict("neutral")
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
                return Verdict("handled", line, text)
            reason = "waits for a background job, and no trap passes the stop signal on to it"
            return Verdict("problem", line, text, reason)
        if name in (".", "source", "eval"):
            return Verdict("unknown", line, text)
        if name in _SHORT:
            return Verdict("neutral")
        return Verdict("problem", line, text)


def judge_sh(src: str, stop_signal: int = SIGTERM) -> Verdict:
    """How the script ``src`` ends, from the point of view of signal delivery."""
    root = _parse_sh(src)
    if root is None:
        return Verdict("unknown")
    name = signal_name(stop_signal).removeprefix("SIG")
    judge = _Judge(root, {name, str(stop_signal)})
    verdict = judge.body(root)
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


def _string_list(text: str, parse: Callable[[str], object] = json.loads) -> list[str] | None:
    """``'["a", "b"]'`` -> ["a", "b"]; None unless ``text`` parses as a list of strings."""
    try:
        loaded = parse(text.strip())
    except (ValueError, SyntaxError):
        return None
    return loaded if isinstance(loaded, list) and all(isinstance(w, str) for w in loaded) else None


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
    exec_form = _string_list(rest) if rest.startswith("[") else None
    words = [_expand(w, image) for w in exec_form] if exec_form else _words(rest, image)
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
        if rel == posixpath.basename(src):  # COPY x.sh /dir/ (or /dir, when it exists)
            return _File(path, False, src)
        # COPY src /dir: a directory's content lands in /dir.
        return _File(path, False, posixpath.normpath(posixpath.join(src, rel)))
    return None


def _resolve(stages: list[Stage], global_args: dict[str, str]) -> tuple[_Image, dict]:
    images: dict[str, _Image] = {}
    image = _Image()
    for index, stage in enumerate(stages):
        parent = images.get(stage.base.lower())  # FROM <earlier stage> inherits all but ARGs
        image = _Image()
        if parent is not None:
            image = replace(parent, shell=[*parent.shell], env={**parent.env}, args={},
                            files=[*parent.files])  # fmt: skip
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
                image.shell = _string_list(instr.value) or image.shell
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
    argv = _string_list(value) if value.startswith("[") else None
    return _Cmd(instr, False, [], value) if argv is None else _Cmd(instr, True, argv, "")


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
        verdict = self.follow(cmd.text, [], init, False, 0, shell)
        if self.harmful(verdict, init):
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

    def follow(self, text: str, args: list[str], init: _Init | None, tail: bool, depth: int,
               shell: str) -> Verdict:  # fmt: skip
        """Judge the sh ``text``: follow the programs it execs, and note a missing init."""
        verdict = judge_sh(text, self.stop)
        for target in verdict.targets if verdict.kind == "exec" else []:
            self.walk(target, args, init, tail, depth + 1)
        if init is None and verdict.kind in ("problem", "handled"):
            self.no_init(shell)
        return verdict

    @staticmethod
    def harmful(verdict: Verdict, init: _Init | None) -> bool:
        """A command runs under the shell, and no pyinit --grace waits for it to end."""
        return verdict.kind == "problem" and not (init is not None and init.group and init.grace)

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
        verdict = self.follow(text, args, init, False, depth, name)
        if self.harmful(verdict, init):
            self.report(
                self.anchor,
                "PI005",
                f"`{name} -c` without exec: `{_short(verdict.text, 40)}` "
                f"{verdict.reason or 'runs as a child of the shell'}, so {self.middle(init)}; "
                f"{self.advice(verdict)}",
            )

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
        verdict = self.follow(text, args, init, tail, depth, posixpath.basename(path))
        if self.harmful(verdict, init):
            self.report(
                self.anchor,
                "PI004",
                f"entrypoint script {display}:{verdict.line + offset}: last command "
                f"`{_short(verdict.text, 40)}` {verdict.reason or 'is not exec' + chr(39) + 'ed'}"
                f", so {self.middle(init)}; {self.advice(verdict)}",
            )
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
    import ast

    words = _string_list(text, ast.literal_eval)  # Python syntax: ['app', 'x'] is common
    return _exec_form(words) if words else '["..."]'


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
