"""The entrypoint-chain rules: PI001-PI005, PI009, PI010 and PI012-PI014 from one walk.

From the final stage's ENTRYPOINT and CMD, follow argv as PID 1 runs it: through inits
(and their rewrites), wrappers, ``sh -c`` text and entrypoint scripts from the build
context, to the program that is the app, and say where a shell or a launcher sits in
between without exec, or where no init is PID 1.
"""

from __future__ import annotations

import json
import posixpath
import re

from pyinit.check.dockerfile import Command, Instruction, command, string_list
from pyinit.check.image import DEFAULT_PATH, Image, Reader, find_file
from pyinit.check.programs import (
    INIT_PACKAGES,
    Init,
    bare_base,
    init_of,
    interpreter,
    script_runner,
    shell_of,
    strip_wrappers,
    user_switch,
)
from pyinit.check.rules import Diagnostic
from pyinit.check.sh import MAX_SCRIPT, Verdict, judge_sh
from pyinit.check.stopsignal import IGNORED_BY_DEFAULT, SIGKILL, SIGSTOP, SIGTERM
from pyinit.signals import signal_name


def _exec_form(words: list[str]) -> str:
    return "[" + ", ".join(json.dumps(word) for word in words) + "]"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_VARIABLE = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*(?::?[-+=?][^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)")
_SHELL_SYNTAX = "$`;&|<>(){}*?~\\\n"


def _plain_words(text: str) -> list[str]:
    import shlex

    try:
        words = shlex.split(text)
    except ValueError:
        return []
    while words and "=" in words[0] and words[0].split("=", 1)[0].isidentifier():
        words.pop(0)  # VAR=value before the command
    return strip_wrappers(words)


def _fix(text: str, keyword: str, verdict: Verdict | None = None) -> str:
    """How to write a shell-form ENTRYPOINT/CMD so that the app is PID 1 (or the init's
    child): exec form for a plain command; ``exec`` in shell form when it uses variables
    (exec form does not expand them); else exec the last command."""
    import shlex

    body = text.strip()
    if body.startswith("exec "):
        body = body[5:]
    if not any(c in body for c in _SHELL_SYNTAX):
        try:
            words = shlex.split(body)
        except ValueError:
            words = []
        if words:
            return f"use exec form {_exec_form(words)}"
    if "$" in body and not any(c in _VARIABLE.sub("", body) for c in _SHELL_SYNTAX):
        return (
            "keep the shell form, for its variables, and start it with exec: "
            f"{keyword} exec {_short(body, 60)}"
        )
    if verdict is not None and verdict.text and not verdict.reason:
        return f"start the last command with exec: `exec {_short(verdict.text, 40)}`"
    return "start the last command with exec, or use exec form"


MAX_TARGETS = 16  # exec targets of one script followed


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
        self.installs: str | None = None  # every RUN's text, for PI012
        self.found: dict[str, tuple[str, str, int] | None] = {}  # find()'s answers

    def report(self, instr: Instruction | None, code: str, message: str,
               severity: str = "") -> None:  # fmt: skip
        if instr is not None:
            diagnostic = Diagnostic(instr.line, instr.column, code, message, severity)
            self.out.append((instr, diagnostic))

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
                f"shell-form {keyword}: {what}; {_fix(cmd.text, keyword, verdict)}{ignored}",
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
        # A case of thousands of `exec` branches: a few tell as much, at bounded cost.
        for target in verdict.targets[:MAX_TARGETS] if verdict.kind == "exec" else []:
            self.walk(target, args, init, tail, depth + 1)
        if verdict.kind == "problem" and verdict.text and not verdict.reason:
            self.launchers(_plain_words(verdict.text), init)  # `npm start` in shell form
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
            "`docker run --init`. Fine without: an app that handles SIGTERM itself and "
            "starts no children (`docker stop` returns at once, not after its timeout); "
            "then say so with # pyinit-check ignore=PI003",
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
            self.installed(argv, found)
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
        self.launchers(argv, init)
        cmd = self.cmd
        cmd_init = tail and cmd and cmd.exec_form and cmd.argv and init_of(cmd.argv, {})
        if init is None and not cmd_init:  # (a script we cannot read may exec an init in CMD)
            self.no_init(argv[0])
        if tail and cmd is not None and not cmd.exec_form and cmd.text:
            self.report(
                cmd.instr,
                "PI002",
                f"shell-form CMD is passed to {posixpath.basename(argv[0])} as the arguments "
                f"{self.image.shell[0]} -c '...'; {_fix(cmd.text, 'CMD')}",
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
        if program not in self.found:  # each look-up reads every COPY: once per program
            if len(self.found) >= MAX_TARGETS * 4:
                return None
            self.found[program] = self._find(program)
        return self.found[program]

    def _find(self, program: str) -> tuple[str, str, int] | None:
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

    def launchers(self, argv: list[str], init: Init | None) -> None:
        """PI013 (su -c, sudo, runuser) and PI014 (npm start) as the program run."""
        parent = "PID 1" if init is None else init.name
        switch = user_switch(argv)
        if switch is not None:
            detail = (
                "on SIGTERM it signals the app's shell and SIGKILLs it 2 s later"
                if switch != "sudo"
                else "it relays only the signals it catches and reaps no orphans"
            )
            self.report(
                self.followed_instr,
                "PI013",
                f"`{switch}` stays between {parent} and the app as its parent: {detail}; "
                'use gosu, su-exec or setpriv, which exec (["gosu", "app", ...])',
            )
        runner = script_runner(argv)
        if runner is not None:
            self.report(
                self.followed_instr,
                "PI014",
                f"`{runner}` as the app: {runner.split()[0]} runs the package.json script "
                f"through `sh -c` as its child, so node may never see {signal_name(self.stop)} "
                f'and is SIGKILLed; run node directly (e.g. ["node", "server.js"])',
            )

    def installed(self, argv: list[str], init: Init) -> None:
        """PI012: the init must be in the image: COPY/ADD, a RUN that installs it, or the
        base image (which we cannot see into: unless it is a known bare one, a warning)."""
        packages = INIT_PACKAGES.get(init.name)
        program = argv[0]
        if packages is None or program in ("/dev/init", "docker-init"):
            return  # `docker run --init` puts tini there
        if "/" in program:
            candidates = [posixpath.normpath(posixpath.join(self.image.workdir, program))]
        else:
            path = self.image.env.get("PATH", DEFAULT_PATH)
            candidates = [posixpath.join(d, program) for d in path.split(":") if d]
        if any(find_file(self.image, candidate) for candidate in candidates):
            return
        if self.installs is None:
            texts = [r.value for r in self.image.runs]
            texts += [h.body for r in self.image.runs for h in r.heredocs]
            self.installs = "\n".join(texts)
        words = "|".join(re.escape(p) for p in packages)
        if re.search(rf"(?<![\w.-])(?:{words})(?![\w-])", self.installs):
            return
        base = self.image.bases[0] if self.image.bases else "scratch"
        if init.name in base.lower():
            return  # krallin/ubuntu-tini and the like
        known = bare_base(base)
        self.report(
            self.followed_instr or self.entry_instr,
            "PI012",
            f"{posixpath.basename(program)} is run but never installed: no COPY/ADD puts "
            f"it in the image and no RUN installs {packages[0]}"
            + ("" if known else f", and the base image {base} may not have it")
            + f"; install it (apt-get install {packages[0]}, apk add {packages[0]}"
            + (", pip install pyinit-pid1" if init.name == "pyinit" else "")
            + ") or use `docker run --init`",
            "error" if known else "warning",
        )

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
