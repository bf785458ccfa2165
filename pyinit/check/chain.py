"""The entrypoint-chain rules: PI001-PI005, PI009, PI010 and PI012-PI014 from one walk.

From the final stage's ENTRYPOINT and CMD, follow argv as PID 1 runs it: through inits
(and their rewrites), wrappers, ``sh -c`` text and entrypoint scripts from the build
context, to the program that is the app, and say where a shell or a launcher sits in
between without exec, or where no init is PID 1.
"""

from __future__ import annotations

import json
import posixpath
from typing import TYPE_CHECKING

from pyinit.check.dockerfile import Command, Instruction, command, string_list
from pyinit.check.image import DEFAULT_PATH, Image, Reader, find_file
from pyinit.check.programs import Init, init_of, interpreter, shell_of, strip_wrappers
from pyinit.check.rules import Diagnostic
from pyinit.check.sh import MAX_SCRIPT, Verdict, judge_sh
from pyinit.check.stopsignal import IGNORED_BY_DEFAULT, SIGKILL, SIGSTOP, SIGTERM
from pyinit.signals import signal_name

if TYPE_CHECKING:
    pass


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


class ChainChecker:
    """One walk from PID 1 to the app, through inits, shells, scripts and wrappers."""

    def __init__(self, image: Image, read: Reader, dockerfile: str, stop: int = SIGTERM) -> None:
        self.image = image
        self.dockerfile = dockerfile
        self.read = read
        self.out: list[tuple[Instruction, Diagnostic]] = []
        self.stop = stop
        self.entrypoint = command(image.entrypoint)
        self.cmd = command(image.cmd)
        # The instruction that starts PID 1 (ENTRYPOINT, else CMD): PI003, PI009, PI012 go here.
        self.entry_instr: Instruction | None = None
        # The ENTRYPOINT or CMD whose command is being followed: PI004, PI005, PI013, PI014.
        self.followed_instr: Instruction | None = None
        self.seen_scripts: set[str] = set()

    def report(self, instr: Instruction | None, code: str, message: str) -> None:
        if instr is not None:
            self.out.append((instr, Diagnostic(instr.line, instr.column, code, message)))

    # -- the chain from PID 1 to the app

    def run(self) -> list[tuple[Instruction, Diagnostic]]:
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
            self.entry_instr = self.cmd.instr if self.cmd else None
            self.run_cmd(None)
        elif ep.exec_form:
            self.entry_instr = self.followed_instr = ep.instr
            cmd = self.cmd
            if (
                shell_of(ep.argv) is None
                and cmd
                and cmd.exec_form
                and shell_of([*ep.argv, *cmd.argv])
            ):  # ENTRYPOINT ["sh", "-c"] + CMD ["app --flag"]
                self.walk([*ep.argv, *cmd.argv], [], None)
            else:
                self.walk(ep.argv, [], None, tail=True)
        else:
            self.entry_instr = self.followed_instr = ep.instr
            self.shell_form(ep, None, "PI001")
        return self.out

    def shell_form(self, cmd: Command, init: Init | None, code: str) -> None:
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

    def follow(self, text: str, args: list[str], init: Init | None, tail: bool, depth: int,
               shell: str) -> Verdict:  # fmt: skip
        """Judge the sh ``text``: follow the programs it execs, and note a missing init."""
        if len(text) > MAX_SCRIPT:
            self.report(
                self.followed_instr or self.entry_instr,
                "PI011",
                f"a script or sh -c text of {len(text)} characters (over {MAX_SCRIPT}) is "
                "not judged: how it ends is unknown",
            )
            return Verdict("unknown")
        verdict = judge_sh(text, self.stop)
        for target in verdict.targets if verdict.kind == "exec" else []:
            self.walk(target, args, init, tail, depth + 1)
        if init is None and verdict.kind in ("problem", "handled"):
            self.no_init(shell)
        return verdict

    @staticmethod
    def harmful(verdict: Verdict, init: Init | None) -> bool:
        """A command runs under the shell, and no pyinit --grace waits for it to end."""
        return verdict.kind == "problem" and not (init is not None and init.group and init.grace)

    def no_init(self, program: str) -> None:
        self.report(
            self.entry_instr,
            "PI003",
            f"no init: {posixpath.basename(program)} is PID 1, so signals it has no handler "
            "for are dropped and orphaned zombies are never reaped; use "
            'ENTRYPOINT ["pyinit", "--", ...] (or tini, dumb-init), or run with '
            "`docker run --init`",
        )

    def middle(self, init: Init | None) -> str:
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

    def run_cmd(self, init: Init | None) -> None:
        """Follow CMD: what runs without ENTRYPOINT, after an init that has no command of
        its own, or when an entrypoint script execs "$@"."""
        cmd = self.cmd
        if cmd is None or (cmd.exec_form and not cmd.argv):
            return
        self.followed_instr = cmd.instr
        if cmd.exec_form:
            self.walk(cmd.argv, [], init)
        else:
            self.shell_form(cmd, init, "PI002")

    def walk(self, argv: list[str], args: list[str], init: Init | None, tail: bool = False,
             depth: int = 0) -> None:  # fmt: skip
        """``argv`` is what PID 1 (or ``init``'s child) executes, ``args`` what "$@" holds;
        with ``tail``, CMD follows as more arguments."""
        argv = strip_wrappers(list(argv))
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
        found = init_of(argv, self.image.env)
        if found is not None:
            self.rewrites(found)
            outer = init or found  # an init under an init: the outer one gets the signal
            if found.child:
                self.walk(found.child, [], outer, tail, depth + 1)
            elif found.child is not None and tail:
                self.run_cmd(outer)
            return
        shell = shell_of(argv)
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
        cmd_init = tail and cmd and cmd.exec_form and cmd.argv and init_of(cmd.argv, {})
        if init is None and not cmd_init:  # (a script we cannot read may exec an init in CMD)
            self.no_init(argv[0])
        if tail and cmd is not None and not cmd.exec_form and cmd.text:
            self.report(
                cmd.instr,
                "PI002",
                f"shell-form CMD is passed to {posixpath.basename(argv[0])} as the arguments "
                f"{self.image.shell[0]} -c '...'; use exec form {_suggest(cmd.text)}",
            )

    def sh_c(self, name: str, text: str, args: list[str], init: Init | None, depth: int) -> None:
        verdict = self.follow(text, args, init, False, depth, name)
        if self.harmful(verdict, init):
            self.report(
                self.followed_instr,
                "PI005",
                f"`{name} -c` without exec: `{_short(verdict.text, 40)}` "
                f"{verdict.reason or 'runs as a child of the shell'}, so {self.middle(init)}; "
                f"{self.advice(verdict)}",
            )

    def script(self, path: str, args: list[str], init: Init | None, tail: bool,
               via_shell: str | None, depth: int) -> bool:  # fmt: skip
        """Check an entrypoint script from the build context; False if it is not one."""
        found = self.find(path)
        if found is None:
            if via_shell and init is None:
                self.no_init(via_shell)
            return via_shell is not None
        display, text, offset = found
        if via_shell is None:
            shebang = interpreter(text)
            if shebang is None:
                return False
            shebang_init = init_of(shebang, self.image.env)
            if shebang_init is not None:  # #!/usr/bin/dumb-init /bin/sh
                self.rewrites(shebang_init)
                init = init or shebang_init
                shebang = shebang_init.child or []
            if not shebang or shell_of([*shebang, path]) is None:
                return False
        if display in self.seen_scripts:
            return True
        self.seen_scripts.add(display)
        verdict = self.follow(text, args, init, tail, depth, posixpath.basename(path))
        if self.harmful(verdict, init):
            self.report(
                self.followed_instr,
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
            path = self.image.env.get("PATH", DEFAULT_PATH)
            candidates = [posixpath.join(d, program) for d in path.split(":") if d]
        for candidate in candidates:
            entry = find_file(self.image, candidate)
            if entry is None:
                continue
            if entry.content is not None:  # a COPY heredoc: Dockerfile lines
                return self.dockerfile, entry.content, entry.offset
            if entry.src is not None:
                found = self.read(entry.src)
                if found is not None:
                    return found[0], found[1], 0
        return None

    def rewrites(self, init: Init) -> None:
        stop = signal_name(self.stop)
        where = (
            f"STOPSIGNAL at line {self.image.stopsignal.line}"
            if self.image.stopsignal
            else "no STOPSIGNAL, so SIGTERM"
        )
        for rewrite, source, number in init.rewrites:
            if source != self.stop:
                continue
            wait = "`docker stop` will wait out its timeout and SIGKILL"
            if number == 0:
                effect = f"drops {stop}"
            elif number == SIGKILL:
                effect, wait = f"turns {stop} into SIGKILL", "the app never gets to clean up"
            elif number == SIGSTOP:
                effect = f"turns {stop} into SIGSTOP, which only freezes the app"
            elif number in IGNORED_BY_DEFAULT:
                effect = f"turns {stop} into {signal_name(number)}, ignored by default"
            else:
                continue
            self.report(
                self.entry_instr,
                "PI009",
                f"{init.name} -r {rewrite} {effect}, the stop signal ({where}): {wait}",
            )


def _suggest_json(text: str) -> str:
    import ast

    words = string_list(text, ast.literal_eval)  # Python syntax: ['app', 'x'] is common
    return _exec_form(words) if words else '["..."]'
