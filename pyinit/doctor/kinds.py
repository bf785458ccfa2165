"""What kind of process a name and command line stand for: init, shell, pod sandbox, app (pure)."""

from __future__ import annotations

import os

from pyinit.known import INITS, SANDBOXES, SHELLS


def is_sandbox(name: str, cmdline: list[str]) -> bool:
    """Is this the pod's sandbox (``pause``, ``catatonit -P``) rather than a workload?"""
    argv0 = os.path.basename(cmdline[0]) if cmdline else ""
    for cand in (argv0, name):
        if cand in SANDBOXES:
            flag = SANDBOXES[cand]
            return not flag or flag in cmdline[1:]
    return False


def classify(name: str, exe: str | None, cmdline: list[str]) -> str:
    """The kind of process: pyinit, tini, dumb-init, ... , ``sandbox``, ``shell`` or ``app``."""
    argv0 = os.path.basename(cmdline[0]) if cmdline else ""
    exe_base = os.path.basename(exe or "")
    if is_sandbox(name, cmdline):
        return "sandbox"
    if name == "pyinit" or argv0 == "pyinit":
        return "pyinit"
    if argv0.startswith("python") or exe_base.startswith("python"):
        args = cmdline[1:]
        module = args[args.index("-m") + 1 :][:1] if "-m" in args else []
        if (args and os.path.basename(args[0]) == "pyinit") or module == ["pyinit"]:
            return "pyinit"
    for cand in (argv0, name, exe_base):
        if cand in INITS:
            return INITS[cand]
    if argv0 == "busybox" and len(cmdline) > 1 and os.path.basename(cmdline[1]) in SHELLS:
        return "shell"
    if argv0 in SHELLS or name in SHELLS:
        if name == "busybox" and argv0 not in SHELLS:
            return "app"  # busybox running some other applet
        return "shell"
    return "app"


def kind_text(kind: str) -> str:
    if kind == "sandbox":
        return "a pod sandbox (pause process): it holds the pod's shared PID namespace"
    if kind in ("pyinit", "tini", "dumb-init", "catatonit"):
        return f"{kind}, an init that forwards signals and reaps zombies"
    if kind in INITS.values():
        return f"{kind}, a service supervisor / init"
    if kind == "shell":
        return "a shell"
    return "the application itself (no init)"
