"""The report as text for a terminal.

Names, command lines and paths come from other processes, which choose them: each line
goes through :func:`pyinit.text.printable`, so an ESC or a newline in a process name can
neither drive the terminal nor forge a line of the report (one line per record).
"""

from __future__ import annotations

from typing import Any

from pyinit.doctor.report import Report, command_text
from pyinit.text import printable


def _pid_label(pid: int, nspid: int) -> str:
    return str(pid) if pid == nspid else f"{pid} (ns {nspid})"


def render(r: Report) -> str:
    out: list[str] = []
    where = "PID 1 of its PID namespace" if r.is_ns_init else "not PID 1 of its PID namespace"
    host = "" if r.pid == r.nspid else f", pid {r.pid} seen from here"
    out.append(f"pid {r.nspid}: {r.name} ({where}{host})")
    out.append(f"  command: {command_text(r.cmdline, r.name)}")
    out.append(f"  is:      {r.kind_text}")
    if r.sandbox is not None:
        sb = r.sandbox
        out.append(
            f"  pod:     PID 1 is the pod's sandbox: {command_text(sb['cmdline'], sb['name'])}"
        )
    out.append("")
    rule = (
        "PID 1: the kernel drops signals it has no handler for"
        if r.is_ns_init
        else "ordinary process: default actions apply"
    )
    out.append(f"Signals (stop signal {r.stopsignal}; {rule}):")
    for s in r.signals:
        tag = {"ok": "ok", "warn": "WARN", "problem": "PROBLEM"}[s.severity]
        out.append(f"  {s.signal:<8} {s.state:<8} {tag:<8} {s.meaning}")
    out.append("")
    out.append("Process tree:")
    out.append(f"  {'PID':<16} {'STATE':<9} {'PGID':>6} {'SID':>6}  COMMAND")
    for row in r.tree:
        indent = "  " * row["depth"]
        cmd = command_text(row["cmdline"], row["name"])
        if len(cmd) > 70:
            cmd = cmd[:67] + "..."
        pid = _pid_label(row["pid"], row["nspid"])
        out.append(f"  {pid:<16} {row['state']:<9} {row['pgid']:>6} {row['sid']:>6}  {indent}{cmd}")
    out.append("")
    if r.zombies:
        out.append("Zombies:")
        for z in r.zombies:
            verdict = "reaped" if z.parent_reaps else "NOT REAPED"
            out.append(
                f"  pid {_pid_label(z.pid, z.nspid)} ({z.name}), parent {z.parent_pid} "
                f"({z.parent_name}): {verdict}: {z.why}"
            )
    else:
        out.append("Zombies: none")
    if r.signal_group is not None:
        if r.outside_group:
            out.append(f"Outside process group {r.signal_group} (a group-wide signal misses them):")
            for o in r.outside_group:
                out.append(
                    f"  pid {_pid_label(o['pid'], o['nspid'])} pgid {o['pgid']} sid {o['sid']}: "
                    f"{command_text(o['cmdline'], o['name'])}"
                )
        else:
            out.append(f"Every process under it is in process group {r.signal_group}")
    out.append("")
    for n in r.notes:
        out.append(f"note: {n}")
    for w in r.warnings:
        out.append(f"warning: {w}")
    for p in r.problems:
        out.append(f"PROBLEM: {p}")
    verdict = (
        f"{len(r.problems)} problem(s), {len(r.warnings)} warning(s)"
        if r.problems or r.warnings
        else "nothing wrong found"
    )
    out.append(f"Result: {verdict} (exit {r.exit_code})")
    return _lines(out)


def _lines(lines: list[str]) -> str:
    return "\n".join(printable(line) for line in lines)


def render_signals(d: dict[str, Any]) -> str:
    where = "PID 1 of its namespace" if d["nspid"] == 1 else f"pid {d['nspid']} in its namespace"
    out = [f"pid {d['pid']} ({d['name']}), {where}"]
    for f, m in d["masks"].items():
        if f == "sigtimedwait":
            out.append(
                f"waiting in sigtimedwait() for: {m['hex']}  {' '.join(m['signals']) or '?'}"
                "  (the kernel leaves these out of SigBlk while it waits)"
            )
            continue
        out.append(f"{f}: {m['hex']}  {' '.join(m['signals']) or '-'}")
    for tid, m in d["threads_blocking_differently"].items():
        out.append(f"SigBlk of thread {tid}: {m['hex']}  {' '.join(m['signals']) or '-'}")
    return _lines(out)
