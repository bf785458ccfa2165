"""``pyinit doctor [PID]``: explain why a container will (not) stop and what is left behind.

Exit codes: 0 nothing wrong, 1 problems found, 2 usage error, 3 cannot read the process.

Run inside a container (``docker exec CTR pyinit doctor``) or on any pid from the host.
Nothing here is imported on the init's start-up path.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from dataclasses import asdict, dataclass, field
from typing import Any, NoReturn

from . import procinfo

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2
EXIT_UNREADABLE = 3

PROG = "pyinit doctor"

SHELLS = frozenset({"sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "yash", "hush", "busybox"})

# Inits that reap every zombie and pass signals on. Value: how they forward.
KNOWN_INITS = {"pyinit": "pyinit", "tini": "tini", "tini-static": "tini", "dumb-init": "dumb-init",
               "docker-init": "tini",  # `docker run --init` ships tini under this name
               "catatonit": "catatonit", "s6-svscan": "s6", "runsvdir": "runit", "runit": "runit",
               "systemd": "systemd", "init": "init"}  # fmt: skip
# Inits that put the child in its own session and signal its whole process group.
GROUP_FORWARDERS = frozenset({"pyinit", "dumb-init"})

CORE_SIGNALS = ("SIGTERM", "SIGINT", "SIGQUIT", "SIGHUP")


class UsageError(Exception):
    pass


class Unreadable(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _build_parser() -> _Parser:
    p = _Parser(
        prog=PROG,
        description="Explain how PID 1 (or PID) handles the stop signals, show its process "
        "tree, zombies and processes a group-wide signal will miss.",
        epilog="Exit codes: 0 nothing wrong, 1 problems found, 2 usage error, "
        "3 cannot read the process.",
    )
    add = p.add_argument
    add("pid", nargs="?", help="process to examine (default: PID 1 of this PID namespace)")
    add("--json", action="store_true", help="print one JSON object for machines")
    add("--signals", action="store_true", help="print only the decoded signal masks of PID")
    add("--stopsignal", metavar="SIG", help="the container's STOPSIGNAL (default SIGTERM)")
    add("--wait", metavar="SECONDS", type=float, default=0.5,
        help="how long to watch zombies to see whether they get reaped (default 0.5)")  # fmt: skip
    return p


# --------------------------------------------------------------------------- /proc readers


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def read_status(pid: int) -> dict[str, str]:
    try:
        return procinfo.parse_status(_read(f"/proc/{pid}/status"))
    except (FileNotFoundError, ProcessLookupError):
        raise Unreadable(f"no such process: {pid}") from None
    except PermissionError:
        raise Unreadable(f"permission denied reading /proc/{pid}/status") from None
    except OSError as e:
        raise Unreadable(f"cannot read /proc/{pid}/status: {e.strerror or e}") from None


def read_cmdline(pid: int) -> list[str]:
    try:
        raw = _read(f"/proc/{pid}/cmdline")
    except OSError:
        return []
    return raw.split("\0")[:-1] if raw.endswith("\0") else raw.split("\0")


def read_stat(pid: int) -> dict[str, Any] | None:
    """state, ppid, pgid, sid from /proc/PID/stat (None when the process is gone)."""
    try:
        raw = _read(f"/proc/{pid}/stat")
    except OSError:
        return None
    rest = raw[raw.rfind(")") + 2 :].split()
    if len(rest) < 4:
        return None
    return {"state": rest[0], "ppid": int(rest[1]), "pgid": int(rest[2]), "sid": int(rest[3])}


def read_wchan(pid: int) -> str:
    try:
        return _read(f"/proc/{pid}/wchan").strip()
    except OSError:
        return ""


def sigtimedwait_set(pid: int) -> tuple[bool, frozenset[int] | None]:
    """Is ``pid`` sleeping in sigtimedwait/sigwaitinfo, and on which signals?

    While a thread sleeps there the kernel clears the waited signals from the blocked mask
    that /proc shows (they stay blocked for delivery), so tini and pyinit look as if they did
    not block SIGTERM at all. The waited set is read from the process memory (needs ptrace
    access, i.e. root or the same user); None when it cannot be read.
    """
    import platform

    if not read_wchan(pid).startswith("do_sigtimedwait"):
        return False, None
    try:
        parsed = procinfo.parse_syscall(_read(f"/proc/{pid}/syscall"))
        nr = procinfo.RT_SIGTIMEDWAIT.get(platform.machine())
        if parsed is None or nr is None or parsed[0] != nr:
            return True, None
        with open(f"/proc/{pid}/mem", "rb") as mem:
            mem.seek(parsed[1][0])
            raw = mem.read(8)
        if len(raw) != 8:
            return True, None
        return True, procinfo.mask_from_bytes(raw)
    except (OSError, ValueError, OverflowError):
        return True, None


def ns_inode(pid: int) -> int | None:
    try:
        return os.stat(f"/proc/{pid}/ns/pid").st_ino
    except OSError:
        return None


def nspid_chain(status: dict[str, str]) -> list[int]:
    try:
        return [int(x) for x in status.get("NSpid", "").split()]
    except ValueError:
        return []


# --------------------------------------------------------------------------- model


def _command_text(cmdline: list[str], name: str) -> str:
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
    children: list[int] = field(default_factory=list)

    @property
    def command(self) -> str:
        return _command_text(self.cmdline, self.name)


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


# --------------------------------------------------------------------------- classification


def classify(name: str, exe: str | None, cmdline: list[str]) -> str:
    """The kind of process: pyinit, tini, dumb-init, ... , ``shell`` or ``app``."""
    argv0 = os.path.basename(cmdline[0]) if cmdline else ""
    exe_base = os.path.basename(exe or "")
    if name == "pyinit" or argv0 == "pyinit":
        return "pyinit"
    if argv0.startswith("python") or exe_base.startswith("python"):
        args = cmdline[1:]
        module = args[args.index("-m") + 1 :][:1] if "-m" in args else []
        if (args and os.path.basename(args[0]) == "pyinit") or module == ["pyinit"]:
            return "pyinit"
    for cand in (argv0, name, exe_base):
        if cand in KNOWN_INITS:
            return KNOWN_INITS[cand]
    if argv0 == "busybox" and len(cmdline) > 1 and os.path.basename(cmdline[1]) in SHELLS:
        return "shell"
    if argv0 in SHELLS or name in SHELLS:
        if name == "busybox" and argv0 not in SHELLS:
            return "app"  # busybox running some other applet
        return "shell"
    return "app"


def _kind_text(kind: str) -> str:
    if kind in ("pyinit", "tini", "dumb-init", "catatonit"):
        return f"{kind}, an init that forwards signals and reaps zombies"
    if kind in KNOWN_INITS.values():
        return f"{kind}, a service supervisor / init"
    if kind == "shell":
        return "a shell"
    return "the application itself (no init)"


# --------------------------------------------------------------------------- snapshot


def snapshot() -> dict[int, Proc]:
    """Every visible process, with pgid/sid/NSpid from /proc (psutil for the walk)."""
    import psutil

    procs: dict[int, Proc] = {}
    for p in psutil.process_iter(["pid", "ppid", "name", "status", "cmdline", "create_time"]):
        info = p.info
        st = read_stat(info["pid"])
        if st is None:
            continue
        try:
            status = procinfo.parse_status(_read(f"/proc/{info['pid']}/status"))
        except OSError:
            continue
        chain = nspid_chain(status)
        procs[info["pid"]] = Proc(
            pid=info["pid"],
            ppid=st["ppid"],
            nspid=chain[-1] if chain else info["pid"],
            name=info["name"] or status.get("Name", "?"),
            state=str(info["status"] or st["state"]),
            pgid=st["pgid"],
            sid=st["sid"],
            cmdline=list(info["cmdline"] or []),
            start=float(info["create_time"] or 0.0),
        )
    for proc in procs.values():
        parent = procs.get(proc.ppid)
        if parent is not None and proc.pid != proc.ppid:
            parent.children.append(proc.pid)
    for proc in procs.values():
        proc.children.sort()
    return procs


def descendants(procs: dict[int, Proc], pid: int) -> list[int]:
    out: list[int] = []
    stack = list(reversed(procs[pid].children)) if pid in procs else []
    while stack:
        cur = stack.pop()
        out.append(cur)
        stack.extend(reversed(procs[cur].children))
    return out


def _tree_rows(procs: dict[int, Proc], root: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def walk(pid: int, depth: int) -> None:
        rows.append({**_brief(procs[pid]), "depth": depth})
        for c in procs[pid].children:
            walk(c, depth + 1)

    if root in procs:
        walk(root, 0)
    return rows


def _brief(p: Proc) -> dict[str, Any]:
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


# --------------------------------------------------------------------------- analysis


def _parse_pid(text: str | None) -> int | None:
    if text is None:
        return None
    t = text.strip()
    if not t.isdigit() or int(t) < 1:
        raise UsageError(f"PID must be a positive number, got {text!r}")
    return int(t)


def _exe(pid: int) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return None


def _by_age(procs: list[Proc]) -> list[Proc]:
    """Live processes, oldest first: the main child comes before orphans re-parented later."""
    return sorted((p for p in procs if p.state != "zombie"), key=lambda p: (p.start, p.pid))


def examine(pid: int, stopsignal: int, wait: float) -> Report:
    status = read_status(pid)
    chain = nspid_chain(status)
    nspid = chain[-1] if chain else pid
    is_ns_init = nspid == 1
    theirs = ns_inode(pid)
    same_ns = theirs is not None and ns_inode(os.getpid()) == theirs
    cmdline = read_cmdline(pid)
    name = status.get("Name", "?")
    exe = _exe(pid)
    try:
        procs = snapshot()
    except Exception as e:  # psutil errors, /proc races
        raise Unreadable(f"cannot list processes: {e}") from None
    if pid not in procs:
        raise Unreadable(f"process {pid} went away while examining it")
    kind = classify(name, exe, cmdline)
    r = Report(
        pid=pid, nspid=nspid, is_ns_init=is_ns_init, same_namespace=same_ns, name=name, exe=exe,
        cmdline=cmdline, kind=kind, kind_text=_kind_text(kind),
        stopsignal=procinfo.signal_name(stopsignal), tree=_tree_rows(procs, pid),
    )  # fmt: skip
    who = "PID 1" if is_ns_init else f"pid {pid}"
    if not is_ns_init:
        r.notes.append(
            f"pid {pid} is not PID 1 of its PID namespace (it is pid {nspid} there): "
            "the kernel treats its signals as for any process"
        )
    if not os.path.exists("/proc/self") or (
        os.readlink("/proc/self") != str(os.getpid()) and same_ns
    ):
        r.notes.append("/proc is not mounted for this PID namespace; pids may be someone else's")

    live_kids = _by_age([procs[c] for c in procs[pid].children])
    if kind == "shell" and live_kids:
        kid = live_kids[0]
        r.problems.append(
            f"{who} is a shell ({name}) running the app as child pid {kid.pid} "
            f"({kid.command}) instead of exec'ing it: `docker stop` signals the shell, "
            "which does not pass the signal on. Use `exec` in the script, the exec form "
            'ENTRYPOINT ["app", ...], or run it under pyinit'
        )
    elif kind == "shell":
        r.warnings.append(f"{who} is a shell ({name}); make sure it `exec`s the application")
    elif kind == "app" and is_ns_init:
        r.warnings.append(
            "PID 1 is the application itself: it must handle the stop signal and reap orphaned "
            "zombies on its own; run it under an init (pyinit -- app) to get both"
        )
    _check_signals(r, status, stopsignal, shell_waits=kind == "shell" and bool(live_kids))
    desc = descendants(procs, pid)
    _check_zombies(r, procs, [z for z in desc if procs[z].state == "zombie"], wait)
    _check_group(r, procs, desc, live_kids)
    if is_ns_init:
        _check_others(r, procs, set(desc) | {pid}, theirs)
    r.exit_code = EXIT_PROBLEMS if r.problems else EXIT_OK
    return r


def _check_signals(r: Report, status: dict[str, str], stopsignal: int, shell_waits: bool) -> None:
    """How the examined process takes the stop signal and the other usual ones."""
    who = "PID 1" if r.is_ns_init else f"pid {r.pid}"
    wanted = [procinfo.signal_number(n) for n in CORE_SIGNALS]
    if stopsignal not in wanted:
        wanted.insert(0, stopsignal)
    in_wait, waited = sigtimedwait_set(r.pid)
    if in_wait and waited is not None:
        blocked = procinfo.parse_mask(status.get("SigBlk", "0")) | waited
        status = dict(status, SigBlk=procinfo.mask_hex(blocked))
        among = [procinfo.signal_name(n) for n in wanted if n in waited]
        r.notes.append(
            f"{who} is waiting in sigtimedwait() for {len(waited)} signals"
            f"{' (among them ' + ' '.join(among) + ')' if among else ''}; "
            "they count as blocked (the kernel hides them from SigBlk meanwhile)"
        )
    for num in wanted:
        state = procinfo.signal_state(status, num)
        pending = procinfo.is_pending(status, num)
        stop = num == stopsignal
        text, sev = procinfo.meaning(num, state, pid1=r.is_ns_init, pending=pending, stop=stop)
        if in_wait and waited is None and state == "default":
            text = (
                f"{who} sleeps in sigtimedwait(), which hides the signals it waits for from "
                f"SigBlk; could not read which (needs ptrace access): {text}"
            )
            sev = "warn" if sev == "problem" else sev
        if shell_waits and stop and state == "caught":
            text += " (but a shell runs its trap only after the foreground child exits)"
            sev = "warn" if sev == "ok" else sev
        name = procinfo.signal_name(num)
        blocked = procinfo.is_blocked(status, num)
        r.signals.append(SignalReport(name, num, state, blocked, pending, sev, text))
        # Only the stop signal goes into the verdict; the others stay in the table.
        if stop and sev != "ok":
            (r.problems if sev == "problem" else r.warnings).append(
                f"the stop signal {name}: {text}"
            )


def _check_zombies(r: Report, procs: dict[int, Proc], zombie_pids: list[int], wait: float) -> None:
    """Watch the zombies for ``wait`` seconds; the ones left are not being reaped."""
    import psutil

    still = set(zombie_pids)
    deadline = time.monotonic() + wait
    while still and time.monotonic() < deadline:
        time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
        for z in list(still):
            try:
                if psutil.Process(z).status() != psutil.STATUS_ZOMBIE:
                    still.discard(z)
            except psutil.Error:
                still.discard(z)
    for z in zombie_pids:
        zp = procs[z]
        parent = procs.get(zp.ppid)
        pname = parent.name if parent else "?"
        parent_kind = classify(parent.name, _exe(parent.pid), parent.cmdline) if parent else "app"
        if z not in still:
            reaps, why = True, "reaped while doctor watched"
        elif read_wchan(zp.ppid).startswith("do_wait"):
            reaps, why = True, "its parent is waiting in wait(), so it will reap it"
        elif parent_kind in KNOWN_INITS.values() and wait <= 0:
            reaps, why = True, f"its parent is {parent_kind}, an init that reaps"
        else:
            reaps = False
            why = (
                f"still a zombie after {wait:g} s: its parent pid {zp.ppid} ({pname}) "
                "does not wait() for it"
            )
            if zp.ppid == r.pid and r.is_ns_init and parent_kind not in KNOWN_INITS.values():
                why += "; PID 1 must reap orphans, and this one does not"
        r.zombies.append(Zombie(z, zp.nspid, zp.name, zp.ppid, pname, reaps, why))
        if not reaps:
            r.problems.append(f"zombie pid {z} ({zp.name}): {why}")


def _check_group(r: Report, procs: dict[int, Proc], desc: list[int], kids: list[Proc]) -> None:
    """Who a signal to the main child's process group (what inits forward) will miss."""
    skip: set[int] = set()
    if r.kind == "pyinit" and len(kids) == 1 and r.exe and _exe(kids[0].pid) == r.exe:
        inner = kids[0]
        if classify(inner.name, r.exe, inner.cmdline) == "pyinit" and inner.cmdline == r.cmdline:
            # The single-file build: PyInstaller's bootloader is PID 1 and hands each signal
            # to its child, the same binary, which is pyinit proper.
            who = "PID 1" if r.is_ns_init else f"pid {r.pid}"
            r.notes.append(
                f"{who} is the bootloader of the single-file pyinit; pyinit itself is pid "
                f"{inner.pid}, and the bootloader passes signals on to it"
            )
            kids = _by_age([procs[c] for c in inner.children])
            skip.add(inner.pid)
    ref: Proc | None = procs[r.pid]
    if r.kind in GROUP_FORWARDERS or (r.kind in KNOWN_INITS.values() and kids):
        ref = kids[0] if kids else None
    if ref is None:
        return
    r.signal_group = ref.pgid
    for d in desc:
        p = procs[d]
        if p.state != "zombie" and p.pid != ref.pid and p.pid not in skip and p.pgid != ref.pgid:
            r.outside_group.append(_brief(p))
    if r.outside_group:
        outside = r.outside_group
        names = ", ".join(f"{o['pid']} ({o['name']}, pgid {o['pgid']})" for o in outside[:5])
        if len(outside) > 5:
            names += f" and {len(outside) - 5} more"
        whose = "of PID 1" if ref.pid == r.pid else f"of the main child pid {ref.pid}"
        r.warnings.append(
            f"{len(outside)} process(es) outside process group {ref.pgid} {whose}: a signal "
            f"sent to that group (what pyinit and dumb-init forward) will miss {names}; "
            "they are SIGKILLed when PID 1 exits"
        )


