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
KNOWN_INITS = {
    "pyinit": "pyinit",
    "tini": "tini",
    "tini-static": "tini",
    "docker-init": "tini",  # `docker run --init` ships tini under this name
    "dumb-init": "dumb-init",
    "catatonit": "catatonit",
    "s6-svscan": "s6",
    "runsvdir": "runit",
    "runit": "runit",
    "systemd": "systemd",
    "init": "init",
}
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
        description=(
            "Explain how PID 1 (or PID) handles the stop signals, show its process tree, "
            "zombies and processes a group-wide signal will miss."
        ),
        epilog="Exit codes: 0 nothing wrong, 1 problems found, 2 usage error, "
        "3 cannot read the process.",
    )
    p.add_argument(
        "pid", nargs="?", help="process to examine (default: PID 1 of this PID namespace)"
    )
    p.add_argument("--json", action="store_true", help="print one JSON object for machines")
    p.add_argument(
        "--signals", action="store_true", help="print only the decoded signal masks of PID"
    )
    p.add_argument(
        "--stopsignal",
        metavar="SIG",
        default=None,
        help="the container's STOPSIGNAL (name or number); default SIGTERM",
    )
    p.add_argument(
        "--wait",
        metavar="SECONDS",
        type=float,
        default=0.5,
        help="how long to watch zombies to see whether they get reaped (default 0.5)",
    )
    return p


# --------------------------------------------------------------------------- /proc readers


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def read_status(pid: int) -> dict[str, str]:
    try:
        return procinfo.parse_status(_read(f"/proc/{pid}/status"))
    except FileNotFoundError:
        raise Unreadable(f"no such process: {pid}") from None
    except ProcessLookupError:
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
    return [a for a in raw.split("\0")][:-1] if raw.endswith("\0") else raw.split("\0")


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
        return shlex.join(self.cmdline) if self.cmdline else f"[{self.name}]"


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
    signals: list[SignalReport]
    tree: list[dict[str, Any]]
    zombies: list[Zombie]
    signal_group: int | None
    outside_group: list[dict[str, Any]]
    others_in_namespace: list[dict[str, Any]]
    problems: list[str]
    warnings: list[str]
    notes: list[str]
    exit_code: int = 0


# --------------------------------------------------------------------------- classification


def _base(path: str) -> str:
    return os.path.basename(path) if path else ""


def classify(name: str, exe: str | None, cmdline: list[str], has_children: bool) -> str:
    """The kind of process: pyinit, tini, dumb-init, ... , ``shell`` or ``app``."""
    argv0 = _base(cmdline[0]) if cmdline else ""
    exe_base = _base(exe or "")
    if name == "pyinit" or argv0 == "pyinit":
        return "pyinit"
    if argv0.startswith("python") or exe_base.startswith("python"):
        args = cmdline[1:]
        if args[:2] == ["-m", "pyinit"] or (args and _base(args[0]) == "pyinit"):
            return "pyinit"
        if "-m" in args and "pyinit" in args:
            i = args.index("-m")
            if i + 1 < len(args) and args[i + 1] == "pyinit":
                return "pyinit"
    for cand in (argv0, name, exe_base):
        if cand in KNOWN_INITS:
            return KNOWN_INITS[cand]
    if argv0 == "busybox" and len(cmdline) > 1 and _base(cmdline[1]) in SHELLS:
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
        p = procs[pid]
        rows.append(
            {
                "pid": p.pid,
                "nspid": p.nspid,
                "ppid": p.ppid,
                "depth": depth,
                "state": p.state,
                "pgid": p.pgid,
                "sid": p.sid,
                "name": p.name,
                "cmdline": p.cmdline,
            }
        )
        for c in p.children:
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


