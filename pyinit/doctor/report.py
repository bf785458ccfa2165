"""The report doctor builds: plain data, printed as text by render.py or as JSON as it is."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from typing import Any

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3


def command_text(cmdline: list[str], name: str) -> str:
    return shlex.join(cmdline) if cmdline else f"[{name}]"


@dataclass
class Proc:
    pid: int
    ppid: int
    nspid: int
    name: str
    state: str
    pgid: int
    sid: int
    cmdline: list[str]
    start: float = 0.0
    cgroup: str = ""
    children: list[int] = field(default_factory=list)

    @property
    def command(self) -> str:
        return command_text(self.cmdline, self.name)


@dataclass
class SignalReport:
    signal: str
    number: int
    state: str
    blocked: bool
    pending: bool
    severity: str
    meaning: str


@dataclass
class Zombie:
    pid: int
    nspid: int
    name: str
    parent_pid: int
    parent_name: str
    parent_reaps: bool
    why: str


@dataclass
class Report:
    pid: int
    nspid: int
    is_ns_init: bool
    same_namespace: bool
    name: str
    exe: str | None
    cmdline: list[str]
    kind: str
    kind_text: str
    stopsignal: str
    signals: list[SignalReport] = field(default_factory=list)
    tree: list[dict[str, Any]] = field(default_factory=list)
    zombies: list[Zombie] = field(default_factory=list)
    signal_group: int | None = None
    outside_group: list[dict[str, Any]] = field(default_factory=list)
    others_in_namespace: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    exit_code: int = 0
    #: False when /proc is not the /proc of doctor's own PID namespace (proc.proc_is_ours).
    proc_trusted: bool = True
    #: PID 1 when it is a pod's sandbox and the report is on this container's top process.
    sandbox: dict[str, Any] | None = None


def brief(p: Proc) -> dict[str, Any]:
    return {
        "pid": p.pid,
        "nspid": p.nspid,
        "ppid": p.ppid,
        "name": p.name,
        "state": p.state,
        "pgid": p.pgid,
        "sid": p.sid,
        "cmdline": p.cmdline,
    }