def _check_others(r: Report, procs: dict[int, Proc], inside: set[int], ns: int | None) -> None:
    """Processes of PID 1's namespace that are not under it (docker exec sessions...)."""
    mine: set[int] = set()  # doctor and its parents
    cur: int | None = os.getpid()
    while cur and cur in procs and cur not in mine:
        mine.add(cur)
        cur = procs[cur].ppid
    for p in procs.values():
        if p.pid not in inside and p.pid not in mine and ns is not None and ns_inode(p.pid) == ns:
            r.others_in_namespace.append(_brief(p))
    if r.others_in_namespace:
        r.notes.append(
            f"{len(r.others_in_namespace)} other process(es) in this PID namespace are not "
            "under PID 1 (docker exec sessions?): PID 1 does not signal them"
        )


# --------------------------------------------------------------------------- output


def _pid_label(pid: int, nspid: int) -> str:
    return str(pid) if pid == nspid else f"{pid} (ns {nspid})"


def render(r: Report) -> str:
    out: list[str] = []
    where = "PID 1 of its PID namespace" if r.is_ns_init else "not PID 1 of its PID namespace"
    host = "" if r.pid == r.nspid else f", pid {r.pid} seen from here"
    out.append(f"pid {r.nspid}: {r.name} ({where}{host})")
    out.append(f"  command: {_command_text(r.cmdline, r.name)}")
    out.append(f"  is:      {r.kind_text}")
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
        cmd = _command_text(row["cmdline"], row["name"])
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
                    f"{_command_text(o['cmdline'], o['name'])}"
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
    return "\n".join(out)


