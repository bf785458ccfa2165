"""The sh judge: how a script (or ``sh -c`` text) ends, as far as signals go.

tree-sitter-bash parses the text; only its last command is judged: is it exec'ed, does it
run under the shell, or does a trap pass the stop signal on? Recursion follows the
script's own nesting, so it is capped at :data:`MAX_DEPTH` (deeper: "unknown").
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from pyinit.signals import parse_signal, signal_name

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tree_sitter import Node

SIGTERM = parse_signal("TERM")
MAX_SCRIPT = 128 * 1024  # characters of one script judged (its syntax tree costs ~70x that)
MAX_DEPTH = 150  # nested statements judged; Python's own limit is 1000 frames


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


def is_assignment(word: str) -> bool:
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


def _is_trap(command: Node) -> bool:
    # By the name's size first: reading every command's text would be quadratic in
    # nested $( ) (each command holds all the ones inside it).
    name = command.child_by_field_name("name")
    return name is not None and name.end_byte - name.start_byte <= 6 and _word(name) == "trap"


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
        self.depth = 0  # function calls followed
        self.nesting = 0  # statements inside statements
        self.judged: dict[str, Verdict] = {}  # function name -> how its body ends
        stack = [root]
        while stack:  # functions and traps count wherever they are defined; the last wins
            node = stack.pop()
            stack.extend(reversed(node.named_children))
            if node.type == "function_definition":
                name, body = node.child_by_field_name("name"), node.child_by_field_name("body")
                if name is not None and body is not None:
                    self.funcs[_text(name)] = body
            elif node.type == "command" and _is_trap(node):
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
        if self.nesting >= MAX_DEPTH:
            return Verdict("unknown", node.start_point[0] + 1, "(nested too deep to judge)")
        self.nesting += 1
        try:
            return self._node(node)
        finally:
            self.nesting -= 1

    def _node(self, node: Node) -> Verdict:
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
            # Judged once per function: a case of N calls to a function with a case of N
            # calls ... is N**depth judgements otherwise.
            if name not in self.judged:
                self.depth += 1
                try:
                    verdict = self.node(self.funcs[name])
                finally:
                    self.depth -= 1
                if verdict.kind == "problem" and not verdict.reason:
                    verdict.reason = f"in function {name}"
                self.judged[name] = verdict
            return replace(self.judged[name], targets=list(self.judged[name].targets))
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
