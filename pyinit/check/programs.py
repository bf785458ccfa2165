"""Programs of an entrypoint chain: inits, shells, wrappers, package-manager launchers.

What each one does with its arguments, so the chain rules can follow argv from PID 1 to
the app: an init runs its child, a shell runs ``-c`` text or a script, a wrapper (gosu,
env) execs the rest, and ``su -c`` or ``npm start`` runs the app under another process.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from pyinit.check.sh import is_assignment
from pyinit.check.stopsignal import parse_signal
from pyinit.known import CHILD_RUNNERS, INITS, SHELLS, WRAPPERS
from pyinit.signals import signal_name

# One table with pyinit doctor (pyinit/known.py): inits whose command line's rest is their
# child, so the chain goes on through them, and the supervisors that end it.
_SHELLS = SHELLS
_INITS = {name for name, family in INITS.items() if family in CHILD_RUNNERS}
_OTHER_INITS = set(INITS) - _INITS
_WRAPPERS = WRAPPERS
_WRAPPER_VALUE_OPTIONS = {"-n", "-u", "-U", "-g"}
# The other inits' getopt options (their --help); pyinit's own come from pyinit.cli.parse.
_GETOPT = {
    "tini": ("hsvVgwlp:e:", []),
    "dumb-init": ("hcr:vV", ["help", "single-child", "rewrite=", "verbose", "version"]),
    "catatonit": ("ghLPV", []),
}


@dataclass
class Init:
    name: str
    group: bool  # signals the child's whole process group
    grace: bool  # waits for the app after the main child dies (pyinit --grace)
    rewrites: list[tuple[str, int, int]]  # (as written, from, to)
    child: list[str] | None  # None: does not run a command we can follow


def init_of(argv: list[str], env: dict[str, str]) -> Init | None:
    base = posixpath.basename(argv[0])
    args = argv[1:]
    if base.startswith("python") and args[:2] == ["-m", "pyinit"]:
        base, args = "pyinit", args[2:]
    if base.startswith("tini") or base == "docker-init":
        base = "tini"
    if base not in _INITS and base not in _OTHER_INITS and argv[0] != "/init":
        return None
    if base == "pyinit":
        return _pyinit(args, env)
    if base not in _GETOPT:
        return Init(base, True, True, [], None)
    import getopt

    short, long = _GETOPT[base]
    try:
        options, child = getopt.getopt(args, short, long)
    except getopt.GetoptError:
        return Init(base, True, True, [], None)
    flags = {name for name, _ in options}
    if base == "tini":
        group = "-g" in flags or "TINI_KILL_PROCESS_GROUP" in env
        return Init(base, group, False, [], child)
    if base == "dumb-init":
        group = not flags & {"-c", "--single-child"} and env.get("DUMB_INIT_SETSID") != "0"
        rewrites = []
        for name, value in options:
            source, _, target = value.partition(":")
            numbers = parse_signal(source), parse_signal(target)
            if name in ("-r", "--rewrite") and None not in numbers:
                rewrites.append((value, numbers[0], numbers[1]))
        return Init(base, group, False, rewrites, child)  # type: ignore[arg-type]
    return Init(base, "-g" in flags, False, [], child)


def _pyinit(args: list[str], env: dict[str, str]) -> Init:
    """pyinit's options as pyinit itself reads them (pyinit.cli.parse, pure)."""
    from pyinit.cli import Action, UsageError, parse

    try:
        # A stand-in last word: after the options it is the command (or its last argument).
        config = parse([*args, "_"], env)
        if isinstance(config, Action):  # --help, --version: pyinit runs nothing
            return Init("pyinit", True, True, [], None)
        defaults = parse(["_"] if config.session else ["-c", "_"], env)
    except UsageError:
        return Init("pyinit", True, True, [], None)
    if isinstance(defaults, Action):
        return Init("pyinit", True, True, [], None)
    rewrites = [
        (f"{signal_name(source).removeprefix('SIG')}:{target}", source, target)
        for source, target in config.rewrites.items()
        if defaults.rewrites.get(source) != target
    ]
    grace = config.grace is not None and config.grace > 0
    return Init("pyinit", config.session, grace, rewrites, list(config.command[:-1]))


def shell_of(argv: list[str]) -> tuple[str, str | None, list[str]] | None:
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