def signals_only(pid: int) -> dict[str, Any]:
    status = read_status(pid)
    chain = nspid_chain(status)
    masks = {}
    for f in procinfo.MASK_FIELDS:
        if f in status:
            masks[f] = {"hex": status[f], "signals": procinfo.mask_names(status[f])}
    threads: dict[str, str] = {}
    try:
        tids = sorted(int(t) for t in os.listdir(f"/proc/{pid}/task"))
    except OSError:
        tids = []
    for tid in tids:
        if tid == pid:
            continue
        try:
            ts = procinfo.parse_status(_read(f"/proc/{pid}/task/{tid}/status"))
        except OSError:
            continue
        if ts.get("SigBlk") != status.get("SigBlk"):
            threads[str(tid)] = ts.get("SigBlk", "")
    in_wait, waited = sigtimedwait_set(pid)
    if in_wait:
        masks["sigtimedwait"] = {
            "hex": procinfo.mask_hex(waited) if waited else "?",
            "signals": [procinfo.signal_name(n) for n in sorted(waited or ())],
        }
    return {
        "pid": pid,
        "nspid": chain[-1] if chain else pid,
        "name": status.get("Name", "?"),
        "masks": masks,
        "threads_blocking_differently": {
            t: {"hex": m, "signals": procinfo.mask_names(m)} for t, m in threads.items() if m
        },
    }


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
    return "\n".join(out)