def examine(pid: int, stopsignal: int, stop_given: bool, wait: float) -> Report:
    status = read_status(pid)
    chain = nspid_chain(status)
    nspid = chain[-1] if chain else pid
    is_ns_init = nspid == 1
    mine = ns_inode(os.getpid())
    theirs = ns_inode(pid)
    same_ns = mine is not None and mine == theirs
    cmdline = read_cmdline(pid)
    name = status.get("Name", "?")
    exe = _exe(pid)

    try:
        procs = snapshot()
    except Exception as e:  # psutil errors, /proc races
        raise Unreadable(f"cannot list processes: {e}") from None
    if pid not in procs:
        raise Unreadable(f"process {pid} went away while examining it")
    me = procs[pid]
    kind = classify(name, exe, cmdline, bool(me.children))

    problems: list[str] = []
    warnings: list[str] = []
    notes: list[str] = []
    who = "PID 1" if is_ns_init else f"pid {pid}"

    if not is_ns_init:
        notes.append(
            f"pid {pid} is not PID 1 of its PID namespace (it is pid {nspid} there): "
            "the kernel treats its signals as for any process"
        )
    if not os.path.exists("/proc/self") or (
        os.readlink("/proc/self") != str(os.getpid()) and same_ns
    ):
        notes.append("/proc is not mounted for this PID namespace; pids may be someone else's")

    # What PID 1 is.
    kids = [procs[c] for c in me.children]
    # Oldest first: the main child comes before orphans re-parented to PID 1 later.
    live_kids = sorted((k for k in kids if k.state != "zombie"), key=lambda k: (k.start, k.pid))
    if kind == "shell" and live_kids:
        kid = live_kids[0]
        problems.append(
            f"{who} is a shell ({name}) running the app as child pid {kid.pid} "
            f"({kid.command}) instead of exec'ing it: `docker stop` signals the shell, "
            "which does not pass the signal on. Use `exec` in the script, the exec form "
            'ENTRYPOINT ["app", ...], or run it under pyinit'
        )
    elif kind == "shell":
        warnings.append(f"{who} is a shell ({name}); make sure it `exec`s the application")
    elif kind == "app" and is_ns_init:
        warnings.append(
            "PID 1 is the application itself: it must handle the stop signal and reap orphaned "
            "zombies on its own; run it under an init (pyinit -- app) to get both"
        )

    # Signals.
    stop_name = procinfo.signal_name(stopsignal)
    wanted = [procinfo.signal_number(n) for n in CORE_SIGNALS]
    if stopsignal not in wanted:
        wanted.insert(0, stopsignal)
    sigs: list[SignalReport] = []
    in_wait, waited = sigtimedwait_set(pid)
    if in_wait and waited is not None:
        blk = procinfo.parse_mask(status.get("SigBlk", "0")) | waited
        status = dict(status, SigBlk=format(sum(1 << (n - 1) for n in blk), "016x"))
        among = [procinfo.signal_name(n) for n in wanted if n in waited]
        notes.append(
            f"{who} is waiting in sigtimedwait() for {len(waited)} signals"
            f"{' (among them ' + ' '.join(among) + ')' if among else ''}; "
            "they count as blocked (the kernel hides them from SigBlk meanwhile)"
        )
    for num in wanted:
        state = procinfo.signal_state(status, num)
        pending = procinfo.is_pending(status, num)
        text, sev = procinfo.meaning(
            num, state, pid1=is_ns_init, pending=pending, stop=num == stopsignal
        )
        if in_wait and waited is None and state == "default":
            text = (
                f"{who} sleeps in sigtimedwait(), which hides the signals it waits for from "
                f"SigBlk; could not read which (needs ptrace access): {text}"
            )
            sev = "warn" if sev == "problem" else sev
        if kind == "shell" and live_kids and num == stopsignal and state == "caught":
            text += " (but a shell runs its trap only after the foreground child exits)"
            sev = "warn" if sev == "ok" else sev
        sigs.append(
            SignalReport(
                signal=procinfo.signal_name(num),
                number=num,
                state=state,
                blocked=procinfo.is_blocked(status, num),
                pending=pending,
                severity=sev,
                meaning=text,
            )
        )
        # Only the stop signal goes into the verdict; the others stay in the table.
        if num == stopsignal and sev == "problem":
            problems.append(f"the stop signal {procinfo.signal_name(num)}: {text}")
        elif num == stopsignal and sev == "warn":
            warnings.append(f"the stop signal {procinfo.signal_name(num)}: {text}")

    # Zombies.
    desc = descendants(procs, pid)
    zombie_pids = [z for z in desc if procs[z].state == "zombie"]
    still: set[int] = set(zombie_pids)
    if zombie_pids and wait > 0:
        import psutil

        deadline = time.monotonic() + wait
        while still and time.monotonic() < deadline:
            time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            for z in list(still):
                try:
                    if psutil.Process(z).status() != psutil.STATUS_ZOMBIE:
                        still.discard(z)
                except psutil.Error:
                    still.discard(z)
    zombies: list[Zombie] = []
    for z in zombie_pids:
        zp = procs[z]
        parent = procs.get(zp.ppid)
        pname = parent.name if parent else "?"
        parent_kind = (
            classify(parent.name, _exe(parent.pid), parent.cmdline, True) if parent else "app"
        )
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
            if zp.ppid == pid and is_ns_init and parent_kind not in KNOWN_INITS.values():
                why += "; PID 1 must reap orphans, and this one does not"
        zombies.append(
            Zombie(
                pid=z,
                nspid=zp.nspid,
                name=zp.name,
                parent_pid=zp.ppid,
                parent_name=pname,
                parent_reaps=reaps,
                why=why,
            )
        )
        if not reaps:
            problems.append(f"zombie pid {z} ({zp.name}): {why}")

    # Who a group-wide signal will miss.
    init_kids = live_kids
    skip: set[int] = set()
    if (
        kind == "pyinit"
        and len(live_kids) == 1
        and exe
        and _exe(live_kids[0].pid) == exe
        and classify(live_kids[0].name, exe, live_kids[0].cmdline, True) == "pyinit"
        and live_kids[0].cmdline == cmdline
    ):
        # The single-file build: PyInstaller's bootloader is PID 1 and hands each signal to
        # its child, the same binary, which is pyinit proper.
        inner = live_kids[0]
        notes.append(
            f"{who} is the bootloader of the single-file pyinit; pyinit itself is pid "
            f"{inner.pid}, and the bootloader passes signals on to it"
        )
        init_kids = sorted(
            (procs[c] for c in inner.children if procs[c].state != "zombie"),
            key=lambda k: (k.start, k.pid),
        )
        skip.add(inner.pid)
    ref: Proc | None = me
    if kind in GROUP_FORWARDERS or (kind in KNOWN_INITS.values() and live_kids):
        ref = init_kids[0] if init_kids else None
    group = ref.pgid if ref else None
    outside: list[dict[str, Any]] = []
    if ref is not None:
        for d in desc:
            p = procs[d]
            if p.state == "zombie" or p.pid == ref.pid or p.pid in skip:
                continue
            if p.pgid != ref.pgid:
                outside.append(_brief(p))
    if outside and ref is not None:
        names = ", ".join(f"{o['pid']} ({o['name']}, pgid {o['pgid']})" for o in outside[:5])
        if len(outside) > 5:
            names += f" and {len(outside) - 5} more"
        whose = "of PID 1" if ref.pid == pid else f"of the main child pid {ref.pid}"
        warnings.append(
            f"{len(outside)} process(es) outside process group {group} {whose}: a signal "
            f"sent to that group (what pyinit and dumb-init forward) will miss {names}; "
            "they are SIGKILLed when PID 1 exits"
        )

    # Processes of the same namespace that are not under PID 1 (docker exec sessions...).
    others: list[dict[str, Any]] = []
    if is_ns_init:
        mine_chain = set()
        cur: int | None = os.getpid()
        while cur and cur in procs and cur not in mine_chain:
            mine_chain.add(cur)
            cur = procs[cur].ppid
        inside = set(desc) | {pid}
        target_ns = theirs
        for p in procs.values():
            if p.pid in inside or p.pid in mine_chain:
                continue
            if target_ns is not None and ns_inode(p.pid) == target_ns:
                others.append(_brief(p))
        if others:
            notes.append(
                f"{len(others)} other process(es) in this PID namespace are not under PID 1 "
                "(docker exec sessions?): PID 1 does not signal them"
            )

    report = Report(
        pid=pid,
        nspid=nspid,
        is_ns_init=is_ns_init,
        same_namespace=same_ns,
        name=name,
        exe=exe,
        cmdline=cmdline,
        kind=kind,
        kind_text=_kind_text(kind),
        stopsignal=stop_name,
        signals=sigs,
        tree=_tree_rows(procs, pid),
        zombies=zombies,
        signal_group=group,
        outside_group=outside,
        others_in_namespace=others,
        problems=problems,
        warnings=warnings,
        notes=notes,
    )
    report.exit_code = EXIT_PROBLEMS if problems else EXIT_OK
    return report


# --------------------------------------------------------------------------- output


def _pid_label(pid: int, nspid: int) -> str:
    return str(pid) if pid == nspid else f"{pid} (ns {nspid})"


def render(r: Report) -> str:
    out: list[str] = []
    where = "PID 1 of its PID namespace" if r.is_ns_init else "not PID 1 of its PID namespace"
    host = "" if r.pid == r.nspid else f", pid {r.pid} seen from here"
    out.append(f"pid {r.nspid}: {r.name} ({where}{host})")
    out.append(f"  command: {shlex.join(r.cmdline) if r.cmdline else '[' + r.name + ']'}")
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
        cmd = shlex.join(row["cmdline"]) if row["cmdline"] else f"[{row['name']}]"
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
                    f"{shlex.join(o['cmdline']) if o['cmdline'] else o['name']}"
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
            "hex": format(sum(1 << (n - 1) for n in waited), "016x") if waited else "?",
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
        report = examine(target, stopsig, args.stopsignal is not None, args.wait)
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