def strip_wrappers(argv: list[str]) -> list[str]:
    while argv and posixpath.basename(argv[0]) in _WRAPPERS:
        fixed = _WRAPPERS[posixpath.basename(argv[0])]
        argv = argv[1:]
        while argv and (argv[0].startswith("-") or is_assignment(argv[0])):
            option = argv.pop(0)
            if option == "--":
                break
            if option in _WRAPPER_VALUE_OPTIONS and argv:
                argv.pop(0)
        argv = argv[fixed:]
    return argv


def interpreter(text: str) -> list[str] | None:
    """The #! line as argv (``#!/usr/bin/env -S bash -e`` -> ["bash", "-e"])."""
    if not text.startswith("#!"):
        return None
    words = text[2:].split("\n", 1)[0].split()
    if words and posixpath.basename(words[0]) == "env":
        words = [w for w in words[1:] if not w.startswith("-") and not is_assignment(w)]
    return words or None


# ---------------------------------------------------------------------------- launchers

#: Programs that switch user and stay as the app's parent (they fork, then wait).
USER_SWITCHERS = {"su", "runuser", "sudo"}
#: Package managers whose run-script puts `sh -c` and themselves between PID 1 and node.
SCRIPT_RUNNERS = {"npm": {"start", "run", "run-script", "restart"},
                  "yarn": {"start", "run", "dev", "serve"},
                  "pnpm": {"start", "run", "run-script", "dev", "serve"}}  # fmt: skip


def user_switch(argv: list[str]) -> str | None:
    """``su app -c CMD``, ``runuser -u app -- CMD``, ``sudo -u app CMD``: the program's
    name; None for anything else (``su`` without a command is a login shell)."""
    base = posixpath.basename(argv[0]) if argv else ""
    if base not in USER_SWITCHERS:
        return None
    args = argv[1:]
    if base == "sudo":
        return base if any(not a.startswith("-") for a in args) else None
    for arg in args:
        if arg in ("-c", "--command", "--") or arg.startswith("--command="):
            return base
        if arg.startswith("-") and not arg.startswith("--") and "c" in arg[1:]:
            return base
    return None


def script_runner(argv: list[str]) -> str | None:
    """``npm start``, ``npm run web``, ``yarn start``, ``pnpm start``: the words as text."""
    if len(argv) < 2:
        return None
    base = posixpath.basename(argv[0])
    words = [a for a in argv[1:] if not a.startswith("-")]
    if base in SCRIPT_RUNNERS and words and words[0] in SCRIPT_RUNNERS[base]:
        return " ".join([base, *words[:2]] if words[0].startswith("run") else [base, words[0]])
    return None


# ---------------------------------------------------------------------------- installs

#: Inits an image has to install itself, and the package names that install them.
INIT_PACKAGES = {
    "tini": ("tini", "tini-static"),
    "dumb-init": ("dumb-init", "dumb_init"),
    "catatonit": ("catatonit",),
    "pyinit": ("pyinit", "pyinit-pid1"),
}
#: Official and distroless bases that ship none of them (the base's own path).
BARE_BASES = {"python", "node", "debian", "ubuntu", "alpine", "golang", "openjdk",
              "eclipse-temurin", "amazoncorretto", "nginx", "httpd", "busybox", "scratch",
              "fedora", "centos", "rockylinux", "almalinux", "ruby", "php", "rust",
              "buildpack-deps", "maven", "gradle", "sapmachine", "haproxy", "redis",
              "postgres", "caddy", "tomcat", "perl", "erlang", "elixir"}  # fmt: skip


def base_path(image: str) -> str:
    """``docker.io/library/python:3.12-slim@sha256:..`` -> ``python``."""
    name = image.split("@", 1)[0]
    parts = name.split("/")
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        parts = parts[1:]
    if parts[:1] == ["library"]:
        parts = parts[1:]
    path = "/".join(parts)
    return path.rsplit(":", 1)[0] if ":" in path.rsplit("/", 1)[-1] else path


def bare_base(image: str) -> bool:
    """Whether the base is known to ship no init (else it may: we cannot look inside)."""
    path = base_path(image).lower()
    first = path.split("/", 1)[0]
    return path in BARE_BASES or first == "distroless" or first.startswith("ubi")