# --------------------------------------------------------------------------- entry


def _err(msg: str) -> None:
    print(f"{PROG}: error: {msg}", file=sys.stderr)


def main(argv: list[str]) -> int:
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        pid = _parse_pid(args.pid)
        try:
            stopsig = procinfo.signal_number(args.stopsignal or "SIGTERM")
        except ValueError as e:
            raise UsageError(f"--stopsignal: {e}") from None
        if not (args.wait >= 0 and args.wait < 3600):
            raise UsageError("--wait must be between 0 and 3600 seconds")
    except UsageError as e:
        _err(f"{e} (see --help)")
        return EXIT_USAGE
    except SystemExit as e:  # --help
        return int(e.code or 0)

    try:
        target = _thread_group(pid or 1)
        if args.signals:
            data = signals_only(target)
            return _emit(json.dumps(data, indent=2) if args.json else render_signals(data), 0)
        report = examine(target, stopsig, args.wait)
        if target != (pid or 1):
            report.notes.insert(0, f"{pid} is a thread of process {target}; examined {target}")
    except Unreadable as e:
        _err(str(e))
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        return 130
    text = json.dumps(asdict(report), indent=2) if args.json else render(report)
    return _emit(text, report.exit_code)


def _thread_group(pid: int) -> int:
    """A thread id given as PID stands for its process (the thread group leader)."""
    tgid = read_status(pid).get("Tgid", "")
    return int(tgid) if tgid.isdigit() and int(tgid) > 0 else pid


def _emit(text: str, code: int) -> int:
    try:
        print(text)
        sys.stdout.flush()
    except BrokenPipeError:  # `pyinit doctor | head`: fine, and no traceback
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:
            pass
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))
